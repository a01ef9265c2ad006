package commissioning_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestRequestTransitions holds every pair of request statuses against the rules:
// legal exactly when listed here, an IllegalTransition otherwise.
func TestRequestTransitions(t *testing.T) {
	const (
		draft     = commissioning.RequestDraft
		open      = commissioning.RequestOpen
		closed    = commissioning.RequestClosed
		awarded   = commissioning.RequestAwarded
		cancelled = commissioning.RequestCancelled
	)
	legal := map[[2]commissioning.RequestStatus]string{
		{draft, open}:       "submit",
		{draft, cancelled}:  "cancel a draft",
		{open, closed}:      "the deadline passes",
		{open, cancelled}:   "cancel while open",
		{closed, awarded}:   "award",
		{closed, cancelled}: "cancel before award",
		{awarded, closed}:   "the approver refuses the award",
	}
	for _, from := range commissioning.RequestMachine.States {
		for _, to := range commissioning.RequestMachine.States {
			why, ok := legal[[2]commissioning.RequestStatus{from, to}]
			t.Run(string(from)+"_to_"+string(to), func(t *testing.T) {
				err := from.CanTransition(to)
				if ok && err != nil {
					t.Fatalf("%s: %v", why, err)
				}
				if !ok && !errors.Is(err, commissioning.ErrIllegalTransition) {
					t.Fatalf("CanTransition = %v, want ErrIllegalTransition", err)
				}
				r := commissioning.PlacementRequest{Status: from}
				if err := r.Transition(to); (err == nil) != ok || (!ok && r.Status != from) || (ok && r.Status != to) {
					t.Fatalf("Transition: err %v, status %s", err, r.Status)
				}
			})
		}
	}
}

func TestRequestPredicates(t *testing.T) {
	for _, tc := range []struct {
		s                                                  commissioning.RequestStatus
		sealed, amendable, cancellable, open, draft, final bool
	}{
		{commissioning.RequestDraft, true, false, true, false, true, false},
		{commissioning.RequestOpen, true, true, true, true, false, false},
		{commissioning.RequestClosed, false, true, true, false, false, false},
		{commissioning.RequestAwarded, false, false, false, false, false, false},
		{commissioning.RequestCancelled, false, false, false, false, false, true},
	} {
		t.Run(string(tc.s), func(t *testing.T) {
			got := [6]bool{tc.s.Sealed(), tc.s.Amendable(), tc.s.Cancellable(), tc.s.IsOpen(), tc.s.IsDraft(), commissioning.RequestMachine.Final(tc.s)}
			want := [6]bool{tc.sealed, tc.amendable, tc.cancellable, tc.open, tc.draft, tc.final}
			if got != want {
				t.Errorf("sealed, amendable, cancellable, open, draft, final = %v, want %v", got, want)
			}
		})
	}
}

// TestRequestStatusesAgreeWithTheDatabase holds the Go statuses against the CHECK
// constraint on placement_requests.status, and the labels too.
func TestRequestStatusesAgreeWithTheDatabase(t *testing.T) {
	db := dbtest.Open(t)
	var goSide, labels []string
	for _, s := range commissioning.RequestMachine.States {
		goSide = append(goSide, string(s))
	}
	for _, o := range commissioning.RequestStatuses {
		labels = append(labels, o.Code)
	}
	slices.Sort(goSide)
	slices.Sort(labels)
	if db := dbtest.CheckValues(t, db, "placement_requests", "status"); !slices.Equal(goSide, db) {
		t.Errorf("Go statuses %v, database CHECK %v", goSide, db)
	}
	if !slices.Equal(goSide, labels) {
		t.Errorf("Go statuses %v, labelled %v", goSide, labels)
	}
}
