package intelligence

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// NearMiles is the distance the out-of-area view counts as near: the share of
// placements within it is the view's headline (the sufficiency duty's "within 20 miles").
const NearMiles = 20

// DistanceBand is one band of the distance distribution: up to Upto miles (inclusive),
// over the band before it; the last band has Upto 0 (no upper bound).
type DistanceBand struct {
	Label string
	Upto  float64
}

// DistanceBands are the out-of-area view's distance bands, nearest first. The first
// two are the placements within NearMiles.
var DistanceBands = []DistanceBand{
	{"Up to 10 miles", 10},
	{"10 to 20 miles", 20},
	{"20 to 50 miles", 50},
	{"50 to 100 miles", 100},
	{"Over 100 miles", 0},
}

// OutOfAreaRow is one council's (or the consortium's) placements by where the home is:
// in the council's own area, in an adjoining one (the boundary file's adjacency plus the
// consortium's overrides), or further away (including outside England); and by distance.
type OutOfAreaRow struct {
	Council                           int64 // 0: the consortium as a whole
	Name                              string
	Total, InArea, Adjoining, Further Count
	Within20                          Count
	Within20Share                     float64 // of Total; meaningful only when ShareShown
	ShareShown                        bool    // Total is at least MinCell
	Bands                             []Count // by DistanceBands
	total, inArea, adjoining, further int64
	within20                          int64
	bands                             []int64
}

// Flow is how many placements one council made into homes in another's area.
type Flow struct {
	From, To string // council names; To is "Outside England" for homes with no host council
	Count    Count
}

// OutOfArea is the out-of-area view: placements starting in the 12 months to AsOf.
type OutOfArea struct {
	AsOf, From time.Time
	Consortium OutOfAreaRow
	Councils   []OutOfAreaRow // the member councils in the scope, by name
	Flows      []Flow         // the scope's councils' placements by host council, largest first, as Matrix shows them
	Matrix     FlowMatrix     // the flows as a table with row and column totals
}

// OutsideEngland names the host of a home with no host council (Wales, Scotland).
const OutsideEngland = "Outside England"

// outOfAreaView names the out-of-area summaries' row in intel_refreshes.
const outOfAreaView = "out_of_area"

// OutOfArea answers the out-of-area view for scope from the last refresh (AsOf; From is
// 12 months before it): the consortium's figures, and a council's beside them when scope
// names one (then only that council's row and flows).
func (s *Service) OutOfArea(ctx context.Context, scope Scope) (OutOfArea, error) {
	db := s.read.WithContext(ctx)
	at, err := s.refreshed(ctx, outOfAreaView, s.RefreshOutOfArea)
	if err != nil {
		return OutOfArea{}, err
	}
	var overrides []geo.Pair
	var pairs []struct{ OnsA, OnsB string }
	if err := db.Raw(`SELECT ons_a, ons_b FROM adjacency_overrides WHERE consortium_id = ?`, scope.Consortium).Scan(&pairs).Error; err != nil {
		return OutOfArea{}, err
	}
	for _, p := range pairs {
		overrides = append(overrides, geo.Pair{p.OnsA, p.OnsB})
	}
	adj := geo.WithOverrides(overrides...)

	// The summary's rows: one per council and host, by band, with their names.
	var rows []struct {
		CouncilID          int64
		HostID             *int64
		B0, B1, B2, B3, B4 int64 // by DistanceBands
		Placing, OnsP      string
		Host, OnsH         *string
	}
	if err := db.Raw(`
		SELECT s.council_id, s.host_council_id AS host_id, s.up_to_10 AS b0, s.up_to_20 AS b1, s.up_to_50 AS b2, s.up_to_100 AS b3, s.over_100 AS b4,
		       c.name AS placing, coalesce(c.ons_code, '') AS ons_p, h.name AS host, h.ons_code AS ons_h
		FROM intel_out_of_area s JOIN organisations c ON c.id = s.council_id LEFT JOIN organisations h ON h.id = s.host_council_id
		WHERE s.consortium_id = ?`, scope.Consortium).Scan(&rows).Error; err != nil {
		return OutOfArea{}, err
	}

	out := OutOfArea{AsOf: at.RefreshedAt, From: at.WindowFrom, Consortium: newOutOfAreaRow(0, "All councils")}
	councils := map[int64]*OutOfAreaRow{}
	flows := map[[2]string]int64{}
	for _, r := range rows {
		where := 2
		host := OutsideEngland
		if r.HostID != nil {
			host = *r.Host
			switch {
			case *r.HostID == r.CouncilID:
				where = 0
			case r.OnsH != nil && adj.Adjoining(*r.OnsH, r.OnsP):
				where = 1
			}
		}
		bands := []int64{r.B0, r.B1, r.B2, r.B3, r.B4}
		out.Consortium.add(where, bands)
		if scope.Council != 0 && r.CouncilID != scope.Council {
			continue // a council sees the consortium's totals, never another council's rows
		}
		row := councils[r.CouncilID]
		if row == nil {
			nr := newOutOfAreaRow(r.CouncilID, r.Placing)
			row = &nr
			councils[r.CouncilID] = row
		}
		flows[[2]string{r.Placing, host}] += row.add(where, bands)
	}
	out.Consortium.finish()
	for _, row := range councils {
		row.finish()
		out.Councils = append(out.Councils, *row)
	}
	sort.Slice(out.Councils, func(i, j int) bool { return out.Councils[i].Name < out.Councils[j].Name })
	out.Matrix = newFlowMatrix(flows, selfFlowsHidden(out.Councils))
	out.Flows = out.Matrix.flows(flows)
	hideInAreaWithSelfFlow(out.Councils, out.Matrix)
	if scope.Council == 0 {
		hideConsortiumCells(&out.Consortium, out.Councils)
	}
	return out, nil
}

