-- +goose Up
-- Placement requests (call-offs), the providers they invite or exclude, and sealed bids.
ALTER TABLE homes ADD CONSTRAINT homes_id_provider UNIQUE (id, provider_id);

CREATE TABLE placement_requests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    council_id      bigint NOT NULL,
    council_kind    text NOT NULL DEFAULT 'council' CHECK (council_kind = 'council'),
    created_by      bigint REFERENCES users (id),
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed', 'awarded', 'cancelled')),
    -- Pseudonymised child profile: the council's own reference, never a name.
    child_ref       text NOT NULL CHECK (child_ref ~ '^[A-Za-z0-9/_-]{2,40}$'),
    age_years       smallint CHECK (age_years BETWEEN 0 AND 25),
    birth_month     smallint CHECK (birth_month BETWEEN 1 AND 12),
    birth_year      smallint CHECK (birth_year BETWEEN 1990 AND 2100),
    sex             text CHECK (sex IN ('male', 'female')),
    needs           text[] NOT NULL DEFAULT '{}' CHECK (needs <@ hearth_need_codes()),
    needs_detail    text NOT NULL DEFAULT '',
    legal_status    text CHECK (legal_status IN ('s20', 's31', 'ico', 's25', 'remand', 'epo')),
    school_year     text NOT NULL DEFAULT '',
    ehcp            boolean,
    home_outcode    text,
    home_lat        double precision,
    home_lon        double precision,
    within_miles    integer CHECK (within_miles BETWEEN 1 AND 500),
    avoid_councils  bigint[] NOT NULL DEFAULT '{}',
    framework_id    bigint REFERENCES frameworks (id),
    lot_id          bigint REFERENCES lots (id),
    tier            text CHECK (tier IN ('standard', 'complex', 'specialist')),
    start_date      date,
    duration_weeks  integer CHECK (duration_weeks BETWEEN 1 AND 520),
    deadline        timestamptz,
    emergency       boolean NOT NULL DEFAULT false,
    family_details  text NOT NULL DEFAULT '',
    submitted_at    timestamptz,
    closed_at       timestamptz,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (council_id, council_kind) REFERENCES organisations (id, kind),
    CONSTRAINT submitted_is_complete CHECK (status = 'draft' OR (submitted_at IS NOT NULL AND age_years IS NOT NULL
        AND sex IS NOT NULL AND legal_status IS NOT NULL AND home_outcode IS NOT NULL AND home_lat IS NOT NULL
        AND within_miles IS NOT NULL AND lot_id IS NOT NULL AND tier IS NOT NULL AND start_date IS NOT NULL
        AND deadline IS NOT NULL AND duration_weeks IS NOT NULL)),
    -- Hearth rule: at least 2 hours to respond, or 1 hour for a same-day emergency.
    CONSTRAINT deadline_gives_time CHECK (submitted_at IS NULL OR deadline >= submitted_at +
        CASE WHEN emergency THEN interval '1 hour' ELSE interval '2 hours' END - interval '1 minute')
);
CREATE INDEX placement_requests_council_idx ON placement_requests (council_id, status);
CREATE INDEX placement_requests_open_deadline_idx ON placement_requests (deadline) WHERE status = 'open';

CREATE TABLE request_invitations (
    request_id  bigint NOT NULL REFERENCES placement_requests (id) ON DELETE CASCADE,
    provider_id bigint NOT NULL REFERENCES organisations (id),
    home_ids    bigint[] NOT NULL CHECK (cardinality(home_ids) > 0),
    invited_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, provider_id)
);
CREATE INDEX request_invitations_provider_idx ON request_invitations (provider_id);

-- Providers admitted to the lot but not invited, with the rule that excluded them.
CREATE TABLE request_exclusions (
    request_id  bigint NOT NULL REFERENCES placement_requests (id) ON DELETE CASCADE,
    provider_id bigint NOT NULL REFERENCES organisations (id),
    rule        text NOT NULL,
    detail      text NOT NULL,
    PRIMARY KEY (request_id, provider_id)
);

-- One bid per invited provider per request, revised in place until the deadline.
CREATE TABLE bids (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id           bigint NOT NULL,
    provider_id          bigint NOT NULL,
    home_id              bigint NOT NULL,
    status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
    earliest_start       date NOT NULL,
    weekly_fee_pence     bigint NOT NULL CHECK (weekly_fee_pence BETWEEN 1 AND 5000000),
    one_to_one_hours     integer NOT NULL DEFAULT 0 CHECK (one_to_one_hours BETWEEN 0 AND 168),
    one_to_one_rate_pence bigint NOT NULL DEFAULT 0 CHECK (one_to_one_rate_pence BETWEEN 0 AND 100000),
    education_pence      bigint NOT NULL DEFAULT 0 CHECK (education_pence BETWEEN 0 AND 2000000),
    notice_days          integer NOT NULL CHECK (notice_days BETWEEN 0 AND 365),
    need_notes           jsonb NOT NULL DEFAULT '{}'::jsonb,
    justification        text NOT NULL DEFAULT '',
    revision             integer NOT NULL DEFAULT 1,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (request_id, provider_id),
    -- Only an invited provider can bid, and only with one of its own homes.
    FOREIGN KEY (request_id, provider_id) REFERENCES request_invitations (request_id, provider_id),
    FOREIGN KEY (home_id, provider_id) REFERENCES homes (id, provider_id)
);

CREATE TABLE declines (
    request_id  bigint NOT NULL,
    provider_id bigint NOT NULL,
    reason      text NOT NULL CHECK (reason IN ('no_vacancy', 'cannot_meet_needs', 'risk_to_others', 'location', 'price', 'staffing', 'other')),
    detail      text NOT NULL DEFAULT '',
    declined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, provider_id),
    FOREIGN KEY (request_id, provider_id) REFERENCES request_invitations (request_id, provider_id),
    CONSTRAINT other_needs_detail CHECK (reason <> 'other' OR length(btrim(detail)) > 0)
);

-- +goose StatementBegin
-- Bids and declines are refused once the request's deadline has passed, by the
-- database's clock, whatever the application's clock says.
CREATE FUNCTION refuse_late_responses() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r placement_requests%ROWTYPE;
BEGIN
    SELECT * INTO r FROM placement_requests WHERE id = NEW.request_id;
    IF r.status <> 'open' OR clock_timestamp() >= r.deadline THEN
        RAISE EXCEPTION 'bidding on request % has closed', NEW.request_id USING ERRCODE = 'HB001';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
-- Only the provider's own changes are refused; Hearth may still mark bids after close.
CREATE TRIGGER bids_before_deadline BEFORE INSERT OR UPDATE OF home_id, status, earliest_start,
    weekly_fee_pence, one_to_one_hours, one_to_one_rate_pence, education_pence, notice_days,
    need_notes, justification ON bids
    FOR EACH ROW EXECUTE FUNCTION refuse_late_responses();
CREATE TRIGGER declines_before_deadline BEFORE INSERT OR UPDATE ON declines
    FOR EACH ROW EXECUTE FUNCTION refuse_late_responses();

-- +goose Down
DROP TABLE declines;
DROP TABLE bids;
DROP FUNCTION refuse_late_responses();
DROP TABLE request_exclusions;
DROP TABLE request_invitations;
DROP TABLE placement_requests;
ALTER TABLE homes DROP CONSTRAINT homes_id_provider;
