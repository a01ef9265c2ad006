-- +goose Up
CREATE EXTENSION IF NOT EXISTS btree_gist;
-- Billing through Stripe Connect: providers' connected accounts, councils as customers,
-- monthly invoices with a line per placement, transfers to providers, the Stripe call
-- outbox and the webhook events already processed.
CREATE TABLE billing_accounts (
    organisation_id   bigint PRIMARY KEY REFERENCES organisations (id),
    stripe_account_id text NOT NULL,
    details_submitted boolean NOT NULL DEFAULT false,
    charges_enabled   boolean NOT NULL DEFAULT false,
    payouts_enabled   boolean NOT NULL DEFAULT false,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX billing_accounts_stripe_idx ON billing_accounts (stripe_account_id);

CREATE TABLE billing_customers (
    organisation_id    bigint PRIMARY KEY REFERENCES organisations (id),
    billing_email      citext CHECK (billing_email IS NULL OR billing_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    stripe_customer_id text,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE invoices (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consortium_id     bigint NOT NULL REFERENCES organisations (id),
    council_id        bigint NOT NULL REFERENCES organisations (id),
    period_start      date NOT NULL,
    period_end        date NOT NULL, -- exclusive
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'open', 'paid', 'payment_failed', 'void')),
    total_pence       bigint NOT NULL CHECK (total_pence > 0),
    levy_pence        bigint NOT NULL CHECK (levy_pence >= 0),
    stripe_invoice_id text,
    created_by        bigint REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    paid_at           timestamptz,
    -- One invoice per council per period: running the same period again creates nothing,
    -- and no two of a council's invoices cover the same night.
    UNIQUE (council_id, period_start),
    CONSTRAINT period_in_order CHECK (period_end > period_start),
    CONSTRAINT periods_do_not_overlap EXCLUDE USING gist (council_id WITH =, daterange(period_start, period_end) WITH &&)
);
CREATE INDEX invoices_period_idx ON invoices (consortium_id, period_start);

CREATE TABLE invoice_lines (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id      bigint NOT NULL REFERENCES invoices (id),
    placement_id    bigint NOT NULL REFERENCES placements (id),
    provider_id     bigint NOT NULL REFERENCES organisations (id),
    lot_id          bigint REFERENCES lots (id),
    from_date       date NOT NULL,
    to_date         date NOT NULL, -- exclusive: the nights from from_date up to to_date
    days            integer NOT NULL CHECK (days > 0),
    weekly_pence    bigint NOT NULL CHECK (weekly_pence > 0),
    amount_pence    bigint NOT NULL CHECK (amount_pence > 0),
    levy_pence      bigint NOT NULL CHECK (levy_pence >= 0 AND levy_pence <= amount_pence),
    description     text NOT NULL,
    stripe_item_id  text,
    transfer_status text NOT NULL DEFAULT 'awaiting_payment' CHECK (transfer_status IN ('awaiting_payment', 'waiting_onboarding', 'queued', 'sent')),
    stripe_transfer_id text,
    CONSTRAINT days_match CHECK (to_date - from_date = days),
    UNIQUE (placement_id, from_date)
);
CREATE INDEX invoice_lines_invoice_idx ON invoice_lines (invoice_id);
CREATE INDEX invoice_lines_provider_idx ON invoice_lines (provider_id, transfer_status);

-- Every Stripe call goes through here: a worker makes it with retries and backoff, and
-- the idempotency key makes a retried call create nothing twice.
CREATE TABLE stripe_jobs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('invoice', 'transfer')),
    ref_id      bigint NOT NULL,
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    attempts    integer NOT NULL DEFAULT 0,
    next_try_at timestamptz NOT NULL DEFAULT now(),
    last_error  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    done_at     timestamptz,
    UNIQUE (kind, ref_id)
);
CREATE INDEX stripe_jobs_due_idx ON stripe_jobs (next_try_at) WHERE status = 'pending';

CREATE TABLE stripe_events (
    id           text PRIMARY KEY,
    type         text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE stripe_events;
DROP TABLE stripe_jobs;
DROP TABLE invoice_lines;
DROP TABLE invoices;
DROP TABLE billing_customers;
DROP TABLE billing_accounts;
