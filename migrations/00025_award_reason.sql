-- +goose Up
-- Why the commissioner chose the bid they awarded: required by the award step when the
-- bid is not the top score, so the approver and the audit see it beside the evaluation.
ALTER TABLE placements ADD COLUMN award_reason text NOT NULL DEFAULT ''
    CHECK (char_length(award_reason) <= 2000);

-- +goose Down
ALTER TABLE placements DROP COLUMN award_reason;
