package intelligence

import (
	"context"
	"math"
	"slices"
	"time"
)

// TimeToPlace is how long placing takes over the last 12 months: from a request's
// submission to its award, and from the award to the child's start, as the median and
// the 90th percentile, by lot and urgency, for the consortium and (in a council's scope)
// for that council beside it.
type TimeToPlace struct {
	AsOf time.Time
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

// placed is one award as the query reads it.
type placed struct {
	CouncilID  int64
	Lot        string
	Emergency  bool
	AwardHours float64
	StartDays  *float64 // nil: not started
}

// TimeToPlace answers the time-to-place view for scope.
func (s *Service) TimeToPlace(ctx context.Context, scope Scope) (TimeToPlace, error) {
	now := s.Now()
	from := now.AddDate(-1, 0, 0)
	var rows []placed
	err := s.db.WithContext(ctx).Raw(`
		SELECT p.council_id, l.name AS lot, r.emergency,
		       extract(epoch FROM p.awarded_at - r.submitted_at) / 3600 AS award_hours,
		       (p.started_on - (p.awarded_at AT TIME ZONE 'Europe/London')::date)::float8 AS start_days
		FROM placements p
		JOIN placement_requests r ON r.id = p.request_id
		JOIN lots l ON l.id = r.lot_id
		JOIN organisations c ON c.id = p.council_id
		WHERE c.consortium_id = ? AND p.status <> 'refused'
		  AND p.awarded_at >= ? AND p.awarded_at < ? AND r.submitted_at IS NOT NULL`,
		scope.Consortium, from, now).Scan(&rows).Error
	if err != nil {
		return TimeToPlace{}, err
	}
	return TimeToPlace{AsOf: now, From: from, Rows: summariseTimes(rows, scope.Council)}, nil
}

// summariseTimes groups the awards by lot and urgency, the consortium's first and then
// council's (when council is not 0), in lot order, non-emergency before emergency.
func summariseTimes(rows []placed, council int64) []PlaceTime {
	type key struct {
		who       string
		lot       string
		emergency bool
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
		add(key{"consortium", p.Lot, p.Emergency}, p)
		if council != 0 && p.CouncilID == council {
			add(key{"council", p.Lot, p.Emergency}, p)
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		switch {
		case a.who != b.who:
			if a.who == "consortium" {
				return -1
			}
			return 1
		case a.lot != b.lot:
			if a.lot < b.lot {
				return -1
			}
			return 1
		case a.emergency != b.emergency:
			if !a.emergency {
				return -1
			}
			return 1
		}
		return 0
	})
	out := make([]PlaceTime, 0, len(keys))
	for _, k := range keys {
		pt := PlaceTime{Who: k.who, Lot: k.lot, Emergency: k.emergency,
			Awards: Suppressed(int64(len(award[k]))), Started: Suppressed(int64(len(start[k])))}
		if !pt.Awards.Suppressed {
			pt.AwardMedian, pt.AwardP90 = Percentile(award[k], 0.5), Percentile(award[k], 0.9)
		}
		if !pt.Started.Suppressed && pt.Started.N > 0 {
			pt.StartMedian, pt.StartP90 = Percentile(start[k], 0.5), Percentile(start[k], 0.9)
		}
		out = append(out, pt)
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
