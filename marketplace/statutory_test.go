package marketplace_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/ssda903"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// The Care Planning, Placement and Case Review (England) Regulations 2010, reg. 33:
// the first review within 20 working days of the child becoming looked after, the
// second within 3 months of the first, then every 6 months. Working days leave out
// weekends and England's bank holidays. Before this change the first review was the
// start + 28 days, whatever the holidays, and held reviews moved nothing.
func TestNextReviewDue(t *testing.T) {
	tests := []struct {
		name, from string
		held       []string
		want       string
	}{
		{"plain four weeks: Monday 2 November 2026", "2026-11-02", nil, "2026-11-30"},
		{"over Christmas and New Year: 25, 28 December and 1 January are bank holidays", "2026-12-07", nil, "2027-01-07"},
		{"over Easter 2027: Good Friday 26 March, Easter Monday 29 March", "2027-03-15", nil, "2027-04-14"},
		{"over the early May and spring bank holiday Mondays 2026", "2026-04-27", nil, "2026-05-27"},
		{"over the summer bank holiday Monday, 31 August 2026", "2026-08-17", nil, "2026-09-15"},
		{"a start on a Saturday counts from the Monday", "2026-11-07", nil, "2026-12-04"},
		{"second review: 3 months after the first held", "2026-11-02", []string{"2026-11-20"}, "2027-02-20"},
		{"second review from 30 November: end of February", "2026-11-02", []string{"2026-11-30"}, "2027-02-28"},
		{"third and later: 6 months after the last held, in any order", "2026-11-02", []string{"2027-02-10", "2026-11-20"}, "2027-08-10"},
		{"later reviews: every 6 months from the last", "2026-11-02", []string{"2026-11-20", "2027-02-10", "2027-08-01"}, "2028-02-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var held []time.Time
			for _, h := range tt.held {
				held = append(held, date(h))
			}
			if got := marketplace.NextReviewDue(date(tt.from), held).Format(time.DateOnly); got != tt.want {
				t.Errorf("NextReviewDue(%s, %v) = %s, want %s", tt.from, tt.held, got, tt.want)
			}
		})
	}
}

