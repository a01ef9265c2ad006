package nationalseed_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/geo"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func load(tb testing.TB, homes int, seed uint64) (*marketplace.Service, nationalseed.Summary, int64) {
	tb.Helper()
	ctx := context.Background()
	db := dbtest.Open(tb)
	if err := commissioning.NewService(db.Gorm).SyncCouncils(ctx); err != nil {
		tb.Fatal(err)
	}
	sum, err := nationalseed.Load(ctx, db.Gorm, homes, seed)
	if err != nil {
		tb.Fatal(err)
	}
	nw, err := commissioning.NewService(db.Gorm).OrganisationByName(ctx, commissioning.KindConsortium, "North West consortium (synthetic)")
	if err != nil {
		tb.Fatal(err)
	}
	return marketplace.NewService(db.Gorm), sum, nw.ID
}

func TestLoadIsDeterministic(t *testing.T) {
	_, a, _ := load(t, 300, 7)
	_, b, _ := load(t, 300, 7)
	if a != b || a.Homes != 300 || a.Consortia != 9 || a.Providers != 50 {
		t.Fatalf("summaries differ or are wrong: %+v vs %+v", a, b)
	}
	_, c, _ := load(t, 300, 8)
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
	mk, sum, nw := load(b, 3000, 1)
	q := typicalQuery(nw)
	ctx := context.Background()
	if _, total, err := mk.Board(ctx, q); err != nil || total == 0 {
		b.Fatalf("typical query: %d homes, %v", total, err)
	}
	b.Logf("data: %+v", sum)
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, _, err := mk.Board(ctx, q); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	pct := func(p float64) float64 {
		return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
}
