package intelligence

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// marketFixture is two consortia, the clock at noon on 30 June 2026 (so the window is
// July 2025 to June 2026 and the nights counted run to 29 June). Consortium A's
// Residential lot has a standard ceiling of £5,000 a week; consortium B's £4,000. All
// awards are Oak's (a provider), on the standard tier:
//
//	Hartlepool (A): five awarded 20 May 2026 and started 1 June, at £3,000 (£3,700 from
//	                15 June), £4,000, £5,000, £6,000 and £12,000 a week.
//	Stockton (A):   five awarded 10 May 2026 and started 15 June, at £10,000, £10,000,
//	                £11,000, £15,000 and £20,000; one refused at £30,000; one awarded in
//	                June 2025 and started 10 June 2025 at £15,000, still in place.
//	Darlington (B): five awarded 15 May 2026 and started 1 June at £8,000.
//
// Invoices: Hartlepool's April (paid, levy £90) and May (paid, levy £120, of which a
// credit note gave back £20); Stockton's May (open, levy £50: not income yet);
// Darlington's May (paid, levy £77.77, B's).
func marketFixture(t *testing.T) (*Service, map[string]int64) {
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
	org := func(name string) string { return fmt.Sprintf("(SELECT id FROM organisations WHERE name = '%s')", name) }
	var b strings.Builder
	// The fixture is the rows the view reads: homes, bids and users are not its business.
	fmt.Fprintf(&b, `SET session_replication_role = replica;
		INSERT INTO organisations (kind, name) VALUES ('consortium', 'Consortium A'), ('consortium', 'Consortium B'), ('provider', 'Oak');
		INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon, consortium_id) VALUES
		('council', 'Hartlepool', 'E06000001', 'North East', 54.67, -1.26, %[1]s),
		('council', 'Stockton-on-Tees', 'E06000004', 'North East', 54.56, -1.33, %[1]s),
		('council', 'Darlington', 'E06000005', 'North East', 54.55, -1.55, %[2]s);
		INSERT INTO frameworks (consortium_id, name, weight_price, weight_quality, weight_distance, weight_fit, levy_bps) VALUES
		(%[1]s, 'Framework A', 40, 30, 20, 10, 100), (%[2]s, 'Framework B', 40, 30, 20, 10, 100);
		INSERT INTO lots (framework_id, code, name, placement_type) SELECT id, 'residential', 'Residential', 'residential' FROM frameworks;
		INSERT INTO lot_tiers (lot_id, tier, ceiling_pence) SELECT l.id, 'standard', CASE f.name WHEN 'Framework A' THEN 500000 ELSE 400000 END
			FROM lots l JOIN frameworks f ON f.id = l.framework_id;
	`, org("Consortium A"), org("Consortium B"))
	n := 0
	place := func(council, consortium, status, awarded, started string, fees ...string) {
		n++
		lot := fmt.Sprintf("(SELECT l.id FROM lots l JOIN frameworks f ON f.id = l.framework_id WHERE f.consortium_id = %s)", org(consortium))
		fmt.Fprintf(&b, `INSERT INTO placement_requests (id, council_id, child_ref, lot_id, tier) OVERRIDING SYSTEM VALUE VALUES (%d, %s, 'CH-%d', %s, 'standard');
			INSERT INTO placements (id, request_id, bid_id, council_id, provider_id, home_id, status, weekly_fee_pence, start_date, started_on, miles, awarded_at, refusal_reason)
			OVERRIDING SYSTEM VALUE VALUES (%d, %d, %d, %s, %s, 1, '%s', %s, '%s', %s, 5, '%s 12:00+01', %s);`,
			n, org(council), n, lot, n, n, n, org(council), org("Oak"), status, strings.Fields(fees[0])[1], started,
			map[bool]string{true: "'" + started + "'", false: "NULL"}[status == "started"], awarded, map[bool]string{true: "'No'", false: "NULL"}[status == "refused"])
		for _, f := range fees { // "effective_from pence"
			from, pence, _ := strings.Cut(f, " ")
			fmt.Fprintf(&b, `INSERT INTO placement_fees (placement_id, effective_from, core_pence, reason) VALUES (%d, '%s', %s, 'Fee');`, n, from, pence)
		}
	}
	place("Hartlepool", "Consortium A", "started", "2026-05-20", "2026-06-01", "2026-06-01 300000", "2026-06-15 370000")
	for _, fee := range []string{"400000", "500000", "600000", "1200000"} {
		place("Hartlepool", "Consortium A", "started", "2026-05-20", "2026-06-01", "2026-06-01 "+fee)
	}
	for _, fee := range []string{"1000000", "1000000", "1100000", "1500000", "2000000"} {
		place("Stockton-on-Tees", "Consortium A", "started", "2026-05-10", "2026-06-15", "2026-06-15 "+fee)
	}
	place("Stockton-on-Tees", "Consortium A", "refused", "2026-05-10", "2026-06-15", "2026-06-15 3000000")
	place("Stockton-on-Tees", "Consortium A", "started", "2025-06-01", "2025-06-10", "2025-06-10 1500000")
	for range 5 {
		place("Darlington", "Consortium B", "started", "2026-05-15", "2026-06-01", "2026-06-01 800000")
	}
	invoice := func(council, consortium, period, status string, levy, credited int64) {
		fmt.Fprintf(&b, `INSERT INTO invoices (consortium_id, council_id, period_start, period_end, status, total_pence, levy_pence)
			VALUES (%s, %s, '%s', '%s'::date + interval '1 month', '%s', 1000000, %d);`, org(consortium), org(council), period, period, status, levy)
		if credited > 0 {
			fmt.Fprintf(&b, `INSERT INTO credit_notes (invoice_id, placement_id, credit_job_id, memo, total_pence, levy_pence)
				VALUES ((SELECT max(id) FROM invoices), 1, 1, 'Ended early', 100000, %d);`, credited)
		}
	}
	invoice("Hartlepool", "Consortium A", "2026-04-01", "paid", 9000, 0)
	invoice("Hartlepool", "Consortium A", "2026-05-01", "paid", 12000, 2000)
	invoice("Stockton-on-Tees", "Consortium A", "2026-05-01", "open", 5000, 0)
	invoice("Darlington", "Consortium B", "2026-05-01", "paid", 7777, 0)
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
	return svc, ids
}

