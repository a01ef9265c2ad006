package secure_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestReferralTransitions(t *testing.T) {
	const (
		received   = secure.ReferralReceived
		circulated = secure.ReferralCirculated
		offers     = secure.ReferralOffers
		allocated  = secure.ReferralAllocated
		placed     = secure.ReferralPlaced
		withdrawn  = secure.ReferralWithdrawn
		elsewhere  = secure.ReferralPlacedElsewhere
	)
	legal := map[[2]secure.ReferralStatus]string{
		{received, circulated}: "homes are asked",
		{circulated, offers}:   "a home offers a bed",
		{allocated, placed}:    "the home admits the child",
	}
	for _, w := range []secure.ReferralStatus{received, circulated, offers} {
		legal[[2]secure.ReferralStatus{w, allocated}] = "a bed is held"
		legal[[2]secure.ReferralStatus{allocated, w}] = "the bed is released"
	}
	for _, a := range []secure.ReferralStatus{received, circulated, offers, allocated} {
		legal[[2]secure.ReferralStatus{a, withdrawn}] = "the council withdraws"
		legal[[2]secure.ReferralStatus{a, elsewhere}] = "the child is placed elsewhere"
	}
	secure.ReferralMachine.Verify(t, legal)
	r := secure.Referral{Status: placed}
	if err := r.Transition(withdrawn); !errors.Is(err, kernel.ErrIllegalTransition) || r.Status != placed {
		t.Errorf("withdrawing a placed referral: %v, %s", err, r.Status)
	}
}

func TestBedTransitions(t *testing.T) {
	const (
		free     = secure.BedFree
		occupied = secure.BedOccupied
		held     = secure.BedHeld
		closed   = secure.BedClosed
	)
	secure.BedMachine.Verify(t, map[[2]secure.BedStatus]string{
		{free, occupied}:   "the home reports a child in it",
		{free, closed}:     "the home closes it",
		{occupied, free}:   "the child leaves",
		{occupied, closed}: "the home closes it",
		{closed, free}:     "it reopens",
		{closed, occupied}: "it reopens with a child",
		{free, held}:       "the coordinator allocates it",
		{held, occupied}:   "the child is admitted",
		{held, free}:       "the coordinator releases it",
	})
	b := secure.Bed{Status: closed}
	if err := b.Transition(held); !errors.Is(err, kernel.ErrIllegalTransition) || b.Status != closed {
		t.Errorf("holding a closed bed: %v, %s", err, b.Status)
	}
}

// TestSecureStatusesAgreeWithTheDatabase holds the Go statuses against the CHECK
// constraints, and against the labels the pages show.
func TestSecureStatusesAgreeWithTheDatabase(t *testing.T) {
	db := dbtest.Open(t)
	for _, tc := range []struct {
		table  string
		states []string
		labels []kernel.Option
	}{
		{"secure_referrals", strs(secure.ReferralMachine.States), secure.Statuses},
		{"secure_beds", strs(secure.BedMachine.States), secure.BedStatuses},
	} {
		if got := dbtest.CheckValues(t, db, tc.table, "status"); !slices.Equal(tc.states, got) {
			t.Errorf("%s: Go statuses %v, database CHECK %v", tc.table, tc.states, got)
		}
		var labels []string
		for _, o := range tc.labels {
			labels = append(labels, o.Code)
		}
		slices.Sort(labels)
		if !slices.Equal(tc.states, labels) {
			t.Errorf("%s: Go statuses %v, labelled %v", tc.table, tc.states, labels)
		}
	}
}

func strs[S ~string](ss []S) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	slices.Sort(out)
	return out
}
