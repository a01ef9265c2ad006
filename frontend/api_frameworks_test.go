package frontend

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// otherConsortium gives the harness a second consortium with its own admin and a
// closed framework, for cross-tenant probes.
func (h *harness) otherConsortium(t *testing.T) (adminToken string, fw commissioning.Framework) {
	t.Helper()
	ctx := context.Background()
	cons, err := h.deps.Orgs.Create(ctx, kernel.KindConsortium, "Other Consortium")
	must(t, err)
	must(t, h.deps.Orgs.JoinConsortium(ctx, cons.ID, []string{"E08000035"})) // Leeds
	u, err := h.quiet.Create(ctx, newUser("admin@other.test", string(kernel.RoleConsortiumAdmin), cons.ID))
	must(t, err)
	h.users[u.Email] = u
	fw, err = h.deps.Frameworks.CreateFramework(ctx, cons.ID, commissioning.FrameworkTerms{Name: "Other DPS", WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 100, NoDistancePolicy: true})
	must(t, err)
	_, err = h.deps.Frameworks.AddLot(ctx, fw.ID, commissioning.NewLot{Code: "fostering", Name: "Fostering", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 100000}})
	must(t, err)
	return h.token(u.Email), fw
}

// TestFrameworksAPI: a consortium admin reads their consortium's frameworks with lots,
// ceilings, weights, levy and distance policy; providers read those they applied to
// and those open; another consortium's closed framework is a 404 to both.
func TestFrameworksAPI(t *testing.T) {
	h := newHarness(t)
	other, otherFW := h.otherConsortium(t)
	admin := h.token("admin@consortium.test")
	st, out := h.api(http.MethodGet, "/api/v1/frameworks", admin, "")
	if st != http.StatusOK || len(out["frameworks"].([]any)) != 1 {
		t.Fatalf("list: %d %v", st, out)
	}
	f := out["frameworks"].([]any)[0].(map[string]any)
	lot := f["lots"].([]any)[0].(map[string]any)
	if f["levy_bps"] != float64(150) || f["weights"].(map[string]any)["price"] != float64(40) || lot["code"] != "residential" ||
		lot["ceilings"].([]any)[0].(map[string]any)["ceiling_pence"] != float64(500000) || f["application"] != nil {
		t.Fatalf("framework: %v", f)
	}
	path := fmt.Sprintf("/api/v1/frameworks/%d", h.framework.ID)
	otherPath := fmt.Sprintf("/api/v1/frameworks/%d", otherFW.ID)
	tests := []struct {
		name, token, path string
		want              int
	}{
		{"admin reads own", admin, path, http.StatusOK},
		{"admin probes another consortium's", admin, otherPath, http.StatusNotFound},
		{"other admin probes ours", other, path, http.StatusNotFound},
		{"other admin reads own", other, otherPath, http.StatusOK},
		{"missing", admin, "/api/v1/frameworks/999999", http.StatusNotFound},
		{"admitted provider", h.token("admin@providerx.test"), path, http.StatusOK},
		{"provider staff", h.token("staff@providerx.test"), path, http.StatusOK},
		{"provider, open framework", h.token("admin@providery.test"), path, http.StatusOK},
		{"provider, closed framework not applied to", h.token("admin@providerx.test"), otherPath, http.StatusNotFound},
		{"commissioner", h.token("commissioner@manchester.test"), path, http.StatusForbidden},
		{"no token", "", path, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if st, out := h.api(http.MethodGet, tt.path, tt.token, ""); st != tt.want {
				t.Fatalf("%d, want %d: %v", st, tt.want, out)
			}
		})
	}
	st, mine := h.api(http.MethodGet, path, h.token("admin@providerx.test"), "")
	if app, _ := mine["application"].(map[string]any); st != http.StatusOK || app["status"] != "admitted" {
		t.Fatalf("the provider's own application: %v", mine)
	}
}