// TestTaxonomiesMatchTheDatabase keeps the one Go list of end reasons and placement types
// and the database's CHECKs (hearth_end_reason_codes(), hearth_placement_type_codes())
// the same, and every DfE code one the SSDA903 return currently accepts.
func TestTaxonomiesMatchTheDatabase(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	for _, tt := range []struct {
		fn    string
		codes []marketplace.Coded
		field []string
	}{
		{"hearth_end_reason_codes", marketplace.EndReasonCodes, []string{"REC", "REASON_PLACE_CHANGE"}},
		{"hearth_placement_type_codes", marketplace.PlacementTypeCodes, []string{"PLACE"}},
	} {
		var db []string
		must(t, w.db.Pool.QueryRow(ctx, "SELECT "+tt.fn+"()").Scan(&db))
		if !slices.Equal(db, marketplace.CodesOf(tt.codes)) {
			t.Errorf("%s():\n database %v\n Go       %v", tt.fn, db, marketplace.CodesOf(tt.codes))
		}
		current := ssda903Codes(t)
		for _, c := range tt.codes {
			if c.DfE.Code == "" {
				continue
			}
			if !slices.Contains(tt.field, c.DfE.Field) || !current[c.DfE.Field+"/"+c.DfE.Code] {
				t.Errorf("%s reports as %s %s, not a current SSDA903 code of %v", c.Code, c.DfE.Field, c.DfE.Code, tt.field)
			}
		}
	}
	// Every current REASON_PLACE_CHANGE and REC code has one Hearth end reason (X1 is a move).
	current := ssda903Codes(t)
	for k := range current {
		field, code, _ := strings.Cut(k, "/")
		if (field != "REC" && field != "REASON_PLACE_CHANGE") || code == "X1" {
			continue
		}
		n := 0
		for _, c := range marketplace.EndReasonCodes {
			if c.DfE.Field == field && c.DfE.Code == code {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s %s has %d Hearth end reasons, want 1", field, code, n)
		}
	}
	// The database refuses a code outside the list, whatever the Go code does.
	if _, err := w.db.Pool.Exec(ctx, "UPDATE lots SET placement_type = 'foster' WHERE id = $1", w.residential.ID); err == nil {
		t.Error("a placement type outside the taxonomy was stored")
	}
}

// ssda903Codes are the codes valid in the current collection year (the embedded DfE
// lists, commissioning/kernel/ssda903), keyed FIELD/CODE.
func ssda903Codes(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, field := range []string{"REC", "REASON_PLACE_CHANGE", "PLACE", "LS", "ETHNIC", "MISSING"} {
		for _, c := range ssda903.Codes(field, ssda903.YearOf(time.Now())) {
			out[field+"/"+c.Code] = true
		}
	}
	return out
}

// TestHearthsCodesAreValidNow: every DfE code Hearth's own lists map to (placement types,
// end reasons, legal statuses, ethnicities, missing and away) is valid in the current year.
func TestHearthsCodesAreValidNow(t *testing.T) {
	current := ssda903Codes(t)
	check := func(field, code, from string) {
		if !current[field+"/"+code] {
			t.Errorf("%s reports as %s %s, not valid in %s", from, field, code, ssda903.YearOf(time.Now()))
		}
	}
	for _, list := range [][]marketplace.Coded{marketplace.EndReasonCodes, marketplace.PlacementTypeCodes} {
		for _, c := range list {
			if c.DfE.Code != "" {
				check(c.DfE.Field, c.DfE.Code, c.Code)
			}
		}
	}
	for _, l := range marketplace.LegalStatuses {
		if ls, ok := marketplace.LegalStatusLS[l[0]]; ok {
			check("LS", ls, l[0])
		} else if l[0] != "s25" {
			t.Errorf("legal status %s has no LS code", l[0])
		}
	}
	for _, e := range kernel.Ethnicities {
		check("ETHNIC", e.Code, "ethnicity")
	}
	check("MISSING", "M", "missing")
	check("MISSING", "A", "absent")
	check("REC", "X1", "a move")
}

// reg11Award makes an award of a Liverpool home for a Manchester child: out of area and
// not adjoining (reg. 11), and 31 miles away, beyond the consortium's 20 miles.
func reg11Award(t *testing.T, w *world) (marketplace.Placement, commissioning.Organisation) {
	t.Helper()
	ctx := context.Background()
	manchester := w.member(t, "E08000003")
	home := w.home(t, w.provider.ID, "SC950001", "L1 8JQ", []string{"cse_risk"}, 1)
	start := time.Now().AddDate(0, 0, 7).Truncate(24 * time.Hour)
	deadline := time.Now().Add(3 * time.Hour)
	r := marketplace.PlacementRequest{CouncilID: manchester.ID, ChildRef: "MCR-00911", AgeYears: ptr(14), BirthMonth: ptr(int(time.Now().Month())), BirthYear: ptr(time.Now().Year() - 14),
		Sex: ptr("female"), Needs: kernel.StringArray{"cse_risk"}, LegalStatus: ptr("s31"), WithinMiles: ptr(50),
		LotID: &w.residential.ID, Tier: ptr("standard"), StartDate: &start, DurationWeeks: ptr(26), Deadline: &deadline}
	must(t, r.SetHome("M14"))
	must(t, marketplace.NewRequests(w.db.Gorm).SaveDraft(ctx, &r))
	_, _, err := w.mk.SubmitRequest(ctx, r.ID, manchester.ID)
	must(t, err)
	b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: start.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28})
	must(t, err)
	w.closeNow(t, r.ID)
	p, err := w.mk.Award(ctx, r.ID, manchester.ID, b.ID, 0)
	must(t, err)
	if p.Status != "awaiting_approval" || !p.ApprovalReasons.Has("regulation_11") {
		t.Fatalf("award %+v: want awaiting approval under regulation 11", p)
	}
	return p, manchester
}