// find is the row of rows for who, lot, tier and month (zero: any), or fails.
func find(t *testing.T, rows []MarketRow, who, lot, tier string, month time.Time) MarketRow {
	t.Helper()
	for _, r := range rows {
		if r.Who == who && r.Lot == lot && r.Tier == tier && r.Month.Equal(month) {
			return r
		}
	}
	t.Fatalf("no %s row for %q %q %s in %+v", who, lot, tier, month, rows)
	return MarketRow{}
}

var (
	may26  = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	june26 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
)

// TestMarketFigures checks each figure of consortium A's market view against the
// fixture, worked by hand.
func TestMarketFigures(t *testing.T) {
	ctx := context.Background()
	svc, ids := marketFixture(t)
	m, err := svc.Market(ctx, Scope{Consortium: ids["Consortium A"]})
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 7, 1, 0, 0, 0, 0, london); !m.From.Equal(want) || !m.AsOf.Equal(svc.Now()) {
		t.Errorf("window %s to %s, want from %s", m.From, m.AsOf, want)
	}
	// June's nights (1 to 29 June; the 30th is today): Hartlepool's five for 29 nights
	// each at 3,000 (14 nights) then 3,700 (15), 4,000, 5,000, 6,000 and 12,000 a week;
	// Stockton's five for 15 nights at 10,000 + 10,000 + 11,000 + 15,000 + 20,000 =
	// 66,000; Stockton's 2025 placement 29 nights at 15,000. In pence-nights:
	//   300,000 × 14 + 370,000 × 15 + (400,000 + 500,000 + 600,000 + 1,200,000) × 29 = 88,050,000
	//   6,600,000 × 15 = 99,000,000;  1,500,000 × 29 = 43,500,000;  total 230,550,000
	// so spend is 230,550,000 / 7 = 32,935,714.29 → £329,357.14. At the ceiling, 249
	// nights × 500,000 / 7 = 17,785,714.29 → £177,857.14; savings £177,857.14 less
	// £329,357.14 = −£151,500.00 (the fees above the ceiling outweigh those below).
	june := find(t, m.LotMonths, "consortium", "Residential", "", june26)
	if june.Placements != (Count{N: 11}) || june.Spend != 32935714 || june.AtCeiling != 17785714 || june.Savings != -15150000 {
		t.Errorf("June: %+v", june)
	}
	// Awards in May: ten (the refused one is not an award), fees sorted 3,000 4,000 5,000
	// 6,000 10,000 10,000 11,000 12,000 15,000 20,000: the median (10,000 + 10,000) / 2 =
	// £10,000; six at £10,000 or more (the two at exactly 10,000 count), 60%.
	may := find(t, m.LotMonths, "consortium", "Residential", "", may26)
	if may.Awards != (Count{N: 10}) || may.MedianFee != 1000000 || may.High != (Count{N: 6}) || may.HighShare != 60 {
		t.Errorf("May: %+v", may)
	}
	// The tier over the window: the same ten awards, seven above the £5,000 ceiling; 11
	// placements; spend is June's plus the 2025 placement's nights from 1 July 2025 to
	// 31 May 2026: (230,550,000 + 335 × 1,500,000) / 7 = 104,721,428.57 → £1,047,214.29.
	std := find(t, m.Tiers, "consortium", "Residential", "standard", time.Time{})
	if std.Awards != (Count{N: 10}) || std.OverCeiling != (Count{N: 7}) || std.Ceiling != 500000 || std.MedianFee != 1000000 ||
		std.Placements != (Count{N: 11}) || std.Spend != 104721429 {
		t.Errorf("standard tier: %+v", std)
	}
	// A month with only the 2025 placement in it: one child, so its spend is withheld.
	if oct := find(t, m.LotMonths, "consortium", "Residential", "", time.Date(2025, 10, 1, 0, 0, 0, 0, time.UTC)); !oct.Placements.Suppressed || !oct.SpendWithheld || oct.Spend != 0 {
		t.Errorf("October 2025: %+v", oct)
	}
	// Levy income: Hartlepool's paid April £90, May £120 less £20 credited; Stockton's
	// open invoice is not income; Darlington's is consortium B's.
	levy := map[time.Time]kernel.Pence{}
	for _, r := range m.Months {
		levy[r.Month] = r.Levy
	}
	if levy[time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)] != 9000 || levy[may26] != 10000 {
		t.Errorf("levy: %v", levy)
	}
	// Price spread: Oak's Residential standard, Hartlepool's median 5,000, Stockton's
	// (of six awards in the window: 10,000 10,000 11,000 15,000 20,000 and the 2025 one
	// is before it) 11,000: a spread of £6,000.
	want := []ProviderPrice{{Provider: "Oak", Lot: "Residential", Tier: "standard", Spread: 600000, Councils: []CouncilPrice{
		{Council: "Hartlepool", Awards: Count{N: 5}, Median: 500000},
		{Council: "Stockton-on-Tees", Awards: Count{N: 5}, Median: 1100000},
	}}}
	if !reflect.DeepEqual(m.Prices, want) {
		t.Errorf("prices %+v\nwant %+v", m.Prices, want)
	}
	if len(m.HighFees) != 0 {
		t.Errorf("the consortium's scope lists placements: %+v", m.HighFees)
	}
}

