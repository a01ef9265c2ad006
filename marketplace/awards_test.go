package marketplace_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace"
)

// The statutory rule (Care Planning, Placement and Case Review (England) Regulations
// 2010, reg. 11: out of area and not adjoining) is named apart from the consortium's
// distance policy, which is set per framework and can be off. Adjoining is national,
// from the ONS boundaries, plus the consortium's own overrides.
func TestApprovalReasons(t *testing.T) {
	const manchester, salford, liverpool, wirral = "E08000003", "E08000006", "E08000012", "E08000015"
	const somerset, devon, kent, thurrock, cornwall = "E06000066", "E10000008", "E10000016", "E06000034", "E06000052"
	twenty, ten := 20.0, 10.0
	var ons geo.Adjacency                                    // the boundaries alone
	mersey := geo.WithOverrides(geo.Pair{liverpool, wirral}) // a consortium's override across the Mersey
	thames := geo.WithOverrides(geo.Pair{thurrock, kent})    // and one across the Thames
	tests := []struct {
		name           string
		miles          float64
		policy         *float64
		placing, host  string
		adj            geo.Adjacency
		total, ceiling kernel.Pence
		want           []string
	}{
		{"InArea", 5, &twenty, manchester, manchester, ons, 400000, 500000, nil},
		{"Adjoining", 8, &twenty, manchester, salford, ons, 400000, 500000, nil},
		{"Exactly20Miles", 20, &twenty, manchester, salford, ons, 400000, 500000, nil},
		{"Over20Miles", 20.1, &twenty, manchester, salford, ons, 400000, 500000, []string{"consortium_miles"}},
		{"Over20MilesPolicyOff", 35, nil, manchester, salford, ons, 400000, 500000, nil},
		{"Over10MilesPolicy10", 12, &ten, manchester, salford, ons, 400000, 500000, []string{"consortium_miles"}},
		{"NotAdjoiningButNear", 15, &twenty, manchester, liverpool, ons, 400000, 500000, []string{"regulation_11"}},
		{"NotAdjoiningPolicyOff", 35, nil, manchester, liverpool, ons, 400000, 500000, []string{"regulation_11"}},
		{"OverCeiling", 5, &twenty, manchester, manchester, ons, 500001, 500000, []string{"over_ceiling"}},
		{"All", 35, &twenty, manchester, liverpool, ons, 600000, 500000, []string{"regulation_11", "consortium_miles", "over_ceiling"}},
		// North West: the Mersey is not a border, unless the consortium says so.
		{"LiverpoolWirralAcrossTheMersey", 3, nil, liverpool, wirral, ons, 400000, 500000, []string{"regulation_11"}},
		{"LiverpoolWirralOverride", 3, nil, liverpool, wirral, mersey, 400000, 500000, nil},
		{"WirralLiverpoolOverrideEitherWay", 3, nil, wirral, liverpool, mersey, 400000, 500000, nil},
		{"OverrideForAnotherPairOnly", 30, nil, manchester, liverpool, mersey, 400000, 500000, []string{"regulation_11"}},
		// Elsewhere in England.
		{"SomersetDevonAdjoin", 25, nil, somerset, devon, ons, 400000, 500000, nil},
		{"DevonSomersetAdjoin", 25, nil, devon, somerset, ons, 400000, 500000, nil},
		{"KentThurrockAcrossTheThames", 10, nil, kent, thurrock, ons, 400000, 500000, []string{"regulation_11"}},
		{"KentThurrockOverride", 10, nil, kent, thurrock, thames, 400000, 500000, nil},
		{"SomersetCornwallNotAdjoining", 60, nil, somerset, cornwall, ons, 400000, 500000, []string{"regulation_11"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := marketplace.ApprovalReasons(tt.miles, tt.policy, tt.placing, tt.host, tt.adj, tt.total, tt.ceiling)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestRuleLabels(t *testing.T) {
	fifteen := 15.5
	p := marketplace.Placement{ApprovalReasons: kernel.Codes{"regulation_11", "consortium_miles", "over_ceiling"}, PolicyMiles: &fifteen}
	want := []string{"Regulation 11: out of area and not adjoining", "Consortium policy: more than 15.5 miles", "Over the price ceiling"}
	got := p.ApprovalRules()
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rule %d: %q, want %q", i, got[i], want[i])
		}
	}
}

// closeNow moves a request's deadline into the past and closes it.
func (w *world) closeNow(t *testing.T, id int64) {
	t.Helper()
	_, err := w.db.Pool.Exec(context.Background(), "UPDATE placement_requests SET submitted_at = now() - interval '3 hours', deadline = now() - interval '1 second' WHERE id = $1", id)
	must(t, err)
	_, err = w.mk.CloseDue(context.Background())
	must(t, err)
}

func TestTwoAwardsOfTheLastBedAtOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester, salford := w.member(t, "E08000003"), w.member(t, "E08000006")
	home := w.home(t, w.provider.ID, "SC930001", "M20 2AB", []string{"cse_risk"}, 1) // one bed
	r1, _ := w.openRequest(t, manchester)
	r2, _ := w.openRequest(t, salford)
	var bids []marketplace.Bid
	for _, r := range []marketplace.PlacementRequest{r1, r2} {
		b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28})
		must(t, err)
		bids = append(bids, b)
		if _, err := w.mk.Award(ctx, r.ID, r.CouncilID, b.ID, 0); !errors.Is(err, marketplace.ErrNotClosed) {
			t.Fatalf("award before the deadline: %v", err)
		}
		w.closeNow(t, r.ID)
	}
	// Two councils award the home's last bed at the same moment.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, r := range []marketplace.PlacementRequest{r1, r2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = w.mk.Award(ctx, r.ID, r.CouncilID, bids[i].ID, 0)
		}()
	}
	close(start)
	wg.Wait()
	won, taken := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, marketplace.ErrBedTaken):
			taken++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if won != 1 || taken != 1 {
		t.Fatalf("%d awards won and %d refused, want exactly one each", won, taken)
	}
	got, _ := w.mk.Home(ctx, home.ID)
	if got.BedsFree != 0 {
		t.Fatalf("beds free after the award: %d", got.BedsFree)
	}
}

