package intelligence

import (
	"context"
	"math"
	"regexp"
	"slices"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// ErrNotAnArea is an area filter that is not one of the consortium's councils.
var ErrNotAnArea = kernel.NewError(kernel.ErrInvalid, "not_an_area", "Choose an area from the list: one of the consortium's councils")

// ErrNotALot is a lot filter that is not one of the consortium's lots.
var ErrNotALot = kernel.NewError(kernel.ErrInvalid, "not_a_lot", "Choose a lot from the list: one of the consortium's lots")

// AgeBands are the sufficiency view's age bands (the children looked after return's).
var AgeBands = []kernel.Option{{Code: "0-4", Label: "Under 5"}, {Code: "5-9", Label: "5 to 9"}, {Code: "10-15", Label: "10 to 15"}, {Code: "16+", Label: "16 and over"}}

var lotCode = regexp.MustCompile(`^[a-z0-9_]{2,40}$`)

// ageBandSQL is a request's age band (the code of AgeBands) from age_years, ” for none
// recorded (or over 25).
const ageBandSQL = `CASE WHEN age_years BETWEEN 0 AND 4 THEN '0-4' WHEN age_years BETWEEN 5 AND 9 THEN '5-9'
	WHEN age_years BETWEEN 10 AND 15 THEN '10-15' WHEN age_years BETWEEN 16 AND 25 THEN '16+' ELSE '' END`

// SufficiencyFilter narrows demand to a lot (code), a need, an age band, a sex and an
// area (a member council, by id: the children it placed); empty fields do not narrow.
type SufficiencyFilter struct {
	Lot, Need, AgeBand, Sex string
	Area                    int64
}

// Area is a member council, as the area filter lists it.
type Area struct {
	ID   int64
	Name string
}

// Valid reports the first field that is not one of its list (empty is valid).
func (f SufficiencyFilter) Valid() (field string, ok bool) {
	switch {
	case f.Need != "" && !kernel.ValidCode(kernel.Needs, f.Need):
		return "need", false
	case f.AgeBand != "" && !kernel.ValidCode(AgeBands, f.AgeBand):
		return "age", false
	case f.Sex != "" && f.Sex != "male" && f.Sex != "female":
		return "sex", false
	case f.Lot != "" && !lotCode.MatchString(f.Lot):
		return "lot", false
	}
	return "", true
}

// DemandMonth is a month's demand and the market's answer: requests sent, providers
// reached (invitations), bids, declines, awards, and requests that drew no bid.
type DemandMonth struct {
	Month                      time.Time
	Requests, Awards, NoBid    Count
	Reached, Bids, Declines    int64
	rawRequests, rawAwards, nb int64
}

// LotSupply is a lot's homes, beds registered and free now, and occupancy: the share of
// registered beds not free, as providers last reported them.
type LotSupply struct {
	Lot                   string
	Homes, Beds, BedsFree int64
}

// Occupancy is the share of beds not free, in per cent (0 with no beds).
func (l LotSupply) Occupancy() float64 {
	if l.Beds == 0 {
		return 0
	}
	return 100 * float64(l.Beds-l.BedsFree) / float64(l.Beds)
}

// Reason is a count of responses (declines, exclusions) with one reason: responses about
// children's requests, so small counts are suppressed as children's are.
type Reason struct {
	Reason string
	N      Count
	n      int64
}

// Forecast is a month's projected requests: Point is the mean of the same calendar month
// in past years; Low and High the 10th and 90th percentiles of past one-step errors of
// that method added to it (an 80% interval), or NoInterval when too few errors exist.
type Forecast struct {
	Month            time.Time
	Point, Low, High float64
	NoInterval       bool
}

// LotProjection is a lot's 12-month projection.
type LotProjection struct {
	Lot    string
	Months []Forecast
}

// ThinLot is a lot's market depth over the last 12 months: requests, the share that drew
// no bid, and mean bids per request. The share would give the count of requests with no
// bid (and with one): ShareShown only when neither is suppressed, as a group
// (SuppressGroup), nor the requests.
type ThinLot struct {
	Lot        string
	Requests   int64
	NoBidShare float64
	BidsPerReq float64
	ShareShown bool
}

// SufficiencyFigures are one party's figures (the consortium's, or a council's).
type SufficiencyFigures struct {
	Months       []DemandMonth // the last 24 full months and this month, oldest first
	Declines     []Reason      // the last 12 months, most first
	Exclusions   []Reason      // live request_exclusions rows, the last 12 months, most first
	Projection   []LotProjection
	Thin         []ThinLot // the last 12 months, thinnest first
	Placed       Count     // awards in the last 12 months
	OutOfArea    Count     // of which in a home outside the placing council's area
	OutOfAreaPct float64
	Requests12   Count // requests in the last 12 full months and this month so far
}

// Sufficiency is the view: the consortium's figures, a council's beside them when the
// scope names one, and supply (homes on the consortium's lots) now.
type Sufficiency struct {
	AsOf       time.Time
	Filter     SufficiencyFilter
	Lots       []string // the consortium's lot codes, for the filter
	Areas      []Area   // the consortium's member councils, for the filter
	Consortium SufficiencyFigures
	Council    *SufficiencyFigures
	Supply     []LotSupply
}

// demandRow is one month, lot and party of demand (a council's, or CouncilID 0: every
// council's) as the summary intel_demand holds it.
type demandRow struct {
	CouncilID                                        int64
	Month                                            time.Time
	Lot                                              string
	Requests, Reached, Bids, Declines, Awards, NoBid int64
}

// Sufficiency answers the view for a scope and filter. Demand, declines, exclusions and
// awards come from the summaries folded from intel_request_facts (AsOf is their last
// rebuild); supply is read live.
func (s *Service) Sufficiency(ctx context.Context, sc Scope, f SufficiencyFilter) (*Sufficiency, error) {
	now := s.Now().UTC()
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	from := this.AddDate(-4, 0, 0)
	db := s.read.WithContext(ctx)
	out := &Sufficiency{AsOf: now, Filter: f}
	if err := db.Raw(`SELECT DISTINCT l.code FROM lots l JOIN frameworks fw ON fw.id = l.framework_id
		WHERE fw.consortium_id = ? AND l.placement_type <> 'secure_welfare' ORDER BY 1`, sc.Consortium).Scan(&out.Lots).Error; err != nil {
		return nil, err
	}
	if err := db.Raw(`SELECT id, name FROM organisations WHERE kind = 'council' AND consortium_id = ? ORDER BY name`, sc.Consortium).Scan(&out.Areas).Error; err != nil {
		return nil, err
	}
	if f.Lot != "" && !slices.Contains(out.Lots, f.Lot) {
		return nil, ErrNotALot
	}
	if f.Area != 0 && !slices.ContainsFunc(out.Areas, func(a Area) bool { return a.ID == f.Area }) {
		return nil, ErrNotAnArea
	}
	at, err := s.refreshed(ctx, refreshName, s.RefreshSufficiency)
	if err != nil {
		return nil, err
	}
	out.AsOf = at.RefreshedAt
	// Rows of the summaries for the consortium (every council, or the area asked for)
	// and for the scope's council (mine: none when the area is another council).
	all, mine := int64(0), sc.Council
	if f.Area != 0 {
		all = f.Area
		if f.Area != sc.Council {
			mine = -1
		}
	}
	if mine == 0 {
		mine = -1
	}
	need := f.Need
	if need == "" {
		need = "*"
	}
	var rows []demandRow
	if err := db.Raw(`SELECT council_id, month, lot, sum(requests) AS requests, sum(reached) AS reached, sum(bids) AS bids,
			sum(declines) AS declines, sum(awards) AS awards, sum(no_bid) AS no_bid
		FROM intel_demand
		WHERE consortium_id = ? AND need = ? AND council_id IN (?, ?) AND month >= ? AND month < ? AND (? = '' OR sex = ?) AND (? = '' OR age_band = ?)
		GROUP BY 1, 2, 3`,
		sc.Consortium, need, all, mine, from, this.AddDate(0, 1, 0), f.Sex, f.Sex, f.AgeBand, f.AgeBand).Scan(&rows).Error; err != nil {
		return nil, err
	}
	var reasons []struct {
		Kind, Reason string
		CouncilID    int64
		N            int64
	}
	year := this.AddDate(-1, 0, 0)
	if err := db.Raw(`SELECT kind, reason, council_id, sum(n) AS n FROM intel_reasons
		WHERE consortium_id = ? AND council_id IN (?, ?) AND month >= ? AND (? = '' OR lot = ?) GROUP BY 1, 2, 3`,
		sc.Consortium, all, mine, year, f.Lot, f.Lot).Scan(&reasons).Error; err != nil {
		return nil, err
	}
	var placed []struct {
		CouncilID   int64
		Placed, Out int64
	}
	if err := db.Raw(`SELECT council_id, sum(awards) AS placed, sum(out_of_area) AS out
		FROM intel_awards
		WHERE consortium_id = ? AND council_id IN (?, ?) AND month >= ? AND (? = '' OR lot = ?) GROUP BY 1`,
		sc.Consortium, all, mine, year, f.Lot, f.Lot).Scan(&placed).Error; err != nil {
		return nil, err
	}
	if err := db.Raw(`SELECT l.code AS lot, count(DISTINCT h.id) AS homes, coalesce(sum(h.registered_places), 0) AS beds, coalesce(sum(h.beds_free), 0) AS beds_free
		FROM lots l JOIN frameworks fw ON fw.id = l.framework_id JOIN home_lots hl ON hl.lot_id = l.id JOIN homes h ON h.id = hl.home_id
		WHERE fw.consortium_id = ? AND l.placement_type <> 'secure_welfare' AND (? = '' OR l.code = ?) GROUP BY 1 ORDER BY 1`,
		sc.Consortium, f.Lot, f.Lot).Scan(&out.Supply).Error; err != nil {
		return nil, err
	}
	// fold is one party's figures: the consortium's (who is all) or the council's (mine).
	fold := func(who int64) SufficiencyFigures {
		var fig SufficiencyFigures
		var mr []demandRow
		for _, r := range rows {
			if r.CouncilID == who {
				mr = append(mr, r)
			}
		}
		fig.Months = foldMonths(mr, f.Lot, this.AddDate(0, -24, 0), this)
		fig.Projection = project(mr, this)
		fig.Thin = thinLots(mr, year, this)
		for _, m := range foldMonths(mr, f.Lot, year, this) {
			fig.Requests12.N += m.rawRequests
		}
		fig.Requests12 = Suppressed(fig.Requests12.N)
		decl, excl := map[string]int64{}, map[string]int64{}
		for _, r := range reasons {
			switch {
			case r.CouncilID != who:
			case r.Kind == "decline":
				decl[r.Reason] += r.N
			default:
				excl[r.Reason] += r.N
			}
		}
		fig.Declines, fig.Exclusions = sortReasons(decl, true), sortReasons(excl, false)
		var p, o int64
		for _, r := range placed {
			if r.CouncilID == who {
				p, o = p+r.Placed, o+r.Out
			}
		}
		// Out of area and in area add up to the placements shown beside them.
		fig.Placed, fig.OutOfArea = Suppressed(p), SuppressGroup(o, p-o)[0]
		if p > 0 && !fig.OutOfArea.Suppressed && !fig.Placed.Suppressed {
			fig.OutOfAreaPct = 100 * float64(o) / float64(p)
		}
		return fig
	}
	out.Consortium = fold(all)
	if sc.Council != 0 {
		c := fold(mine)
		out.Council = &c
	}
	return out, nil
}

// foldMonths sums rows of a lot ("" every lot) into months from first to last
// (inclusive), each month present, with child counts suppressed.
func foldMonths(rows []demandRow, lot string, first, last time.Time) []DemandMonth {
	var out []DemandMonth
	idx := map[time.Time]int{}
	for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
		idx[m] = len(out)
		out = append(out, DemandMonth{Month: m})
	}
	for _, r := range rows {
		i, ok := idx[r.Month.UTC()]
		if !ok || (lot != "" && r.Lot != lot) {
			continue
		}
		m := &out[i]
		m.rawRequests += r.Requests
		m.rawAwards += r.Awards
		m.nb += r.NoBid
		m.Reached += r.Reached
		m.Bids += r.Bids
		m.Declines += r.Declines
	}
	for i := range out {
		out[i].Requests, out[i].Awards, out[i].NoBid = Suppressed(out[i].rawRequests), Suppressed(out[i].rawAwards), Suppressed(out[i].nb)
	}
	return out
}

