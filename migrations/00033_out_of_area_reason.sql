-- +goose Up
-- Why a council placed a child out of its area (the annual out-of-area return): a code
-- from a fixed list, asked on the award when the home is outside the placing council's
-- area, with the commissioner's words when the reason is "other".
ALTER TABLE placements
    ADD COLUMN out_of_area_reason text CHECK (out_of_area_reason IN ('no_suitable_in_area', 'specialist_needs', 'safeguarding',
        'near_family', 'siblings_together', 'child_wishes', 'other')),
    ADD COLUMN out_of_area_note text NOT NULL DEFAULT '' CHECK (length(out_of_area_note) <= 500),
    ADD CONSTRAINT out_of_area_other_has_note CHECK (out_of_area_reason IS DISTINCT FROM 'other' OR length(btrim(out_of_area_note)) > 0),
    ADD CONSTRAINT out_of_area_note_needs_other CHECK (out_of_area_note = '' OR out_of_area_reason = 'other'),
    -- Only a placement whose home is outside the placing council's area has a reason.
    ADD CONSTRAINT out_of_area_reason_only_out_of_area CHECK (out_of_area_reason IS NULL OR host_council_id IS DISTINCT FROM council_id);

-- The out-of-area view (commissioning/intelligence): a consortium's councils' placements
-- starting in a year, read from the index alone.
CREATE INDEX placements_council_start_idx ON placements (council_id, start_date) INCLUDE (host_council_id, miles, status, end_reason);

-- +goose Down
DROP INDEX placements_council_start_idx;
ALTER TABLE placements DROP COLUMN out_of_area_note, DROP COLUMN out_of_area_reason;
