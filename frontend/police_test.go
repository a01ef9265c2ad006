package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// policeRoutes are every route a police liaison officer may use: the account pages
// everyone has, their own organisation, the published monitoring framework and the
// police view.
var policeRoutes = []string{
	"GET /", "GET /account", "GET /account/mfa", "POST /account/mfa", "GET /account/password", "POST /account/password",
	"GET /account/sessions", "POST /account/sessions/others/end", "POST /account/sessions/:id/end",
	"GET /account/tokens", "POST /account/tokens", "POST /account/tokens/:id/revoke", "GET /organisations/:id",
	"GET /sign-in/mfa", "POST /sign-in/mfa", "POST /sign-out",
	"GET /monitoring/framework", // the published monitoring framework: text every signed-in user may read
	"GET /police", "GET /police/missing", "GET /police/missing.csv",
	"GET /api/v1/me", "GET /api/v1/organisations/:id", "GET /api/v1/police/homes", "GET /api/v1/police/missing-episodes",
}

// TestPoliceLiaisonsHaveExactlyThePoliceRoutes reads every route's policy: a police
// liaison officer is admitted to policeRoutes and no other, so a new route is refused
// to them until someone decides otherwise.
func TestPoliceLiaisonsHaveExactlyThePoliceRoutes(t *testing.T) {
	assertRoutesAdmitting(t, newHarness(t), kernel.RolePoliceLiaison, policeRoutes)
}

// TestPoliceLiaisonIsRefusedEveryOtherRoute calls every route a police liaison officer
// is not admitted to — pages with a CSRF token, the API with their token — with the ids
// of the placement into their area (which has a missing episode) and its request, and
// expects 403 every time, showing nothing of the child; another tenant's organisation
// page is refused too.
func TestPoliceLiaisonIsRefusedEveryOtherRoute(t *testing.T) {
	h := newHarness(t)
	refusedEveryOtherRoute(t, h, h.hostWorld(t), "liaison@gmp.test", policeRoutes, "MCR-SECRET-9", "MCR-OTHER-7", "£", "Left after tea")
	if r := h.signIn("liaison@gmp.test").get(fmt.Sprintf("/organisations/%d", h.orgs["manchester"].ID)); r.Status != http.StatusForbidden {
		t.Errorf("Manchester's organisation page: %d, want 403", r.Status)
	}
}

// consortiumB makes a second consortium (Leeds) with its own framework admitting
// Provider X, an admin, and its own Greater Manchester Police liaison officer.
func (h *harness) consortiumB(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	consB, err := h.deps.Orgs.Create(ctx, kernel.KindConsortium, "Consortium B")
	must(t, err)
	must(t, h.deps.Orgs.JoinConsortium(ctx, consB.ID, []string{"E08000035"})) // Leeds
	fw, err := h.deps.Frameworks.CreateFramework(ctx, consB.ID, commissioning.FrameworkTerms{Name: "B DPS", OpenForApplications: true, WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 150})
	must(t, err)
	lot, err := h.deps.Frameworks.AddLot(ctx, fw.ID, commissioning.NewLot{Code: "residential_b", Name: "Residential B", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 500000}})
	must(t, err)
	h.framework, h.lot = fw, lot
	h.admit(h.orgs["providerx"].ID)
	force, err := h.deps.Orgs.InvitePoliceForce(ctx, consB.ID, "E23000005")
	must(t, err)
	if force.ID == h.orgs["police"].ID {
		t.Fatal("consortium B was given consortium A's police organisation")
	}
	h.orgs["consortiumB"], h.orgs["policeB"] = consB, force
	for _, nu := range []auth.NewUser{
		{Email: "admin@consortium-b.test", Name: "B Admin", Role: kernel.RoleConsortiumAdmin, OrganisationID: consB.ID, Password: testPassword},
		{Email: "liaison-b@gmp.test", Name: "B Liaison", Role: kernel.RolePoliceLiaison, OrganisationID: force.ID, Password: testPassword},
	} {
		u, err := h.quiet.Create(ctx, nu)
		must(t, err)
		if nu.Role.RequiresMFA() {
			u = h.enrol(u)
		}
		h.users[nu.Email] = u
	}
}

