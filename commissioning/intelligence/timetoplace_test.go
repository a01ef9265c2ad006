package intelligence_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

var today = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// historyWorld is the national seed's homes and history for the given consortia, and
// the consortia's ids by name.
func historyWorld(tb testing.TB, homes, starts, years int, consortia ...string) (*migrations.DB, *intelligence.Service, map[string]int64) {
	tb.Helper()
	ctx := context.Background()
	url := dbtest.New(tb)
	db, err := migrations.Connect(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	orgs := commissioning.NewService(db.Gorm)
	if err := orgs.SyncCouncils(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := nationalseed.Load(ctx, db.Gorm, homes, 1); err != nil {
		tb.Fatal(err)
	}
	ids := map[string]int64{}
	o := nationalseed.HistoryOptions{Seed: 1, Years: years, StartsPerYear: starts, Today: today}
	for _, name := range consortia {
		c, err := orgs.OrganisationByName(ctx, "consortium", name)
		if err != nil {
			tb.Fatal(err)
		}
		ids[name] = c.ID
		o.Consortia = append(o.Consortia, c.ID)
	}
	if _, err := nationalseed.LoadHistory(ctx, db.Pool, o); err != nil {
		tb.Fatal(err)
	}
	dbtest.Analyze(tb, url)
	svc := intelligence.New(db.Gorm)
	svc.Now = func() time.Time { return today }
	return db, svc, ids
}

const (
	northWest = "North West consortium (synthetic)"
	london    = "London consortium (synthetic)"
)

// TestTimeToPlaceTwoConsortia: the North West's figures count its own councils' awards
// only (none of London's), agree with PostgreSQL's own percentile_cont, and a council
// sees its own figures beside the consortium's.
func TestTimeToPlaceTwoConsortia(t *testing.T) {
	ctx := context.Background()
	db, svc, ids := historyWorld(t, 600, 400, 1, northWest, london)
	nw := ids[northWest]
	if got, err := svc.TimeToPlace(ctx, intelligence.Scope{Consortium: nw}); err != nil || !got.AsOf.IsZero() || len(got.Rows) != 0 {
		t.Fatalf("before any refresh: %+v, %v", got, err)
	}
	if err := svc.RefreshTimeToPlace(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := svc.TimeToPlace(ctx, intelligence.Scope{Consortium: nw})
	if err != nil {
		t.Fatal(err)
	}
	if !got.AsOf.Equal(today) || !got.From.Equal(today.AddDate(-1, 0, 0)) {
		t.Errorf("as of %s from %s", got.AsOf, got.From)
	}
	var total int64
	for _, r := range got.Rows {
		if r.Who != "consortium" {
			t.Errorf("consortium scope has a %s row", r.Who)
		}
		total += r.Awards.N
	}
	var want, london int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE c.consortium_id = $1), count(*) FILTER (WHERE c.consortium_id <> $1)
		FROM placements p JOIN organisations c ON c.id = p.council_id
		WHERE p.status <> 'refused' AND p.awarded_at >= $2 AND p.awarded_at < $3`, nw, got.From, today).Scan(&want, &london); err != nil {
		t.Fatal(err)
	}
	if want == 0 || london == 0 {
		t.Fatalf("fixture: %d North West awards, %d London's", want, london)
	}
	// Suppressed groups count 0 here, so total may fall short only by them.
	var suppressed int
	for _, r := range got.Rows {
		if r.Awards.Suppressed {
			suppressed++
		}
	}
	if total > want || total < want-int64(4*suppressed) {
		t.Errorf("North West awards counted %d, want %d (London has %d)", total, want, london)
	}
	// The largest group's median against percentile_cont.
	big := got.Rows[0]
	for _, r := range got.Rows {
		if r.Awards.N > big.Awards.N {
			big = r
		}
	}
	var med, p90 float64
	if err := db.Pool.QueryRow(ctx, `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY h), percentile_cont(0.9) WITHIN GROUP (ORDER BY h) FROM (
		SELECT extract(epoch FROM p.awarded_at - r.submitted_at)::float8 / 3600 AS h
		FROM placements p JOIN placement_requests r ON r.id = p.request_id JOIN lots l ON l.id = r.lot_id JOIN organisations c ON c.id = p.council_id
		WHERE c.consortium_id = $1 AND p.status <> 'refused' AND p.awarded_at >= $2 AND p.awarded_at < $3 AND l.name = $4 AND r.emergency = $5) x`,
		nw, got.From, today, big.Lot, big.Emergency).Scan(&med, &p90); err != nil {
		t.Fatal(err)
	}
	if math.Abs(med-big.AwardMedian) > 1e-6 || math.Abs(p90-big.AwardP90) > 1e-6 {
		t.Errorf("%s emergency=%v: median %v, p90 %v; PostgreSQL says %v, %v", big.Lot, big.Emergency, big.AwardMedian, big.AwardP90, med, p90)
	}
	// A member council: its rows beside the consortium's, counting only its own.
	var council int64
	if err := db.Pool.QueryRow(ctx, `SELECT p.council_id FROM placements p JOIN organisations c ON c.id = p.council_id
		WHERE c.consortium_id = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, nw).Scan(&council); err != nil {
		t.Fatal(err)
	}
	scope, err := svc.ScopeFor(ctx, council)
	if err != nil || scope != (intelligence.Scope{Consortium: nw, Council: council}) {
		t.Fatalf("ScopeFor = %+v, %v", scope, err)
	}
	mine, err := svc.TimeToPlace(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	var own, cons int64
	for _, r := range mine.Rows {
		if r.Who == "council" {
			own += r.Awards.N
		} else {
			cons += r.Awards.N
		}
	}
	if own == 0 || own >= cons || cons != total {
		t.Errorf("council counted %d, consortium %d (want %d)", own, cons, total)
	}
	// The summary's invariants are the database's.
	for name, stmt := range map[string]string{
		"more started than awarded": `INSERT INTO intel_time_to_place (consortium_id, lot, emergency, awards, award_median_hours, award_p90_hours, started, start_median_days, start_p90_days) VALUES ($1, 'x', true, 1, 1, 2, 2, 1, 1)`,
		"started without times":     `INSERT INTO intel_time_to_place (consortium_id, lot, emergency, awards, award_median_hours, award_p90_hours, started) VALUES ($1, 'x', true, 3, 1, 2, 2)`,
		"median over p90":           `INSERT INTO intel_time_to_place (consortium_id, lot, emergency, awards, award_median_hours, award_p90_hours, started) VALUES ($1, 'x', true, 3, 5, 2, 0)`,
		"a group twice":             `INSERT INTO intel_time_to_place (consortium_id, lot, emergency, awards, award_median_hours, award_p90_hours, started) SELECT consortium_id, lot, emergency, 9, 1, 2, 0 FROM intel_time_to_place WHERE consortium_id = $1 AND council_id IS NULL LIMIT 1`,
	} {
		if _, err := db.Pool.Exec(ctx, stmt, nw); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// BenchmarkTimeToPlace times the view for the largest consortium on national history
// (3,000 homes; 30,000 starts a year for three years), read from its summary (the
// refresh's time is logged):
//
//	go test ./commissioning/intelligence/ -run '^$' -bench TimeToPlace -benchtime 200x
func BenchmarkTimeToPlace(b *testing.B) {
	ctx := context.Background()
	db, svc, _ := historyWorld(b, 3000, 30000, 3)
	start := time.Now()
	if err := svc.RefreshTimeToPlace(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("refresh took %s", time.Since(start).Round(time.Millisecond))
	biggest := biggestConsortium(b, db)
	benchView(b, func() error {
		_, err := svc.TimeToPlace(ctx, intelligence.Scope{Consortium: biggest})
		return err
	})
}

// benchView runs view b.N times and reports its 95th percentile in milliseconds.
func benchView(b *testing.B, view func() error) {
	b.Helper()
	var took []float64
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if err := view(); err != nil {
			b.Fatal(err)
		}
		took = append(took, float64(time.Since(start).Microseconds())/1000)
	}
	b.ReportMetric(intelligence.Percentile(took, 0.95), "p95-ms")
}

// biggestConsortium is the consortium with the most placements.
func biggestConsortium(b *testing.B, db *migrations.DB) int64 {
	b.Helper()
	var id int64
	if err := db.Pool.QueryRow(context.Background(), `SELECT c.consortium_id FROM placements p JOIN organisations c ON c.id = p.council_id
		GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	return id
}
