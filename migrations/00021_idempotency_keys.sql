-- +goose Up
-- A POST to the API with an Idempotency-Key header is run once per (user, key): the
-- row is claimed before the handler runs (status NULL while it does) and holds the
-- response to replay to a retry. Keys are forgotten 24 hours after first use.
CREATE TABLE idempotency_keys (
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method        text NOT NULL,
    path          text NOT NULL,
    request_hash  text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
    status        integer CHECK (status BETWEEN 200 AND 599),
    response_body bytea,
    location      text,
    content_type  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (user_id, key),
    CHECK (expires_at > created_at),
    CHECK ((status IS NULL) = (response_body IS NULL))
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

-- +goose Down
DROP TABLE idempotency_keys;
