package marketplace

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// BoardQuery filters the vacancy board. Zero values do not filter.
type BoardQuery struct {
	ConsortiumID int64
	LotID        int64
	Age          *int
	Sex          string // "male" or "female"
	Needs        []string
	MinRating    string // e.g. "good": outstanding or good
	Region       string
	CouncilID    int64 // host council
	Near         *geo.Point
	WithinMiles  float64
	FreeNow      bool
	FreeBy       *time.Time // free now or becoming free on or before
	Sort         string     // distance, rating, freshness, name
	Offset       int
	Limit        int
	// NoLotCodes leaves BoardHome.LotCodes empty, sparing the database a lookup per
	// home: the board page and its map do not show them.
	NoLotCodes bool
}

// BoardHome is a home as councils see it on the board: its area, never its postcode.
type BoardHome struct {
	ID                 int64
	Name               string
	ProviderID         int64
	ProviderName       string
	HomeType           string
	OfstedRating       string
	InspectionDate     *time.Time
	RegisteredPlaces   int
	MinAge, MaxAge     int
	AcceptsMale        bool
	AcceptsFemale      bool
	Needs              kernel.Codes `gorm:"type:text[]"`
	Outcode            string
	Lat, Lon           float64
	HostCouncilID      *int64
	HostCouncil        string
	Region             string
	BedsFree           int
	NextFreeDate       *time.Time
	NextFreeBeds       *int
	VacancyConfirmedAt *time.Time
	Miles              *float64
	LotCodes           kernel.Codes `gorm:"type:text[]"`
	Total              int
}

// Stale reports whether the vacancy needs confirming.
func (b BoardHome) Stale(now time.Time) bool { return stale(b.VacancyConfirmedAt, now) }

// Availability is "now", "soon" (a date is given) or "none", for colours and labels.
func (b BoardHome) Availability() string {
	switch {
	case b.BedsFree > 0:
		return "now"
	case b.NextFreeDate != nil:
		return "soon"
	}
	return "none"
}

const metresPerMile = 1609.344

// boxMargin widens the index's search box: earthdistance measures on a sphere of
// 6,378,168 m, 0.11% larger than the mean Earth of geo.Miles, so its box for d miles
// would miss homes just inside d.
const boxMargin = 1.01

