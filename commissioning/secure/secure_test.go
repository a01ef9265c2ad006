package secure_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type world struct {
	db                 *migrations.DB
	s                  *secure.Service
	manchester, leeds  commissioning.Organisation
	swcu               commissioning.Organisation
	oakfield, heron    secure.Home
	oakBeds, heronBeds []secure.Bed
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t)
	orgs := commissioning.NewService(db.Gorm)
	must(t, orgs.SyncCouncils(ctx))
	w := &world{db: db, s: secure.NewService(db.Gorm).WithMail(notify.NewOutbox(db.Gorm, false), "https://hearth.test")}
	must(t, db.Gorm.Where("ons_code = 'E08000003'").First(&w.manchester).Error)
	must(t, db.Gorm.Where("ons_code = 'E08000035'").First(&w.leeds).Error)
	var err error
	w.swcu, err = orgs.Create(ctx, kernel.KindSWCU, "SWCU")
	must(t, err)
	must(t, secure.SeedEstate(ctx, db.Gorm, time.Now()))
	w.oakfield, w.oakBeds = w.home(t, "Oakfield Secure Children's Home (demo)")
	w.heron, w.heronBeds = w.home(t, "Heron Court Secure Children's Home (demo)")
	return w
}

func (w *world) home(t *testing.T, name string) (secure.Home, []secure.Bed) {
	t.Helper()
	var h secure.Home
	must(t, w.db.Gorm.Where("name = ?", name).First(&h).Error)
	_, beds, err := w.s.HomeOf(context.Background(), h.ProviderID)
	must(t, err)
	return h, beds
}

// freeWelfare returns a free welfare bed of a home, freeing one if need be.
func (w *world) freeWelfare(t *testing.T, h secure.Home) secure.Bed {
	t.Helper()
	_, beds, _ := w.s.HomeOf(context.Background(), h.ProviderID)
	for _, b := range beds {
		if b.Designation == "welfare" && b.Status == "free" {
			return b
		}
	}
	for _, b := range beds {
		if b.Designation == "welfare" && b.Status == "occupied" {
			b, err := w.s.SetBed(context.Background(), b.ID, h.ProviderID, 0, secure.BedUpdate{Status: "free"})
			must(t, err)
			return b
		}
	}
	t.Fatal("no welfare bed to free")
	return secure.Bed{}
}

// offer circulates r to h, which offers bed.
func (w *world) offer(t *testing.T, r secure.Referral, h secure.Home, bed secure.Bed) {
	t.Helper()
	ctx := context.Background()
	_, err := w.s.Circulate(ctx, r.ID, []int64{h.ID}, 0)
	must(t, err)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	must(t, w.s.Respond(ctx, r.ID, h.ProviderID, 0, secure.Response{Accept: true, BedID: bed.ID, EarliestAdmission: &today}))
}

func input(ref string) secure.ReferralInput {
	now := time.Now()
	start := now.UTC().Truncate(24 * time.Hour)
	expiry := secure.MaxOrderEnd(start, "first")
	no := false
	return secure.ReferralInput{ChildRef: ref, AgeYears: 14, BirthMonth: int(now.Month()), BirthYear: now.Year() - 14, Sex: "female",
		Ethnicity: "WBRI", PrimaryReason: "injure_self", ChildProtectionPlan: &no,
		LegalPosition: "order_granted", OrderStart: &start, OrderKind: "first", OrderExpiry: &expiry, Urgency: "urgent", Needs: []string{"self_harm"}, CurrentOutcode: "M14", PreferredMiles: 50,
		SocialWorker: "Sam Worker 0161 496 0000", SanctioningOfficer: "Head of Service 0161 496 0001"}
}

func (w *world) referral(t *testing.T, ref string) secure.Referral {
	t.Helper()
	r, err := w.s.Submit(context.Background(), w.manchester.ID, 0, input(ref))
	must(t, err)
	return r
}

