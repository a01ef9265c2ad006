-- +goose Up
-- Secure welfare rules the database keeps, whatever the Go code does:
--   * a bed with a child in it, or held for an allocated child, is never free or closed;
--   * a bed is allocated only to a child its home offered it to;
--   * an under-13 is allocated or admitted only with the Secretary of State's approval
--     (Children (Secure Accommodation) Regulations 1991, reg. 4);
--   * a Scottish unit takes a child from England or Wales only with the Scottish
--     Ministers' approval (Children and Social Work Act 2017, Sch. 1);
--   * a section 25 order runs at most 3 months on first authorisation and 6 on renewal
--     (regs. 11 and 12), and a child is held without an order at most 72 hours in any
--     28 days (reg. 10);
--   * a section 25 child is never tendered to open homes (Children Act 1989, s25);
--   * Welsh councils may refer to the SWCU (Social Services and Well-being (Wales) Act
--     2014, s119) but do not join an English consortium's marketplace.
-- Each refusal raises its own SQLSTATE (HS0nn) so the Go code can name the rule.

-- Order dates: start and whether this is a first order or a renewal.
ALTER TABLE secure_referrals
    ADD COLUMN order_start date,
    ADD COLUMN order_kind text CHECK (order_kind IN ('first', 'renewal')),
    ADD COLUMN sos_requested_on date,
    ADD COLUMN sos_granted_on date;
ALTER TABLE secure_referrals
    ADD CONSTRAINT order_start_has_kind CHECK ((order_start IS NULL) = (order_kind IS NULL)),
    ADD CONSTRAINT order_after_start CHECK (order_start IS NULL OR order_expiry IS NULL OR order_expiry > order_start),
    -- Reg. 11: at most 3 months on first authorisation; reg. 12: at most 6 on renewal.
    ADD CONSTRAINT order_length_within_regulations CHECK (order_start IS NULL OR order_expiry IS NULL
        OR order_expiry <= order_start + CASE order_kind WHEN 'first' THEN interval '3 months' ELSE interval '6 months' END),
    ADD CONSTRAINT sos_granted_has_reference CHECK (sos_granted_on IS NULL OR length(btrim(sos_approval_ref)) > 0);
-- Reg. 4 needs approval before placement, not before referral: the search runs meanwhile.
-- Referrals made under the old rule gave the approval's reference, so it was granted.
UPDATE secure_referrals SET sos_granted_on = submitted_at::date WHERE age_years < 13 AND length(btrim(sos_approval_ref)) > 0;
ALTER TABLE secure_referrals DROP CONSTRAINT under_13_needs_approval;

