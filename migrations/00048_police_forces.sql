-- +goose Up
-- Police forces: a consortium invites a police force area's liaison officers to see the
-- children's homes in the force's area and missing episodes from its councils'
-- placements there (issue 16). A police organisation belongs to the consortium that
-- invited it (managed_by, its tenant) and holds its ONS police force area code
-- (E23000001–E23000039, England's 39 territorial forces; Go checks it against the
-- embedded geography). Its users have the one role police_liaison.
ALTER TABLE organisations DROP CONSTRAINT organisations_kind_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_kind_check
    CHECK (kind IN ('consortium', 'council', 'provider', 'swcu', 'police'));
ALTER TABLE organisations
    ADD COLUMN pfa_code text CHECK (pfa_code ~ '^E230000(0[1-9]|[12][0-9]|3[0-9])$'),
    ADD COLUMN managed_by bigint,
    ADD COLUMN managed_by_kind text GENERATED ALWAYS AS (CASE WHEN managed_by IS NULL THEN NULL ELSE 'consortium' END) STORED,
    ADD CONSTRAINT organisation_managed_by_a_consortium FOREIGN KEY (managed_by, managed_by_kind) REFERENCES organisations (id, kind),
    ADD CONSTRAINT police_forces_are_managed CHECK ((kind = 'police') = (managed_by IS NOT NULL)),
    ADD CONSTRAINT police_forces_have_areas CHECK ((kind = 'police') = (pfa_code IS NOT NULL));
-- One organisation per force per consortium. Two consortia may each invite the same
-- force, so a police organisation's name is unique within its consortium only.
CREATE UNIQUE INDEX organisations_police_force_idx ON organisations (managed_by, pfa_code) WHERE kind = 'police';
ALTER TABLE organisations DROP CONSTRAINT organisations_kind_name_key;
CREATE UNIQUE INDEX organisations_kind_name_key ON organisations (kind, name) WHERE kind <> 'police';
CREATE UNIQUE INDEX organisations_police_name_idx ON organisations (managed_by, name) WHERE kind = 'police';

ALTER TABLE users DROP CONSTRAINT role_fits_organisation;
ALTER TABLE users ADD CONSTRAINT role_fits_organisation CHECK (
    (role = 'consortium_admin' AND org_kind = 'consortium') OR
    (role IN ('commissioner', 'approver', 'host_council_user') AND org_kind = 'council') OR
    (role IN ('provider_admin', 'provider_user', 'secure_home_user') AND org_kind = 'provider') OR
    (role = 'swcu_coordinator' AND org_kind = 'swcu') OR
    (role = 'police_liaison' AND org_kind = 'police'));

-- A police force's reads are its consortium's business: the audit log files them
-- under the consortium that manages the force (as migration 00009 does for councils).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_fill_consortium() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ref bigint;
BEGIN
    IF NEW.consortium_id IS NULL AND NEW.actor_org_id IS NOT NULL THEN
        SELECT CASE kind WHEN 'consortium' THEN id WHEN 'police' THEN managed_by ELSE consortium_id END
          INTO NEW.consortium_id
          FROM organisations WHERE id = NEW.actor_org_id;
    END IF;
    IF NEW.consortium_id IS NULL AND NEW.entity_id ~ '^[0-9]{1,18}$' THEN
        ref := NEW.entity_id::bigint;
        NEW.consortium_id := CASE NEW.entity_type
            WHEN 'organisation' THEN (SELECT CASE kind WHEN 'consortium' THEN id WHEN 'police' THEN managed_by ELSE consortium_id END FROM organisations WHERE id = ref)
            WHEN 'consortium' THEN (SELECT id FROM organisations WHERE id = ref AND kind = 'consortium')
            WHEN 'user' THEN (SELECT CASE o.kind WHEN 'consortium' THEN o.id WHEN 'police' THEN o.managed_by ELSE o.consortium_id END
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

-- +goose Down
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM organisations WHERE kind = 'police') THEN
        RAISE EXCEPTION 'police forces exist: remove them and their users before rolling back migration 00048';
    END IF;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_fill_consortium() RETURNS trigger LANGUAGE plpgsql AS $$
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
ALTER TABLE users DROP CONSTRAINT role_fits_organisation;
ALTER TABLE users ADD CONSTRAINT role_fits_organisation CHECK (
    (role = 'consortium_admin' AND org_kind = 'consortium') OR
    (role IN ('commissioner', 'approver', 'host_council_user') AND org_kind = 'council') OR
    (role IN ('provider_admin', 'provider_user', 'secure_home_user') AND org_kind = 'provider') OR
    (role = 'swcu_coordinator' AND org_kind = 'swcu'));
DROP INDEX organisations_police_name_idx;
DROP INDEX organisations_kind_name_key;
ALTER TABLE organisations ADD CONSTRAINT organisations_kind_name_key UNIQUE (kind, name);
DROP INDEX organisations_police_force_idx;
ALTER TABLE organisations DROP CONSTRAINT police_forces_have_areas,
    DROP CONSTRAINT police_forces_are_managed,
    DROP CONSTRAINT organisation_managed_by_a_consortium,
    DROP COLUMN managed_by_kind,
    DROP COLUMN managed_by,
    DROP COLUMN pfa_code;
ALTER TABLE organisations DROP CONSTRAINT organisations_kind_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_kind_check
    CHECK (kind IN ('consortium', 'council', 'provider', 'swcu'));
