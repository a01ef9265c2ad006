package nationalseed_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// BenchmarkOutOfArea times the out-of-area view on national history (3,000 homes; 30,000
// starts a year for three years, every consortium placing), for the largest consortium
// as a whole and for one of its councils beside it, and reports the p95 of each.
//
//	go test ./marketplace/nationalseed/ -run '^$' -bench OutOfArea -benchtime 200x
func BenchmarkOutOfArea(b *testing.B) {
	ctx := context.Background()
	url := dbtest.New(b)
	db, err := migrations.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := commissioning.NewService(db.Gorm).SyncCouncils(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := nationalseed.Load(ctx, db.Gorm, 3000, 1); err != nil {
		b.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	sum, err := nationalseed.LoadHistory(ctx, pool, nationalseed.HistoryOptions{Seed: 1, Years: 3, StartsPerYear: 30000, Today: historyToday})
	if err != nil {
		b.Fatal(err)
	}
	// As autovacuum leaves a live database: statistics, and the visibility map that lets
	// the view read placements from its index alone.
	owner, err := migrations.Connect(ctx, dbtest.OwnerURL(url))
	if err != nil {
		b.Fatal(err)
	}
	if err := owner.Gorm.Exec("VACUUM ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	owner.Close()
	var scope intelligence.Scope
	if err := db.Gorm.Raw(`SELECT c.consortium_id AS consortium, min(c.id) AS council FROM placements p JOIN organisations c ON c.id = p.council_id
		GROUP BY c.consortium_id ORDER BY count(*) DESC LIMIT 1`).Scan(&scope).Error; err != nil {
		b.Fatal(err)
	}
	svc := intelligence.New(db.Gorm)
	svc.Now = func() time.Time { return historyToday }
	for _, sc := range []struct {
		name  string
		scope intelligence.Scope
	}{{"consortium", intelligence.Scope{Consortium: scope.Consortium}}, {"council", scope}} {
		b.Run(sc.name, func(b *testing.B) {
			var times []time.Duration
			for range b.N {
				start := time.Now()
				o, err := svc.OutOfArea(ctx, sc.scope)
				if err != nil {
					b.Fatal(err)
				}
				times = append(times, time.Since(start))
				if o.Consortium.Total.N == 0 {
					b.Fatal("no placements in the view")
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(sum.Placements), "placements")
		})
	}
}

// TestHistoryRecordsWhyOutOfArea: the generator records a reason on every placement out
// of the placing council's area, and on none in it.
func TestHistoryRecordsWhyOutOfArea(t *testing.T) {
	pool, _ := loadHistory(t, 600, nationalseed.HistoryOptions{Seed: 2, StartsPerYear: 150, Years: 1, Today: historyToday},
		"North West consortium (synthetic)")
	var out, missing, stray int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE host_council_id IS DISTINCT FROM council_id),
		count(*) FILTER (WHERE host_council_id IS DISTINCT FROM council_id AND out_of_area_reason IS NULL),
		count(*) FILTER (WHERE host_council_id = council_id AND out_of_area_reason IS NOT NULL) FROM placements`).Scan(&out, &missing, &stray); err != nil {
		t.Fatal(err)
	}
	if out == 0 || missing != 0 || stray != 0 {
		t.Fatalf("%d out of area, %d of them without a reason; %d in area with one", out, missing, stray)
	}
}
