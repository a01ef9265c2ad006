-- +goose Up
-- A council has at most one active secure referral for a child (received, circulated,
-- offers or allocated: secure.ReferralStatus.Active). A second send of the same form (a
-- double click, a retried API call, two tabs) is refused here, whoever writes the row;
-- the service maps the violation to a field error on child_ref. A closed referral
-- (placed, withdrawn, placed elsewhere) does not count: the child may be referred again.
CREATE UNIQUE INDEX secure_referrals_one_active ON secure_referrals (council_id, child_ref)
    WHERE status IN ('received', 'circulated', 'offers', 'allocated');

-- +goose Down
DROP INDEX secure_referrals_one_active;
