package intelligence

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// qualityFixture is two consortia: A (Hartlepool) and B (Darlington), and three
// providers: Acorn (home Acorn House), Birch (Birch Lodge) and Cedar (Cedar Court). Now
// is 30 June 2026; the period asked is January to May 2026. Hartlepool's placements:
//
//	Acorn House   #1 1 Jan–1 Feb 2026, breakdown (unplanned, 31 nights)
//	              #2 10 Jan–11 Mar, allegation (unplanned, 60)
//	              #3 1 Feb–2 Apr, child_requested (unplanned, 60)
//	              #4 1 Mar, still there (92 in the period)
//	              #5 1 Apr–1 May, return_home_unplanned (unplanned, 30)
//	              #6 1 Dec 2025, still there (carried in: 151)
//	              #7 1 Jun 2025–15 Jan 2026, breakdown (carried in, after 182 days: 14)
//	              #8 1 May–15 Jun, breakdown (unplanned, 31 in the period)
//	              #9 15 Feb–1 Mar, custody (not unplanned, 14)
//	              and one that did not start (never counted)
//	Birch Lodge   two from 1 Jan, still there (151 each)
//	Cedar Court   five from 1 Mar, still there (92 each)
//
// Acorn House's incidents in the period: 5 missing and 2 absent (one more missing in
// December 2025, outside it). Hartlepool invited Acorn to 8 requests: bid after 120 and
// 30 minutes; declined after 60, 1,440, 240, 360 and 90 minutes; one unanswered.
// Darlington (B) placed five children at Acorn House with five incidents and declines.
//
// By hand, consortium A over the period:
//
//	Acorn House: placements 9 (7 started + 2 carried in), nights 483; incidents 7 →
//	7,000/483 = 14.493 per 1,000 nights; missing 5 → 10.352; starts 7, unplanned within
//	182 days 5 → 71.4%; invitations 8, declines 5 → 62.5%; responses 7, median 120
//	minutes = 2 hours.
//	Birch: 2 placements (suppressed); Cedar: 5, suppressed as the smallest other provider
//	(secondary suppression), so neither shows nights or rates.
//	The consortium: 16 placements, 1,245 nights, incidents 5.622 and missing 4.016 per
//	1,000 nights, 14 starts with 5 unplanned (35.7%).
func qualityFixture(t *testing.T) (*Service, map[string]int64) {
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
	org := func(name string) string { return fmt.Sprintf("(SELECT id FROM organisations WHERE name = '%s')", name) }
	home := func(name string) string { return fmt.Sprintf("(SELECT id FROM homes WHERE name = '%s')", name) }
	b.WriteString(`SET session_replication_role = replica;
		INSERT INTO organisations (kind, name) VALUES ('consortium', 'Consortium A'), ('consortium', 'Consortium B'),
			('provider', 'Acorn Care'), ('provider', 'Birch Homes'), ('provider', 'Cedar Care');
		INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon, consortium_id) VALUES
		('council', 'Hartlepool', 'E06000001', 'North East', 54.67, -1.26, (SELECT id FROM organisations WHERE name = 'Consortium A')),
		('council', 'Darlington', 'E06000005', 'North East', 54.55, -1.55, (SELECT id FROM organisations WHERE name = 'Consortium B'));
	`)
	for i, h := range []struct{ name, provider, rating string }{
		{"Acorn House", "Acorn Care", "good"}, {"Birch Lodge", "Birch Homes", "outstanding"}, {"Cedar Court", "Cedar Care", "requires_improvement"},
	} {
		fmt.Fprintf(&b, `INSERT INTO homes (provider_id, name, ofsted_urn, home_type, ofsted_rating, inspection_date, registered_places, min_age, max_age,
			accepts_male, accepts_female, postcode, outcode, lat, lon) VALUES (%s, '%s', 'SC00000%d', 'childrens_home', '%s', '2025-01-01', 12, 8, 17,
			true, true, 'TS24 7AA', 'TS24', 54.69, -1.21);`, org(h.provider), h.name, i+1, h.rating)
	}
	id := 0
	place := func(council, at, start, end, reason string) int {
		id++
		status, started, ended, why := "started", "'"+start+"'", "NULL", "NULL"
		switch {
		case reason == "did_not_start":
			status, started, ended, why = "ended", "NULL", "'"+start+"'", "'did_not_start'"
		case end != "":
			status, ended, why = "ended", "'"+end+"'", "'"+reason+"'"
		}
		fmt.Fprintf(&b, `INSERT INTO placements (id, request_id, bid_id, council_id, provider_id, home_id, status, weekly_fee_pence, start_date, miles,
			started_on, ended_on, end_reason) OVERRIDING SYSTEM VALUE
			VALUES (%d, %d, %d, %s, (SELECT provider_id FROM homes WHERE name = '%s'), %s, '%s', 500000, '%s', 3, %s, %s, %s);`,
			id, id, id, org(council), at, home(at), status, start, started, ended, why)
		return id
	}
	for _, p := range []struct{ start, end, reason string }{
		{"2026-01-01", "2026-02-01", "breakdown"}, {"2026-01-10", "2026-03-11", "allegation"}, {"2026-02-01", "2026-04-02", "child_requested"},
		{"2026-03-01", "", ""}, {"2026-04-01", "2026-05-01", "return_home_unplanned"}, {"2025-12-01", "", ""},
		{"2025-06-01", "2026-01-15", "breakdown"}, {"2026-05-01", "2026-06-15", "breakdown"}, {"2026-02-15", "2026-03-01", "custody"},
		{"2026-02-01", "", "did_not_start"},
	} {
		place("Hartlepool", "Acorn House", p.start, p.end, p.reason)
	}
	for range 2 {
		place("Hartlepool", "Birch Lodge", "2026-01-01", "", "")
	}
	for range 5 {
		place("Hartlepool", "Cedar Court", "2026-03-01", "", "")
	}
	incident := func(placement int, kind, at string) {
		fmt.Fprintf(&b, `INSERT INTO placement_incidents (placement_id, kind, started_at) VALUES (%d, '%s', '%s');`, placement, kind, at)
	}
	for i, at := range []string{"2026-01-20 22:00+00", "2026-02-03 20:00+00", "2026-03-05 23:30+00", "2026-04-10 18:00+00", "2026-05-31 23:30+00"} {
		incident(1+i%4, "missing", at) // the last begins at 00:30 on 1 June in England: after the period
	}
	incident(4, "missing", "2026-05-15 21:00+00")
	incident(6, "absent", "2026-02-14 12:00+00")
	incident(6, "absent", "2026-04-14 12:00+00")
	incident(6, "missing", "2025-12-24 12:00+00") // before the period
	for range 5 {
		p := place("Darlington", "Acorn House", "2026-01-01", "", "")
		incident(p, "missing", "2026-02-01 12:00+00")
	}
	req := 1000
	invite := func(council, at string) int {
		req++
		fmt.Fprintf(&b, `INSERT INTO placement_requests (id, council_id, child_ref, status) OVERRIDING SYSTEM VALUE VALUES (%d, %s, 'C-%d', 'draft');
			INSERT INTO request_invitations (request_id, provider_id, invited_at) VALUES (%d, %s, '%s');
			INSERT INTO invitation_homes (request_id, provider_id, home_id, rank) VALUES (%d, %s, %s, 1);`,
			req, org(council), req, req, org("Acorn Care"), at, req, org("Acorn Care"), home("Acorn House"))
		return req
	}
	bid := func(r int, at string) {
		fmt.Fprintf(&b, `INSERT INTO bids (request_id, provider_id, home_id, earliest_start, weekly_fee_pence, notice_days, created_at)
			VALUES (%d, %s, %s, '2026-07-01', 500000, 28, '%s');`, r, org("Acorn Care"), home("Acorn House"), at)
	}
	decline := func(r int, at string) {
		fmt.Fprintf(&b, `INSERT INTO declines (request_id, provider_id, reason, declined_at) VALUES (%d, %s, 'no_vacancy', '%s');`, r, org("Acorn Care"), at)
	}
	bid(invite("Hartlepool", "2026-02-02 09:00+00"), "2026-02-02 11:00+00")
	decline(invite("Hartlepool", "2026-02-10 09:00+00"), "2026-02-10 10:00+00")
	decline(invite("Hartlepool", "2026-03-03 09:00+00"), "2026-03-04 09:00+00")
	decline(invite("Hartlepool", "2026-03-20 09:00+00"), "2026-03-20 13:00+00")
	bid(invite("Hartlepool", "2026-04-01 09:00+00"), "2026-04-01 09:30+00")
	decline(invite("Hartlepool", "2026-04-05 09:00+00"), "2026-04-05 15:00+00")
	invite("Hartlepool", "2026-05-01 09:00+00")
	decline(invite("Hartlepool", "2026-05-02 09:00+00"), "2026-05-02 10:30+00")
	invite("Hartlepool", "2026-06-02 09:00+00") // after the period
	for range 5 {
		decline(invite("Darlington", "2026-02-02 09:00+00"), "2026-02-02 09:05+00")
	}
	if err := owner.Gorm.Exec(b.String()).Error; err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	var orgs []struct {
		ID   int64
		Name string
	}
	if err := app.Gorm.Raw(`SELECT id, name FROM organisations UNION ALL SELECT id, name FROM homes`).Scan(&orgs).Error; err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		ids[o.Name] = o.ID
	}
	svc := New(app.Gorm)
	svc.Now = func() time.Time { return time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC) }
	return svc, ids
}

