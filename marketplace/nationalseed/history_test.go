package nationalseed_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

var historyToday = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// loadHistory seeds homes and then history for the given consortia (nil: all).
func loadHistory(tb testing.TB, homes int, o nationalseed.HistoryOptions, consortia ...string) (*pgxpool.Pool, nationalseed.HistorySummary) {
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
	if _, err := nationalseed.Load(ctx, db.Gorm, homes, o.Seed); err != nil {
		tb.Fatal(err)
	}
	for _, name := range consortia {
		c, err := orgs.OrganisationByName(ctx, "consortium", name)
		if err != nil {
			tb.Fatal(err)
		}
		o.Consortia = append(o.Consortia, c.ID)
	}
	start := time.Now()
	sum, err := nationalseed.LoadHistory(ctx, db.Pool, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("history in %s: %+v", time.Since(start).Round(time.Millisecond), sum)
	return db.Pool, sum
}

// fingerprint digests every generated table's rows, ids included.
func fingerprint(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var fp string
	err := pool.QueryRow(context.Background(), `SELECT md5(string_agg(t, '|' ORDER BY t)) FROM (
		SELECT r::text AS t FROM placement_requests r UNION ALL SELECT b::text FROM bids b UNION ALL SELECT d::text FROM declines d
		UNION ALL SELECT i::text FROM request_invitations i UNION ALL SELECT p::text FROM placements p
		UNION ALL SELECT f.placement_id || f.effective_from::text || f.total_pence FROM placement_fees f
		UNION ALL SELECT i.placement_id || i.started_at::text || i.ended_at::text FROM placement_incidents i) x`).Scan(&fp)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

func TestHistoryIsDeterministic(t *testing.T) {
	o := nationalseed.HistoryOptions{Seed: 3, StartsPerYear: 200, Years: 2, Today: historyToday}
	a, sa := loadHistory(t, 300, o)
	b, sb := loadHistory(t, 300, o)
	if sa != sb || sa.Placements != 400 {
		t.Fatalf("summaries differ or are wrong: %+v vs %+v", sa, sb)
	}
	if fa, fb := fingerprint(t, a), fingerprint(t, b); fa != fb {
		t.Fatalf("same seed, different rows: %s vs %s", fa, fb)
	}
	o.Seed = 4
	c, _ := loadHistory(t, 300, o)
	if fingerprint(t, c) == fingerprint(t, a) {
		t.Fatal("a different seed gave the same rows")
	}
}

// TestHistoryProportions checks a medium-sized history against the targets.
func TestHistoryProportions(t *testing.T) {
	pool, sum := loadHistory(t, 1500, nationalseed.HistoryOptions{Seed: 1, StartsPerYear: 3000, Years: 3, Today: historyToday})
	if sum.Placements != 9000 {
		t.Fatalf("placements = %d, want 9000", sum.Placements)
	}
	ctx := context.Background()
	var outShare, meanMiles float64
	var over10k, ended, incidents int
	if err := pool.QueryRow(ctx, `SELECT avg((host_council_id <> council_id)::int), avg(miles), count(*) FILTER (WHERE weekly_fee_pence >= 1000000),
		count(*) FILTER (WHERE status = 'ended'), (SELECT count(*) FROM placement_incidents) FROM placements`).Scan(&outShare, &meanMiles, &over10k, &ended, &incidents); err != nil {
		t.Fatal(err)
	}
	t.Logf("out of area %.3f, mean %.1f miles, %d at £10,000+, %d ended, %d missing episodes", outShare, meanMiles, over10k, ended, incidents)
	if math.Abs(outShare-nationalseed.TargetOutOfArea) > 0.03 {
		t.Errorf("out-of-area share %.3f, want %.2f ± 0.03", outShare, nationalseed.TargetOutOfArea)
	}
	if math.Abs(meanMiles-nationalseed.TargetMeanMiles) > 4 {
		t.Errorf("mean distance %.1f miles, want %.0f ± 4", meanMiles, nationalseed.TargetMeanMiles)
	}
	if over10k == 0 || ended == 0 || incidents == 0 {
		t.Errorf("want some £10,000+ placements, endings and missing episodes")
	}
	rows, err := pool.Query(ctx, `SELECT l.code, percentile_cont(0.5) WITHIN GROUP (ORDER BY p.weekly_fee_pence) / 100
		FROM placements p JOIN placement_requests r ON r.id = p.request_id JOIN lots l ON l.id = r.lot_id GROUP BY l.code`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"residential": 3800, "fostering_ifa": 820}
	for rows.Next() {
		var code string
		var median float64
		if err := rows.Scan(&code, &median); err != nil {
			t.Fatal(err)
		}
		t.Logf("median weekly fee %s £%.0f", code, median)
		if w, ok := want[code]; ok && math.Abs(median-w)/w > 0.08 {
			t.Errorf("median fee %s £%.0f, want £%.0f ± 8%%", code, median, w)
		}
		delete(want, code)
	}
	if len(want) > 0 {
		t.Errorf("no placements on lots %v", want)
	}
	// Seasonality: August has fewer starts than September.
	var aug, sep int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE extract(month FROM start_date) = 8), count(*) FILTER (WHERE extract(month FROM start_date) = 9) FROM placements`).Scan(&aug, &sep); err != nil {
		t.Fatal(err)
	}
	if aug >= sep {
		t.Errorf("August %d starts, September %d: want seasonality", aug, sep)
	}
}

// TestHistoryStaysInItsTenants: history for two consortia places only their own
// councils' children, on their own frameworks' lots.
func TestHistoryStaysInItsTenants(t *testing.T) {
	pool, sum := loadHistory(t, 600, nationalseed.HistoryOptions{Seed: 2, StartsPerYear: 150, Years: 1, Today: historyToday},
		"North West consortium (synthetic)", "London consortium (synthetic)")
	if sum.Placements != 150 {
		t.Fatalf("placements = %d", sum.Placements)
	}
	var stray, consortia int
	if err := pool.QueryRow(context.Background(), `SELECT
		count(*) FILTER (WHERE f.consortium_id <> c.consortium_id OR cons.name NOT IN ('North West consortium (synthetic)', 'London consortium (synthetic)')
			OR p.council_id <> r.council_id),
		count(DISTINCT c.consortium_id)
		FROM placement_requests r JOIN organisations c ON c.id = r.council_id JOIN organisations cons ON cons.id = c.consortium_id
		JOIN frameworks f ON f.id = r.framework_id LEFT JOIN placements p ON p.request_id = r.id`).Scan(&stray, &consortia); err != nil {
		t.Fatal(err)
	}
	if stray != 0 || consortia != 2 {
		t.Fatalf("%d rows outside their tenant; %d consortia placed, want 2", stray, consortia)
	}
}

// BenchmarkHistory times the national history (3,000 homes; 30,000 starts a year for
// three years) and reports the wall time beside the CPU time of the database backend
// that wrote it, read from /proc: on a shared machine the wall time mostly measures the
// queue for a core.
//
//	go test ./marketplace/nationalseed/ -run '^$' -bench History -benchtime 1x
func BenchmarkHistory(b *testing.B) {
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		url := dbtest.New(b)
		db, err := migrations.Connect(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		if err := commissioning.NewService(db.Gorm).SyncCouncils(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := nationalseed.Load(ctx, db.Gorm, 3000, 1); err != nil {
			b.Fatal(err)
		}
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			b.Fatal(err)
		}
		cfg.MaxConns = 1 // one backend, so its CPU time is the history's
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		var pid int
		if err := pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			b.Fatal(err)
		}
		cpu0 := procCPU(b, pid)
		start := time.Now()
		b.StartTimer()
		sum, err := nationalseed.LoadHistory(ctx, pool, nationalseed.HistoryOptions{Seed: 1, Years: 3, StartsPerYear: 30000, Today: historyToday})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "wall-s")
		b.ReportMetric(procCPU(b, pid)-cpu0, "backend-cpu-s")
		b.ReportMetric(float64(sum.Placements), "placements")
		b.Logf("%+v", sum)
		pool.Close()
		db.Close()
	}
}

// procCPU is a process's user and system CPU time in seconds, from /proc.
func procCPU(tb testing.TB, pid int) float64 {
	tb.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		tb.Skipf("no /proc for the database backend (a remote database?): %v", err)
	}
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

// TestReplayKeepsTheDeadline proves migration 00032: replaying history checks a
// response's recorded time against the deadline, on an open request, never a time in
// the future; without the setting the database's clock decides, as before.
func TestReplayKeepsTheDeadline(t *testing.T) {
	pool, _ := loadHistory(t, 300, nationalseed.HistoryOptions{Seed: 5, StartsPerYear: 20, Years: 1, Today: historyToday})
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		replay    bool
		status    string
		declined  string // relative to the request's deadline
		wantError bool
	}{
		{"replayed before the deadline", true, "open", "- interval '1 hour'", false},
		{"replayed at the deadline", true, "open", "", true},
		{"replayed after the deadline", true, "open", "+ interval '1 minute'", true},
		{"replayed on an awarded request", true, "awarded", "- interval '1 hour'", true},
		{"replayed in the future", true, "open", "+ interval '1 year' * 10", true},
		{"not replayed, deadline passed", false, "open", "- interval '1 hour'", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx) //nolint:errcheck
			if tc.replay {
				if _, err := tx.Exec(ctx, "SET LOCAL hearth.replay_history = 'on'"); err != nil {
					t.Fatal(err)
				}
			}
			deadline := "now() - interval '2 days'"
			if tc.name == "replayed in the future" {
				deadline = "now() + interval '20 years'"
			}
			var req, provider int64
			err = tx.QueryRow(ctx, `WITH r AS (
				INSERT INTO placement_requests (council_id, status, child_ref, age_years, sex, legal_status, home_outcode, home_lat, home_lon,
					within_miles, framework_id, lot_id, tier, start_date, duration_weeks, deadline, submitted_at)
				SELECT council_id, $1, 'REPLAY-1', age_years, sex, legal_status, home_outcode, home_lat, home_lon,
					within_miles, framework_id, lot_id, tier, start_date, duration_weeks, `+deadline+`, `+deadline+` - interval '1 day'
				FROM placement_requests LIMIT 1 RETURNING id)
				SELECT r.id, (SELECT id FROM organisations WHERE kind = 'provider' ORDER BY id LIMIT 1) FROM r`, tc.status).Scan(&req, &provider)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO request_invitations (request_id, provider_id) VALUES ($1, $2)`, req, provider); err != nil {
				t.Fatal(err)
			}
			_, err = tx.Exec(ctx, `INSERT INTO declines (request_id, provider_id, reason, declined_at)
				SELECT id, $2, 'no_vacancy', deadline `+tc.declined+` FROM placement_requests WHERE id = $1`, req, provider)
			if (err != nil) != tc.wantError || (err != nil && !strings.Contains(err.Error(), "HB001")) {
				t.Fatalf("error = %v, want the late-response error (HB001): %v", err, tc.wantError)
			}
		})
	}
}

// TestHistoryAllEndedLeavesNothingLive: with AllEnded (the demo's history), every
// placement has ended by Today, so none is billable after it, and the endings are spread
// over the months before rather than all on Today.
func TestHistoryAllEndedLeavesNothingLive(t *testing.T) {
	pool, sum := loadHistory(t, 300, nationalseed.HistoryOptions{Seed: 5, StartsPerYear: 300, Years: 2, Today: historyToday, AllEnded: true})
	var live, late, onToday, ended int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE status <> 'ended' OR ended_on IS NULL),
			count(*) FILTER (WHERE ended_on > $1 OR ended_on <= started_on), count(*) FILTER (WHERE ended_on = $1), count(*)
		FROM placements`, historyToday).Scan(&live, &late, &onToday, &ended); err != nil {
		t.Fatal(err)
	}
	if live != 0 || late != 0 || ended != sum.Placements || sum.Ended != sum.Placements {
		t.Errorf("%d placements still live, %d ending after Today or before they start, of %d (summary %+v)", live, late, ended, sum)
	}
	if onToday*10 > ended {
		t.Errorf("%d of %d placements end on Today", onToday, ended)
	}
}