// sortReasons is the reasons, most first; with group, they add up to a total shown on
// the page (declines: the months' declines), so they are suppressed as a group.
func sortReasons(m map[string]int64, group bool) []Reason {
	var out []Reason
	for r, n := range m {
		out = append(out, Reason{Reason: r, N: Suppressed(n), n: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].Reason < out[j].Reason
	})
	if group {
		ns := make([]int64, len(out))
		for i, r := range out {
			ns[i] = r.n
		}
		for i, c := range SuppressGroup(ns...) {
			out[i].N = c
		}
	}
	return out
}

// thinLots is each lot's requests, no-bid share and bids per request over the months
// from first to before last, the highest no-bid share first.
func thinLots(rows []demandRow, first, last time.Time) []ThinLot {
	by := map[string]*[3]int64{}
	for _, r := range rows {
		if r.Month.Before(first) || !r.Month.Before(last) {
			continue
		}
		if by[r.Lot] == nil {
			by[r.Lot] = &[3]int64{}
		}
		by[r.Lot][0] += r.Requests
		by[r.Lot][1] += r.NoBid
		by[r.Lot][2] += r.Bids
	}
	var out []ThinLot
	for lot, v := range by {
		if v[0] == 0 {
			continue
		}
		split := SuppressGroup(v[1], v[0]-v[1])
		out = append(out, ThinLot{Lot: lot, Requests: v[0], NoBidShare: 100 * float64(v[1]) / float64(v[0]), BidsPerReq: float64(v[2]) / float64(v[0]),
			ShareShown: !Suppressed(v[0]).Suppressed && !split[0].Suppressed && !split[1].Suppressed})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].NoBidShare != out[j].NoBidShare {
			return out[i].NoBidShare > out[j].NoBidShare
		}
		return out[i].Lot < out[j].Lot
	})
	return out
}

