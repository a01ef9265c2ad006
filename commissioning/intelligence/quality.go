package intelligence

import (
	"bytes"
	"context"
	"encoding/gob"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// UnplannedEndReasons are the end reasons (marketplace.EndReasonCodes) that count as an
// unplanned ending: the placement was not ended as the care plan meant it to be. In
// SSDA903 terms, the reasons for placement change CLOSE, ALLEG, STAND, APPRR, CREQB,
// CREQO, CHILD and LAREQ, and the reason episode ceased E4B (returned home, not in the
// care plan). Planned moves, custody, leaving care as planned and "other" do not count.
var UnplannedEndReasons = []string{"provision_closed", "allegation", "standards_concern", "approval_removed", "breakdown",
	"provider_ended", "child_requested", "council_ended", "return_home_unplanned"}

// EarlyDays is how soon after its start an unplanned ending counts as early: within the
// first six months.
const EarlyDays = 182

// qualityMonths is how many months before the current one the summary keeps.
const qualityMonths = 36

// qualityView names the view in intel_refreshes.
const qualityView = "quality"

// ErrBadPeriod is asked of the quality view for a period it does not offer (QualityPeriods).
var ErrBadPeriod = kernel.NewError(kernel.ErrInvalid, "bad_period", "Choose one of the periods offered: the last 12 months or a whole financial year")

// QualityPeriod is the months a quality view sums: From's month to To's month, both
// whole (first of the month, in England).
type QualityPeriod struct {
	From, To time.Time
}

// Quality is provider quality beyond Ofsted over a period, for the providers of homes
// where the consortium's councils placed children or whose providers it invited: the
// consortium's figures, each provider's, and its homes'. Every figure counts the
// consortium's own councils' placements and requests only.
type Quality struct {
	AsOf   time.Time // when the summary was refreshed; zero: not yet
	First  time.Time // the summary's first month (the earliest a period may start)
	Last   time.Time // its last month (the one in progress at AsOf)
	Period QualityPeriod
	// Periods are the periods the view offers (QualityPeriods): the figures of two
	// overlapping periods chosen at will would differ by a month's, or a few children's.
	Periods []QualityPeriod
	QualityFigures
	Providers []ProviderQuality // by name
}

// ProviderQuality is one provider's figures, with its homes'.
type ProviderQuality struct {
	ID   int64
	Name string
	QualityFigures
	Homes []HomeQuality // by name
}

// HomeQuality is one home's figures and its current Ofsted rating.
type HomeQuality struct {
	ID           int64
	Name, Rating string
	QualityFigures
}

// QualityFigures are one group's counts and the rates drawn from them. A count of
// children (placements, incidents, starts, unplanned endings) or of requests
// (invitations, declines, responses) under 5 is suppressed, and so is a second cell
// where a total beside them would give a hidden one away (SuppressGroup). A rate is
// given (Shown) only when its numerator and denominator counts are both shown, since
// otherwise it would give the hidden count away.
type QualityFigures struct {
	Placements                Count // placements with a night in the period (those started in it and those carried in)
	Nights                    int64 // placement-nights in the period; 0 when Placements is suppressed
	Incidents                 Count // incidents reported (missing or absent), by when they began
	Missing                   Count // of Incidents, missing episodes
	IncidentRate, MissingRate Rate  // per 1,000 placement-nights
	Starts                    Count // placements started in the period
	UnplannedEarly            Count // of Starts, those ended unplanned within EarlyDays
	UnplannedShare            Rate  // per 100 starts
	Invitations               Count // the providers' invitations to the consortium's requests
	Declines                  Count
	DeclineRate               Rate  // per 100 invitations
	Responses                 Count // invitations answered by a bid or a decline
	MedianResponse            Rate  // hours from invitation to the first bid or decline
}

// Rate is a rate or a median, or nothing (Shown false) where it is not given.
type Rate struct {
	Value float64
	Shown bool
}

// qualityTotals are a group's counts, whole.
type qualityTotals struct {
	Placements, Nights, Incidents, Missing, Starts, UnplannedEarly, Invitations, Declines, Responses int64
	MedianMinutes                                                                                    *float64
}

// qualityRow is a home's totals over the period, as the view reads them.
type qualityRow struct {
	ProviderID   int64
	ProviderName string
	HomeID       int64
	HomeName     string
	Rating       string
	Totals       qualityTotals `gorm:"embedded"`
}

// QualityPeriodFor is the default period at asOf: the twelve whole months before asOf's.
func QualityPeriodFor(asOf time.Time) QualityPeriod {
	m := monthOf(asOf)
	return QualityPeriod{From: m.AddDate(0, -12, 0), To: m.AddDate(0, -1, 0)}
}

// QualityPeriods are the periods the quality view offers at a refresh at asOf whose
// months begin at from: the default (the 12 whole months before asOf's) and each whole
// financial year (April to March) within the summary, latest first. Only these are
// offered, and each is worked out at the refresh: were any run of months allowed, two
// periods a month apart would give that month's counts away, however small.
func QualityPeriods(asOf, from time.Time) []QualityPeriod {
	def := qualityDefault(asOf, from)
	out := []QualityPeriod{def}
	first := monthOf(from)
	for y := def.To.Year(); y >= first.Year()-1; y-- {
		p := QualityPeriod{From: time.Date(y, time.April, 1, 0, 0, 0, 0, time.UTC), To: time.Date(y+1, time.March, 1, 0, 0, 0, 0, time.UTC)}
		if !p.From.Before(first) && !p.To.After(def.To) && p != def {
			out = append(out, p)
		}
	}
	return out
}

// monthOf is the first of t's month in England, as a date at midnight UTC.
func monthOf(t time.Time) time.Time {
	l := t.In(londonTZ)
	return time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, time.UTC)
}

