package secure_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/secure"
)

// sqlState runs stmt as the application's role, bypassing every Go check, and returns
// the SQLSTATE the database answered with ("" when it accepted the statement).
func sqlState(t *testing.T, w *world, stmt string, args ...any) string {
	t.Helper()
	_, err := w.db.SQL.Exec(stmt, args...)
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code
	}
	must(t, err)
	return ""
}

// allocated returns a referral with a bed at Oakfield held for it.
func (w *world) allocated(t *testing.T, ref string) (secure.Referral, secure.Bed) {
	t.Helper()
	r := w.referral(t, ref)
	bed := w.freeWelfare(t, w.oakfield)
	w.offer(t, r, w.oakfield, bed)
	r, err := w.s.Allocate(context.Background(), r.ID, bed.ID, 0)
	must(t, err)
	return r, bed
}

func today() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

func TestBedWithAChildCannotBeFreedOrClosed(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	held, heldBed := w.allocated(t, "MCR-R-1")
	placed, placedBed := w.allocated(t, "MCR-R-2")
	must(t, w.s.Admit(ctx, placed.ID, w.oakfield.ProviderID, 0, today()))
	_ = held
	reopens := today().AddDate(0, 0, 7)
	for _, tt := range []struct {
		name string
		bed  secure.Bed
		u    secure.BedUpdate
	}{
		{"OccupiedToFree", placedBed, secure.BedUpdate{Status: "free"}},
		{"OccupiedToClosed", placedBed, secure.BedUpdate{Status: "closed", ClosedReason: "staffing", ReopensOn: &reopens}},
		{"HeldToFree", heldBed, secure.BedUpdate{Status: "free"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := w.s.SetBed(ctx, tt.bed.ID, w.oakfield.ProviderID, 0, tt.u); !errors.Is(err, kernel.ErrConflict) {
				t.Fatalf("home marks the bed %s: %v", tt.u.Status, err)
			}
		})
	}
	// The database refuses it too, whatever the Go code does.
	for _, tt := range []struct {
		name, stmt string
		bed        int64
	}{
		{"SQLPlacedFree", "UPDATE secure_beds SET status = 'free', held_for = NULL WHERE id = $1", placedBed.ID},
		{"SQLPlacedClosed", "UPDATE secure_beds SET status = 'closed', held_for = NULL, closed_reason = 'staffing', reopens_on = current_date + 7 WHERE id = $1", placedBed.ID},
		{"SQLHeldFree", "UPDATE secure_beds SET status = 'free', held_for = NULL WHERE id = $1", heldBed.ID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code := sqlState(t, w, tt.stmt, tt.bed); code != "HS001" {
				t.Fatalf("SQLSTATE %q, want HS001", code)
			}
		})
	}
	if b := bedByID(t, w, placedBed.ID); b.Status != "occupied" {
		t.Fatalf("placed bed is %s", b.Status)
	}
}

func TestCoordinatorReleasesAHeldBed(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	r, bed := w.allocated(t, "MCR-R-3")
	if _, err := w.s.Release(ctx, r.ID, 0, " "); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("release without a reason: %v", err)
	}
	got, err := w.s.Release(ctx, r.ID, 0, "The home cannot staff the admission this week")
	must(t, err)
	if got.Status != "offers" || got.AllocatedBedID != nil || !got.Waiting() {
		t.Fatalf("referral after release: %s, bed %v", got.Status, got.AllocatedBedID)
	}
	if b := bedByID(t, w, bed.ID); b.Status != "free" || b.HeldFor != nil {
		t.Fatalf("bed after release: %+v", b)
	}
	if _, err := w.s.Release(ctx, r.ID, 0, "again"); !errors.Is(err, secure.ErrNotHeld) {
		t.Fatalf("releasing twice: %v", err)
	}
	if _, n, _ := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "secure.release"}, 0, 1); n != 1 {
		t.Fatalf("release audited %d times", n)
	}
	for _, org := range []int64{w.manchester.ID, w.oakfield.ProviderID} {
		var n int64
		w.db.Gorm.Table("notices").Where("organisation_id = ? AND subject LIKE '%bed released%'", org).Count(&n)
		if n != 1 {
			t.Fatalf("organisation %d told %d times", org, n)
		}
	}
	// The child can be allocated again.
	if _, err := w.s.Allocate(ctx, r.ID, bed.ID, 0); err != nil {
		t.Fatalf("allocating after release: %v", err)
	}
}