// The Care Planning, Placement and Case Review (England) Regulations 2010, reg. 11: the
// nominated officer approves a distant placement only once satisfied that the child's
// wishes and feelings were ascertained and the IRO and the host council consulted, and
// an emergency placement within 5 working days after. Every missing answer comes back
// at once; the database refuses an approval without them, whatever the Go code does.
func TestApprovalRecordsWhatRegulation11Asks(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	p, manchester := reg11Award(t, w)
	if !slices.Equal(p.ApprovalRules(), []string{"Regulation 11: out of area and not adjoining", "Consortium policy: more than 20 miles"}) {
		t.Fatalf("rules %v", p.ApprovalRules())
	}

	_, err := w.mk.DecideApproval(ctx, p.ID, manchester.ID, 0, marketplace.Decision{Approve: true})
	var fe kernel.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("approval without the reg. 11 record: %v", err)
	}
	for _, f := range []string{"wishes", "iro", "host", "emergency"} {
		if !fe.Has(f) {
			t.Errorf("no error for %s in %v", f, fe)
		}
	}
	today := kernel.DateOf(time.Now())
	yes := func(d time.Time) marketplace.Consultation {
		return marketplace.Consultation{Answer: "yes", On: d.Format(time.DateOnly)}
	}
	tests := []struct {
		name  string
		rec   marketplace.Regulation11Record
		field string
	}{
		{"yes needs a date", marketplace.Regulation11Record{Wishes: marketplace.Consultation{Answer: "yes"}, IRO: yes(today), Host: yes(today), Emergency: "no"}, "wishes_on"},
		{"no needs a note", marketplace.Regulation11Record{Wishes: yes(today), IRO: marketplace.Consultation{Answer: "no", Note: " "}, Host: yes(today), Emergency: "no"}, "iro_note"},
		{"not consulted in the future", marketplace.Regulation11Record{Wishes: yes(today), IRO: yes(today), Host: yes(today.AddDate(0, 0, 1)), Emergency: "no"}, "host_on"},
		{"an emergency needs its date", marketplace.Regulation11Record{Wishes: yes(today), IRO: yes(today), Host: yes(today), Emergency: "yes"}, "emergency_placed_on"},
		{"an emergency approved after 5 working days", marketplace.Regulation11Record{Wishes: yes(today), IRO: yes(today), Host: yes(today), Emergency: "yes",
			EmergencyPlacedOn: today.AddDate(0, 0, -15).Format(time.DateOnly)}, "emergency_placed_on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.mk.DecideApproval(ctx, p.ID, manchester.ID, 0, marketplace.Decision{Approve: true, Reg11: tt.rec})
			var fe kernel.FieldErrors
			if !errors.As(err, &fe) || !fe.Has(tt.field) {
				t.Fatalf("want an error for %s, got %v", tt.field, err)
			}
		})
	}

	// Bypassing Go: the database refuses an approval without the record, an emergency
	// deadline further than 5 working days can reach, and an approval after the deadline.
	for _, tt := range []struct{ name, sql string }{
		{"approved without the record", `UPDATE placements SET status = 'awarded', decided_at = now() WHERE id = $1`},
		{"yes without a date", `UPDATE placements SET status = 'awarded', decided_at = now(), wishes_consulted = true, iro_consulted = true, iro_on = current_date, host_consulted = true, host_on = current_date WHERE id = $1`},
		{"deadline 20 days on", `UPDATE placements SET emergency = true, emergency_placed_on = current_date - 20, emergency_deadline = current_date WHERE id = $1`},
		{"approved after the deadline", `UPDATE placements SET emergency = true, emergency_placed_on = current_date - 12, emergency_deadline = current_date - 5, decided_at = now() WHERE id = $1`},
	} {
		if _, err := w.db.Pool.Exec(ctx, tt.sql, p.ID); err == nil {
			t.Errorf("the database accepted: %s", tt.name)
		}
	}

	// An emergency placement two working days ago, consulted on the way: approved, and
	// the deadline kept is 5 working days from the placement.
	placed := kernel.DateOf(time.Now())
	for n := 0; n < 2; {
		placed = placed.AddDate(0, 0, -1)
		if kernel.IsWorkingDay(placed) {
			n++
		}
	}
	got, err := w.mk.DecideApproval(ctx, p.ID, manchester.ID, 0, marketplace.Decision{Approve: true, Reg11: marketplace.Regulation11Record{
		Wishes: yes(placed), IRO: yes(today), Host: marketplace.Consultation{Answer: "no", Note: "Liverpool told on the day; consultation booked"},
		Emergency: "yes", EmergencyPlacedOn: placed.Format(time.DateOnly)}})
	must(t, err)
	if got.Status != "awarded" || !got.Emergency || !got.EmergencyDeadline.Equal(kernel.AddWorkingDays(placed, 5)) {
		t.Fatalf("approved %+v", got)
	}
	var rules []string
	must(t, w.db.Pool.QueryRow(ctx, "SELECT approval_reasons FROM placements WHERE id = $1", p.ID).Scan(&rules))
	if !slices.Equal(rules, []string{"regulation_11", "consortium_miles"}) {
		t.Fatalf("stored rules %v", rules)
	}
}

