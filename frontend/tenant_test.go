package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
)

// second is another consortium beside the harness's: Leeds and Bradford, its own admin,
// framework and provider (Provider Y), a placement in Leeds and its invoice.
type second struct {
	consortium, leeds, bradford commissioning.Organisation
	framework                   commissioning.Framework
	application                 commissioning.Application
	placement                   int64
}

// startAndInvoice starts placement pid as provider and runs this month's invoices as
// admin, after giving council a billing contact.
func (h *harness) startAndInvoice(t *testing.T, pid int64, provider, admin string, council int64) {
	t.Helper()
	now := time.Now().In(london)
	page := fmt.Sprintf("/placements/%d", pid)
	if r := h.signIn(provider).post(page, page+"/start", url.Values{"started_on-day": {fmt.Sprint(now.Day())}, "started_on-month": {fmt.Sprint(int(now.Month()))},
		"started_on-year": {fmt.Sprint(now.Year())}}); r.Status != http.StatusSeeOther {
		t.Fatalf("start %d: %d", pid, r.Status)
	}
	a := h.signIn(admin)
	if r := a.post("/admin/billing", "/admin/billing/contacts", url.Values{"council_id": {fmt.Sprint(council)}, "billing_email": {"invoices@council.test"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("contact: %d", r.Status)
	}
	if r := a.post("/admin/billing", "/admin/billing/run", url.Values{"month": {now.Format("2006-01")}}); !strings.Contains(r.Body, "1 invoice created") {
		t.Fatalf("run by %s: %d", admin, r.Status)
	}
}

func (h *harness) secondConsortium(t *testing.T) second {
	t.Helper()
	ctx := context.Background()
	var s second
	var err error
	s.consortium, err = h.deps.Orgs.Create(ctx, kernel.KindConsortium, "Second Consortium")
	must(t, err)
	must(t, h.deps.Orgs.JoinConsortium(ctx, s.consortium.ID, []string{"E08000035", "E08000032"}))
	must(t, h.deps.DB.Gorm.Where("ons_code = 'E08000035'").First(&s.leeds).Error)
	must(t, h.deps.DB.Gorm.Where("ons_code = 'E08000032'").First(&s.bradford).Error)
	for _, nu := range []auth.NewUser{
		{Email: "admin@second.test", Name: "Second Admin", Role: kernel.RoleConsortiumAdmin, OrganisationID: s.consortium.ID, Password: testPassword},
		{Email: "commissioner@leeds.test", Name: "Leeds Commissioner", Role: kernel.RoleCommissioner, OrganisationID: s.leeds.ID, Password: testPassword},
	} {
		u, err := h.deps.Users.Create(ctx, nu)
		must(t, err)
		if nu.Role.RequiresMFA() {
			code, _ := totp.GenerateCode(testTOTP, time.Now())
			must(t, h.deps.Users.EnableMFA(ctx, u, testTOTP, code))
		}
		h.users[nu.Email] = u
	}
	fw := h.deps.Frameworks
	s.framework, err = fw.CreateFramework(ctx, s.consortium.ID, commissioning.FrameworkTerms{Name: "Second DPS", OpenForApplications: true, WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 150})
	must(t, err)
	lot, err := fw.AddLot(ctx, s.framework.ID, commissioning.NewLot{Code: "residential", Name: "Residential", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 500000}})
	must(t, err)
	provider := h.orgs["providery"].ID
	s.application, err = fw.AdmitOutright(ctx, s.framework.ID, provider, []int64{lot.ID}, commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(1, 0, 0),
		SafeguardingPolicyDate: time.Now().AddDate(0, -1, 0), ResponsibleIndividual: "R I"}, "ok")
	must(t, err)
	m := h.deps.Market
	home := h.addHome(provider, "SC990001", "LS6 1AA", 1)

	// A request from Leeds, Provider Y's bid, the award, the start and the invoice.
	now := time.Now()
	age, month, year, sex, legal, within, tier, weeks := 15, int(now.Month()), now.Year()-15, "male", "s20", 20, "standard", 26
	start, deadline := now.AddDate(0, 0, 7), now.Add(3*time.Hour)
	r := marketplace.PlacementRequest{CouncilID: s.leeds.ID, ChildRef: "LDS-SECOND-1", AgeYears: &age, BirthMonth: &month, BirthYear: &year,
		Sex: &sex, Needs: kernel.StringArray{"autism"}, LegalStatus: &legal, WithinMiles: &within, LotID: &lot.ID, Tier: &tier,
		StartDate: &start, DurationWeeks: &weeks, Deadline: &deadline}
	must(t, r.SetHome("LS1"))
	must(t, marketplace.NewRequests(h.deps.DB.Gorm).SaveDraft(ctx, &r))
	_, _, err = m.SubmitRequest(ctx, r.ID, s.leeds.ID)
	must(t, err)
	bid, err := m.SubmitBid(ctx, r.ID, provider, marketplace.BidInput{HomeID: home.ID, EarliestStart: start.Format(time.DateOnly), WeeklyFee: 410000, NoticeDays: 28})
	must(t, err)
	h.passDeadline(t, r.ID)
	_, err = m.CloseDue(ctx)
	must(t, err)
	confirm := fmt.Sprintf("/requests/%d/bids/%d/award", r.ID, bid.ID)
	res := h.signIn("commissioner@leeds.test").post(confirm, confirm, url.Values{"out_of_area_reason": {"no_suitable_in_area"}})
	if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/placements/") {
		t.Fatalf("award in Leeds: %d %q", res.Status, res.Location)
	}
	fmt.Sscanf(res.Location, "/placements/%d", &s.placement)
	return s
}

