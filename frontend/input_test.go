package frontend

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

func TestCreateUserAPIRejectsBadInput(t *testing.T) {
	h := newHarness(t)
	tok := h.token("admin@consortium.test")
	manchester := h.orgs["manchester"].ID
	tests := []struct {
		name   string
		body   string
		status int
		field  string
	}{
		{"ErrNotJSON", `{"name": "A`, http.StatusBadRequest, "body"},
		{"ErrEmpty", ``, http.StatusBadRequest, "body"},
		{"ErrWrongType", `{"name": "Ann", "email": 5, "role": "commissioner", "organisation_id": 1}`, http.StatusBadRequest, "email"},
		{"ErrUnknownField", `{"name": "Ann", "email": "ann@x.test", "role": "commissioner", "organisation_id": 1, "is_admin": true}`, http.StatusBadRequest, "is_admin"},
		{"ErrMissingName", fmt.Sprintf(`{"email": "ann@x.test", "role": "commissioner", "organisation_id": %d}`, manchester), http.StatusUnprocessableEntity, "name"},
		{"ErrBadEmail", fmt.Sprintf(`{"name": "Ann", "email": "ann", "role": "commissioner", "organisation_id": %d}`, manchester), http.StatusUnprocessableEntity, "email"},
		{"ErrProviderRole", fmt.Sprintf(`{"name": "Ann", "email": "ann@x.test", "role": "provider_admin", "organisation_id": %d}`, manchester), http.StatusUnprocessableEntity, "role"},
		{"ErrOtherTenantsCouncil", fmt.Sprintf(`{"name": "Ann", "email": "ann@x.test", "role": "commissioner", "organisation_id": %d}`, h.orgs["leeds"].ID), http.StatusUnprocessableEntity, "organisation_id"},
		{"ErrRoleDoesNotFitOrganisation", fmt.Sprintf(`{"name": "Ann", "email": "ann@x.test", "role": "consortium_admin", "organisation_id": %d}`, manchester), http.StatusUnprocessableEntity, "role"},
		{"ErrDuplicateEmail", fmt.Sprintf(`{"name": "Ann", "email": "commissioner@manchester.test", "role": "commissioner", "organisation_id": %d}`, manchester), http.StatusUnprocessableEntity, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := h.api(http.MethodPost, "/api/v1/users", tok, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %v", status, tt.status, body)
			}
			fields, _ := body["errors"].([]any)
			if len(fields) == 0 || fields[0].(map[string]any)["field"] != tt.field {
				t.Fatalf("fields = %v, want first %q", fields, tt.field)
			}
		})
	}
	if _, total, _ := h.deps.Outbox.List(t.Context(), notify.AllMail, 0, 1); total != 0 {
		t.Fatalf("bad requests sent %d emails", total)
	}
	t.Run("Created201", func(t *testing.T) {
		status, body := h.api(http.MethodPost, "/api/v1/users", tok, fmt.Sprintf(`{"name": "Ann Other", "email": "ann@manchester.test", "role": "approver", "organisation_id": %d}`, manchester))
		if status != http.StatusCreated || body["email"] != "ann@manchester.test" {
			t.Fatalf("%d %v", status, body)
		}
		mails, _, _ := h.deps.Outbox.List(t.Context(), notify.AllMail, 0, 1)
		if len(mails) != 1 || mails[0].ToAddress != "ann@manchester.test" || !strings.Contains(mails[0].Body, "/password/reset/") {
			t.Fatalf("invitation = %+v", mails)
		}
	})
}