// boardSQL builds the board's query; the same text is used by the benchmark's pgbench
// comparison, so the database does all the filtering, sorting and counting.
func boardSQL(q BoardQuery) (string, map[string]any) {
	// Named parameters (@name) so that one value can appear several times.
	args := map[string]any{"consortium": q.ConsortiumID}
	n := 0
	arg := func(v any) string {
		n++
		name := fmt.Sprintf("p%d", n)
		args[name] = v
		return "@" + name
	}
	lotCond := ""
	if q.LotID != 0 {
		lotCond = " AND hl.lot_id = " + arg(q.LotID)
	}
	dist := "NULL::float8"
	var where []string
	if q.Near != nil {
		lat, lon := arg(q.Near.Lat), arg(q.Near.Lon)
		dist = fmt.Sprintf("hearth_miles(%s, %s, h.lat, h.lon)", lat, lon)
		if q.WithinMiles > 0 {
			// The earth_box finds candidates by the GiST index on ll_to_earth; it is drawn
			// a little wider than the limit (earthdistance's sphere is larger than the
			// mean Earth), and hearth_miles, Hearth's one distance, decides.
			where = append(where, fmt.Sprintf("earth_box(ll_to_earth(%s, %s), %s) @> ll_to_earth(h.lat, h.lon)", lat, lon, arg(q.WithinMiles*metresPerMile*boxMargin)),
				fmt.Sprintf("%s <= %s", dist, arg(q.WithinMiles)))
		}
	}
	if q.Age != nil {
		a := arg(*q.Age)
		where = append(where, fmt.Sprintf("h.min_age <= %s AND h.max_age >= %s", a, a))
	}
	switch q.Sex {
	case "male":
		where = append(where, "h.accepts_male")
	case "female":
		where = append(where, "h.accepts_female")
	}
	if len(q.Needs) > 0 {
		where = append(where, "h.needs @> CAST("+arg(kernel.Codes(q.Needs))+" AS text[])")
	}
	if q.MinRating != "" {
		var ok []string
		for _, r := range Ratings[:RatingRank(q.MinRating)+1] {
			ok = append(ok, r.Code)
		}
		where = append(where, "h.ofsted_rating = ANY(CAST("+arg(kernel.Codes(ok))+" AS text[]))")
	}
	if q.Region != "" {
		where = append(where, "hc.region = "+arg(q.Region))
	}
	if q.CouncilID != 0 {
		where = append(where, "h.host_council_id = "+arg(q.CouncilID))
	}
	switch {
	case q.FreeBy != nil:
		where = append(where, "(h.beds_free > 0 OR h.next_free_date <= "+arg(*q.FreeBy)+")")
	case q.FreeNow:
		where = append(where, "h.beds_free > 0")
	}
	order := "h.name, h.id"
	switch q.Sort {
	case "distance":
		if q.Near != nil {
			order = "miles, h.name, h.id"
		}
	case "rating":
		order = "array_position(ARRAY['outstanding','good','requires_improvement','inadequate','not_yet_inspected'], h.ofsted_rating), h.name, h.id"
	case "freshness":
		order = "h.vacancy_confirmed_at DESC NULLS LAST, h.name, h.id"
	}
	cond := ""
	if len(where) > 0 {
		cond = "AND " + strings.Join(where, " AND ")
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	// Homes are filtered first (by the geographic index when a distance is given),
	// eligibility is a correlated EXISTS, and lot codes are fetched for the returned
	// page only.
	lotCodes, lotJoin := ", lc.lot_codes", `
LEFT JOIN LATERAL (
    SELECT array_agg(DISTINCT l.code ORDER BY l.code) AS lot_codes
    FROM home_lots hl JOIN lots l ON l.id = hl.lot_id JOIN frameworks f ON f.id = l.framework_id AND f.consortium_id = @consortium
    WHERE hl.home_id = x.id) lc ON true`
	if q.NoLotCodes {
		lotCodes, lotJoin = "", ""
	}
	sql := fmt.Sprintf(`SELECT x.*%s FROM (
SELECT h.id, h.name, h.provider_id, p.name AS provider_name, h.home_type, h.ofsted_rating, h.inspection_date,
       h.registered_places, h.min_age, h.max_age, h.accepts_male, h.accepts_female, h.needs, h.outcode, h.lat, h.lon,
       h.host_council_id, coalesce(hc.name, '') AS host_council, coalesce(hc.region, '') AS region,
       h.beds_free, h.next_free_date, h.next_free_beds, h.vacancy_confirmed_at, %s AS miles,
       count(*) OVER () AS total
FROM homes h
JOIN organisations p ON p.id = h.provider_id
LEFT JOIN organisations hc ON hc.id = h.host_council_id
WHERE EXISTS (
    SELECT 1 FROM home_lots hl
    JOIN lots l ON l.id = hl.lot_id
    JOIN frameworks f ON f.id = l.framework_id AND f.consortium_id = @consortium
    JOIN framework_applications a ON a.framework_id = f.id AND a.provider_id = h.provider_id AND a.suspended_at IS NULL
    JOIN admissions ad ON ad.application_id = a.id AND ad.lot_id = hl.lot_id AND ad.status = 'admitted'
    WHERE hl.home_id = h.id%s)
%s
ORDER BY %s
LIMIT %d OFFSET %d) x%s
ORDER BY %s`, lotCodes, dist, lotCond, cond, order, limit, max(q.Offset, 0), lotJoin, outerOrder(order))
	return sql, args
}

// outerOrder restates the inner ORDER BY over the subquery's columns.
func outerOrder(inner string) string {
	r := strings.NewReplacer("h.vacancy_confirmed_at", "x.vacancy_confirmed_at", "h.ofsted_rating", "x.ofsted_rating", "h.name", "x.name", "h.id", "x.id", "miles", "x.miles")
	return r.Replace(inner)
}

// Board returns one page of the vacancy board and the number of homes matching.
func (s *Service) Board(ctx context.Context, q BoardQuery) ([]BoardHome, int, error) {
	sql, args := boardSQL(q)
	var out []BoardHome
	if err := s.db.WithContext(ctx).Raw(sql, args).Scan(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("vacancy board: %w", err)
	}
	total := 0
	if len(out) > 0 {
		total = out[0].Total
	} else if q.Offset > 0 {
		// Past the last page: count without paging.
		q.Offset, q.Limit = 0, 1
		first, n, err := s.Board(ctx, q)
		if err != nil || len(first) == 0 {
			return nil, n, err
		}
		total = first[0].Total
	}
	return out, total, nil
}

// BoardSQLLiteral returns the board's SQL for q with every parameter written in as a
// PostgreSQL literal: the exact query the API runs, for pgbench's comparison.
func BoardSQLLiteral(q BoardQuery) string {
	sql, params := boardSQL(q)
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) }) // @p10 before @p1
	for _, n := range names {
		sql = strings.ReplaceAll(sql, "@"+n, literal(params[n]))
	}
	return sql
}