// TestPoliceViewKeepsToItsAreaAndConsortium: consortium A's Greater Manchester liaison
// sees the homes of A's providers in Greater Manchester (Salford and Stockport, not
// Liverpool) with their address and manager, and Manchester's missing episode in the
// Salford home by the child's reference only, by page, CSV and API alike. Consortium
// B's liaison for the same force sees Provider X's homes (B admits it too) but none of
// A's episodes. Every read is in the audit log of the force's own consortium.
func TestPoliceViewKeepsToItsAreaAndConsortium(t *testing.T) {
	h := newHarness(t)
	w := h.hostWorld(t)
	liverpool := h.addHome(h.orgs["providerx"].ID, "SC970009", "L1 8JQ", 1)
	must(t, h.deps.DB.Gorm.Exec(`UPDATE homes SET address = 'Flat 2'||chr(10)||'1 Crescent Road', manager_name = 'Rita Manager', manager_phone = '0161 496 0000',
	    manager_email = 'rita@providerx.test' WHERE ofsted_urn = 'SC970001'`).Error)
	h.consortiumB(t)
	// The force's own reference and risk grade, as the council recorded them.
	must(t, h.deps.DB.Gorm.Exec(`UPDATE placement_incidents SET police_ref = 'GMP-26-0042', police_risk = 'high'`).Error)

	a := h.signIn("liaison@gmp.test")
	homes := a.get("/police")
	if homes.Status != http.StatusOK {
		t.Fatalf("/police: %d", homes.Status)
	}
	for _, want := range []string{"Home SC970001", "1 Crescent Road", "M6 5AB", "Rita Manager", "0161 496 0000", "rita@providerx.test", "SC970002", "Salford"} {
		if !strings.Contains(homes.Body, want) {
			t.Errorf("/police lacks %q", want)
		}
	}
	if strings.Contains(homes.Body, liverpool.Name) {
		t.Errorf("/police shows a Merseyside home")
	}
	// A page at a time: the second page holds the other home, and the audit entry names
	// only the home on the page read.
	if p2 := a.get("/police?per_page=1&page=2"); p2.Status != http.StatusOK || !strings.Contains(p2.Body, "Home SC970002") || strings.Contains(p2.Body, "Home SC970001") ||
		!strings.Contains(p2.Body, "govuk-pagination") {
		t.Errorf("/police page 2 of 1 a page: %d", p2.Status)
	}
	if home := a.get("/"); !strings.Contains(home.Body, "Children missing or absent now") || strings.Contains(home.Body, "MCR-SECRET-9") {
		t.Errorf("the liaison's work list lacks the open episode's count, or names the child")
	}
	missing := a.get("/police/missing")
	for _, want := range []string{"MCR-SECRET-9", "Manchester", "Home SC970001", "Missing", "Not returned", "GMP-26-0042", "High"} {
		if !strings.Contains(missing.Body, want) {
			t.Errorf("/police/missing lacks %q", want)
		}
	}
	csv := a.get("/police/missing.csv")
	if csv.Status != http.StatusOK || !strings.Contains(csv.Body, "MCR-SECRET-9,Manchester,Home SC970001,M6 5AB,missing,") || !strings.Contains(csv.Body, ",GMP-26-0042,high") {
		t.Errorf("CSV: %d %q", csv.Status, csv.Body)
	}
	tok := h.token("liaison@gmp.test")
	st, body := h.api(http.MethodGet, "/api/v1/police/missing-episodes", tok, "")
	if st != http.StatusOK || !strings.Contains(fmt.Sprint(body), "MCR-SECRET-9") || !strings.Contains(fmt.Sprint(body), "police_ref:GMP-26-0042") ||
		!strings.Contains(fmt.Sprint(body), "police_risk:high") {
		t.Errorf("API episodes: %d %v", st, body)
	}
	st, body = h.api(http.MethodGet, "/api/v1/police/homes", tok, "")
	if st != http.StatusOK || !strings.Contains(fmt.Sprint(body), "Rita Manager") || strings.Contains(fmt.Sprint(body), liverpool.Name) {
		t.Errorf("API homes: %d %v", st, body)
	}
	// Never a profile, fee, need, note or the request.
	for name, page := range map[string]string{"homes": homes.Body, "missing": missing.Body, "csv": csv.Body} {
		for _, secret := range []string{"£", "Left after tea", "autism", "Autism", "MCR-OTHER-7", fmt.Sprintf("/requests/%d", w.request), fmt.Sprintf("/placements/%d", w.salford)} {
			if strings.Contains(page, secret) {
				t.Errorf("%s shows %q", name, secret)
			}
		}
	}

	b := h.signIn("liaison-b@gmp.test")
	bHomes, bMissing := b.get("/police"), b.get("/police/missing")
	if !strings.Contains(bHomes.Body, "Home SC970001") {
		t.Errorf("consortium B's liaison does not see the homes B admits")
	}
	if strings.Contains(bMissing.Body, "MCR-SECRET-9") || !strings.Contains(bMissing.Body, "No missing or absent episodes") {
		t.Errorf("consortium B's liaison sees consortium A's episode")
	}
	st, body = h.api(http.MethodGet, "/api/v1/police/missing-episodes", h.token("liaison-b@gmp.test"), "")
	if st != http.StatusOK || strings.Contains(fmt.Sprint(body), "MCR-SECRET-9") {
		t.Errorf("B's API episodes: %d %v", st, body)
	}

	// Each view is audited with what it showed, in the force's consortium's log only.
	entries, _, err := h.deps.Audit.List(context.Background(), audit.ConsortiumScope(h.orgs["consortium"].ID), audit.Filter{ActorEmail: "liaison@gmp.test"}, 0, 100)
	must(t, err)
	vias := map[string]int{}
	for _, e := range entries {
		var d struct {
			Via       string   `json:"via"`
			ChildRefs []string `json:"child_refs"`
			HomeIDs   []int64  `json:"home_ids"`
		}
		must(t, json.Unmarshal(e.Detail, &d))
		if e.Action == "child.read" && slices.Contains(d.ChildRefs, "MCR-SECRET-9") {
			vias["episodes "+d.Via]++
		}
		if e.Action == "police.homes_read" && len(d.HomeIDs) == 1 && d.Via == "/police" {
			vias["one home /police"]++
		}
		if e.Action == "police.homes_read" && len(d.HomeIDs) >= 2 {
			vias["homes "+d.Via]++
		}
	}
	for _, want := range []string{"episodes /police/missing", "episodes csv", "episodes api", "homes /police", "homes api", "one home /police"} {
		if vias[want] != 1 {
			t.Errorf("audit entries %q = %d, want 1 (all: %v)", want, vias[want], vias)
		}
	}
	bEntries, _, err := h.deps.Audit.List(context.Background(), audit.ConsortiumScope(h.orgs["consortiumB"].ID), audit.Filter{ActorEmail: "liaison@gmp.test"}, 0, 100)
	must(t, err)
	if len(bEntries) != 0 {
		t.Errorf("consortium B's audit log holds %d of A's police reads", len(bEntries))
	}
}