// hideConsortiumCells protects the councils' hidden cells from the consortium's row
// below them: each of the consortium's counts is its councils' added up, so where exactly
// one council's cell in a column is hidden, the consortium's is hidden too (and its
// in area / adjoining / further suppressed again as a group).
func hideConsortiumCells(all *OutOfAreaRow, councils []OutOfAreaRow) {
	cols := func(r *OutOfAreaRow) []*Count {
		out := []*Count{&r.InArea, &r.Adjoining, &r.Further, &r.Within20}
		for i := range r.Bands {
			out = append(out, &r.Bands[i])
		}
		return out
	}
	mine := cols(all)
	for k := range mine {
		hidden := 0
		for i := range councils {
			if cols(&councils[i])[k].Suppressed {
				hidden++
			}
		}
		if hidden == 1 && !mine[k].Suppressed {
			*mine[k] = Count{Suppressed: true, Secondary: true}
		}
	}
	where := []Count{all.InArea, all.Adjoining, all.Further}
	hideNext([]int64{all.inArea, all.adjoining, all.further}, where)
	all.InArea, all.Adjoining, all.Further = where[0], where[1], where[2]
	if all.ShareShown = all.ShareShown && !all.Within20.Suppressed; !all.ShareShown {
		all.Within20Share = 0
	}
}

// selfFlowsHidden is the flows of councils into themselves that must be hidden in the
// flows matrix: a council's flow into itself is its in-area count, so where the row hides
// that count the matrix must too.
func selfFlowsHidden(councils []OutOfAreaRow) map[[2]string]bool {
	hidden := map[[2]string]bool{}
	for _, c := range councils {
		if c.InArea.Suppressed {
			hidden[[2]string{c.Name, c.Name}] = true
		}
	}
	return hidden
}

// hideInAreaWithSelfFlow is the converse of selfFlowsHidden: where the matrix hid a
// council's flow into itself (to protect another cell), its in-area count is hidden too,
// and its row suppressed again as a group.
func hideInAreaWithSelfFlow(councils []OutOfAreaRow, m FlowMatrix) {
	for i := range councils {
		c := &councils[i]
		if c.InArea.Suppressed || !m.hides(c.Name, c.Name) {
			continue
		}
		cs := []Count{{Suppressed: true, Secondary: true}, c.Adjoining, c.Further}
		hideNext([]int64{c.inArea, c.adjoining, c.further}, cs)
		c.InArea, c.Adjoining, c.Further = cs[0], cs[1], cs[2]
		c.ShareShown = c.ShareShown && !c.Within20.Suppressed
	}
}