// The 20-mile line is the consortium's policy, set per framework and possibly off; it is
// stored with the award so a later change of policy does not rewrite why an award
// needed approval. The database refuses a policy of 0 miles or less.
func TestDistancePolicyPerFramework(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	for _, sql := range []string{"UPDATE frameworks SET distant_miles = 0 WHERE id = $1", "UPDATE frameworks SET distant_miles = -5 WHERE id = $1"} {
		if _, err := w.db.Pool.Exec(ctx, sql, w.framework.ID); err == nil {
			t.Errorf("accepted: %s", sql)
		}
	}
	f, err := w.fw.Framework(ctx, w.framework.ID)
	must(t, err)
	if f.DistantMiles == nil || *f.DistantMiles != 20 {
		t.Fatalf("default policy %v, want 20", f.DistantMiles)
	}
	must(t, w.fw.UpdateFramework(ctx, f.ID, commissioning.FrameworkTerms{Name: f.Name, OpenForApplications: true, WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 150, NoDistancePolicy: true}))
	p, _ := reg11Award(t, w)
	if !slices.Equal([]string(p.ApprovalReasons), []string{"regulation_11"}) || p.PolicyMiles != nil {
		t.Fatalf("with the policy off: %v (%v)", p.ApprovalReasons, p.PolicyMiles)
	}
	must(t, w.fw.UpdateFramework(ctx, f.ID, commissioning.FrameworkTerms{Name: f.Name, OpenForApplications: true, WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 150, DistantMiles: 10}))
	again, err := w.mk.PlacementFor(ctx, p.ID, marketplace.Viewer{OrgID: p.CouncilID, Kind: kernel.KindCouncil})
	must(t, err)
	if !slices.Equal(again.ApprovalRules(), []string{"Regulation 11: out of area and not adjoining"}) {
		t.Fatalf("rules after the policy changed: %v", again.ApprovalRules())
	}
	// The database keeps the miles behind a consortium-policy rule.
	if _, err := w.db.Pool.Exec(ctx, "UPDATE placements SET approval_reasons = '{regulation_11,consortium_miles}' WHERE id = $1", p.ID); err == nil {
		t.Error("a consortium-policy rule without its miles was stored")
	}
}

// Reviews held (Care Planning Regulations 2010, reg. 33) move the next due date on. A
// review is dated on or after the child arrived and not in the future, once a day: the
// Go checks say so beside the field, and the database refuses the same rows when Go is
// bypassed (raw SQL as the app role).
func TestReviewsHeldMoveTheNextDueDate(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	home := w.home(t, w.provider.ID, "SC960001", "M20 2AB", []string{"cse_risk"}, 1)
	r, _ := w.openRequest(t, manchester)
	b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28})
	must(t, err)
	w.closeNow(t, r.ID)
	p, err := w.mk.Award(ctx, r.ID, manchester.ID, b.ID, 0)
	must(t, err)
	if want := marketplace.NextReviewDue(p.StartDate, nil); p.ReviewDate == nil || !p.ReviewDate.Equal(want) {
		t.Fatalf("first review on the agreement %v, want %v (20 working days)", p.ReviewDate, want)
	}
	today := kernel.DateOf(time.Now())
	if _, err := w.mk.RecordReview(ctx, p.ID, manchester.ID, 0, marketplace.NewReview{HeldOn: today.Format(time.DateOnly)}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("review before the child arrived: %v", err)
	}
	_, err = w.mk.ConfirmStart(ctx, p.ID, w.provider.ID, 0, today)
	must(t, err)
	_, err = w.db.Pool.Exec(ctx, "UPDATE placements SET start_date = current_date - 200, started_on = current_date - 200 WHERE id = $1", p.ID)
	must(t, err)
	arrived := today.AddDate(0, 0, -200)
	view := func() marketplace.PlacementView {
		v, err := w.mk.PlacementFor(ctx, p.ID, marketplace.Viewer{OrgID: manchester.ID, Kind: kernel.KindCouncil})
		must(t, err)
		return v
	}
	if v := view(); v.NextReview == nil || !v.NextReview.Equal(marketplace.NextReviewDue(arrived, nil)) {
		t.Fatalf("next review %v", v.NextReview)
	}
	for _, tt := range []struct {
		name, on, field string
	}{
		{"no date", "", "held_on"},
		{"not a date", "2026-02-30", "held_on"},
		{"before the child arrived", arrived.AddDate(0, 0, -1).Format(time.DateOnly), "held_on"},
		{"in the future", today.AddDate(0, 0, 1).Format(time.DateOnly), "held_on"},
	} {
		var fe kernel.FieldErrors
		if _, err := w.mk.RecordReview(ctx, p.ID, manchester.ID, 0, marketplace.NewReview{HeldOn: tt.on}); !errors.As(err, &fe) || !fe.Has(tt.field) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	first := arrived.AddDate(0, 0, 20)
	_, err = w.mk.RecordReview(ctx, p.ID, manchester.ID, 0, marketplace.NewReview{HeldOn: first.Format(time.DateOnly), Notes: "Care plan confirmed"})
	must(t, err)
	if v := view(); !v.NextReview.Equal(kernel.AddMonths(first, 3)) || len(v.Reviews) != 1 {
		t.Fatalf("after the first review: next %v, reviews %d", v.NextReview, len(v.Reviews))
	}
	if _, err := w.mk.RecordReview(ctx, p.ID, manchester.ID, 0, marketplace.NewReview{HeldOn: first.Format(time.DateOnly)}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("a second review the same day: %v", err)
	}
	second := first.AddDate(0, 3, 0)
	_, err = w.mk.RecordReview(ctx, p.ID, manchester.ID, 0, marketplace.NewReview{HeldOn: second.Format(time.DateOnly)})
	must(t, err)
	if v := view(); !v.NextReview.Equal(kernel.AddMonths(second, 6)) {
		t.Fatalf("after the second review: next %v", v.NextReview)
	}

	for _, tt := range []struct{ name, sql string }{
		{"before the start", `INSERT INTO placement_reviews (placement_id, started_on, held_on) SELECT id, started_on, started_on - 1 FROM placements WHERE id = $1`},
		{"in the future", `INSERT INTO placement_reviews (placement_id, started_on, held_on) SELECT id, started_on, current_date + 1 FROM placements WHERE id = $1`},
		{"twice on one day", `INSERT INTO placement_reviews (placement_id, started_on, held_on) SELECT id, started_on, started_on + 20 FROM placements WHERE id = $1`},
		{"claiming another start", `INSERT INTO placement_reviews (placement_id, started_on, held_on) SELECT id, started_on - 30, started_on - 10 FROM placements WHERE id = $1`},
		{"a start moved after a review", `UPDATE placements SET started_on = current_date - 10 WHERE id = $1`},
	} {
		if _, err := w.db.Pool.Exec(ctx, tt.sql, p.ID); err == nil {
			t.Errorf("the database accepted a review %s", tt.name)
		}
	}
}

