-- +goose Up
-- The marketplace: frameworks (a DPS / dynamic market) with lots, needs tiers and price
-- ceilings; providers' applications and per-lot admissions; homes and their vacancies.
CREATE EXTENSION IF NOT EXISTS cube;
CREATE EXTENSION IF NOT EXISTS earthdistance;

-- +goose StatementBegin
-- Hearth's fixed needs taxonomy (see DOMAIN.md); kept in one immutable function so that
-- CHECK constraints on arrays of codes can use it.
CREATE FUNCTION hearth_need_codes() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['cse_risk', 'cce_risk', 'missing_episodes', 'self_harm', 'mental_health',
        'learning_disability', 'physical_disability', 'autism', 'sen_ehcp', 'substance_misuse',
        'offending', 'harmful_sexual_behaviour', 'violence_aggression', 'uasc',
        'trauma_therapeutic', 'sibling_group', 'parent_and_child', 'solo_placement']
$$;
-- +goose StatementEnd

CREATE TABLE frameworks (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consortium_id         bigint NOT NULL,
    consortium_kind       text NOT NULL DEFAULT 'consortium' CHECK (consortium_kind = 'consortium'),
    name                  text NOT NULL CHECK (length(btrim(name)) BETWEEN 3 AND 200),
    open_for_applications boolean NOT NULL DEFAULT true,
    weight_price          smallint NOT NULL CHECK (weight_price BETWEEN 0 AND 100),
    weight_quality        smallint NOT NULL CHECK (weight_quality BETWEEN 0 AND 100),
    weight_distance       smallint NOT NULL CHECK (weight_distance BETWEEN 0 AND 100),
    weight_fit            smallint NOT NULL CHECK (weight_fit BETWEEN 0 AND 100),
    levy_bps              integer NOT NULL CHECK (levy_bps BETWEEN 0 AND 2000),
    created_at            timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (consortium_id, consortium_kind) REFERENCES organisations (id, kind),
    UNIQUE (consortium_id, name),
    CONSTRAINT weights_sum_to_100 CHECK (weight_price + weight_quality + weight_distance + weight_fit = 100)
);

CREATE TABLE lots (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    framework_id   bigint NOT NULL REFERENCES frameworks (id) ON DELETE CASCADE,
    code           text NOT NULL CHECK (code ~ '^[a-z0-9_]{2,40}$'),
    name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 2 AND 200),
    placement_type text NOT NULL CHECK (placement_type IN ('residential', 'fostering', 'supported_16_17', 'secure_welfare')),
    UNIQUE (framework_id, code)
);

-- Weekly price ceilings in integer pence for each lot and needs tier.
CREATE TABLE lot_tiers (
    lot_id        bigint NOT NULL REFERENCES lots (id) ON DELETE CASCADE,
    tier          text NOT NULL CHECK (tier IN ('standard', 'complex', 'specialist')),
    ceiling_pence bigint NOT NULL CHECK (ceiling_pence BETWEEN 100 AND 5000000),
    PRIMARY KEY (lot_id, tier)
);

CREATE TABLE provider_profiles (
    organisation_id     bigint PRIMARY KEY,
    org_kind            text NOT NULL DEFAULT 'provider' CHECK (org_kind = 'provider'),
    registration_kind   text NOT NULL CHECK (registration_kind IN ('company', 'charity')),
    registration_number text NOT NULL,
    contact_name        text NOT NULL CHECK (length(btrim(contact_name)) > 0),
    contact_email       citext NOT NULL,
    contact_phone       text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organisation_id, org_kind) REFERENCES organisations (id, kind),
    CONSTRAINT registration_number_format CHECK (
        (registration_kind = 'company' AND registration_number ~ '^([0-9]{8}|(SC|NI|OC|SO|NC)[0-9]{6})$') OR
        (registration_kind = 'charity' AND registration_number ~ '^[0-9]{6,8}(-[0-9]{1,2})?$'))
);

-- A provider's application to a framework: declarations, then per-lot decisions.
CREATE TABLE framework_applications (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    framework_id            bigint NOT NULL REFERENCES frameworks (id),
    provider_id             bigint NOT NULL,
    provider_kind           text NOT NULL DEFAULT 'provider' CHECK (provider_kind = 'provider'),
    ofsted_registered       boolean,
    insurance_expiry        date,
    safeguarding_policy_date date,
    responsible_individual  text,
    submitted_at            timestamptz,
    suspended_at            timestamptz,
    suspension_reason       text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (provider_id, provider_kind) REFERENCES organisations (id, kind),
    UNIQUE (framework_id, provider_id),
    CONSTRAINT submitted_is_complete CHECK (submitted_at IS NULL OR (ofsted_registered IS NOT NULL
        AND insurance_expiry IS NOT NULL AND safeguarding_policy_date IS NOT NULL
        AND length(btrim(coalesce(responsible_individual, ''))) > 0)),
    CONSTRAINT suspension_has_reason CHECK ((suspended_at IS NULL) = (suspension_reason IS NULL)
        AND (suspension_reason IS NULL OR length(btrim(suspension_reason)) > 0))
);

