-- +goose Up
-- Secure welfare coordination: the secure estate (homes and their beds), section 25
-- referrals from councils, their circulation to secure homes, allocation, admission and
-- discharge, and the daily national report.
ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (kind IN ('host_award', 'host_start', 'host_end', 'incident',
    'award_outcome', 'approval', 'amendment', 'secure', 'host_secure'));

CREATE TABLE secure_homes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id     bigint NOT NULL,
    provider_kind   text NOT NULL DEFAULT 'provider' CHECK (provider_kind = 'provider'),
    name            text NOT NULL UNIQUE CHECK (length(btrim(name)) BETWEEN 2 AND 200),
    country         text NOT NULL CHECK (country IN ('england', 'wales', 'scotland')),
    region          text NOT NULL,
    lat             double precision NOT NULL CHECK (lat BETWEEN 49.8 AND 60.9),
    lon             double precision NOT NULL CHECK (lon BETWEEN -8.7 AND 1.8),
    host_council_id bigint REFERENCES organisations (id),
    min_age         smallint NOT NULL CHECK (min_age BETWEEN 10 AND 17),
    max_age         smallint NOT NULL CHECK (max_age BETWEEN 10 AND 17),
    accepts_male    boolean NOT NULL,
    accepts_female  boolean NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id),
    FOREIGN KEY (provider_id, provider_kind) REFERENCES organisations (id, kind),
    CONSTRAINT ages_in_order CHECK (min_age <= max_age),
    CONSTRAINT takes_someone CHECK (accepts_male OR accepts_female),
    -- Homes in England have an English host council; Welsh and Scottish units do not.
    CONSTRAINT host_in_england CHECK ((country = 'england') = (host_council_id IS NOT NULL))
);

CREATE TABLE secure_referrals (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    council_id          bigint NOT NULL,
    council_kind        text NOT NULL DEFAULT 'council' CHECK (council_kind = 'council'),
    created_by          bigint REFERENCES users (id),
    status              text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'circulated', 'offers', 'allocated', 'placed', 'withdrawn', 'placed_elsewhere')),
    child_ref           text NOT NULL CHECK (child_ref ~ '^[A-Za-z0-9/_-]{2,40}$'),
    age_years           smallint NOT NULL CHECK (age_years BETWEEN 10 AND 17),
    birth_month         smallint NOT NULL CHECK (birth_month BETWEEN 1 AND 12),
    birth_year          smallint NOT NULL CHECK (birth_year BETWEEN 1990 AND 2100),
    sex                 text NOT NULL CHECK (sex IN ('male', 'female')),
    legal_position      text NOT NULL CHECK (legal_position IN ('order_granted', 'hearing_listed', 'applying')),
    order_expiry        date,
    hearing_date        date,
    court               text NOT NULL DEFAULT '',
    urgency             text NOT NULL CHECK (urgency IN ('emergency', 'urgent', 'planned')),
    needs               text[] NOT NULL DEFAULT '{}' CHECK (needs <@ hearth_need_codes()),
    needs_detail        text NOT NULL DEFAULT '' CHECK (length(needs_detail) <= 4000),
    current_outcode     text NOT NULL,
    lat                 double precision NOT NULL,
    lon                 double precision NOT NULL,
    preferred_miles     integer NOT NULL CHECK (preferred_miles BETWEEN 1 AND 1000),
    social_worker       text NOT NULL CHECK (length(btrim(social_worker)) BETWEEN 2 AND 300),
    sanctioning_officer text NOT NULL CHECK (length(btrim(sanctioning_officer)) BETWEEN 2 AND 300),
    childrens_guardian  text NOT NULL DEFAULT '' CHECK (length(childrens_guardian) <= 300),
    solicitor           text NOT NULL DEFAULT '' CHECK (length(solicitor) <= 300),
    emergency_72h       boolean NOT NULL DEFAULT false,
    sos_approval_ref    text NOT NULL DEFAULT '' CHECK (length(sos_approval_ref) <= 100),
    submitted_at        timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),  -- the council's last 14-day update
    reviewed_at         timestamptz NOT NULL DEFAULT now(),  -- the last 3-month review
    update_reminded_for timestamptz,
    review_reminded_for timestamptz,
    allocated_bed_id    bigint,
    allocated_at        timestamptz,
    allocated_by        bigint REFERENCES users (id),
    closed_at           timestamptz,
    version             integer NOT NULL DEFAULT 1,
    FOREIGN KEY (council_id, council_kind) REFERENCES organisations (id, kind),
    CONSTRAINT order_granted_has_expiry CHECK (legal_position <> 'order_granted' OR order_expiry IS NOT NULL),
    CONSTRAINT hearing_has_date_and_court CHECK (legal_position <> 'hearing_listed' OR (hearing_date IS NOT NULL AND length(btrim(court)) > 0)),
    CONSTRAINT expiry_after_hearing CHECK (order_expiry IS NULL OR hearing_date IS NULL OR order_expiry >= hearing_date),
    -- A child under 13 in a secure children's home needs the Secretary of State's approval.
    CONSTRAINT under_13_needs_approval CHECK (age_years >= 13 OR length(btrim(sos_approval_ref)) > 0),
    CONSTRAINT allocated_has_bed CHECK ((status IN ('allocated', 'placed')) = (allocated_bed_id IS NOT NULL))
);
CREATE INDEX secure_referrals_council_idx ON secure_referrals (council_id, status);
CREATE INDEX secure_referrals_waiting_idx ON secure_referrals (status) WHERE status IN ('received', 'circulated', 'offers');