var londonTZ = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

// Quality answers the quality view for scope over period (zero: QualityPeriodFor the
// last refresh). A council sees the consortium's figures: they are about providers, and
// no child-level row is shown. Returns ErrBadPeriod for a period outside the summary.
func (s *Service) Quality(ctx context.Context, scope Scope, period QualityPeriod) (Quality, error) {
	return s.quality(ctx, scope, period, false)
}

// quality is Quality, and with anyRun, over any run of months within the summary too
// (summed from its months: for the tests worked by hand on a fixture's months).
func (s *Service) quality(ctx context.Context, scope Scope, period QualityPeriod, anyRun bool) (Quality, error) {
	db := s.read.WithContext(ctx)
	var out Quality
	var at struct{ RefreshedAt, WindowFrom time.Time }
	if err := db.Raw(`SELECT refreshed_at, window_from FROM intel_refreshes WHERE view = ?`, qualityView).Scan(&at).Error; err != nil {
		return out, err
	}
	if at.RefreshedAt.IsZero() {
		return out, nil
	}
	out.AsOf, out.First, out.Last = at.RefreshedAt, monthOf(at.WindowFrom), monthOf(at.RefreshedAt)
	out.Periods = QualityPeriods(at.RefreshedAt, at.WindowFrom)
	if period == (QualityPeriod{}) {
		period = out.Periods[0]
	}
	offered := slices.Contains(out.Periods, period)
	if !offered && (!anyRun || period.From.Before(out.First) || period.To.After(out.Last) || period.To.Before(period.From)) {
		return out, ErrBadPeriod
	}
	out.Period = period
	raw, err := s.qualityRaw(db, scope.Consortium, period, offered)
	if err != nil {
		return out, err
	}
	rows, medians := raw.Rows, raw.Medians
	homeMedian, providerMedian := map[int64]*float64{}, map[int64]*float64{}
	var all qualityTotals
	var allMedian *float64
	for _, m := range medians {
		v := m.Minutes
		switch m.Level {
		case 0:
			homeMedian[m.HomeID] = &v
		case 1:
			providerMedian[m.ProviderID] = &v
		default:
			allMedian = &v
		}
	}
	var providers []qualityGroup
	for i := 0; i < len(rows); {
		j := i
		p := qualityGroup{}
		for ; j < len(rows) && rows[j].ProviderID == rows[i].ProviderID; j++ {
			r := rows[j]
			r.Totals.MedianMinutes = homeMedian[r.HomeID]
			p.cells = append(p.cells, r.Totals)
			p.total = p.total.plus(r.Totals)
		}
		p.total.MedianMinutes = providerMedian[rows[i].ProviderID]
		p.rows = rows[i:j]
		providers = append(providers, p)
		all = all.plus(p.total)
		i = j
	}
	provTotals := make([]qualityTotals, len(providers))
	for i, p := range providers {
		provTotals[i] = p.total
	}
	all.MedianMinutes = allMedian
	out.QualityFigures = all.figures(Suppressed)
	for i, f := range suppressedFigures(provTotals, nil) {
		p := providers[i]
		pq := ProviderQuality{ID: p.rows[0].ProviderID, Name: p.rows[0].ProviderName, QualityFigures: f}
		for k, hf := range suppressedFigures(p.cells, &f) {
			r := p.rows[k]
			pq.Homes = append(pq.Homes, HomeQuality{ID: r.HomeID, Name: r.HomeName, Rating: r.Rating, QualityFigures: hf})
		}
		out.Providers = append(out.Providers, pq)
	}
	return out, nil
}

