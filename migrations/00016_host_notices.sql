-- +goose Up
-- Host notices that reach every council (issue 12): each council's statutory
-- notification mailbox, every emailed host notice with its single-use acknowledgement
-- link, and the host council consulted before a distant placement is approved.

-- The directory of councils' notification addresses, kept by consortium admins.
CREATE TABLE council_mailboxes (
    council_id bigint PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    email      citext NOT NULL CHECK (length(email) <= 254 AND email ~ '^[^@\s<>(),;:"]+@[^@\s<>(),;:"]+\.[^@\s<>(),;:"]+$'),
    updated_by bigint REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose StatementBegin
CREATE FUNCTION council_mailboxes_council_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM organisations WHERE id = NEW.council_id AND kind = 'council') THEN
        RAISE EXCEPTION 'organisation % is not a council: only councils have a notification mailbox', NEW.council_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER council_mailboxes_council_only BEFORE INSERT OR UPDATE OF council_id ON council_mailboxes
    FOR EACH ROW EXECUTE FUNCTION council_mailboxes_council_only();

-- A host notice emailed to a council's mailbox. Only the SHA-256 of the link's random
-- token is kept; the link acknowledges this notice once, before it expires.
CREATE TABLE notice_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_id       bigint NOT NULL UNIQUE REFERENCES notices (id) ON DELETE CASCADE,
    mailbox         citext NOT NULL,
    token_hash      bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    sent_at         timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL DEFAULT now() + interval '30 days',
    acknowledged_at timestamptz,
    acknowledged_ip inet,
    CHECK (expires_at > sent_at),
    CHECK (acknowledged_ip IS NULL OR acknowledged_at IS NOT NULL)
);

-- The host council consulted, through its mailbox, before a distant placement is
-- approved (reg. 11). Its answer is advice to the approver, not a veto.
CREATE TABLE host_consultations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id    bigint NOT NULL REFERENCES placements (id) ON DELETE CASCADE,
    host_council_id bigint NOT NULL REFERENCES organisations (id),
    mailbox         citext NOT NULL,
    question        text NOT NULL DEFAULT '' CHECK (length(question) <= 2000),
    asked_by        bigint REFERENCES users (id),
    token_hash      bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    sent_at         timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL DEFAULT now() + interval '30 days',
    answer          text CHECK (length(btrim(answer)) BETWEEN 1 AND 2000),
    answered_at     timestamptz,
    answered_ip     inet,
    CHECK (expires_at > sent_at),
    CHECK ((answer IS NULL) = (answered_at IS NULL)),
    CHECK (answered_ip IS NULL OR answered_at IS NOT NULL)
);
CREATE INDEX host_consultations_placement_idx ON host_consultations (placement_id, sent_at);

-- A link works once: an acknowledgement or an answer, once given, never changes, and
-- the link's token and what it is for never change at all.
-- +goose StatementBegin
CREATE FUNCTION hearth_link_used_once() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := to_jsonb(OLD);
    new_row jsonb := to_jsonb(NEW);
    done text := TG_ARGV[0];
BEGIN
    IF old_row ->> done IS NOT NULL THEN
        RAISE EXCEPTION '% % was already used', TG_TABLE_NAME, OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.token_hash IS DISTINCT FROM OLD.token_hash OR NEW.mailbox IS DISTINCT FROM OLD.mailbox
        OR NEW.sent_at IS DISTINCT FROM OLD.sent_at OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
        OR old_row ->> TG_ARGV[1] IS DISTINCT FROM new_row ->> TG_ARGV[1] THEN
        RAISE EXCEPTION '% %: a link and what it is for do not change', TG_TABLE_NAME, OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER notice_deliveries_once BEFORE UPDATE ON notice_deliveries
    FOR EACH ROW EXECUTE FUNCTION hearth_link_used_once('acknowledged_at', 'notice_id');
CREATE TRIGGER host_consultations_once BEFORE UPDATE ON host_consultations
    FOR EACH ROW EXECUTE FUNCTION hearth_link_used_once('answered_at', 'placement_id');

-- Notice and consultation links are rate-limited per client address like reset links.
ALTER TABLE credential_requests DROP CONSTRAINT credential_requests_kind_check;
ALTER TABLE credential_requests ADD CONSTRAINT credential_requests_kind_check CHECK (kind IN ('password_reset', 'sign_up', 'notice_link'));

-- +goose Down
DELETE FROM credential_requests WHERE kind = 'notice_link';
ALTER TABLE credential_requests DROP CONSTRAINT credential_requests_kind_check;
ALTER TABLE credential_requests ADD CONSTRAINT credential_requests_kind_check CHECK (kind IN ('password_reset', 'sign_up'));
DROP TABLE host_consultations;
DROP TABLE notice_deliveries;
DROP FUNCTION hearth_link_used_once();
DROP TABLE council_mailboxes;
DROP FUNCTION council_mailboxes_council_only();
