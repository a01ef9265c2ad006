package frontend

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
)

// hosts is a world for host-council users: Manchester has placed MCR-SECRET-9 in a
// Salford home (started, with a missing episode) and MCR-OTHER-7 in a Stockport home.
// Salford and Stockport are outside the consortium and each has a host-council user;
// Manchester, a member, has one too.
type hosts struct {
	salford, stockport   int64 // placements
	request, otherReq    int64 // their requests
	incident             int64
	salfordOrg, stockOrg commissioning.Organisation
}

// hostUser adds a host-council user at the council with ONS code ons, managed by the
// harness's consortium.
func (h *harness) hostUser(t *testing.T, email, ons string) commissioning.Organisation {
	t.Helper()
	var o commissioning.Organisation
	must(t, h.deps.DB.Gorm.Where("ons_code = ?", ons).First(&o).Error)
	u, err := h.deps.Users.Create(context.Background(), auth.NewUser{Email: email, Name: "Host " + o.Name, Role: kernel.RoleHostCouncilUser,
		OrganisationID: o.ID, Password: testPassword, ManagedBy: h.orgs["consortium"].ID})
	must(t, err)
	h.users[email] = u
	return o
}

// awardInto awards a Manchester request for child ref to a new Provider X home at
// postcode (adjoining Manchester, no approval needed) and returns the placement.
func (h *harness) awardInto(t *testing.T, ref, urn, postcode string) marketplace.Placement {
	t.Helper()
	ctx := context.Background()
	home := h.addHome(h.orgs["providerx"].ID, urn, postcode, 1)
	now := time.Now()
	age, month, year, sex, legal, within, tier, weeks := 13, int(now.Month()), now.Year()-13, "male", "s20", 20, "standard", 26
	start, deadline := now.AddDate(0, 0, 7), now.Add(3*time.Hour)
	r := marketplace.PlacementRequest{CouncilID: h.orgs["manchester"].ID, ChildRef: ref, AgeYears: &age, BirthMonth: &month, BirthYear: &year,
		Sex: &sex, Needs: kernel.StringArray{"autism"}, LegalStatus: &legal, WithinMiles: &within, LotID: &h.lot.ID, Tier: &tier,
		StartDate: &start, DurationWeeks: &weeks, Deadline: &deadline}
	must(t, r.SetHome("M14"))
	must(t, marketplace.NewRequests(h.deps.DB.Gorm).SaveDraft(ctx, &r))
	_, _, err := h.deps.Market.SubmitRequest(ctx, r.ID, h.orgs["manchester"].ID)
	must(t, err)
	bid, err := h.deps.Market.SubmitBid(ctx, r.ID, h.orgs["providerx"].ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: start.Format(time.DateOnly), WeeklyFee: 410000, NoticeDays: 28})
	must(t, err)
	h.passDeadline(t, r.ID)
	_, err = h.deps.Market.CloseDue(ctx)
	must(t, err)
	p, err := h.deps.Market.Award(ctx, r.ID, h.orgs["manchester"].ID, bid.ID, h.users["commissioner@manchester.test"].ID)
	must(t, err)
	if p.Status != "awarded" {
		t.Fatalf("award into %s: %s", postcode, p.Status)
	}
	return p
}

func (h *harness) hostWorld(t *testing.T) hosts {
	t.Helper()
	ctx := context.Background()
	var w hosts
	w.salford = h.awardedIntoSalford(t)
	p, err := h.deps.Market.PlacementFor(ctx, w.salford, marketplace.Viewer{OrgID: h.orgs["manchester"].ID, Kind: kernel.KindCouncil})
	must(t, err)
	w.request = p.RequestID
	other := h.awardInto(t, "MCR-OTHER-7", "SC970002", "SK4 1AA")
	w.stockport, w.otherReq = other.ID, other.RequestID
	w.salfordOrg = h.hostUser(t, "host@salford.test", "E08000006")
	w.stockOrg = h.hostUser(t, "host@stockport.test", "E08000007")
	h.hostUser(t, "host@manchester.test", "E08000003")
	staff, provider := h.users["staff@providerx.test"].ID, h.orgs["providerx"].ID
	_, err = h.deps.Market.ConfirmStart(ctx, w.salford, provider, staff, kernel.DateOf(time.Now()))
	must(t, err)
	in, err := h.deps.Market.ReportIncident(ctx, w.salford, provider, staff, marketplace.IncidentReport{Kind: "missing", StartedAt: earlierToday(2 * time.Hour), Note: "Left after tea"})
	must(t, err)
	w.incident = in.ID
	return w
}

