-- +goose Up
-- Regional intelligence, sufficiency: each submitted request's facts (its month, lot,
-- the child's sex, age and needs, and how the market answered it), so the view sums a
-- consortium's rows instead of counting each request's invitations, bids and declines
-- on every call. A periodic job rebuilds it (intelligence.RefreshSufficiency); the
-- view shows the time of the last rebuild as "data as of".
CREATE TABLE intel_request_facts (
    request_id    bigint PRIMARY KEY REFERENCES placement_requests (id) ON DELETE CASCADE,
    consortium_id bigint NOT NULL REFERENCES organisations (id),
    council_id    bigint NOT NULL REFERENCES organisations (id),
    month         timestamp NOT NULL,
    lot           text NOT NULL,
    sex           text,
    age_years     smallint,
    needs         text[] NOT NULL,
    reached       integer NOT NULL CHECK (reached >= 0),
    bids          integer NOT NULL CHECK (bids >= 0),
    declines      integer NOT NULL CHECK (declines >= 0),
    awarded       boolean NOT NULL,
    awarded_at    timestamptz,          -- the live award's time
    out_of_area   boolean,              -- the live award's home lies outside the placing council
    decline_reasons text[] NOT NULL,    -- one per decline
    CHECK (awarded = (awarded_at IS NOT NULL)),
    CHECK (cardinality(decline_reasons) = declines)
);
CREATE INDEX intel_request_facts_scope_idx ON intel_request_facts (consortium_id, month);

-- When it was last rebuilt: its row in intel_refreshes (migration 00034), view 'sufficiency'.

-- +goose Down
DELETE FROM intel_refreshes WHERE view = 'sufficiency';
DROP TABLE intel_request_facts;
