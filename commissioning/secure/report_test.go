package secure

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestFoldOccupancy(t *testing.T) {
	days := []time.Time{
		time.Date(2026, 11, 1, 0, 0, 0, 0, london),
		time.Date(2026, 11, 2, 0, 0, 0, 0, london),
		time.Date(2026, 11, 3, 0, 0, 0, 0, london),
	}
	at := func(day, hour int) *time.Time { t := time.Date(2026, 11, day, hour, 0, 0, 0, london); return &t }
	st := func(s string) *string { return &s }
	for _, tc := range []struct {
		name    string
		changes []bedState
		want    []HomeOccupancy
		most    int
	}{
		{"a bed occupied before the window stays occupied", []bedState{{"A", 1, st("occupied"), at(20, 0)}},
			[]HomeOccupancy{{Home: "A", Beds: 1, ByDay: []int{1, 1, 1}, Latest: 1}}, 1},
		{"a change counts from the end of its day", []bedState{{"A", 1, st("occupied"), at(1, 9)}, {"A", 1, st("free"), at(2, 23)}},
			[]HomeOccupancy{{Home: "A", Beds: 1, ByDay: []int{1, 0, 0}, Latest: 0}}, 1},
		{"a bed's first change stands for the days before it", []bedState{{"A", 1, st("held"), at(3, 8)}},
			[]HomeOccupancy{{Home: "A", Beds: 1, ByDay: []int{1, 1, 1}, Latest: 1}}, 1},
		{"a bed with no change is not occupied", []bedState{{"A", 1, nil, nil}},
			[]HomeOccupancy{{Home: "A", Beds: 1, ByDay: []int{0, 0, 0}, Latest: 0}}, 1},
		{"closed and free are not occupied; homes and beds apart", []bedState{
			{"A", 1, st("occupied"), at(1, 1)}, {"A", 1, st("closed"), at(2, 1)},
			{"A", 2, st("free"), at(1, 1)}, {"A", 2, st("occupied"), at(3, 1)},
			{"B", 3, st("held"), at(1, 1)},
		}, []HomeOccupancy{{Home: "A", Beds: 2, ByDay: []int{1, 0, 1}, Latest: 1}, {Home: "B", Beds: 1, ByDay: []int{1, 1, 1}, Latest: 1}}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, most := foldOccupancy(days, tc.changes)
			if !slices.EqualFunc(got, tc.want, func(a, b HomeOccupancy) bool {
				return a.Home == b.Home && a.Beds == b.Beds && a.Latest == b.Latest && slices.Equal(a.ByDay, b.ByDay)
			}) || most != tc.most {
				t.Errorf("got %+v (most %d), want %+v (most %d)", got, most, tc.want, tc.most)
			}
		})
	}
}

// estate is a database with the demo's secure estate and its month of bed history.
func estate(tb testing.TB, now time.Time) *Service {
	tb.Helper()
	ctx := context.Background()
	db := dbtest.Open(tb)
	if err := commissioning.NewService(db.Gorm).SyncCouncils(ctx); err != nil {
		tb.Fatal(err)
	}
	if err := SeedEstate(ctx, db.Gorm, now); err != nil {
		tb.Fatal(err)
	}
	s := NewService(db.Gorm)
	s.Now = func() time.Time { return now }
	return s
}

// The demo's month of bed history gives the occupancy charts real variation, and today's
// figures are the beds as they stand.
func TestMetricsOccupancyVaries(t *testing.T) {
	now := time.Now()
	s := estate(t, now)
	m, err := s.Metrics(context.Background(), 30)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Days) != 30 || len(m.Occupancy) != len(Estate) {
		t.Fatalf("%d days and %d homes, want 30 and %d", len(m.Days), len(m.Occupancy), len(Estate))
	}
	varied := 0
	for _, o := range m.Occupancy {
		if slices.Min(o.ByDay) != slices.Max(o.ByDay) {
			varied++
		}
		var occupied int64
		if err := s.db.Raw(`SELECT count(*) FROM secure_beds b JOIN secure_homes h ON h.id = b.home_id
            WHERE h.name = ? AND b.status IN ('occupied', 'held')`, o.Home).Scan(&occupied).Error; err != nil {
			t.Fatal(err)
		}
		if o.Latest != int(occupied) {
			t.Errorf("%s: %d occupied today on the chart, %d in its beds", o.Home, o.Latest, occupied)
		}
	}
	if varied < len(Estate)/2 {
		t.Errorf("only %d of %d homes' occupancy changed over 30 days", varied, len(Estate))
	}
}

// BenchmarkMetrics measures the SWCU's measures page's queries: on the demo estate with
// its month of history, and with two years of changes (every bed changing every other
// day, about 100,000 rows) as a national service would have.
//
//	go test ./commissioning/secure/ -run '^$' -bench Metrics -benchtime 200x
func BenchmarkMetrics(b *testing.B) {
	now := time.Now()
	s := estate(b, now)
	ctx := context.Background()
	run := func(b *testing.B) {
		if _, err := s.Metrics(ctx, 30); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for range b.N {
			if _, err := s.Metrics(ctx, 30); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	}
	b.Run("demo", run)
	if err := s.db.Exec(`INSERT INTO secure_bed_changes (bed_id, home_id, status, detail, changed_at)
        SELECT b.id, b.home_id, CASE WHEN (d + b.id) % 4 = 0 THEN 'free' ELSE 'occupied' END, 'bench', ?::timestamptz - make_interval(days => d * 2, hours => (b.id % 24)::int)
        FROM secure_beds b CROSS JOIN generate_series(31, 365) d`, now).Error; err != nil {
		b.Fatal(err)
	}
	if err := s.db.Exec("ANALYZE secure_bed_changes").Error; err != nil {
		b.Fatal(err)
	}
	var n int64
	s.db.Raw("SELECT count(*) FROM secure_bed_changes").Scan(&n)
	b.Logf("%d bed changes", n)
	b.Run("national", run)
}