// TestMarketCouncilBesideConsortium: Hartlepool sees its own figures beside the
// consortium's, lists its own placement at £10,000 a week or more (not Stockton's), and
// neither sees anything of consortium B's.
func TestMarketCouncilBesideConsortium(t *testing.T) {
	ctx := context.Background()
	svc, ids := marketFixture(t)
	m, err := svc.Market(ctx, Scope{Consortium: ids["Consortium A"], Council: ids["Hartlepool"]})
	if err != nil {
		t.Fatal(err)
	}
	// Hartlepool's June: 88,050,000 / 7 = 12,578,571.43; at the ceiling 145 nights ×
	// 500,000 / 7 = 10,357,142.86; savings 10,357,143 − 12,578,571 = −2,221,428.
	own := find(t, m.LotMonths, "council", "Residential", "", june26)
	if own.Placements != (Count{N: 5}) || own.Spend != 12578571 || own.Savings != -2221428 {
		t.Errorf("Hartlepool's June: %+v", own)
	}
	if m.LotMonths[0].Who != "council" {
		t.Errorf("the council's rows come first: %+v", m.LotMonths[0])
	}
	// Its May awards: five, median 5,000; one at £12,000 (suppressed as a count).
	mayOwn := find(t, m.LotMonths, "council", "Residential", "", may26)
	if mayOwn.Awards != (Count{N: 5}) || mayOwn.MedianFee != 500000 || !mayOwn.High.Suppressed || mayOwn.HighShare != 0 {
		t.Errorf("Hartlepool's May: %+v", mayOwn)
	}
	if len(m.HighFees) != 1 || m.HighFees[0].ChildRef != "CH-5" || m.HighFees[0].WeeklyFee != 1200000 || m.HighFees[0].Ceiling != 500000 {
		t.Errorf("Hartlepool's high-fee placements: %+v", m.HighFees)
	}
	if levy := find(t, m.Months, "council", "", "", may26).Levy; levy != 10000 {
		t.Errorf("Hartlepool's May levy %s", levy)
	}
	// The consortium's figures are the same as in its own scope.
	if c := find(t, m.LotMonths, "consortium", "Residential", "", june26); c.Spend != 32935714 {
		t.Errorf("consortium June beside the council: %+v", c)
	}
	// Consortium B: Darlington's five at £8,000 (over B's £4,000 ceiling); none of A's.
	b, err := svc.Market(ctx, Scope{Consortium: ids["Consortium B"]})
	if err != nil {
		t.Fatal(err)
	}
	// 5 × 29 nights × (800,000 − 400,000) / 7 = 8,285,714.29 overspent.
	if j := find(t, b.LotMonths, "consortium", "Residential", "", june26); j.Placements != (Count{N: 5}) || j.Spend != 16571429 || j.Savings != -8285715 {
		t.Errorf("B's June: %+v", j)
	}
	if levy := find(t, b.Months, "consortium", "", "", may26).Levy; levy != 7777 {
		t.Errorf("B's May levy %s", levy)
	}
	for _, r := range append(append(b.Tiers, b.LotMonths...), b.Months...) {
		if r.Who != "consortium" {
			t.Errorf("B's scope has a %s row", r.Who)
		}
	}
	if len(b.Prices) != 0 {
		t.Errorf("B has one council; prices %+v", b.Prices)
	}
}

