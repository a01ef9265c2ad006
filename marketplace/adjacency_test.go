package marketplace_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

const liverpoolONS, wirralONS, kentONS, thurrockONS = "E08000012", "E08000015", "E10000016", "E06000034"

// awardInto awards a home at postcode to a request from council (the child's home in
// childOutcode), 2 miles or so apart, and returns the placement.
func (w *world) awardInto(t *testing.T, council commissioning.Organisation, childOutcode, urn, postcode string) marketplace.Placement {
	t.Helper()
	ctx := context.Background()
	home := w.home(t, w.provider.ID, urn, postcode, []string{"cse_risk"}, 1)
	start := time.Now().AddDate(0, 0, 7).Truncate(24 * time.Hour)
	deadline := time.Now().Add(3 * time.Hour)
	r := marketplace.PlacementRequest{CouncilID: council.ID, ChildRef: "LIV-" + urn, AgeYears: ptr(14), BirthMonth: ptr(int(time.Now().Month())), BirthYear: ptr(time.Now().Year() - 14),
		Sex: ptr("female"), Needs: kernel.StringArray{"cse_risk"}, LegalStatus: ptr("s31"), WithinMiles: ptr(15),
		LotID: &w.residential.ID, Tier: ptr("standard"), StartDate: &start, DurationWeeks: ptr(26), Deadline: &deadline}
	must(t, r.SetHome(childOutcode))
	must(t, marketplace.NewRequests(w.db.Gorm).SaveDraft(ctx, &r))
	_, _, err := w.mk.SubmitRequest(ctx, r.ID, council.ID)
	must(t, err)
	b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: start.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28})
	must(t, err)
	w.closeNow(t, r.ID)
	p, err := w.mk.Award(ctx, r.ID, council.ID, b.ID, 0)
	must(t, err)
	return p
}

// Care Planning, Placement and Case Review (England) Regulations 2010, reg. 11: a
// placement out of area and not in an adjoining council needs the nominated officer's
// approval. Liverpool and Wirral face each other across the Mersey and do not adjoin in
// the ONS boundaries, so a Liverpool child placed in Birkenhead waits for approval; once
// the consortium records them as adjoining for its purposes, the next award does not.
func TestAdjacencyOverrideAppliesToTheDistantRule(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	liverpool := w.member(t, liverpoolONS)
	p := w.awardInto(t, liverpool, "L3", "SC960001", "CH41 6AA")
	if p.Status != "awaiting_approval" || !p.ApprovalReasons.Has(marketplace.RuleRegulation11) {
		t.Fatalf("across the Mersey without an override: %s %v, want regulation 11", p.Status, p.ApprovalReasons)
	}
	if _, err := w.mk.AddAdjacencyOverride(ctx, w.consortium.ID, 0, marketplace.NewAdjacencyOverride{CouncilA: wirralONS, CouncilB: liverpoolONS, Reason: "The Mersey tunnels: 10 minutes apart"}); err != nil {
		t.Fatal(err)
	}
	p = w.awardInto(t, liverpool, "L3", "SC960002", "CH41 6AB")
	if p.Status != "awarded" || p.ApprovalReasons.Has(marketplace.RuleRegulation11) {
		t.Fatalf("with the override: %s %v, want no approval", p.Status, p.ApprovalReasons)
	}
	// Another consortium's overrides do not count.
	other, err := w.orgs.Create(ctx, kernel.KindConsortium, "Elsewhere")
	must(t, err)
	adj, err := w.mk.Adjacency(ctx, other.ID)
	must(t, err)
	if adj.Adjoining(liverpoolONS, wirralONS) {
		t.Fatal("another consortium's override applied")
	}
}

