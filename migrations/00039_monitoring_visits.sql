-- +goose Up
-- Issue 15, provider quality beyond Ofsted: the councils' own monitoring visits to
-- homes, scored against Hearth's published framework (commissioning/monitoring), and
-- the record of every change of a home's Ofsted rating, from which a fall is alerted.

-- A visit belongs to the council that recorded it and to that council's consortium,
-- whose councils and admins see it (and the provider of the home). A visit is never
-- edited: a correction is a new visit that amends it, once.
CREATE TABLE monitoring_visits (
    id            bigserial PRIMARY KEY,
    home_id       bigint NOT NULL REFERENCES homes (id) ON DELETE CASCADE,
    council_id    bigint NOT NULL REFERENCES organisations (id),
    consortium_id bigint NOT NULL REFERENCES organisations (id),
    recorded_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    visited_on    date NOT NULL,
    visit_type    text NOT NULL CHECK (visit_type IN ('announced', 'unannounced', 'virtual')),
    overall       smallint NOT NULL CHECK (overall BETWEEN 1 AND 4),
    summary       text NOT NULL CHECK (length(btrim(summary)) BETWEEN 1 AND 2000),
    amends_id     bigint UNIQUE REFERENCES monitoring_visits (id),
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT visited_before_recorded CHECK (visited_on <= (recorded_at AT TIME ZONE 'Europe/London')::date),
    CONSTRAINT visited_this_century CHECK (visited_on >= DATE '2000-01-01'),
    CONSTRAINT amends_another CHECK (amends_id IS NULL OR amends_id < id)
);
CREATE INDEX monitoring_visits_home ON monitoring_visits (home_id, consortium_id, visited_on DESC, id DESC);

-- One score (1 to 4) per domain of the framework for each visit.
CREATE TABLE monitoring_visit_scores (
    visit_id bigint NOT NULL REFERENCES monitoring_visits (id) ON DELETE CASCADE,
    domain   text NOT NULL CHECK (domain IN ('experiences_progress', 'help_protection', 'leadership_management', 'care_planning_education', 'environment')),
    score    smallint NOT NULL CHECK (score BETWEEN 1 AND 4),
    PRIMARY KEY (visit_id, domain)
);

-- Ofsted's judgements in order, best highest; NULL for a home not yet inspected.
CREATE FUNCTION ofsted_rating_rank(rating text) RETURNS integer LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE rating WHEN 'outstanding' THEN 4 WHEN 'good' THEN 3 WHEN 'requires_improvement' THEN 2 WHEN 'inadequate' THEN 1 END
$$;

-- Every change of a home's rating, however it was made (the home's page, the CSV
-- import, the API, SQL): written by a trigger so that no channel can skip it. A fall
-- (a worse judgement; not yet inspected is never a fall) is alerted by the service
-- that made the change, inside its transaction, which sets alerted_at.
CREATE TABLE home_rating_changes (
    id          bigserial PRIMARY KEY,
    home_id     bigint NOT NULL REFERENCES homes (id) ON DELETE CASCADE,
    from_rating text NOT NULL,
    to_rating   text NOT NULL CHECK (to_rating <> from_rating),
    fall        boolean NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    alerted_at  timestamptz,
    CONSTRAINT only_falls_alerted CHECK (fall OR alerted_at IS NULL)
);
CREATE INDEX home_rating_changes_unalerted ON home_rating_changes (id) WHERE fall AND alerted_at IS NULL;
CREATE INDEX home_rating_changes_falls ON home_rating_changes (changed_at) WHERE fall;

-- +goose StatementBegin
CREATE FUNCTION record_home_rating_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO home_rating_changes (home_id, from_rating, to_rating, fall)
    VALUES (NEW.id, OLD.ofsted_rating, NEW.ofsted_rating,
            coalesce(ofsted_rating_rank(NEW.ofsted_rating) < ofsted_rating_rank(OLD.ofsted_rating), false));
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER homes_rating_changed AFTER UPDATE OF ofsted_rating ON homes
    FOR EACH ROW WHEN (OLD.ofsted_rating IS DISTINCT FROM NEW.ofsted_rating)
    EXECUTE FUNCTION record_home_rating_change();

-- +goose Down
DROP TRIGGER homes_rating_changed ON homes;
DROP FUNCTION record_home_rating_change();
DROP TABLE home_rating_changes;
DROP FUNCTION ofsted_rating_rank(text);
DROP TABLE monitoring_visit_scores;
DROP TABLE monitoring_visits;
