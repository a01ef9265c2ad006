package simulate

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/secure/allocate"
	"github.com/hearth-placements/hearth/marketplace"
)

// tinyWorld is one council (Manchester) with one child of 14 and the given homes, every
// home willing, known to the council and with one bed free on day one.
func tinyWorld(t *testing.T, homes ...home) *World {
	t.Helper()
	p := Defaults()
	p.Willing, p.WillingPerNeed, p.Lots = 1, 0, "residential"
	man, ok := geo.CouncilByONS("E08000003")
	if !ok {
		t.Fatal("no Manchester in the geography")
	}
	w := &World{p: p, councils: []council{{ons: man.ONSCode, pt: man.Centroid, weight: 1, scope: true}}, byLot: map[string][]int{}}
	w.lots = map[string]nationalseedLot{"residential": mustLot(t, "residential")}
	w.framework.WeightPrice, w.framework.WeightQuality, w.framework.WeightDistance, w.framework.WeightFit = 40, 30, 20, 10
	w.known = [][]bool{make([]bool, len(homes)+1)}
	for k := range homes {
		id := int64(k + 1)
		h := &homes[k]
		h.id, h.provider, h.lot, h.slots = id, id, "residential", []float64{0}
		host := int64(1)
		h.cand = marketplace.Candidate{HomeID: id, ProviderID: id, ServesLot: true, MinAge: 8, MaxAge: 17, AcceptsMale: true, AcceptsFemale: true,
			Lat: h.cand.Lat, Lon: h.cand.Lon, HostCouncilID: &host, OfstedRating: "good"}
		w.homes = append(w.homes, *h)
		w.byLot["residential"] = append(w.byLot["residential"], k)
		w.providers = append(w.providers, id)
		w.known[0][id] = true
	}
	w.children = []child{{council: 0, pt: man.Centroid, lot: "residential", tier: "standard", age: 14, sex: "female", arrive: 10}}
	return w
}

func mustLot(t *testing.T, code string) nationalseedLot {
	l, ok := lotByCode(code)
	if !ok {
		t.Fatalf("no lot %s", code)
	}
	return l
}

// at is a home's location d miles north of Manchester's centroid.
func at(d float64, cost float64) home {
	man, _ := geo.CouncilByONS("E08000003")
	return home{cost: cost, cand: marketplace.Candidate{Lat: man.Centroid.Lat + d/69.05, Lon: man.Centroid.Lon}}
}

func TestTinyWorldAloneTakesTheNearerHomeAndTheConsortiumTheCheaper(t *testing.T) {
	w := tinyWorld(t, at(3, 4000), at(12, 2500)) // home 0 near and dear, home 1 farther and cheaper
	alone, cons, bound := w.Alone(nil), w.Consortium(nil), w.Bound(nil)
	if !alone[0].Placed || alone[0].Home != 0 {
		t.Errorf("alone: %+v, want the nearer home 0", alone[0])
	}
	if want := 4000 * (1 + w.p.Margin); alone[0].Fee != want {
		t.Errorf("alone pays %.2f, want the spot price %.2f", alone[0].Fee, want)
	}
	if !cons[0].Placed || cons[0].Home != 1 {
		t.Errorf("consortium: %+v, want the cheaper home 1", cons[0])
	}
	// Two bidders: the margin falls to 23% ÷ 1.15 = 20%.
	if want := 2500 * (1 + w.p.Margin/(1+w.p.MarginResponse)); abs(cons[0].Fee-want) > 0.01 {
		t.Errorf("consortium pays %.2f, want %.2f", cons[0].Fee, want)
	}
	if cons[0].Wait != w.p.WindowPlanned {
		t.Errorf("consortium placed after %.1f days, want the bidding window %.1f", cons[0].Wait, w.p.WindowPlanned)
	}
	if !bound[0].Placed || bound[0].Home != 0 {
		t.Errorf("bound: %+v, want the nearer home 0", bound[0])
	}
}

func TestTinyWorldCeilingCapsTheBidAndExcludesHomesThatCannotMeetIt(t *testing.T) {
	// The residential lot's standard ceiling is £5,250: home 1 cannot bid at cost £5,300,
	// home 0's bid of £4,500 × 1.23 is capped at the ceiling.
	w := tinyWorld(t, at(30, 4500), at(2, 5300))
	cons := w.Consortium(nil)
	if !cons[0].Placed || cons[0].Home != 0 || cons[0].Fee != 5250 {
		t.Errorf("consortium: %+v, want home 0 at the £5,250 ceiling", cons[0])
	}
	alone := w.Alone(nil)
	if !alone[0].Placed || alone[0].Home != 1 {
		t.Errorf("alone: %+v, want the nearer home 1 at spot price, no ceiling", alone[0])
	}
}

