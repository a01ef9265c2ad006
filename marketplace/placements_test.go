package marketplace_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/marketplace"
)

// user adds an active user to an organisation, for the emails a change sends.
func (w *world) user(t *testing.T, org commissioning.Organisation, role kernel.Role, email string) {
	t.Helper()
	must(t, w.db.Gorm.Exec("INSERT INTO users (organisation_id, org_kind, email, name, role) VALUES (?, ?, ?, ?, ?)", org.ID, org.Kind, email, "User "+email, role).Error)
}

func (w *world) emailsTo(t *testing.T, to string) []notify.Email {
	t.Helper()
	var es []notify.Email
	must(t, w.db.Gorm.Where("to_address = ?", to).Order("id").Find(&es).Error)
	return es
}

// afterInvitation leaves out the invitation to respond, which every invited provider is
// emailed when the request is sent, to show what a later change sent.
func afterInvitation(es []notify.Email) []notify.Email {
	var out []notify.Email
	for _, e := range es {
		if !strings.HasPrefix(e.Subject, "New placement request from ") {
			out = append(out, e)
		}
	}
	return out
}

func (w *world) notices(t *testing.T, org int64, kind string) []notify.Notice {
	t.Helper()
	var ns []notify.Notice
	must(t, w.db.Gorm.Where("organisation_id = ? AND kind = ?", org, kind).Order("id").Find(&ns).Error)
	return ns
}

// placed is a Manchester child awarded a bed in a Salford home (adjoining, within 20
// miles: no approval needed), so Salford is the host council.
type placed struct {
	w                   *world
	manchester, salford commissioning.Organisation
	home                marketplace.Home
	p                   marketplace.Placement
}

func newPlacement(t *testing.T) placed {
	t.Helper()
	ctx := context.Background()
	w := newWorld(t)
	w.mk = w.mk.WithMail(notify.NewOutbox(w.db.Gorm, false), "https://hearth.test")
	pl := placed{w: w, manchester: w.member(t, "E08000003"), salford: w.member(t, "E08000006")}
	w.user(t, pl.salford, kernel.RoleCommissioner, "host@salford.test")
	w.user(t, pl.manchester, kernel.RoleCommissioner, "placing@manchester.test")
	w.user(t, w.provider, kernel.RoleProviderAdmin, "admin@bw.test")
	pl.home = w.home(t, w.provider.ID, "SC950001", "M6 5AB", []string{"cse_risk"}, 1)
	r, _ := w.openRequest(t, pl.manchester)
	b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: pl.home.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 420000,
		OneToOneHours: 10, OneToOneRate: 2500, NoticeDays: 28})
	must(t, err)
	w.closeNow(t, r.ID)
	var by int64
	must(t, w.db.Gorm.Raw("SELECT id FROM users WHERE email = 'placing@manchester.test'").Scan(&by).Error)
	pl.p, err = w.mk.Award(ctx, r.ID, pl.manchester.ID, b.ID, by)
	must(t, err)
	if pl.p.Status != "awarded" || pl.p.HostCouncilID == nil || *pl.p.HostCouncilID != pl.salford.ID {
		t.Fatalf("placement %+v", pl.p)
	}
	return pl
}

func (pl placed) council() marketplace.Viewer {
	return marketplace.Viewer{OrgID: pl.manchester.ID, Kind: kernel.KindCouncil}
}
func (pl placed) host() marketplace.Viewer {
	return marketplace.Viewer{OrgID: pl.salford.ID, Kind: kernel.KindCouncil}
}
func (pl placed) provider() marketplace.Viewer {
	return marketplace.Viewer{OrgID: pl.w.provider.ID, Kind: kernel.KindProvider}
}

