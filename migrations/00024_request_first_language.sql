-- +goose Up
-- The child's first language, so that a provider can say how it will meet it. Optional;
-- a language's name, not a code (the council's case system holds the code).
ALTER TABLE placement_requests ADD COLUMN first_language text NOT NULL DEFAULT ''
    CHECK (char_length(first_language) <= 60);

-- +goose Down
ALTER TABLE placement_requests DROP COLUMN first_language;
