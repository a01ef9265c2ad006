-- +goose Up
-- Issue 11, the marketplace's invariants kept by the database: a bid names a home that
-- matching found for that request (or is an explicit alternative offer with the rules the
-- home fails); a council cancels a request before award, with a reason; one distance
-- (haversine, mean Earth radius 3,958.8 miles) in SQL as in Go; a placement never starts
-- before its agreed start date (an earlier arrival moves the start, and the first fee).

-- The homes matching found for each invitation, nearest first. Written by matching in
-- the transaction that writes the invitation; bids reference it.
CREATE TABLE invitation_homes (
    request_id  bigint NOT NULL,
    provider_id bigint NOT NULL,
    home_id     bigint NOT NULL,
    rank        integer NOT NULL CHECK (rank >= 1),
    PRIMARY KEY (request_id, provider_id, home_id),
    UNIQUE (request_id, provider_id, rank),
    FOREIGN KEY (request_id, provider_id) REFERENCES request_invitations (request_id, provider_id) ON DELETE CASCADE,
    FOREIGN KEY (home_id, provider_id) REFERENCES homes (id, provider_id)
);
INSERT INTO invitation_homes (request_id, provider_id, home_id, rank)
SELECT i.request_id, i.provider_id, m.home_id, m.rank
FROM request_invitations i
CROSS JOIN LATERAL unnest(i.home_ids) WITH ORDINALITY AS m(home_id, rank)
JOIN homes h ON h.id = m.home_id AND h.provider_id = i.provider_id;
ALTER TABLE request_invitations DROP COLUMN home_ids;

-- A bid on a home matching did not find is an alternative offer, and says which of
-- matching's rules the home fails. An ordinary bid's home must be one of the matched
-- homes: matched_home_id is its home (NULL for an alternative offer), and the foreign
-- key checks it against invitation_homes.
ALTER TABLE bids
    ADD COLUMN alternative        boolean NOT NULL DEFAULT false,
    ADD COLUMN alternative_rules  text[] NOT NULL DEFAULT '{}' CHECK (alternative_rules <@ ARRAY['serves_lot', 'age', 'sex', 'needs',
        'distance', 'avoided_area', 'rating', 'bed_by_start', 'not_matched']),
    ADD COLUMN alternative_detail text NOT NULL DEFAULT '' CHECK (length(alternative_detail) <= 1000),
    ADD COLUMN matched_home_id    bigint GENERATED ALWAYS AS (CASE WHEN alternative THEN NULL ELSE home_id END) STORED;
-- Bids made before Hearth checked, on a home matching did not find, become alternative
-- offers so that the commissioner sees it.
UPDATE bids b SET alternative = true, alternative_rules = '{not_matched}',
    alternative_detail = 'this home was not among those matched to the request'
WHERE NOT EXISTS (SELECT 1 FROM invitation_homes ih
                  WHERE ih.request_id = b.request_id AND ih.provider_id = b.provider_id AND ih.home_id = b.home_id);
ALTER TABLE bids
    ADD CONSTRAINT bids_alternative_has_reason CHECK (alternative = (cardinality(alternative_rules) > 0)
        AND alternative = (length(btrim(alternative_detail)) > 0)),
    ADD CONSTRAINT bids_matched_home FOREIGN KEY (request_id, provider_id, matched_home_id)
        REFERENCES invitation_homes (request_id, provider_id, home_id);

-- Cancelling a request: by its council, before award, with a reason.
ALTER TABLE placement_requests
    ADD COLUMN cancel_reason text CHECK (length(cancel_reason) <= 1000),
    ADD COLUMN cancelled_at  timestamptz,
    ADD COLUMN cancelled_by  bigint REFERENCES users (id);
UPDATE placement_requests SET cancelled_at = coalesce(closed_at, submitted_at, created_at), cancel_reason = 'Cancelled before Hearth recorded reasons'
WHERE status = 'cancelled';
ALTER TABLE placement_requests ADD CONSTRAINT cancelled_has_reason
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL AND length(btrim(coalesce(cancel_reason, ''))) > 0));

