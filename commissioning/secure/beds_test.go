package secure_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
)

func bedNow(t *testing.T, w *world, id int64) secure.Bed {
	t.Helper()
	var b secure.Bed
	must(t, w.db.Gorm.First(&b, id).Error)
	return b
}

func TestSetBedsIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	_, heldBed := w.allocated(t, "MCR-B-1")
	var occupied secure.Bed
	for _, b := range w.oakBeds {
		if b.Status == secure.BedOccupied && b.ExpectedFreeOn == nil {
			occupied = b
			break
		}
	}
	reopens := today().AddDate(0, 0, 7)

	t.Run("ErrsBesideEachBed", func(t *testing.T) {
		_, err := w.s.SetBeds(ctx, w.oakfield.ProviderID, 0, map[int64]secure.BedUpdate{
			occupied.ID: {Status: secure.BedClosed, ClosedReason: "staffing", ReopensOn: &reopens},
			heldBed.ID:  {Status: secure.BedClosed, ClosedReason: "staffing", ReopensOn: &reopens},
		})
		var fe kernel.FieldErrors
		if !errors.As(err, &fe) || !fe.Has(secure.BedField(heldBed.ID, "status")) || len(fe) != 1 {
			t.Fatalf("err = %v, want one error beside the held bed's status", err)
		}
		if b := bedNow(t, w, occupied.ID); b.Status != secure.BedOccupied || b.Version != occupied.Version {
			t.Fatalf("the valid change was saved though another was refused: %+v", b)
		}
	})

	t.Run("UnchangedBedsAreLeftAlone", func(t *testing.T) {
		changed, err := w.s.SetBeds(ctx, w.oakfield.ProviderID, 0, map[int64]secure.BedUpdate{
			occupied.ID: {Status: secure.BedOccupied, Version: occupied.Version},
		})
		if err != nil || len(changed) != 0 || bedNow(t, w, occupied.ID).Version != occupied.Version {
			t.Fatalf("changed %v, err %v", changed, err)
		}
	})

	t.Run("ErrNotFoundForAnotherHomesBed", func(t *testing.T) {
		_, err := w.s.SetBeds(ctx, w.oakfield.ProviderID, 0, map[int64]secure.BedUpdate{w.heronBeds[0].ID: {Status: secure.BedFree}})
		if !errors.Is(err, kernel.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestConfirmBedsConfirmsOnlyTheHomesBeds(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	n, err := w.s.ConfirmBeds(ctx, w.oakfield.ProviderID, 0)
	if err != nil || n != len(w.oakBeds) {
		t.Fatalf("ConfirmBeds = %d, %v; want %d beds", n, err, len(w.oakBeds))
	}
	for _, b := range w.oakBeds {
		if got := bedNow(t, w, b.ID); got.Version != b.Version+1 || got.Status != b.Status {
			t.Errorf("bed %s: %+v", b.Label, got)
		}
	}
	if got := bedNow(t, w, w.heronBeds[0].ID); got.Version != w.heronBeds[0].Version {
		t.Error("another home's bed was confirmed")
	}
}
