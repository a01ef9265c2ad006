package simulate

import (
	"math"
	"sort"

	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/commissioning/secure/allocate"
)

// SecureBed is one secure welfare bed of the estate.
type SecureBed struct {
	Pt             geo.Point
	MinAge, MaxAge int
	Sexes          string // any, male, female
	Home           int
	FreeFrom       float64 // day its current child leaves (0: free on day one)
}

// SecureReferral is one s25 referral to the SWCU.
type SecureReferral struct {
	Pt     geo.Point
	Age    int
	Sex    string
	Arrive int // day of the year
}

// SecureStream is the year's secure estate and referrals: the same for both policies.
type SecureStream struct {
	Beds      []SecureBed
	Referrals []SecureReferral
	Accepts   func(referral, home int) bool
	OrderDays int
	WaitDays  int
}

// NewSecureStream draws the national year: the demo estate's welfare beds (England,
// Wales and the Scottish units that take English children), each occupied on day one
// with the given chance until a uniform day of its order, and referrals arriving
// uniformly through the year from councils in proportion to their weight.
func NewSecureStream(p Params) SecureStream {
	rng := stream(p.Seed, 5)
	st := SecureStream{OrderDays: int(p.SecureOrderDays), WaitDays: int(p.SecureWaitDays)}
	for hi, h := range secure.Estate {
		pt := geo.Point{Lat: h.Lat, Lon: h.Lon}
		if oc, err := geo.LookupOutcode(h.Outcode); err == nil {
			pt = oc.Centroid
		}
		for range h.Welfare {
			b := SecureBed{Pt: pt, MinAge: h.MinAge, MaxAge: h.MaxAge, Sexes: h.Sexes, Home: hi}
			switch u := rng.Float64(); {
			case u < p.SecureClosed:
				continue
			case u < p.SecureClosed+(1-p.SecureClosed)*p.SecureOccupied:
				b.FreeFrom = math.Floor(rng.Float64() * p.SecureOrderDays)
			}
			st.Beds = append(st.Beds, b)
		}
	}
	councils := geo.Councils()
	total := 0
	for _, c := range councils {
		total += max(1, len(geo.OutcodesIn(c.ONSCode)))
	}
	n := int(math.Round(p.SecurePerMonth * 12))
	for range n {
		k := rng.IntN(total)
		c := councils[0]
		for _, cc := range councils {
			wgt := max(1, len(geo.OutcodesIn(cc.ONSCode)))
			if k < wgt {
				c = cc
				break
			}
			k -= wgt
		}
		r := SecureReferral{Pt: c.Centroid, Age: 12 + rng.IntN(6), Sex: "female", Arrive: rng.IntN(int(year))}
		if rng.Float64() < 0.5 {
			r.Sex = "male"
		}
		st.Referrals = append(st.Referrals, r)
	}
	sort.SliceStable(st.Referrals, func(i, j int) bool { return st.Referrals[i].Arrive < st.Referrals[j].Arrive })
	seed, accept := p.Seed, p.SecureAccept
	st.Accepts = func(r, h int) bool { return unit(seed, 7, r, h) < accept }
	return st
}

func (st SecureStream) suits(r, b int) bool {
	ref, bed := st.Referrals[r], st.Beds[b]
	return ref.Age >= bed.MinAge && ref.Age <= bed.MaxAge && (bed.Sexes == "any" || bed.Sexes == ref.Sex) && st.Accepts(r, bed.Home)
}

// SecureOutcome is what happened to one referral.
type SecureOutcome struct {
	Placed bool
	Wait   int
	Miles  float64
}

// RunSecure plays the stream day by day. Each day beds whose child has left come free,
// referrals whose search has lapsed close unplaced, and the waiting children are matched
// to the free beds that suit them and whose home accepts: by suggest when it is true
// (allocate.Solve: most children, then most priority — days waiting — then least
// distance) or else first come, first served (in order of referral, the nearest such
// bed). A child placed holds the bed for the order's length.
func RunSecure(st SecureStream, suggest bool) []SecureOutcome {
	out := make([]SecureOutcome, len(st.Referrals))
	freeFrom := make([]float64, len(st.Beds))
	for b, bed := range st.Beds {
		freeFrom[b] = bed.FreeFrom
	}
	done := make([]bool, len(st.Referrals))
	last := int(year) + st.WaitDays
	next := 0 // referrals arrived
	var waiting []int
	for d := 0; d <= last; d++ {
		for next < len(st.Referrals) && st.Referrals[next].Arrive <= d {
			waiting = append(waiting, next)
			next++
		}
		kept := waiting[:0]
		for _, r := range waiting {
			if !done[r] && d-st.Referrals[r].Arrive <= st.WaitDays {
				kept = append(kept, r)
			}
		}
		waiting = kept
		var free []int
		for b := range st.Beds {
			if freeFrom[b] <= float64(d) {
				free = append(free, b)
			}
		}
		if len(waiting) == 0 || len(free) == 0 {
			continue
		}
		take := func(r, b int) {
			done[r] = true
			freeFrom[b] = float64(d + st.OrderDays)
			out[r] = SecureOutcome{Placed: true, Wait: d - st.Referrals[r].Arrive, Miles: geo.Miles(st.Referrals[r].Pt, st.Beds[b].Pt)}
		}
		if suggest {
			prob := allocate.Problem{Beds: len(free)}
			for ci, r := range waiting {
				prob.Priority = append(prob.Priority, int64(d-st.Referrals[r].Arrive))
				for bi, b := range free {
					if st.suits(r, b) {
						prob.Edges = append(prob.Edges, allocate.Edge{Child: ci, Bed: bi, Miles: geo.Miles(st.Referrals[r].Pt, st.Beds[b].Pt)})
					}
				}
			}
			for _, pr := range allocate.Solve(prob).Pairs {
				take(waiting[pr.Child], free[pr.Bed])
			}
			continue
		}
		for _, r := range waiting {
			best, bestMiles := -1, math.Inf(1)
			for _, b := range free {
				if freeFrom[b] <= float64(d) && st.suits(r, b) {
					if m := geo.Miles(st.Referrals[r].Pt, st.Beds[b].Pt); m < bestMiles {
						best, bestMiles = b, m
					}
				}
			}
			if best >= 0 {
				take(r, best)
			}
		}
	}
	return out
}

func summariseSecure(policy string, out []SecureOutcome) SecureSummary {
	s := SecureSummary{Policy: policy, Referrals: len(out)}
	var waits []float64
	var sumWait, sumMiles float64
	for _, o := range out {
		if !o.Placed {
			s.NotPlaced++
			continue
		}
		s.Placed++
		waits = append(waits, float64(o.Wait))
		sumWait += float64(o.Wait)
		sumMiles += o.Miles
	}
	s.MeanWait, s.MedianWait, s.MeanMiles = math.NaN(), quantile(waits, 0.5), math.NaN()
	if s.Placed > 0 {
		s.MeanWait, s.MeanMiles = sumWait/float64(s.Placed), sumMiles/float64(s.Placed)
	}
	return s
}