func near(a, b float64) bool { return math.Abs(a-b) < 0.001 }

// TestQualityFigures checks the view against the fixture's figures worked by hand.
func TestQualityFigures(t *testing.T) {
	ctx := context.Background()
	svc, ids := qualityFixture(t)
	a := Scope{Consortium: ids["Consortium A"]}
	period := QualityPeriod{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)}
	if got, err := svc.quality(ctx, a, period, true); err != nil || !got.AsOf.IsZero() || len(got.Providers) != 0 {
		t.Fatalf("before any refresh: %+v, %v", got, err)
	}
	if err := svc.RefreshQuality(ctx); err != nil {
		t.Fatal(err)
	}
	// January to May 2026 is not a period the view offers; it is the fixture's months.
	got, err := svc.quality(ctx, a, period, true)
	if err != nil {
		t.Fatal(err)
	}
	if !got.AsOf.Equal(svc.Now()) || !got.First.Equal(time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)) || !got.Last.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("as of %s, months %s to %s", got.AsOf, got.First, got.Last)
	}
	if len(got.Providers) != 3 || got.Providers[0].Name != "Acorn Care" || got.Providers[1].Name != "Birch Homes" || got.Providers[2].Name != "Cedar Care" {
		t.Fatalf("providers: %+v", got.Providers)
	}
	acorn := got.Providers[0]
	if len(acorn.Homes) != 1 || acorn.Homes[0].Name != "Acorn House" || acorn.Homes[0].Rating != "good" {
		t.Fatalf("Acorn's homes: %+v", acorn.Homes)
	}
	for _, f := range []QualityFigures{acorn.QualityFigures, acorn.Homes[0].QualityFigures} {
		if f.Placements != n(9) || f.Nights != 483 || f.Incidents != n(7) || f.Missing != n(5) {
			t.Errorf("Acorn House: placements %v, nights %d, incidents %v, missing %v; want 9, 483, 7, 5", f.Placements, f.Nights, f.Incidents, f.Missing)
		}
		if !f.IncidentRate.Shown || !near(f.IncidentRate.Value, 7000.0/483) || !f.MissingRate.Shown || !near(f.MissingRate.Value, 5000.0/483) {
			t.Errorf("Acorn House per 1,000 nights: incidents %+v (want 14.493), missing %+v (want 10.352)", f.IncidentRate, f.MissingRate)
		}
		if f.Starts != n(7) || f.UnplannedEarly != n(5) || !f.UnplannedShare.Shown || !near(f.UnplannedShare.Value, 500.0/7) {
			t.Errorf("Acorn House: starts %v, unplanned %v, share %+v; want 7, 5, 71.4%%", f.Starts, f.UnplannedEarly, f.UnplannedShare)
		}
		if f.Invitations != n(8) || f.Declines != n(5) || !f.DeclineRate.Shown || !near(f.DeclineRate.Value, 62.5) {
			t.Errorf("Acorn: invitations %v, declines %v, rate %+v; want 8, 5, 62.5%%", f.Invitations, f.Declines, f.DeclineRate)
		}
		if f.Responses != n(7) || !f.MedianResponse.Shown || !near(f.MedianResponse.Value, 2) {
			t.Errorf("Acorn: responses %v, median %+v; want 7, 2 hours", f.Responses, f.MedianResponse)
		}
	}
	birch, cedar := got.Providers[1], got.Providers[2]
	if birch.Placements != few || birch.Nights != 0 || birch.IncidentRate.Shown || birch.Starts != few || birch.UnplannedShare.Shown {
		t.Errorf("Birch (2 placements) is not suppressed: %+v", birch.QualityFigures)
	}
	if !cedar.Placements.Suppressed || cedar.Nights != 0 || !cedar.Starts.Suppressed || !cedar.Homes[0].Placements.Suppressed || cedar.Homes[0].Nights != 0 {
		t.Errorf("Cedar: %+v; its home %+v (suppressed as the smallest other provider, and so its home's too)", cedar.QualityFigures, cedar.Homes[0].QualityFigures)
	}
	c := got.QualityFigures
	if c.Placements != n(16) || c.Nights != 1245 || !near(c.IncidentRate.Value, 7000.0/1245) || !near(c.MissingRate.Value, 5000.0/1245) ||
		c.Starts != n(14) || !near(c.UnplannedShare.Value, 500.0/14) || c.Invitations != n(8) || !near(c.MedianResponse.Value, 2) {
		t.Errorf("consortium A: %+v", c)
	}
	// Consortium B sees Darlington's five at Acorn House and nothing of A's.
	bq, err := svc.quality(ctx, Scope{Consortium: ids["Consortium B"]}, period, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(bq.Providers) != 1 || bq.Placements != n(5) || bq.Nights != 5*151 || bq.Incidents != n(5) || bq.Invitations != n(5) || bq.Declines != n(5) ||
		!near(bq.DeclineRate.Value, 100) || !near(bq.MedianResponse.Value, 5.0/60) {
		t.Errorf("consortium B: %+v", bq)
	}
	// The default period is the twelve whole months before June 2026; a period outside
	// the summary is refused.
	def, err := svc.Quality(ctx, a, QualityPeriod{})
	if err != nil || !def.Period.From.Equal(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)) || !def.Period.To.Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("default period: %+v, %v", def.Period, err)
	}
	// The default period is read as the refresh kept it (one row per consortium); asked
	// for by its months, it is summed from the months: the same figures.
	var kept int64
	if err := svc.db.Raw(`SELECT count(*) FROM intel_quality_default WHERE period_from = '2025-06-01' AND period_to = '2026-05-01'`).Scan(&kept).Error; err != nil || kept != 2 {
		t.Errorf("default figures kept for %d consortia (%v), want 2", kept, err)
	}
	if summed, err := svc.qualityRaw(svc.db, a.Consortium, def.Period, false); err != nil || len(summed.Rows) != 3 {
		t.Errorf("the default period summed from its months: %+v (%v)", summed, err)
	} else if kept, err := svc.qualityRaw(svc.db, a.Consortium, def.Period, true); err != nil || !reflect.DeepEqual(summed, kept) {
		t.Errorf("the default period as kept:\n%+v\nsummed from its months:\n%+v (%v)", kept, summed, err)
	}
	// Only the offered periods: the default and whole financial years, latest first
	// (2023-24 starts before the summary's first month, June 2023).
	if want := []QualityPeriod{def.Period, {From: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		{From: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}}; !reflect.DeepEqual(def.Periods, want) {
		t.Errorf("periods offered: %+v, want %+v", def.Periods, want)
	}
	if fy, err := svc.Quality(ctx, a, def.Periods[1]); err != nil || fy.Period != def.Periods[1] {
		t.Errorf("financial year 2025-26: %+v, %v", fy.Period, err)
	}
	for _, p := range []QualityPeriod{
		period, // January to May 2026: a run of months not offered
		{From: def.Period.From.AddDate(0, 1, 0), To: def.Period.To},
		{From: time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC), To: period.To},
		{From: period.From, To: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)},
		{From: period.To, To: period.From},
	} {
		if _, err := svc.Quality(ctx, a, p); err != ErrBadPeriod {
			t.Errorf("period %v: %v", p, err)
		}
	}
}