// TestTwoConsortiaSeeOnlyTheirOwn is the tenant test of issue 10: two consortia, each
// with an admin, councils, a framework, a provider, a placement, an invoice and mail.
// Each admin sees only their own outbox, audit log, frameworks, councils, users and
// invoices, through pages, CSV and API, and another's ids answer 404 or 403.
// ASVS V4.2.1 (IDOR / tenant isolation), V7.x (log access), V8.3.x.
func TestTwoConsortiaSeeOnlyTheirOwn(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	b := h.secondConsortium(t)
	pidA := h.awardedIntoSalford(t)
	h.startAndInvoice(t, pidA, "staff@providerx.test", "admin@consortium.test", h.orgs["manchester"].ID)
	h.startAndInvoice(t, b.placement, "admin@providery.test", "admin@second.test", b.leeds.ID)
	// Each admin invites a user (mail with a link), and each consortium's council asks
	// for a password reset.
	adminA, adminB := h.signIn("admin@consortium.test"), h.signIn("admin@second.test")
	for _, inv := range []struct {
		admin *browser
		email string
		org   int64
	}{{adminA, "new@liverpool.test", h.orgs["liverpool"].ID}, {adminB, "new@bradford.test", b.bradford.ID}} {
		if r := inv.admin.post("/admin/users/new", "/admin/users/new", url.Values{"name": {"New Person"}, "email": {inv.email}, "organisation_id": {fmt.Sprint(inv.org)}, "role": {"commissioner"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("invite %s: %d", inv.email, r.Status)
		}
	}
	for _, email := range []string{"commissioner@manchester.test", "commissioner@leeds.test"} {
		h.browser().post("/password/forgot", "/password/forgot", url.Values{"email": {email}})
	}

	frameworkA, frameworkB := h.framework.ID, b.framework.ID
	var appA int64
	must(t, h.deps.DB.Pool.QueryRow(ctx, `SELECT id FROM framework_applications WHERE framework_id = $1`, frameworkA).Scan(&appA))
	emailOf := func(consortium int64) []int64 {
		rows, err := h.deps.DB.Pool.Query(ctx, `SELECT id FROM emails WHERE consortium_id = $1`, consortium)
		must(t, err)
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			var id int64
			must(t, rows.Scan(&id))
			ids = append(ids, id)
		}
		return ids
	}
	tokenA, tokenB := h.token("admin@consortium.test"), h.token("admin@second.test")

	sides := []struct {
		name             string
		admin            *browser
		token            string
		own, other       []string // its framework and a council; names that must not appear
		ownFramework     int64
		otherFramework   int64
		otherApplication int64
		otherOrgs        []int64
		ownEmails        []int64
		otherEmails      []int64
	}{
		{"ConsortiumA", adminA, tokenA, []string{"Test DPS", "Manchester"}, []string{"Second Consortium", "Second DPS", "Leeds", "Bradford", "leeds.test", "bradford.test", "LDS-SECOND-1"},
			frameworkA, frameworkB, b.application.ID, []int64{b.consortium.ID, b.leeds.ID}, emailOf(h.orgs["consortium"].ID), emailOf(b.consortium.ID)},
		{"ConsortiumB", adminB, tokenB, []string{"Second DPS", "Leeds"}, []string{"Test Consortium", "Test DPS", "Manchester", "Liverpool", "manchester.test", "liverpool.test", "MCR-SECRET-9", "Salford"},
			frameworkB, frameworkA, appA, []int64{h.orgs["consortium"].ID, h.orgs["manchester"].ID}, emailOf(b.consortium.ID), emailOf(h.orgs["consortium"].ID)},
	}
	for _, side := range sides {
		if len(side.ownEmails) == 0 || len(side.otherEmails) == 0 {
			t.Fatalf("%s: no mail to test with (%v, %v)", side.name, side.ownEmails, side.otherEmails)
		}
		t.Run(side.name+"/lists", func(t *testing.T) {
			for _, path := range []string{"/admin/outbox", fmt.Sprintf("/admin/outbox/%d", side.ownEmails[0]), "/admin/audit", "/admin/audit.csv",
				"/admin/frameworks", fmt.Sprintf("/admin/frameworks/%d", side.ownFramework), "/admin/users", "/admin/users/new", "/admin/billing"} {
				r := side.admin.get(path)
				if r.Status != http.StatusOK {
					t.Errorf("%s: status %d", path, r.Status)
					continue
				}
				for _, name := range side.other {
					// Salford is in no consortium: either admin may invite its staff as
					// host-council users, so the form offers it to both.
					if path == "/admin/users/new" && name == "Salford" {
						continue
					}
					if strings.Contains(r.Body, name) {
						t.Errorf("%s shows the other consortium's %q", path, name)
					}
				}
			}
			for path, name := range map[string]string{"/admin/frameworks": side.own[0], "/admin/billing": side.own[1], "/admin/users/new": side.own[1]} {
				if body := side.admin.get(path).Body; !strings.Contains(body, name) {
					t.Errorf("%s lacks its own %q", path, name)
				}
			}
			if n := len(regexp.MustCompile(`/admin/outbox/\d+"`).FindAllString(side.admin.get("/admin/outbox").Body, -1)); n != len(side.ownEmails) {
				t.Errorf("outbox lists %d messages, want its own %d", n, len(side.ownEmails))
			}
		})
		t.Run(side.name+"/api", func(t *testing.T) {
			status, body := h.api(http.MethodGet, "/api/v1/users", side.token, "")
			raw := fmt.Sprint(body)
			if status != http.StatusOK {
				t.Fatalf("users: %d", status)
			}
			for _, name := range side.other {
				if strings.Contains(raw, name) {
					t.Errorf("/api/v1/users shows the other consortium's %q", name)
				}
			}
			// A billing run invoices only the admin's own councils: both months are done.
			status, body = h.api(http.MethodPost, "/api/v1/billing/runs", side.token, `{"month": "`+time.Now().In(london).Format("2006-01")+`"}`)
			if raw := fmt.Sprint(body); status != http.StatusOK || strings.Contains(raw, "created:1") {
				t.Errorf("billing run: %d %s", status, raw)
			}
			for _, org := range side.otherOrgs {
				if status, _ := h.api(http.MethodGet, fmt.Sprintf("/api/v1/organisations/%d", org), side.token, ""); status != http.StatusNotFound && status != http.StatusForbidden {
					t.Errorf("/api/v1/organisations/%d: %d", org, status)
				}
			}
		})
		t.Run(side.name+"/probes", func(t *testing.T) {
			for _, tc := range []struct {
				path string
				want []int
			}{
				{fmt.Sprintf("/admin/outbox/%d", side.otherEmails[0]), []int{http.StatusNotFound}},
				{fmt.Sprintf("/admin/outbox/%d", side.otherEmails[len(side.otherEmails)-1]), []int{http.StatusNotFound}},
				{fmt.Sprintf("/admin/frameworks/%d", side.otherFramework), []int{http.StatusNotFound, http.StatusForbidden}},
				{fmt.Sprintf("/admin/applications/%d", side.otherApplication), []int{http.StatusNotFound, http.StatusForbidden}},
				{fmt.Sprintf("/organisations/%d", side.otherOrgs[0]), []int{http.StatusNotFound, http.StatusForbidden}},
				{fmt.Sprintf("/organisations/%d", side.otherOrgs[1]), []int{http.StatusNotFound, http.StatusForbidden}},
			} {
				r := side.admin.get(tc.path)
				ok := false
				for _, w := range tc.want {
					ok = ok || r.Status == w
				}
				if !ok {
					t.Errorf("%s: status %d, want %v", tc.path, r.Status, tc.want)
				}
				for _, name := range side.other {
					if strings.Contains(r.Body, name) {
						t.Errorf("%s shows %q", tc.path, name)
					}
				}
			}
		})
	}
}

// TestSecureAuditView: the SWCU reads secure welfare's audit log at /secure/audit (and
// its CSV) — secure actions, not the consortium's trading — and a consortium admin's
// log holds no secure home's or SWCU's activity. ASVS V4.2.1, V7.x.
func TestSecureAuditView(t *testing.T) {
	h := newHarness(t)
	h.awardedIntoSalford(t)
	oak, _ := h.withEstate(t)
	now := time.Now().In(london)
	r := h.signIn("commissioner@manchester.test").sendReferral(merge(url.Values{"child_ref": {"MCR-SEC-3"}, "age_years": {"14"},
		"birth_month": {"1"}, "birth_year": {fmt.Sprint(now.Year() - 14)}, "sex": {"female"}, "legal_position": {"order_granted"}, "urgency": {"urgent"},
		"current_outcode": {"M14"}, "preferred_miles": {"50"}, "social_worker": {"Sam Worker 0161 496 0000"}, "sanctioning_officer": {"Head of Service"}, "ethnicity": {"WBRI"}, "child_protection_plan": {"no"}, "primary_reason": {"injure_self"}},
		formDate("order_expiry", now.AddDate(0, 2, 0)), formDate("order_start", now), url.Values{"order_kind": {"first"}}))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("referral: %d", r.Status)
	}
	swcu := h.signIn("coordinator@swcu.test")
	if got := swcu.post(r.Location, r.Location+"/circulate", url.Values{"home_ids": {fmt.Sprint(oak.ID)}}); got.Status != http.StatusSeeOther {
		t.Fatalf("circulate: %d", got.Status)
	}
	h.signIn("manager@oakfield.test").get("/secure/home")

	for _, tc := range []struct {
		name, who, path string
		status          int
		has, hasNot     []string
	}{
		{"SWCUPage", "coordinator@swcu.test", "/secure/audit", http.StatusOK, []string{"secure.circulate", "secure.referral", "manager@oakfield.test"}, []string{"request.award", "request.submit", "user.create"}},
		{"SWCUActionsFilter", "coordinator@swcu.test", "/secure/audit?action=request.award", http.StatusOK, []string{"0 entries"}, []string{`value="request.award"`}},
		{"SWCUCSV", "coordinator@swcu.test", "/secure/audit.csv", http.StatusOK, []string{"secure.circulate"}, []string{"request.award"}},
		{"ConsortiumAdmin", "admin@consortium.test", "/admin/audit", http.StatusOK, []string{"request.award"}, []string{"secure.circulate", "coordinator@swcu.test", "manager@oakfield.test"}},
		{"ConsortiumAdminCannotUseSWCUView", "admin@consortium.test", "/secure/audit", http.StatusForbidden, nil, []string{"secure.circulate"}},
		{"SWCUCannotUseAdminView", "coordinator@swcu.test", "/admin/audit", http.StatusForbidden, nil, []string{"request.award"}},
		{"SecureHomeHasNoAuditView", "manager@oakfield.test", "/secure/audit", http.StatusForbidden, nil, []string{"secure.circulate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := h.signIn(tc.who).get(tc.path)
			if got.Status != tc.status {
				t.Fatalf("status %d, want %d", got.Status, tc.status)
			}
			for _, s := range tc.has {
				if !strings.Contains(got.Body, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(got.Body, s) {
					t.Errorf("shows %q", s)
				}
			}
		})
	}
}
