-- +goose Up
-- Foundation: organisations, users, sessions, credentials, audit log and email outbox.
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE organisations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('consortium', 'council', 'provider', 'swcu')),
    name          text NOT NULL CHECK (length(btrim(name)) BETWEEN 2 AND 200),
    -- Council reference data (ONS code, region, centroid); NULL for other kinds.
    ons_code      text UNIQUE CHECK (ons_code ~ '^E(06|08|09|10)[0-9]{6}$'),
    region        text CHECK (region IN ('North East', 'North West', 'Yorkshire and The Humber',
                     'East Midlands', 'West Midlands', 'East of England', 'London', 'South East', 'South West')),
    centroid_lat  double precision CHECK (centroid_lat BETWEEN 49.8 AND 55.9),
    centroid_lon  double precision CHECK (centroid_lon BETWEEN -6.5 AND 1.8),
    -- The consortium a council commissions through (NULL when it is not a member).
    consortium_id bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, kind),
    UNIQUE (kind, name),
    CONSTRAINT council_reference_data CHECK (
        (kind = 'council') = (ons_code IS NOT NULL AND region IS NOT NULL
                              AND centroid_lat IS NOT NULL AND centroid_lon IS NOT NULL)),
    CONSTRAINT only_councils_join_consortia CHECK (consortium_id IS NULL OR kind = 'council'),
    CONSTRAINT consortium_fk FOREIGN KEY (consortium_id, consortium_kind)
        REFERENCES organisations (id, kind),
    consortium_kind text GENERATED ALWAYS AS (CASE WHEN consortium_id IS NULL THEN NULL ELSE 'consortium' END) STORED
);
CREATE INDEX organisations_consortium_idx ON organisations (consortium_id) WHERE consortium_id IS NOT NULL;

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organisation_id bigint NOT NULL,
    org_kind        text NOT NULL,
    email           citext NOT NULL UNIQUE CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    name            text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    role            text NOT NULL,
    -- argon2id PHC string; NULL until the user sets a password from an invitation.
    password_hash   text CHECK (password_hash IS NULL OR password_hash LIKE '$argon2id$%'),
    totp_secret     text,
    totp_enabled_at timestamptz,
    disabled_at     timestamptz,
    last_login_at   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organisation_id, org_kind) REFERENCES organisations (id, kind),
    CONSTRAINT role_fits_organisation CHECK (
        (role = 'consortium_admin' AND org_kind = 'consortium') OR
        (role IN ('commissioner', 'approver') AND org_kind = 'council') OR
        (role IN ('provider_admin', 'provider_user', 'secure_home_user') AND org_kind = 'provider') OR
        (role = 'swcu_coordinator' AND org_kind = 'swcu')),
    CONSTRAINT totp_enabled_needs_secret CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL)
);
CREATE INDEX users_organisation_idx ON users (organisation_id);

-- Server-side sessions, in the layout github.com/alexedwards/scs/pgxstore expects.
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

CREATE TABLE login_attempts (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email     citext NOT NULL,
    ip        inet,
    succeeded boolean NOT NULL,
    at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_idx ON login_attempts (email, at);
CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, at);

CREATE TABLE password_resets (
    token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Append-only audit log: who did what to which record, when, from where.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    actor_user_id bigint REFERENCES users (id),
    actor_org_id  bigint REFERENCES organisations (id),
    actor         text NOT NULL,
    action        text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    entity_type   text NOT NULL,
    entity_id     text NOT NULL DEFAULT '',
    detail        jsonb NOT NULL DEFAULT '{}'::jsonb,
    ip            inet,
    request_id    text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id);

-- +goose StatementBegin
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- Every email Hearth sends, kept as an outbox: a worker delivers queued mail over SMTP;
-- with no SMTP server configured mail stays 'stored' for the consortium admin's outbox page.
CREATE TABLE emails (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_address  citext NOT NULL,
    subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    body        text NOT NULL,
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'stored', 'failed')),
    attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error  text NOT NULL DEFAULT '',
    next_try_at timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX emails_queue_idx ON emails (next_try_at) WHERE status = 'queued';

-- +goose Down
DROP TABLE emails;
DROP TRIGGER audit_log_no_truncate ON audit_log;
DROP TABLE audit_log;
DROP FUNCTION audit_log_is_append_only();
DROP TABLE api_tokens;
DROP TABLE password_resets;
DROP TABLE login_attempts;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE organisations;
