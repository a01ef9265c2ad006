-- +goose Up
-- Regional intelligence, out of area: the placements of the 12 months before the last
-- refresh grouped by placing council, host council and distance band, and every
-- financial year's placements out of area grouped by council and recorded reason (the
-- annual return). Counting a consortium's placements on every page view is too slow on
-- national history; the refresh_out_of_area task (cmd/hearth/jobs.go) rebuilds both
-- tables (intelligence.RefreshOutOfArea) and records when in intel_refreshes (view
-- 'out_of_area'), shown as "data as of". Whether a host adjoins the placing council is
-- worked out when the view is read, so a consortium's adjacency overrides apply at once.
-- Counts are stored whole; the view suppresses small ones when it reads them.
CREATE TABLE intel_out_of_area (
    consortium_id   bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    council_id      bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    host_council_id bigint REFERENCES organisations (id) ON DELETE CASCADE, -- NULL: a home outside England
    band            smallint NOT NULL CHECK (band BETWEEN 0 AND 4),        -- intelligence.DistanceBands
    placements      integer NOT NULL CHECK (placements > 0)
);
CREATE UNIQUE INDEX intel_out_of_area_key ON intel_out_of_area (consortium_id, council_id, coalesce(host_council_id, 0), band);

CREATE TABLE intel_out_of_area_return (
    consortium_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    council_id    bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    year          smallint NOT NULL, -- the financial year starting 1 April year
    reason        text NOT NULL,     -- placements.out_of_area_reason; '' where none was recorded
    placements    integer NOT NULL CHECK (placements > 0),
    PRIMARY KEY (consortium_id, year, council_id, reason)
);

-- +goose Down
DELETE FROM intel_refreshes WHERE view = 'out_of_area';
DROP TABLE intel_out_of_area_return;
DROP TABLE intel_out_of_area;