// Migration 00014 carries ended placements' old end reasons to the SSDA903-aligned codes
// (returned_home becomes return_home, E4A; secure becomes council_ended, LAREQ), and
// its Down carries them back.
func TestMigrationCarriesEndReasons(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	home := w.home(t, w.provider.ID, "SC970001", "M20 2AB", []string{"cse_risk"}, 1)
	r, _ := w.openRequest(t, manchester)
	b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28})
	must(t, err)
	w.closeNow(t, r.ID)
	p, err := w.mk.Award(ctx, r.ID, manchester.ID, b.ID, 0)
	must(t, err)
	today := kernel.DateOf(time.Now())
	_, err = w.mk.ConfirmStart(ctx, p.ID, w.provider.ID, 0, today)
	must(t, err)
	_, err = w.mk.EndPlacement(ctx, p.ID, marketplace.Viewer{OrgID: manchester.ID, Kind: kernel.KindCouncil}, 0, marketplace.Ending{EndedOn: today, Reason: "return_home"})
	must(t, err)

	owner, err := migrations.Connect(ctx, dbtest.OwnerURL("postgres:///"+w.db.Pool.Config().ConnConfig.Database))
	must(t, err)
	defer owner.Close()
	reason := func() string {
		var s string
		must(t, owner.Pool.QueryRow(ctx, "SELECT end_reason FROM placements WHERE id = $1", p.ID).Scan(&s))
		return s
	}
	must(t, migrations.DownTo(ctx, owner.SQL, 13))
	if got := reason(); got != "returned_home" {
		t.Fatalf("after Down: %q", got)
	}
	must(t, migrations.Up(ctx, owner.SQL))
	if got := reason(); got != "return_home" {
		t.Fatalf("returned_home after Up: %q", got)
	}
	must(t, migrations.DownTo(ctx, owner.SQL, 13))
	_, err = owner.Pool.Exec(ctx, "UPDATE placements SET end_reason = 'secure' WHERE id = $1", p.ID)
	must(t, err)
	must(t, migrations.Up(ctx, owner.SQL))
	if got := reason(); got != "council_ended" {
		t.Fatalf("secure after Up: %q", got)
	}
}
