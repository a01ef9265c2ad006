package nationalseed_test

import (
	"context"
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
	return marketplace.NewService(db.Gorm), sum, nw.ID, commissioning.NewFrameworks(db.Gorm)
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
	mk, sum, nw, _ := load(b, 3000, 1)
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
	mk, _, nw, fw := load(b, 3000, 1)
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
