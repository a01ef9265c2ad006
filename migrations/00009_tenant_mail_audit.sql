-- +goose Up
-- Tenant isolation of mail and audit (issue 10).
--
-- Emails: no usable secret is kept in a mail row. A password-reset or invitation link
-- is stored sealed (AES-GCM under the mail key, which the database never sees) only
-- while the message is queued, and wiped when it is sent or has failed; the body keeps
-- the link with its token hidden. Each row says which organisation it is to and which
-- consortium's business it is, so a consortium admin's outbox shows only their own,
-- and whether it is about a child (reading it is then audited).
ALTER TABLE emails
    ADD COLUMN to_organisation_id bigint REFERENCES organisations (id),
    ADD COLUMN consortium_id      bigint REFERENCES organisations (id),
    ADD COLUMN secret_sealed      bytea,
    ADD COLUMN about_child        boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT emails_secret_only_while_queued CHECK (secret_sealed IS NULL OR status = 'queued');
CREATE INDEX emails_consortium_idx ON emails (consortium_id, id DESC) WHERE consortium_id IS NOT NULL;

-- Links already stored in clear stop being readable (they expire anyway).
UPDATE emails SET body = regexp_replace(body, '/password/reset/[A-Za-z0-9_-]+', '/password/reset/[link hidden: sent only to the recipient]', 'g')
 WHERE body ~ '/password/reset/';
UPDATE emails e
   SET to_organisation_id = u.organisation_id,
       consortium_id = CASE o.kind WHEN 'consortium' THEN o.id ELSE o.consortium_id END
  FROM users u JOIN organisations o ON o.id = u.organisation_id
 WHERE u.email = e.to_address;

-- Audit log: the consortium whose business an entry is. Filled from the actor's
-- organisation (a consortium, or a member council's consortium) unless the caller
-- names it; failing that (a provider or the system acting) from the record acted on:
-- a framework, lot, application, request, placement, invoice, organisation or user of
-- that consortium. Adding a column leaves the append-only triggers as they are; rows
-- written before stay NULL and are scoped by their actor's organisation.
ALTER TABLE audit_log ADD COLUMN consortium_id bigint REFERENCES organisations (id);
CREATE INDEX audit_log_consortium_idx ON audit_log (consortium_id, at DESC) WHERE consortium_id IS NOT NULL;
CREATE INDEX audit_log_actor_org_idx ON audit_log (actor_org_id, at DESC);

-- +goose StatementBegin
CREATE FUNCTION audit_log_fill_consortium() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ref bigint;
BEGIN
    IF NEW.consortium_id IS NULL AND NEW.actor_org_id IS NOT NULL THEN
        SELECT CASE kind WHEN 'consortium' THEN id ELSE consortium_id END
          INTO NEW.consortium_id
          FROM organisations WHERE id = NEW.actor_org_id;
    END IF;
    IF NEW.consortium_id IS NULL AND NEW.entity_id ~ '^[0-9]{1,18}$' THEN
        ref := NEW.entity_id::bigint;
        NEW.consortium_id := CASE NEW.entity_type
            WHEN 'organisation' THEN (SELECT CASE kind WHEN 'consortium' THEN id ELSE consortium_id END FROM organisations WHERE id = ref)
            WHEN 'consortium' THEN (SELECT id FROM organisations WHERE id = ref AND kind = 'consortium')
            WHEN 'user' THEN (SELECT CASE o.kind WHEN 'consortium' THEN o.id ELSE o.consortium_id END
                                FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.id = ref)
            WHEN 'framework' THEN (SELECT consortium_id FROM frameworks WHERE id = ref)
            WHEN 'lot' THEN (SELECT f.consortium_id FROM lots l JOIN frameworks f ON f.id = l.framework_id WHERE l.id = ref)
            WHEN 'application' THEN (SELECT f.consortium_id FROM framework_applications a JOIN frameworks f ON f.id = a.framework_id WHERE a.id = ref)
            WHEN 'placement_request' THEN (SELECT coalesce(f.consortium_id, c.consortium_id)
                                             FROM placement_requests r JOIN organisations c ON c.id = r.council_id
                                             LEFT JOIN lots l ON l.id = r.lot_id LEFT JOIN frameworks f ON f.id = l.framework_id
                                            WHERE r.id = ref)
            WHEN 'placement' THEN (SELECT coalesce(f.consortium_id, c.consortium_id)
                                     FROM placements p JOIN placement_requests r ON r.id = p.request_id
                                     JOIN organisations c ON c.id = r.council_id
                                     LEFT JOIN lots l ON l.id = r.lot_id LEFT JOIN frameworks f ON f.id = l.framework_id
                                    WHERE p.id = ref)
            WHEN 'invoice' THEN (SELECT consortium_id FROM invoices WHERE id = ref)
        END;
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_fill_consortium BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_fill_consortium();

-- +goose Down
DROP TRIGGER audit_log_fill_consortium ON audit_log;
DROP FUNCTION audit_log_fill_consortium();
DROP INDEX audit_log_actor_org_idx;
ALTER TABLE audit_log DROP COLUMN consortium_id;
ALTER TABLE emails
    DROP CONSTRAINT emails_secret_only_while_queued,
    DROP COLUMN secret_sealed,
    DROP COLUMN about_child,
    DROP COLUMN consortium_id,
    DROP COLUMN to_organisation_id;
