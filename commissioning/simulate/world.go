package simulate

import (
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
)

// Epoch is day 0 of every simulated year: a fixed date, so that the national seed's
// vacancy dates, and so the run, depend on the seed alone.
var Epoch = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)

const year = 365.0

type council struct {
	ons    string
	pt     geo.Point
	weight int  // postcode districts: the proxy for its looked-after population
	scope  bool // its children are simulated
}

type home struct {
	id       int64 // index + 1
	provider int64 // 1-based
	lot      string
	host     int // council index
	cand     marketplace.Candidate
	needs    int64   // mask of needs it meets
	cost     float64 // weekly cost in pounds before margin, standard tier
	slots    []float64
}

type child struct {
	council   int
	pt        geo.Point
	lot       string
	tier      string
	age       int
	sex       string
	needs     []string
	mask      int64
	arrive    float64 // day of the year
	emergency bool
}

// World is the supply and demand of one run, shared by every policy.
type World struct {
	p         Params
	councils  []council
	homes     []home
	byLot     map[string][]int // home indexes serving each lot, by id
	children  []child
	providers []int64
	known     [][]bool // council → provider (1-based) a council alone knows
	lots      map[string]commissioning.NewLot
	framework commissioning.Framework
}

func lotByCode(code string) (commissioning.NewLot, bool) {
	for _, l := range nationalseed.Lots() {
		if l.Code == code {
			return l, true
		}
	}
	return commissioning.NewLot{}, false
}

// stream is an independent random source per part of the world, so that changing one
// parameter (the visibility, say) leaves the other parts' draws as they were.
func stream(seed uint64, part uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, part*0x9e3779b97f4a7c15+1))
}

