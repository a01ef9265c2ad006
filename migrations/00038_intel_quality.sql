-- +goose Up
-- Regional intelligence, provider quality beyond Ofsted (issue 15): per consortium, per
-- home, per month in England, what the consortium's councils' placements there came to
-- (placement-nights, starts and the placements carried into the month, unplanned endings
-- within 182 days of a start, incidents and missing episodes reported), and how the
-- home's provider answered the consortium's invitations (declines, minutes to respond).
-- The refresh_quality task (intelligence.RefreshQuality) rebuilds it and records when in
-- intel_refreshes (view 'quality'); the view sums a chosen period's months and
-- suppresses counts under 5 as it reads them.
CREATE TABLE intel_quality (
    consortium_id    bigint NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    home_id          bigint NOT NULL,
    provider_id      bigint NOT NULL, -- the home's, so that the view sums providers without a join
    month            date NOT NULL CHECK (extract(day FROM month) = 1),
    nights           integer NOT NULL CHECK (nights >= 0),
    carried_in       integer NOT NULL CHECK (carried_in >= 0),  -- placements started before the month with nights in it
    starts           integer NOT NULL CHECK (starts >= 0),
    unplanned_early  integer NOT NULL CHECK (unplanned_early BETWEEN 0 AND starts), -- of starts
    incidents        integer NOT NULL CHECK (incidents >= 0),
    missing          integer NOT NULL CHECK (missing BETWEEN 0 AND incidents),
    invitations      integer NOT NULL CHECK (invitations >= 0),
    declines         integer NOT NULL CHECK (declines BETWEEN 0 AND invitations),
    response_minutes integer[] NOT NULL CHECK (cardinality(response_minutes) <= invitations AND 0 <= ALL (response_minutes)),
    PRIMARY KEY (consortium_id, month, home_id),
    FOREIGN KEY (home_id, provider_id) REFERENCES homes (id, provider_id) ON DELETE CASCADE
);

-- The default period's figures (the 12 whole months before the refresh's), worked out
-- by the refresh from intel_quality for each consortium, before suppression, so that the
-- view's usual call reads one row: each home's totals with its names, and the medians.
CREATE TABLE intel_quality_default (
    consortium_id bigint PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    period_from   date NOT NULL CHECK (extract(day FROM period_from) = 1),
    period_to     date NOT NULL CHECK (extract(day FROM period_to) = 1),
    figures       bytea NOT NULL, -- gob-encoded (intelligence.qualityFigures): the quickest to read back
    CHECK (period_from <= period_to)
);

-- +goose Down
DELETE FROM intel_refreshes WHERE view = 'quality';
DROP TABLE intel_quality_default;
DROP TABLE intel_quality;
