package nationalseed

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// HistoryOptions says how much past trading LoadHistory makes, and for whom.
type HistoryOptions struct {
	Seed          uint64
	Years         int       // years of history before Today (default 3)
	StartsPerYear int       // placement starts a year across the consortia in scope (national: about 30,000)
	Consortia     []int64   // the consortia whose member councils place; nil: every consortium
	Today         time.Time // history ends the day before; the same seed and Today give the same rows
	// AllEnded ends every placement by Today (on Today at the latest), so that none is
	// still live after it: the demo's history, which must leave the months its invoices
	// cover to the placements made on Hearth.
	AllEnded bool
}

// HistorySummary counts the rows LoadHistory inserted.
type HistorySummary struct {
	Requests, Invitations, Bids, Declines, Placements, Ended, FeeChanges, Missing int
}

// Targets the generator aims at (issue 15, DOMAIN.md): the share of placements out of
// the placing council's area, and the mean distance from home over all placements.
const (
	TargetOutOfArea = 0.46
	TargetMeanMiles = 36.0
)

// feeMedian is the median weekly fee, in pence, by lot code (placement type when the
// code is not one of the national seed's); lognormal with a long upper tail.
var feeMedian = map[string]kernel.Pence{
	"residential": 3_800_00, "residential_solo": 6_500_00, "fostering_ifa": 820_00, "supported_16_17": 1_500_00,
	"fostering": 820_00, "supported": 1_500_00,
}

// FeeMedian returns the median weekly fee, in pence, of a lot code.
func FeeMedian(code string) kernel.Pence { return feeMedian[code] }

// lotShare weights placement starts by lot (most children placed are fostered).
var lotShare = map[string]int{"fostering_ifa": 52, "residential": 30, "residential_solo": 5, "supported_16_17": 13}

// monthWeight is the seasonality of starts: fewer over Christmas and in August, more in
// September and January.
var monthWeight = [12]float64{1.12, 1.0, 1.05, 0.98, 1.0, 0.97, 0.95, 0.85, 1.15, 1.05, 1.02, 0.86}

type histHome struct {
	id, provider int64
	host         string // ONS code of the council the home lies in
	pt           geo.Point
	miles        float64 // from the council's centroid, in a council's sorted list
}

type histLot struct {
	id, framework int64
	code, ptype   string
	tiers         []string
	ceiling       map[string]int64
}

type histCouncil struct {
	id      int64
	ons     string
	weight  int
	lots    []histLot
	near    map[int64][]histHome // lot id -> homes serving it, nearest the council first
	pending []child              // children whose placement ended with a move, oldest first
	serial  int
}

type child struct {
	ref  string
	age  int
	free time.Time
}

