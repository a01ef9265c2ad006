-- +goose Up
-- The child's religion, if the council records it, so that a provider can say how its
-- home will support the child's faith. Optional; shown to invited providers.
ALTER TABLE placement_requests ADD COLUMN religion text NOT NULL DEFAULT ''
    CHECK (char_length(religion) <= 60);

-- The request's free text has the form's and the API's limits (4,000 characters) in the
-- database too. NOT VALID: checked for every new or changed row, without refusing
-- the migration over an older row that is longer.
ALTER TABLE placement_requests
    ADD CONSTRAINT needs_detail_length CHECK (char_length(needs_detail) <= 4000) NOT VALID,
    ADD CONSTRAINT family_details_length CHECK (char_length(family_details) <= 4000) NOT VALID;

-- +goose Down
ALTER TABLE placement_requests DROP CONSTRAINT family_details_length, DROP CONSTRAINT needs_detail_length;
ALTER TABLE placement_requests DROP COLUMN religion;