// earlierToday is d before now, or just after midnight when the test runs earlier in the
// day than that: a missing episode may not begin before the placement's first day (today).
func earlierToday(d time.Duration) time.Time {
	at, midnight := time.Now().Add(-d), time.Now().UTC().Truncate(24*time.Hour)
	if at.Before(midnight) {
		return midnight.Add(time.Second)
	}
	return at
}

// hostRoutes are every route a host-council user may use: the account pages everyone
// has, their own organisation, the host view of placements and notices, and the missing
// episodes in their area.
var hostRoutes = []string{
	"GET /", "GET /account", "GET /account/mfa", "POST /account/mfa", "GET /account/password", "POST /account/password",
	"GET /account/sessions", "POST /account/sessions/others/end", "POST /account/sessions/:id/end",
	"GET /account/tokens", "POST /account/tokens", "POST /account/tokens/:id/revoke", "GET /organisations/:id",
	"GET /sign-in/mfa", "POST /sign-in/mfa", "POST /sign-out",
	"GET /placements", "GET /placements/:id", "GET /notices", "GET /notices/:id",
	"GET /monitoring/framework", // the published monitoring framework: text every signed-in user may read
	"GET /api/v1/me", "GET /api/v1/organisations/:id", "GET /api/v1/placements", "GET /api/v1/placements/:id", "GET /api/v1/notices",
	// Missing episodes in homes in their area: seen, the police details amended, the
	// return-home interview recorded (issue 16).
	"GET /missing", "GET /missing.csv", "GET /missing/:id", "POST /missing/:id", "POST /missing/:id/interview",
	"GET /api/v1/missing-episodes", "GET /api/v1/missing-episodes/:id", "PATCH /api/v1/missing-episodes/:id",
	"POST /api/v1/missing-episodes/:id/return-interview",
}

// TestHostCouncilUsersHaveExactlyTheHostRoutes reads every route's policy: a
// host-council user is admitted to the routes in hostRoutes and no other, so a new
// route is refused to them until someone decides otherwise.
func TestHostCouncilUsersHaveExactlyTheHostRoutes(t *testing.T) {
	assertRoutesAdmitting(t, newHarness(t), kernel.RoleHostCouncilUser, hostRoutes)
}

// TestHostCouncilUserIsRefusedEveryOtherRoute calls every route a host-council user is
// not admitted to — pages with a CSRF token, the API with their token — with the ids of
// the placement into their own area and its request, and expects 403 every time.
func TestHostCouncilUserIsRefusedEveryOtherRoute(t *testing.T) {
	h := newHarness(t)
	refusedEveryOtherRoute(t, h, h.hostWorld(t), "host@salford.test", hostRoutes, "MCR-SECRET-9", "MCR-OTHER-7", "£")
}