func TestReferralValidation(t *testing.T) {
	today := time.Now().UTC().Truncate(24 * time.Hour)
	tests := []struct {
		name  string
		edit  func(*secure.ReferralInput)
		field string
	}{
		{"ExpiryBeforeHearing", func(in *secure.ReferralInput) {
			h := today.AddDate(0, 0, 10)
			e := today.AddDate(0, 0, 5)
			in.LegalPosition, in.HearingDate, in.OrderExpiry, in.Court = "hearing_listed", &h, &e, "Manchester Family Court"
		}, "order_expiry"},
		{"ExpiredOrder", func(in *secure.ReferralInput) { e := today.AddDate(0, 0, -1); in.OrderExpiry = &e }, "order_expiry"},
		{"HearingWithoutCourt", func(in *secure.ReferralInput) {
			h := today.AddDate(0, 0, 3)
			in.LegalPosition, in.HearingDate = "hearing_listed", &h
		}, "court"},
		{"Under13GrantedWithoutReference", func(in *secure.ReferralInput) {
			in.AgeYears, in.BirthYear, in.SOSGrantedOn = 12, today.Year()-12, &today
		}, "sos_approval_ref"},
		// Children (Secure Accommodation) Regulations 1991, reg. 11: a first order runs at most 3 months.
		{"FirstOrderOver3Months", func(in *secure.ReferralInput) { e := today.AddDate(0, 3, 2); in.OrderExpiry = &e }, "order_expiry"},
		// Reg. 12: a renewal runs at most 6 months.
		{"RenewalOver6Months", func(in *secure.ReferralInput) {
			e := today.AddDate(0, 6, 2)
			in.OrderKind, in.OrderExpiry = "renewal", &e
		}, "order_expiry"},
		{"OrderWithoutStart", func(in *secure.ReferralInput) { in.OrderStart = nil }, "order_start"},
		{"OrderWithoutKind", func(in *secure.ReferralInput) { in.OrderKind = "" }, "order_kind"},
		{"TooYoung", func(in *secure.ReferralInput) { in.AgeYears = 9 }, "age_years"},
		{"UnknownDistrict", func(in *secure.ReferralInput) { in.CurrentOutcode = "ZZ99" }, "current_outcode"},
		{"NoSocialWorker", func(in *secure.ReferralInput) { in.SocialWorker = " " }, "social_worker"},
		{"UnknownNeed", func(in *secure.ReferralInput) { in.Needs = []string{"dragons"} }, "needs"},
		{"NoUrgency", func(in *secure.ReferralInput) { in.Urgency = "" }, "urgency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input("MCR-S-1")
			tt.edit(&in)
			fe := in.Validate(today)
			if !fe.Has(tt.field) {
				t.Fatalf("problems %v, want one for %s", fe, tt.field)
			}
		})
	}
	// Reg. 4 needs approval before placement, not before referral: an under-13's
	// referral goes in while approval is sought.
	in := input("MCR-S-1")
	in.AgeYears, in.BirthYear, in.SOSRequestedOn = 12, today.Year()-12, &today
	if fe := in.Validate(today); fe != nil {
		t.Fatalf("an under-13 while approval is sought: %v", fe)
	}
	renewal := input("MCR-S-1")
	e := secure.MaxOrderEnd(today, "renewal")
	renewal.OrderKind, renewal.OrderExpiry = "renewal", &e
	if fe := renewal.Validate(today); fe != nil {
		t.Fatalf("a 6-month renewal: %v", fe)
	}
}

func TestWhoSeesAReferral(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	r := w.referral(t, "MCR-S-2")
	_, err := w.s.Circulate(ctx, r.ID, []int64{w.oakfield.ID}, 0)
	must(t, err)
	tests := []struct {
		name string
		v    secure.Viewer
		ok   bool
	}{
		{"OwnCouncil", secure.Viewer{OrgID: w.manchester.ID, Kind: kernel.KindCouncil}, true},
		{"AnotherCouncil", secure.Viewer{OrgID: w.leeds.ID, Kind: kernel.KindCouncil}, false},
		{"SWCU", secure.Viewer{OrgID: w.swcu.ID, Kind: kernel.KindSWCU}, true},
		{"HomeItWentTo", secure.Viewer{OrgID: w.oakfield.ProviderID, Kind: kernel.KindProvider}, true},
		{"HomeItDidNotGoTo", secure.Viewer{OrgID: w.heron.ProviderID, Kind: kernel.KindProvider}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.s.Referral(ctx, r.ID, tt.v)
			if tt.ok != (err == nil) || (!tt.ok && !errors.Is(err, kernel.ErrNotFound)) {
				t.Fatalf("got %v", err)
			}
		})
	}
	if _, n, _ := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "child.read", EntityType: "secure_referral"}, 0, 1); n != 3 {
		t.Fatalf("reads audited: %d", n)
	}
}