func TestAwardIssuesTheAgreementAndTellsTheHostCouncil(t *testing.T) {
	ctx := context.Background()
	pl := newPlacement(t)
	w := pl.w
	a, err := w.mk.AgreementPDF(ctx, pl.p.ID, 0, pl.council())
	must(t, err)
	if a.Version != 1 || !bytes.HasPrefix(a.PDF, []byte("%PDF-")) || len(a.SHA256) != 64 {
		t.Fatalf("agreement v%d, %d bytes", a.Version, len(a.PDF))
	}
	if _, err := w.mk.AgreementPDF(ctx, pl.p.ID, 0, pl.provider()); err != nil {
		t.Fatalf("the provider downloads the agreement: %v", err)
	}
	if _, err := w.mk.AgreementPDF(ctx, pl.p.ID, 0, pl.host()); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("the host council downloads the agreement: %v", err)
	}
	ns := w.notices(t, pl.salford.ID, "host_award")
	if len(ns) != 1 {
		t.Fatalf("host notices: %d", len(ns))
	}
	for _, want := range []string{"Manchester", "Brightwater", "M6", "MCR-00042", "placing@manchester.test"} {
		if !bytes.Contains([]byte(ns[0].Body), []byte(want)) {
			t.Errorf("host notice lacks %q:\n%s", want, ns[0].Body)
		}
	}
	if es := w.emailsTo(t, "host@salford.test"); len(es) != 1 || es[0].Subject != ns[0].Subject {
		t.Fatalf("host emails: %+v", es)
	}
	if es := afterInvitation(w.emailsTo(t, "admin@bw.test")); len(es) != 1 || !bytes.Contains([]byte(es[0].Subject), []byte("chosen")) {
		t.Fatalf("winner emails: %+v", es)
	}
	// The fee breakdown is kept, from the start date.
	v, err := w.mk.PlacementFor(ctx, pl.p.ID, pl.council())
	must(t, err)
	if len(v.Fees) != 1 || v.Fees[0].TotalPence != 445000 || v.Fees[0].OneToOneHours != 10 {
		t.Fatalf("fees %+v", v.Fees)
	}
}

func TestEachOrganisationSeesOnlyItsShareOfAPlacement(t *testing.T) {
	ctx := context.Background()
	pl := newPlacement(t)
	w := pl.w
	liverpool := w.member(t, "E08000012")
	other, err := w.fw.CreateProvider(ctx, commissioning.ProviderSignUp{Name: "Other Care", RegistrationKind: "company", RegistrationNumber: "07654321", ContactName: "Sam", ContactEmail: "sam@o.test", ContactPhone: "0161 496 0001"})
	must(t, err)
	tests := []struct {
		name   string
		viewer marketplace.Viewer
		access marketplace.Access
	}{
		{"PlacingCouncil", pl.council(), marketplace.AccessCouncil},
		{"Provider", pl.provider(), marketplace.AccessProvider},
		{"HostCouncil", pl.host(), marketplace.AccessHost},
		{"AnotherCouncil", marketplace.Viewer{OrgID: liverpool.ID, Kind: kernel.KindCouncil}, ""},
		{"AnotherProvider", marketplace.Viewer{OrgID: other.ID, Kind: kernel.KindProvider}, ""},
		{"ConsortiumWithTheSameID", marketplace.Viewer{OrgID: pl.manchester.ID, Kind: kernel.KindConsortium}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := w.mk.PlacementFor(ctx, pl.p.ID, tt.viewer)
			if tt.access == "" {
				if !errors.Is(err, kernel.ErrNotFound) {
					t.Fatalf("got %v, want not found", err)
				}
				return
			}
			must(t, err)
			if v.Access != tt.access || v.ChildRef != "MCR-00042" {
				t.Fatalf("access %q ref %q", v.Access, v.ChildRef)
			}
			hidden := v.AgeYears == 0 && v.Sex == "" && len(v.Fees) == 0 && len(v.Agreements) == 0
			if hidden != (tt.access == marketplace.AccessHost) {
				t.Fatalf("host sees the profile or fee, or another party doesn't: %+v", v)
			}
			rows, n, err := w.mk.Placements(ctx, tt.viewer, "", 0, 10)
			must(t, err)
			if n != 1 || rows[0].Access != tt.access {
				t.Fatalf("list: %d rows %+v", n, rows)
			}
		})
	}
	if entries, n, _ := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "child.read", EntityType: "placement"}, 0, 10); n != 3 || entries[0].EntityID == "" {
		t.Fatalf("placement reads audited: %d", n)
	}
}