func TestAwardNeedsApprovalAndRefusalGivesTheBedBack(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	near := w.home(t, w.provider.ID, "SC940001", "M20 2AB", []string{"cse_risk"}, 1)
	r, _ := w.openRequest(t, manchester)
	// The provider bids over the £5,000 ceiling with a justification.
	b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: near.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 550000, NoticeDays: 28, Justification: "Waking nights"})
	must(t, err)
	w.closeNow(t, r.ID)
	if _, err := w.mk.Award(ctx, r.ID, manchester.ID, b.ID+999, 0); !errors.Is(err, marketplace.ErrBidNotAvailable) {
		t.Fatalf("award of another bid: %v", err)
	}
	p, err := w.mk.Award(ctx, r.ID, manchester.ID, b.ID, 0)
	must(t, err)
	if p.Status != "awaiting_approval" || len(p.ApprovalReasons) != 1 || p.ApprovalReasons[0] != "over_ceiling" {
		t.Fatalf("placement %+v", p)
	}
	if _, err := w.mk.Award(ctx, r.ID, manchester.ID, b.ID, 0); !errors.Is(err, marketplace.ErrAlreadyAwarded) {
		t.Fatalf("second award: %v", err)
	}
	if _, err := w.mk.DecideAward(ctx, p.ID, manchester.ID, 0, false, " "); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("refusal without reason: %v", err)
	}
	if _, err := w.mk.DecideAward(ctx, p.ID, w.member(t, "E08000012").ID, 0, true, ""); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("another council's approver: %v", err)
	}
	p, err = w.mk.DecideAward(ctx, p.ID, manchester.ID, 0, false, "Find a placement within the ceiling first")
	must(t, err)
	if p.Status != "refused" {
		t.Fatalf("status %q", p.Status)
	}
	if h, _ := w.mk.Home(ctx, near.ID); h.BedsFree != 1 {
		t.Fatalf("bed not given back: %d", h.BedsFree)
	}
	// The request is open for another award; this time the approver approves.
	p2, err := w.mk.Award(ctx, r.ID, manchester.ID, b.ID, 0)
	must(t, err)
	p2, err = w.mk.DecideAward(ctx, p2.ID, manchester.ID, 0, true, "")
	must(t, err)
	if p2.Status != "awarded" || p2.DecidedAt == nil {
		t.Fatalf("approved placement %+v", p2)
	}
	if _, err := w.mk.DecideAward(ctx, p2.ID, manchester.ID, 0, true, ""); !errors.Is(err, marketplace.ErrNotAwaiting) {
		t.Fatalf("deciding twice: %v", err)
	}
}