// unit is a deterministic uniform [0,1) draw for a tuple (splitmix64), for draws that
// must agree across policies without being stored: a home's willingness for a child, a
// provider's response time.
func unit(seed uint64, a, b, c int) float64 {
	x := seed ^ uint64(a)*0x9e3779b97f4a7c15 ^ uint64(b)*0xbf58476d1ce4e5b9 ^ uint64(c)*0x94d049bb133111eb
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// tierCost multiplies a home's standard weekly cost for a child of a needs tier
// (assumption).
var tierCost = map[string]float64{"standard": 1, "complex": 1.25, "specialist": 1.6}

// tierShare weights the tiers of children's requests (assumption).
var tierShare = map[string]float64{"standard": 0.6, "complex": 0.3, "specialist": 0.1}

// Build makes the world: the national seed's homes and their beds coming free through
// the year, the councils, and the year's children.
func Build(p Params) (*World, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	w := &World{p: p, byLot: map[string][]int{}, lots: map[string]commissioning.NewLot{}}
	w.framework = commissioning.Framework{WeightPrice: p.WeightPrice, WeightQuality: p.WeightQuality, WeightDistance: p.WeightDistance, WeightFit: p.WeightFit}
	for _, code := range p.lotCodes() {
		w.lots[code], _ = lotByCode(code)
	}
	councilIdx := map[string]int{}
	var scopeWeight, allWeight int
	for i, c := range geo.Councils() {
		cc := council{ons: c.ONSCode, pt: c.Centroid, weight: max(1, len(geo.OutcodesIn(c.ONSCode))), scope: p.Region == "" || c.Region == p.Region}
		w.councils = append(w.councils, cc)
		councilIdx[c.ONSCode] = i
		allWeight += cc.weight
		if cc.scope {
			scopeWeight += cc.weight
		}
	}
	share := float64(scopeWeight) / float64(allWeight)
	nProviders := max(p.Homes/6, 1)
	for i := range nProviders {
		w.providers = append(w.providers, int64(i+1))
	}
	// Supply: every bed free today, every bed due free on its date, and every bed whose
	// resident leaves within the year (exponential stays). In a region run the beds
	// outside the region are thinned to the region's share of national demand: the rest
	// go to other regions' children.
	supply, costs := stream(p.Seed, 1), stream(p.Seed, 2)
	stayDays := p.MeanStayMths * year / 12
	slotsByLot := map[string]int{}
	for gi, g := range nationalseed.Generate(p.Homes, p.Seed, Epoch) {
		lot := g.Lots[0]
		h := g.Home
		host := councilIdx[g.Host]
		var slots []float64
		occupied := h.RegisteredPlaces - h.BedsFree
		for range h.BedsFree {
			slots = append(slots, 0)
		}
		if h.NextFreeDate != nil && h.NextFreeBeds != nil {
			d := h.NextFreeDate.Sub(Epoch).Hours() / 24
			for range *h.NextFreeBeds {
				slots = append(slots, d)
			}
			occupied -= *h.NextFreeBeds
		}
		for range max(occupied, 0) {
			if d := supply.ExpFloat64() * stayDays; d < year {
				slots = append(slots, d)
			}
		}
		cost := float64(nationalseed.FeeMedian(lot)) / 100 / (1 + p.Margin) * math.Exp(p.CostSpread*costs.NormFloat64())
		if _, ok := w.lots[lot]; !ok {
			continue // draws made above all the same, so other lots' homes do not change
		}
		if !w.councils[host].scope {
			kept := slots[:0]
			for si, s := range slots {
				if unit(p.Seed, 1<<20, gi, si) < share {
					kept = append(kept, s)
				}
			}
			slots = kept
		}
		sort.Float64s(slots)
		id := int64(len(w.homes) + 1)
		hostID := int64(host + 1)
		w.homes = append(w.homes, home{id: id, provider: int64(g.Provider + 1), lot: lot, host: host, needs: kernel.NeedsMask(h.Needs), cost: cost, slots: slots,
			cand: marketplace.Candidate{HomeID: id, ProviderID: int64(g.Provider + 1), ServesLot: true, MinAge: h.MinAge, MaxAge: h.MaxAge,
				AcceptsMale: h.AcceptsMale, AcceptsFemale: h.AcceptsFemale, Lat: h.Lat, Lon: h.Lon, HostCouncilID: &hostID, OfstedRating: h.OfstedRating}})
		w.byLot[lot] = append(w.byLot[lot], len(w.homes)-1)
		slotsByLot[lot] += len(slots)
	}
	// What each council alone knows: providers with a home in its own or a neighbouring
	// area, and a share of the rest (one draw per council and provider, so a higher
	// visibility only adds providers).
	local := make([]map[int64]bool, len(w.councils))
	for i := range local {
		local[i] = map[int64]bool{}
	}
	for _, h := range w.homes {
		local[h.host][h.provider] = true
	}
	vis := stream(p.Seed, 3)
	w.known = make([][]bool, len(w.councils))
	for ci, c := range w.councils {
		w.known[ci] = make([]bool, nProviders+1)
		for pi := 1; pi <= nProviders; pi++ {
			w.known[ci][pi] = vis.Float64() < p.Visibility
		}
		if !c.scope {
			continue
		}
		for cj, d := range w.councils {
			if cj == ci || geo.Adjoining(c.ons, d.ons) {
				for pi := range local[cj] {
					w.known[ci][pi] = true
				}
			}
		}
	}
	w.children = w.demand(slotsByLot)
	return w, nil
}

// demand draws the year's children: for each lot, pressure × the beds of that lot coming
// free to them, by council in proportion to its weight.
func (w *World) demand(slotsByLot map[string]int) []child {
	p := w.p
	rng := stream(p.Seed, 4)
	var scope []int
	var total int
	for i, c := range w.councils {
		if c.scope {
			scope = append(scope, i)
			total += c.weight
		}
	}
	var out []child
	for _, code := range slices.Sorted(maps.Keys(w.lots)) {
		lot := w.lots[code]
		tiers := slices.Sorted(maps.Keys(lot.Ceilings))
		n := int(math.Round(p.Pressure * float64(slotsByLot[code])))
		for range n {
			k := rng.IntN(total)
			ci := scope[0]
			for _, i := range scope {
				if k < w.councils[i].weight {
					ci = i
					break
				}
				k -= w.councils[i].weight
			}
			ocs := geo.OutcodesIn(w.councils[ci].ons)
			oc := ocs[rng.IntN(len(ocs))]
			c := child{council: ci, lot: code, pt: geo.Point{Lat: oc.Centroid.Lat + (rng.Float64()-0.5)*0.02, Lon: oc.Centroid.Lon + (rng.Float64()-0.5)*0.03},
				arrive: rng.Float64() * year, emergency: rng.Float64() < p.Emergency, sex: "female"}
			var tw float64
			for _, t := range tiers {
				tw += tierShare[t]
			}
			x := rng.Float64() * tw
			c.tier = tiers[len(tiers)-1]
			for _, t := range tiers {
				if x < tierShare[t] {
					c.tier = t
					break
				}
				x -= tierShare[t]
			}
			switch lot.PlacementType {
			case "fostering":
				c.age = rng.IntN(18)
			case "supported_16_17":
				c.age = 16 + rng.IntN(2)
			default:
				c.age = 11 + rng.IntN(7)
			}
			if rng.Float64() < 0.56 {
				c.sex = "male"
			}
			for range needsCount(rng.Float64()) {
				if n := kernel.Needs[rng.IntN(len(kernel.Needs))].Code; !slices.Contains(c.needs, n) {
					c.needs = append(c.needs, n)
				}
			}
			sort.Strings(c.needs)
			c.mask = kernel.NeedsMask(c.needs)
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].arrive < out[j].arrive })
	return out
}

