-- +goose Up
-- Statutory dates and codes (issue 11).

-- One taxonomy: placement types and end reasons as Hearth codes, each reporting as an
-- SSDA903 code (marketplace/ssda903.go holds the same lists; a test keeps them equal).
CREATE FUNCTION hearth_placement_type_codes() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['residential', 'fostering', 'fostering_long_term', 'supported_16_17', 'secure_welfare']
$$;
CREATE FUNCTION hearth_end_reason_codes() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['planned_move', 'provision_closed', 'allegation', 'standards_concern', 'approval_removed', 'breakdown',
        'provider_ended', 'child_requested', 'council_ended', 'status_change', 'custody', 'other',
        'return_home', 'return_home_unplanned', 'lives_with_others', 'adopted', 'adopted_consent_dispensed',
        'child_arrangements_order', 'sgo_foster_relative', 'sgo_foster_other', 'sgo_relative', 'sgo_other',
        'independence', 'independence_unsupported', 'staying_put', 'adult_care', 'remand_ended', 'sentenced_custody',
        'other_council', 'age_assessed_adult', 'moved_abroad', 'died', 'left_care_other', 'did_not_start']
$$;

ALTER TABLE lots DROP CONSTRAINT lots_placement_type_check;
ALTER TABLE lots ADD CONSTRAINT lots_placement_type_check CHECK (placement_type = ANY (hearth_placement_type_codes()));

-- Old end reasons that had no single DfE code move to the nearest one (README: SSDA903 codes).
ALTER TABLE placements DROP CONSTRAINT placements_end_reason_check;
UPDATE placements SET end_reason = CASE end_reason
    WHEN 'returned_home' THEN 'return_home'
    WHEN 'provider_notice' THEN 'provider_ended'
    WHEN 'secure' THEN 'council_ended'
    WHEN 'adoption_sgo' THEN 'adopted'
    ELSE end_reason END
WHERE end_reason IN ('returned_home', 'provider_notice', 'secure', 'adoption_sgo');
ALTER TABLE placements ADD CONSTRAINT placements_end_reason_check CHECK (end_reason = ANY (hearth_end_reason_codes()));

-- The consortium's distance policy, per framework: more than N miles needs an approver
-- (NULL: no such policy). Not the law: reg. 11 is "out of area and not adjoining".
ALTER TABLE frameworks ADD COLUMN distant_miles numeric(5, 1) DEFAULT 20 CHECK (distant_miles > 0);

-- The rules that triggered approval, kept as they were decided, with the policy's miles.
ALTER TABLE placements DROP CONSTRAINT placements_approval_reasons_check;
ALTER TABLE placements ADD COLUMN policy_miles numeric(5, 1) CHECK (policy_miles > 0);
UPDATE placements SET policy_miles = 20 WHERE 'distance' = ANY (approval_reasons);
UPDATE placements SET approval_reasons = array_replace(array_replace(approval_reasons, 'distance', 'consortium_miles'), 'out_of_area', 'regulation_11')
WHERE approval_reasons && ARRAY['distance', 'out_of_area'];
ALTER TABLE placements
    ADD CONSTRAINT placements_approval_reasons_check CHECK (approval_reasons <@ ARRAY['regulation_11', 'consortium_miles', 'over_ceiling']),
    -- miles is kept to 0.1 mile while the rule uses the exact distance, so allow the rounding.
    ADD CONSTRAINT consortium_miles_has_threshold CHECK (NOT 'consortium_miles' = ANY (approval_reasons) OR (policy_miles IS NOT NULL AND miles >= policy_miles - 0.05));