func TestAddAdjacencyOverrideRules(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.member(t, liverpoolONS)
	_, err := w.mk.AddAdjacencyOverride(ctx, w.consortium.ID, 0, marketplace.NewAdjacencyOverride{CouncilA: liverpoolONS, CouncilB: wirralONS, Reason: "Tunnels"})
	must(t, err)
	tests := []struct {
		name  string
		in    marketplace.NewAdjacencyOverride
		field string
		msg   string
	}{
		{"ErrUnknownCouncils", marketplace.NewAdjacencyOverride{CouncilA: "E99999999", CouncilB: "", Reason: "x"}, "council_a", "Select the first council"},
		{"ErrSameCouncil", marketplace.NewAdjacencyOverride{CouncilA: liverpoolONS, CouncilB: liverpoolONS, Reason: "x"}, "council_b", "different council"},
		{"ErrAlreadyAdjoining", marketplace.NewAdjacencyOverride{CouncilA: liverpoolONS, CouncilB: "E08000011", Reason: "x"}, "council_b", "already share a border"},
		{"ErrNoReason", marketplace.NewAdjacencyOverride{CouncilA: liverpoolONS, CouncilB: kentONS, Reason: "  "}, "reason", "Enter why"},
		{"ErrReasonTooLong", marketplace.NewAdjacencyOverride{CouncilA: liverpoolONS, CouncilB: kentONS, Reason: strings.Repeat("é", marketplace.MaxOverrideReason+1)}, "reason", "1000 characters"},
		{"ErrNeitherAMember", marketplace.NewAdjacencyOverride{CouncilA: kentONS, CouncilB: thurrockONS, Reason: "Dartford crossing"}, "council_a", "must be a member"},
		{"ErrTwiceTheOtherWayRound", marketplace.NewAdjacencyOverride{CouncilA: wirralONS, CouncilB: liverpoolONS, Reason: "Again"}, "council_b", "already treats Wirral and Liverpool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.mk.AddAdjacencyOverride(ctx, w.consortium.ID, 0, tt.in)
			var fe kernel.FieldErrors
			if !errors.As(err, &fe) || !fe.Has(tt.field) {
				t.Fatalf("got %v, want an error on %s", err, tt.field)
			}
			for _, e := range fe {
				if e.Field == tt.field && !strings.Contains(e.Message, tt.msg) {
					t.Errorf("%s: %q, want it to say %q", tt.field, e.Message, tt.msg)
				}
			}
		})
	}
	// Removing: another consortium cannot; the consortium can, once; both audited.
	list, err := w.mk.AdjacencyOverrides(ctx, w.consortium.ID)
	must(t, err)
	if len(list) != 1 || list[0].ONSA != liverpoolONS || list[0].ONSB != wirralONS {
		t.Fatalf("overrides %+v", list)
	}
	other, err := w.orgs.Create(ctx, kernel.KindConsortium, "Elsewhere")
	must(t, err)
	if err := w.mk.RemoveAdjacencyOverride(ctx, other.ID, list[0].ID); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("another consortium removed it: %v", err)
	}
	must(t, w.mk.RemoveAdjacencyOverride(ctx, w.consortium.ID, list[0].ID))
	if err := w.mk.RemoveAdjacencyOverride(ctx, w.consortium.ID, list[0].ID); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("removed twice: %v", err)
	}
	var actions []string
	must(t, w.db.Gorm.Table("audit_log").Where("consortium_id = ? AND action LIKE 'adjacency_override.%'", w.consortium.ID).Order("id").Pluck("action", &actions).Error)
	if strings.Join(actions, ",") != "adjacency_override.create,adjacency_override.delete" {
		t.Fatalf("audit %v", actions)
	}
}

// The database refuses a badly formed override whatever the Go code does.
func TestAdjacencyOverridesRefusedByTheDatabase(t *testing.T) {
	w := newWorld(t)
	council := w.member(t, liverpoolONS)
	insert := "INSERT INTO adjacency_overrides (consortium_id, ons_a, ons_b, reason) VALUES ($1, $2, $3, $4)"
	must(t, w.exec(insert, w.consortium.ID, liverpoolONS, wirralONS, "Tunnels"))
	tests := []struct {
		name         string
		consortium   int64
		a, b, reason string
		want         string
	}{
		{"ErrPairOutOfOrder", w.consortium.ID, wirralONS, liverpoolONS, "Tunnels", "23514"},
		{"ErrSameCouncil", w.consortium.ID, liverpoolONS, liverpoolONS, "x", "23514"},
		{"ErrTwice", w.consortium.ID, liverpoolONS, wirralONS, "Again", "23505"},
		{"ErrNoReason", w.consortium.ID, thurrockONS, kentONS, " ", "23514"},
		{"ErrUnknownCouncil", w.consortium.ID, "E06999999", kentONS, "x", "23503"},
		{"ErrNotAConsortium", council.ID, thurrockONS, kentONS, "x", "23503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := w.exec(insert, tt.consortium, tt.a, tt.b, tt.reason); sqlState(err) != tt.want {
				t.Fatalf("got %v, want SQLSTATE %s", err, tt.want)
			}
		})
	}
}

// Two admins adding the same pair at once: exactly one override is stored.
func TestAddTheSameOverrideTwiceAtOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.member(t, liverpoolONS)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, in := range []marketplace.NewAdjacencyOverride{
		{CouncilA: liverpoolONS, CouncilB: wirralONS, Reason: "First"},
		{CouncilA: wirralONS, CouncilB: liverpoolONS, Reason: "Second"},
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = w.mk.AddAdjacencyOverride(ctx, w.consortium.ID, 0, in)
		}()
	}
	wg.Wait()
	list, err := w.mk.AdjacencyOverrides(ctx, w.consortium.ID)
	must(t, err)
	if len(list) != 1 || (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("stored %d, errors %v", len(list), errs)
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, kernel.ErrInvalid) {
			t.Fatalf("the loser's error %v, want a field error", err)
		}
	}
}

// A home saved under older geography data is given its district's authority at start.
func TestSyncHostCouncils(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	h := w.home(t, w.provider.ID, "SC960101", "M16 0RA", nil, 1) // Old Trafford: Trafford
	must(t, w.exec("UPDATE homes SET host_council_id = (SELECT id FROM organisations WHERE ons_code = 'E08000003') WHERE id = $1", h.ID))
	n, err := w.mk.SyncHostCouncils(ctx)
	must(t, err)
	cur, _ := w.mk.Home(ctx, h.ID)
	host, _ := w.orgs.Organisation(ctx, *cur.HostCouncilID)
	if n != 1 || host.Name != "Trafford" {
		t.Fatalf("%d homes changed; host %q, want Trafford", n, host.Name)
	}
	if n, _ := w.mk.SyncHostCouncils(ctx); n != 0 {
		t.Fatalf("a second sync changed %d homes", n)
	}
}
