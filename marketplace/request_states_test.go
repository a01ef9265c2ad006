package marketplace_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestRequestTransitions holds every pair of request statuses against the rules:
// legal exactly when listed here, an IllegalTransition otherwise.
func TestRequestTransitions(t *testing.T) {
	const (
		draft     = marketplace.RequestDraft
		open      = marketplace.RequestOpen
		closed    = marketplace.RequestClosed
		awarded   = marketplace.RequestAwarded
		cancelled = marketplace.RequestCancelled
	)
	legal := map[[2]marketplace.RequestStatus]string{
		{draft, open}:       "submit",
		{draft, cancelled}:  "cancel a draft",
		{open, closed}:      "the deadline passes",
		{open, cancelled}:   "cancel while open",
		{closed, awarded}:   "award",
		{closed, cancelled}: "cancel before award",
		{awarded, closed}:   "the approver refuses the award",
	}
	for _, from := range marketplace.RequestMachine.States {
		for _, to := range marketplace.RequestMachine.States {
			why, ok := legal[[2]marketplace.RequestStatus{from, to}]
			t.Run(string(from)+"_to_"+string(to), func(t *testing.T) {
				err := from.CanTransition(to)
				if ok && err != nil {
					t.Fatalf("%s: %v", why, err)
				}
				if !ok && !errors.Is(err, kernel.ErrIllegalTransition) {
					t.Fatalf("CanTransition = %v, want ErrIllegalTransition", err)
				}
				r := marketplace.PlacementRequest{Status: from}
				if err := r.Transition(to); (err == nil) != ok || (!ok && r.Status != from) || (ok && r.Status != to) {
					t.Fatalf("Transition: err %v, status %s", err, r.Status)
				}
			})
		}
	}
}

func TestRequestPredicates(t *testing.T) {
	for _, tc := range []struct {
		s                                                  marketplace.RequestStatus
		sealed, amendable, cancellable, open, draft, final bool
	}{
		{marketplace.RequestDraft, true, false, true, false, true, false},
		{marketplace.RequestOpen, true, true, true, true, false, false},
		{marketplace.RequestClosed, false, true, true, false, false, false},
		{marketplace.RequestAwarded, false, false, false, false, false, false},
		{marketplace.RequestCancelled, false, false, false, false, false, true},
	} {
		t.Run(string(tc.s), func(t *testing.T) {
			got := [6]bool{tc.s.Sealed(), tc.s.Amendable(), tc.s.Cancellable(), tc.s.IsOpen(), tc.s.IsDraft(), marketplace.RequestMachine.Final(tc.s)}
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
	for _, s := range marketplace.RequestMachine.States {
		goSide = append(goSide, string(s))
	}
	for _, o := range marketplace.RequestStatuses {
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

// An invited provider's list says where the request stands for it: a request it lost
// never reads "awarded", and an award waiting for approval is not yet anyone's.
func TestInvitationStanding(t *testing.T) {
	for _, tc := range []struct {
		status   marketplace.RequestStatus
		outcome  marketplace.InvitationOutcome
		response marketplace.InvitationResponse
		want     string
	}{
		{marketplace.RequestOpen, marketplace.OutcomePending, marketplace.ResponseNone, "open"},
		{marketplace.RequestClosed, marketplace.OutcomePending, marketplace.ResponseBid, "closed"},
		{marketplace.RequestAwarded, marketplace.OutcomePending, marketplace.ResponseBid, "awaiting_approval"},
		{marketplace.RequestAwarded, marketplace.OutcomeSuccessful, marketplace.ResponseBid, "successful"},
		{marketplace.RequestAwarded, marketplace.OutcomeNotSuccessful, marketplace.ResponseBid, "not_chosen"},
		{marketplace.RequestAwarded, marketplace.OutcomeNotSuccessful, marketplace.ResponseDeclined, "awarded_to_another"},
		{marketplace.RequestAwarded, marketplace.OutcomeNotSuccessful, marketplace.ResponseNone, "awarded_to_another"},
		{marketplace.RequestCancelled, marketplace.OutcomePending, marketplace.ResponseWithdrawn, "cancelled"},
	} {
		t.Run(tc.want+"/"+string(tc.response), func(t *testing.T) {
			if got := (marketplace.Invitation{Status: tc.status, Outcome: tc.outcome, Response: tc.response}).Standing(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
