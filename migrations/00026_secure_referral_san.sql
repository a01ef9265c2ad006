-- +goose Up
-- The fields of the Secure Accommodation Network's referral form that the s25 referral
-- lacked. Referrals sent before this migration have no primary reason or protection-plan
-- answer (NULL: not asked) and ethnicity NOBT, the SSDA903 code for "information not yet
-- obtained"; every referral sent from now on must have them (the trigger below).

-- The SSDA903 ethnicity codes (DfE, Open Government Licence v3.0), equal to Go's
-- kernel.Ethnicities (commissioning/kernel/data/ethnicity.csv); a test keeps them equal.
-- +goose StatementBegin
CREATE FUNCTION hearth_ethnicity_codes() RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY['WBRI', 'WIRI', 'WOTH', 'WIRT', 'WROM', 'MWBC', 'MWBA', 'MWAS', 'MOTH', 'AIND', 'APKN', 'ABAN', 'AOTH', 'BCRB', 'BAFR', 'BOTH', 'CHNE', 'OOTH', 'REFU', 'NOBT']
$$;
-- +goose StatementEnd

ALTER TABLE secure_referrals
    -- The section 25(1) criterion the order rests on: (a) absconding with significant harm,
    -- or (b) likely injury to the child or to others.
    ADD COLUMN primary_reason text
        CHECK (primary_reason IN ('absconding_harm', 'injure_self', 'injure_others', 'injure_self_and_others')),
    ADD COLUMN ethnicity text NOT NULL DEFAULT 'NOBT' CHECK (ethnicity = ANY (hearth_ethnicity_codes())),
    ADD COLUMN religion text NOT NULL DEFAULT '' CHECK (char_length(religion) <= 60 AND religion = btrim(religion)),
    ADD COLUMN first_language text NOT NULL DEFAULT '' CHECK (char_length(first_language) <= 60 AND first_language = btrim(first_language)),
    ADD COLUMN child_protection_plan boolean,
    -- An order cannot start after it expires, nor before the child was born.
    ADD CONSTRAINT order_start_after_birth CHECK (order_start IS NULL OR order_start >= make_date(birth_year, birth_month, 1));

-- +goose StatementBegin
CREATE FUNCTION secure_referral_san_fields() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.primary_reason IS NULL OR NEW.child_protection_plan IS NULL THEN
        RAISE EXCEPTION 'a secure referral needs the primary reason for the order and whether the child is on a child protection plan'
            USING ERRCODE = 'HS008';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER secure_referrals_san_fields BEFORE INSERT ON secure_referrals
    FOR EACH ROW EXECUTE FUNCTION secure_referral_san_fields();

-- +goose Down
DROP TRIGGER secure_referrals_san_fields ON secure_referrals;
DROP FUNCTION secure_referral_san_fields();
ALTER TABLE secure_referrals DROP CONSTRAINT order_start_after_birth, DROP COLUMN child_protection_plan,
    DROP COLUMN first_language, DROP COLUMN religion, DROP COLUMN ethnicity, DROP COLUMN primary_reason;
DROP FUNCTION hearth_ethnicity_codes();