CREATE TABLE secure_beds (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    home_id             bigint NOT NULL REFERENCES secure_homes (id),
    label               text NOT NULL CHECK (length(btrim(label)) BETWEEN 1 AND 40),
    designation         text NOT NULL CHECK (designation IN ('welfare', 'youth_justice')),
    status              text NOT NULL DEFAULT 'free' CHECK (status IN ('free', 'occupied', 'held', 'closed')),
    closed_reason       text CHECK (closed_reason IN ('staffing', 'maintenance', 'other')),
    reopens_on          date,
    expected_free_on    date,
    held_for            bigint REFERENCES secure_referrals (id),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    updated_by          bigint REFERENCES users (id),
    version             integer NOT NULL DEFAULT 1,
    UNIQUE (home_id, label),
    CONSTRAINT closed_has_reason CHECK ((status = 'closed') = (closed_reason IS NOT NULL AND reopens_on IS NOT NULL)),
    -- A held bed waits for an allocated child; an occupied one may hold a child placed
    -- through Hearth or one placed outside it (a youth-justice remand, say).
    CONSTRAINT held_for_a_child CHECK (status <> 'held' OR held_for IS NOT NULL),
    CONSTRAINT free_holds_no_one CHECK (status NOT IN ('free', 'closed') OR held_for IS NULL)
);
-- A child holds at most one bed.
CREATE UNIQUE INDEX secure_beds_one_per_child ON secure_beds (held_for) WHERE held_for IS NOT NULL;
ALTER TABLE secure_referrals ADD CONSTRAINT secure_referrals_bed_fk FOREIGN KEY (allocated_bed_id) REFERENCES secure_beds (id);

