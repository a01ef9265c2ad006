package intelligence

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// outOfAreaFixture is two consortia. A: Hartlepool (E06000001) and Stockton-on-Tees
// (E06000004, adjoining Hartlepool), with an override making Middlesbrough (E06000002)
// adjoin Hartlepool. B: Darlington (E06000005) and Middlesbrough. City of London is in
// neither. Placements (miles, host):
//
//	Hartlepool: 2, 5, 12 in Hartlepool; 15, 25 in Stockton; 20 in Middlesbrough (override);
//	            240, 250 in City of London; 150 outside England; plus one refused and one
//	            started two years ago (neither counted).
//	Stockton:   1, 3, 4, 8, 30 in Stockton; 10 in Hartlepool.
//	Darlington: five at 20 miles in Hartlepool (consortium B's, never in A's figures).
func outOfAreaFixture(t *testing.T) (*Service, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	url := dbtest.New(t)
	owner, err := migrations.Connect(ctx, dbtest.OwnerURL(url))
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	app, err := migrations.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)

	var b strings.Builder
	// The fixture is placements alone: their requests, bids and homes are not the view's business.
	b.WriteString(`SET session_replication_role = replica;
		INSERT INTO organisations (kind, name) VALUES ('consortium', 'Consortium A'), ('consortium', 'Consortium B');
		INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon, consortium_id) VALUES
		('council', 'Hartlepool', 'E06000001', 'North East', 54.67, -1.26, (SELECT id FROM organisations WHERE name = 'Consortium A')),
		('council', 'Stockton-on-Tees', 'E06000004', 'North East', 54.56, -1.33, (SELECT id FROM organisations WHERE name = 'Consortium A')),
		('council', 'Darlington', 'E06000005', 'North East', 54.55, -1.55, (SELECT id FROM organisations WHERE name = 'Consortium B')),
		('council', 'Middlesbrough', 'E06000002', 'North East', 54.54, -1.22, (SELECT id FROM organisations WHERE name = 'Consortium B')),
		('council', 'City of London', 'E09000001', 'London', 51.51, -0.09, NULL);
		INSERT INTO adjacency_overrides (consortium_id, ons_a, ons_b, reason)
		VALUES ((SELECT id FROM organisations WHERE name = 'Consortium A'), 'E06000001', 'E06000002', 'Across the Tees');
	`)
	req := 0
	place := func(council, host, status, start string, miles float64) {
		req++
		hostSQL := "NULL"
		if host != "" {
			hostSQL = fmt.Sprintf("(SELECT id FROM organisations WHERE name = '%s')", host)
		}
		fmt.Fprintf(&b, `INSERT INTO placements (request_id, bid_id, council_id, provider_id, home_id, status, weekly_fee_pence, start_date, miles, host_council_id, refusal_reason)
			VALUES (%d, %d, (SELECT id FROM organisations WHERE name = '%s'), 1, 1, '%s', 500000, '%s', %.1f, %s, %s);`,
			req, req, council, status, start, miles, hostSQL, map[bool]string{true: "'No'", false: "NULL"}[status == "refused"])
	}
	for _, p := range []struct {
		council, host string
		miles         float64
	}{
		{"Hartlepool", "Hartlepool", 2}, {"Hartlepool", "Hartlepool", 5}, {"Hartlepool", "Hartlepool", 12},
		{"Hartlepool", "Stockton-on-Tees", 15}, {"Hartlepool", "Stockton-on-Tees", 25},
		{"Hartlepool", "Middlesbrough", 20},
		{"Hartlepool", "City of London", 240}, {"Hartlepool", "City of London", 250},
		{"Hartlepool", "", 150},
		{"Stockton-on-Tees", "Stockton-on-Tees", 1}, {"Stockton-on-Tees", "Stockton-on-Tees", 3}, {"Stockton-on-Tees", "Stockton-on-Tees", 4},
		{"Stockton-on-Tees", "Stockton-on-Tees", 8}, {"Stockton-on-Tees", "Stockton-on-Tees", 30},
		{"Stockton-on-Tees", "Hartlepool", 10},
	} {
		place(p.council, p.host, "awarded", "2026-03-01", p.miles)
	}
	place("Hartlepool", "Hartlepool", "refused", "2026-03-01", 3)
	place("Hartlepool", "Hartlepool", "awarded", "2024-06-01", 3)
	for range 5 {
		place("Darlington", "Hartlepool", "awarded", "2026-03-01", 20)
	}
	if err := owner.Gorm.Exec(b.String()).Error; err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	var orgs []struct {
		ID   int64
		Name string
	}
	if err := app.Gorm.Raw(`SELECT id, name FROM organisations`).Scan(&orgs).Error; err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		ids[o.Name] = o.ID
	}
	svc := New(app.Gorm)
	svc.Now = func() time.Time { return time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC) }
	if err := svc.RefreshOutOfArea(ctx); err != nil {
		t.Fatal(err)
	}
	return svc, ids
}

