-- +goose Up
-- Issue 15, regional intelligence: time to place, summarised. Percentiles over a
-- consortium's year of awards are too slow to compute per page view on national
-- history, so the refresh_intelligence task (cmd/hearth/jobs.go) recomputes them into
-- this table and records when (intel_refreshes, shown as "data as of"). Counts are
-- stored whole; the view suppresses those under 5 when it reads them.
CREATE TABLE intel_time_to_place (
    consortium_id      bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    council_id         bigint REFERENCES organisations (id) ON DELETE CASCADE, -- NULL: the consortium as a whole
    lot                text NOT NULL,
    emergency          boolean NOT NULL,
    awards             integer NOT NULL CHECK (awards > 0),
    award_median_hours double precision NOT NULL CHECK (award_median_hours <= award_p90_hours),
    award_p90_hours    double precision NOT NULL,
    started            integer NOT NULL CHECK (started BETWEEN 0 AND awards),
    start_median_days  double precision,
    start_p90_days     double precision,
    CONSTRAINT started_has_times CHECK ((started = 0) = (start_median_days IS NULL) AND (started = 0) = (start_p90_days IS NULL)),
    CONSTRAINT start_median_under_p90 CHECK (start_median_days <= start_p90_days)
);
CREATE UNIQUE INDEX intel_time_to_place_key ON intel_time_to_place (consortium_id, coalesce(council_id, 0), lot, emergency);

-- When each summarised view was last refreshed, and the window it covers.
CREATE TABLE intel_refreshes (
    view         text PRIMARY KEY CHECK (view ~ '^[a-z_]{2,40}$'),
    refreshed_at timestamptz NOT NULL,
    window_from  timestamptz NOT NULL CHECK (window_from < refreshed_at)
);

-- +goose Down
DROP TABLE intel_refreshes;
DROP TABLE intel_time_to_place;
