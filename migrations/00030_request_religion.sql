-- +goose Up
-- The child's religion, if the council records it, so that a provider can say how its
-- home will support the child's faith. Optional; shown to invited providers.
ALTER TABLE placement_requests ADD COLUMN religion text NOT NULL DEFAULT ''
    CHECK (char_length(religion) <= 60);

-- +goose Down
ALTER TABLE placement_requests DROP COLUMN religion;