// TestApplicationsAPI: a provider applies through the API (all errors at once, then
// 201 with a Location); the consortium admin lists applications by status and admits
// with a reason the provider is emailed; another consortium's admin gets a 404.
func TestApplicationsAPI(t *testing.T) {
	h := newHarness(t)
	other, _ := h.otherConsortium(t)
	provider := h.token("admin@providery.test")
	apply := fmt.Sprintf("/api/v1/frameworks/%d/applications", h.framework.ID)
	st, out := h.api(http.MethodPost, apply, provider, `{"lot_ids": [], "declarations": {"ofsted_registered": true, "insurance_expiry": "2020-01-01", "safeguarding_policy_date": "soon", "responsible_individual": ""}}`)
	errs := fmt.Sprint(out)
	if st != http.StatusUnprocessableEntity || !strings.Contains(errs, "lot_ids") || !strings.Contains(errs, "declarations.safeguarding_policy_date") || !strings.Contains(errs, "declarations.responsible_individual") {
		t.Fatalf("invalid application: %d %v", st, out)
	}
	if st, _ := h.api(http.MethodPost, apply, h.token("staff@providerx.test"), `{}`); st != http.StatusForbidden {
		t.Fatalf("provider staff applied: %d", st)
	}
	body := fmt.Sprintf(`{"lot_ids": [%d], "declarations": {"ofsted_registered": true, "insurance_expiry": "%s", "safeguarding_policy_date": "%s", "responsible_individual": "R I"}}`,
		h.lot.ID, time.Now().AddDate(1, 0, 0).Format(time.DateOnly), time.Now().AddDate(0, -1, 0).Format(time.DateOnly))
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+apply, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+provider)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || res.Header.Get("Location") != fmt.Sprintf("/api/v1/frameworks/%d", h.framework.ID) {
		t.Fatalf("apply: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if st, _ := h.api(http.MethodPost, apply, provider, body); st != http.StatusConflict {
		t.Fatalf("applied twice: %d", st)
	}

	admin := h.token("admin@consortium.test")
	if st, _ := h.api(http.MethodGet, "/api/v1/applications?status=pending", admin, ""); st != http.StatusUnprocessableEntity {
		t.Fatalf("unknown status: %d", st)
	}
	st, out = h.api(http.MethodGet, "/api/v1/applications?status=submitted", admin, "")
	if st != http.StatusOK || len(out["applications"].([]any)) != 1 {
		t.Fatalf("submitted applications: %d %v", st, out)
	}
	app := out["applications"].([]any)[0].(map[string]any)
	if app["provider"].(map[string]any)["name"] != "Provider Y" || app["lots"].([]any)[0].(map[string]any)["status"] != "requested" {
		t.Fatalf("application: %v", app)
	}
	if st, out := h.api(http.MethodGet, "/api/v1/applications", other, ""); st != http.StatusOK || len(out["applications"].([]any)) != 0 {
		t.Fatalf("another consortium's admin lists ours: %d %v", st, out)
	}
	decide := fmt.Sprintf("/api/v1/applications/%d/decision", int64(app["id"].(float64)))
	admitBody := fmt.Sprintf(`{"decision": "admit", "reason": "Meets the standard", "lot_ids": [%d]}`, h.lot.ID)
	tests := []struct {
		name, token, path, body string
		want                    int
	}{
		{"no token", "", decide, admitBody, http.StatusUnauthorized},
		{"provider", provider, decide, admitBody, http.StatusForbidden},
		{"another consortium's admin", other, decide, admitBody, http.StatusNotFound},
		{"missing application", admin, "/api/v1/applications/999999/decision", admitBody, http.StatusNotFound},
		{"no reason", admin, decide, fmt.Sprintf(`{"decision": "admit", "reason": " ", "lot_ids": [%d]}`, h.lot.ID), http.StatusUnprocessableEntity},
		{"a lot not applied for", admin, decide, `{"decision": "admit", "reason": "ok", "lot_ids": [999999]}`, http.StatusUnprocessableEntity},
		{"a label, not a code", admin, decide, fmt.Sprintf(`{"decision": "Admitted", "reason": "ok", "lot_ids": [%d]}`, h.lot.ID), http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if st, out := h.api(http.MethodPost, tt.path, tt.token, tt.body); st != tt.want {
				t.Fatalf("%d, want %d: %v", st, tt.want, out)
			}
		})
	}
	st, out = h.api(http.MethodPost, decide, admin, admitBody)
	if st != http.StatusOK || out["status"] != "admitted" || out["lots"].([]any)[0].(map[string]any)["reason"] != "Meets the standard" {
		t.Fatalf("admit: %d %v", st, out)
	}
	if !hasMail(h.mailsTo("admin@providery.test"), "you have been admitted to Residential") {
		t.Fatal("the provider was not emailed the decision")
	}
	if st, out := h.api(http.MethodGet, "/api/v1/applications?status=admitted", admin, ""); st != http.StatusOK || len(out["applications"].([]any)) != 2 {
		t.Fatalf("admitted applications: %d %v", st, out)
	}
}

