-- +goose Up
-- The placement lifecycle: fees and their changes, Individual Placement Agreements (each
-- issue kept as the PDF sent), start, incidents, end; organisations' in-app notices
-- (the host council's inbox); and audited amendments to submitted requests.
ALTER TABLE vacancy_changes DROP CONSTRAINT vacancy_changes_source_check;
ALTER TABLE vacancy_changes ADD CONSTRAINT vacancy_changes_source_check
    CHECK (source IN ('web', 'api', 'csv', 'seed', 'award', 'refusal', 'end'));

ALTER TABLE placements
    ADD COLUMN host_council_id bigint REFERENCES organisations (id),
    ADD COLUMN notice_days     integer NOT NULL DEFAULT 28 CHECK (notice_days BETWEEN 0 AND 365),
    ADD COLUMN review_date     date,
    ADD COLUMN started_on      date,
    ADD COLUMN started_by      bigint REFERENCES users (id),
    ADD COLUMN ended_on        date,
    ADD COLUMN end_reason      text CHECK (end_reason IN ('planned_move', 'returned_home', 'independence',
        'adoption_sgo', 'breakdown', 'provider_notice', 'custody', 'secure', 'did_not_start', 'other')),
    ADD COLUMN end_note        text NOT NULL DEFAULT '' CHECK (length(end_note) <= 2000),
    ADD COLUMN ended_by        bigint REFERENCES users (id),
    ADD CONSTRAINT started_has_date CHECK (status <> 'started' OR started_on IS NOT NULL),
    ADD CONSTRAINT ended_has_reason CHECK ((status = 'ended') = (ended_on IS NOT NULL AND end_reason IS NOT NULL)),
    ADD CONSTRAINT ended_after_start CHECK (status <> 'ended' OR (started_on IS NULL) = (end_reason = 'did_not_start')),
    ADD CONSTRAINT ends_after_start CHECK (ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on);
UPDATE placements p SET host_council_id = h.host_council_id FROM homes h WHERE h.id = p.home_id;
CREATE INDEX placements_host_idx ON placements (host_council_id, status) WHERE host_council_id IS NOT NULL;
CREATE INDEX placements_provider_idx ON placements (provider_id, status);
CREATE INDEX placement_requests_child_idx ON placement_requests (council_id, child_ref);

-- The weekly fee from a date: the award's, then every agreed change. Billing reads this.
CREATE TABLE placement_fees (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id          bigint NOT NULL REFERENCES placements (id),
    effective_from        date NOT NULL,
    core_pence            bigint NOT NULL CHECK (core_pence > 0 AND core_pence <= 5000000),
    one_to_one_hours      integer NOT NULL DEFAULT 0 CHECK (one_to_one_hours BETWEEN 0 AND 168),
    one_to_one_rate_pence bigint NOT NULL DEFAULT 0 CHECK (one_to_one_rate_pence BETWEEN 0 AND 50000),
    education_pence       bigint NOT NULL DEFAULT 0 CHECK (education_pence BETWEEN 0 AND 1000000),
    total_pence           bigint GENERATED ALWAYS AS (core_pence + one_to_one_hours * one_to_one_rate_pence + education_pence) STORED,
    reason                text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
    changed_by            bigint REFERENCES users (id),
    changed_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (placement_id, effective_from)
);

INSERT INTO placement_fees (placement_id, effective_from, core_pence, one_to_one_hours, one_to_one_rate_pence, education_pence, reason, changed_by, changed_at)
SELECT p.id, p.start_date, b.weekly_fee_pence, b.one_to_one_hours, b.one_to_one_rate_pence, b.education_pence, 'Awarded', p.awarded_by, p.awarded_at
FROM placements p JOIN bids b ON b.id = p.bid_id;
UPDATE placements p SET notice_days = b.notice_days, review_date = p.start_date + 28 FROM bids b WHERE b.id = p.bid_id;

-- Each issue of a placement's agreement, kept exactly as issued.
CREATE TABLE placement_agreements (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id bigint NOT NULL REFERENCES placements (id),
    version      integer NOT NULL CHECK (version >= 1),
    reason       text NOT NULL CHECK (reason IN ('award', 'fee_change')),
    pdf          bytea NOT NULL CHECK (substring(pdf FROM 1 FOR 5) = '%PDF-'::bytea),
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    issued_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (placement_id, version)
);

-- Missing and absent episodes, reported by the provider.
CREATE TABLE placement_incidents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id bigint NOT NULL REFERENCES placements (id),
    kind         text NOT NULL CHECK (kind IN ('missing', 'absent')),
    started_at   timestamptz NOT NULL,
    ended_at     timestamptz,
    note         text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    reported_by  bigint REFERENCES users (id),
    reported_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT incident_ends_after_start CHECK (ended_at IS NULL OR ended_at > started_at)
);
CREATE INDEX placement_incidents_placement_idx ON placement_incidents (placement_id, started_at DESC);

-- In-app notices to an organisation: the host council's inbox, and the like.
CREATE TABLE notices (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    placement_id    bigint REFERENCES placements (id),
    kind            text NOT NULL CHECK (kind IN ('host_award', 'host_start', 'host_end', 'incident', 'award_outcome', 'approval', 'amendment')),
    subject         text NOT NULL CHECK (length(btrim(subject)) BETWEEN 1 AND 300),
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    read_at         timestamptz
);
CREATE INDEX notices_organisation_idx ON notices (organisation_id, created_at DESC);

-- A submitted request changes only by a visible amendment, kept with what changed and why.
CREATE TABLE request_amendments (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES placement_requests (id),
    reason     text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 1000),
    changes    jsonb NOT NULL CHECK (jsonb_typeof(changes) = 'array' AND jsonb_array_length(changes) > 0),
    amended_by bigint REFERENCES users (id),
    amended_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_amendments_request_idx ON request_amendments (request_id, amended_at);

-- +goose Down
DROP TABLE request_amendments;
DROP TABLE notices;
DROP TABLE placement_incidents;
DROP TABLE placement_agreements;
DROP TABLE placement_fees;
DROP INDEX placement_requests_child_idx;
ALTER TABLE placements
    DROP COLUMN host_council_id, DROP COLUMN notice_days, DROP COLUMN review_date, DROP COLUMN started_on,
    DROP COLUMN started_by, DROP COLUMN ended_on, DROP COLUMN end_reason, DROP COLUMN end_note, DROP COLUMN ended_by;
DELETE FROM vacancy_changes WHERE source = 'end';
ALTER TABLE vacancy_changes DROP CONSTRAINT vacancy_changes_source_check;
ALTER TABLE vacancy_changes ADD CONSTRAINT vacancy_changes_source_check
    CHECK (source IN ('web', 'api', 'csv', 'seed', 'award', 'refusal'));
