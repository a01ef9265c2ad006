package secure_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestOneActiveReferralPerChild: a council has at most one active referral of a child
// (the unique index secure_referrals_one_active): four sends at once make one referral,
// the others get a field error on child_ref, and with it no child's details. Another
// council, or the same council once the referral is closed, may refer the child.
func TestOneActiveReferralPerChild(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	const sends = 4
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		sent    []secure.Referral
		refused []error
	)
	for range sends {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := w.s.Submit(ctx, w.manchester.ID, 0, input("MCR-TWICE-1"))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refused = append(refused, err)
				if r.ChildRef != "" || r.Ethnicity != "" || r.ID != 0 {
					t.Errorf("a refused send returned the child's details: %+v", r)
				}
				return
			}
			sent = append(sent, r)
		}()
	}
	wg.Wait()
	if len(sent) != 1 || len(refused) != sends-1 {
		t.Fatalf("%d sent, %d refused; want 1 and %d (refusals: %v)", len(sent), len(refused), sends-1, refused)
	}
	for _, err := range refused {
		var fe kernel.FieldErrors
		if !errors.As(err, &fe) || len(fe) != 1 || fe[0].Field != "child_ref" || fe[0].Code != secure.CodeActiveReferral || fe[0].Text() == "" {
			t.Errorf("refusal = %v, want a field error on child_ref with code %s", err, secure.CodeActiveReferral)
		}
	}
	var n int
	must(t, w.db.Pool.QueryRow(ctx, `SELECT count(*) FROM secure_referrals WHERE child_ref = 'MCR-TWICE-1'`).Scan(&n))
	if n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}

	tests := []struct {
		name    string
		council func() int64
		before  func(t *testing.T)
		ok      bool
	}{
		{"SameCouncilWhileActive", func() int64 { return w.manchester.ID }, nil, false},
		{"AnotherCouncil", func() int64 { return w.leeds.ID }, nil, true},
		{"SameCouncilOnceWithdrawn", func() int64 { return w.manchester.ID }, func(t *testing.T) {
			_, err := w.s.Withdraw(ctx, sent[0].ID, w.manchester.ID, 0, false, "Placed with family")
			must(t, err)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before(t)
			}
			_, err := w.s.Submit(ctx, tt.council(), 0, input("MCR-TWICE-1"))
			if tt.ok != (err == nil) || (!tt.ok && !errors.Is(err, kernel.ErrInvalid)) {
				t.Fatalf("submit: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// TestReferralErrorsCarryNoChildData: a read that fails (here, its audit entry cannot be
// written) returns an empty referral, never the child's details beside the error.
func TestReferralErrorsCarryNoChildData(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	r := w.referral(t, "MCR-ERR-1")
	owner, err := migrations.Connect(ctx, dbtest.OwnerURL("postgres:///"+w.db.Pool.Config().ConnConfig.Database))
	must(t, err)
	defer owner.Close()
	_, err = owner.Pool.Exec(ctx, `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$;
		CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`)
	must(t, err)
	tests := []struct {
		name string
		call func() (secure.Referral, error)
	}{
		{"Read", func() (secure.Referral, error) {
			return w.s.Referral(ctx, r.ID, secure.Viewer{OrgID: w.manchester.ID, Kind: kernel.KindCouncil})
		}},
		{"Submit", func() (secure.Referral, error) { return w.s.Submit(ctx, w.manchester.ID, 0, input("MCR-ERR-2")) }},
		{"Refresh", func() (secure.Referral, error) { return w.s.Refresh(ctx, r.ID, w.manchester.ID, 0, false, "No change") }},
		{"Withdraw", func() (secure.Referral, error) {
			return w.s.Withdraw(ctx, r.ID, w.manchester.ID, 0, false, "Placed with family")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call()
			if err == nil {
				t.Fatal("no error with the audit log refusing writes")
			}
			if got.ID != 0 || got.ChildRef != "" || got.Ethnicity != "" || got.Religion != "" {
				t.Errorf("the error came with the child's details: %+v", got)
			}
		})
	}
}