CREATE TABLE admissions (
    application_id bigint NOT NULL REFERENCES framework_applications (id) ON DELETE CASCADE,
    lot_id         bigint NOT NULL REFERENCES lots (id),
    status         text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'admitted', 'rejected')),
    reason         text NOT NULL DEFAULT '',
    decided_by     bigint REFERENCES users (id),
    decided_at     timestamptz,
    PRIMARY KEY (application_id, lot_id),
    CONSTRAINT decision_has_reason CHECK (status = 'requested' OR (decided_at IS NOT NULL AND length(btrim(reason)) > 0))
);

CREATE TABLE homes (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id        bigint NOT NULL,
    provider_kind      text NOT NULL DEFAULT 'provider' CHECK (provider_kind = 'provider'),
    name               text NOT NULL CHECK (length(btrim(name)) BETWEEN 2 AND 200),
    ofsted_urn         text NOT NULL UNIQUE CHECK (ofsted_urn ~ '^(SC[0-9]{6}|[0-9]{6,7})$'),
    home_type          text NOT NULL CHECK (home_type IN ('childrens_home', 'fostering_agency', 'supported_accommodation', 'secure_childrens_home')),
    ofsted_rating      text NOT NULL CHECK (ofsted_rating IN ('outstanding', 'good', 'requires_improvement', 'inadequate', 'not_yet_inspected')),
    inspection_date    date,
    registered_places  integer NOT NULL CHECK (registered_places BETWEEN 1 AND 200),
    min_age            smallint NOT NULL CHECK (min_age BETWEEN 0 AND 25),
    max_age            smallint NOT NULL CHECK (max_age BETWEEN 0 AND 25),
    accepts_male       boolean NOT NULL,
    accepts_female     boolean NOT NULL,
    needs              text[] NOT NULL DEFAULT '{}' CHECK (needs <@ hearth_need_codes()),
    postcode           text NOT NULL CHECK (postcode ~ '^[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}$'),
    outcode            text NOT NULL CHECK (postcode LIKE outcode || ' %'),
    lat                double precision NOT NULL CHECK (lat BETWEEN 49.8 AND 60.9),
    lon                double precision NOT NULL CHECK (lon BETWEEN -8.7 AND 1.8),
    host_council_id    bigint REFERENCES organisations (id),
    -- The vacancy as the provider last said it: beds free now, and beds becoming free on a date.
    beds_free          integer NOT NULL DEFAULT 0,
    next_free_date     date,
    next_free_beds     integer,
    vacancy_confirmed_at timestamptz,
    stale_reminded_at  timestamptz,
    version            integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (provider_id, provider_kind) REFERENCES organisations (id, kind),
    CONSTRAINT age_range CHECK (min_age <= max_age),
    CONSTRAINT accepts_someone CHECK (accepts_male OR accepts_female),
    CONSTRAINT inspected_has_date CHECK ((ofsted_rating = 'not_yet_inspected') = (inspection_date IS NULL)),
    CONSTRAINT beds_free_within_places CHECK (beds_free BETWEEN 0 AND registered_places),
    CONSTRAINT next_free_is_whole CHECK ((next_free_date IS NULL) = (next_free_beds IS NULL)
        AND (next_free_beds IS NULL OR next_free_beds BETWEEN 1 AND registered_places))
);
CREATE INDEX homes_provider_idx ON homes (provider_id);
CREATE INDEX homes_earth_idx ON homes USING gist (ll_to_earth(lat, lon));
CREATE INDEX homes_needs_idx ON homes USING gin (needs);

CREATE TABLE home_lots (
    home_id bigint NOT NULL REFERENCES homes (id) ON DELETE CASCADE,
    lot_id  bigint NOT NULL REFERENCES lots (id),
    PRIMARY KEY (home_id, lot_id)
);
CREATE INDEX home_lots_lot_idx ON home_lots (lot_id);

-- Every change or confirmation of a vacancy, for history and sufficiency analysis.
CREATE TABLE vacancy_changes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    home_id        bigint NOT NULL REFERENCES homes (id) ON DELETE CASCADE,
    beds_free      integer NOT NULL CHECK (beds_free >= 0),
    next_free_date date,
    next_free_beds integer,
    source         text NOT NULL CHECK (source IN ('web', 'api', 'csv', 'seed')),
    changed_by     bigint REFERENCES users (id),
    changed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vacancy_changes_home_idx ON vacancy_changes (home_id, changed_at DESC);

-- +goose StatementBegin
-- Open boards, in every Hearth process, listen on this channel to refresh within seconds.
CREATE FUNCTION notify_vacancy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('vacancy_changed', NEW.home_id::text);
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER vacancy_changes_notify AFTER INSERT ON vacancy_changes
    FOR EACH ROW EXECUTE FUNCTION notify_vacancy_changed();

-- +goose Down
DROP TABLE vacancy_changes;
DROP FUNCTION notify_vacancy_changed();
DROP TABLE home_lots;
DROP TABLE homes;
DROP TABLE admissions;
DROP TABLE framework_applications;
DROP TABLE provider_profiles;
DROP TABLE lot_tiers;
DROP TABLE lots;
DROP TABLE frameworks;
DROP FUNCTION hearth_need_codes();
DROP EXTENSION IF EXISTS earthdistance;
DROP EXTENSION IF EXISTS cube;
