-- +goose Up
-- Awards: a placement per request (a refused one may be followed by another award),
-- with the reasons it needs a senior approver, if any.
ALTER TABLE vacancy_changes DROP CONSTRAINT vacancy_changes_source_check;
ALTER TABLE vacancy_changes ADD CONSTRAINT vacancy_changes_source_check CHECK (source IN ('web', 'api', 'csv', 'seed', 'award', 'refusal'));

CREATE TABLE placements (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id       bigint NOT NULL REFERENCES placement_requests (id),
    bid_id           bigint NOT NULL REFERENCES bids (id),
    council_id       bigint NOT NULL REFERENCES organisations (id),
    provider_id      bigint NOT NULL REFERENCES organisations (id),
    home_id          bigint NOT NULL REFERENCES homes (id),
    status           text NOT NULL CHECK (status IN ('awaiting_approval', 'awarded', 'refused', 'started', 'ended')),
    weekly_fee_pence bigint NOT NULL CHECK (weekly_fee_pence > 0),
    start_date       date NOT NULL,
    miles            numeric(6, 1) NOT NULL CHECK (miles >= 0),
    approval_reasons text[] NOT NULL DEFAULT '{}' CHECK (approval_reasons <@ ARRAY['distance', 'out_of_area', 'over_ceiling']),
    awarded_by       bigint REFERENCES users (id),
    awarded_at       timestamptz NOT NULL DEFAULT now(),
    decided_by       bigint REFERENCES users (id),
    decided_at       timestamptz,
    refusal_reason   text,
    CONSTRAINT approval_needs_reasons CHECK (status <> 'awaiting_approval' OR cardinality(approval_reasons) > 0),
    CONSTRAINT refusal_has_reason CHECK (status <> 'refused' OR length(btrim(coalesce(refusal_reason, ''))) > 0)
);
-- A request is awarded at most once at a time, even when two commissioners press at once.
CREATE UNIQUE INDEX placements_one_live_per_request ON placements (request_id) WHERE status <> 'refused';
CREATE INDEX placements_council_idx ON placements (council_id, status);
CREATE INDEX placements_home_idx ON placements (home_id);

-- +goose Down
DROP TABLE placements;
ALTER TABLE vacancy_changes DROP CONSTRAINT vacancy_changes_source_check;
ALTER TABLE vacancy_changes ADD CONSTRAINT vacancy_changes_source_check CHECK (source IN ('web', 'api', 'csv', 'seed'));
