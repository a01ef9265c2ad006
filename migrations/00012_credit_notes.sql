-- +goose Up
-- Credit notes: invoices bill a month in advance, so when a placement ends early, its
-- start moves later or a lower fee is backdated, the nights already invoiced that did not
-- happen (or happened for less) are credited. The database keeps any night from being
-- credited beyond what was invoiced for it.

-- A change to a placement's dates or fees that may need a credit, written in the same
-- transaction as the change (by the triggers below) and worked by the billing service.
CREATE TABLE credit_jobs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id bigint NOT NULL REFERENCES placements (id),
    reason       text NOT NULL,
    attempts     integer NOT NULL DEFAULT 0,
    next_try_at  timestamptz NOT NULL DEFAULT now(),
    last_error   text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    done_at      timestamptz
);
-- At most one waiting job a placement: a second change before it is worked joins it.
CREATE UNIQUE INDEX credit_jobs_pending_idx ON credit_jobs (placement_id) WHERE done_at IS NULL;

CREATE TABLE credit_notes (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id            bigint NOT NULL REFERENCES invoices (id),
    placement_id          bigint NOT NULL REFERENCES placements (id),
    credit_job_id         bigint NOT NULL REFERENCES credit_jobs (id),
    memo                  text NOT NULL,
    total_pence           bigint NOT NULL CHECK (total_pence > 0),
    levy_pence            bigint NOT NULL CHECK (levy_pence >= 0 AND levy_pence <= total_pence),
    status                text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'issued')),
    stripe_credit_note_id text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    -- Working a job twice credits an invoice once.
    UNIQUE (credit_job_id, invoice_id)
);
CREATE INDEX credit_notes_invoice_idx ON credit_notes (invoice_id);

-- A run of nights of one invoice line credited at weekly_pence less than was invoiced.
CREATE TABLE credit_note_lines (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    credit_note_id     bigint NOT NULL REFERENCES credit_notes (id),
    invoice_line_id    bigint NOT NULL REFERENCES invoice_lines (id),
    reason             text NOT NULL CHECK (reason IN ('ended_early', 'start_moved', 'fee_backdated')),
    from_date          date NOT NULL,
    to_date            date NOT NULL, -- exclusive
    days               integer NOT NULL CHECK (days > 0),
    weekly_pence       bigint NOT NULL CHECK (weekly_pence > 0),
    amount_pence       bigint NOT NULL CHECK (amount_pence >= 0),
    levy_pence         bigint NOT NULL CHECK (levy_pence >= 0 AND levy_pence <= amount_pence),
    description        text NOT NULL,
    -- The provider's share of the credit is kept back from the line's transfer when that
    -- is made after the credit (netted), or reversed from a transfer already made.
    netted             boolean NOT NULL DEFAULT false,
    stripe_reversal_id text,
    CONSTRAINT days_match CHECK (to_date - from_date = days)
);
CREATE INDEX credit_note_lines_line_idx ON credit_note_lines (invoice_line_id);

-- No night is credited more than it was invoiced: the nights lie within the invoice
-- line, on every night the weekly amounts credited add up to no more than the line's
-- weekly fee, and the pence credited to no more than the line's amount (and levy). The
-- invoice line is locked first, so two credits for one line are checked one after the
-- other, each seeing the other's rows.
-- +goose StatementBegin
CREATE FUNCTION credit_within_invoiced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    l       invoice_lines%ROWTYPE;
    amount  bigint;
    levy    bigint;
    weekly  bigint;
BEGIN
    SELECT * INTO l FROM invoice_lines WHERE id = NEW.invoice_line_id FOR UPDATE;
    IF NEW.from_date < l.from_date OR NEW.to_date > l.to_date THEN
        RAISE EXCEPTION 'credit for % to % lies outside invoice line % (% to %)', NEW.from_date, NEW.to_date, l.id, l.from_date, l.to_date
            USING ERRCODE = 'check_violation', CONSTRAINT = 'credit_within_invoiced';
    END IF;
    SELECT coalesce(sum(amount_pence), 0), coalesce(sum(levy_pence), 0) INTO amount, levy
        FROM credit_note_lines WHERE invoice_line_id = l.id AND id <> NEW.id;
    IF amount + NEW.amount_pence > l.amount_pence OR levy + NEW.levy_pence > l.levy_pence THEN
        RAISE EXCEPTION 'invoice line % would be credited % pence of % invoiced', l.id, amount + NEW.amount_pence, l.amount_pence
            USING ERRCODE = 'check_violation', CONSTRAINT = 'credit_within_invoiced';
    END IF;
    SELECT coalesce(max(s), 0) INTO weekly FROM (
        SELECT sum(c.weekly_pence) AS s FROM generate_series(NEW.from_date, NEW.to_date - 1, interval '1 day') AS n (night)
        JOIN credit_note_lines c ON c.invoice_line_id = l.id AND c.id <> NEW.id AND n.night >= c.from_date AND n.night < c.to_date
        GROUP BY n.night) AS per_night;
    IF weekly + NEW.weekly_pence > l.weekly_pence THEN
        RAISE EXCEPTION 'a night of invoice line % would be credited at % a week of % invoiced', l.id, weekly + NEW.weekly_pence, l.weekly_pence
            USING ERRCODE = 'check_violation', CONSTRAINT = 'credit_within_invoiced';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER credit_within_invoiced BEFORE INSERT OR UPDATE ON credit_note_lines
    FOR EACH ROW EXECUTE FUNCTION credit_within_invoiced();