// needsCount is how many needs a request lists: none 35%, one 45%, two 20%
// (assumption; the seed's homes each meet 2 to 7 of 18 needs, so two is already rare to
// meet).
func needsCount(u float64) int {
	switch {
	case u < 0.35:
		return 0
	case u < 0.8:
		return 1
	}
	return 2
}

// Children is the number of children in the year.
func (w *World) Children() int { return len(w.children) }

// Beds is the number of beds coming free in the year to the run's children.
func (w *World) Beds() int {
	n := 0
	for _, h := range w.homes {
		n += len(h.slots)
	}
	return n
}

// request is the child as a Hearth placement request at day t with a distance limit.
func (w *World) request(i int, within int, start float64) marketplace.PlacementRequest {
	c := &w.children[i]
	lat, lon := c.pt.Lat, c.pt.Lon
	sd := day(start)
	return marketplace.PlacementRequest{CouncilID: int64(c.council + 1), AgeYears: &c.age, Sex: &c.sex, Needs: c.needs,
		HomeLat: &lat, HomeLon: &lon, WithinMiles: &within, StartDate: &sd, Tier: &c.tier, Emergency: c.emergency}
}

func day(d float64) time.Time { return Epoch.Add(time.Duration(d * 24 * float64(time.Hour))) }

// willing reports whether home h would take child i if it had a bed: one draw per pair,
// the same under every policy.
func (w *World) willing(i, h int) bool {
	return unit(w.p.Seed, 1, i, h) < w.p.Willing-w.p.WillingPerNeed*float64(len(w.children[i].needs))
}

// ceiling is the framework's price cap for child i, in pounds.
func (w *World) ceiling(i int) float64 {
	c := w.children[i]
	return float64(w.lots[c.lot].Ceilings[c.tier]) / 100 * w.p.CeilingScale
}

// costFor is home h's weekly cost, before margin, of looking after child i.
func (w *World) costFor(i, h int) float64 { return w.homes[h].cost * tierCost[w.children[i].tier] }

// margin is a provider's margin when k providers bid (k ≥ 1).
func (w *World) margin(k int) float64 {
	return w.p.Margin / (1 + w.p.MarginResponse*float64(max(k, 1)-1))
}