// TestAdminInvitesAPoliceForce: the consortium admin's form refuses a missing force,
// name and a bad email together beside their fields, keeping what was typed; a good
// invitation makes the force's organisation (once per consortium) and emails the
// officer; another consortium's admin sees neither.
func TestAdminInvitesAPoliceForce(t *testing.T) {
	h := newHarness(t)
	h.consortiumB(t)
	a := h.signIn("admin@consortium.test")
	r := a.post("/admin/police/new", "/admin/police/new", url.Values{"pfa_code": {"E23000099"}, "name": {""}, "email": {"not-an-email"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad invitation: %d", r.Status)
	}
	for _, want := range []string{"Select a police force", "Enter the officer&#39;s full name", "Enter an email address in the correct format", `value="not-an-email"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the refusal lacks %q", want)
		}
	}
	r = a.post("/admin/police/new", "/admin/police/new", url.Values{"pfa_code": {"E23000004"}, "name": {"Mo Officer"}, "email": {"mo@merseyside.police.test"}})
	if r.Status != http.StatusSeeOther || r.Location != "/admin/police" {
		t.Fatalf("invitation: %d to %q: %s", r.Status, r.Location, r.Body)
	}
	u, err := h.deps.Users.ByEmail(context.Background(), "mo@merseyside.police.test")
	must(t, err)
	force, err := h.deps.Orgs.Organisation(context.Background(), u.OrganisationID)
	must(t, err)
	if u.Role != kernel.RolePoliceLiaison || force.Kind != kernel.KindPolice || *force.PFACode != "E23000004" || force.Tenant() != h.orgs["consortium"].ID || force.Name != "Merseyside Police" {
		t.Fatalf("user %+v in %+v", u, force)
	}
	var sent int64
	must(t, h.deps.DB.Gorm.Raw("SELECT count(*) FROM emails WHERE to_address = ?", u.Email).Scan(&sent).Error)
	if sent != 1 {
		t.Errorf("invitation emails = %d, want 1", sent)
	}
	// A second officer for the same force joins the same organisation.
	r = a.post("/admin/police/new", "/admin/police/new", url.Values{"pfa_code": {"E23000004"}, "name": {"Jo Officer"}, "email": {"jo@merseyside.police.test"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("second invitation: %d", r.Status)
	}
	jo, err := h.deps.Users.ByEmail(context.Background(), "jo@merseyside.police.test")
	must(t, err)
	if jo.OrganisationID != force.ID {
		t.Errorf("the second officer is in organisation %d, want %d", jo.OrganisationID, force.ID)
	}
	// The API adds another officer to a force the consortium invited, and no other's.
	body := func(email string, org int64) string {
		return fmt.Sprintf(`{"name": "API Officer", "email": %q, "role": "police_liaison", "organisation_id": %d}`, email, org)
	}
	if st, out := h.api(http.MethodPost, "/api/v1/users", h.token("admin@consortium.test"), body("api@merseyside.police.test", force.ID)); st != http.StatusCreated {
		t.Errorf("API invitation: %d %v", st, out)
	}
	if st, out := h.api(http.MethodPost, "/api/v1/users", h.token("admin@consortium-b.test"), body("b@merseyside.police.test", force.ID)); st != http.StatusUnprocessableEntity {
		t.Errorf("consortium B's API invitation into A's force: %d %v", st, out)
	}
	if st, out := h.api(http.MethodPost, "/api/v1/users", h.token("admin@consortium.test"), body("c@manchester.test", h.orgs["manchester"].ID)); st != http.StatusUnprocessableEntity {
		t.Errorf("a police liaison at a council: %d %v", st, out)
	}
	list := a.get("/admin/police")
	for _, want := range []string{"Merseyside Police", "Mo Officer", "Jo Officer", "Greater Manchester Police"} {
		if !strings.Contains(list.Body, want) {
			t.Errorf("/admin/police lacks %q", want)
		}
	}
	if users := a.get("/admin/users?per_page=100"); !strings.Contains(users.Body, "mo@merseyside.police.test") {
		t.Errorf("/admin/users lacks the police officer")
	}
	if r := a.get(fmt.Sprintf("/organisations/%d", force.ID)); r.Status != http.StatusOK {
		t.Errorf("the admin cannot see its force's organisation: %d", r.Status)
	}
	bAdmin := h.signIn("admin@consortium-b.test")
	if r := bAdmin.get("/admin/police"); strings.Contains(r.Body, "Merseyside") || strings.Contains(r.Body, "Mo Officer") {
		t.Errorf("consortium B's admin sees A's police force")
	}
	if r := bAdmin.get(fmt.Sprintf("/organisations/%d", force.ID)); r.Status != http.StatusForbidden {
		t.Errorf("consortium B's admin reads A's force: %d", r.Status)
	}
	if r := bAdmin.get("/admin/users?per_page=100"); strings.Contains(r.Body, "mo@merseyside.police.test") {
		t.Errorf("consortium B's admin lists A's police officer")
	}
}

// TestRefusedPoliceInvitationLeavesNoForce: inviting a force whose first officer's
// email is already taken is a 422 beside the email field, with the typed values kept,
// and creates no police organisation (the force and the invitation are one transaction).
func TestRefusedPoliceInvitationLeavesNoForce(t *testing.T) {
	h := newHarness(t)
	a := h.signIn("admin@consortium.test")
	r := a.post("/admin/police/new", "/admin/police/new", url.Values{"pfa_code": {"E23000004"}, "name": {"Mo Officer"}, "email": {"commissioner@manchester.test"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("taken email: %d", r.Status)
	}
	for _, want := range []string{`id="email-error"`, "A user with this email address already exists", `value="Mo Officer"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the refusal lacks %q", want)
		}
	}
	var n int64
	must(t, h.deps.DB.Gorm.Raw("SELECT count(*) FROM organisations WHERE kind = 'police' AND pfa_code = 'E23000004'").Scan(&n).Error)
	if n != 0 {
		t.Errorf("%d Merseyside Police organisations after a refused invitation, want 0", n)
	}
}

// TestPoliceLiaisonMustUseTwoFactor: a liaison officer without an authenticator is
// sent to set one up before anything else.
func TestPoliceLiaisonMustUseTwoFactor(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	_, err := h.quiet.Create(ctx, auth.NewUser{Email: "new@gmp.test", Name: "New Liaison", Role: kernel.RolePoliceLiaison, OrganisationID: h.orgs["police"].ID, Password: testPassword})
	must(t, err)
	b := h.browser()
	r := b.post("/sign-in", "/sign-in", url.Values{"email": {"new@gmp.test"}, "password": {testPassword}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", r.Status)
	}
	if r.Location != "/account/mfa" {
		t.Fatalf("sign in without an authenticator goes to %q, want the set-up page", r.Location)
	}
	if r := b.get("/police"); r.Status != http.StatusSeeOther || !strings.Contains(r.Location, "mfa") {
		t.Errorf("/police before the second factor: %d to %q", r.Status, r.Location)
	}
}

// TestHomeContactsByFormAndAPI: the provider's home form takes the address and the
// registered manager, refuses bad ones beside their fields with everything typed kept,
// and the API saves them, keeps them when a change leaves them out, and refuses a bad
// one as a field error.
func TestHomeContactsByFormAndAPI(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@providerx.test")
	form := url.Values{"name": {"Crescent House"}, "ofsted_urn": {"SC778001"}, "home_type": {"childrens_home"}, "ofsted_rating": {"good"},
		"inspection_date-day": {"3"}, "inspection_date-month": {"2"}, "inspection_date-year": {"2025"}, "registered_places": {"3"}, "min_age": {"12"}, "max_age": {"17"},
		"sexes": {"any"}, "lots": {fmt.Sprint(h.lot.ID)}, "postcode": {"M6 5AB"},
		"address": {"1 Crescent Road"}, "manager_name": {"Rita Manager"}, "manager_phone": {"ring me"}, "manager_email": {"rita at home"}}
	r := b.post("/homes/new", "/homes/new", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad contacts: %d", r.Status)
	}
	for _, want := range []string{`href="#manager_phone"`, `href="#manager_email"`, "Enter a telephone number", "1 Crescent Road", `value="Rita Manager"`, `value="ring me"`, `value="rita at home"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the refusal lacks %q", want)
		}
	}
	form.Set("manager_phone", "0161 496 0000")
	form.Set("manager_email", "rita@providerx.test")
	r = b.post("/homes/new", "/homes/new", form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add home: %d\n%s", r.Status, r.Body)
	}
	page := b.get(r.Location)
	for _, want := range []string{"1 Crescent Road", "Rita Manager", "0161 496 0000", "rita@providerx.test"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the home's page lacks %q", want)
		}
	}
	id := strings.TrimPrefix(r.Location, "/homes/")
	tok := h.token("admin@providerx.test")
	st, out := h.api(http.MethodGet, "/api/v1/homes/"+id, tok, "")
	if st != http.StatusOK || out["manager_name"] != "Rita Manager" || out["address"] != "1 Crescent Road" {
		t.Fatalf("API home: %d %v", st, out)
	}
	change := func(extra string) (int, map[string]any) {
		_, cur := h.api(http.MethodGet, "/api/v1/homes/"+id, tok, "")
		return h.api(http.MethodPut, "/api/v1/homes/"+id, tok, fmt.Sprintf(`{"name": "Crescent House", "ofsted_urn": "SC778001", "home_type": "childrens_home", "ofsted_rating": "good",
            "inspection_date": "2025-02-03", "registered_places": 3, "min_age": 12, "max_age": 17, "sexes": "any", "postcode": "M6 5AB", "needs": [], "lot_ids": [%d], "version": %v%s}`, h.lot.ID, cur["version"], extra))
	}
	if st, out := change(""); st != http.StatusOK || out["manager_phone"] != "0161 496 0000" || out["address"] != "1 Crescent Road" {
		t.Fatalf("a change without the contacts: %d %v", st, out)
	}
	if st, out := change(`, "manager_phone": "", "address": "2 Crescent Road"`); st != http.StatusOK || out["manager_phone"] != "" || out["address"] != "2 Crescent Road" {
		t.Fatalf("a change of the contacts: %d %v", st, out)
	}
	if st, out := change(`, "manager_email": "nope"`); st != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(out), "manager_email") {
		t.Fatalf("a bad email: %d %v", st, out)
	}
}
