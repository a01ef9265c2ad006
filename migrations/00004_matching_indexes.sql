-- +goose Up
-- Matching looks up the providers admitted to one lot, and compares a child's needs
-- with every candidate home's: as bitmasks over hearth_need_codes(), bit i for code i+1.
CREATE INDEX admissions_admitted_lot_idx ON admissions (lot_id, application_id) WHERE status = 'admitted';
CREATE INDEX framework_applications_provider_idx ON framework_applications (provider_id) WHERE suspended_at IS NULL;

-- +goose StatementBegin
CREATE FUNCTION hearth_needs_mask(needs text[]) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(bit_or(1::bigint << (array_position(hearth_need_codes(), n) - 1)), 0)
    FROM unnest(needs) AS n
$$;
-- +goose StatementEnd
ALTER TABLE homes ADD COLUMN needs_mask bigint GENERATED ALWAYS AS (hearth_needs_mask(needs)) STORED;

-- +goose Down
ALTER TABLE homes DROP COLUMN needs_mask;
DROP FUNCTION hearth_needs_mask(text[]);
DROP INDEX framework_applications_provider_idx;
DROP INDEX admissions_admitted_lot_idx;
