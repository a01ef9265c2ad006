-- +goose Up
-- Outbound webhooks (issue 16). An organisation registers endpoints and the event types
-- each hears of. A change writes, in its own transaction, one event per recipient
-- organisation (its payload cut to what that organisation may see) and one delivery
-- per subscribed endpoint: the unique key makes a second fan-out of the same event to
-- the same endpoint impossible, so a job queued twice still sends once.
CREATE TABLE webhook_endpoints (
    id              bigserial PRIMARY KEY,
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    url             text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 200),
    event_types     text[] NOT NULL CHECK (cardinality(event_types) > 0),
    status          text NOT NULL DEFAULT 'enabled' CHECK (status IN ('enabled', 'disabled')),
    disabled_reason text NOT NULL DEFAULT '',
    -- failing_since is the first failure of the current run of failures (NULL after a
    -- success); an endpoint failing for several days is disabled.
    failing_since   timestamptz,
    created_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'disabled') = (disabled_reason <> ''))
);
CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (organisation_id);

-- Signing secrets, sealed with HEARTH_WEBHOOK_KEY (AES-256-GCM): a dump of the database
-- alone does not yield them. A rotated-out secret keeps signing until expires_at.
CREATE TABLE webhook_secrets (
    id          bigserial PRIMARY KEY,
    endpoint_id bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    sealed      bytea NOT NULL,
    hint        text NOT NULL CHECK (length(hint) <= 20),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    CHECK (expires_at IS NULL OR expires_at >= created_at)
);
CREATE UNIQUE INDEX webhook_secrets_one_current ON webhook_secrets (endpoint_id) WHERE expires_at IS NULL;

CREATE TABLE webhook_events (
    id              text PRIMARY KEY CHECK (id ~ '^evt_[a-z0-9]{26}$'),
    organisation_id bigint NOT NULL REFERENCES organisations (id),
    type            text NOT NULL CHECK (type IN ('placement.awarded', 'placement.started', 'placement.fee_changed', 'placement.ended',
        'missing_episode.reported', 'missing_episode.returned', 'request.closed', 'referral.allocated')),
    -- The body exactly as signed and sent; bounded so that no event is unbounded.
    payload         bytea NOT NULL CHECK (octet_length(payload) <= 65536),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_org_idx ON webhook_events (organisation_id, created_at);

CREATE TABLE webhook_deliveries (
    id           bigserial PRIMARY KEY,
    event_id     text NOT NULL REFERENCES webhook_events (id),
    endpoint_id  bigint NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   text NOT NULL DEFAULT '',
    -- replay: sent again from the log; its attempts are logged as replays until done.
    replay       boolean NOT NULL DEFAULT false,
    delivered_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, endpoint_id),
    CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (id) WHERE status = 'pending';

-- The delivery log: one row per HTTP attempt. No response body beyond a short,
-- sanitised excerpt.
CREATE TABLE webhook_attempts (
    id              bigserial PRIMARY KEY,
    delivery_id     bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at    timestamptz NOT NULL,
    response_status integer CHECK (response_status BETWEEN 100 AND 599),
    latency_ms      integer NOT NULL CHECK (latency_ms >= 0),
    error           text NOT NULL DEFAULT '' CHECK (length(error) <= 300),
    excerpt         text NOT NULL DEFAULT '' CHECK (length(excerpt) <= 200),
    replay          boolean NOT NULL DEFAULT false
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempted_at);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_events;
DROP TABLE webhook_secrets;
DROP TABLE webhook_endpoints;
