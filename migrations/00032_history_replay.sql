-- +goose Up
-- Issue 15: replaying history. The synthetic history seed (marketplace/nationalseed)
-- inserts bids and declines made years ago, which the late-response trigger refuses by
-- the database's clock. In a transaction that sets hearth.replay_history = 'on' (SET
-- LOCAL; only the seed does), an INSERT is checked against the time the row records
-- (a bid's created_at, a decline's declined_at) instead, and that time must not be in
-- the future: the rule "no response at or after the deadline, only on an open request"
-- still holds for every row. Updates are always checked by the clock.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION refuse_late_responses() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r  placement_requests%ROWTYPE;
    at timestamptz := clock_timestamp();
BEGIN
    SELECT * INTO r FROM placement_requests WHERE id = NEW.request_id;
    IF TG_OP = 'INSERT' AND current_setting('hearth.replay_history', true) = 'on' THEN
        IF TG_TABLE_NAME = 'bids' THEN
            at := NEW.created_at;
        ELSE
            at := NEW.declined_at;
        END IF;
        IF at > clock_timestamp() THEN
            RAISE EXCEPTION 'a replayed response to request % is dated in the future', NEW.request_id USING ERRCODE = 'HB001';
        END IF;
    END IF;
    IF r.status <> 'open' OR at >= r.deadline THEN
        RAISE EXCEPTION 'bidding on request % has closed', NEW.request_id USING ERRCODE = 'HB001';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION refuse_late_responses() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r placement_requests%ROWTYPE;
BEGIN
    SELECT * INTO r FROM placement_requests WHERE id = NEW.request_id;
    IF r.status <> 'open' OR clock_timestamp() >= r.deadline THEN
        RAISE EXCEPTION 'bidding on request % has closed', NEW.request_id USING ERRCODE = 'HB001';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