// LoadHistory inserts about Years of past trading for the member councils of the
// consortia in scope, into a database seeded with their frameworks and homes (Load, or
// the demo): requests, invitations, bids, declines with reasons, awards, placements with
// fee changes, moves and SSDA903 endings, and missing episodes. It writes in one
// transaction with COPY; the database's constraints and triggers check every row (the
// late-response trigger checks each response's recorded time: see migration 00032).
func LoadHistory(ctx context.Context, pool *pgxpool.Pool, o HistoryOptions) (HistorySummary, error) {
	var sum HistorySummary
	if o.Years <= 0 {
		o.Years = 3
	}
	if o.Today.IsZero() {
		return sum, fmt.Errorf("history needs a Today")
	}
	o.Today = time.Date(o.Today.Year(), o.Today.Month(), o.Today.Day(), 0, 0, 0, 0, time.UTC)
	councils, err := loadHistoryWorld(ctx, pool, o.Consortia)
	if err != nil {
		return sum, err
	}
	if len(councils) == 0 || o.StartsPerYear <= 0 {
		return sum, nil
	}
	g := newHistoryGen(o, councils)
	g.generate()
	tx, err := pool.Begin(ctx)
	if err != nil {
		return sum, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit this is a no-op
	if _, err := tx.Exec(ctx, "SET LOCAL hearth.replay_history = 'on'"); err != nil {
		return sum, err
	}
	if err := g.write(ctx, tx); err != nil {
		return sum, err
	}
	return g.sum, tx.Commit(ctx)
}

func loadHistoryWorld(ctx context.Context, pool *pgxpool.Pool, consortia []int64) ([]*histCouncil, error) {
	rows, err := pool.Query(ctx, `SELECT c.id, c.ons_code, l.id, f.id, l.code, l.placement_type, t.tier, t.ceiling_pence
		FROM organisations c
		JOIN frameworks f ON f.consortium_id = c.consortium_id
		JOIN lots l ON l.framework_id = f.id AND l.placement_type <> 'secure_welfare'
		JOIN lot_tiers t ON t.lot_id = l.id
		WHERE c.kind = 'council' AND ($1::bigint[] IS NULL OR c.consortium_id = ANY ($1))
		ORDER BY c.id, l.id, t.tier`, consortia)
	if err != nil {
		return nil, err
	}
	var councils []*histCouncil
	for rows.Next() {
		var cid, lid, fid, ceiling int64
		var ons, code, ptype, tier string
		if err := rows.Scan(&cid, &ons, &lid, &fid, &code, &ptype, &tier, &ceiling); err != nil {
			return nil, err
		}
		if len(councils) == 0 || councils[len(councils)-1].id != cid {
			councils = append(councils, &histCouncil{id: cid, ons: ons, weight: max(1, len(geo.OutcodesIn(ons))), near: map[int64][]histHome{}})
		}
		c := councils[len(councils)-1]
		if len(c.lots) == 0 || c.lots[len(c.lots)-1].id != lid {
			c.lots = append(c.lots, histLot{id: lid, framework: fid, code: code, ptype: ptype, ceiling: map[string]int64{}})
		}
		l := &c.lots[len(c.lots)-1]
		l.tiers = append(l.tiers, tier)
		l.ceiling[tier] = ceiling
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = pool.Query(ctx, `SELECT hl.lot_id, h.id, h.provider_id, hc.ons_code, h.lat, h.lon
		FROM home_lots hl JOIN homes h ON h.id = hl.home_id JOIN organisations hc ON hc.id = h.host_council_id
		ORDER BY hl.lot_id, h.id`)
	if err != nil {
		return nil, err
	}
	byLot := map[int64][]histHome{}
	for rows.Next() {
		var lot int64
		var h histHome
		if err := rows.Scan(&lot, &h.id, &h.provider, &h.host, &h.pt.Lat, &h.pt.Lon); err != nil {
			return nil, err
		}
		byLot[lot] = append(byLot[lot], h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	centroids := map[string]geo.Point{}
	for _, c := range geo.Councils() {
		centroids[c.ONSCode] = c.Centroid
	}
	kept := councils[:0]
	for _, c := range councils {
		lots := c.lots[:0]
		for _, l := range c.lots {
			homes := byLot[l.id]
			if len(homes) == 0 {
				continue
			}
			near := make([]histHome, len(homes))
			for i, h := range homes {
				h.miles = geo.Miles(centroids[c.ons], h.pt)
				near[i] = h
			}
			sort.SliceStable(near, func(i, j int) bool { return near[i].miles < near[j].miles })
			c.near[l.id] = near
			lots = append(lots, l)
		}
		c.lots = lots
		if len(lots) > 0 {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

type historyGen struct {
	o        HistoryOptions
	rng      *rand.Rand
	councils []*histCouncil
	total    int // sum of council weights
	outN, n  int
	milesSum float64
	sum      HistorySummary

	requests, invitations, invHomes, bids, declines, placements, fees, incidents [][]any
	cancelled                                                                    []localID
}

func newHistoryGen(o HistoryOptions, councils []*histCouncil) *historyGen {
	g := &historyGen{o: o, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x5851f42d4c957f2d)), councils: councils}
	for _, c := range councils {
		g.total += c.weight
	}
	return g
}

// Local ids: the generator numbers requests, bids and placements from 1 and write maps
// them to ids reserved from the tables' sequences.
type localID int64

// generate builds every row in memory, in order of start date.
func (g *historyGen) generate() {
	first := g.o.Today.AddDate(-g.o.Years, 0, 0)
	days := int(g.o.Today.Sub(first).Hours() / 24)
	starts := g.o.StartsPerYear * g.o.Years
	// Seasonal start dates: rejection sampling on the month's weight.
	dates := make([]time.Time, 0, starts)
	for len(dates) < starts {
		d := first.AddDate(0, 0, g.rng.IntN(days))
		if g.rng.Float64()*1.2 < monthWeight[d.Month()-1] {
			dates = append(dates, d)
		}
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	for _, d := range dates {
		g.request(d, true)
		// About one request in ten ends without an award.
		if g.rng.IntN(10) == 0 {
			g.request(d, false)
		}
	}
}

func (g *historyGen) pickCouncil() *histCouncil {
	n := g.rng.IntN(g.total)
	for _, c := range g.councils {
		if n < c.weight {
			return c
		}
		n -= c.weight
	}
	return g.councils[len(g.councils)-1]
}

func (g *historyGen) pickLot(c *histCouncil) histLot {
	total := 0
	for _, l := range c.lots {
		total += max(lotShare[l.code], 1)
	}
	n := g.rng.IntN(total)
	for _, l := range c.lots {
		if n < max(lotShare[l.code], 1) {
			return l
		}
		n -= max(lotShare[l.code], 1)
	}
	return c.lots[0]
}

// pickHome chooses where the child goes: in the council's own area, or out of it at a
// distance drawn from a long-tailed distribution. A feedback term holds the running
// out-of-area share and mean distance to their targets.
func (g *historyGen) pickHome(c *histCouncil, near []histHome) (histHome, int) {
	p := TargetOutOfArea + (TargetOutOfArea*float64(g.n)-float64(g.outN))/20
	if g.rng.Float64() >= p {
		var own []int
		for i, h := range near {
			if h.host == c.ons {
				own = append(own, i)
			}
		}
		if len(own) > 0 {
			i := own[g.rng.IntN(len(own))]
			return near[i], i
		}
	}
	meanOut := 65.0 + (TargetMeanMiles*float64(g.n)-g.milesSum)/40
	target := 5 + g.rng.ExpFloat64()*math.Max(meanOut-5, 10)
	i := sort.Search(len(near), func(i int) bool { return near[i].miles >= target })
	for j := 0; j < len(near); j++ {
		for _, k := range []int{i + j, i - j - 1} {
			if k >= 0 && k < len(near) && near[k].host != c.ons {
				return near[k], k
			}
		}
	}
	i = g.rng.IntN(len(near))
	return near[i], i
}

// fee draws a provider's weekly fee for a lot and council: lognormal around the lot's
// median, a provider's own level, and for about one provider in five a different price
// for different councils.
func (g *historyGen) fee(l histLot, provider, council int64) int64 {
	median, ok := feeMedian[l.code]
	if !ok {
		median = feeMedian[l.ptype]
	}
	if median == 0 {
		median = 2_000_00
	}
	level := 1 + 0.12*(unit(g.o.Seed, provider, 0)-0.5)
	if unit(g.o.Seed, provider, 1) < 0.2 {
		level *= 0.85 + 0.4*unit(g.o.Seed, provider, council)
	}
	f := float64(median) * level * math.Exp(0.33*g.rng.NormFloat64())
	return int64(math.Min(math.Max(math.Round(f/100)*100, 100_00), 49_000_00))
}

// unit is a deterministic number in [0, 1) for a seed and two keys.
func unit(seed uint64, a, b int64) float64 {
	x := seed ^ uint64(a)*0x9e3779b97f4a7c15 ^ uint64(b)*0xbf58476d1ce4e5b9
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

var declineReasons = []struct {
	code   string
	weight int
}{{"no_vacancy", 45}, {"cannot_meet_needs", 20}, {"risk_to_others", 12}, {"location", 8}, {"price", 5}, {"staffing", 7}, {"other", 3}}

func (g *historyGen) declineReason() string {
	n := g.rng.IntN(100)
	for _, r := range declineReasons {
		if n < r.weight {
			return r.code
		}
		n -= r.weight
	}
	return "no_vacancy"
}

// request makes one request made for a start on day, its invitations and responses, and
// when awarded its placement and what became of it.
func (g *historyGen) request(day time.Time, award bool) {
	c := g.pickCouncil()
	l := g.pickLot(c)
	near := c.near[l.id]
	ocs := geo.OutcodesIn(c.ons)
	oc := ocs[g.rng.IntN(len(ocs))]
	// The child: sometimes one moving on from an ended placement.
	var ch child
	if award && len(c.pending) > 0 && c.pending[0].free.Before(day) && g.rng.IntN(3) > 0 {
		ch, c.pending = c.pending[0], c.pending[1:]
	} else {
		c.serial++
		ch = child{ref: fmt.Sprintf("H%d-%05d", c.id, c.serial)}
		switch l.ptype {
		case "supported_16_17":
			ch.age = 16 + g.rng.IntN(2)
		case "fostering":
			ch.age = g.rng.IntN(17)
		default:
			ch.age = 10 + g.rng.IntN(8)
		}
	}
	home, idx := g.pickHome(c, near)
	miles := math.Round(geo.Miles(oc.Centroid, home.pt)*10) / 10
	emergency := g.rng.IntN(100) < 15
	lead := time.Duration(3+g.rng.IntN(19)) * 24 * time.Hour
	window := time.Duration(24+g.rng.IntN(49)) * time.Hour
	if emergency {
		lead, window = 0, time.Duration(60+g.rng.IntN(120))*time.Minute
	}
	submitted := day.Add(9*time.Hour + time.Duration(g.rng.IntN(240))*time.Minute - lead)
	deadline := submitted.Add(window)
	awardedAt := deadline.Add(time.Duration(30+g.rng.IntN(120)) * time.Minute)
	start := day
	if d := londonDay(awardedAt); d.After(start) {
		start = d
	}
	tier := l.tiers[g.rng.IntN(len(l.tiers))]
	needs := map[string]bool{}
	for range 1 + g.rng.IntN(3) {
		needs[kernel.Needs[g.rng.IntN(len(kernel.Needs))].Code] = true
	}
	var needList []string
	for _, nd := range kernel.Needs {
		if needs[nd.Code] {
			needList = append(needList, nd.Code)
		}
	}
	legal := []string{"s31", "s31", "s31", "s20", "s20", "ico"}[g.rng.IntN(6)]
	within := int(math.Min(500, math.Max(20, math.Ceil(miles/10)*10+10)))
	req := localID(len(g.requests) + 1)
	g.requests = append(g.requests, []any{req, c.id, ch.ref, ch.age, []string{"male", "female"}[g.rng.IntN(2)], needList, legal,
		oc.Code, oc.Centroid.Lat, oc.Centroid.Lon, within, l.framework, l.id, tier, start, 4 + g.rng.IntN(100), deadline, emergency, submitted})
	g.sum.Requests++
	// Invitations: the chosen home's provider and others near it.
	invited := map[int64]bool{}
	var order []histHome
	want := 3 + g.rng.IntN(5) // providers reached: 3 to 7
	if award {
		invited[home.provider] = true
		order = append(order, home)
	}
	for tries := 0; len(order) < want && tries < 60; tries++ {
		k := idx + g.rng.IntN(81) - 40
		if k < 0 || k >= len(near) || invited[near[k].provider] {
			continue
		}
		invited[near[k].provider] = true
		order = append(order, near[k])
	}
	noBids := !award && g.rng.IntN(100) < 40
	var winner localID
	var winFee int64
	for i, h := range order {
		at := submitted.Add(time.Duration(g.rng.Int64N(int64(deadline.Sub(submitted)) - int64(time.Minute))))
		g.invitations = append(g.invitations, []any{req, h.provider, submitted})
		g.invHomes = append(g.invHomes, []any{req, h.provider, h.id, 1})
		g.sum.Invitations++
		r := g.rng.IntN(100)
		switch {
		case i == 0 && award, !noBids && r < 35:
			fee := g.fee(l, h.provider, c.id)
			bid := localID(len(g.bids) + 1)
			g.bids = append(g.bids, []any{bid, req, h.provider, h.id, start, fee, 28, at, at})
			g.sum.Bids++
			if i == 0 && award {
				winner, winFee = bid, fee
			}
		case r < 80:
			reason, detail := g.declineReason(), ""
			if reason == "other" {
				detail = "Would unsettle the children already living there"
			}
			g.declines = append(g.declines, []any{req, h.provider, reason, detail, at})
			g.sum.Declines++
		}
	}
	if !award {
		g.cancelled = append(g.cancelled, req)
		return
	}
	g.n++
	g.milesSum += miles
	out := home.host != c.ons
	if out {
		g.outN++
	}
	g.placement(c, l, ch, req, winner, home, tier, winFee, miles, out, start, awardedAt)
}

func londonDay(t time.Time) time.Time {
	l := t.In(london)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return l
}()

var endReasons = struct {
	early, later []struct {
		code   string
		weight int
	}
}{
	early: []struct {
		code   string
		weight int
	}{{"breakdown", 28}, {"provider_ended", 14}, {"planned_move", 24}, {"return_home", 20}, {"return_home_unplanned", 5}, {"custody", 3}, {"child_requested", 6}},
	later: []struct {
		code   string
		weight int
	}{{"planned_move", 30}, {"return_home", 18}, {"independence", 14}, {"staying_put", 5}, {"sgo_relative", 6}, {"adopted", 3},
		{"breakdown", 10}, {"provider_ended", 7}, {"child_arrangements_order", 3}, {"sentenced_custody", 2}, {"lives_with_others", 2}},
}

var medianWeeks = map[string]float64{"fostering": 60, "residential": 34, "supported_16_17": 30}

// outOfAreaReasons weight why councils place out of area (migration 00033's codes;
// "other" is left out, as it needs words): mostly no suitable home in area.
var outOfAreaReasons = []struct {
	code   string
	weight int
}{{"no_suitable_in_area", 55}, {"specialist_needs", 15}, {"safeguarding", 12}, {"near_family", 10}, {"siblings_together", 5}, {"child_wishes", 3}}

// outOfAreaReason is the reason recorded on placement id when it is out of area (nil
// in area), chosen by a hash of the id so that the generator's random stream, and so
// every other figure of a seed, stays as it was.
func outOfAreaReason(out bool, id localID) any {
	if !out {
		return nil
	}
	n := int(uint64(id) * 2654435761 % 100)
	for _, r := range outOfAreaReasons {
		if n < r.weight {
			return r.code
		}
		n -= r.weight
	}
	return outOfAreaReasons[0].code
}

func (g *historyGen) placement(c *histCouncil, l histLot, ch child, req, bid localID, home histHome, tier string, fee int64, miles float64, out bool, start, awardedAt time.Time) {
	id := localID(len(g.placements) + 1)
	reasons := []string{}
	policy := any(nil)
	if out && !geo.Adjoining(c.ons, home.host) {
		reasons = append(reasons, "regulation_11")
	}
	if miles >= 20 {
		reasons = append(reasons, "consortium_miles")
		policy = 20.0
	}
	if ceiling, ok := l.ceiling[tier]; ok && fee > ceiling {
		reasons = append(reasons, "over_ceiling")
	}
	var decided any
	var consulted any
	if len(reasons) > 0 {
		decided = awardedAt.Add(time.Hour)
		consulted = londonDay(awardedAt)
	}
	var yes any
	if consulted != nil {
		yes = true
	}
	weeks := medianWeeks[l.ptype]
	if weeks == 0 {
		weeks = 40
	}
	end := start.AddDate(0, 0, int(7*weeks*math.Exp(0.9*g.rng.NormFloat64()))+1)
	if g.o.AllEnded && end.After(g.o.Today) {
		// A day after the start up to Today, at random: the placements live on Today
		// end over the months before it, not all at once.
		end = start.AddDate(0, 0, 1+g.rng.IntN(int(g.o.Today.Sub(start).Hours()/24)))
	}
	status, endOn, endReason := "started", any(nil), any(nil)
	last := g.o.Today.AddDate(0, 0, -1)
	if end.Before(g.o.Today) || g.o.AllEnded {
		status, endOn = "ended", end
		list := endReasons.later
		if end.Sub(start) < 182*24*time.Hour {
			list = endReasons.early
		}
		total := 0
		for _, r := range list {
			total += r.weight
		}
		n := g.rng.IntN(total)
		for _, r := range list {
			if n < r.weight {
				endReason = r.code
				break
			}
			n -= r.weight
		}
		switch endReason {
		case "planned_move", "breakdown", "provider_ended":
			c.pending = append(c.pending, child{ref: ch.ref, age: min(ch.age+int(end.Sub(start).Hours()/24/365), 17), free: end})
		}
		g.sum.Ended++
		last = end
	}
	g.placements = append(g.placements, []any{id, req, bid, c.id, home.provider, home.id, status, fee, start, miles, reasons, awardedAt,
		decided, home.host, 28, start.AddDate(0, 0, 28), start, endOn, endReason, policy, yes, consulted, yes, consulted, yes, consulted, outOfAreaReason(out, id)})
	g.sum.Placements++
	// Fees: the award's; an annual uplift on each anniversary; sometimes added support.
	g.fees = append(g.fees, []any{id, start, fee, "Awarded", awardedAt})
	core := fee
	if g.rng.IntN(100) < 8 && last.Sub(start) > 30*24*time.Hour {
		d := start.AddDate(0, 0, 7+g.rng.IntN(21))
		core = core * 115 / 100
		g.fees = append(g.fees, []any{id, d, core, "Additional one-to-one support agreed", d.Add(10 * time.Hour)})
		g.sum.FeeChanges++
	}
	for y := 1; !start.AddDate(y, 0, 0).After(last); y++ {
		d := start.AddDate(y, 0, 0)
		core = core * 103 / 100
		g.fees = append(g.fees, []any{id, d, core, "Annual uplift", d.Add(10 * time.Hour)})
		g.sum.FeeChanges++
	}
	// Missing episodes, most often from children's homes.
	rate := map[string]float64{"residential": 0.03, "supported_16_17": 0.02}[l.ptype]
	if rate == 0 {
		rate = 0.004
	}
	days := int(last.Sub(start).Hours()/24) + 1
	for range poisson(g.rng, rate*float64(days)/7) {
		at := start.Add(time.Duration(g.rng.IntN(days*24)) * time.Hour)
		back := at.Add(time.Duration(1+g.rng.IntN(48)) * time.Hour)
		if back.After(g.o.Today) {
			continue
		}
		g.incidents = append(g.incidents, []any{id, "missing", at, back, back})
		g.sum.Missing++
	}
}

func poisson(rng *rand.Rand, mean float64) int {
	mean = math.Min(mean, 30)
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func reserve(ctx context.Context, tx pgx.Tx, table string, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT nextval(pg_get_serial_sequence('%s', 'id')) FROM generate_series(1, $1)`, table), n)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// write reserves ids, maps the local ones to them and copies every table in an order
// the foreign keys and triggers accept: requests open, then their responses, then the
// requests' outcomes, then placements and what followed.
func (g *historyGen) write(ctx context.Context, tx pgx.Tx) error {
	reqIDs, err := reserve(ctx, tx, "placement_requests", len(g.requests))
	if err != nil {
		return err
	}
	bidIDs, err := reserve(ctx, tx, "bids", len(g.bids))
	if err != nil {
		return err
	}
	plIDs, err := reserve(ctx, tx, "placements", len(g.placements))
	if err != nil {
		return err
	}
	mapIDs := func(rows [][]any, cols map[int][]int64) {
		for _, r := range rows {
			for col, ids := range cols {
				if v, ok := r[col].(localID); ok {
					r[col] = ids[v-1]
				}
			}
		}
	}
	mapIDs(g.requests, map[int][]int64{0: reqIDs})
	mapIDs(g.invitations, map[int][]int64{0: reqIDs})
	mapIDs(g.invHomes, map[int][]int64{0: reqIDs})
	mapIDs(g.bids, map[int][]int64{0: bidIDs, 1: reqIDs})
	mapIDs(g.declines, map[int][]int64{0: reqIDs})
	mapIDs(g.placements, map[int][]int64{0: plIDs, 1: reqIDs, 2: bidIDs})
	mapIDs(g.fees, map[int][]int64{0: plIDs})
	mapIDs(g.incidents, map[int][]int64{0: plIDs})
	copies := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"placement_requests", []string{"id", "council_id", "child_ref", "age_years", "sex", "needs", "legal_status", "home_outcode", "home_lat", "home_lon",
			"within_miles", "framework_id", "lot_id", "tier", "start_date", "duration_weeks", "deadline", "emergency", "submitted_at"}, g.requests},
		{"request_invitations", []string{"request_id", "provider_id", "invited_at"}, g.invitations},
		{"invitation_homes", []string{"request_id", "provider_id", "home_id", "rank"}, g.invHomes},
		{"bids", []string{"id", "request_id", "provider_id", "home_id", "earliest_start", "weekly_fee_pence", "notice_days", "created_at", "updated_at"}, g.bids},
		{"declines", []string{"request_id", "provider_id", "reason", "detail", "declined_at"}, g.declines},
	}
	for i, r := range g.requests { // open, as it was while providers responded
		g.requests[i] = append(r, "open", r[18])
	}
	copies[0].cols = append(copies[0].cols, "status", "created_at")
	for _, cp := range copies {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{cp.table}, cp.cols, pgx.CopyFromRows(cp.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", cp.table, err)
		}
	}
	// The outcomes: awarded at the award, or cancelled with a reason.
	if _, err := tx.Exec(ctx, `UPDATE placement_requests r SET status = 'awarded', closed_at = r.deadline
		WHERE r.id = ANY ($1) AND NOT r.id = ANY ($2)`, reqIDs, cancelledIDs(g.cancelled, reqIDs)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE placement_requests r SET status = 'cancelled', closed_at = r.deadline, cancelled_at = r.deadline + interval '1 day',
		cancel_reason = CASE WHEN EXISTS (SELECT 1 FROM bids b WHERE b.request_id = r.id) THEN 'No offer met the child''s needs' ELSE 'No provider offered a placement' END
		WHERE r.id = ANY ($1)`, cancelledIDs(g.cancelled, reqIDs)); err != nil {
		return err
	}
	later := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"placements", []string{"id", "request_id", "bid_id", "council_id", "provider_id", "home_id", "status", "weekly_fee_pence", "start_date", "miles",
			"approval_reasons", "awarded_at", "decided_at", "host_council_id", "notice_days", "review_date", "started_on", "ended_on", "end_reason",
			"policy_miles", "wishes_consulted", "wishes_on", "iro_consulted", "iro_on", "host_consulted", "host_on", "out_of_area_reason"}, g.placements},
		{"placement_fees", []string{"placement_id", "effective_from", "core_pence", "reason", "changed_at"}, g.fees},
		{"placement_incidents", []string{"placement_id", "kind", "started_at", "ended_at", "reported_at"}, g.incidents},
	}
	hostIDs, err := councilIDs(ctx, tx)
	if err != nil {
		return err
	}
	for _, r := range g.placements {
		r[13] = hostIDs[r[13].(string)]
	}
	for _, cp := range later {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{cp.table}, cp.cols, pgx.CopyFromRows(cp.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", cp.table, err)
		}
	}
	return nil
}

func cancelledIDs(local []localID, ids []int64) []int64 {
	out := make([]int64, len(local))
	for i, l := range local {
		out[i] = ids[l-1]
	}
	return out
}

func councilIDs(ctx context.Context, tx pgx.Tx) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT ons_code, id FROM organisations WHERE kind = 'council'`)
	if err != nil {
		return nil, err
	}
	m := map[string]int64{}
	var ons string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&ons, &id}, func() error { m[ons] = id; return nil })
	return m, err
}