func TestAllocationOnlyToABedTheHomeOffered(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	r := w.referral(t, "MCR-R-4")
	oakBed, heronBed := w.freeWelfare(t, w.oakfield), w.freeWelfare(t, w.heron)
	_, err := w.s.Circulate(ctx, r.ID, []int64{w.oakfield.ID, w.heron.ID}, 0)
	must(t, err)
	must(t, w.s.Respond(ctx, r.ID, w.heron.ProviderID, 0, secure.Response{DeclineReason: "mix_of_children"}))
	kestrel, _ := w.home(t, "Kestrel House Secure (demo)")
	for _, tt := range []struct {
		name string
		bed  secure.Bed
	}{
		{"DeclinedHome", heronBed},
		{"NotYetAnswered", oakBed},
		{"NeverAsked", w.freeWelfare(t, kestrel)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := w.s.Allocate(ctx, r.ID, tt.bed.ID, 0); !errors.Is(err, secure.ErrNotOffered) {
				t.Fatalf("got %v", err)
			}
			// Straight to the database as the application's role.
			tx, err := w.db.SQL.Begin()
			must(t, err)
			defer tx.Rollback()
			_, err = tx.Exec("UPDATE secure_beds SET status = 'held', held_for = $1 WHERE id = $2", r.ID, tt.bed.ID)
			must(t, err)
			_, err = tx.Exec("UPDATE secure_referrals SET status = 'allocated', allocated_bed_id = $1, allocated_at = now() WHERE id = $2", tt.bed.ID, r.ID)
			var pg *pgconn.PgError
			if !errors.As(err, &pg) || pg.Code != "HS002" {
				t.Fatalf("database allowed it: %v", err)
			}
		})
	}
	today := today()
	must(t, w.s.Respond(ctx, r.ID, w.oakfield.ProviderID, 0, secure.Response{Accept: true, BedID: oakBed.ID, EarliestAdmission: &today}))
	if _, err := w.s.Allocate(ctx, r.ID, oakBed.ID, 0); err != nil {
		t.Fatalf("the offered bed: %v", err)
	}
}