// TestBillingContactAPI: the consortium admin sets a member council's billing contact;
// a council outside the consortium is a 404.
func TestBillingContactAPI(t *testing.T) {
	h := newHarness(t)
	admin := h.token("admin@consortium.test")
	manchester := fmt.Sprintf("/api/v1/billing/contacts/%d", h.orgs["manchester"].ID)
	tests := []struct {
		name, token, path, body string
		want                    int
	}{
		{"no token", "", manchester, `{"billing_email": "ap@manchester.test"}`, http.StatusUnauthorized},
		{"commissioner", h.token("commissioner@manchester.test"), manchester, `{"billing_email": "ap@manchester.test"}`, http.StatusForbidden},
		{"council outside the consortium", admin, fmt.Sprintf("/api/v1/billing/contacts/%d", h.orgs["leeds"].ID), `{"billing_email": "ap@leeds.test"}`, http.StatusNotFound},
		{"not an email", admin, manchester, `{"billing_email": "accounts"}`, http.StatusUnprocessableEntity},
		{"member council", admin, manchester, `{"billing_email": "ap@manchester.test"}`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if st, out := h.api(http.MethodPut, tt.path, tt.token, tt.body); st != tt.want {
				t.Fatalf("%d, want %d: %v", st, tt.want, out)
			}
		})
	}
	o, err := h.deps.Billing.Overview(context.Background(), h.orgs["consortium"].ID)
	must(t, err)
	for _, c := range o.Councils {
		if c.ID == h.orgs["manchester"].ID && (c.Email == nil || *c.Email != "ap@manchester.test") {
			t.Fatalf("billing contact not saved: %v", c.Email)
		}
	}
}

// TestRegisterProviderAPI: registration through the API answers the same whether or
// not the email has an account (ASVS V2.2, V3.3), reports field errors all at once,
// and is limited per email like the sign-up page.
func TestRegisterProviderAPI(t *testing.T) {
	h := newHarness(t)
	reg := func(email string) string {
		return fmt.Sprintf(`{"organisation_name": "Acorn Care Ltd", "registration_kind": "company", "registration_number": "01234567", "contact_name": "A Person",
            "contact_email": "office@acorn.test", "contact_phone": "0161 000 0000", "admin_name": "A Person", "admin_email": %q, "password": "a long enough passphrase"}`, email)
	}
	stNew, outNew := h.api(http.MethodPost, "/api/v1/providers", "", reg("new@acorn.test"))
	if stNew != http.StatusAccepted {
		t.Fatalf("register: %d %v", stNew, outNew)
	}
	if _, err := h.deps.Users.ByEmail(context.Background(), "new@acorn.test"); err != nil {
		t.Fatalf("the administrator was not created: %v", err)
	}
	stTaken, outTaken := h.api(http.MethodPost, "/api/v1/providers", "", reg("admin@providerx.test"))
	if stTaken != stNew || strings.ReplaceAll(fmt.Sprint(outTaken), "admin@providerx.test", "X") != strings.ReplaceAll(fmt.Sprint(outNew), "new@acorn.test", "X") {
		t.Fatalf("a taken email answers differently: %d %v / %d %v", stTaken, outTaken, stNew, outNew)
	}
	if !hasMail(h.mailsTo("admin@providerx.test"), "Someone tried to register") {
		t.Fatal("the account's owner was not told")
	}
	st, out := h.api(http.MethodPost, "/api/v1/providers", "", `{"organisation_name": "", "admin_email": "nope", "password": ""}`)
	if errs := fmt.Sprint(out); st != http.StatusUnprocessableEntity || !strings.Contains(errs, "organisation_name") || !strings.Contains(errs, "admin_email") || !strings.Contains(errs, "password") {
		t.Fatalf("invalid registration: %d %v", st, out)
	}
	if st, _ := h.api(http.MethodPost, "/api/v1/providers", "", `{"unknown": 1}`); st != http.StatusBadRequest {
		t.Fatalf("unknown field: %d", st)
	}
	// The same email again and again is throttled, as on the sign-up page.
	for i := range 5 {
		st, _ = h.api(http.MethodPost, "/api/v1/providers", "", reg("admin@providerx.test"))
		if st == http.StatusTooManyRequests {
			break
		}
		if i == 4 {
			t.Fatalf("never throttled: %d", st)
		}
	}
}

