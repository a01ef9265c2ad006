-- +goose Up
-- A home's street address and its registered manager's contact, for the police force
-- whose area it is in (issue 16). All optional; each line of text bounded.
ALTER TABLE homes
    ADD COLUMN address         text NOT NULL DEFAULT '' CHECK (length(address) <= 200),
    ADD COLUMN manager_name    text NOT NULL DEFAULT '' CHECK (length(manager_name) <= 200),
    ADD COLUMN manager_phone   text NOT NULL DEFAULT '' CHECK (manager_phone = '' OR manager_phone ~ '^\+?[0-9 ()-]{7,25}$'),
    ADD COLUMN manager_email   text NOT NULL DEFAULT '' CHECK (manager_email = '' OR (length(manager_email) <= 254 AND manager_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'));

-- +goose Down
ALTER TABLE homes DROP COLUMN manager_email, DROP COLUMN manager_phone, DROP COLUMN manager_name, DROP COLUMN address;