// TestMarketSummaryInvariants: the summary's rules are the database's, so a faulty
// refresh fails instead of showing wrong figures.
func TestMarketSummaryInvariants(t *testing.T) {
	ctx := context.Background()
	svc, ids := marketFixture(t)
	if err := svc.RefreshMarket(ctx); err != nil {
		t.Fatal(err)
	}
	a := ids["Consortium A"]
	for name, stmt := range map[string]string{
		"more £10,000 awards than awards": `INSERT INTO intel_market (consortium_id, lot, placements, nights, spend_pence, ceiling_spend_pence, awards, fee_median_pence, awards_over_ceiling, awards_10k) VALUES (?, 'x', 0, 0, 0, 0, 1, 5, 0, 2)`,
		"a median without awards":         `INSERT INTO intel_market (consortium_id, lot, placements, nights, spend_pence, ceiling_spend_pence, awards, fee_median_pence, awards_over_ceiling, awards_10k) VALUES (?, 'x', 0, 0, 0, 0, 0, 5, 0, 0)`,
		"levy on a lot":                   `INSERT INTO intel_market (consortium_id, lot, placements, nights, spend_pence, ceiling_spend_pence, awards, awards_over_ceiling, awards_10k, levy_pence) VALUES (?, 'x', 0, 0, 0, 0, 0, 0, 0, 5)`,
		"a month not its first day":       `INSERT INTO intel_market (consortium_id, month, placements, nights, spend_pence, ceiling_spend_pence, awards, awards_over_ceiling, awards_10k) VALUES (?, '2026-05-02', 0, 0, 0, 0, 0, 0, 0)`,
		"a group twice": `INSERT INTO intel_market (consortium_id, council_id, lot, tier, month, placements, nights, spend_pence, ceiling_spend_pence, awards, awards_over_ceiling, awards_10k)
			SELECT consortium_id, council_id, lot, tier, month, 0, 0, 0, 0, 0, 0, 0 FROM intel_market WHERE consortium_id = ? AND council_id IS NULL AND lot IS NULL AND tier IS NULL AND month IS NULL`,
	} {
		if err := svc.db.Exec(stmt, a).Error; err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