func TestPlacementLifecycle(t *testing.T) {
	ctx := context.Background()
	pl := newPlacement(t)
	w := pl.w
	today := time.Now().UTC().Truncate(24 * time.Hour)

	// Start: only the provider, only today or before.
	if _, err := w.mk.ConfirmStart(ctx, pl.p.ID, pl.manchester.ID, 0, today); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("the council confirms the start: %v", err)
	}
	if _, err := w.mk.ConfirmStart(ctx, pl.p.ID, w.provider.ID, 0, today.AddDate(0, 0, 2)); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("a start in the future: %v", err)
	}
	if _, err := w.mk.ReportIncident(ctx, pl.p.ID, w.provider.ID, 0, marketplace.IncidentReport{Kind: "missing", StartedAt: time.Now().Add(-time.Hour)}); !errors.Is(err, marketplace.ErrNotStarted) {
		t.Fatalf("incident before the start: %v", err)
	}
	p, err := w.mk.ConfirmStart(ctx, pl.p.ID, w.provider.ID, 0, today)
	must(t, err)
	if p.Status != "started" || len(w.notices(t, pl.salford.ID, "host_start")) != 1 {
		t.Fatalf("start: %+v", p)
	}
	if _, err := w.mk.ConfirmStart(ctx, pl.p.ID, w.provider.ID, 0, today); !errors.Is(err, marketplace.ErrNotAwarded) {
		t.Fatalf("starting twice: %v", err)
	}

	// Fee change: after the current fee's date (the arrival: the child came before the
	// agreed start, which moved the fee's start); re-issues the agreement.
	change := marketplace.FeeChange{EffectiveFrom: p.StartDate, CorePence: 430000, Reason: "Waking night staff added"}
	if _, err := w.mk.ChangeFee(ctx, pl.p.ID, pl.manchester.ID, 0, change); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("a change on the same date as the current fee: %v", err)
	}
	if _, err := w.mk.ChangeFee(ctx, pl.p.ID, w.provider.ID, 0, change); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("the provider changes the fee: %v", err)
	}
	change.EffectiveFrom = pl.p.StartDate.AddDate(0, 0, 14)
	a, err := w.mk.ChangeFee(ctx, pl.p.ID, pl.manchester.ID, 0, change)
	must(t, err)
	v, _ := w.mk.PlacementFor(ctx, pl.p.ID, pl.council())
	if a.Version != 2 || len(v.Agreements) != 2 || v.WeeklyFeePence != 430000 || len(v.Fees) != 2 {
		t.Fatalf("after the fee change: v%d, %d agreements, fee %d", a.Version, len(v.Agreements), v.WeeklyFeePence)
	}
	if entries, n, _ := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "placement.fee_change"}, 0, 1); n != 1 || entries[0].Detail == nil {
		t.Fatalf("fee change audited: %d", n)
	}

	// A missing episode reaches both councils; the host sees it on the placement.
	// It began two hours ago, or just after midnight when the test runs earlier in the
	// day: never before the placement's first day (today).
	began := time.Now().Add(-2 * time.Hour)
	if began.Before(today) {
		began = today.Add(time.Second)
	}
	in, err := w.mk.ReportIncident(ctx, pl.p.ID, w.provider.ID, 0, marketplace.IncidentReport{Kind: "missing", StartedAt: began, Note: "Did not return from school"})
	must(t, err)
	if len(w.notices(t, pl.manchester.ID, "incident")) != 1 || len(w.notices(t, pl.salford.ID, "incident")) != 1 {
		t.Fatal("both councils are told of the missing episode")
	}
	if _, err := w.mk.EndIncident(ctx, pl.p.ID, in.ID, w.provider.ID, 0, marketplace.IncidentEnd{EndedAt: in.StartedAt.Add(-time.Minute)}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("an episode ending before it began: %v", err)
	}
	_, err = w.mk.EndIncident(ctx, pl.p.ID, in.ID, w.provider.ID, 0, marketplace.IncidentEnd{EndedAt: began.Add(time.Since(began) / 2)})
	must(t, err)
	hv, _ := w.mk.PlacementFor(ctx, pl.p.ID, pl.host())
	if len(hv.Incidents) != 1 || hv.Incidents[0].EndedAt == nil {
		t.Fatalf("host's view of incidents: %+v", hv.Incidents)
	}

	// End: with a reason that fits; frees the bed; tells the host.
	if h, _ := w.mk.Home(ctx, pl.home.ID); h.BedsFree != 0 {
		t.Fatalf("beds free while placed: %d", h.BedsFree)
	}
	if _, err := w.mk.EndPlacement(ctx, pl.p.ID, pl.provider(), 0, marketplace.Ending{EndedOn: today, Reason: "did_not_start"}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("did not start, after it started: %v", err)
	}
	if _, err := w.mk.EndPlacement(ctx, pl.p.ID, pl.host(), 0, marketplace.Ending{EndedOn: today, Reason: "planned_move"}); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("the host council ends the placement: %v", err)
	}
	p, err = w.mk.EndPlacement(ctx, pl.p.ID, pl.provider(), 0, marketplace.Ending{EndedOn: today, Reason: "planned_move"})
	must(t, err)
	if p.Status != "ended" || len(w.notices(t, pl.salford.ID, "host_end")) != 1 {
		t.Fatalf("end: %+v", p)
	}
	if h, _ := w.mk.Home(ctx, pl.home.ID); h.BedsFree != 1 {
		t.Fatalf("bed not freed: %d", h.BedsFree)
	}
	if _, err := w.mk.EndPlacement(ctx, pl.p.ID, pl.provider(), 0, marketplace.Ending{EndedOn: today, Reason: "planned_move"}); !errors.Is(err, marketplace.ErrPlacementOver) {
		t.Fatalf("ending twice: %v", err)
	}
	var emails int64
	w.db.Gorm.Model(&notify.Email{}).Where("to_address = 'placing@manchester.test' AND subject LIKE '%ended'").Count(&emails)
	if emails != 1 {
		t.Fatalf("the council hears the provider ended the placement: %d emails", emails)
	}
}