-- The Scottish Ministers' approval of one Scottish unit for one child.
CREATE TABLE secure_scottish_approvals (
    referral_id bigint NOT NULL REFERENCES secure_referrals (id),
    home_id     bigint NOT NULL REFERENCES secure_homes (id),
    granted_on  date NOT NULL,
    reference   text NOT NULL CHECK (length(btrim(reference)) BETWEEN 1 AND 100),
    recorded_by bigint REFERENCES users (id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (referral_id, home_id)
);

-- Periods the child was kept in secure accommodation without a court's authority (reg. 10).
CREATE TABLE secure_holds_without_order (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id bigint NOT NULL REFERENCES secure_referrals (id),
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    recorded_by bigint REFERENCES users (id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ends_after_start CHECK (ended_at IS NULL OR ended_at > started_at),
    CONSTRAINT secure_holds_do_not_overlap EXCLUDE USING gist (referral_id WITH =, tstzrange(started_at, ended_at) WITH &&)
);

-- +goose StatementBegin
-- secure_hours_without_order is the hours a child was held without an order in the 28
-- days up to at (an open period counts up to at).
CREATE FUNCTION secure_hours_without_order(referral bigint, at timestamptz) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT coalesce(sum(extract(epoch FROM least(coalesce(ended_at, at), at) - greatest(started_at, at - interval '28 days')) / 3600), 0)::double precision
    FROM secure_holds_without_order
    WHERE referral_id = referral AND started_at < at AND coalesce(ended_at, at) > at - interval '28 days'
$$;

-- A bed with a live placement or an allocated child cannot become free or closed.
CREATE FUNCTION secure_bed_in_use() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IN ('free', 'closed') AND (
        EXISTS (SELECT 1 FROM secure_placements WHERE bed_id = NEW.id AND discharged_on IS NULL)
        OR EXISTS (SELECT 1 FROM secure_referrals WHERE allocated_bed_id = NEW.id AND status = 'allocated')) THEN
        RAISE EXCEPTION 'secure bed % has a child in it or held for them', NEW.id USING ERRCODE = 'HS001';
    END IF;
    RETURN NEW;
END;
$$;

-- Allocation: only a bed the home offered this child; under-13s with the Secretary of
-- State's approval; Scottish units with the Scottish Ministers' approval. A granted order
-- has a start date.
CREATE FUNCTION secure_referral_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    home bigint;
    nation text;
BEGIN
    IF NEW.legal_position = 'order_granted' AND NEW.order_start IS NULL
       AND (TG_OP = 'INSERT' OR OLD.legal_position IS DISTINCT FROM 'order_granted') THEN
        RAISE EXCEPTION 'a granted order needs its start date' USING ERRCODE = 'HS007';
    END IF;
    IF NEW.status = 'allocated' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'allocated'
                                     OR OLD.allocated_bed_id IS DISTINCT FROM NEW.allocated_bed_id) THEN
        -- FOR SHARE: the home cannot withdraw its offer while this allocation commits.
        PERFORM 1 FROM secure_circulations
            WHERE referral_id = NEW.id AND bed_id = NEW.allocated_bed_id AND response = 'accepted' FOR SHARE;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'bed % was not offered to secure referral %', NEW.allocated_bed_id, NEW.id USING ERRCODE = 'HS002';
        END IF;
        IF NEW.age_years < 13 AND NEW.sos_granted_on IS NULL THEN
            RAISE EXCEPTION 'secure referral % is under 13 without the Secretary of State''s approval', NEW.id USING ERRCODE = 'HS003';
        END IF;
        SELECT h.id, h.country INTO home, nation FROM secure_beds b JOIN secure_homes h ON h.id = b.home_id WHERE b.id = NEW.allocated_bed_id;
        IF nation = 'scotland' AND NOT EXISTS (SELECT 1 FROM secure_scottish_approvals WHERE referral_id = NEW.id AND home_id = home) THEN
            RAISE EXCEPTION 'secure referral % has no Scottish Ministers'' approval for home %', NEW.id, home USING ERRCODE = 'HS004';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

-- Admission: an under-13 only with approval; without a current order, only while the
-- 72 hours in 28 days last.
CREATE FUNCTION secure_admission_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    r secure_referrals%ROWTYPE;
BEGIN
    SELECT * INTO r FROM secure_referrals WHERE id = NEW.referral_id;
    IF r.age_years < 13 AND r.sos_granted_on IS NULL THEN
        RAISE EXCEPTION 'secure referral % is under 13 without the Secretary of State''s approval', r.id USING ERRCODE = 'HS003';
    END IF;
    IF (r.legal_position <> 'order_granted' OR r.order_expiry < NEW.admitted_on)
       AND secure_hours_without_order(r.id, now()) >= 72 THEN
        RAISE EXCEPTION 'secure referral % has used the 72 hours without a court order', r.id USING ERRCODE = 'HS005';
    END IF;
    RETURN NEW;
END;
$$;

-- A section 25 order authorises only secure accommodation: no request on another lot.
CREATE FUNCTION placement_request_s25() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> 'draft' AND NEW.legal_status = 's25' AND (TG_OP = 'INSERT' OR OLD.status = 'draft')
       AND NOT EXISTS (SELECT 1 FROM lots WHERE id = NEW.lot_id AND placement_type = 'secure_welfare') THEN
        RAISE EXCEPTION 'placement request % is for a child on a section 25 order but not on a secure welfare lot', NEW.id USING ERRCODE = 'HS006';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER secure_beds_in_use BEFORE UPDATE OF status ON secure_beds
    FOR EACH ROW EXECUTE FUNCTION secure_bed_in_use();
CREATE TRIGGER secure_referrals_rules BEFORE INSERT OR UPDATE ON secure_referrals
    FOR EACH ROW EXECUTE FUNCTION secure_referral_rules();
CREATE TRIGGER secure_placements_rules BEFORE INSERT ON secure_placements
    FOR EACH ROW EXECUTE FUNCTION secure_admission_rules();
CREATE TRIGGER placement_requests_s25 BEFORE INSERT OR UPDATE OF status ON placement_requests
    FOR EACH ROW EXECUTE FUNCTION placement_request_s25();

-- Welsh councils (the 22 principal areas, ONS codes) may refer to the SWCU; they are
-- never members of an English consortium.
ALTER TABLE organisations DROP CONSTRAINT organisations_ons_code_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_ons_code_check CHECK (ons_code ~ '^(E(06|08|09|10)|W06)[0-9]{6}$');
ALTER TABLE organisations DROP CONSTRAINT organisations_region_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_region_check CHECK (region IN ('North East', 'North West', 'Yorkshire and The Humber',
    'East Midlands', 'West Midlands', 'East of England', 'London', 'South East', 'South West', 'Wales'));
ALTER TABLE organisations ADD CONSTRAINT welsh_councils_in_wales CHECK ((ons_code LIKE 'W%') = (region = 'Wales'));
ALTER TABLE organisations ADD CONSTRAINT welsh_councils_outside_consortia CHECK (ons_code NOT LIKE 'W%' OR consortium_id IS NULL);
INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon) VALUES
    ('council', 'Isle of Anglesey', 'W06000001', 'Wales', 53.28, -4.33),
    ('council', 'Gwynedd', 'W06000002', 'Wales', 52.90, -3.95),
    ('council', 'Conwy', 'W06000003', 'Wales', 53.14, -3.76),
    ('council', 'Denbighshire', 'W06000004', 'Wales', 53.09, -3.35),
    ('council', 'Flintshire', 'W06000005', 'Wales', 53.21, -3.17),
    ('council', 'Wrexham', 'W06000006', 'Wales', 53.00, -2.99),
    ('council', 'Ceredigion', 'W06000008', 'Wales', 52.28, -3.95),
    ('council', 'Pembrokeshire', 'W06000009', 'Wales', 51.85, -4.91),
    ('council', 'Carmarthenshire', 'W06000010', 'Wales', 51.90, -4.20),
    ('council', 'Swansea', 'W06000011', 'Wales', 51.63, -4.02),
    ('council', 'Neath Port Talbot', 'W06000012', 'Wales', 51.67, -3.75),
    ('council', 'Bridgend', 'W06000013', 'Wales', 51.55, -3.60),
    ('council', 'Vale of Glamorgan', 'W06000014', 'Wales', 51.44, -3.38),
    ('council', 'Cardiff', 'W06000015', 'Wales', 51.50, -3.20),
    ('council', 'Rhondda Cynon Taf', 'W06000016', 'Wales', 51.65, -3.45),
    ('council', 'Caerphilly', 'W06000018', 'Wales', 51.63, -3.21),
    ('council', 'Blaenau Gwent', 'W06000019', 'Wales', 51.76, -3.18),
    ('council', 'Torfaen', 'W06000020', 'Wales', 51.70, -3.05),
    ('council', 'Monmouthshire', 'W06000021', 'Wales', 51.77, -2.86),
    ('council', 'Newport', 'W06000022', 'Wales', 51.58, -2.99),
    ('council', 'Powys', 'W06000023', 'Wales', 52.35, -3.44),
    ('council', 'Merthyr Tydfil', 'W06000024', 'Wales', 51.75, -3.36)
