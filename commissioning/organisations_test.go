package commissioning_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestOrganisationCacheSeesChangesMadeHere proves that the organisations kept in memory
// for each request's principal never hide a change made through the service: a council
// read (and so cached) before it joins a consortium is read as a member at once after,
// and a transaction reads its own writes, not the cache.
func TestOrganisationCacheSeesChangesMadeHere(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	s := commissioning.NewService(db.Gorm)
	if err := s.SyncCouncils(ctx); err != nil {
		t.Fatal(err)
	}
	wigan, err := s.OrganisationByName(ctx, kernel.KindCouncil, "Wigan")
	if err != nil {
		t.Fatal(err)
	}
	if o, err := s.Organisation(ctx, wigan.ID); err != nil || o.ConsortiumID != nil {
		t.Fatalf("before joining: %+v, %v", o, err)
	}
	cons, err := s.Create(ctx, kernel.KindConsortium, "Consortium A")
	if err != nil {
		t.Fatal(err)
	}
	err = db.Gorm.Transaction(func(tx *gorm.DB) error {
		in := s.WithTx(tx)
		if err := in.JoinConsortium(ctx, cons.ID, []string{"E08000010"}); err != nil {
			return err
		}
		o, err := in.Organisation(ctx, wigan.ID)
		if err == nil && (o.ConsortiumID == nil || *o.ConsortiumID != cons.ID) {
			t.Errorf("inside the transaction: consortium %v, want %d", o.ConsortiumID, cons.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := s.Organisation(ctx, wigan.ID); err != nil || o.ConsortiumID == nil || *o.ConsortiumID != cons.ID {
		t.Fatalf("after joining: %+v, %v; want consortium %d", o, err, cons.ID)
	}
}