func TestChildHistoryCountsMovesForTheirCouncilOnly(t *testing.T) {
	ctx := context.Background()
	pl := newPlacement(t)
	w := pl.w
	today := time.Now().UTC().Truncate(24 * time.Hour)
	_, err := w.mk.ConfirmStart(ctx, pl.p.ID, w.provider.ID, 0, today)
	must(t, err)
	_, err = w.mk.EndPlacement(ctx, pl.p.ID, pl.council(), 0, marketplace.Ending{EndedOn: today, Reason: "breakdown"})
	must(t, err)
	// The same child is placed again, in the bed now free, and arrives: one move.
	r, _ := w.openRequest(t, pl.manchester)
	b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: pl.home.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 420000, NoticeDays: 28})
	must(t, err)
	w.closeNow(t, r.ID)
	p2, err := w.mk.Award(ctx, r.ID, pl.manchester.ID, b.ID, 0)
	must(t, err)
	_, err = w.mk.ConfirmStart(ctx, p2.ID, w.provider.ID, 0, today)
	must(t, err)

	rec, err := w.mk.ChildHistory(ctx, pl.manchester.ID, "MCR-00042")
	must(t, err)
	if len(rec.Placements) != 2 || rec.Moves != 1 || rec.Placements[0].ID != p2.ID {
		t.Fatalf("record: %d placements, %d moves", len(rec.Placements), rec.Moves)
	}
	if _, err := w.mk.ChildHistory(ctx, pl.salford.ID, "MCR-00042"); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("the host council reads the child's history: %v", err)
	}
	if _, n, _ := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "child.read", EntityType: "child"}, 0, 1); n != 1 {
		t.Fatalf("child page reads audited: %d", n)
	}
}

