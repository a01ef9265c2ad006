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
	Flows      []Flow         // the scope's councils' placements by host council, largest first
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

	// One row per council, host and band: a few hundred rows however long the history.
	var rows []struct {
		CouncilID           int64
		CouncilOns, Council string
		HostOns, Host       *string
		Band                int
		N                   int64
	}
	err := s.db.WithContext(ctx).Raw(`
		SELECT p.council_id, c.ons_code AS council_ons, c.name AS council, h.ons_code AS host_ons, h.name AS host,
		       CASE WHEN p.miles <= 10 THEN 0 WHEN p.miles <= 20 THEN 1 WHEN p.miles <= 50 THEN 2
		            WHEN p.miles <= 100 THEN 3 ELSE 4 END AS band,
		       count(*) AS n
		FROM placements p
		JOIN organisations c ON c.id = p.council_id
		LEFT JOIN organisations h ON h.id = p.host_council_id
		WHERE c.consortium_id = ? AND (? = 0 OR p.council_id = ?)
		  AND p.status IN ('awarded', 'started', 'ended') AND p.end_reason IS DISTINCT FROM 'did_not_start'
		  AND p.start_date > ? AND p.start_date <= ?
		GROUP BY 1, 2, 3, 4, 5, 6`,
		scope.Consortium, scope.Council, scope.Council, from, now).Scan(&rows).Error
	if err != nil {
		return OutOfArea{}, err
	}

	out := OutOfArea{AsOf: now, From: from, Consortium: newOutOfAreaRow(0, "All councils")}
	if scope.Council != 0 {
		// The consortium's own figures beside the council's: all its councils, aggregate only.
		all, err := s.OutOfArea(ctx, Scope{Consortium: scope.Consortium})
		if err != nil {
			return OutOfArea{}, err
		}
		out.Consortium = all.Consortium
	}
	councils := map[int64]*OutOfAreaRow{}
	flows := map[[2]string]int64{}
	for _, r := range rows {
		row := councils[r.CouncilID]
		if row == nil {
			nr := newOutOfAreaRow(r.CouncilID, r.Council)
			row = &nr
			councils[r.CouncilID] = row
		}
		where := 2
		host := OutsideEngland
		if r.HostOns != nil {
			host = *r.Host
			switch {
			case *r.HostOns == r.CouncilOns:
				where = 0
			case adj.Adjoining(*r.HostOns, r.CouncilOns):
				where = 1
			}
		}
		row.add(where, r.Band, r.N)
		if scope.Council == 0 {
			out.Consortium.add(where, r.Band, r.N)
		}
		flows[[2]string{r.Council, host}] += r.N
	}
	if scope.Council == 0 {
		out.Consortium.finish()
	}
	for _, row := range councils {
		row.finish()
		out.Councils = append(out.Councils, *row)
	}
	sort.Slice(out.Councils, func(i, j int) bool { return out.Councils[i].Name < out.Councils[j].Name })
	for k, n := range flows {
		out.Flows = append(out.Flows, Flow{From: k[0], To: k[1], Count: Suppressed(n)})
	}
	sort.Slice(out.Flows, func(i, j int) bool {
		a, b := out.Flows[i], out.Flows[j]
		if na, nb := flows[[2]string{a.From, a.To}], flows[[2]string{b.From, b.To}]; na != nb {
			return na > nb
		}
		if a.From != b.From {
			return a.From < b.From
		}
		return a.To < b.To
	})
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