// assertRoutesAdmitting fails unless the routes admitting role are exactly want.
func assertRoutesAdmitting(t *testing.T, h *harness, role kernel.Role, want []string) {
	t.Helper()
	var got []string
	for _, r := range h.s.Routes() {
		p, ok := h.s.PolicyFor(r.Method, r.Path)
		if ok && !p.Public && p.admits(role) {
			got = append(got, r.Method+" "+r.Path)
		}
	}
	want = append([]string(nil), want...)
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("routes admitting %s:\n%s\n\nwant:\n%s", role, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// refusedEveryOtherRoute signs in as email and calls every signed-in route not in
// allowed — pages with a CSRF token, the API with a token — with w's real ids,
// expecting 403 each time and none of secrets in the refusal.
func refusedEveryOtherRoute(t *testing.T, h *harness, w hosts, email string, allowed []string, secrets ...string) {
	t.Helper()
	b := h.signIn(email)
	tok := h.token(email)
	ok := map[string]bool{}
	for _, r := range allowed {
		ok[r] = true
	}
	n := 0
	for _, r := range h.s.Routes() {
		p, found := h.s.PolicyFor(r.Method, r.Path)
		if !found || p.Public || ok[r.Method+" "+r.Path] {
			continue
		}
		path := fillParams(r.Path, w)
		n++
		t.Run(r.Method+" "+r.Path, func(t *testing.T) {
			var status int
			var body string
			switch {
			case p.API:
				status, body = rawAPI(t, h, r.Method, path, tok)
			case r.Method == http.MethodGet:
				res := b.get(path)
				status, body = res.Status, res.Body
			default:
				res := b.post("/", path, url.Values{})
				status, body = res.Status, res.Body
			}
			if status != http.StatusForbidden {
				t.Fatalf("%s %s: status %d, want 403", r.Method, path, status)
			}
			for _, secret := range secrets {
				if strings.Contains(body, secret) {
					t.Errorf("the refusal shows %q", secret)
				}
			}
		})
	}
	if n < 100 {
		t.Fatalf("only %d routes tried; is the walk broken?", n)
	}
}

// fillParams puts real ids in a route's parameters: the Salford placement and its
// request wherever a placement or request (or an invitation to it) is named.
func fillParams(path string, w hosts) string {
	id := "1"
	switch {
	case strings.Contains(path, "/placements/:id"), strings.HasPrefix(path, "/approvals/"), strings.Contains(path, "/approvals/:id"):
		id = fmt.Sprint(w.salford)
	case strings.Contains(path, "/requests/:id"), strings.Contains(path, "/invitations/:id"):
		id = fmt.Sprint(w.request)
	}
	r := strings.NewReplacer(":id", id, ":incident", fmt.Sprint(w.incident), ":step", "child", ":lot", "1", ":token", "not-a-token", "*", "x")
	return r.Replace(path)
}

// rawAPI calls the API with a bearer token and an empty JSON object, without checking
// the reply against the OpenAPI document (a refusal on every route is the point here).
func rawAPI(t *testing.T, h *harness, method, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader("{}"))
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// TestHostCouncilUserNeverReachesThePlacingCouncilsRecords probes, with real ids, the
// placing council's request, bids, fee, agreement and child page, another council's
// placement and notices, through pages and the API: 403 where the route is not theirs,
// 404 where it is but the record is not (issue 12).
func TestHostCouncilUserNeverReachesThePlacingCouncilsRecords(t *testing.T) {
	h := newHarness(t)
	w := h.hostWorld(t)
	var manchesterNotice int64
	must(t, h.deps.DB.Gorm.Raw("SELECT id FROM notices WHERE organisation_id = ? ORDER BY id LIMIT 1", h.orgs["manchester"].ID).Scan(&manchesterNotice).Error)
	if manchesterNotice == 0 {
		t.Fatal("Manchester has no notice to probe with")
	}
	pS, pK := fmt.Sprint(w.salford), fmt.Sprint(w.stockport)
	tests := []struct {
		name, who, path string
		api             bool
		want            int
	}{
		{"Request", "host@salford.test", "/requests/" + fmt.Sprint(w.request), false, http.StatusForbidden},
		{"RequestAPI", "host@salford.test", "/api/v1/requests/" + fmt.Sprint(w.request), true, http.StatusForbidden},
		{"RequestAmendment", "host@salford.test", "/requests/" + fmt.Sprint(w.request) + "/amend", false, http.StatusForbidden},
		{"Bids", "host@salford.test", "/invitations/" + fmt.Sprint(w.request), false, http.StatusForbidden},
		{"BidsAPI", "host@salford.test", "/api/v1/invitations/" + fmt.Sprint(w.request), true, http.StatusForbidden},
		{"Fee", "host@salford.test", "/placements/" + pS + "/fee", false, http.StatusForbidden},
		{"Agreement", "host@salford.test", "/placements/" + pS + "/agreement", false, http.StatusForbidden},
		{"AgreementAPI", "host@salford.test", "/api/v1/placements/" + pS + "/agreement", true, http.StatusForbidden},
		{"ChildPage", "host@salford.test", "/children?ref=MCR-SECRET-9", false, http.StatusForbidden},
		{"ChildAPI", "host@salford.test", "/api/v1/children?ref=MCR-SECRET-9", true, http.StatusForbidden},
		{"EndPage", "host@salford.test", "/placements/" + pS + "/end", false, http.StatusForbidden},
		{"Approvals", "host@salford.test", "/approvals", false, http.StatusForbidden},
		{"Board", "host@salford.test", "/board", false, http.StatusForbidden},
		{"Billing", "host@salford.test", "/billing", false, http.StatusForbidden},
		{"SecureReferrals", "host@salford.test", "/secure/referrals", false, http.StatusForbidden},
		{"AnotherCouncilsPlacement", "host@salford.test", "/placements/" + pK, false, http.StatusNotFound},
		{"AnotherCouncilsPlacementAPI", "host@salford.test", "/api/v1/placements/" + pK, true, http.StatusNotFound},
		{"CouncilBCannotSeeCouncilA", "host@stockport.test", "/placements/" + pS, false, http.StatusNotFound},
		{"CouncilBCannotSeeCouncilAAPI", "host@stockport.test", "/api/v1/placements/" + pS, true, http.StatusNotFound},
		{"PlacingCouncilsHostUserSeesNotItsOwnChild", "host@manchester.test", "/placements/" + pS, false, http.StatusNotFound},
		{"PlacingCouncilsHostUserSeesNotItsOwnChildAPI", "host@manchester.test", "/api/v1/placements/" + pS, true, http.StatusNotFound},
		{"PlacingCouncilsNotice", "host@salford.test", fmt.Sprintf("/notices/%d", manchesterNotice), false, http.StatusNotFound},
		{"OwnCouncilsPlacingNotice", "host@manchester.test", fmt.Sprintf("/notices/%d", manchesterNotice), false, http.StatusNotFound},
		{"PlacingCouncilsOrganisation", "host@salford.test", fmt.Sprintf("/organisations/%d", h.orgs["manchester"].ID), false, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var status int
			var body string
			if tt.api {
				status, body = rawAPI(t, h, http.MethodGet, tt.path, h.token(tt.who))
			} else {
				r := h.signIn(tt.who).get(tt.path)
				status, body = r.Status, r.Body
			}
			if status != tt.want {
				t.Fatalf("status %d, want %d", status, tt.want)
			}
			for _, secret := range []string{"MCR-SECRET-9", "MCR-OTHER-7", "Left after tea"} {
				if strings.Contains(body, secret) {
					t.Errorf("shows %q", secret)
				}
			}
		})
	}
}

// TestHostCouncilUserSeesTheHostView: a host-council user of Salford, outside the
// consortium, sees the placement into Salford as its notices tell it — who placed,
// where, when, the missing episode — and no profile, fee, agreement or link to the
// placing council's records; the page, their home page and the API agree, and the
// placement into Stockport is nowhere. Manchester's own host-council user sees none of
// Manchester's children.
func TestHostCouncilUserSeesTheHostView(t *testing.T) {
	h := newHarness(t)
	w := h.hostWorld(t)
	b := h.signIn("host@salford.test")
	page := fmt.Sprintf("/placements/%d", w.salford)
	hidden := []string{"£", "PDF", "/children", "/requests/", "Section 31", "Autism", "Change<span", "End this placement", "Statutory reviews", "MCR-OTHER-7", "SC970002"}
	for _, tc := range []struct {
		path string
		has  []string
	}{
		{"/", []string{"Children placed in Salford", "Placement into your area", page, "MCR-SECRET-9", "Notices to your council"}},
		{"/placements", []string{page, "MCR-SECRET-9", "Host council", "into homes in your council"}},
		{page, []string{"MCR-SECRET-9", "into your area", "Manchester", "commissioner@manchester.test", "Home SC970001", "Missing", "Left after tea"}},
		{"/notices", []string{"Placement into your area", "Child arrived in your area", "Missing episode"}},
	} {
		t.Run("Page"+tc.path, func(t *testing.T) {
			r := b.get(tc.path)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d", r.Status)
			}
			for _, s := range tc.has {
				if !strings.Contains(r.Body, s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range hidden {
				if strings.Contains(r.Body, s) {
					t.Errorf("shows %q", s)
				}
			}
			for _, nav := range []string{`href="/requests"`, `href="/board"`, `href="/billing"`, `href="/approvals"`} {
				if strings.Contains(r.Body, nav) {
					t.Errorf("navigation offers %s", nav)
				}
			}
		})
	}
	t.Run("NoticeText", func(t *testing.T) {
		var id int64
		must(t, h.deps.DB.Gorm.Raw("SELECT id FROM notices WHERE organisation_id = ? AND kind = 'host_award'", w.salfordOrg.ID).Scan(&id).Error)
		r := b.get(fmt.Sprintf("/notices/%d", id))
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Manchester is placing a child in Home SC970001") || !strings.Contains(r.Body, "MCR-SECRET-9") {
			t.Fatalf("notice: %d", r.Status)
		}
	})
	t.Run("API", func(t *testing.T) {
		tok := h.token("host@salford.test")
		status, list := h.api(http.MethodGet, "/api/v1/placements", tok, "")
		rows, _ := list["placements"].([]any)
		if status != http.StatusOK || len(rows) != 1 || rows[0].(map[string]any)["id"] != float64(w.salford) || rows[0].(map[string]any)["access"] != "host" {
			t.Fatalf("placements: %d %v", status, list)
		}
		status, p := h.api(http.MethodGet, "/api/v1"+page, tok, "")
		if status != http.StatusOK || p["access"] != "host" || p["child_ref"] != "MCR-SECRET-9" || len(p["incidents"].([]any)) != 1 {
			t.Fatalf("placement: %d %v", status, p)
		}
		for _, key := range []string{"request_id", "weekly_fee_pence", "fees", "agreements", "age_years", "sex", "needs", "legal_status", "miles", "notice_days", "approval_rules", "regulation_11", "reviews"} {
			if _, ok := p[key]; ok {
				t.Errorf("the host view has %q", key)
			}
		}
		status, ns := h.api(http.MethodGet, "/api/v1/notices", tok, "")
		notices, _ := ns["notices"].([]any)
		if status != http.StatusOK || len(notices) < 3 {
			t.Fatalf("notices: %d %v", status, ns)
		}
		for _, n := range notices {
			n := n.(map[string]any)
			if n["placement_id"] != float64(w.salford) || strings.Contains(fmt.Sprint(n["body"]), "MCR-OTHER-7") {
				t.Errorf("notice %v", n)
			}
		}
	})
	t.Run("PlacingCouncilsHostUser", func(t *testing.T) {
		tok := h.token("host@manchester.test")
		for _, path := range []string{"/api/v1/placements", "/api/v1/notices"} {
			status, body := h.api(http.MethodGet, path, tok, "")
			if status != http.StatusOK || body["total"] != float64(0) {
				t.Errorf("%s: %d %v", path, status, body)
			}
		}
		r := h.signIn("host@manchester.test").get("/")
		if r.Status != http.StatusOK || strings.Contains(r.Body, "MCR-") {
			t.Fatalf("home: %d", r.Status)
		}
	})
}

// TestConsortiumAdminInvitesHostCouncilUsers: the admin's Add a user form offers every
// English council outside another consortium for host-council users, and member
// councils for the rest; the invitation goes by the usual link; everything else is
// refused beside the field, keeping what was typed; the page and the API agree.
func TestConsortiumAdminInvitesHostCouncilUsers(t *testing.T) {
	h := newHarness(t)
	second := h.secondConsortium(t)
	ctx := context.Background()
	org := func(ons string) string {
		var o commissioning.Organisation
		must(t, h.deps.DB.Gorm.Where("ons_code = ?", ons).First(&o).Error)
		return fmt.Sprint(o.ID)
	}
	admin := h.signIn("admin@consortium.test")
	form := admin.get("/admin/users/new")
	for _, s := range []string{"Host council user", "Councils outside a consortium (host council users only)", ">Cornwall<", ">Salford<", ">Manchester<"} {
		if !strings.Contains(form.Body, s) {
			t.Errorf("form lacks %q", s)
		}
	}
	for _, s := range []string{">Leeds<", ">Bradford<", ">Isle of Anglesey<"} {
		if strings.Contains(form.Body, s) {
			t.Errorf("form offers %q", s)
		}
	}
	tests := []struct {
		name, email, role, org string
		status                 int
		errText                string
	}{
		{"OKNonMember", "host@cornwall.test", "host_council_user", org("E06000052"), http.StatusSeeOther, ""},
		{"OKMember", "host2@manchester.test", "host_council_user", org("E08000003"), http.StatusSeeOther, ""},
		{"ErrCommissionerOutsideConsortium", "c@cornwall.test", "commissioner", org("E06000052"), http.StatusUnprocessableEntity, "a council outside it can only have host council users"},
		{"ErrAnotherConsortiumsCouncil", "h@leeds.test", "host_council_user", fmt.Sprint(second.leeds.ID), http.StatusUnprocessableEntity, "in your consortium or in none"},
		{"ErrWelshCouncil", "h@anglesey.test", "host_council_user", org("W06000001"), http.StatusUnprocessableEntity, "in your consortium or in none"},
		{"ErrTheConsortium", "h@consortium.test", "host_council_user", fmt.Sprint(h.orgs["consortium"].ID), http.StatusUnprocessableEntity, "in your consortium or in none"},
		{"ErrAProvider", "h@providerx.test", "host_council_user", fmt.Sprint(h.orgs["providerx"].ID), http.StatusUnprocessableEntity, "in your consortium or in none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := admin.post("/admin/users/new", "/admin/users/new", url.Values{"name": {"Pat Host"}, "email": {tt.email}, "organisation_id": {tt.org}, "role": {tt.role}})
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d", r.Status, tt.status)
			}
			if tt.errText != "" {
				if !strings.Contains(r.Body, tt.errText) || !strings.Contains(r.Body, `id="organisation_id-error"`) || !strings.Contains(r.Body, tt.email) {
					t.Fatalf("no error beside the organisation, or the email was lost")
				}
				if _, err := h.deps.Users.ByEmail(ctx, tt.email); err == nil {
					t.Fatal("user created")
				}
				return
			}
			u, err := h.deps.Users.ByEmail(ctx, tt.email)
			must(t, err)
			if u.Role != kernel.RoleHostCouncilUser || u.ManagedBy == nil || *u.ManagedBy != h.orgs["consortium"].ID || u.PasswordHash != nil {
				t.Fatalf("user %+v", u)
			}
			mails := h.mailsTo(tt.email)
			if len(mails) != 1 || !strings.Contains(mails[0].Body, "Host council user") || !strings.Contains(mails[0].Body, "/password/reset/") ||
				mails[0].ConsortiumID == nil || *mails[0].ConsortiumID != h.orgs["consortium"].ID {
				t.Fatalf("invitation %+v", mails)
			}
		})
	}
	t.Run("Lists", func(t *testing.T) {
		if r := admin.get("/admin/users"); !strings.Contains(r.Body, "host@cornwall.test") || !strings.Contains(r.Body, "Cornwall") || !strings.Contains(r.Body, "Host council user") {
			t.Errorf("the admin's users lack the host-council user")
		}
		if r := h.signIn("admin@second.test").get("/admin/users"); strings.Contains(r.Body, "host@cornwall.test") || strings.Contains(r.Body, "host@cumberland.test") {
			t.Errorf("another consortium lists our host-council users")
		}
		if r := admin.get("/admin/outbox"); !strings.Contains(r.Body, "host@cornwall.test") {
			t.Errorf("the invitation is not in the consortium's outbox")
		}
	})
	t.Run("API", func(t *testing.T) {
		tok := h.token("admin@consortium.test")
		status, body := h.api(http.MethodPost, "/api/v1/users", tok, `{"name": "Sam Host", "email": "host@devon.test", "role": "host_council_user", "organisation_id": `+org("E10000008")+`}`)
		if status != http.StatusCreated || body["role"] != "host_council_user" {
			t.Fatalf("create: %d %v", status, body)
		}
		status, body = h.api(http.MethodPost, "/api/v1/users", tok, fmt.Sprintf(`{"name": "Sam Host", "email": "host@bradford.test", "role": "host_council_user", "organisation_id": %d}`, second.bradford.ID))
		if status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body), "organisation_id") {
			t.Fatalf("another consortium's council: %d %v", status, body)
		}
		status, body = h.api(http.MethodGet, "/api/v1/me", h.token("host@cumberland.test"), "")
		if status != http.StatusOK || body["user"].(map[string]any)["role"] != "host_council_user" {
			t.Fatalf("me: %d %v", status, body)
		}
	})
}