// project is each lot's 12 months from this month: the mean of the same calendar month
// over the full months of history before this month, with an 80% interval from the 10th
// and 90th percentiles of the method's past errors (each past month forecast from the
// same months of the years before it). A lot with no history has no projection.
func project(rows []demandRow, this time.Time) []LotProjection {
	series := map[string]map[time.Time]int64{}
	var first time.Time
	for _, r := range rows {
		m := r.Month.UTC()
		if !m.Before(this) {
			continue
		}
		if series[r.Lot] == nil {
			series[r.Lot] = map[time.Time]int64{}
		}
		series[r.Lot][m] += r.Requests
		if first.IsZero() || m.Before(first) {
			first = m
		}
	}
	var lots []string
	for l := range series {
		lots = append(lots, l)
	}
	slices.Sort(lots)
	var out []LotProjection
	for _, lot := range lots {
		s := series[lot]
		// sameMonths is the counts of month m's calendar month in the years before it, back to first.
		sameMonths := func(m time.Time) []float64 {
			var v []float64
			for p := m.AddDate(-1, 0, 0); !p.Before(first); p = p.AddDate(-1, 0, 0) {
				v = append(v, float64(s[p]))
			}
			return v
		}
		var errs []float64
		for m := first; m.Before(this); m = m.AddDate(0, 1, 0) {
			if past := sameMonths(m); len(past) > 0 {
				errs = append(errs, float64(s[m])-mean(past))
			}
		}
		p := LotProjection{Lot: lot}
		for i := range 12 {
			m := this.AddDate(0, i, 0)
			past := sameMonths(m) // every year before m lies before this month
			fc := Forecast{Month: m, Point: mean(past)}
			if len(errs) >= 6 {
				fc.Low, fc.High = math.Max(0, fc.Point+quantile(errs, 0.1)), math.Max(0, fc.Point+quantile(errs, 0.9))
			} else {
				fc.NoInterval = true
			}
			p.Months = append(p.Months, fc)
		}
		out = append(out, p)
	}
	return out
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// quantile is the q-th quantile of v by linear interpolation between order statistics
// (type 7, as R and spreadsheets compute it).
func quantile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	h := q * float64(len(s)-1)
	lo := math.Floor(h)
	if int(lo)+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[int(lo)] + (h-lo)*(s[int(lo)+1]-s[int(lo)])
}