func n(v int64) Count { return Count{N: v} }

var few = Count{Suppressed: true}

// also is a count hidden only so that a total beside it cannot give a smaller one away.
var also = Count{Suppressed: true, Secondary: true}

func TestOutOfAreaFigures(t *testing.T) {
	svc, ids := outOfAreaFixture(t)
	got, err := svc.OutOfArea(context.Background(), Scope{Consortium: ids["Consortium A"]})
	if err != nil {
		t.Fatal(err)
	}
	if now := svc.Now(); !got.AsOf.Equal(now) || !got.From.Equal(now.AddDate(-1, 0, 0)) {
		t.Errorf("as of %s from %s, want the refresh's time and a year before it", got.AsOf, got.From)
	}
	type want struct {
		name                                      string
		total, inArea, adjoining, further, within Count
		share                                     float64
		shown                                     bool
		bands                                     []Count
	}
	// plain is a count as these checks compare it: hidden or shown, not why it is hidden.
	plain := func(cs ...Count) []Count {
		out := make([]Count, len(cs))
		for i, c := range cs {
			out[i] = Count{N: c.N, Suppressed: c.Suppressed}
		}
		return out
	}
	check := func(r OutOfAreaRow, w want) {
		t.Helper()
		if fmt.Sprint(plain(r.Total, r.InArea, r.Adjoining, r.Further, r.Within20)) != fmt.Sprint(plain(w.total, w.inArea, w.adjoining, w.further, w.within)) || r.Name != w.name {
			t.Errorf("%s: got total %v in %v adj %v further %v within %v, want %+v", r.Name, r.Total, r.InArea, r.Adjoining, r.Further, r.Within20, w)
		}
		if r.ShareShown != w.shown || math.Abs(r.Within20Share-w.share) > 1e-9 {
			t.Errorf("%s: share %v (shown %v), want %v (%v)", r.Name, r.Within20Share, r.ShareShown, w.share, w.shown)
		}
		if fmt.Sprint(plain(r.Bands...)) != fmt.Sprint(plain(w.bands...)) {
			t.Errorf("%s: bands %v, want %v", r.Name, r.Bands, w.bands)
		}
	}
	// Consortium: 15 placements; in area 3+5; adjoining 2+1 (override)+1; further 2+1;
	// within 20: 2,5,12,15,20 and 1,3,4,8,10 = 10 of 15; bands ≤10: 2,5,1,3,4,8,10 = 7;
	// 10–20: 12,15,20 = 3; 20–50: 25,30 = 2; 50–100: 0; over 100: 240,250,150 = 3. The
	// band of 7 is hidden too (secondary suppression): shown, 10 within 20 miles less 7
	// would give the hidden 3. Within 20 miles is hidden too (and so its share): of the
	// councils' counts in that column only Stockton's is hidden, and the consortium's 10
	// less Hartlepool's 5 would give it.
	check(got.Consortium, want{"All councils", n(15), n(8), few, few, few, 0, false, []Count{few, few, few, n(0), few}})
	if len(got.Councils) != 2 {
		t.Fatalf("councils %+v, want Hartlepool and Stockton", got.Councils)
	}
	check(got.Councils[0], want{"Hartlepool", n(9), few, few, few, n(5), 5.0 / 9, true, []Count{few, few, few, n(0), few}})
	// Stockton: 6 placements, 5 in area and 1 adjoining, so the 5 are hidden too (6 less 5
	// less 0 would give the 1); 5 within 20 miles and 1 at 30, so the 5 within (and its
	// share, and the band of 5 that makes it up) are hidden as well.
	check(got.Councils[1], want{"Stockton-on-Tees", n(6), few, few, n(0), few, 0, false, []Count{few, n(0), few, n(0), n(0)}})
	// Stockton into itself (5) is its in-area count, hidden in the row, so hidden in the
	// matrix too (and so Stockton into Hartlepool beside it).
	if len(got.Flows) != 7 || got.Flows[0] != (Flow{"Stockton-on-Tees", "Stockton-on-Tees", Count{Suppressed: true, Secondary: true}}) {
		t.Errorf("flows %+v, want 7, Stockton into itself (5, secondarily suppressed) first", got.Flows)
	}
	if m := got.Matrix; m.Total != n(15) || len(m.Rows) != 2 || m.Rows[0].Total != n(9) || m.Rows[1].Total != n(6) {
		t.Errorf("matrix totals %+v, want 15: Hartlepool 9, Stockton 6", m)
	}
	for _, f := range got.Flows {
		if f.From == "Darlington" {
			t.Errorf("consortium B's flow %+v in A's figures", f)
		}
		if f.From == "Hartlepool" && f.To == OutsideEngland && f.Count != few {
			t.Errorf("outside England flow %+v, want suppressed", f)
		}
	}
}