-- A change to an invoiced placement's start, end or fees queues a credit job in the same
-- transaction, whichever code made it.
-- +goose StatementBegin
CREATE FUNCTION queue_credit_job() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pid bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN pid := OLD.placement_id;
    ELSIF TG_TABLE_NAME = 'placements' THEN pid := NEW.id;
    ELSE pid := NEW.placement_id;
    END IF;
    IF EXISTS (SELECT 1 FROM invoice_lines WHERE placement_id = pid) THEN
        INSERT INTO credit_jobs (placement_id, reason) VALUES (pid, TG_TABLE_NAME || ' ' || lower(TG_OP))
            ON CONFLICT (placement_id) WHERE done_at IS NULL DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER placement_dates_credit AFTER UPDATE OF started_on, ended_on ON placements
    FOR EACH ROW WHEN (OLD.started_on IS DISTINCT FROM NEW.started_on OR OLD.ended_on IS DISTINCT FROM NEW.ended_on)
    EXECUTE FUNCTION queue_credit_job();
CREATE TRIGGER placement_fees_credit AFTER INSERT OR UPDATE OR DELETE ON placement_fees
    FOR EACH ROW EXECUTE FUNCTION queue_credit_job();

-- Credit notes go to Stripe through the outbox; a line credited in full before its
-- transfer is not transferred at all.
ALTER TABLE stripe_jobs DROP CONSTRAINT stripe_jobs_kind_check;
ALTER TABLE stripe_jobs ADD CONSTRAINT stripe_jobs_kind_check CHECK (kind IN ('invoice', 'transfer', 'credit_note'));
ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_transfer_status_check;
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_transfer_status_check
    CHECK (transfer_status IN ('awaiting_payment', 'waiting_onboarding', 'queued', 'sent', 'credited'));

-- Paid and void are final: once an invoice is paid its status and paid_at never change.
-- +goose StatementBegin
CREATE FUNCTION invoice_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('paid', 'void') AND (NEW.status IS DISTINCT FROM OLD.status OR NEW.paid_at IS DISTINCT FROM OLD.paid_at) THEN
        RAISE EXCEPTION 'invoice % is % already', OLD.id, OLD.status USING ERRCODE = 'check_violation', CONSTRAINT = 'invoice_final';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER invoice_final BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION invoice_final();

-- +goose Down
DROP TRIGGER invoice_final ON invoices;
DROP FUNCTION invoice_final();
UPDATE invoice_lines SET transfer_status = 'sent' WHERE transfer_status = 'credited';
ALTER TABLE invoice_lines DROP CONSTRAINT invoice_lines_transfer_status_check;
ALTER TABLE invoice_lines ADD CONSTRAINT invoice_lines_transfer_status_check
    CHECK (transfer_status IN ('awaiting_payment', 'waiting_onboarding', 'queued', 'sent'));
DELETE FROM stripe_jobs WHERE kind = 'credit_note';
ALTER TABLE stripe_jobs DROP CONSTRAINT stripe_jobs_kind_check;
ALTER TABLE stripe_jobs ADD CONSTRAINT stripe_jobs_kind_check CHECK (kind IN ('invoice', 'transfer'));
DROP TRIGGER placement_fees_credit ON placement_fees;
DROP TRIGGER placement_dates_credit ON placements;
DROP FUNCTION queue_credit_job();
DROP TABLE credit_note_lines;
DROP FUNCTION credit_within_invoiced();
DROP TABLE credit_notes;
DROP TABLE credit_jobs;