// refreshName is the sufficiency summary's row in intel_refreshes.
const refreshName = "sufficiency"

// RefreshSufficiency rebuilds intel_request_facts from the marketplace's tables in one
// transaction and records the time (the job system runs it periodically).
func (s *Service) RefreshSufficiency(ctx context.Context) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRefresh(tx, refreshName); err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM intel_request_facts`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO intel_request_facts (request_id, consortium_id, council_id, month, lot, sex, age_years, needs, reached, bids, declines, awarded,
				awarded_at, out_of_area, decline_reasons)
			SELECT r.id, c.consortium_id, r.council_id, date_trunc('month', r.submitted_at AT TIME ZONE 'UTC'), l.code, r.sex, r.age_years, r.needs,
				(SELECT count(*) FROM request_invitations i WHERE i.request_id = r.id),
				(SELECT count(*) FROM bids b WHERE b.request_id = r.id),
				(SELECT count(*) FROM declines d WHERE d.request_id = r.id),
				p.id IS NOT NULL, p.awarded_at, h.host_council_id IS DISTINCT FROM p.council_id AND p.id IS NOT NULL,
				ARRAY(SELECT d.reason FROM declines d WHERE d.request_id = r.id)
			FROM placement_requests r JOIN organisations c ON c.id = r.council_id JOIN lots l ON l.id = r.lot_id
			LEFT JOIN placements p ON p.request_id = r.id AND p.status <> 'refused' LEFT JOIN homes h ON h.id = p.home_id
			WHERE r.status <> 'draft' AND r.submitted_at IS NOT NULL AND c.consortium_id IS NOT NULL`).Error; err != nil {
			return err
		}
		// Folded further, for the view: demand by month, lot, council (and every council,
		// 0), sex, age band and need ('*': any); declines by reason and exclusions by rule;
		// awards by their month.
		for _, q := range []string{
			`DELETE FROM intel_demand`, `DELETE FROM intel_reasons`, `DELETE FROM intel_awards`,
			`INSERT INTO intel_demand (consortium_id, council_id, month, lot, sex, age_band, need, requests, reached, bids, declines, awards, no_bid)
			SELECT consortium_id, coalesce(council_id, 0), month, lot, sex, age_band, need,
				count(*), sum(reached), sum(bids), sum(declines), count(*) FILTER (WHERE awarded), count(*) FILTER (WHERE bids = 0)
			FROM (SELECT consortium_id, council_id, month, lot, coalesce(sex, '') AS sex, ` + ageBandSQL + ` AS age_band, need, reached, bids, declines, awarded
				FROM intel_request_facts, unnest(array_prepend('*', needs)) AS need) f
			GROUP BY GROUPING SETS ((consortium_id, council_id, month, lot, sex, age_band, need), (consortium_id, month, lot, sex, age_band, need))`,
			`INSERT INTO intel_reasons (kind, consortium_id, council_id, month, lot, reason, n)
			SELECT 'decline', consortium_id, coalesce(council_id, 0), month, lot, reason, count(*)
			FROM intel_request_facts, unnest(decline_reasons) AS reason
			GROUP BY GROUPING SETS ((consortium_id, council_id, month, lot, reason), (consortium_id, month, lot, reason))`,
			`INSERT INTO intel_reasons (kind, consortium_id, council_id, month, lot, reason, n)
			SELECT 'exclusion', f.consortium_id, coalesce(f.council_id, 0), f.month, f.lot, e.rule, count(*)
			FROM intel_request_facts f JOIN request_exclusions e ON e.request_id = f.request_id
			GROUP BY GROUPING SETS ((f.consortium_id, f.council_id, f.month, f.lot, e.rule), (f.consortium_id, f.month, f.lot, e.rule))`,
			`INSERT INTO intel_awards (consortium_id, council_id, month, lot, awards, out_of_area)
			SELECT consortium_id, coalesce(council_id, 0), date_trunc('month', awarded_at AT TIME ZONE 'UTC'), lot, count(*), count(*) FILTER (WHERE out_of_area)
			FROM intel_request_facts WHERE awarded
			GROUP BY GROUPING SETS ((consortium_id, council_id, date_trunc('month', awarded_at AT TIME ZONE 'UTC'), lot), (consortium_id, date_trunc('month', awarded_at AT TIME ZONE 'UTC'), lot))`,
		} {
			if err := tx.Exec(q).Error; err != nil {
				return err
			}
		}
		// The summary covers the whole history: its window starts at -infinity.
		return recordRefresh(tx, refreshName, s.Now().UTC(), "-infinity")
	})
}