func TestOutOfAreaCouncilBesideConsortium(t *testing.T) {
	svc, ids := outOfAreaFixture(t)
	got, err := svc.OutOfArea(context.Background(), Scope{Consortium: ids["Consortium A"], Council: ids["Stockton-on-Tees"]})
	if err != nil {
		t.Fatal(err)
	}
	if got.Consortium.Total != n(15) || len(got.Councils) != 1 || got.Councils[0].Name != "Stockton-on-Tees" {
		t.Fatalf("got consortium %v and councils %+v, want 15 beside Stockton alone", got.Consortium.Total, got.Councils)
	}
	for _, f := range got.Flows {
		if f.From != "Stockton-on-Tees" {
			t.Errorf("Stockton sees another council's flow %+v", f)
		}
	}
}

func TestOutOfAreaTwoConsortia(t *testing.T) {
	svc, ids := outOfAreaFixture(t)
	got, err := svc.OutOfArea(context.Background(), Scope{Consortium: ids["Consortium B"]})
	if err != nil {
		t.Fatal(err)
	}
	// Darlington's five into Hartlepool: not adjoining (A's override is A's alone), all at 20 miles.
	if got.Consortium.Total != n(5) || got.Consortium.Further != n(5) || got.Consortium.Within20 != n(5) || len(got.Councils) != 1 {
		t.Errorf("consortium B: %+v", got.Consortium)
	}
	if len(got.Flows) != 1 || got.Flows[0] != (Flow{"Darlington", "Hartlepool", n(5)}) {
		t.Errorf("B's flows %+v", got.Flows)
	}
}

