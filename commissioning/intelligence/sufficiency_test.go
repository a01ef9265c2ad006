package intelligence_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

var suffToday = time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)

// world is national homes with no history yet, and the two consortia's ids.
func world(tb testing.TB, homes int) (*migrations.DB, *intelligence.Service, int64, int64) {
	tb.Helper()
	ctx := context.Background()
	db := dbtest.Open(tb)
	orgs := commissioning.NewService(db.Gorm)
	if err := orgs.SyncCouncils(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := nationalseed.Load(ctx, db.Gorm, homes, 3); err != nil {
		tb.Fatal(err)
	}
	a, err := orgs.OrganisationByName(ctx, kernel.KindConsortium, "North West consortium (synthetic)")
	if err != nil {
		tb.Fatal(err)
	}
	b, err := orgs.OrganisationByName(ctx, kernel.KindConsortium, "London consortium (synthetic)")
	if err != nil {
		tb.Fatal(err)
	}
	svc := intelligence.New(db.Gorm)
	svc.Now = func() time.Time { return suffToday }
	return db, svc, a.ID, b.ID
}

func history(tb testing.TB, db *migrations.DB, seed uint64, starts int, consortia ...int64) {
	tb.Helper()
	if _, err := nationalseed.LoadHistory(context.Background(), db.Pool, nationalseed.HistoryOptions{Seed: seed, Years: 2, StartsPerYear: starts, Consortia: consortia, Today: suffToday}); err != nil {
		tb.Fatal(err)
	}
}

// TestSufficiencyTwoConsortia: A's figures are the same before and after B's history is
// written; they add up to the requests A's councils sent; a council's figures are its own.
func TestSufficiencyTwoConsortia(t *testing.T) {
	ctx := context.Background()
	db, svc, a, b := world(t, 600)
	history(t, db, 1, 200, a)
	before, err := svc.Sufficiency(ctx, intelligence.Scope{Consortium: a}, intelligence.SufficiencyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	history(t, db, 2, 200, b)
	if err := svc.RefreshSufficiency(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := svc.Sufficiency(ctx, intelligence.Scope{Consortium: a}, intelligence.SufficiencyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	before.AsOf, after.AsOf = time.Time{}, time.Time{}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("consortium B's history changed A's figures")
	}
	var want int64
	if err := db.Gorm.Raw(`SELECT count(*) FROM placement_requests r JOIN organisations c ON c.id = r.council_id
		WHERE c.consortium_id = ? AND r.status <> 'draft' AND r.submitted_at >= ?`, a, time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)).Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	var got int64
	for _, m := range after.Consortium.Months {
		got += m.Requests.N
	}
	if got == 0 || got > want {
		t.Fatalf("A's months hold %d requests; A's councils sent %d since the window opened", got, want)
	}
	bFig, err := svc.Sufficiency(ctx, intelligence.Scope{Consortium: b}, intelligence.SufficiencyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(bFig.Lots, []string(nil)) || len(bFig.Consortium.Months) == 0 {
		t.Fatalf("B has no figures: %+v", bFig.Consortium)
	}
	// A council beside its consortium: its placed children are among the consortium's.
	var council int64
	if err := db.Gorm.Raw(`SELECT council_id FROM placements p JOIN organisations c ON c.id = p.council_id WHERE c.consortium_id = ?
		GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, a).Scan(&council).Error; err != nil {
		t.Fatal(err)
	}
	mine, err := svc.Sufficiency(ctx, intelligence.Scope{Consortium: a, Council: council}, intelligence.SufficiencyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if mine.Council == nil || mine.Council.Placed.N > mine.Consortium.Placed.N || mine.Consortium.Placed != after.Consortium.Placed {
		t.Fatalf("council %+v beside consortium %+v", mine.Council.Placed, mine.Consortium.Placed)
	}
	// An area filter narrows to one council; another consortium's council is refused.
	area, err := svc.Sufficiency(ctx, intelligence.Scope{Consortium: a}, intelligence.SufficiencyFilter{Area: council})
	if err != nil {
		t.Fatal(err)
	}
	if area.Consortium.Placed != mine.Council.Placed {
		t.Errorf("area %d placed %+v; the council's own figure is %+v", council, area.Consortium.Placed, mine.Council.Placed)
	}
	if _, err := svc.Sufficiency(ctx, intelligence.Scope{Consortium: a}, intelligence.SufficiencyFilter{Area: bFig.Areas[0].ID}); !errors.Is(err, intelligence.ErrNotAnArea) {
		t.Errorf("B's council as A's area: %v", err)
	}
	// A bad filter is refused by name.
	if f, ok := (intelligence.SufficiencyFilter{AgeBand: "0-99"}).Valid(); ok || f != "age" {
		t.Errorf("age band 0-99: %q %v", f, ok)
	}
}

// BenchmarkSufficiency times the view on national history (3,000 homes; 30,000 starts a
// year for three years, every consortium) for the largest consortium and one of its
// councils, and reports the 95th percentile.
//
//	go test ./commissioning/intelligence/ -run '^$' -bench Sufficiency -benchtime 100x
func BenchmarkSufficiency(b *testing.B) {
	ctx := context.Background()
	db, svc, _, _ := world(b, 3000)
	if _, err := nationalseed.LoadHistory(ctx, db.Pool, nationalseed.HistoryOptions{Seed: 1, Years: 3, StartsPerYear: 30000, Today: suffToday}); err != nil {
		b.Fatal(err)
	}
	if err := svc.RefreshSufficiency(ctx); err != nil {
		b.Fatal(err)
	}
	// Statistics, as autovacuum leaves a live database after a rebuild (as the schema's
	// owner: the application's role owns no table, so its own ANALYZE does nothing).
	dbtest.Analyze(b, "postgres:///"+db.Pool.Config().ConnConfig.Database)
	var big struct{ Consortium, Council int64 }
	if err := db.Gorm.Raw(`SELECT c.consortium_id AS consortium, max(p.council_id) AS council FROM placements p JOIN organisations c ON c.id = p.council_id
		GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`).Scan(&big).Error; err != nil {
		b.Fatal(err)
	}
	var placements int64
	db.Gorm.Raw("SELECT count(*) FROM placements").Scan(&placements)
	scopes := []intelligence.Scope{{Consortium: big.Consortium}, {Consortium: big.Consortium, Council: big.Council}}
	var times []time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		if _, err := svc.Sufficiency(ctx, scopes[i%2], intelligence.SufficiencyFilter{}); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(placements), "placements")
}

// TestSufficiencySummaryMatchesTheRequests: the folded summaries (intel_demand,
// intel_reasons, intel_awards) give, for each filter and scope, the figures counted
// straight from the requests' facts: each month's requests, bids, awards and requests
// with no bid; declines by reason; awards in the last 12 months. And exclusions by rule:
// 6 "distance" on the council's requests of the last year and 5 "rating" on another
// council's (the history records none) give the consortium 6 and 5, the council 6 and none.
func TestSufficiencySummaryMatchesTheRequests(t *testing.T) {
	ctx := context.Background()
	db, svc, a, b := world(t, 600)
	history(t, db, 1, 300, a, b)
	var council int64
	if err := db.Gorm.Raw(`SELECT council_id FROM placement_requests r JOIN organisations c ON c.id = r.council_id WHERE c.consortium_id = ?
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`, a).Scan(&council).Error; err != nil {
		t.Fatal(err)
	}
	this := time.Date(suffToday.Year(), suffToday.Month(), 1, 0, 0, 0, 0, time.UTC)
	year := this.AddDate(-1, 0, 0)
	if err := db.Gorm.Exec(`INSERT INTO request_exclusions (request_id, provider_id, rule, detail)
		SELECT r.id, (SELECT min(id) FROM organisations WHERE kind = 'provider'), x.rule, 'test'
		FROM (SELECT r.id, row_number() OVER (PARTITION BY r.council_id = ? ORDER BY r.id) AS k, r.council_id = ? AS mine
			FROM placement_requests r JOIN organisations c ON c.id = r.council_id
			WHERE c.consortium_id = ? AND r.status <> 'draft' AND r.submitted_at >= ?) r
		JOIN (VALUES (true, 'distance', 6), (false, 'rating', 5)) AS x (mine, rule, n) ON x.mine = r.mine AND r.k <= x.n`,
		council, council, a, year).Error; err != nil {
		t.Fatal(err)
	}
	if err := svc.RefreshSufficiency(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := svc.Sufficiency(ctx, intelligence.Scope{Consortium: a, Council: council}, intelligence.SufficiencyFilter{}); err != nil {
		t.Fatal(err)
	} else if show := func(rs []intelligence.Reason) (s string) {
		for _, r := range rs {
			s += fmt.Sprintf("%s %v;", r.Reason, r.N)
		}
		return s
	}; show(got.Consortium.Exclusions) != "distance {6 false false};rating {5 false false};" || show(got.Council.Exclusions) != "distance {6 false false};" {
		t.Errorf("exclusions: consortium %+v, council %+v", got.Consortium.Exclusions, got.Council.Exclusions)
	}
	ages := map[string][2]int{"": {-1, 1000}, "0-4": {0, 4}, "5-9": {5, 9}, "10-15": {10, 15}, "16+": {16, 25}}
	for _, tc := range []struct {
		name  string
		scope intelligence.Scope
		f     intelligence.SufficiencyFilter
	}{
		{"consortium", intelligence.Scope{Consortium: a}, intelligence.SufficiencyFilter{}},
		{"council", intelligence.Scope{Consortium: a, Council: council}, intelligence.SufficiencyFilter{}},
		{"need", intelligence.Scope{Consortium: a, Council: council}, intelligence.SufficiencyFilter{Need: "missing_episodes"}},
		{"sex and age", intelligence.Scope{Consortium: a}, intelligence.SufficiencyFilter{Sex: "female", AgeBand: "10-15"}},
		{"area", intelligence.Scope{Consortium: a}, intelligence.SufficiencyFilter{Area: council}},
		{"lot", intelligence.Scope{Consortium: a, Council: council}, intelligence.SufficiencyFilter{Lot: "residential"}},
		{"other consortium", intelligence.Scope{Consortium: b}, intelligence.SufficiencyFilter{Sex: "male"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := svc.Sufficiency(ctx, tc.scope, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			age := ages[tc.f.AgeBand]
			check := func(who string, fig *intelligence.SufficiencyFigures, council int64) {
				t.Helper()
				var months []struct {
					Month                         time.Time
					Requests, Bids, Awards, NoBid int64
				}
				// The facts, filtered as the view's filters say (council 0: every council).
				where := `consortium_id = ? AND (?::bigint = 0 OR council_id = ?) AND (? = '' OR lot = ?) AND (? = '' OR ? = ANY (needs))
					AND (? = '' OR sex = ?) AND (? < 0 OR age_years BETWEEN ? AND ?)`
				args := []any{tc.scope.Consortium, council, council, tc.f.Lot, tc.f.Lot, tc.f.Need, tc.f.Need, tc.f.Sex, tc.f.Sex, age[0], age[0], age[1]}
				if err := db.Gorm.Raw(`SELECT month, count(*) AS requests, sum(bids) AS bids, count(*) FILTER (WHERE awarded) AS awards,
					count(*) FILTER (WHERE bids = 0) AS no_bid FROM intel_request_facts WHERE `+where+` AND month >= ? GROUP BY 1`,
					append(args, this.AddDate(0, -24, 0))...).Scan(&months).Error; err != nil {
					t.Fatal(err)
				}
				if len(months) == 0 {
					t.Fatalf("%s: no requests to compare", who)
				}
				want := map[time.Time][4]int64{}
				for _, m := range months {
					want[m.Month.UTC()] = [4]int64{m.Requests, m.Bids, m.Awards, m.NoBid}
				}
				for _, m := range fig.Months {
					w := want[m.Month]
					if m.Requests != intelligence.Suppressed(w[0]) || m.Bids != w[1] || m.Awards != intelligence.Suppressed(w[2]) || m.NoBid != intelligence.Suppressed(w[3]) {
						t.Errorf("%s %s: %+v, want requests, bids, awards, no bid %v", who, m.Month.Format("2006-01"), m, w)
					}
				}
				var declines, placed int64
				if err := db.Gorm.Raw(`SELECT coalesce(sum(declines), 0) FROM intel_request_facts WHERE consortium_id = ? AND (?::bigint = 0 OR council_id = ?)
					AND (? = '' OR lot = ?) AND month >= ?`, tc.scope.Consortium, council, council, tc.f.Lot, tc.f.Lot, year).Scan(&declines).Error; err != nil {
					t.Fatal(err)
				}
				if err := db.Gorm.Raw(`SELECT count(*) FROM intel_request_facts WHERE consortium_id = ? AND (?::bigint = 0 OR council_id = ?)
					AND (? = '' OR lot = ?) AND awarded AND awarded_at >= ?`, tc.scope.Consortium, council, council, tc.f.Lot, tc.f.Lot, year).Scan(&placed).Error; err != nil {
					t.Fatal(err)
				}
				var gotDeclines int64
				for _, r := range fig.Declines {
					gotDeclines += r.N.N
				}
				if shown := !slices.ContainsFunc(fig.Declines, func(r intelligence.Reason) bool { return r.N.Suppressed }); (shown && gotDeclines != declines) || gotDeclines > declines {
					t.Errorf("%s: declines by reason add up to %d, want %d", who, gotDeclines, declines)
				}
				if fig.Placed != intelligence.Suppressed(placed) {
					t.Errorf("%s: placed %+v, want %d", who, fig.Placed, placed)
				}
			}
			area := tc.f.Area
			check("consortium", &got.Consortium, area)
			if tc.scope.Council != 0 {
				check("council", got.Council, tc.scope.Council)
			}
		})
	}
}
