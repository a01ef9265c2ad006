package simulate

import (
	"container/heap"
	"math"
	"slices"
	"sort"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace"
)

// Outcome is what happened to one child under a policy.
type Outcome struct {
	Placed bool
	Home   int     // index of the home, when placed
	Miles  float64 // from the child's home
	Away   bool    // out of the council's area
	Fee    float64 // weekly, pounds
	At     float64 // day placed
	Wait   float64 // days from request to placement
}

// beds tracks which of the beds coming free each home has used: a home's beds free
// at day t are its beds come free by t less those taken, and a child placed keeps the
// bed to the year's end.
type beds struct {
	w    *World
	used []int
}

func newBeds(w *World) *beds { return &beds{w: w, used: make([]int, len(w.homes))} }

func (b *beds) freeAt(h int, t float64) int {
	s := b.w.homes[h].slots
	return sort.Search(len(s), func(i int) bool { return s[i] > t }) - b.used[h]
}

// nextFree is the day a home's next bed comes free, when none is free at t.
func (b *beds) nextFree(h int) (float64, bool) {
	s := b.w.homes[h].slots
	if b.used[h] < len(s) {
		return s[b.used[h]], true
	}
	return 0, false
}

func (w *World) place(out []Outcome, i, h int, t, fee float64) {
	c := w.children[i]
	out[i] = Outcome{Placed: true, Home: h, Miles: geo.Miles(c.pt, geo.Point{Lat: w.homes[h].cand.Lat, Lon: w.homes[h].cand.Lon}),
		Away: w.homes[h].host != c.council, Fee: fee, At: t, Wait: t - c.arrive}
}

type event struct {
	t     float64
	seq   int
	child int
	round int
}

type events []event

func (e events) Len() int { return len(e) }
func (e events) Less(i, j int) bool {
	if e[i].t != e[j].t {
		return e[i].t < e[j].t
	}
	return e[i].seq < e[j].seq
}
func (e events) Swap(i, j int) { e[i], e[j] = e[j], e[i] }
func (e *events) Push(x any)   { *e = append(*e, x.(event)) }
func (e *events) Pop() any {
	old := *e
	x := old[len(old)-1]
	*e = old[:len(old)-1]
	return x
}

type queue struct {
	h   events
	seq int
}

func (q *queue) push(t float64, child, round int) {
	q.seq++
	heap.Push(&q.h, event{t: t, seq: q.seq, child: child, round: round})
}

func (q *queue) pop() event { return heap.Pop(&q.h).(event) }

// candidates are the homes of a lot within limit miles as matching reads them for
// child i at day t, with the beds b says are free (all of them passing the bed rule when
// b is nil). Homes farther than limit would fail matching's distance rule anyway; leaving
// them out spares Match explaining so (a degree of latitude is over 69 miles).
func (w *World) candidates(buf []marketplace.Candidate, homes []int, i int, b *beds, t float64, limit float64) []marketplace.Candidate {
	c := w.children[i]
	buf = buf[:0]
	dlat := limit / 69
	for _, h := range homes {
		hm := &w.homes[h]
		if math.Abs(hm.cand.Lat-c.pt.Lat) > dlat {
			continue
		}
		x := hm.cand
		if x.Miles = geo.Miles(c.pt, geo.Point{Lat: x.Lat, Lon: x.Lon}); x.Miles > limit {
			continue
		}
		x.MeetsNeeds = c.mask&^hm.needs == 0
		if !x.MeetsNeeds {
			codes := kernel.NeedsFromMask(c.mask &^ hm.needs)
			x.MissingNeed, x.MissingCount = codes[0], len(codes)
		}
		x.BedsFree = 1
		if b != nil {
			x.BedsFree = max(b.freeAt(h, t), 0)
			if d, ok := b.nextFree(h); ok && x.BedsFree == 0 {
				nd := day(d)
				x.NextFreeDate = &nd
			}
		}
		buf = append(buf, x)
	}
	return buf
}