// Children (Secure Accommodation) Regulations 1991, reg. 4: an under-13 is placed only
// with the Secretary of State's prior approval — but the search runs while it is sought.
func TestUnder13NeedsApprovalBeforePlacementNotReferral(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	in := input("MCR-R-5")
	in.AgeYears, in.BirthYear, in.SOSRequestedOn = 12, time.Now().Year()-12, ptr(today())
	r, err := w.s.Submit(ctx, w.manchester.ID, 0, in)
	must(t, err)
	bed := w.freeWelfare(t, w.oakfield)
	w.offer(t, r, w.oakfield, bed)
	if _, err := w.s.Allocate(ctx, r.ID, bed.ID, 0); !errors.Is(err, secure.ErrNeedsSOSApproval) {
		t.Fatalf("allocating without approval: %v", err)
	}
	tx, err := w.db.SQL.Begin()
	must(t, err)
	_, err = tx.Exec("UPDATE secure_beds SET status = 'held', held_for = $1 WHERE id = $2", r.ID, bed.ID)
	must(t, err)
	_, err = tx.Exec("UPDATE secure_referrals SET status = 'allocated', allocated_bed_id = $1 WHERE id = $2", bed.ID, r.ID)
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "HS003" {
		t.Fatalf("database allowed allocation: %v", err)
	}
	must(t, tx.Rollback())
	council := secure.Viewer{OrgID: w.manchester.ID, Kind: kernel.KindCouncil}
	if _, err := w.s.RecordApproval(ctx, r.ID, council, 0, secure.ApprovalInput{Kind: "sos", GrantedOn: ptr(today())}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("granted without a reference: %v", err)
	}
	_, err = w.s.RecordApproval(ctx, r.ID, council, 0, secure.ApprovalInput{Kind: "sos", GrantedOn: ptr(today()), Reference: "SOS/2026/118"})
	must(t, err)
	_, err = w.s.Allocate(ctx, r.ID, bed.ID, 0)
	must(t, err)
	// Admission is refused by the database if the approval is gone.
	must(t, w.db.Gorm.Exec("UPDATE secure_referrals SET sos_granted_on = NULL WHERE id = ?", r.ID).Error)
	if code := sqlState(t, w, "INSERT INTO secure_placements (referral_id, bed_id, admitted_on) VALUES ($1, $2, current_date)", r.ID, bed.ID); code != "HS003" {
		t.Fatalf("admission without approval: SQLSTATE %q", code)
	}
	if err := w.s.Admit(ctx, r.ID, w.oakfield.ProviderID, 0, today()); !errors.Is(err, secure.ErrNeedsSOSApproval) {
		t.Fatalf("admit without approval: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// Children and Social Work Act 2017, Sch. 1: a Scottish unit takes a child from England
// (or Wales) only with the Scottish Ministers' approval.
func TestScottishUnitNeedsScottishMinistersApproval(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	glen, _ := w.home(t, "Glen Esk Secure Unit (demo)")
	r := w.referral(t, "MCR-R-6")
	bed := w.freeWelfare(t, glen)
	w.offer(t, r, glen, bed)
	if _, err := w.s.Allocate(ctx, r.ID, bed.ID, 0); !errors.Is(err, secure.ErrNeedsScottishApproval) {
		t.Fatalf("without approval: %v", err)
	}
	tx, err := w.db.SQL.Begin()
	must(t, err)
	_, err = tx.Exec("UPDATE secure_beds SET status = 'held', held_for = $1 WHERE id = $2", r.ID, bed.ID)
	must(t, err)
	_, err = tx.Exec("UPDATE secure_referrals SET status = 'allocated', allocated_bed_id = $1 WHERE id = $2", bed.ID, r.ID)
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "HS004" {
		t.Fatalf("database allowed it: %v", err)
	}
	must(t, tx.Rollback())
	swcu := secure.Viewer{OrgID: w.swcu.ID, Kind: kernel.KindSWCU}
	if _, err := w.s.RecordApproval(ctx, r.ID, swcu, 0, secure.ApprovalInput{Kind: "scottish", HomeID: w.oakfield.ID, GrantedOn: ptr(today()), Reference: "SG/1"}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("approval for an English home: %v", err)
	}
	_, err = w.s.RecordApproval(ctx, r.ID, swcu, 0, secure.ApprovalInput{Kind: "scottish", HomeID: glen.ID, GrantedOn: ptr(today()), Reference: "SG/CSWA/2026/7"})
	must(t, err)
	if _, err := w.s.Allocate(ctx, r.ID, bed.ID, 0); err != nil {
		t.Fatalf("with approval: %v", err)
	}
}

// Children (Secure Accommodation) Regulations 1991, regs. 11 and 12: the database keeps
// orders to 3 months on first authorisation and 6 on renewal.
func TestOrderLengthInTheDatabase(t *testing.T) {
	w := newWorld(t)
	r := w.referral(t, "MCR-R-7")
	for _, tt := range []struct {
		name, kind string
		months     int
		days       int
		ok         bool
	}{
		{"First3Months", "first", 3, 0, true},
		{"FirstOver3Months", "first", 3, 1, false},
		{"Renewal6Months", "renewal", 6, 0, true},
		{"RenewalOver6Months", "renewal", 6, 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code := sqlState(t, w, "UPDATE secure_referrals SET order_start = '2026-01-31', order_kind = $1, order_expiry = (date '2026-01-31' + make_interval(months => $2::int))::date + $3::int WHERE id = $4",
				tt.kind, tt.months, tt.days, r.ID)
			if tt.ok != (code == "") || (!tt.ok && code != "23514") {
				t.Fatalf("SQLSTATE %q", code)
			}
		})
	}
	if got := secure.MaxOrderEnd(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), "first"); !got.Equal(time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("30 November + 3 months = %s, want 28 February as PostgreSQL has it", got.Format(time.DateOnly))
	}
	// A granted order has a start date, whoever writes it.
	if code := sqlState(t, w, `INSERT INTO secure_referrals (council_id, child_ref, age_years, birth_month, birth_year, sex, legal_position, order_expiry, urgency,
		current_outcode, lat, lon, preferred_miles, social_worker, sanctioning_officer) VALUES ($1, 'X-1', 14, 1, 2012, 'male', 'order_granted', current_date + 30, 'urgent',
		'M14', 53.4, -2.2, 50, 'Sam Worker', 'Head of Service')`, w.manchester.ID); code != "HS007" {
		t.Fatalf("granted order without a start: SQLSTATE %q", code)
	}
}

// Children (Secure Accommodation) Regulations 1991, reg. 10: at most 72 hours without a
// court's authority in any 28 consecutive days.
func TestHoursUsedInAny28Days(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	h := func(startAgo, endAgo time.Duration) secure.Hold {
		e := now.Add(-endAgo)
		return secure.Hold{StartedAt: now.Add(-startAgo), EndedAt: &e}
	}
	open := secure.Hold{StartedAt: now.Add(-10 * time.Hour)}
	const day = 24 * time.Hour
	for _, tt := range []struct {
		name       string
		holds      []secure.Hold
		used, most float64
	}{
		{"None", nil, 0, 0},
		{"OnePeriod", []secure.Hold{h(30*time.Hour, 6*time.Hour)}, 24, 24},
		{"OpenPeriodCountsToNow", []secure.Hold{open}, 10, 10},
		{"OutsideTheWindow", []secure.Hold{h(40*day, 39*day)}, 0, 24},
		{"StraddlesTheWindow", []secure.Hold{h(28*day+5*time.Hour, 28*day-5*time.Hour)}, 5, 10},
		{"NotConsecutive", []secure.Hold{h(20*day, 20*day-40*time.Hour), h(2*day, 2*day-40*time.Hour)}, 80, 80},
		{"PeakInThePast", []secure.Hold{h(50*day, 50*day-50*time.Hour), h(40*day, 40*day-30*time.Hour)}, 0, 80},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := secure.HoursUsed(tt.holds, now); math.Abs(got-tt.used) > 1e-9 {
				t.Fatalf("used %v, want %v", got, tt.used)
			}
			if got := secure.MostHoursInAnyWindow(tt.holds, now); math.Abs(got-tt.most) > 1e-9 {
				t.Fatalf("most %v, want %v", got, tt.most)
			}
		})
	}
}