func TestAmendingASentRequestIsVisibleAndTellsInvitees(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.mk = w.mk.WithMail(notify.NewOutbox(w.db.Gorm, false), "https://hearth.test")
	manchester := w.member(t, "E08000003")
	w.user(t, w.provider, kernel.RoleProviderAdmin, "admin@bw.test")
	w.home(t, w.provider.ID, "SC960001", "M20 2AB", []string{"cse_risk"}, 1)
	r, res := w.openRequest(t, manchester)
	if len(res.Invited) != 1 {
		t.Fatalf("invited %d", len(res.Invited))
	}
	base := marketplace.AmendInput{StartDate: *r.StartDate, DurationWeeks: *r.DurationWeeks, NeedsDetail: r.NeedsDetail, FamilyDetails: r.FamilyDetails, Reason: "Social worker's update"}
	later := r.Deadline.Add(2 * time.Hour)
	earlier := r.Deadline.Add(-time.Hour)
	tests := []struct {
		name  string
		edit  func(*marketplace.AmendInput)
		field string
	}{
		{"NothingChanged", func(*marketplace.AmendInput) {}, "start_date"},
		{"NoReason", func(a *marketplace.AmendInput) { a.DurationWeeks = 52; a.Reason = " " }, "reason"},
		{"EarlierDeadline", func(a *marketplace.AmendInput) { a.Deadline = &earlier }, "deadline"},
		{"StartInThePast", func(a *marketplace.AmendInput) { a.StartDate = time.Now().AddDate(0, 0, -3).Truncate(24 * time.Hour) }, "start_date"},
		{"DurationOutOfRange", func(a *marketplace.AmendInput) { a.DurationWeeks = 0 }, "duration_weeks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			tt.edit(&in)
			_, err := w.mk.AmendRequest(ctx, r.ID, manchester.ID, 0, in)
			var fe kernel.FieldErrors
			if !errors.As(err, &fe) || fe[0].Field != tt.field {
				t.Fatalf("got %v, want a problem with %s", err, tt.field)
			}
		})
	}
	in := base
	in.DurationWeeks, in.Deadline, in.NeedsDetail = 52, &later, "Needs a calm home with few children"
	if _, err := w.mk.AmendRequest(ctx, r.ID, w.member(t, "E08000006").ID, 0, in); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("another council amends: %v", err)
	}
	a, err := w.mk.AmendRequest(ctx, r.ID, manchester.ID, 0, in)
	must(t, err)
	if len(a.Changes) != 3 {
		t.Fatalf("changes %+v", a.Changes)
	}
	list, err := w.mk.Amendments(ctx, r.ID)
	must(t, err)
	if len(list) != 1 || list[0].Changes[0].Label == "" || list[0].Reason != "Social worker's update" {
		t.Fatalf("amendments %+v", list)
	}
	if es := afterInvitation(w.emailsTo(t, "admin@bw.test")); len(es) != 1 || !bytes.Contains([]byte(es[0].Body), []byte("52 weeks (was: 26 weeks)")) {
		t.Fatalf("invitee emails %+v", es)
	}
	if len(w.notices(t, w.provider.ID, "amendment")) != 1 {
		t.Fatal("invitee's in-app notice")
	}
	// The extended deadline holds: a bid after the old one is still accepted.
	got, _ := marketplace.NewRequests(w.db.Gorm).Request(ctx, r.ID, manchester.ID)
	if !got.Deadline.Equal(later) || got.Version != r.Version+1 {
		t.Fatalf("request after amendment: deadline %v version %d", got.Deadline, got.Version)
	}
	if _, n, _ := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "request.amend"}, 0, 1); n != 1 {
		t.Fatalf("amendment audited: %d", n)
	}
}