// admitted lists the providers of the candidates: every provider is admitted to every
// lot (as in the national seed), and one with no candidate home could only be excluded.
func admitted(cands []marketplace.Candidate) []int64 {
	out := make([]int64, 0, len(cands))
	for _, c := range cands {
		out = append(out, c.ProviderID)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// index maps home ids back to indexes.
func index(id int64) int { return int(id - 1) }

// invitedHomes flattens a match to home indexes, by provider then nearest first.
func invitedHomes(res marketplace.MatchResult) [][]int {
	ps := make([]int64, 0, len(res.Invited))
	for p := range res.Invited {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(a, b int) bool { return ps[a] < ps[b] })
	out := make([][]int, len(ps))
	for k, p := range ps {
		for _, id := range res.Invited[p] {
			out[k] = append(out[k], index(id))
		}
	}
	return out
}

// within is the distance limit of a search's round (0 first): it starts at WithinMiles
// and widens by WidenFactor each round, up to AloneMaxMiles, for both policies.
func (w *World) within(round int) int {
	return int(math.Min(float64(w.p.WithinMiles)*math.Pow(w.p.WidenFactor, float64(round)), float64(w.p.AloneMaxMiles)))
}

// Alone runs the year with each council buying alone: it refers the child at once to
// every home it knows that fits within the round's distance (Hearth's own matching
// rules, but without the bed rule: a council alone does not know today's vacancies),
// waits the providers' response time, and takes the nearest offer in hand — from a home
// willing to take the child with a bed free then — at the spot price (cost plus the
// uncontested margin). With no offer it refers again, wider, after the retry interval,
// until the maximum wait.
func (w *World) Alone(progress func(done int)) []Outcome {
	p := w.p
	out := make([]Outcome, len(w.children))
	b := newBeds(w)
	// The homes each council knows, by lot.
	knownHomes := map[string][][]int{}
	for code, homes := range w.byLot {
		knownHomes[code] = make([][]int, len(w.councils))
		for ci := range w.councils {
			for _, h := range homes {
				if w.known[ci][w.homes[h].provider] {
					knownHomes[code][ci] = append(knownHomes[code][ci], h)
				}
			}
		}
	}
	lists := make([][]int, len(w.children))
	start := make([]float64, len(w.children))
	var q queue
	for i, c := range w.children {
		q.push(c.arrive, i, 0)
	}
	var buf []marketplace.Candidate
	done := 0
	finish := func() {
		done++
		if progress != nil && done%256 == 0 {
			progress(done)
		}
	}
	for q.h.Len() > 0 {
		e := q.pop()
		i, c := e.child, &w.children[e.child]
		if e.t > c.arrive+p.MaxWaitDays {
			finish() // not placed
			continue
		}
		if e.round >= 0 { // a round of referrals
			r := w.request(i, w.within(e.round), e.t)
			buf = w.candidates(buf, knownHomes[c.lot][c.council], i, nil, e.t, float64(*r.WithinMiles))
			miles := make(map[int]float64, len(buf))
			for _, x := range buf {
				miles[index(x.HomeID)] = x.Miles
			}
			list := lists[i][:0]
			for _, hs := range invitedHomes(marketplace.Match(r, admitted(buf), buf)) {
				for _, h := range hs {
					if w.willing(i, h) {
						list = append(list, h)
					}
				}
			}
			sort.SliceStable(list, func(a, b int) bool { return miles[list[a]] < miles[list[b]] })
			lists[i], start[i] = list, e.t
			q.push(e.t+p.ResponseDays, i, -1-e.round)
			continue
		}
		placed := false
		for _, h := range lists[i] {
			if b.freeAt(h, e.t) > 0 {
				b.used[h]++
				w.place(out, i, h, e.t, w.costFor(i, h)*(1+p.Margin))
				placed = true
				break
			}
		}
		if placed {
			finish()
			continue
		}
		q.push(max(start[i]+p.RetryDays, e.t), i, -e.round) // the next round
	}
	return out
}

// Consortium runs the year on Hearth: each request reaches every eligible admitted
// provider through marketplace.Match (with beds free as they are that day); each invited
// provider willing to take the child and able to at the ceiling bids its nearest fitting
// home at cost plus a margin that falls with the number of bidders, capped at the
// ceiling; at the close marketplace.Score ranks the bids by the framework's weights and
// the best bid whose home still has a bed wins. With no placement the council re-issues
// the request after the retry interval with a wider distance limit.
func (w *World) Consortium(progress func(done int)) []Outcome {
	p := w.p
	out := make([]Outcome, len(w.children))
	b := newBeds(w)
	ranked := make([][]marketplace.Scored, len(w.children))
	start := make([]float64, len(w.children))
	var q queue
	for i, c := range w.children {
		q.push(c.arrive, i, 0)
	}
	var buf []marketplace.Candidate
	done := 0
	finish := func() {
		done++
		if progress != nil && done%256 == 0 {
			progress(done)
		}
	}
	for q.h.Len() > 0 {
		e := q.pop()
		i, c := e.child, &w.children[e.child]
		if e.t > c.arrive+p.MaxWaitDays {
			finish()
			continue
		}
		if e.round >= 0 { // the request is issued
			within := w.within(e.round)
			window := p.WindowPlanned
			if c.emergency {
				window = p.WindowEmergency
			}
			r := w.request(i, within, e.t+window)
			buf = w.candidates(buf, w.byLot[c.lot], i, b, e.t, float64(within))
			ceiling := w.ceiling(i)
			var bidders []int
			for _, hs := range invitedHomes(marketplace.Match(r, admitted(buf), buf)) {
				for _, h := range hs {
					if w.willing(i, h) && w.costFor(i, h) <= ceiling {
						bidders = append(bidders, h)
						break // a provider bids its nearest home that will take the child
					}
				}
			}
			in := make([]marketplace.ScoreInput, len(bidders))
			m := w.margin(len(bidders))
			for k, h := range bidders {
				fee := math.Min(w.costFor(i, h)*(1+m), ceiling)
				hm := &w.homes[h]
				in[k] = marketplace.ScoreInput{Bid: marketplace.Bid{ID: hm.id, HomeID: hm.id, ProviderID: hm.provider, WeeklyFeePence: kernel.Pence(math.Round(fee * 100))},
					Rating: hm.cand.OfstedRating, Miles: geo.Miles(c.pt, geo.Point{Lat: hm.cand.Lat, Lon: hm.cand.Lon}), NeedsMet: len(c.needs), NeedsListed: len(c.needs)}
			}
			ranked[i] = marketplace.Score(in, w.framework, kernel.Pence(math.Round(ceiling*100)), within)
			start[i] = e.t
			q.push(e.t+window, i, -1-e.round)
			continue
		}
		placed := false
		for _, s := range ranked[i] {
			if h := index(s.Bid.HomeID); b.freeAt(h, e.t) > 0 {
				b.used[h]++
				w.place(out, i, h, e.t, float64(s.Total)/100)
				placed = true
				break
			}
		}
		if placed {
			finish()
			continue
		}
		q.push(max(start[i]+p.RetryDays, e.t), i, -e.round) // the next round
	}
	return out
}

func tenths(miles float64) int64 { return int64(math.Round(miles * 10)) }

// Bound is the offline optimum with perfect foresight of every child and every bed: it
// assigns children to beds minimising the total distance from home, counting a child not
// placed as UnplacedMiles, by Assign (exact). A child may take any bed of a home that fits
// (matching's rules with the farthest distance, and willing) that comes free before the
// child's maximum wait ends. Every placement either policy makes is such a pair, so the
// bound's total is never more than either policy's on the same measure. It charges the
// home's cost (no margin) and, not being a process, has no time to place.
func (w *World) Bound(progress func(done int)) []Outcome {
	p := w.p
	out := make([]Outcome, len(w.children))
	var buf []marketplace.Candidate
	done := 0
	for _, code := range sortedLots(w) {
		homes := w.byLot[code]
		local := make(map[int]int, len(homes))
		bedsPer := make([]int, len(homes))
		for k, h := range homes {
			local[h] = k
			bedsPer[k] = len(w.homes[h].slots)
		}
		var kids []int
		var arcs []Arc
		for i, c := range w.children {
			if c.lot != code {
				continue
			}
			buf = w.candidates(buf, homes, i, nil, c.arrive, math.Min(float64(p.AloneMaxMiles), p.UnplacedMiles))
			r := w.request(i, p.AloneMaxMiles, c.arrive)
			miles := make(map[int]float64, len(buf))
			for _, x := range buf {
				miles[index(x.HomeID)] = x.Miles
			}
			for _, hs := range invitedHomes(marketplace.Match(r, admitted(buf), buf)) {
				for _, h := range hs {
					miles := miles[h]
					s := w.homes[h].slots
					k := sort.Search(len(s), func(j int) bool { return s[j] > c.arrive+p.MaxWaitDays })
					if k > 0 && miles < p.UnplacedMiles && w.willing(i, h) {
						arcs = append(arcs, Arc{Child: len(kids), Home: local[h], Slots: k, Cost: tenths(miles)})
					}
				}
			}
			kids = append(kids, i)
		}
		for k, h := range Assign(len(kids), bedsPer, arcs, tenths(p.UnplacedMiles)) {
			if h < 0 {
				continue
			}
			i := kids[k]
			w.place(out, i, homes[h], -1, w.costFor(i, homes[h]))
			out[i].Wait = -1
		}
		done += len(kids)
		if progress != nil {
			progress(done)
		}
	}
	return out
}

func sortedLots(w *World) []string {
	out := make([]string, 0, len(w.lots))
	for code := range w.lots {
		out = append(out, code)
	}
	sort.Strings(out)
	return out
}
