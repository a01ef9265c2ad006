-- +goose Up
-- The 72-hour reminder's sweep and the /missing lists: ended episodes whose interview is
-- not yet offered, and episodes by start.
CREATE INDEX placement_incidents_rhi_due_idx ON placement_incidents (ended_at)
    WHERE ended_at IS NOT NULL AND rhi_offered_at IS NULL;
CREATE INDEX placement_incidents_started_idx ON placement_incidents (started_at DESC);

-- +goose Down
DROP INDEX placement_incidents_started_idx;
DROP INDEX placement_incidents_rhi_due_idx;
