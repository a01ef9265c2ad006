package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/ssda903"
)

// TestEveryRouteHasAPolicy walks every route echo knows and fails if one was
// registered without an authorisation policy.
func TestEveryRouteHasAPolicy(t *testing.T) {
	h := newHarness(t)
	n := 0
	for _, r := range h.s.Routes() {
		if strings.HasPrefix(r.Name, "github.com/labstack/echo") || r.Method == "echo_route_any" {
			continue
		}
		if _, ok := h.s.PolicyFor(r.Method, r.Path); !ok {
			t.Errorf("%s %s has no authorisation policy", r.Method, r.Path)
		}
		n++
	}
	if n < 30 {
		t.Fatalf("only %d routes found; is the walk broken?", n)
	}
}

// TestRolesAreRefusedWhereTheyMustBe signs in as each role and visits pages and API
// endpoints with restricted policies.
func TestRolesAreRefusedWhereTheyMustBe(t *testing.T) {
	h := newHarness(t)
	admin := []kernel.Role{kernel.RoleConsortiumAdmin}
	board := []kernel.Role{kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleConsortiumAdmin}
	providers := []kernel.Role{kernel.RoleProviderAdmin, kernel.RoleProviderUser}
	provAdmin := []kernel.Role{kernel.RoleProviderAdmin}
	// A commissioner of a council in the consortium, or the consortium's admin; the host
	// council's user (a council outside it) is refused with everyone else.
	intel := []kernel.Role{kernel.RoleConsortiumAdmin, kernel.RoleCommissioner}
	ssdaYear := ssda903.YearOf(kernel.DateOf(h.clock.Now())).String()
	police := []kernel.Role{kernel.RolePoliceLiaison}
	// Missing episodes: the councils' and providers' people, and host-council users; the
	// consortium admin sees only the aggregates (/intelligence/missing).
	episodes := []kernel.Role{kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleProviderAdmin, kernel.RoleProviderUser, kernel.RoleHostCouncilUser}
	web := []struct {
		path    string
		allowed []kernel.Role // nil: every role
	}{
		{"/", nil},
		{"/account", nil},
		{"/account/tokens", nil},
		{"/admin/users", admin},
		{"/admin/users/new", admin},
		{fmt.Sprintf("/admin/users/%d/remove", h.users["approver@manchester.test"].ID), admin},
		{"/provider/users", provAdmin},
		{"/admin/audit", admin},
		{"/admin/audit.csv", admin},
		{"/admin/outbox", admin},
		{"/admin/frameworks", admin},
		{"/admin/geography", admin},
		{"/board", board},
		{"/board.csv", board},
		{"/homes", providers},
		{"/homes/new", providers},
		{"/homes/upload", providers},
		{"/provider/frameworks", provAdmin},
		{"/invitations", providers},
		{"/requests", []kernel.Role{kernel.RoleCommissioner}},
		{"/approvals", []kernel.Role{kernel.RoleApprover}},
		{"/monitoring", board},
		{"/monitoring/framework", nil},
		{"/webhooks", []kernel.Role{kernel.RoleApprover, kernel.RoleProviderAdmin}},
		{"/webhooks/new", []kernel.Role{kernel.RoleApprover, kernel.RoleProviderAdmin}},
		// The SSDA903 return is child-level: the placing council's commissioners only.
		{"/returns/ssda903", []kernel.Role{kernel.RoleCommissioner}},
		{"/returns/ssda903/" + ssdaYear + "/episodes.csv", []kernel.Role{kernel.RoleCommissioner}},
		{"/returns/ssda903/" + ssdaYear + "/ssda903.zip", []kernel.Role{kernel.RoleCommissioner}},
		{"/admin/police", admin},
		{"/admin/police/new", admin},
		{"/police", police},
		{"/police/missing", police},
		{"/police/missing.csv", police},
		{"/simulations", admin},
		{"/simulations/parameters", admin},
		{"/missing", episodes},
		{"/missing.csv", episodes},
	}
	for _, path := range intelligencePages {
		web = append(web, struct {
			path    string
			allowed []kernel.Role
		}{path, intel})
	}
	api := []struct {
		path    string
		allowed []kernel.Role
	}{
		{"/api/v1/me", nil},
		{"/api/v1/users", admin},
		{"/api/v1/adjacency-overrides", admin},
		{"/api/v1/homes", providers},
		{"/api/v1/vacancies", board},
		{"/api/v1/invitations", providers},
		{"/api/v1/webhook-endpoints", []kernel.Role{kernel.RoleApprover, kernel.RoleProviderAdmin}},
		{"/api/v1/ssda903/" + ssdaYear, []kernel.Role{kernel.RoleCommissioner}},
		{"/api/v1/ssda903/" + ssdaYear + "/missing.csv", []kernel.Role{kernel.RoleCommissioner}},
		{"/api/v1/police/homes", police},
		{"/api/v1/police/missing-episodes", police},
		{"/api/v1/missing-episodes", episodes},
		{"/api/v1/simulations", admin},
		{"/api/v1/simulations/parameters", admin},
	}
	for _, path := range intelligenceAPI {
		api = append(api, struct {
			path    string
			allowed []kernel.Role
		}{path, intel})
	}
	for _, hu := range harnessUsers {
		b := h.signIn(hu.email)
		tok := h.token(hu.email)
		for _, p := range web {
			t.Run(fmt.Sprintf("%s GET %s", hu.role, p.path), func(t *testing.T) {
				r := b.get(p.path)
				want := http.StatusForbidden
				if p.allowed == nil || contains(p.allowed, hu.role) {
					want = http.StatusOK
				}
				if r.Status != want {
					t.Fatalf("status %d, want %d", r.Status, want)
				}
				if want == http.StatusForbidden && !strings.Contains(r.Body, "You do not have permission to see this page") {
					t.Fatalf("403 without the GOV.UK permission page")
				}
			})
		}
		for _, p := range api {
			t.Run(fmt.Sprintf("%s API %s", hu.role, p.path), func(t *testing.T) {
				status, body := h.api(http.MethodGet, p.path, tok, "")
				want := http.StatusForbidden
				if p.allowed == nil || contains(p.allowed, hu.role) {
					want = http.StatusOK
				}
				if status != want {
					t.Fatalf("status %d, want %d (%v)", status, want, body)
				}
				if want == http.StatusForbidden && body["error"].(map[string]any)["code"] != "forbidden" {
					t.Fatalf("403 body = %v", body)
				}
			})
		}
	}
}