-- What reg. 11 asks the nominated officer to record before approving a distant placement:
-- the child's wishes and feelings, the IRO and the host council consulted (yes with the
-- date, or no with why), and an emergency placement approved within 5 working days
-- after it was made (the deadline is computed from England's calendar in Go and kept;
-- the database checks the approval against it and that it is 7 to 12 calendar days on,
-- the span 5 working days can take around Easter and Christmas).
ALTER TABLE placements
    ADD COLUMN wishes_consulted boolean,
    ADD COLUMN wishes_on        date,
    ADD COLUMN wishes_note      text NOT NULL DEFAULT '' CHECK (length(wishes_note) <= 2000),
    ADD COLUMN iro_consulted    boolean,
    ADD COLUMN iro_on           date,
    ADD COLUMN iro_note         text NOT NULL DEFAULT '' CHECK (length(iro_note) <= 2000),
    ADD COLUMN host_consulted   boolean,
    ADD COLUMN host_on          date,
    ADD COLUMN host_note        text NOT NULL DEFAULT '' CHECK (length(host_note) <= 2000),
    ADD COLUMN emergency        boolean NOT NULL DEFAULT false,
    ADD COLUMN emergency_placed_on date,
    ADD COLUMN emergency_deadline  date,
    -- Approved before Hearth asked for the record (rows decided before this migration).
    ADD COLUMN approved_before_record boolean NOT NULL DEFAULT false;
UPDATE placements SET approved_before_record = true
WHERE 'regulation_11' = ANY (approval_reasons) AND status IN ('awarded', 'started', 'ended');
ALTER TABLE placements
    ADD CONSTRAINT wishes_answered CHECK (wishes_consulted IS NULL OR (wishes_consulted AND wishes_on IS NOT NULL) OR (NOT wishes_consulted AND length(btrim(wishes_note)) > 0)),
    ADD CONSTRAINT iro_answered CHECK (iro_consulted IS NULL OR (iro_consulted AND iro_on IS NOT NULL) OR (NOT iro_consulted AND length(btrim(iro_note)) > 0)),
    ADD CONSTRAINT host_answered CHECK (host_consulted IS NULL OR (host_consulted AND host_on IS NOT NULL) OR (NOT host_consulted AND length(btrim(host_note)) > 0)),
    ADD CONSTRAINT consulted_before_decision CHECK (decided_at IS NULL OR (
        coalesce(wishes_on, iro_on, host_on) IS NULL OR
        greatest(wishes_on, iro_on, host_on) <= (decided_at AT TIME ZONE 'Europe/London')::date)),
    ADD CONSTRAINT regulation_11_recorded CHECK (NOT 'regulation_11' = ANY (approval_reasons) OR status IN ('awaiting_approval', 'refused')
        OR approved_before_record OR (wishes_consulted IS NOT NULL AND iro_consulted IS NOT NULL AND host_consulted IS NOT NULL)),
    ADD CONSTRAINT emergency_dated CHECK (emergency = (emergency_placed_on IS NOT NULL) AND emergency = (emergency_deadline IS NOT NULL)),
    ADD CONSTRAINT emergency_is_regulation_11 CHECK (NOT emergency OR 'regulation_11' = ANY (approval_reasons)),
    ADD CONSTRAINT emergency_deadline_5_working_days CHECK (NOT emergency OR emergency_deadline - emergency_placed_on BETWEEN 7 AND 12),
    ADD CONSTRAINT emergency_approved_in_time CHECK (NOT emergency OR decided_at IS NULL OR
        (decided_at AT TIME ZONE 'Europe/London')::date BETWEEN emergency_placed_on AND emergency_deadline);