func TestCirculateRespondAllocateAdmitDischarge(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	r := w.referral(t, "MCR-S-3")
	if _, err := w.s.Circulate(ctx, r.ID, []int64{w.oakfield.ID, w.heron.ID}, 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.s.Circulate(ctx, r.ID, []int64{w.oakfield.ID}, 0); n != 0 {
		t.Fatalf("circulating again sent %d", n)
	}
	// Heron Court declines; a decline needs a reason.
	if err := w.s.Respond(ctx, r.ID, w.heron.ProviderID, 0, secure.Response{}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("decline without reason: %v", err)
	}
	must(t, w.s.Respond(ctx, r.ID, w.heron.ProviderID, 0, secure.Response{DeclineReason: "staffing"}))
	// Oakfield accepts with a free welfare bed; not a past date, not someone else's bed.
	bed := w.freeWelfare(t, w.oakfield)
	past := time.Now().AddDate(0, 0, -2)
	if err := w.s.Respond(ctx, r.ID, w.oakfield.ProviderID, 0, secure.Response{Accept: true, BedID: bed.ID, EarliestAdmission: &past}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("past admission date: %v", err)
	}
	if err := w.s.Respond(ctx, r.ID, w.oakfield.ProviderID, 0, secure.Response{Accept: true, BedID: w.heronBeds[0].ID, EarliestAdmission: &past}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("another home's bed: %v", err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	must(t, w.s.Respond(ctx, r.ID, w.oakfield.ProviderID, 0, secure.Response{Accept: true, BedID: bed.ID, EarliestAdmission: &today}))

	// Allocation: refuses a closed bed, a youth-justice bed and an unsuitable home.
	var closed, justice secure.Bed
	for _, b := range allBeds(t, w) {
		if b.Status == "closed" && closed.ID == 0 {
			closed = b
		}
		if b.Designation == "youth_justice" && b.Status == "free" && justice.ID == 0 {
			justice = b
		}
	}
	for name, id := range map[string]int64{"closed": closed.ID, "youth justice": justice.ID} {
		if id == 0 {
			continue
		}
		if _, err := w.s.Allocate(ctx, r.ID, id, 0); !errors.Is(err, kernel.ErrInvalid) {
			t.Fatalf("allocating a %s bed: %v", name, err)
		}
	}
	yew, _ := w.home(t, "Yew Tree Secure (demo)") // boys only
	if _, err := w.s.Allocate(ctx, r.ID, w.freeWelfare(t, yew).ID, 0); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("a girl to a boys' home: %v", err)
	}
	// Bolton, the host council, has a notification mailbox (and no Hearth users).
	must(t, w.db.Gorm.Exec("INSERT INTO council_mailboxes (council_id, email) VALUES (?, 'notices@bolton.example')", *w.oakfield.HostCouncilID).Error)
	got, err := w.s.Allocate(ctx, r.ID, bed.ID, 0)
	must(t, err)
	if got.Status != "allocated" {
		t.Fatalf("status %q", got.Status)
	}
	if _, err := w.s.Allocate(ctx, r.ID, w.freeWelfare(t, w.heron).ID, 0); !errors.Is(err, secure.ErrNotWaiting) {
		t.Fatalf("allocating a child twice: %v", err)
	}
	// The host council (Bolton) is told, as are the council and the home.
	var host int64
	w.db.Gorm.Table("notices").Where("organisation_id = ? AND kind = 'host_secure'", *w.oakfield.HostCouncilID).Count(&host)
	if host != 1 {
		t.Fatalf("host notices: %d", host)
	}
	// ... by email to its notification mailbox too, with an acknowledgement link (issue 12).
	var mailed, delivered int64
	w.db.Gorm.Table("emails").Where("to_address = 'notices@bolton.example' AND body LIKE ?", "%/notices/ack/%").Count(&mailed)
	w.db.Gorm.Table("notice_deliveries d").Joins("JOIN notices n ON n.id = d.notice_id").Where("n.kind = 'host_secure' AND d.mailbox = 'notices@bolton.example'").Count(&delivered)
	if mailed != 1 || delivered != 1 {
		t.Fatalf("host mailbox: %d emails, %d deliveries; want 1 each", mailed, delivered)
	}
	// Admission: not in the past; the bed becomes occupied.
	if err := w.s.Admit(ctx, r.ID, w.oakfield.ProviderID, 0, today.AddDate(0, 0, -1)); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("admission in the past: %v", err)
	}
	if err := w.s.Admit(ctx, r.ID, w.heron.ProviderID, 0, today); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("another home admits: %v", err)
	}
	must(t, w.s.Admit(ctx, r.ID, w.oakfield.ProviderID, 0, today))
	if b := bedByID(t, w, bed.ID); b.Status != "occupied" {
		t.Fatalf("bed after admission: %q", b.Status)
	}
	must(t, w.s.Discharge(ctx, r.ID, w.oakfield.ProviderID, 0, today, "step_down"))
	if b := bedByID(t, w, bed.ID); b.Status != "free" || b.HeldFor != nil {
		t.Fatalf("bed after discharge: %+v", b)
	}
}

func allBeds(t *testing.T, w *world) []secure.Bed {
	var bs []secure.Bed
	must(t, w.db.Gorm.Order("id").Find(&bs).Error)
	return bs
}

func bedByID(t *testing.T, w *world, id int64) secure.Bed {
	var b secure.Bed
	must(t, w.db.Gorm.First(&b, id).Error)
	return b
}