// TestRemoveAccessRoutesPerRole: removing access (page and API) answers each role as
// its policy says. A provider's removal page and the API are tried on someone no one
// or only Provider X's admin manages, so nothing is removed.
func TestRemoveAccessRoutesPerRole(t *testing.T) {
	h := newHarness(t)
	providerPage := fmt.Sprintf("/provider/users/%d/remove", h.users["staff@providerx.test"].ID)
	for _, hu := range harnessUsers {
		t.Run(string(hu.role)+" "+hu.email, func(t *testing.T) {
			wantPage := http.StatusForbidden
			switch {
			case hu.email == "admin@providerx.test":
				wantPage = http.StatusOK
			case hu.role == kernel.RoleProviderAdmin:
				wantPage = http.StatusNotFound // another provider's user
			}
			b := h.signIn(hu.email)
			if r := b.get(providerPage); r.Status != wantPage {
				t.Errorf("GET %s: %d, want %d", providerPage, r.Status, wantPage)
			}
			// The forms' POSTs, on no one: 404 to their admins, 403 to everyone else.
			for path, role := range map[string]kernel.Role{"/admin/users/999999/remove": kernel.RoleConsortiumAdmin, "/provider/users/999999/remove": kernel.RoleProviderAdmin} {
				want := http.StatusForbidden
				if hu.role == role {
					want = http.StatusNotFound
				}
				if r := b.post("/account", path, url.Values{}); r.Status != want {
					t.Errorf("POST %s: %d, want %d", path, r.Status, want)
				}
			}
			wantAPI := http.StatusForbidden
			if hu.role == kernel.RoleConsortiumAdmin || hu.role == kernel.RoleProviderAdmin {
				wantAPI = http.StatusNotFound // no such user
			}
			if st, body := h.api(http.MethodPost, "/api/v1/users/999999/deactivate", h.token(hu.email), ""); st != wantAPI {
				t.Errorf("POST deactivate: %d, want %d (%v)", st, wantAPI, body)
			}
		})
	}
}

func contains(rs []kernel.Role, r kernel.Role) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

func TestSignedOutVisitorsAreSentToSignIn(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	for _, p := range []string{"/", "/account", "/admin/audit", "/organisations/1"} {
		r := b.get(p)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in?next=") {
			t.Errorf("GET %s: %d to %q, want a redirect to sign in", p, r.Status, r.Location)
		}
	}
	for _, p := range []string{"/api/v1/me", "/api/v1/users"} {
		if status, _ := h.api(http.MethodGet, p, "", ""); status != http.StatusUnauthorized {
			t.Errorf("GET %s without a token: %d, want 401", p, status)
		}
		if status, _ := h.api(http.MethodGet, p, "hth_not-a-real-token", ""); status != http.StatusUnauthorized {
			t.Errorf("GET %s with a bad token: %d, want 401", p, status)
		}
	}
}