func literal(v any) string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	switch x := v.(type) {
	case string:
		return quote(x)
	case kernel.Codes:
		parts := make([]string, len(x))
		for i, c := range x {
			parts[i] = quote(c)
		}
		return "ARRAY[" + strings.Join(parts, ",") + "]::text[]"
	case time.Time:
		return quote(x.Format("2006-01-02")) + "::date"
	}
	return fmt.Sprint(v)
}

// LotTotal is the consortium's joint vacancy for one lot.
type LotTotal struct {
	LotID        int64
	LotName      string
	Homes        int
	BedsFree     int
	BedsFreeSoon int
}

// AreaTotal is the joint vacancy in one host council's area.
type AreaTotal struct {
	CouncilID int64
	Council   string
	Region    string
	Homes     int
	BedsFree  int
}

// Totals are the consortium's joint beds free by lot and by area, over every home on
// its board (filters do not apply).
func (s *Service) Totals(ctx context.Context, consortiumID int64) ([]LotTotal, []AreaTotal, error) {
	const eligible = `SELECT DISTINCT hl.home_id, hl.lot_id FROM home_lots hl
        JOIN admissions ad ON ad.lot_id = hl.lot_id AND ad.status = 'admitted'
        JOIN framework_applications a ON a.id = ad.application_id AND a.suspended_at IS NULL
        JOIN frameworks f ON f.id = a.framework_id AND f.consortium_id = ?
        JOIN homes hh ON hh.id = hl.home_id AND hh.provider_id = a.provider_id`
	var lots []LotTotal
	err := s.db.WithContext(ctx).Raw(`SELECT l.id AS lot_id, l.name AS lot_name, count(*) AS homes, sum(h.beds_free) AS beds_free,
            sum(CASE WHEN h.beds_free = 0 AND h.next_free_date IS NOT NULL THEN h.next_free_beds ELSE 0 END) AS beds_free_soon
        FROM (`+eligible+`) e JOIN homes h ON h.id = e.home_id JOIN lots l ON l.id = e.lot_id
        GROUP BY l.id, l.name ORDER BY l.name`, consortiumID).Scan(&lots).Error
	if err != nil {
		return nil, nil, fmt.Errorf("board totals by lot: %w", err)
	}
	var areas []AreaTotal
	err = s.db.WithContext(ctx).Raw(`SELECT hc.id AS council_id, hc.name AS council, hc.region, count(*) AS homes, sum(h.beds_free) AS beds_free
        FROM (SELECT DISTINCT home_id FROM (`+eligible+`) x) e JOIN homes h ON h.id = e.home_id JOIN organisations hc ON hc.id = h.host_council_id
        GROUP BY hc.id, hc.name, hc.region ORDER BY sum(h.beds_free) DESC, hc.name`, consortiumID).Scan(&areas).Error
	if err != nil {
		return nil, nil, fmt.Errorf("board totals by area: %w", err)
	}
	return lots, areas, nil
}