ON CONFLICT (ons_code) DO NOTHING;

-- +goose Down
DELETE FROM organisations WHERE kind = 'council' AND ons_code LIKE 'W06%';
ALTER TABLE organisations DROP CONSTRAINT welsh_councils_outside_consortia;
ALTER TABLE organisations DROP CONSTRAINT welsh_councils_in_wales;
ALTER TABLE organisations DROP CONSTRAINT organisations_region_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_region_check CHECK (region IN ('North East', 'North West', 'Yorkshire and The Humber',
    'East Midlands', 'West Midlands', 'East of England', 'London', 'South East', 'South West'));
ALTER TABLE organisations DROP CONSTRAINT organisations_ons_code_check;
ALTER TABLE organisations ADD CONSTRAINT organisations_ons_code_check CHECK (ons_code ~ '^E(06|08|09|10)[0-9]{6}$');
DROP TRIGGER placement_requests_s25 ON placement_requests;
DROP TRIGGER secure_placements_rules ON secure_placements;
DROP TRIGGER secure_referrals_rules ON secure_referrals;
DROP TRIGGER secure_beds_in_use ON secure_beds;
DROP FUNCTION placement_request_s25();
DROP FUNCTION secure_admission_rules();
DROP FUNCTION secure_referral_rules();
DROP FUNCTION secure_bed_in_use();
DROP FUNCTION secure_hours_without_order(bigint, timestamptz);
DROP TABLE secure_holds_without_order;
DROP TABLE secure_scottish_approvals;
ALTER TABLE secure_referrals ADD CONSTRAINT under_13_needs_approval CHECK (age_years >= 13 OR length(btrim(sos_approval_ref)) > 0) NOT VALID;
ALTER TABLE secure_referrals DROP CONSTRAINT sos_granted_has_reference, DROP CONSTRAINT order_length_within_regulations,
    DROP CONSTRAINT order_after_start, DROP CONSTRAINT order_start_has_kind;
ALTER TABLE secure_referrals DROP COLUMN sos_granted_on, DROP COLUMN sos_requested_on, DROP COLUMN order_kind, DROP COLUMN order_start;