// TestTenantsAreIsolated proves a council cannot read another council's records, a
// provider another provider's, and a consortium admin only its member councils.
func TestTenantsAreIsolated(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		email  string
		target string
		want   int
	}{
		{"commissioner@manchester.test", "manchester", http.StatusOK},
		{"commissioner@manchester.test", "liverpool", http.StatusForbidden},
		{"commissioner@liverpool.test", "manchester", http.StatusForbidden},
		{"approver@manchester.test", "liverpool", http.StatusForbidden},
		{"admin@providerx.test", "providerx", http.StatusOK},
		{"admin@providerx.test", "providery", http.StatusForbidden},
		{"staff@providerx.test", "providery", http.StatusForbidden},
		{"admin@providery.test", "providerx", http.StatusForbidden},
		{"admin@providerx.test", "manchester", http.StatusForbidden},
		{"admin@consortium.test", "manchester", http.StatusOK},
		{"admin@consortium.test", "leeds", http.StatusForbidden}, // not a member council
		{"admin@consortium.test", "providerx", http.StatusForbidden},
		{"manager@securehome.test", "providerx", http.StatusForbidden},
		{"coordinator@swcu.test", "manchester", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.email+" reads "+tt.target, func(t *testing.T) {
			path := fmt.Sprintf("/organisations/%d", h.orgs[tt.target].ID)
			if r := h.signIn(tt.email).get(path); r.Status != tt.want {
				t.Errorf("web GET %s: %d, want %d", path, r.Status, tt.want)
			}
			status, body := h.api(http.MethodGet, "/api/v1"+path, h.token(tt.email), "")
			if status != tt.want {
				t.Errorf("API GET %s: %d, want %d (%v)", path, status, tt.want, body)
			}
		})
	}
}

// intelligencePages and intelligenceAPI are every regional intelligence route: each
// page, its CSVs and the sufficiency summary, and the API's views.
var (
	intelligencePages = []string{"/intelligence", "/intelligence/out-of-area", "/intelligence/out-of-area.csv", "/intelligence/out-of-area-return.csv",
		"/intelligence/market", "/intelligence/market.csv", "/intelligence/time-to-place", "/intelligence/time-to-place.csv",
		"/intelligence/sufficiency", "/intelligence/sufficiency.csv", "/intelligence/sufficiency/summary",
		"/intelligence/quality", "/intelligence/quality.csv",
		"/intelligence/market.csv?table=tiers", "/intelligence/market.csv?table=high-fees",
		"/intelligence/missing", "/intelligence/missing.csv"}
	intelligenceAPI = []string{"/api/v1/intelligence/out-of-area", "/api/v1/intelligence/time-to-place", "/api/v1/intelligence/sufficiency", "/api/v1/intelligence/quality", "/api/v1/intelligence/market",
		"/api/v1/intelligence/missing"}
)

// TestIntelligenceKeepsConsortiaApart: with consortium A's placements, awards, requests
// and summaries in place, consortium B's admin and a commissioner of B's council (Leeds)
// get answers through every intelligence route, and none of them names anything of A's:
// its councils, its providers, its lot or the consortium itself.
func TestIntelligenceKeepsConsortiaApart(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	h.outOfAreaHistory(t)
	id, _, far := h.twoBids(t)
	if st, body := h.api(http.MethodPost, fmt.Sprintf("/api/v1/requests/%d/award", id), h.token("commissioner@manchester.test"),
		fmt.Sprintf(`{"bid_id": %d, "reason": "Near her sister.", "out_of_area_reason": "near_family"}`, far.ID)); st != http.StatusCreated {
		t.Fatalf("award: %d %v", st, body)
	}
	must(t, h.deps.Intelligence.RefreshTimeToPlace(ctx))
	must(t, h.deps.Intelligence.RefreshSufficiency(ctx))
	must(t, h.deps.Intelligence.RefreshQuality(ctx))
	must(t, h.deps.Intelligence.RefreshMarket(ctx))

	h.leedsConsortium()
	// A's own admin sees A's figures (so the fixture has something to leak).
	if r := h.signIn("admin@consortium.test").get("/intelligence/out-of-area"); !strings.Contains(r.Body, "Salford") || !strings.Contains(r.Body, "Manchester into Manchester") {
		t.Fatalf("consortium A's admin does not see A's flows: %d", r.Status)
	}
	if r := h.signIn("admin@consortium.test").get("/intelligence/time-to-place"); !strings.Contains(r.Body, "Residential") {
		t.Fatalf("consortium A's time to place lacks its lot: %d", r.Status)
	}
	secrets := []string{"Manchester", "Liverpool", "Salford", "Test Consortium", "Provider X", "Provider Y", "Residential", "residential"}
	for _, email := range []string{"commissioner@leeds.test", "admin@consortium-b.test"} {
		b := h.signIn(email)
		tok := h.token(email)
		check := func(route string, status int, body string) {
			t.Helper()
			if status != http.StatusOK {
				t.Errorf("%s %s: status %d, want 200", email, route, status)
			}
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("%s %s: shows %q, consortium A's", email, route, s)
				}
			}
		}
		for _, path := range intelligencePages {
			r := b.get(path)
			check(path, r.Status, r.Body)
		}
		for _, path := range intelligenceAPI {
			st, body := h.api(http.MethodGet, path, tok, "")
			check(path, st, fmt.Sprint(body))
		}
	}
}
