-- +goose Up
-- A delivery is claimed (claimed_until, committed) before its HTTP call, which is made
-- outside any transaction; the attempt is recorded in a second, short transaction. A
-- claim whose worker crashed lapses at claimed_until and the delivery is tried again.
ALTER TABLE webhook_deliveries ADD COLUMN claimed_until timestamptz;

-- At most 10 endpoints per organisation, counted under a lock on the organisation's
-- endpoints so that concurrent registrations cannot pass the count together.
-- +goose StatementBegin
CREATE FUNCTION webhook_endpoints_cap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('webhook_endpoints ' || NEW.organisation_id, 0));
    IF (SELECT count(*) FROM webhook_endpoints WHERE organisation_id = NEW.organisation_id) >= 10 THEN
        RAISE EXCEPTION 'an organisation may register at most 10 webhook endpoints'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'webhook_endpoints_per_organisation';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER webhook_endpoints_cap BEFORE INSERT ON webhook_endpoints
    FOR EACH ROW EXECUTE FUNCTION webhook_endpoints_cap();

-- +goose Down
DROP TRIGGER webhook_endpoints_cap ON webhook_endpoints;
DROP FUNCTION webhook_endpoints_cap();
ALTER TABLE webhook_deliveries DROP COLUMN claimed_until;
