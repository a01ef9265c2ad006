package marketplace_test

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// agrees holds a machine's statuses against the database's CHECK on table.column.
func agrees[S ~string](t *testing.T, m kernel.Machine[S], table, column string) {
	t.Helper()
	var goSide []string
	for _, s := range m.States {
		goSide = append(goSide, string(s))
	}
	slices.Sort(goSide)
	if db := dbtest.CheckValues(t, dbtest.Open(t), table, column); !slices.Equal(goSide, db) {
		t.Errorf("%s: Go statuses %v, database CHECK on %s.%s %v", m.Object, goSide, table, column, db)
	}
}

func TestBidTransitions(t *testing.T) {
	marketplace.BidMachine.Verify(t, map[[2]marketplace.BidStatus]string{
		{marketplace.BidActive, marketplace.BidWithdrawn}: "withdraw, or decline",
		{marketplace.BidWithdrawn, marketplace.BidActive}: "bid again before the deadline",
	})
	b := marketplace.Bid{Status: marketplace.BidWithdrawn}
	if err := b.Transition(marketplace.BidWithdrawn); !errors.Is(err, kernel.ErrIllegalTransition) || b.Status != marketplace.BidWithdrawn {
		t.Errorf("withdrawing a withdrawn bid: %v, %s", err, b.Status)
	}
}

func TestPlacementTransitions(t *testing.T) {
	const (
		waiting = marketplace.PlacementAwaitingApproval
		awarded = marketplace.PlacementAwarded
		refused = marketplace.PlacementRefused
		started = marketplace.PlacementStarted
		ended   = marketplace.PlacementEnded
	)
	marketplace.PlacementMachine.Verify(t, map[[2]marketplace.PlacementStatus]string{
		{waiting, awarded}: "the approver approves",
		{waiting, refused}: "the approver refuses",
		{awarded, started}: "the child moves in",
		{awarded, ended}:   "the placement did not start",
		{started, ended}:   "the child leaves",
	})
	p := marketplace.Placement{Status: ended}
	if err := p.Transition(started); !errors.Is(err, kernel.ErrIllegalTransition) || p.Status != ended {
		t.Errorf("restarting an ended placement: %v, %s", err, p.Status)
	}
	for _, tc := range []struct {
		s           marketplace.PlacementStatus
		live, final bool
	}{{waiting, false, false}, {awarded, true, true}, {refused, false, false}, {started, true, true}, {ended, false, true}} {
		if tc.s.Live() != tc.live || tc.s.Final() != tc.final {
			t.Errorf("%s: Live %v Final %v, want %v %v", tc.s, tc.s.Live(), tc.s.Final(), tc.live, tc.final)
		}
	}
}

func TestInvitationTransitions(t *testing.T) {
	marketplace.InvitationMachine.Verify(t, map[[2]marketplace.InvitationOutcome]string{
		{marketplace.OutcomePending, marketplace.OutcomeSuccessful}:    "the provider's bid is awarded, finally",
		{marketplace.OutcomePending, marketplace.OutcomeNotSuccessful}: "another bid is awarded, finally",
	})
}

func TestStatusesAgreeWithTheDatabase(t *testing.T) {
	agrees(t, marketplace.BidMachine, "bids", "status")
	agrees(t, marketplace.PlacementMachine, "placements", "status")
}

// TestInvitationOutcomesAreTheQuerys holds the invitation's outcomes and the provider's
// responses, which are derived rather than stored, against the values the invitations
// query gives.
func TestInvitationOutcomesAreTheQuerys(t *testing.T) {
	values := func(sql string) []string {
		var got []string
		for _, m := range regexp.MustCompile(`(?:THEN|ELSE) '([a-z_]+)'`).FindAllStringSubmatch(sql, -1) {
			got = append(got, m[1])
		}
		slices.Sort(got)
		return got
	}
	outcomes, rest, _ := strings.Cut(marketplace.InvitationSQL, "AS outcome")
	responses, _, _ := strings.Cut(rest, "AS response")
	var want []string
	for _, o := range marketplace.InvitationMachine.States {
		want = append(want, string(o))
	}
	slices.Sort(want)
	if got := values(outcomes); !slices.Equal(got, want) {
		t.Errorf("the query's outcomes %v, the machine's %v", got, want)
	}
	want = want[:0]
	for _, r := range marketplace.InvitationResponses {
		want = append(want, string(r))
	}
	slices.Sort(want)
	if got := values(responses); !slices.Equal(got, want) {
		t.Errorf("the query's responses %v, the code's %v", got, want)
	}
}
