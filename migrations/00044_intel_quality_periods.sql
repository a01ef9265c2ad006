-- +goose Up
-- The quality view offers fixed periods only (the last 12 months and each whole financial
-- year: intelligence.QualityPeriods), each worked out at the refresh: a row per
-- consortium and period, not one per consortium.
DELETE FROM intel_quality_default;
ALTER TABLE intel_quality_default DROP CONSTRAINT intel_quality_default_pkey;
ALTER TABLE intel_quality_default ADD PRIMARY KEY (consortium_id, period_from, period_to);

-- +goose Down
DELETE FROM intel_quality_default;
ALTER TABLE intel_quality_default DROP CONSTRAINT intel_quality_default_pkey;
ALTER TABLE intel_quality_default ADD PRIMARY KEY (consortium_id);