// TestOutOfAreaReturn: in the fixture, with reasons recorded on some placements, the
// 2025-26 return (1 April 2025 to 31 March 2026) counts Hartlepool's six placements out
// of its area (Stockton 2, Middlesbrough 1, City of London 2, outside England 1) and
// Stockton's one; Darlington's five are consortium B's.
func TestOutOfAreaReturn(t *testing.T) {
	svc, ids := outOfAreaFixture(t)
	db := svc.db
	// Hartlepool's five furthest: near_family on the two in Stockton and the one in
	// Middlesbrough; no_suitable_in_area on two; the one outside England not recorded.
	if err := db.Exec(`UPDATE placements SET out_of_area_reason = CASE WHEN miles IN (15, 25, 20) THEN 'near_family' ELSE 'no_suitable_in_area' END
		WHERE council_id = ? AND miles IN (15, 25, 20, 240, 250)`, ids["Hartlepool"]).Error; err != nil {
		t.Fatal(err)
	}
	if err := svc.RefreshOutOfArea(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := svc.OutOfAreaReturn(context.Background(), Scope{Consortium: ids["Consortium A"]}, 2025)
	if err != nil {
		t.Fatal(err)
	}
	if got.Total.Placed != n(7) || got.Total.ByReason["near_family"] != few || got.Total.ByReason["no_suitable_in_area"] != few || got.Total.ByReason[""] != few {
		t.Errorf("consortium: %+v, want 7 (3 near family, 2 none suitable, 2 not recorded)", got.Total)
	}
	if len(got.Councils) != 2 || got.Councils[0].Name != "Hartlepool" || got.Councils[0].Placed != n(6) || got.Councils[1].Placed != few {
		t.Errorf("councils: %+v", got.Councils)
	} else if h := got.Councils[0].ByReason; len(h) != 3 || h["near_family"] != few || h["no_suitable_in_area"] != few || h[""] != few {
		t.Errorf("Hartlepool's reasons %+v, want three, each hidden", h)
	}
	mine, err := svc.OutOfAreaReturn(context.Background(), Scope{Consortium: ids["Consortium A"], Council: ids["Stockton-on-Tees"]}, 2025)
	if err != nil {
		t.Fatal(err)
	}
	if mine.Total.Placed != n(7) || len(mine.Councils) != 1 || mine.Councils[0].Name != "Stockton-on-Tees" {
		t.Errorf("Stockton's return: %+v", mine)
	}
	b, err := svc.OutOfAreaReturn(context.Background(), Scope{Consortium: ids["Consortium B"]}, 2025)
	if err != nil {
		t.Fatal(err)
	}
	if b.Total.Placed != n(5) || len(b.Councils) != 1 || b.Councils[0].Name != "Darlington" {
		t.Errorf("consortium B's return: %+v", b)
	}
	if other, _ := svc.OutOfAreaReturn(context.Background(), Scope{Consortium: ids["Consortium A"]}, 2024); other.Total.Placed != n(0) {
		t.Errorf("2024-25: %+v, want none (the one placement of 2024 is in area)", other.Total)
	}
	if YearLabel(2025) != "2025-26" || LastCompleteYear(time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)) != 2024 || LastCompleteYear(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) != 2025 {
		t.Error("financial years")
	}
}

// TestOutOfAreaReturnRowSuppressesAsAGroup: a row's reasons add up to its placements, so
// one small reason hides the smallest other (6 near family and 1 not recorded: both
// hidden); with none or two small, nothing more is hidden.
func TestOutOfAreaReturnRowSuppressesAsAGroup(t *testing.T) {
	for _, tc := range []struct {
		by   map[string]int64
		want map[string]Count
	}{
		{map[string]int64{"near_family": 6, "": 1}, map[string]Count{"near_family": also, "": few}},
		{map[string]int64{"near_family": 6, "safeguarding": 9, "": 1}, map[string]Count{"near_family": also, "safeguarding": n(9), "": few}},
		{map[string]int64{"near_family": 6, "safeguarding": 2, "": 1}, map[string]Count{"near_family": n(6), "safeguarding": few, "": few}},
		{map[string]int64{"near_family": 6, "safeguarding": 9}, map[string]Count{"near_family": n(6), "safeguarding": n(9)}},
	} {
		var placed int64
		for _, v := range tc.by {
			placed += v
		}
		if got := returnRow("X", placed, tc.by); fmt.Sprint(got.ByReason) != fmt.Sprint(tc.want) || got.Placed != n(placed) {
			t.Errorf("%v: got %v (placed %v), want %v", tc.by, got.ByReason, got.Placed, tc.want)
		}
	}
}

// TestOutOfAreaRefreshesTakeTurns: two rebuilds at once (the job, and a first page view)
// both succeed, and the figures are counted once.
func TestOutOfAreaRefreshesTakeTurns(t *testing.T) {
	svc, ids := outOfAreaFixture(t)
	ctx := context.Background()
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- svc.RefreshOutOfArea(ctx) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got, err := svc.OutOfArea(ctx, Scope{Consortium: ids["Consortium A"]})
	if err != nil || got.Consortium.Total != n(15) {
		t.Fatalf("after two refreshes at once: %+v, %v; want 15 placements", got.Consortium.Total, err)
	}
}
