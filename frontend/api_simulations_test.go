package frontend

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/simulate"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// emptyConsortiumB adds a second consortium, with nothing but its admin, admin@consortium-b.test.
func (h *harness) emptyConsortiumB() {
	h.t.Helper()
	ctx := context.Background()
	consB, err := h.deps.Orgs.Create(ctx, kernel.KindConsortium, "Consortium B")
	must(h.t, err)
	u, err := h.quiet.Create(ctx, auth.NewUser{Email: "admin@consortium-b.test", Name: "B Admin", Role: kernel.RoleConsortiumAdmin, OrganisationID: consB.ID, Password: testPassword})
	must(h.t, err)
	h.users[u.Email] = u
}

func simulationBody(region string, seed int) string {
	return fmt.Sprintf(`{"region": %q, "seed": %d, "visibility": 0.2, "margin_response": 0.15, "response_days": 2,
        "within_miles": 40, "weight_price": 40, "weight_quality": 30, "weight_distance": 20, "weight_fit": 10}`, region, seed)
}

// TestSimulationsAPI: consortium A's admin asks for a run through the API (every problem
// at once, as on the page; an Idempotency-Key makes a retry one run), the job runs it,
// and the run gives its state, parameters and every output per policy, secure too, and
// its CSV; consortium B's admin gets 404 for it and an empty list; no consortium may have
// more than simulate.MaxActiveRuns queued or running, on the API (409) or the page.
func TestSimulationsAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	tok := h.token("admin@consortium.test")

	status, body := h.api(http.MethodPost, "/api/v1/simulations", tok,
		`{"region": "Atlantis", "seed": 0, "visibility": 2, "response_days": 2, "within_miles": 40, "weight_price": 50, "weight_quality": 30, "weight_distance": 20, "weight_fit": 10}`)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("bad input: %d %v", status, body)
	}
	fields := map[string]bool{}
	for _, f := range body["errors"].([]any) {
		fields[f.(map[string]any)["field"].(string)] = true
	}
	for _, want := range []string{"region", "seed", "visibility", "margin_response", "weight_price"} {
		if !fields[want] {
			t.Errorf("the 422 does not name %s: %v", want, body)
		}
	}

	st, loc, raw := h.idempotentPost("/api/v1/simulations", tok, "sim-1", simulationBody("North East", 3))
	st2, loc2, _ := h.idempotentPost("/api/v1/simulations", tok, "sim-1", simulationBody("North East", 3))
	if st != http.StatusCreated || st2 != http.StatusCreated || loc != loc2 || !strings.HasPrefix(loc, "/api/v1/simulations/") {
		t.Fatalf("create: %d %q, retry %d %q: %s", st, loc, st2, loc2, raw)
	}
	status, body = h.api(http.MethodGet, "/api/v1/simulations", tok, "")
	if status != http.StatusOK || body["total"].(float64) != 1 {
		t.Fatalf("list after a retried POST: %d %v", status, body)
	}
	status, body = h.api(http.MethodGet, loc, tok, "")
	if status != http.StatusOK || body["status"] != "queued" || body["results"] != nil || body["region"] != "North East" {
		t.Fatalf("queued run: %d %v", status, body)
	}
	if st, _, _ := h.apiRaw(loc+"/results.csv", tok); st != http.StatusNotFound {
		t.Errorf("CSV of a queued run: %d, want 404", st)
	}

	must(t, h.deps.Simulations.RunQueued(ctx))
	status, body = h.api(http.MethodGet, loc, tok, "")
	if status != http.StatusOK || body["status"] != "done" {
		t.Fatalf("done run: %d %v", status, body)
	}
	res := body["results"].(map[string]any)
	residential := res["residential"].([]any)
	if len(residential) != 3 || len(res["secure"].([]any)) != 2 {
		t.Fatalf("results: %v", res)
	}
	alone := residential[0].(map[string]any)
	for _, k := range []string{"over_20_miles", "mean_miles", "median_miles", "out_of_area", "mean_weekly_fee", "total_spend", "days_to_place_median", "days_to_place_p90", "not_placed"} {
		if _, ok := alone[k].(float64); !ok {
			t.Errorf("councils alone lacks %s: %v", k, alone)
		}
	}
	if bound := residential[2].(map[string]any); bound["days_to_place_median"] != nil {
		t.Errorf("the bound has a time to place: %v", bound)
	}
	params := map[string]string{}
	for _, p := range body["parameters"].([]any) {
		p := p.(map[string]any)
		params[p["flag"].(string)] = p["value"].(string)
	}
	if params["seed"] != "3" || params["region"] != "North East" || params["visibility"] != "0.2" {
		t.Errorf("parameters: %v", params)
	}
	if st, hd, csv := h.apiRaw(loc+"/results.csv", tok); st != http.StatusOK || !strings.HasPrefix(hd.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(strings.TrimPrefix(csv, "\ufeff"), "Policy,Children,Not placed") {
		t.Errorf("CSV: %d %.80q", st, csv)
	}
	status, body = h.api(http.MethodGet, "/api/v1/simulations/parameters", tok, "")
	if status != http.StatusOK {
		t.Fatalf("parameters: %d", status)
	}
	assumed := map[string]bool{}
	for _, p := range body["parameters"].([]any) {
		p := p.(map[string]any)
		assumed[p["flag"].(string)] = p["assumption"].(bool)
	}
	if !assumed["visibility"] || assumed["margin"] || assumed["seed"] {
		t.Errorf("assumption flags: %v", assumed)
	}

	// A second consortium sees none of it.
	h.emptyConsortiumB()
	tokB := h.token("admin@consortium-b.test")
	if status, _ := h.api(http.MethodGet, loc, tokB, ""); status != http.StatusNotFound {
		t.Errorf("consortium B GET %s: %d, want 404", loc, status)
	}
	if st, _, _ := h.apiRaw(loc+"/results.csv", tokB); st != http.StatusNotFound {
		t.Errorf("consortium B GET the CSV: %d, want 404", st)
	}
	if status, body := h.api(http.MethodGet, "/api/v1/simulations", tokB, ""); status != http.StatusOK || body["total"].(float64) != 0 {
		t.Errorf("consortium B's list: %d %v", status, body)
	}
	// Any other role is refused, the POST and the run.
	for _, hu := range harnessUsers {
		if hu.role == kernel.RoleConsortiumAdmin {
			continue
		}
		other := h.token(hu.email)
		if status, _ := h.api(http.MethodPost, "/api/v1/simulations", other, simulationBody("North East", 4)); status != http.StatusForbidden {
			t.Errorf("%s POST: %d, want 403", hu.role, status)
		}
		for _, p := range []string{loc, loc + "/results.csv"} {
			if st, _, _ := h.apiRaw(p, other); st != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", hu.role, p, st)
			}
		}
	}

	// At most MaxActiveRuns in hand per consortium; B's are its own.
	for i := range simulate.MaxActiveRuns {
		if status, body := h.api(http.MethodPost, "/api/v1/simulations", tok, simulationBody("North East", 10+i)); status != http.StatusCreated {
			t.Fatalf("run %d: %d %v", i, status, body)
		}
	}
	status, body = h.api(http.MethodPost, "/api/v1/simulations", tok, simulationBody("North East", 20))
	if status != http.StatusConflict || !strings.Contains(fmt.Sprint(body), "already has 3 simulations queued or running") {
		t.Errorf("one run too many: %d %v", status, body)
	}
	form := map[string][]string{"region": {"North East"}, "seed": {"21"}, "visibility": {"0.2"}, "margin_response": {"0.15"}, "response_days": {"2"},
		"within_miles": {"40"}, "weight_price": {"40"}, "weight_quality": {"30"}, "weight_distance": {"20"}, "weight_fit": {"10"}}
	if r := h.signIn("admin@consortium.test").post("/simulations", "/simulations", form); r.Status != http.StatusConflict ||
		!strings.Contains(r.Body, "already has 3 simulations queued or running") || !strings.Contains(r.Body, "govuk-error-summary") {
		t.Errorf("one run too many on the page: %d", r.Status)
	}
	if status, _ := h.api(http.MethodPost, "/api/v1/simulations", tokB, simulationBody("North East", 5)); status != http.StatusCreated {
		t.Errorf("consortium B's first run: %d", status)
	}
}