func TestTinyWorldNoBedMeansNotPlaced(t *testing.T) {
	w := tinyWorld(t, at(3, 4000))
	w.homes[0].slots = nil
	for name, out := range map[string][]Outcome{"alone": w.Alone(nil), "consortium": w.Consortium(nil), "bound": w.Bound(nil)} {
		if out[0].Placed {
			t.Errorf("%s placed a child with no bed: %+v", name, out[0])
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestBoundIsNeverWorseThanEitherPolicy checks, on random small worlds, that the bound's
// total distance (a child not placed counting UnplacedMiles: the bound's objective, so
// the two agree) is at most each policy's, and with the default it places at least as many.
func TestBoundIsNeverWorseThanEitherPolicy(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	regions := geo.Regions()
	for k := range 12 {
		p := Defaults()
		p.Seed, p.Homes, p.Region = uint64(k+1), 60+rng.IntN(240), regions[rng.IntN(len(regions))]
		p.Pressure, p.Visibility, p.WithinMiles = 0.5+rng.Float64(), rng.Float64(), 10+rng.IntN(60)
		if k%2 == 1 {
			p.UnplacedMiles = 50 + rng.Float64()*200 // else the default: more than any distance
		}
		w, err := Build(p)
		if err != nil {
			t.Fatal(err)
		}
		bound := summarise(PolicyBound, w, w.Bound(nil))
		for _, s := range []Summary{summarise(PolicyAlone, w, w.Alone(nil)), summarise(PolicyConsortium, w, w.Consortium(nil))} {
			if bound.PenalisedTenths > s.PenalisedTenths {
				t.Errorf("seed %d, %s, %d children: bound %d tenths > %s %d", p.Seed, p.Region, w.Children(), bound.PenalisedTenths, s.Policy, s.PenalisedTenths)
			}
			// With a child not placed costing more than all distances together, the bound
			// places the most children any policy could.
			if p.UnplacedMiles > 250*float64(w.Children()) && bound.NotPlaced > s.NotPlaced {
				t.Errorf("seed %d: the bound left %d children unplaced, %s %d", p.Seed, bound.NotPlaced, s.Policy, s.NotPlaced)
			}
		}
	}
}

// TestAssignIsExact compares Assign with allocate.BruteForce (equal priorities, and an
// unplaced cost above any total distance, so both place the most children at the least
// distance) on random small problems, with beds in homes coming free in order.
func TestAssignIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for range 300 {
		children, homes := 1+rng.IntN(6), 1+rng.IntN(3)
		beds := make([]int, homes)
		first := make([]int, homes)
		total := 0
		for h := range beds {
			beds[h], first[h] = 1+rng.IntN(2), total
			total += beds[h]
		}
		var arcs []Arc
		prob := allocate.Problem{Priority: make([]int64, children), Beds: total}
		for c := range children {
			for h := range homes {
				if rng.IntN(3) == 0 {
					continue
				}
				miles := float64(rng.IntN(500)) / 10
				k := 1 + rng.IntN(beds[h]) // the child may use the home's first k beds
				arcs = append(arcs, Arc{Child: c, Home: h, Slots: k, Cost: tenths(miles)})
				for s := range k {
					prob.Edges = append(prob.Edges, allocate.Edge{Child: c, Bed: first[h] + s, Miles: miles})
				}
			}
		}
		got := Assign(children, beds, arcs, 1_000_000)
		want := allocate.BruteForce(prob)
		placed, sum := 0, int64(0)
		used := make([]int, homes)
		for c, h := range got {
			if h < 0 {
				continue
			}
			placed++
			used[h]++
			for _, a := range arcs {
				if a.Child == c && a.Home == h {
					sum += a.Cost
				}
			}
		}
		if placed != want.Placed || sum != want.Tenths {
			t.Fatalf("Assign placed %d at %d tenths; brute force %d at %d (children %d, beds %v, arcs %+v)", placed, sum, want.Placed, want.Tenths, children, beds, arcs)
		}
		for h := range used {
			if used[h] > beds[h] {
				t.Fatalf("home %d given %d children for %d beds", h, used[h], beds[h])
			}
		}
	}
}

// TestSecureSuggestionAgainstFirstComeFirstServed replays random streams under both
// policies. Each day the suggestion places the most children the free beds allow
// (allocate.Solve), never fewer than first come, first served would from the same state.
// Over a whole stream it can place fewer (17 of 400 random streams, by one or two
// children): the day's optimum is myopic — it leaves different beds free (a bed suits
// some ages, sexes and homes' acceptances and not others) and different children waiting
// for tomorrow's arrivals, so a later day can go worse. The test allows that shortfall
// and no more: at most two children or 1% of the stream.
func TestSecureSuggestionAgainstFirstComeFirstServed(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	fewer, streams := 0, 40
	for k := range streams {
		p := Defaults()
		p.Seed = uint64(k + 1)
		p.SecurePerMonth, p.SecureAccept, p.SecureOccupied, p.SecureClosed = 20+rng.Float64()*40, 0.2+rng.Float64()*0.7, rng.Float64(), rng.Float64()*0.5
		p.SecureOrderDays, p.SecureWaitDays = 30+rng.Float64()*200, rng.Float64()*120
		st := NewSecureStream(p)
		fcfs := summariseSecure(PolicyFCFS, RunSecure(st, false))
		sugg := summariseSecure(PolicySuggestion, RunSecure(st, true))
		if sugg.Placed < fcfs.Placed {
			fewer++
			t.Logf("stream %d: suggestion placed %d, first come first served %d", k, sugg.Placed, fcfs.Placed)
		}
		if sugg.Placed < fcfs.Placed-max(2, fcfs.Referrals/100) {
			t.Errorf("stream %d: suggestion placed %d, first come first served %d", k, sugg.Placed, fcfs.Placed)
		}
	}
	t.Logf("the suggestion placed fewer on %d of %d streams", fewer, streams)
}

func TestRunIsReproducibleForASeed(t *testing.T) {
	p := Defaults()
	p.Homes, p.Region = 300, "North East"
	a, err := Run(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Elapsed, b.Elapsed = 0, 0
	if !reflect.DeepEqual(a.Secure, b.Secure) || !reflect.DeepEqual(rows(a), rows(b)) {
		t.Errorf("two runs of seed %d differ:\n%v\n%v", p.Seed, rows(a), rows(b))
	}
	p.Seed = 2
	c, _ := Run(context.Background(), p, nil)
	if reflect.DeepEqual(rows(a), rows(c)) {
		t.Errorf("seeds 1 and 2 gave the same run")
	}
}

func rows(r Result) [][]string { return ResidentialRows(r.Residential, CSV) }

func TestValidateNamesEveryBadParameter(t *testing.T) {
	p := Defaults()
	p.Region, p.Visibility, p.Lots = "Atlantis", 2, "residential,bogus"
	err := p.Validate()
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want ErrInvalid", err)
	}
	for _, name := range []string{"region", "visibility", "lots"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%q does not name %s", err, name)
		}
	}
	q := Defaults()
	q.Region = "England"
	if err := q.Validate(); err != nil || q.Region != "" {
		t.Errorf("England: %v, region %q", err, q.Region)
	}
}

type nationalseedLot = commissioning.NewLot

func TestSensitivityChartIsWellFormedSVGWithATextAlternative(t *testing.T) {
	s := Summary{MeanMiles: 30, MeanFee: 4000, NotPlaced: 3}
	vs := []Variation{{Param: "visibility", Value: "0.2", Alone: s, Consortium: s}, {Param: "visibility", Value: "0.5", Alone: s, Consortium: s},
		{Param: "response-days", Value: "2", Alone: s, Consortium: s}}
	svg := SensitivityChart(vs)
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
	}
	for _, want := range []string{`role="img"`, "<title", "visibility", "response-days", "Mean weekly fee"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestStoredResultRoundTripsNaNFigures(t *testing.T) {
	in := Stored{Result: Result{Residential: []Summary{{Policy: PolicyBound, MeanMiles: 3.5, WaitMedian: math.NaN(), TotalSpend: math.NaN()}},
		Secure: []SecureSummary{{Policy: PolicyFCFS, MeanWait: math.NaN()}}}}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Stored
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	s := out.Result.Residential[0]
	if s.Policy != PolicyBound || s.MeanMiles != 3.5 || !math.IsNaN(s.WaitMedian) || !math.IsNaN(s.TotalSpend) || !math.IsNaN(out.Result.Secure[0].MeanWait) {
		t.Errorf("round trip: %+v", out)
	}
}

// TestTinyWorldConsortiumObeysMatchingRules: the cheaper home takes only boys and the
// next is rated Inadequate, so matching (marketplace.Match) leaves the dearest home for a
// girl; councils alone apply the same rules.
func TestTinyWorldConsortiumObeysMatchingRules(t *testing.T) {
	w := tinyWorld(t, at(5, 2000), at(6, 2500), at(8, 4000))
	w.homes[0].cand.AcceptsFemale = false
	w.homes[1].cand.OfstedRating = "inadequate"
	for name, out := range map[string][]Outcome{"consortium": w.Consortium(nil), "alone": w.Alone(nil), "bound": w.Bound(nil)} {
		if !out[0].Placed || out[0].Home != 2 {
			t.Errorf("%s: %+v, want home 2, the only one matching allows", name, out[0])
		}
	}
}