-- +goose StatementBegin
-- A request is cancelled only before award (from draft, open or closed), and a
-- cancelled request never changes state again: so an award and a cancel racing each
-- other cannot both win.
CREATE FUNCTION placement_request_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
        RAISE EXCEPTION 'placement request % is cancelled', OLD.id USING ERRCODE = 'HB011';
    END IF;
    IF NEW.status = 'cancelled' AND OLD.status NOT IN ('draft', 'open', 'closed', 'cancelled') THEN
        RAISE EXCEPTION 'placement request % cannot be cancelled once %', OLD.id, OLD.status USING ERRCODE = 'HB011';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER placement_requests_transition BEFORE UPDATE OF status ON placement_requests
    FOR EACH ROW EXECUTE FUNCTION placement_request_transition();

ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (kind IN ('host_award', 'host_start', 'host_end', 'incident',
    'award_outcome', 'approval', 'amendment', 'secure', 'host_secure', 'request_cancelled', 'start_moved'));

-- +goose StatementBegin
-- Hearth's one distance: the great-circle (haversine) distance in miles on a sphere of
-- the Earth's mean radius, 3,958.8 miles; the same formula, in the same order, as
-- geo.Miles in Go. An SQL function of one expression, so the planner inlines it.
CREATE FUNCTION hearth_miles(lat1 double precision, lon1 double precision, lat2 double precision, lon2 double precision)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT 2 * 3958.8::double precision * asin(least(1::double precision, sqrt(
        sin((lat2 - lat1) * (pi() / 180) / 2) * sin((lat2 - lat1) * (pi() / 180) / 2)
        + cos(lat1 * (pi() / 180)) * cos(lat2 * (pi() / 180)) * sin((lon2 - lon1) * (pi() / 180) / 2) * sin((lon2 - lon1) * (pi() / 180) / 2))))
$$;
-- +goose StatementEnd

-- A child cannot have started before the agreed start date: an earlier arrival moves
-- the start date, and the first fee's start with it (ConfirmStart does both in one
-- transaction, audited, and tells the council). Placements confirmed early before this
-- migration get the same.
UPDATE placement_fees f SET effective_from = p.started_on
FROM placements p
WHERE p.id = f.placement_id AND p.started_on < p.start_date
  AND f.effective_from = (SELECT min(effective_from) FROM placement_fees WHERE placement_id = p.id);
UPDATE placements SET start_date = started_on WHERE started_on < start_date;
ALTER TABLE placements ADD CONSTRAINT starts_on_or_after_agreed_start CHECK (started_on IS NULL OR started_on >= start_date);

-- +goose Down
ALTER TABLE placements DROP CONSTRAINT starts_on_or_after_agreed_start;
DROP FUNCTION hearth_miles(double precision, double precision, double precision, double precision);
DELETE FROM notices WHERE kind IN ('request_cancelled', 'start_moved');
ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (kind IN ('host_award', 'host_start', 'host_end', 'incident',
    'award_outcome', 'approval', 'amendment', 'secure', 'host_secure'));
DROP TRIGGER placement_requests_transition ON placement_requests;
DROP FUNCTION placement_request_transition();
ALTER TABLE placement_requests DROP CONSTRAINT cancelled_has_reason;
ALTER TABLE placement_requests DROP COLUMN cancel_reason, DROP COLUMN cancelled_at, DROP COLUMN cancelled_by;
ALTER TABLE bids DROP CONSTRAINT bids_matched_home, DROP CONSTRAINT bids_alternative_has_reason;
ALTER TABLE bids DROP COLUMN matched_home_id, DROP COLUMN alternative_detail, DROP COLUMN alternative_rules, DROP COLUMN alternative;
ALTER TABLE request_invitations ADD COLUMN home_ids bigint[];
UPDATE request_invitations i SET home_ids = (SELECT array_agg(home_id ORDER BY rank) FROM invitation_homes ih
                                             WHERE ih.request_id = i.request_id AND ih.provider_id = i.provider_id);
ALTER TABLE request_invitations ALTER COLUMN home_ids SET NOT NULL;
ALTER TABLE request_invitations ADD CONSTRAINT request_invitations_home_ids_check CHECK (cardinality(home_ids) > 0);
DROP TABLE invitation_homes;
