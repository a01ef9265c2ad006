package nationalseed_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func load(tb testing.TB, homes int, seed uint64) (*marketplace.Service, nationalseed.Summary, int64, *commissioning.Frameworks) {
	tb.Helper()
	_, mk, sum, nw, fw := loadDB(tb, homes, seed)
	return mk, sum, nw, fw
}

// loadDB is load that also returns the database.
func loadDB(tb testing.TB, homes int, seed uint64) (*migrations.DB, *marketplace.Service, nationalseed.Summary, int64, *commissioning.Frameworks) {
	tb.Helper()
	ctx := context.Background()
	url := dbtest.New(tb)
	db, err := migrations.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	if err := commissioning.NewService(db.Gorm).SyncCouncils(ctx); err != nil {
		tb.Fatal(err)
	}
	sum, err := nationalseed.Load(ctx, db.Gorm, homes, seed)
	if err != nil {
		tb.Fatal(err)
	}
	dbtest.Analyze(tb, url) // realistic plans, as a live database would have
	nw, err := commissioning.NewService(db.Gorm).OrganisationByName(ctx, kernel.KindConsortium, "North West consortium (synthetic)")
	if err != nil {
		tb.Fatal(err)
	}
	return db, marketplace.NewService(db.Gorm), sum, nw.ID, commissioning.NewFrameworks(db.Gorm)
}

func TestLoadIsDeterministic(t *testing.T) {
	_, a, _, _ := load(t, 300, 7)
	_, b, _, _ := load(t, 300, 7)
	if a != b || a.Homes != 300 || a.Consortia != 9 || a.Providers != 50 {
		t.Fatalf("summaries differ or are wrong: %+v vs %+v", a, b)
	}
	_, c, _, _ := load(t, 300, 8)
	if c == a {
		t.Fatal("a different seed gave the same data")
	}
}

// benchHomes is how many homes the board and matching benchmarks seed: 3,000 (today's
// national scale) unless HEARTH_BENCH_HOMES says otherwise, e.g. 30000 for ten times
// national scale (5,000 providers):
//
//	HEARTH_BENCH_HOMES=30000 go test ./marketplace/nationalseed/ -run '^$' -bench 'BoardSearch|Matching' -benchtime 300x
func benchHomes(b *testing.B) int {
	v := os.Getenv("HEARTH_BENCH_HOMES")
	if v == "" {
		return 3000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("HEARTH_BENCH_HOMES=%q: want a positive number of homes", v)
	}
	return n
}

// typicalQuery is a commissioner's usual search: a lot, the child's age and sex, one
// need, beds free now, within 50 miles of home, nearest first.
func typicalQuery(consortium int64) marketplace.BoardQuery {
	m14, _ := geo.LookupOutcode("M14")
	age := 14
	return marketplace.BoardQuery{ConsortiumID: consortium, Age: &age, Sex: "female", Needs: []string{"cse_risk"},
		Near: &m14.Centroid, WithinMiles: 50, FreeNow: true, Sort: "distance", Limit: 20}
}

// BenchmarkBoardSearch measures the vacancy board's search on national-scale data
// (3,000 homes) and reports p50 and p95 latency.
//
//	go test ./marketplace/nationalseed/ -run '^$' -bench BoardSearch -benchtime 2000x
func BenchmarkBoardSearch(b *testing.B) {
	mk, sum, nw, _ := load(b, benchHomes(b), 1)
	q := typicalQuery(nw)
	ctx := context.Background()
	if _, total, err := mk.Board(ctx, q); err != nil || total == 0 {
		b.Fatalf("typical query: %d homes, %v", total, err)
	}
	b.Logf("data: %+v", sum)
	nationalseed.Measure(b, func() error { _, _, err := mk.Board(ctx, q); return err })
}

// BenchmarkMatching measures matching one request (a 14-year-old girl with a CSE risk
// and history of going missing, within 40 miles of M14, residential, standard tier)
// against every provider admitted to the North West's residential lot, and reports p50
// and p95.
//
//	go test ./marketplace/nationalseed/ -run '^$' -bench Matching -benchtime 1000x
func BenchmarkMatching(b *testing.B) {
	mk, _, nw, fw := load(b, benchHomes(b), 1)
	ctx := context.Background()
	fws, err := fw.Frameworks(ctx, nw)
	if err != nil || len(fws) != 1 {
		b.Fatalf("frameworks: %v", err)
	}
	var lot int64
	for _, l := range fws[0].Lots {
		if l.Code == "residential" {
			lot = l.ID
		}
	}
	age, sex, within, tier := 14, "female", 40, "standard"
	start := time.Now().AddDate(0, 0, 14)
	r := marketplace.PlacementRequest{AgeYears: &age, Sex: &sex, Needs: kernel.StringArray{"cse_risk", "missing_episodes"},
		WithinMiles: &within, LotID: &lot, Tier: &tier, StartDate: &start}
	if err := r.SetHome("M14"); err != nil {
		b.Fatal(err)
	}
	res, err := mk.MatchRequest(ctx, r)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("invited %d providers, excluded %d", len(res.Invited), len(res.Excluded))
	nationalseed.Measure(b, func() error { _, err := mk.MatchRequest(ctx, r); return err })
}

// TestGenerateIsWhatLoadStores proves the simulator's in-memory homes are the seed's: the
// same names, places, ratings, beds, providers, host councils and lots as Load stores.
func TestGenerateIsWhatLoadStores(t *testing.T) {
	ctx := context.Background()
	url := dbtest.New(t)
	db, err := migrations.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if err := commissioning.NewService(db.Gorm).SyncCouncils(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := nationalseed.Load(ctx, db.Gorm, 120, 5); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Name, Outcode, OfstedRating, Provider, Host, Lot string
		Lat, Lon                                         float64
		RegisteredPlaces, BedsFree                       int
	}
	if err := db.Gorm.Raw(`SELECT h.name, h.outcode, h.ofsted_rating, p.name AS provider, c.ons_code AS host, h.lat, h.lon, h.registered_places, h.beds_free,
            (SELECT min(l.code) FROM home_lots hl JOIN lots l ON l.id = hl.lot_id WHERE hl.home_id = h.id) AS lot
        FROM homes h JOIN organisations p ON p.id = h.provider_id JOIN organisations c ON c.id = h.host_council_id ORDER BY h.id`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	gen := nationalseed.Generate(120, 5, time.Now())
	if len(rows) != len(gen) {
		t.Fatalf("Load stored %d homes, Generate made %d", len(rows), len(gen))
	}
	for i, g := range gen {
		r := rows[i]
		want := fmt.Sprintf("Synthetic Provider %04d", g.Provider+1)
		if r.Name != g.Home.Name || r.Outcode != g.Home.Outcode || r.OfstedRating != g.Home.OfstedRating || r.Lat != g.Home.Lat || r.Lon != g.Home.Lon ||
			r.RegisteredPlaces != g.Home.RegisteredPlaces || r.BedsFree != g.Home.BedsFree || r.Provider != want || r.Host != g.Host || r.Lot != g.Lots[0] {
			t.Fatalf("home %d: stored %+v, generated %+v (provider %s, host %s, lots %v)", i, r, g.Home, want, g.Host, g.Lots)
		}
	}
}
