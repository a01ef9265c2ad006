package intelligence

import (
	"cmp"
	"context"
	"encoding/json"
	"math"
	"slices"
	"time"

	"gorm.io/gorm"
)

// TimeToPlace is how long placing takes over the 12 months before the last refresh:
// from a request's submission to its award, and from the award to the child's start, as
// the median and the 90th percentile, by lot and urgency, for the consortium and (in a
// council's scope) for that council beside it.
type TimeToPlace struct {
	AsOf time.Time // when the figures were refreshed; zero: not yet
	From time.Time // awards from this instant (12 months before AsOf)
	Rows []PlaceTime
}

// PlaceTime is one group's time to place. The percentiles of a suppressed group are
// not given (zero), since the time of fewer than five placements could name a child.
type PlaceTime struct {
	Who       string // "consortium" or "council"
	Lot       string // the lot's name
	Emergency bool
	Awards    Count // placements awarded
	// Hours from submission to award.
	AwardMedian, AwardP90 float64
	Started               Count // of Awards, those started
	// Days from award to start.
	StartMedian, StartP90 float64
}

// timeGroup is a row of intel_time_to_place: one consortium's (Council 0) or council's
// awards on a lot at one urgency, counts whole.
type timeGroup struct {
	ConsortiumID     int64    `json:"consortium_id"`
	CouncilID        int64    `json:"council_id"`
	Lot              string   `json:"lot"`
	Emergency        bool     `json:"emergency"`
	Awards           int64    `json:"awards"`
	AwardMedianHours float64  `json:"award_median_hours"`
	AwardP90Hours    float64  `json:"award_p90_hours"`
	Started          int64    `json:"started"`
	StartMedianDays  *float64 `json:"start_median_days"`
	StartP90Days     *float64 `json:"start_p90_days"`
}

// placed is one award as the refresh reads it.
type placed struct {
	ConsortiumID, CouncilID int64
	Lot                     string
	Emergency               bool
	AwardHours              float64
	StartDays               *float64 // nil: not started
}

// timeToPlaceView names the view in intel_refreshes.
const timeToPlaceView = "time_to_place"

// TimeToPlace answers the time-to-place view for scope from the last refresh.
func (s *Service) TimeToPlace(ctx context.Context, scope Scope) (TimeToPlace, error) {
	db := s.read.WithContext(ctx)
	var out TimeToPlace
	var at struct{ RefreshedAt, WindowFrom time.Time }
	if err := db.Raw(`SELECT refreshed_at, window_from FROM intel_refreshes WHERE view = ?`, timeToPlaceView).Scan(&at).Error; err != nil {
		return out, err
	}
	out.AsOf, out.From = at.RefreshedAt, at.WindowFrom
	var groups []timeGroup
	if err := db.Raw(`SELECT consortium_id, coalesce(council_id, 0) AS council_id, lot, emergency, awards, award_median_hours, award_p90_hours,
			started, start_median_days, start_p90_days
		FROM intel_time_to_place WHERE consortium_id = ? AND (council_id IS NULL OR council_id = ?)
		ORDER BY council_id NULLS FIRST, lot, emergency`, scope.Consortium, scope.Council).Scan(&groups).Error; err != nil {
		return out, err
	}
	for _, g := range groups {
		out.Rows = append(out.Rows, g.placeTime())
	}
	return out, nil
}

// placeTime is the group as the view shows it. Awards is the total of those started
// and those not yet started, so Started is suppressed with the awards not started as a
// group (SuppressGroup): a count of fewer than 5 not started cannot be read off the
// awards less the started. A suppressed count's percentiles are not given.
func (g timeGroup) placeTime() PlaceTime {
	pt := PlaceTime{Who: "consortium", Lot: g.Lot, Emergency: g.Emergency, Awards: Suppressed(g.Awards),
		Started: SuppressGroup(g.Started, g.Awards-g.Started)[0]}
	if g.CouncilID != 0 {
		pt.Who = "council"
	}
	if !pt.Awards.Suppressed {
		pt.AwardMedian, pt.AwardP90 = g.AwardMedianHours, g.AwardP90Hours
	}
	if !pt.Started.Suppressed && g.StartMedianDays != nil {
		pt.StartMedian, pt.StartP90 = *g.StartMedianDays, *g.StartP90Days
	}
	return pt
}

