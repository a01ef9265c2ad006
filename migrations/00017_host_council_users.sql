-- +goose Up
-- Host-council users: staff of any English council, in a consortium or not, who see
-- only the host view (placements by other councils into their area, the notices about
-- them, their missing episodes). The role belongs to councils only, and each such user
-- is managed by the consortium whose admin invited them, so that admin lists them and
-- no other consortium's does.
ALTER TABLE users DROP CONSTRAINT role_fits_organisation;
ALTER TABLE users ADD CONSTRAINT role_fits_organisation CHECK (
    (role = 'consortium_admin' AND org_kind = 'consortium') OR
    (role IN ('commissioner', 'approver', 'host_council_user') AND org_kind = 'council') OR
    (role IN ('provider_admin', 'provider_user', 'secure_home_user') AND org_kind = 'provider') OR
    (role = 'swcu_coordinator' AND org_kind = 'swcu'));

ALTER TABLE users
    ADD COLUMN managed_by bigint,
    ADD COLUMN managed_by_kind text GENERATED ALWAYS AS (CASE WHEN managed_by IS NULL THEN NULL ELSE 'consortium' END) STORED,
    ADD CONSTRAINT managed_by_a_consortium FOREIGN KEY (managed_by, managed_by_kind) REFERENCES organisations (id, kind),
    ADD CONSTRAINT host_council_users_are_managed CHECK ((role = 'host_council_user') = (managed_by IS NOT NULL));
CREATE INDEX users_managed_by_idx ON users (managed_by) WHERE managed_by IS NOT NULL;

-- +goose Down
-- No other role is as narrow as a host-council user's, so rolling back cannot turn
-- them into anything else without widening what they see: remove them first.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM users WHERE role = 'host_council_user') THEN
        RAISE EXCEPTION 'host-council users exist: remove them before rolling back migration 00017';
    END IF;
END $$;
-- +goose StatementEnd
DROP INDEX users_managed_by_idx;
ALTER TABLE users DROP CONSTRAINT host_council_users_are_managed,
    DROP CONSTRAINT managed_by_a_consortium,
    DROP COLUMN managed_by_kind,
    DROP COLUMN managed_by;
ALTER TABLE users DROP CONSTRAINT role_fits_organisation;
ALTER TABLE users ADD CONSTRAINT role_fits_organisation CHECK (
    (role = 'consortium_admin' AND org_kind = 'consortium') OR
    (role IN ('commissioner', 'approver') AND org_kind = 'council') OR
    (role IN ('provider_admin', 'provider_user', 'secure_home_user') AND org_kind = 'provider') OR
    (role = 'swcu_coordinator' AND org_kind = 'swcu'));