func TestAdmissionWithoutAnOrderStopsAt72Hours(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	in := input("MCR-R-8")
	in.LegalPosition, in.OrderStart, in.OrderKind, in.OrderExpiry, in.HearingDate, in.Court = "hearing_listed", nil, "", nil, ptr(today().AddDate(0, 0, 2)), "Manchester Family Court"
	r, err := w.s.Submit(ctx, w.manchester.ID, 0, in)
	must(t, err)
	bed := w.freeWelfare(t, w.oakfield)
	w.offer(t, r, w.oakfield, bed)
	_, err = w.s.Allocate(ctx, r.ID, bed.ID, 0)
	must(t, err)
	council := secure.Viewer{OrgID: w.manchester.ID, Kind: kernel.KindCouncil}
	now := time.Now()
	// 40 hours ten days ago, then 32 hours ending an hour ago: 72 in 28 days.
	c, err := w.s.RecordHold(ctx, r.ID, council, 0, ptr(now.Add(-240*time.Hour)), ptr(now.Add(-200*time.Hour)))
	must(t, err)
	if math.Abs(c.Remaining-32) > 0.01 {
		t.Fatalf("remaining after 40 hours: %v", c.Remaining)
	}
	if _, err := w.s.RecordHold(ctx, r.ID, council, 0, ptr(now.Add(-210*time.Hour)), ptr(now.Add(-190*time.Hour))); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("overlapping period: %v", err)
	}
	c, err = w.s.RecordHold(ctx, r.ID, council, 0, ptr(now.Add(-33*time.Hour)), ptr(now.Add(-time.Hour)))
	must(t, err)
	if c.Remaining > 0.01 || c.Exceeded {
		t.Fatalf("clock after 72 hours: %+v", c)
	}
	var dbHours float64
	must(t, w.db.Gorm.Raw("SELECT secure_hours_without_order(?, now())", r.ID).Scan(&dbHours).Error)
	if math.Abs(dbHours-c.Used) > 0.01 {
		t.Fatalf("database counts %v hours, Go %v", dbHours, c.Used)
	}
	if err := w.s.Admit(ctx, r.ID, w.oakfield.ProviderID, 0, today()); !errors.Is(err, secure.ErrNoOrderHoursUsed) {
		t.Fatalf("admission after 72 hours: %v", err)
	}
	if code := sqlState(t, w, "INSERT INTO secure_placements (referral_id, bed_id, admitted_on) VALUES ($1, $2, current_date)", r.ID, bed.ID); code != "HS005" {
		t.Fatalf("database admitted: SQLSTATE %q", code)
	}
}

