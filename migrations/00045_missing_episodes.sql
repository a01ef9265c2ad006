-- +goose Up
-- Missing-from-care episodes (issue 16): placement_incidents grows into the episode
-- record the statutory guidance asks for ("Statutory guidance on children who run away
-- or go missing from home or care", DfE 2014): the police reference and risk grade, how
-- it ended and the AREA where the child was found (an English council's ONS code, never
-- an address), and the return-home interview (RHI): who is responsible, offered,
-- accepted, done, when and by whom. version makes every amendment a conditional update.
ALTER TABLE placement_incidents
    ADD COLUMN police_ref          text NOT NULL DEFAULT '' CHECK (length(police_ref) <= 40),
    ADD COLUMN police_risk         text CHECK (police_risk IN ('no_apparent_risk', 'low', 'medium', 'high')),
    ADD COLUMN ended_how           text CHECK (ended_how IN ('found', 'returned')),
    ADD COLUMN found_area          text CHECK (found_area ~ '^E(06|08|09|10)[0-9]{6}$'),
    ADD COLUMN rhi_responsible     text NOT NULL DEFAULT 'placing' CHECK (rhi_responsible IN ('placing', 'host')),
    ADD COLUMN rhi_offered_at      timestamptz,
    ADD COLUMN rhi_accepted        boolean,
    ADD COLUMN rhi_done_at         timestamptz,
    ADD COLUMN rhi_done_by         bigint REFERENCES organisations (id),
    ADD COLUMN rhi_interviewer     text NOT NULL DEFAULT '' CHECK (length(rhi_interviewer) <= 120),
    ADD COLUMN rhi_declined_reason text NOT NULL DEFAULT '' CHECK (length(rhi_declined_reason) <= 500),
    ADD COLUMN rhi_reminded_at     timestamptz,
    ADD COLUMN version             integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    ADD COLUMN updated_at          timestamptz NOT NULL DEFAULT now(),
    -- Nothing about the return, or the interview, while the child has not come back.
    ADD CONSTRAINT episode_open_has_no_return CHECK (ended_at IS NOT NULL OR (ended_how IS NULL AND found_area IS NULL
        AND rhi_offered_at IS NULL AND rhi_accepted IS NULL AND rhi_done_at IS NULL AND rhi_done_by IS NULL
        AND rhi_interviewer = '' AND rhi_declined_reason = '')),
    ADD CONSTRAINT rhi_offered_after_return CHECK (rhi_offered_at IS NULL OR rhi_offered_at >= ended_at),
    ADD CONSTRAINT rhi_accepted_when_offered CHECK (rhi_accepted IS NULL OR rhi_offered_at IS NOT NULL),
    ADD CONSTRAINT rhi_done_after_return CHECK (rhi_done_at IS NULL OR rhi_done_at >= ended_at),
    ADD CONSTRAINT rhi_done_when_accepted CHECK (rhi_done_at IS NULL OR rhi_accepted IS TRUE),
    ADD CONSTRAINT rhi_done_by_whom CHECK ((rhi_done_at IS NULL) = (rhi_done_by IS NULL)
        AND (rhi_done_at IS NULL) = (rhi_interviewer = '')),
    ADD CONSTRAINT rhi_declined_only_when_declined CHECK (rhi_declined_reason = '' OR rhi_accepted IS FALSE);

-- The host council is responsible for the interview when the home is outside the
-- placing council's area, else the placing council; the councils may agree otherwise
-- later (an update). A new episode starts with this default (rhi_default_responsible).
UPDATE placement_incidents i SET rhi_responsible = 'host'
FROM placements p WHERE p.id = i.placement_id AND p.host_council_id IS NOT NULL AND p.host_council_id <> p.council_id;

-- +goose StatementBegin
CREATE FUNCTION rhi_default_responsible() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT CASE WHEN p.host_council_id IS NOT NULL AND p.host_council_id <> p.council_id THEN 'host' ELSE 'placing' END
    INTO NEW.rhi_responsible FROM placements p WHERE p.id = NEW.placement_id;
    NEW.rhi_responsible := coalesce(NEW.rhi_responsible, 'placing');
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER rhi_responsible_default BEFORE INSERT ON placement_incidents
    FOR EACH ROW EXECUTE FUNCTION rhi_default_responsible();

-- +goose StatementBegin
-- The interview is done by the placing council or the host council, nobody else.
CREATE FUNCTION rhi_done_by_a_council() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.rhi_done_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM placements p WHERE p.id = NEW.placement_id
            AND NEW.rhi_done_by IN (p.council_id, p.host_council_id)) THEN
        RAISE EXCEPTION 'the return-home interview of episode % is done by the placing or the host council', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'rhi_done_by_council';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER rhi_done_by_council BEFORE INSERT OR UPDATE OF rhi_done_by, placement_id ON placement_incidents
    FOR EACH ROW EXECUTE FUNCTION rhi_done_by_a_council();

-- +goose Down
DROP TRIGGER rhi_responsible_default ON placement_incidents;
DROP FUNCTION rhi_default_responsible();
DROP TRIGGER rhi_done_by_council ON placement_incidents;
DROP FUNCTION rhi_done_by_a_council();
ALTER TABLE placement_incidents
    DROP CONSTRAINT episode_open_has_no_return, DROP CONSTRAINT rhi_offered_after_return,
    DROP CONSTRAINT rhi_accepted_when_offered, DROP CONSTRAINT rhi_done_after_return,
    DROP CONSTRAINT rhi_done_when_accepted, DROP CONSTRAINT rhi_done_by_whom,
    DROP CONSTRAINT rhi_declined_only_when_declined,
    DROP COLUMN police_ref, DROP COLUMN police_risk, DROP COLUMN ended_how, DROP COLUMN found_area,
    DROP COLUMN rhi_responsible, DROP COLUMN rhi_offered_at, DROP COLUMN rhi_accepted, DROP COLUMN rhi_done_at,
    DROP COLUMN rhi_done_by, DROP COLUMN rhi_interviewer, DROP COLUMN rhi_declined_reason,
    DROP COLUMN rhi_reminded_at, DROP COLUMN version, DROP COLUMN updated_at;