-- Every change of a bed's state, for the board's history and occupancy over time.
CREATE TABLE secure_bed_changes (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bed_id     bigint NOT NULL REFERENCES secure_beds (id),
    home_id    bigint NOT NULL REFERENCES secure_homes (id),
    status     text NOT NULL,
    detail     text NOT NULL DEFAULT '',
    changed_by bigint REFERENCES users (id),
    changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX secure_bed_changes_home_idx ON secure_bed_changes (home_id, changed_at);
CREATE INDEX secure_bed_changes_bed_idx ON secure_bed_changes (bed_id, changed_at DESC, id DESC);

-- +goose StatementBegin
CREATE FUNCTION notify_secure_bed_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('secure_changed', 'home:' || NEW.home_id);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER secure_bed_changes_notify AFTER INSERT ON secure_bed_changes
    FOR EACH ROW EXECUTE FUNCTION notify_secure_bed_changed();

-- A referral sent to a secure home, and the home's answer.
CREATE TABLE secure_circulations (
    referral_id         bigint NOT NULL REFERENCES secure_referrals (id),
    home_id             bigint NOT NULL REFERENCES secure_homes (id),
    circulated_at       timestamptz NOT NULL DEFAULT now(),
    circulated_by       bigint REFERENCES users (id),
    response            text CHECK (response IN ('accepted', 'declined')),
    bed_id              bigint REFERENCES secure_beds (id),
    earliest_admission  date,
    decline_reason      text CHECK (decline_reason IN ('no_bed', 'staffing', 'mix_of_children', 'needs_beyond_home', 'distance', 'other')),
    detail              text NOT NULL DEFAULT '' CHECK (length(detail) <= 2000),
    responded_at        timestamptz,
    responded_by        bigint REFERENCES users (id),
    PRIMARY KEY (referral_id, home_id),
    CONSTRAINT accepted_has_bed CHECK (response IS DISTINCT FROM 'accepted' OR (bed_id IS NOT NULL AND earliest_admission IS NOT NULL)),
    CONSTRAINT declined_has_reason CHECK (response IS DISTINCT FROM 'declined' OR decline_reason IS NOT NULL),
    CONSTRAINT other_needs_detail CHECK (decline_reason IS DISTINCT FROM 'other' OR length(btrim(detail)) > 0)
);
CREATE INDEX secure_circulations_home_idx ON secure_circulations (home_id, response);

-- A child's stay in a secure bed, from admission to discharge.
CREATE TABLE secure_placements (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id      bigint NOT NULL UNIQUE REFERENCES secure_referrals (id),
    bed_id           bigint NOT NULL REFERENCES secure_beds (id),
    admitted_on      date NOT NULL,
    admitted_by      bigint REFERENCES users (id),
    discharged_on    date,
    discharge_reason text CHECK (discharge_reason IN ('order_ended', 'step_down', 'moved_secure', 'returned_home', 'other')),
    CONSTRAINT discharged_has_reason CHECK ((discharged_on IS NULL) = (discharge_reason IS NULL)),
    CONSTRAINT discharge_after_admission CHECK (discharged_on IS NULL OR discharged_on >= admitted_on)
);
-- A bed has at most one child in it.
CREATE UNIQUE INDEX secure_placements_one_per_bed ON secure_placements (bed_id) WHERE discharged_on IS NULL;

-- Who receives the daily national report, and the days it has gone out (the primary key
-- makes the send happen once however many Hearth processes run).
CREATE TABLE report_subscriptions (
    user_id    bigint PRIMARY KEY REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE daily_reports (
    report_date date PRIMARY KEY,
    sent_at     timestamptz NOT NULL DEFAULT now(),
    recipients  integer NOT NULL
);

-- +goose Down
DROP TABLE daily_reports;
DROP TABLE report_subscriptions;
DROP TABLE secure_placements;
DROP TABLE secure_circulations;
DROP TABLE secure_bed_changes;
DROP FUNCTION notify_secure_bed_changed();
ALTER TABLE secure_referrals DROP CONSTRAINT secure_referrals_bed_fk;
DROP TABLE secure_beds;
DROP TABLE secure_referrals;
DROP TABLE secure_homes;
DELETE FROM notices WHERE kind IN ('secure', 'host_secure');
ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (kind IN ('host_award', 'host_start', 'host_end', 'incident',
    'award_outcome', 'approval', 'amendment'));