// TestEveryEnglishCouncilIsAnOrganisation: all 153 English councils exist whether or
// not they belong to a consortium, and a consortium admin may give host-council users
// to each of them but another consortium's members (and to no Welsh council).
func TestEveryEnglishCouncilIsAnOrganisation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	second := h.secondConsortium(t)
	var english int64
	must(t, h.deps.DB.Gorm.Model(&commissioning.Organisation{}).Where("kind = 'council' AND ons_code LIKE 'E%'").Count(&english).Error)
	if english != 153 || len(geo.Councils()) != 153 {
		t.Fatalf("%d English councils in the database, %d in the reference data; want 153", english, len(geo.Councils()))
	}
	must(t, h.deps.Orgs.SyncCouncils(ctx))
	must(t, h.deps.DB.Gorm.Model(&commissioning.Organisation{}).Where("kind = 'council' AND ons_code LIKE 'E%'").Count(&english).Error)
	if english != 153 {
		t.Fatalf("syncing again: %d councils", english)
	}
	for _, tc := range []struct {
		consortium commissioning.Organisation
		has, not   []string
	}{
		{h.orgs["consortium"], []string{"Manchester", "Liverpool", "Cumberland", "Cornwall", "Salford"}, []string{"Leeds", "Bradford", "Isle of Anglesey"}},
		{second.consortium, []string{"Leeds", "Bradford", "Cumberland"}, []string{"Manchester", "Liverpool", "Cardiff"}},
	} {
		t.Run(tc.consortium.Name, func(t *testing.T) {
			list, err := h.deps.Orgs.HostCouncils(ctx, tc.consortium.ID)
			must(t, err)
			names := map[string]bool{}
			for _, o := range list {
				names[o.Name] = true
			}
			if len(list) != 151 {
				t.Errorf("%d councils, want 153 less the other consortium's 2", len(list))
			}
			for _, n := range tc.has {
				if !names[n] {
					t.Errorf("lacks %s", n)
				}
			}
			for _, n := range tc.not {
				if names[n] {
					t.Errorf("offers %s", n)
				}
			}
		})
	}
}
