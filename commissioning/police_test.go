package commissioning_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestSimultaneousPoliceInvitationsShareOneForce: many invitations of the same force
// by one consortium at once (two admins, a double click) all get the one organisation
// and none fails on the unique (managed_by, pfa_code); it is created, and audited, once.
func TestSimultaneousPoliceInvitationsShareOneForce(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	orgs := commissioning.NewService(db.Gorm)
	cons, err := orgs.Create(ctx, kernel.KindConsortium, "Test Consortium")
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			f, err := orgs.InvitePoliceForce(ctx, cons.ID, "E23000005")
			ids[i], errs[i] = f.ID, err
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("invitation %d: %v", i, errs[i])
		}
		if ids[i] == 0 || ids[i] != ids[0] {
			t.Fatalf("invitation %d got force %d, invitation 0 force %d", i, ids[i], ids[0])
		}
	}
	var forces, audits int64
	if err := db.Gorm.Raw("SELECT count(*) FROM organisations WHERE kind = 'police'").Scan(&forces).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Raw("SELECT count(*) FROM audit_log WHERE action = 'organisation.create' AND entity_id = ?", fmt.Sprint(ids[0])).Scan(&audits).Error; err != nil {
		t.Fatal(err)
	}
	if forces != 1 || audits != 1 {
		t.Errorf("%d police organisations and %d creation audits, want 1 and 1", forces, audits)
	}
}