-- Statutory reviews held (Care Planning Regulations 2010, reg. 33). The start date rides
-- on a foreign key (it follows the placement's), so a CHECK can hold the review to it.
COMMENT ON COLUMN placements.review_date IS 'the first review date as the agreement states it; the next due date is computed from placement_reviews';
ALTER TABLE placements ADD CONSTRAINT placements_id_started_on_key UNIQUE (id, started_on);
CREATE TABLE placement_reviews (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placement_id bigint NOT NULL,
    started_on   date NOT NULL,
    held_on      date NOT NULL,
    notes        text NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
    recorded_by  bigint REFERENCES users (id),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (placement_id, started_on) REFERENCES placements (id, started_on) ON UPDATE CASCADE,
    UNIQUE (placement_id, held_on),
    CONSTRAINT review_after_start CHECK (held_on >= started_on),
    CONSTRAINT review_not_in_future CHECK (held_on <= (now() AT TIME ZONE 'Europe/London')::date)
);

-- +goose Down
DROP TABLE placement_reviews;
ALTER TABLE placements DROP CONSTRAINT placements_id_started_on_key;
COMMENT ON COLUMN placements.review_date IS NULL;
ALTER TABLE placements
    DROP CONSTRAINT wishes_answered, DROP CONSTRAINT iro_answered, DROP CONSTRAINT host_answered,
    DROP CONSTRAINT consulted_before_decision, DROP CONSTRAINT regulation_11_recorded, DROP CONSTRAINT emergency_dated,
    DROP CONSTRAINT emergency_is_regulation_11, DROP CONSTRAINT emergency_deadline_5_working_days, DROP CONSTRAINT emergency_approved_in_time,
    DROP COLUMN wishes_consulted, DROP COLUMN wishes_on, DROP COLUMN wishes_note, DROP COLUMN iro_consulted, DROP COLUMN iro_on,
    DROP COLUMN iro_note, DROP COLUMN host_consulted, DROP COLUMN host_on, DROP COLUMN host_note, DROP COLUMN emergency,
    DROP COLUMN emergency_placed_on, DROP COLUMN emergency_deadline, DROP COLUMN approved_before_record;
ALTER TABLE placements DROP CONSTRAINT placements_approval_reasons_check, DROP CONSTRAINT consortium_miles_has_threshold;
UPDATE placements SET approval_reasons = array_replace(array_replace(approval_reasons, 'consortium_miles', 'distance'), 'regulation_11', 'out_of_area');
ALTER TABLE placements DROP COLUMN policy_miles;
ALTER TABLE placements ADD CONSTRAINT placements_approval_reasons_check CHECK (approval_reasons <@ ARRAY['distance', 'out_of_area', 'over_ceiling']);
ALTER TABLE frameworks DROP COLUMN distant_miles;
ALTER TABLE placements DROP CONSTRAINT placements_end_reason_check;
UPDATE placements SET end_reason = CASE
    WHEN end_reason = 'return_home' THEN 'returned_home'
    WHEN end_reason = 'provider_ended' THEN 'provider_notice'
    WHEN end_reason IN ('adopted', 'adopted_consent_dispensed', 'child_arrangements_order', 'sgo_foster_relative', 'sgo_foster_other', 'sgo_relative', 'sgo_other') THEN 'adoption_sgo'
    WHEN end_reason IN ('independence_unsupported', 'staying_put') THEN 'independence'
    WHEN end_reason IN ('sentenced_custody', 'remand_ended') THEN 'custody'
    WHEN end_reason IN ('planned_move', 'breakdown', 'custody', 'independence', 'did_not_start', 'other') THEN end_reason
    ELSE 'other' END
WHERE end_reason IS NOT NULL;
ALTER TABLE placements ADD CONSTRAINT placements_end_reason_check CHECK (end_reason IN ('planned_move', 'returned_home', 'independence',
    'adoption_sgo', 'breakdown', 'provider_notice', 'custody', 'secure', 'did_not_start', 'other'));
ALTER TABLE lots DROP CONSTRAINT lots_placement_type_check;
UPDATE lots SET placement_type = 'fostering' WHERE placement_type = 'fostering_long_term';
ALTER TABLE lots ADD CONSTRAINT lots_placement_type_check CHECK (placement_type IN ('residential', 'fostering', 'supported_16_17', 'secure_welfare'));
DROP FUNCTION hearth_end_reason_codes();
DROP FUNCTION hearth_placement_type_codes();