func TestTwoCoordinatorsAllocateTheSameBedAtOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	bed := w.freeWelfare(t, w.oakfield)
	refs := []secure.Referral{w.referral(t, "MCR-S-4"), w.referral(t, "MCR-S-5")}
	for _, r := range refs {
		w.offer(t, r, w.oakfield, bed)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, r := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = w.s.Allocate(ctx, r.ID, bed.ID, 0)
		}()
	}
	close(start)
	wg.Wait()
	won, lost := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, secure.ErrBedTaken):
			lost++
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("won %d, lost %d: want exactly one winner", won, lost)
	}
	if b := bedByID(t, w, bed.ID); b.Status != "held" || b.HeldFor == nil {
		t.Fatalf("bed %+v", b)
	}
}

func TestSuggestionSkipsDeclinesAndPausedSearches(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	r := w.referral(t, "MCR-S-6")
	paused := w.referral(t, "MCR-S-7")
	must(t, w.db.Gorm.Exec("UPDATE secure_referrals SET updated_at = now() - interval '15 days' WHERE id = ?", paused.ID).Error)
	bed := w.freeWelfare(t, w.oakfield)
	_, err := w.s.Circulate(ctx, r.ID, []int64{w.oakfield.ID}, 0)
	must(t, err)
	today := time.Now().UTC().Truncate(24 * time.Hour)
	must(t, w.s.Respond(ctx, r.ID, w.oakfield.ProviderID, 0, secure.Response{Accept: true, BedID: bed.ID, EarliestAdmission: &today}))
	sug, err := w.s.Suggest(ctx)
	must(t, err)
	if sug.Paused != 1 || len(sug.Pairs) != 1 || sug.Pairs[0].Referral.ID != r.ID || sug.Pairs[0].Bed.ID != bed.ID || !sug.Pairs[0].Offered {
		t.Fatalf("suggestion %+v", sug)
	}
	// Once the paused referral is updated, it is suggested too (an "ask first" bed).
	_, err = w.s.Refresh(ctx, paused.ID, w.manchester.ID, 0, false, "No change")
	must(t, err)
	sug, err = w.s.Suggest(ctx)
	must(t, err)
	if sug.Paused != 0 || len(sug.Pairs) != 2 {
		t.Fatalf("after the update: %d pairs, %d paused", len(sug.Pairs), sug.Paused)
	}
	// A home that declined a child is never suggested for them.
	must(t, w.s.Respond(ctx, r.ID, w.oakfield.ProviderID, 0, secure.Response{DeclineReason: "mix_of_children"}))
	sug, err = w.s.Suggest(ctx)
	must(t, err)
	for _, p := range sug.Pairs {
		if p.Referral.ID == r.ID && p.Home.ID == w.oakfield.ID {
			t.Fatal("suggested a home that declined the child")
		}
	}
}

func TestDailyReportGoesOutOnceAndRemindersOncePerDate(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	var uid int64
	must(t, w.db.Gorm.Raw("INSERT INTO users (organisation_id, org_kind, email, name, role) VALUES (?, 'swcu', 'jo@swcu.test', 'Jo', 'swcu_coordinator') RETURNING id", w.swcu.ID).Scan(&uid).Error)
	must(t, w.s.Subscribe(ctx, uid, true))
	w.referral(t, "MCR-S-8")
	var wg sync.WaitGroup
	sent := make([]bool, 3)
	for i := range sent {
		wg.Add(1)
		go func() { defer wg.Done(); sent[i], _ = w.s.SendDailyReport(ctx, 0) }()
	}
	wg.Wait()
	n := 0
	for _, s := range sent {
		if s {
			n++
		}
	}
	var emails int64
	w.db.Gorm.Model(&notify.Email{}).Where("to_address = 'jo@swcu.test' AND subject LIKE 'Secure welfare daily report%'").Count(&emails)
	if n != 1 || emails != 1 {
		t.Fatalf("sent by %d processes, %d emails", n, emails)
	}
	rep, err := w.s.DailyReport(ctx)
	must(t, err)
	if len(rep.Waiting) != 1 || rep.Board.Total == 0 {
		t.Fatalf("report: %d waiting, %d beds", len(rep.Waiting), rep.Board.Total)
	}
	// The 14-day update falls due within two days: one reminder, not two.
	must(t, w.db.Gorm.Exec("UPDATE secure_referrals SET updated_at = now() - interval '13 days'").Error)
	first, err := w.s.RemindDue(ctx)
	must(t, err)
	second, err := w.s.RemindDue(ctx)
	must(t, err)
	if first != 1 || second != 0 {
		t.Fatalf("reminders: %d then %d", first, second)
	}
}
