package intelligence

import (
	"context"
	"sort"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// MissingRow is one month's missing-from-care figures for one placing council, or one
// host area (the council whose area the homes are in), or the consortium (Name "All").
type MissingRow struct {
	Month    time.Time // the first of the month (London) the episodes began in
	Group    string    // "placing" or "host"
	Name     string    // the council; "All" for the consortium's total
	Total    bool
	Episodes Count
	Children Count
	Ended    Count
	// OfferedInTime is how many ended episodes had their return-home interview offered
	// within 72 hours of the return; Rate its share of Ended (nil when either is hidden).
	OfferedInTime Count
	Rate          *float64
	// RepeatChildren had 3 or more episodes in the 12 months to the month's end.
	RepeatChildren Count
}

// MissingView is the consortium's missing-from-care picture for the last 12 months.
type MissingView struct {
	AsOf time.Time
	From time.Time // the first month shown
	Rows []MissingRow
}

// missingCell is one (month, group, council) cell's raw counts.
type missingCell struct {
	Month                              time.Time
	Grp, Name                          string
	Episodes, Children, Ended, Offered int64
	RepeatChildren                     int64
}

// Missing is the missing-from-care episodes of the consortium's children (placed by its
// member councils) per month over the last 12 months, per placing council and per host
// area, with a consortium total: episodes, children, ended episodes, interviews offered
// within 72 hours and repeat children (3 or more episodes in the 12 months to the month's
// end). Every count of children is suppressed under MinCell, and the cells that add up
// to a total beside them are suppressed as a group (SuppressGroup).
func (s *Service) Missing(ctx context.Context, sc Scope) (MissingView, error) {
	now := s.Now()
	today := now.In(kernel.London)
	from := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -11, 0)
	v := MissingView{AsOf: now, From: from}
	var cells []missingCell
	err := s.db.WithContext(ctx).Raw(`
		WITH eps AS (
			SELECT i.id, i.started_at, i.ended_at, i.rhi_offered_at, p.council_id, r.child_ref,
			       date_trunc('month', i.started_at AT TIME ZONE 'Europe/London')::date AS month,
			       pc.name AS placing_name, coalesce(hc.name, 'Unknown area') AS host_name
			FROM placement_incidents i
			JOIN placements p ON p.id = i.placement_id
			JOIN placement_requests r ON r.id = p.request_id
			JOIN organisations pc ON pc.id = p.council_id
			LEFT JOIN organisations hc ON hc.id = p.host_council_id
			WHERE pc.consortium_id = @consortium AND i.started_at < @now
			  AND i.started_at >= (CAST(@from AS date) - interval '11 months')
		), flagged AS (
			SELECT e.*, (SELECT count(*) FROM eps e2 WHERE e2.council_id = e.council_id AND e2.child_ref = e.child_ref
			        AND e2.started_at < (e.month + interval '1 month') AND e2.started_at >= (e.month + interval '1 month' - interval '12 months')) >= 3 AS repeat
			FROM eps e WHERE e.month >= CAST(@from AS date)
		), both_groups AS (
			SELECT f.month, 'placing' AS grp, f.placing_name AS name, f.council_id, f.child_ref, f.ended_at, f.rhi_offered_at, f.repeat FROM flagged f
			UNION ALL
			SELECT f.month, 'host' AS grp, f.host_name AS name, f.council_id, f.child_ref, f.ended_at, f.rhi_offered_at, f.repeat FROM flagged f
		)
		SELECT month, grp, name, count(*) AS episodes, count(DISTINCT (council_id, child_ref)) AS children,
		       count(*) FILTER (WHERE ended_at IS NOT NULL) AS ended,
		       count(*) FILTER (WHERE ended_at IS NOT NULL AND rhi_offered_at IS NOT NULL AND rhi_offered_at <= ended_at + interval '72 hours') AS offered,
		       count(DISTINCT (council_id, child_ref)) FILTER (WHERE repeat) AS repeat_children
		FROM both_groups GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
		map[string]any{"consortium": sc.Consortium, "now": now, "from": from.Format(time.DateOnly)}).Scan(&cells).Error
	if err != nil {
		return v, err
	}
	v.Rows = missingRows(cells)
	return v, nil
}

// missingRows suppresses cells and adds each month and group's total, newest month
// first: each column of a month and group adds up to its total, so it is suppressed as
// a group.
func missingRows(cells []missingCell) []MissingRow {
	type key struct {
		month time.Time
		grp   string
	}
	groups := map[key][]missingCell{}
	var keys []key
	for _, c := range cells {
		k := key{c.Month, c.Grp}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], c)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if !keys[i].month.Equal(keys[j].month) {
			return keys[i].month.After(keys[j].month)
		}
		return keys[i].grp > keys[j].grp // placing before host
	})
	var out []MissingRow
	for _, k := range keys {
		cs := groups[k]
		column := func(f func(missingCell) int64) ([]Count, int64) {
			ns := make([]int64, len(cs))
			var total int64
			for i, c := range cs {
				ns[i] = f(c)
				total += ns[i]
			}
			return SuppressGroup(ns...), total
		}
		eps, te := column(func(c missingCell) int64 { return c.Episodes })
		kids, tk := column(func(c missingCell) int64 { return c.Children })
		ended, tn := column(func(c missingCell) int64 { return c.Ended })
		offered, to := column(func(c missingCell) int64 { return c.Offered })
		repeat, tr := column(func(c missingCell) int64 { return c.RepeatChildren })
		for i, c := range cs {
			out = append(out, MissingRow{Month: k.month, Group: k.grp, Name: c.Name, Episodes: eps[i], Children: kids[i], Ended: ended[i],
				OfferedInTime: offered[i], Rate: rate(ended[i], offered[i]), RepeatChildren: repeat[i]})
		}
		total := MissingRow{Month: k.month, Group: k.grp, Name: "All", Total: true, Episodes: Suppressed(te), Children: Suppressed(tk),
			Ended: Suppressed(tn), OfferedInTime: Suppressed(to), RepeatChildren: Suppressed(tr)}
		total.Rate = rate(total.Ended, total.OfferedInTime)
		out = append(out, total)
	}
	return out
}

// rate is offered's share of ended, in per cent; nil when either is hidden or none ended.
func rate(ended, offered Count) *float64 {
	if ended.Suppressed || offered.Suppressed || ended.N == 0 {
		return nil
	}
	r := float64(offered.N) * 100 / float64(ended.N)
	return &r
}