// RefreshTimeToPlace recomputes every consortium's and council's time to place over the
// 12 months to now, in one transaction (readers see the old figures or the new).
func (s *Service) RefreshTimeToPlace(ctx context.Context) error {
	now := s.Now()
	from := now.AddDate(-1, 0, 0)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []placed
		if err := tx.Raw(`
			SELECT c.consortium_id, p.council_id, l.name AS lot, r.emergency,
			       extract(epoch FROM p.awarded_at - r.submitted_at)::float8 / 3600 AS award_hours,
			       (p.started_on - (p.awarded_at AT TIME ZONE 'Europe/London')::date)::float8 AS start_days
			FROM placements p
			JOIN placement_requests r ON r.id = p.request_id
			JOIN lots l ON l.id = r.lot_id
			JOIN organisations c ON c.id = p.council_id
			WHERE c.consortium_id IS NOT NULL AND p.status <> 'refused' AND r.submitted_at IS NOT NULL
			  AND p.awarded_at >= ? AND p.awarded_at < ?`, from, now).Scan(&rows).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM intel_time_to_place`).Error; err != nil {
			return err
		}
		groups := groupTimes(rows)
		for chunk := range slices.Chunk(groups, 500) {
			if err := tx.Exec(`INSERT INTO intel_time_to_place (consortium_id, council_id, lot, emergency, awards, award_median_hours, award_p90_hours,
				started, start_median_days, start_p90_days)
				SELECT g.consortium_id, nullif(g.council_id, 0), g.lot, g.emergency, g.awards, g.award_median_hours, g.award_p90_hours,
					g.started, g.start_median_days, g.start_p90_days
				FROM jsonb_to_recordset(?::jsonb) AS g(consortium_id bigint, council_id bigint, lot text, emergency boolean, awards int,
					award_median_hours float8, award_p90_hours float8, started int, start_median_days float8, start_p90_days float8)`,
				mustJSON(chunk)).Error; err != nil {
				return err
			}
		}
		return recordRefresh(tx, timeToPlaceView, now, from)
	})
}

// groupTimes groups the awards by consortium, and by council within it, and by lot and
// urgency, with each group's median and 90th percentile; in key order, each
// consortium's own groups (council 0) first.
func groupTimes(rows []placed) []timeGroup {
	type key struct {
		consortium, council int64
		lot                 string
		emergency           bool
	}
	award := map[key][]float64{}
	start := map[key][]float64{}
	var keys []key
	add := func(k key, p placed) {
		if _, ok := award[k]; !ok {
			keys = append(keys, k)
		}
		award[k] = append(award[k], p.AwardHours)
		if p.StartDays != nil {
			start[k] = append(start[k], *p.StartDays)
		}
	}
	for _, p := range rows {
		add(key{p.ConsortiumID, 0, p.Lot, p.Emergency}, p)
		add(key{p.ConsortiumID, p.CouncilID, p.Lot, p.Emergency}, p)
	}
	slices.SortFunc(keys, func(a, b key) int {
		urgency := func(e bool) int {
			if e {
				return 1
			}
			return 0
		}
		return cmp.Or(cmp.Compare(a.consortium, b.consortium), cmp.Compare(a.council, b.council), cmp.Compare(a.lot, b.lot),
			cmp.Compare(urgency(a.emergency), urgency(b.emergency)))
	})
	out := make([]timeGroup, 0, len(keys))
	for _, k := range keys {
		g := timeGroup{ConsortiumID: k.consortium, CouncilID: k.council, Lot: k.lot, Emergency: k.emergency,
			Awards: int64(len(award[k])), Started: int64(len(start[k])),
			AwardMedianHours: Percentile(award[k], 0.5), AwardP90Hours: Percentile(award[k], 0.9)}
		if g.Started > 0 {
			med, p90 := Percentile(start[k], 0.5), Percentile(start[k], 0.9)
			g.StartMedianDays, g.StartP90Days = &med, &p90
		}
		out = append(out, g)
	}
	return out
}

// Percentile is the p-th percentile (0 to 1) of xs by linear interpolation between the
// closest ranks, as PostgreSQL's percentile_cont computes it; 0 for no values.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	pos := p * float64(len(s)-1)
	lo := math.Floor(pos)
	hi := math.Ceil(pos)
	return s[int(lo)] + (s[int(hi)]-s[int(lo)])*(pos-lo)
}

// mustJSON is v as JSON text (v is plain data, which always marshals).
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
