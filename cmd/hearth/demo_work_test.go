package main

import (
	"context"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
)

// TestTheDemoLeavesWorkInEachQueue loads the demo and counts each role's work as its
// home page does: every role that has a queue in the demo story finds something in it.
func TestTheDemoLeavesWorkInEachQueue(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo consortium")
	}
	ctx := context.Background()
	cfg := seededDemo(t)
	must(t, withApp(ctx, cfg, func(a *app) error {
		org := func(kind kernel.OrgKind, name string) int64 {
			o, err := a.orgs.OrganisationByName(ctx, kind, name)
			must(t, err)
			return o.ID
		}
		manchester := org(kernel.KindCouncil, "Manchester")
		count := func(n int64, err error) int64 {
			t.Helper()
			must(t, err)
			return n
		}
		waiting, err := a.market.ApprovalsWaiting(ctx, manchester)
		must(t, err)
		invited, _, err := a.market.InvitationsAwaitingResponse(ctx, org(kernel.KindProvider, demoProviders[0]))
		must(t, err)
		for _, tc := range []struct {
			queue string
			n     int64
		}{
			{"commissioner: requests with bids ready to compare", count(a.market.RequestsReadyToCompare(ctx, manchester))},
			{"commissioner: placements starting this week", count(a.market.PlacementsStarting(ctx, manchester, false))},
			{"approver: decisions waiting", waiting.N},
			{"provider: requests awaiting a response", invited},
			{"fostering provider: placements starting this week", count(a.market.PlacementsStarting(ctx, org(kernel.KindProvider, demoProviders[1]), true))},
			{"SWCU: referrals with offers", count(a.secure.ReferralsWithOffers(ctx))},
			{"Oakfield: referrals to answer", count(a.secure.ReferralsToAnswer(ctx, org(kernel.KindProvider, secure.Estate[0].Name)))},
			{"Heron Court: referrals to answer", count(a.secure.ReferralsToAnswer(ctx, org(kernel.KindProvider, secure.Estate[1].Name)))},
		} {
			if tc.n < 1 {
				t.Errorf("%s: %d, want some", tc.queue, tc.n)
			}
		}
		return nil
	}))
}
