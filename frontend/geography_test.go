package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A consortium admin records two councils as adjoining for reg. 11 (Care Planning,
// Placement and Case Review (England) Regulations 2010) on the page and through the
// API: every error at once beside its field, what was typed kept; another
// consortium cannot remove it.
func TestAdjacencyOverridesPageAndAPI(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@consortium.test")
	if r := b.get("/admin/geography"); r.Status != http.StatusOK || !strings.Contains(r.Body, "None: only councils whose boundaries meet") {
		t.Fatalf("empty page: %d", r.Status)
	}
	r := b.post("/admin/geography", "/admin/geography/overrides", url.Values{"council_a": {"E08000012"}, "council_b": {""}, "reason": {""}})
	for _, want := range []string{"govuk-error-summary", `href="#council_b"`, "Select the second council", `href="#reason"`, "Enter why your consortium", `<option value="E08000012" selected>`} {
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, want) {
			t.Fatalf("bad form: %d, no %q", r.Status, want)
		}
	}
	r = b.post("/admin/geography", "/admin/geography/overrides", url.Values{"council_a": {"E08000012"}, "council_b": {"E08000011"}, "reason": {"Knowsley"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Liverpool and Knowsley already share a border") || !strings.Contains(r.Body, "Knowsley</textarea>") {
		t.Fatalf("adjoining already: %d", r.Status)
	}
	r = b.post("/admin/geography", "/admin/geography/overrides", url.Values{"council_a": {"E08000015"}, "council_b": {"E08000012"}, "reason": {"The Mersey tunnels"}})
	if r.Status != http.StatusSeeOther || r.Location != "/admin/geography" {
		t.Fatalf("add: %d %s", r.Status, r.Location)
	}
	if r := b.get("/admin/geography"); !strings.Contains(r.Body, "Liverpool and Wirral") || !strings.Contains(r.Body, "The Mersey tunnels") {
		t.Fatal("the override is not listed")
	}
	var id int64
	must(t, h.deps.DB.Pool.QueryRow(t.Context(), "SELECT id FROM adjacency_overrides").Scan(&id))

	tok := h.token("admin@consortium.test")
	status, body := h.api(http.MethodGet, "/api/v1/adjacency-overrides", tok, "")
	if list, _ := body["overrides"].([]any); status != http.StatusOK || len(list) != 1 || list[0].(map[string]any)["council_a_name"] != "Liverpool" {
		t.Fatalf("API list: %d %v", status, body)
	}
	status, body = h.api(http.MethodPost, "/api/v1/adjacency-overrides", tok, `{"council_a": "E08000003", "council_b": "E99999999", "reason": ""}`)
	if fields := fmt.Sprint(body["errors"]); status != http.StatusUnprocessableEntity || !strings.Contains(fields, "council_b") || !strings.Contains(fields, "reason") {
		t.Fatalf("API bad add: %d %v", status, body)
	}
	status, body = h.api(http.MethodPost, "/api/v1/adjacency-overrides", tok, `{"council_a": "E06000034", "council_b": "E08000003", "reason": "Policy"}`)
	if status != http.StatusCreated || body["council_a"] != "E06000034" || body["council_b_name"] != "Manchester" {
		t.Fatalf("API add: %d %v", status, body)
	}
	// Another consortium's admin cannot remove either, on the page or the API.
	other, err := h.deps.Orgs.Create(t.Context(), "consortium", "Other Consortium")
	must(t, err)
	h.users["admin@other.test"], err = h.deps.Users.Create(t.Context(), newUser("admin@other.test", "consortium_admin", other.ID))
	must(t, err)
	ob := h.signIn("admin@other.test")
	if r := ob.post("/admin/geography", fmt.Sprintf("/admin/geography/overrides/%d/remove", id), url.Values{}); r.Status != http.StatusNotFound {
		t.Fatalf("other consortium removes it: %d", r.Status)
	}
	if r := ob.get("/admin/geography"); strings.Contains(r.Body, "Mersey") {
		t.Fatal("other consortium sees it")
	}
	if status, _ := h.api(http.MethodDelete, fmt.Sprintf("/api/v1/adjacency-overrides/%d", id), h.token("admin@other.test"), ""); status != http.StatusNotFound {
		t.Fatalf("other consortium removes it by API: %d", status)
	}
	if r := b.post("/admin/geography", fmt.Sprintf("/admin/geography/overrides/%d/remove", id), url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d", r.Status)
	}
	if status, _ := h.api(http.MethodDelete, fmt.Sprintf("/api/v1/adjacency-overrides/%d", id), tok, ""); status != http.StatusNotFound {
		t.Fatalf("removed twice: %d", status)
	}
	var audited int
	must(t, h.deps.DB.Pool.QueryRow(t.Context(), "SELECT count(*) FROM audit_log WHERE action LIKE 'adjacency_override.%'").Scan(&audited))
	if audited != 3 {
		t.Fatalf("%d audit rows, want 3 (two added, one removed)", audited)
	}
}