// RefreshOutOfArea rebuilds the out-of-area summaries in one transaction (readers see
// the old figures or the new): every consortium's placements starting in the 12 months
// to now by council and host, in distance bands, and every financial year's placements out
// of area by council and reason, for the annual return.
func (s *Service) RefreshOutOfArea(ctx context.Context) error {
	now := s.Now()
	from := now.AddDate(-1, 0, 0)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRefresh(tx, outOfAreaView); err != nil {
			return err
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM intel_out_of_area`, nil},
			{`DELETE FROM intel_out_of_area_return`, nil},
			{`INSERT INTO intel_out_of_area (consortium_id, council_id, host_council_id, up_to_10, up_to_20, up_to_50, up_to_100, over_100)
				SELECT c.consortium_id, p.council_id, p.host_council_id, count(*) FILTER (WHERE p.miles <= 10),
				       count(*) FILTER (WHERE p.miles > 10 AND p.miles <= 20), count(*) FILTER (WHERE p.miles > 20 AND p.miles <= 50),
				       count(*) FILTER (WHERE p.miles > 50 AND p.miles <= 100), count(*) FILTER (WHERE p.miles > 100)
				FROM placements p JOIN organisations c ON c.id = p.council_id
				WHERE c.consortium_id IS NOT NULL ` + countedPlacement + `
				  AND p.start_date > ? AND p.start_date <= ?
				GROUP BY 1, 2, 3`, []any{from, now}},
			{`INSERT INTO intel_out_of_area_return (consortium_id, council_id, year, reason, placements)
				SELECT c.consortium_id, p.council_id, extract(year FROM p.start_date - interval '3 months'), coalesce(p.out_of_area_reason, ''), count(*)
				FROM placements p JOIN organisations c ON c.id = p.council_id
				WHERE c.consortium_id IS NOT NULL AND p.host_council_id IS DISTINCT FROM p.council_id ` + countedPlacement + `
				GROUP BY 1, 2, 3, 4`, nil},
		} {
			if err := tx.Exec(q.sql, q.args...).Error; err != nil {
				return err
			}
		}
		return recordRefresh(tx, outOfAreaView, now, from)
	})
}

// countedPlacement is the condition (on placements p) for a placement the out-of-area
// figures count: awarded, and not one that never started.
const countedPlacement = `AND p.status IN ('awarded', 'started', 'ended') AND p.end_reason IS DISTINCT FROM 'did_not_start'`

func newOutOfAreaRow(council int64, name string) OutOfAreaRow {
	return OutOfAreaRow{Council: council, Name: name, bands: make([]int64, len(DistanceBands))}
}

// add counts placements in area (where 0), adjoining (1) or further (2), by band, and
// returns how many.
func (r *OutOfAreaRow) add(where int, bands []int64) int64 {
	var n int64
	for i, b := range bands {
		n += b
		r.bands[i] += b
	}
	r.total += n
	r.within20 += bands[0] + bands[1]
	switch where {
	case 0:
		r.inArea += n
	case 1:
		r.adjoining += n
	default:
		r.further += n
	}
	return n
}

// finish turns the row's counts into Counts, suppressing those under MinCell. Cells that
// add up to a total on the page are suppressed as a group (SuppressGroup): in area,
// adjoining and further (to the total); within 20 miles and the three further bands
// (to the total); the two bands within 20 miles (to that count, and one of them hidden
// whenever that count is). The share within 20 miles is shown only when that count is.
func (r *OutOfAreaRow) finish() {
	r.Total = Suppressed(r.total)
	where := SuppressGroup(r.inArea, r.adjoining, r.further)
	r.InArea, r.Adjoining, r.Further = where[0], where[1], where[2]
	far := SuppressGroup(r.within20, r.bands[2], r.bands[3], r.bands[4])
	near := SuppressGroup(r.bands[0], r.bands[1])
	if far[0].Suppressed && !near[0].Suppressed && !near[1].Suppressed && r.within20 > 0 {
		// The two bands would add up to the hidden count within 20 miles: hide the smaller.
		i := 0
		if r.bands[0] == 0 || (r.bands[1] > 0 && r.bands[1] < r.bands[0]) {
			i = 1
		}
		near[i] = Count{Suppressed: true}
	}
	r.Within20 = far[0]
	r.Bands = []Count{near[0], near[1], far[1], far[2], far[3]}
	r.ShareShown = r.total >= MinCell && !r.Within20.Suppressed
	if r.ShareShown {
		r.Within20Share = float64(r.within20) / float64(r.total)
	}
}