// TestHomesWriteAPI: a provider adds and changes homes through the API, read by
// marketplace.ParseHome as the form is; errors are field errors; a stale version is a
// 409; another provider's home is a 404.
func TestHomesWriteAPI(t *testing.T) {
	h := newHarness(t)
	h.admit(h.orgs["providery"].ID)
	tok := h.token("staff@providerx.test")
	home := func(name string, version int) string {
		return fmt.Sprintf(`{"name": %q, "ofsted_urn": "SC990001", "home_type": "childrens_home", "ofsted_rating": "good", "inspection_date": "2025-01-01",
            "registered_places": 4, "min_age": 10, "max_age": 17, "sexes": "any", "postcode": "M20 2AB", "needs": ["autism"], "lot_ids": [%d], "version": %d}`, name, h.lot.ID, version)
	}
	st, out := h.api(http.MethodPost, "/api/v1/homes", tok, `{"name": "", "ofsted_urn": "x", "home_type": "castle", "ofsted_rating": "good", "registered_places": 0, "min_age": 17, "max_age": 10, "sexes": "any", "postcode": "nowhere", "needs": [], "lot_ids": []}`)
	if errs := fmt.Sprint(out); st != http.StatusUnprocessableEntity || !strings.Contains(errs, "home_type") || !strings.Contains(errs, "postcode") || !strings.Contains(errs, "lot_ids") {
		t.Fatalf("invalid home: %d %v", st, out)
	}
	if st, _ := h.api(http.MethodPost, "/api/v1/homes", h.token("commissioner@manchester.test"), home("Oak House", 0)); st != http.StatusForbidden {
		t.Fatalf("a council added a home: %d", st)
	}
	if st, _ := h.api(http.MethodPost, "/api/v1/homes", "", home("Oak House", 0)); st != http.StatusUnauthorized {
		t.Fatalf("no token: %d", st)
	}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/api/v1/homes", strings.NewReader(home("Oak House", 0)))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || !strings.HasPrefix(res.Header.Get("Location"), "/api/v1/homes/") {
		t.Fatalf("create: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	loc := res.Header.Get("Location")
	st, got := h.api(http.MethodGet, loc, tok, "")
	if st != http.StatusOK || got["name"] != "Oak House" || got["outcode"] != "M20" {
		t.Fatalf("created home: %d %v", st, got)
	}
	version := int(got["version"].(float64))
	if st, out := h.api(http.MethodPut, loc, tok, home("Oak House North", version)); st != http.StatusOK || out["name"] != "Oak House North" {
		t.Fatalf("update: %d %v", st, out)
	}
	if st, _ := h.api(http.MethodPut, loc, tok, home("Oak House South", version)); st != http.StatusConflict {
		t.Fatalf("stale update: %d", st)
	}
	if st, _ := h.api(http.MethodPut, loc, h.token("admin@providery.test"), home("Taken", version+1)); st != http.StatusNotFound {
		t.Fatalf("another provider changed the home: %d", st)
	}
}
