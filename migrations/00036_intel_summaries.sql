-- +goose Up
-- Regional intelligence within 100 ms on national history (issue 15, performance).
--
-- Out of area: the placements of the 12 months before the last
-- refresh by placing council and host council, in distance bands, and every
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
    -- Placements by distance, in intelligence.DistanceBands' bands (miles).
    up_to_10        integer NOT NULL CHECK (up_to_10 >= 0),
    up_to_20        integer NOT NULL CHECK (up_to_20 >= 0),
    up_to_50        integer NOT NULL CHECK (up_to_50 >= 0),
    up_to_100       integer NOT NULL CHECK (up_to_100 >= 0),
    over_100        integer NOT NULL CHECK (over_100 >= 0),
    CHECK (up_to_10 + up_to_20 + up_to_50 + up_to_100 + over_100 > 0)
);
CREATE UNIQUE INDEX intel_out_of_area_key ON intel_out_of_area (consortium_id, council_id, coalesce(host_council_id, 0));

CREATE TABLE intel_out_of_area_return (
    consortium_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    council_id    bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    year          smallint NOT NULL, -- the financial year starting 1 April year
    reason        text NOT NULL,     -- placements.out_of_area_reason; '' where none was recorded
    placements    integer NOT NULL CHECK (placements > 0),
    PRIMARY KEY (consortium_id, year, council_id, reason)
);

-- Sufficiency, folded further (intelligence.RefreshSufficiency rebuilds these from
-- intel_request_facts, 00035, in the same transaction): the view reads a few hundred
-- rows of these instead of a consortium's every request. council_id 0 is every council of
-- the consortium; sex and age_band are '' where none was recorded; need '*' is any need
-- (a request with several needs counts once under each, and once under '*').
CREATE TABLE intel_demand (
    consortium_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    council_id    bigint NOT NULL,
    month         timestamp NOT NULL,
    lot           text NOT NULL,
    sex           text NOT NULL,
    age_band      text NOT NULL,
    need          text NOT NULL,
    requests      integer NOT NULL CHECK (requests > 0),
    reached       integer NOT NULL,
    bids          integer NOT NULL,
    declines      integer NOT NULL,
    awards        integer NOT NULL,
    no_bid        integer NOT NULL,
    PRIMARY KEY (consortium_id, need, council_id, month, lot, sex, age_band)
);

-- Declines by reason and exclusions by rule (request_exclusions: live requests only), by
-- the month of the request (as intel_demand); and awards by the month (UTC) they were
-- made, with those in a home outside the placing council's area.
CREATE TABLE intel_reasons (
    kind          text NOT NULL CHECK (kind IN ('decline', 'exclusion')),
    consortium_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    council_id    bigint NOT NULL,
    month         timestamp NOT NULL,
    lot           text NOT NULL,
    reason        text NOT NULL,
    n             integer NOT NULL CHECK (n > 0),
    PRIMARY KEY (consortium_id, council_id, month, lot, kind, reason)
);
CREATE TABLE intel_awards (
    consortium_id bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    council_id    bigint NOT NULL,
    month         timestamp NOT NULL,
    lot           text NOT NULL,
    awards        integer NOT NULL CHECK (awards > 0),
    out_of_area   integer NOT NULL CHECK (out_of_area BETWEEN 0 AND awards),
    PRIMARY KEY (consortium_id, council_id, month, lot)
);

-- +goose Down
DROP TABLE intel_awards;
DROP TABLE intel_reasons;
DROP TABLE intel_demand;
DELETE FROM intel_refreshes WHERE view = 'out_of_area';
DROP TABLE intel_out_of_area_return;
DROP TABLE intel_out_of_area;
