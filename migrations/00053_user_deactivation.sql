-- +goose Up
-- Removing a user's access (users.disabled_at, set once by auth.Service.Deactivate,
-- which also ends their sessions, revokes their API tokens and cancels their links).
-- The database refuses any new session, API token or password-reset/invitation link for
-- a deactivated user, so nothing racing the removal can hand them access again: the
-- check locks the user's row (FOR SHARE), waiting for a removal in progress to commit.
-- +goose StatementBegin
CREATE FUNCTION refuse_deactivated_user_credentials() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM users WHERE id = NEW.user_id AND disabled_at IS NULL FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user % is deactivated: no new credentials', NEW.user_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER user_sessions_active_user BEFORE INSERT ON user_sessions
    FOR EACH ROW EXECUTE FUNCTION refuse_deactivated_user_credentials();
CREATE TRIGGER api_tokens_active_user BEFORE INSERT ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION refuse_deactivated_user_credentials();
CREATE TRIGGER password_resets_active_user BEFORE INSERT ON password_resets
    FOR EACH ROW EXECUTE FUNCTION refuse_deactivated_user_credentials();

-- +goose Down
DROP TRIGGER password_resets_active_user ON password_resets;
DROP TRIGGER api_tokens_active_user ON api_tokens;
DROP TRIGGER user_sessions_active_user ON user_sessions;
DROP FUNCTION refuse_deactivated_user_credentials();
