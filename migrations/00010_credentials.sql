-- +goose Up
-- Credentials hardened (issue 10): TOTP replay protection, API token expiry, a
-- register of each user's signed-in sessions, and rate limits on password resets and
-- sign-ups.

-- The last TOTP time step accepted for the user: a code of that step or an earlier one
-- is refused, so a code signs in once.
ALTER TABLE users ADD COLUMN totp_last_step bigint;

-- Tokens made before expiry existed get the default 90 days from now, not from their
-- creation, so no integration stops without warning.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET expires_at = greatest(created_at, now()) + interval '90 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_expiry_after_creation CHECK (expires_at > created_at);

-- One row per signed-in session, keyed like the sessions table by the SHA-256 (hex) of
-- the session token: the token itself is never stored.
CREATE TABLE user_sessions (
    token_hash   text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    ip           inet,
    id           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    user_agent   text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 500)
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id);

-- Requests for a password-reset link or a sign-up, counted per address and per email.
CREATE TABLE credential_requests (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind  text NOT NULL CHECK (kind IN ('password_reset', 'sign_up')),
    email citext NOT NULL,
    ip    inet,
    at    timestamptz NOT NULL
);
CREATE INDEX credential_requests_email_idx ON credential_requests (kind, email, at);
CREATE INDEX credential_requests_ip_idx ON credential_requests (kind, ip, at);

-- Sessions were stored under their raw token; from now on the store keys them by hash.
DELETE FROM sessions;

-- +goose Down
DELETE FROM sessions;
DROP TABLE credential_requests;
DROP TABLE user_sessions;
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE users DROP COLUMN totp_last_step;