// Social Services and Well-being (Wales) Act 2014, s119: the SWCU serves Welsh councils
// too; they are not members of an English consortium.
func TestWelshCouncilsRefer(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	var welsh []commissioning.Organisation
	must(t, w.db.Gorm.Where("kind = 'council' AND region = 'Wales'").Order("ons_code").Find(&welsh).Error)
	if len(welsh) != 22 || *welsh[0].ONSCode != "W06000001" || welsh[0].Name != "Isle of Anglesey" || *welsh[21].ONSCode != "W06000024" {
		t.Fatalf("Welsh councils: %d", len(welsh))
	}
	var cardiff commissioning.Organisation
	must(t, w.db.Gorm.Where("ons_code = 'W06000015'").First(&cardiff).Error)
	in := input("CDF-S-1")
	in.CurrentOutcode = "M14"
	if _, err := w.s.Submit(ctx, cardiff.ID, 0, in); err != nil {
		t.Fatalf("a Welsh council's referral: %v", err)
	}
	var consortium int64
	must(t, w.db.Gorm.Raw("INSERT INTO organisations (kind, name) VALUES ('consortium', 'North West consortium') RETURNING id").Scan(&consortium).Error)
	if code := sqlState(t, w, "UPDATE organisations SET consortium_id = $1 WHERE id = $2", consortium, cardiff.ID); code != "23514" {
		t.Fatalf("a Welsh council joined an English consortium: SQLSTATE %q", code)
	}
}

// A registered manager can always refuse — but not after the bed is allocated, and an
// allocation never stands on an offer withdrawn at the same moment: of the home's decline
// and the coordinator's allocation, exactly one wins.
func TestHomeDeclinesWhileTheCoordinatorAllocates(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	for i := range 3 {
		r := w.referral(t, fmt.Sprintf("MCR-RACE-%d", i))
		bed := w.freeWelfare(t, w.oakfield)
		w.offer(t, r, w.oakfield, bed)
		var wg sync.WaitGroup
		var allocErr, declineErr error
		start := make(chan struct{})
		wg.Add(2)
		go func() { defer wg.Done(); <-start; _, allocErr = w.s.Allocate(ctx, r.ID, bed.ID, 0) }()
		go func() {
			defer wg.Done()
			<-start
			declineErr = w.s.Respond(ctx, r.ID, w.oakfield.ProviderID, 0, secure.Response{DeclineReason: "staffing"})
		}()
		close(start)
		wg.Wait()
		switch {
		case allocErr == nil && errors.Is(declineErr, secure.ErrNotWaiting):
		case declineErr == nil && errors.Is(allocErr, secure.ErrNotOffered):
		default:
			t.Fatalf("allocation: %v; decline: %v — want exactly one to win", allocErr, declineErr)
		}
		var inconsistent int64
		must(t, w.db.Gorm.Raw(`SELECT count(*) FROM secure_referrals r WHERE r.status = 'allocated' AND NOT EXISTS (SELECT 1 FROM secure_circulations c
			WHERE c.referral_id = r.id AND c.bed_id = r.allocated_bed_id AND c.response = 'accepted')`).Scan(&inconsistent).Error)
		if inconsistent != 0 {
			t.Fatal("a child is allocated a bed its home declined")
		}
	}
}