func TestAddUserFormKeepsInputOnError(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@consortium.test")
	r := b.post("/admin/users/new", "/admin/users/new", url.Values{"name": {"Bea Typed"}, "email": {"bea@"}, "organisation_id": {""}, "role": {"commissioner"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.Status)
	}
	for _, want := range []string{"govuk-error-summary", `href="#email"`, `href="#organisation_id"`, `value="Bea Typed"`, `value="bea@"`, `value="commissioner" selected`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	r = b.post("/admin/users/new", "/admin/users/new", url.Values{"name": {"Bea Typed"}, "email": {"bea@liverpool.test"}, "organisation_id": {fmt.Sprint(h.orgs["liverpool"].ID)}, "role": {"commissioner"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("valid form: %d", r.Status)
	}
	if page := b.get("/admin/users"); !strings.Contains(page.Body, "bea@liverpool.test") || !strings.Contains(page.Body, "has been added") {
		t.Fatal("new user not listed with a success banner")
	}
}

func TestErrorPages(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("commissioner@manchester.test")
	if r := b.get("/no/such/page"); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "Page not found") {
		t.Fatalf("unknown route: %d", r.Status)
	}
	if r := h.browser().get("/no/such/page"); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "govuk-heading-l") {
		t.Fatalf("unknown route signed out: %d", r.Status)
	}
	if r := b.get("/organisations/not-a-number"); r.Status != http.StatusNotFound {
		t.Fatalf("bad id: %d", r.Status)
	}
	if r := b.get("/organisations/999999"); r.Status != http.StatusNotFound {
		t.Fatalf("missing organisation: %d", r.Status)
	}
	status, body := h.api(http.MethodGet, "/api/v1/nothing", h.token("commissioner@manchester.test"), "")
	if status != http.StatusNotFound || body["error"].(map[string]any)["code"] != "not_found" {
		t.Fatalf("API 404: %d %v", status, body)
	}
	if r := b.get("/admin/audit?from=yesterday"); r.Status != http.StatusForbidden {
		t.Fatalf("commissioner audit: %d", r.Status)
	}
	ab := h.signIn("admin@consortium.test")
	if r := ab.get("/admin/audit?from=yesterday"); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter a date like") || !strings.Contains(r.Body, `value="yesterday"`) {
		t.Fatalf("bad audit filter: %d", r.Status)
	}
}

// TestPagesMakeNoExternalRequests checks the security headers and that no page refers
// to another site for scripts, styles, fonts or images.
func TestPagesMakeNoExternalRequests(t *testing.T) {
	h := newHarness(t)
	external := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`)
	b := h.signIn("admin@consortium.test")
	for _, p := range []string{"/", "/account", "/admin/users", "/admin/audit", "/admin/outbox", "/accessibility", "/cookies", "/account/tokens"} {
		r := b.get(p)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Status)
		}
		if m := external.FindString(r.Body); m != "" {
			t.Errorf("%s refers to another site: %s", p, m)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: CSP %q", p, csp)
		}
	}
	for _, asset := range []string{"/static/hearth.css", "/static/init.js", "/static/js-enabled.js"} {
		if r := b.get(asset); r.Status != http.StatusOK {
			t.Errorf("%s: %d", asset, r.Status)
		}
	}
}

func TestHealthAndMetrics(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	if r := b.get("/healthz"); r.Status != http.StatusOK {
		t.Fatalf("healthz %d", r.Status)
	}
	if r := b.get("/readyz"); r.Status != http.StatusOK {
		t.Fatalf("readyz %d", r.Status)
	}
	metrics := httptest.NewRecorder()
	h.s.MetricsHandler().ServeHTTP(metrics, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if metrics.Code != http.StatusOK || !strings.Contains(metrics.Body.String(), `hearth_http_requests_total{method="GET",route="/readyz",status="200"} 1`) {
		t.Fatalf("metrics: %d\n%s", metrics.Code, metrics.Body.String())
	}
	tok := h.token("commissioner@manchester.test")
	h.s.Close() // releases the live-update listener's connection
	h.deps.DB.Pool.Close()
	if r := b.get("/readyz"); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with the database gone: %d", r.Status)
	}
	// A token that cannot be checked is a 503 to retry, never a 401 to drop it.
	if status, _, body := h.apiRaw("/api/v1/vacancies", tok); status != http.StatusServiceUnavailable {
		t.Fatalf("API with the database gone: %d %s", status, body)
	}
}

// TestOpenAPIDescribesEveryAPIRoute keeps the OpenAPI document in step with the routes.
func TestOpenAPIDescribesEveryAPIRoute(t *testing.T) {
	h := newHarness(t)
	var doc struct {
		OpenAPI string                            `json:"openapi"`
		Paths   map[string]map[string]interface{} `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %v %q", err, doc.OpenAPI)
	}
	param := regexp.MustCompile(`:(\w+)`)
	for _, r := range h.s.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		p := param.ReplaceAllString(r.Path, "{$1}")
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in /api/openapi.json", r.Method, p)
		}
	}
}

// TestAPIFieldErrorsNameJSONFieldsNotFormIDs: the API reports every invalid field by
// its snake_case JSON name, never by a form element id such as "order_expiry-day"
// (issue 13), with a code and words for each.
func TestAPIFieldErrorsNameJSONFieldsNotFormIDs(t *testing.T) {
	h := newHarness(t)
	h.withEstate(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC960001", "M20 2AB", 1)
	id := h.openRequestFor(t)
	now := time.Now().In(london)
	council, provider := h.token("commissioner@manchester.test"), h.token("staff@providerx.test")
	referral := func(expiry string) string {
		return fmt.Sprintf(`{"child_ref":"MCR-API-1","age_years":15,"birth_month":1,"birth_year":%d,"sex":"male","legal_position":"hearing_listed","hearing_date":"%s",
		"order_expiry":"%s","court":"Manchester","urgency":"emergency","current_outcode":"M14","preferred_miles":40,"social_worker":"SW","sanctioning_officer":"SO","ethnicity":"WBRI","child_protection_plan":false,"primary_reason":"injure_self"}`,
			now.Year()-15, now.AddDate(0, 0, 5).Format(time.DateOnly), expiry)
	}
	tests := []struct {
		name, method, path, token, body string
		fields                          []string
	}{
		{"ErrOrderExpiresBeforeHearing", "POST", "/api/v1/secure/referrals", council, referral(now.AddDate(0, 0, 2).Format(time.DateOnly)), []string{"order_expiry"}},
		{"ErrOrderExpiryNotADate", "POST", "/api/v1/secure/referrals", council, referral("27/03/2026"), []string{"order_expiry"}},
		{"ErrBidEverythingAtOnce", "PUT", fmt.Sprintf("/api/v1/invitations/%d/bid", id), provider,
			fmt.Sprintf(`{"home_id": %d, "earliest_start": "2026-02-30", "weekly_fee_pence": 0, "notice_days": 400}`, home.ID),
			[]string{"earliest_start", "weekly_fee_pence", "notice_days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := h.api(tt.method, tt.path, tt.token, tt.body)
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d: %v", status, body)
			}
			errs, _ := body["errors"].([]any)
			got := map[string]bool{}
			for _, e := range errs {
				e := e.(map[string]any)
				field, _ := e["field"].(string)
				if regexp.MustCompile(`-(day|month|year)$`).MatchString(field) || e["code"] == "" || e["message"] == "" {
					t.Errorf("field error %v: want a JSON name, a code and a message", e)
				}
				got[field] = true
			}
			for _, f := range tt.fields {
				if !got[f] {
					t.Errorf("no error for %s in %v", f, errs)
				}
			}
		})
	}
}
