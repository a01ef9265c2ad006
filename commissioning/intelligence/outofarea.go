package intelligence

import (
	"context"
	"sort"
	"time"

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

// OutOfArea answers the out-of-area view for scope: the consortium's figures, and a
// council's beside them when scope names one (then only that council's row and flows).
func (s *Service) OutOfArea(ctx context.Context, scope Scope) (OutOfArea, error) {
	now := s.Now()
	from := now.AddDate(-1, 0, 0)
	var overrides []geo.Pair
	var pairs []struct{ OnsA, OnsB string }
	if err := s.db.WithContext(ctx).Raw(`SELECT ons_a, ons_b FROM adjacency_overrides WHERE consortium_id = ?`, scope.Consortium).Scan(&pairs).Error; err != nil {
		return OutOfArea{}, err
	}
	for _, p := range pairs {
		overrides = append(overrides, geo.Pair{p.OnsA, p.OnsB})
	}
	adj := geo.WithOverrides(overrides...)

	// One row per council, host and band: a few thousand rows however long the history,
	// grouped by ids (names are looked up once below). A council's view is read from its
	// consortium's rows, so it costs one query too.
	var rows []struct {
		CouncilID int64
		HostID    *int64
		Band      int
		N         int64
	}
	err := s.db.WithContext(ctx).Raw(`
		SELECT p.council_id, p.host_council_id AS host_id,
		       CASE WHEN p.miles <= 10 THEN 0 WHEN p.miles <= 20 THEN 1 WHEN p.miles <= 50 THEN 2
		            WHEN p.miles <= 100 THEN 3 ELSE 4 END AS band,
		       count(*) AS n
		FROM placements p
		WHERE p.council_id IN (SELECT id FROM organisations WHERE consortium_id = ?)
		  AND p.status IN ('awarded', 'started', 'ended') AND p.end_reason IS DISTINCT FROM 'did_not_start'
		  AND p.start_date > ? AND p.start_date <= ?
		GROUP BY 1, 2, 3`,
		scope.Consortium, from, now).Scan(&rows).Error
	if err != nil {
		return OutOfArea{}, err
	}
	var orgs []struct {
		ID            int64
		Name, OnsCode string
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT id, name, ons_code FROM organisations WHERE kind = 'council'`).Scan(&orgs).Error; err != nil {
		return OutOfArea{}, err
	}
	type council struct{ name, ons string }
	councilOf := make(map[int64]council, len(orgs))
	for _, o := range orgs {
		councilOf[o.ID] = council{o.Name, o.OnsCode}
	}

	out := OutOfArea{AsOf: now, From: from, Consortium: newOutOfAreaRow(0, "All councils")}
	councils := map[int64]*OutOfAreaRow{}
	flows := map[[2]string]int64{}
	for _, r := range rows {
		placing := councilOf[r.CouncilID]
		where := 2
		host := OutsideEngland
		if r.HostID != nil {
			h := councilOf[*r.HostID]
			host = h.name
			switch {
			case *r.HostID == r.CouncilID:
				where = 0
			case adj.Adjoining(h.ons, placing.ons):
				where = 1
			}
		}
		out.Consortium.add(where, r.Band, r.N)
		if scope.Council != 0 && r.CouncilID != scope.Council {
			continue // a council sees the consortium's totals, never another council's rows
		}
		row := councils[r.CouncilID]
		if row == nil {
			nr := newOutOfAreaRow(r.CouncilID, placing.name)
			row = &nr
			councils[r.CouncilID] = row
		}
		row.add(where, r.Band, r.N)
		flows[[2]string{placing.name, host}] += r.N
	}
	out.Consortium.finish()
	for _, row := range councils {
		row.finish()
		out.Councils = append(out.Councils, *row)
	}
	sort.Slice(out.Councils, func(i, j int) bool { return out.Councils[i].Name < out.Councils[j].Name })
	out.Matrix = newFlowMatrix(flows)
	out.Flows = out.Matrix.flows(flows)
	return out, nil
}

func newOutOfAreaRow(council int64, name string) OutOfAreaRow {
	return OutOfAreaRow{Council: council, Name: name, bands: make([]int64, len(DistanceBands))}
}

// add counts n placements, in area (where 0), adjoining (1) or further (2), in band.
func (r *OutOfAreaRow) add(where, band int, n int64) {
	r.total += n
	switch where {
	case 0:
		r.inArea += n
	case 1:
		r.adjoining += n
	default:
		r.further += n
	}
	if band < 2 {
		r.within20 += n
	}
	r.bands[band] += n
}

// finish turns the row's counts into Counts, suppressing those under MinCell.
func (r *OutOfAreaRow) finish() {
	r.Total, r.InArea, r.Adjoining, r.Further = Suppressed(r.total), Suppressed(r.inArea), Suppressed(r.adjoining), Suppressed(r.further)
	r.Within20 = Suppressed(r.within20)
	r.ShareShown = r.total >= MinCell
	if r.ShareShown {
		r.Within20Share = float64(r.within20) / float64(r.total)
	}
	r.Bands = make([]Count, len(r.bands))
	for i, n := range r.bands {
		r.Bands[i] = Suppressed(n)
	}
}