// qualityDefault is the default period of a refresh at asOf whose months begin at from.
func qualityDefault(asOf, from time.Time) QualityPeriod {
	p := QualityPeriodFor(asOf)
	p.From = maxTime(p.From, monthOf(from))
	return p
}

// qualityFigures is a period's figures before they are suppressed: each home's totals
// (with its provider's and its own names), and the medians of its responses, its
// provider's and the consortium's.
type qualityFigures struct {
	Rows    []qualityRow
	Medians []qualityMedian
}

// qualityMedian is the median minutes to respond of a home's, a provider's or the
// consortium's invitations.
type qualityMedian struct {
	ProviderID, HomeID int64
	Minutes            float64
	Level              int // 0: a home's; 1: a provider's; 3: the consortium's
}

// qualityRaw is consortium's figures over period: with stored, as the last refresh kept
// them (intel_quality_default, gob-encoded: the quickest to read back; every offered
// period is kept); otherwise summed from the months of intel_quality.
func (s *Service) qualityRaw(db *gorm.DB, consortium int64, period QualityPeriod, stored bool) (qualityFigures, error) {
	var out qualityFigures
	if stored {
		var stored [][]byte
		if err := db.Raw(`SELECT figures FROM intel_quality_default WHERE consortium_id = ? AND period_from = ? AND period_to = ?`,
			consortium, period.From.Format(time.DateOnly), period.To.Format(time.DateOnly)).Scan(&stored).Error; err != nil {
			return out, err
		}
		if len(stored) == 1 {
			return out, gob.NewDecoder(bytes.NewReader(stored[0])).Decode(&out)
		}
	}
	// Each home's sums first, from the summary alone; then the names of those homes.
	args := map[string]any{"consortium": consortium, "from": period.From.Format(time.DateOnly), "to": period.To.Format(time.DateOnly)}
	if err := db.Raw(`
		SELECT q.provider_id, o.name AS provider_name, q.home_id, h.name AS home_name, h.ofsted_rating AS rating,
		       q.placements, q.nights, q.incidents, q.missing, q.starts, q.unplanned_early, q.invitations, q.declines, q.responses
		FROM (
			SELECT provider_id, home_id,
			       sum(starts) + coalesce(sum(carried_in) FILTER (WHERE month = CAST(@from AS date)), 0) AS placements,
			       sum(nights) AS nights, sum(incidents) AS incidents, sum(missing) AS missing,
			       sum(starts) AS starts, sum(unplanned_early) AS unplanned_early,
			       sum(invitations) AS invitations, sum(declines) AS declines, sum(cardinality(response_minutes)) AS responses
			FROM intel_quality
			WHERE consortium_id = @consortium AND month BETWEEN CAST(@from AS date) AND CAST(@to AS date)
			GROUP BY provider_id, home_id
		) q JOIN homes h ON h.id = q.home_id JOIN organisations o ON o.id = q.provider_id
		ORDER BY o.name, q.provider_id, h.name, q.home_id`, args).Scan(&out.Rows).Error; err != nil {
		return out, err
	}
	err := db.Raw(`
		SELECT q.provider_id, q.home_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY m.minutes) AS minutes, GROUPING(q.provider_id, q.home_id) AS level
		FROM intel_quality q CROSS JOIN LATERAL unnest(q.response_minutes) AS m(minutes)
		WHERE q.consortium_id = @consortium AND q.month BETWEEN CAST(@from AS date) AND CAST(@to AS date)
		GROUP BY GROUPING SETS ((q.provider_id, q.home_id), (q.provider_id), ())`, args).Scan(&out.Medians).Error
	return out, err
}

// qualityGroup is a provider's homes' rows, their totals as cells, and the provider's total.
type qualityGroup struct {
	rows  []qualityRow
	cells []qualityTotals
	total qualityTotals
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// plus is t and u's counts added (the median is neither's: it is not a sum).
func (t qualityTotals) plus(u qualityTotals) qualityTotals {
	return qualityTotals{Placements: t.Placements + u.Placements, Nights: t.Nights + u.Nights, Incidents: t.Incidents + u.Incidents,
		Missing: t.Missing + u.Missing, Starts: t.Starts + u.Starts, UnplannedEarly: t.UnplannedEarly + u.UnplannedEarly,
		Invitations: t.Invitations + u.Invitations, Declines: t.Declines + u.Declines, Responses: t.Responses + u.Responses}
}

// suppressedFigures is the figures of cells whose totals are shown beside them: each
// count suppressed across the cells together (SuppressGroup), so that no hidden cell is
// the total less the others. Where the total's own count is hidden (over, the parent
// row's figures; nil for none), every non-zero cell of it is hidden too, so that the
// cells do not add up to it.
func suppressedFigures(cells []qualityTotals, over *QualityFigures) []QualityFigures {
	cols := make([][]Count, len(countsOrder))
	for k := range countsOrder {
		ns := make([]int64, len(cells))
		for i, c := range cells {
			ns[i] = c.counts()[k]
		}
		cols[k] = SuppressGroup(ns...)
		if over != nil && over.counts()[k].Suppressed {
			for i, n := range ns {
				if n > 0 {
					cols[k][i] = Count{Suppressed: true}
				}
			}
		}
	}
	out := make([]QualityFigures, len(cells))
	for i, c := range cells {
		k := 0
		out[i] = c.figures(func(int64) Count { k++; return cols[k-1][i] })
	}
	return out
}

// countsOrder names the counts of a group, in the order counts and figures take them.
var countsOrder = []string{"placements", "incidents", "missing", "starts", "unplanned_early", "invitations", "declines", "responses"}

// counts is t's counts in countsOrder.
func (t qualityTotals) counts() []int64 {
	return []int64{t.Placements, t.Incidents, t.Missing, t.Starts, t.UnplannedEarly, t.Invitations, t.Declines, t.Responses}
}

// counts is f's counts in countsOrder.
func (f QualityFigures) counts() []Count {
	return []Count{f.Placements, f.Incidents, f.Missing, f.Starts, f.UnplannedEarly, f.Invitations, f.Declines, f.Responses}
}

// figures is t's figures with each count, in the order Placements, Incidents, Missing,
// Starts, UnplannedEarly, Invitations, Declines, Responses, as count makes it.
func (t qualityTotals) figures(count func(int64) Count) QualityFigures {
	f := QualityFigures{Placements: count(t.Placements), Incidents: count(t.Incidents), Missing: count(t.Missing),
		Starts: count(t.Starts), UnplannedEarly: count(t.UnplannedEarly),
		Invitations: count(t.Invitations), Declines: count(t.Declines), Responses: count(t.Responses)}
	rate := func(num, den Count, whole int64, per float64) Rate {
		if num.Suppressed || den.Suppressed || whole == 0 {
			return Rate{}
		}
		return Rate{Value: float64(num.N) * per / float64(whole), Shown: true}
	}
	if !f.Placements.Suppressed {
		f.Nights = t.Nights
		f.IncidentRate = rate(f.Incidents, f.Placements, t.Nights, 1000)
		f.MissingRate = rate(f.Missing, f.Placements, t.Nights, 1000)
	}
	f.UnplannedShare = rate(f.UnplannedEarly, f.Starts, t.Starts, 100)
	f.DeclineRate = rate(f.Declines, f.Invitations, t.Invitations, 100)
	if !f.Responses.Suppressed && f.Responses.N > 0 && t.MedianMinutes != nil {
		f.MedianResponse = Rate{Value: *t.MedianMinutes / 60, Shown: true}
	}
	return f
}

// RefreshQuality rebuilds intel_quality for the qualityMonths before now's month and
// now's month so far, in one transaction (readers see the old figures or the new).
func (s *Service) RefreshQuality(ctx context.Context) error {
	now := s.Now()
	from := monthOf(now).AddDate(0, -qualityMonths, 0)
	l := now.In(londonTZ)
	today := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	fromInstant := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, londonTZ)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM intel_quality`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`
		WITH months AS (
			SELECT m::date AS month, (m + interval '1 month')::date AS next
			FROM generate_series(CAST(@from AS date), CAST(@today AS date), interval '1 month') AS m
		), stays AS (
			SELECT c.consortium_id, p.home_id, p.started_on AS s, coalesce(p.ended_on, CAST(@today AS date)) AS e,
			       p.ended_on IS NOT NULL AND p.ended_on - p.started_on <= @early AND p.end_reason IN @unplanned AS unplanned
			FROM placements p JOIN organisations c ON c.id = p.council_id
			WHERE c.consortium_id IS NOT NULL AND p.started_on IS NOT NULL AND p.started_on <= CAST(@today AS date)
			  AND coalesce(p.ended_on, CAST(@today AS date)) >= CAST(@from AS date)
		), nights AS (
			SELECT s.consortium_id, s.home_id, m.month,
			       sum(least(s.e, m.next) - greatest(s.s, m.month))::int AS nights,
			       count(*) FILTER (WHERE s.s < m.month)::int AS carried_in,
			       count(*) FILTER (WHERE s.s >= m.month)::int AS starts,
			       count(*) FILTER (WHERE s.s >= m.month AND s.unplanned)::int AS unplanned_early
			FROM stays s JOIN months m ON s.s < m.next AND (s.e > m.month OR s.s >= m.month)
			GROUP BY 1, 2, 3
		), incidents AS (
			SELECT c.consortium_id, p.home_id, date_trunc('month', i.started_at AT TIME ZONE 'Europe/London')::date AS month,
			       count(*)::int AS incidents, count(*) FILTER (WHERE i.kind = 'missing')::int AS missing
			FROM placement_incidents i JOIN placements p ON p.id = i.placement_id JOIN organisations c ON c.id = p.council_id
			WHERE c.consortium_id IS NOT NULL AND i.started_at >= @from_instant AND i.started_at < @now
			GROUP BY 1, 2, 3
		), invitations AS (
			SELECT c.consortium_id, coalesce(b.home_id, ih.home_id) AS home_id,
			       date_trunc('month', i.invited_at AT TIME ZONE 'Europe/London')::date AS month,
			       count(*)::int AS invitations, count(d.request_id)::int AS declines,
			       coalesce(array_agg(greatest(0, round(extract(epoch FROM least(b.created_at, d.declined_at) - i.invited_at) / 60))::int)
			           FILTER (WHERE b.id IS NOT NULL OR d.request_id IS NOT NULL), '{}') AS response_minutes
			FROM request_invitations i
			JOIN placement_requests r ON r.id = i.request_id
			JOIN organisations c ON c.id = r.council_id
			LEFT JOIN bids b ON b.request_id = i.request_id AND b.provider_id = i.provider_id
			LEFT JOIN declines d ON d.request_id = i.request_id AND d.provider_id = i.provider_id
			LEFT JOIN invitation_homes ih ON ih.request_id = i.request_id AND ih.provider_id = i.provider_id AND ih.rank = 1
			WHERE c.consortium_id IS NOT NULL AND i.invited_at >= @from_instant AND i.invited_at < @now
			  AND coalesce(b.home_id, ih.home_id) IS NOT NULL
			GROUP BY 1, 2, 3
		)
		INSERT INTO intel_quality (consortium_id, home_id, provider_id, month, nights, carried_in, starts, unplanned_early, incidents, missing,
			invitations, declines, response_minutes)
		SELECT consortium_id, home_id, h.provider_id, month, coalesce(n.nights, 0), coalesce(n.carried_in, 0), coalesce(n.starts, 0), coalesce(n.unplanned_early, 0),
		       coalesce(x.incidents, 0), coalesce(x.missing, 0), coalesce(v.invitations, 0), coalesce(v.declines, 0), coalesce(v.response_minutes, '{}')
		FROM nights n
		FULL JOIN incidents x USING (consortium_id, home_id, month)
		FULL JOIN invitations v USING (consortium_id, home_id, month)
		JOIN homes h ON h.id = home_id`,
			map[string]any{"from": from.Format(time.DateOnly), "today": today.Format(time.DateOnly), "early": EarlyDays, "unplanned": UnplannedEndReasons,
				"from_instant": fromInstant, "now": now}).Error; err != nil {
			return err
		}
		// The default period's figures, worked out once here rather than on every view.
		if err := tx.Exec(`DELETE FROM intel_quality_default`).Error; err != nil {
			return err
		}
		var consortia []int64
		if err := tx.Raw(`SELECT DISTINCT consortium_id FROM intel_quality`).Scan(&consortia).Error; err != nil {
			return err
		}
		for _, period := range QualityPeriods(now, fromInstant) {
			for _, c := range consortia {
				f, err := s.qualityRaw(tx, c, period, false)
				if err != nil {
					return err
				}
				var enc bytes.Buffer
				if err := gob.NewEncoder(&enc).Encode(f); err != nil {
					return err
				}
				if err := tx.Exec(`INSERT INTO intel_quality_default (consortium_id, period_from, period_to, figures) VALUES (?, ?, ?, ?)`,
					c, period.From.Format(time.DateOnly), period.To.Format(time.DateOnly), enc.Bytes()).Error; err != nil {
					return err
				}
			}
		}
		return tx.Exec(`INSERT INTO intel_refreshes (view, refreshed_at, window_from) VALUES (?, ?, ?)
			ON CONFLICT (view) DO UPDATE SET refreshed_at = excluded.refreshed_at, window_from = excluded.window_from`,
			qualityView, now, fromInstant).Error
	})
}
