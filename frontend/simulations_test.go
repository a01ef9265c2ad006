package frontend

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// TestSimulationsRunAndStayInTheirConsortium: consortium A's admin asks for a run through
// the form (all problems at once when it is wrong), the job runs it, and A's admin sees
// its tables, charts and CSV; consortium B's admin gets 404 for it and every other role
// 403 for the simulator's pages.
func TestSimulationsRunAndStayInTheirConsortium(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	a := h.signIn("admin@consortium.test")

	bad := url.Values{"region": {"Atlantis"}, "seed": {"0"}, "visibility": {"lots"}, "margin_response": {"0.15"}, "response_days": {"2"},
		"within_miles": {"40"}, "weight_price": {"50"}, "weight_quality": {"30"}, "weight_distance": {"20"}, "weight_fit": {"10"}}
	r := a.post("/simulations", "/simulations", bad)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", r.Status)
	}
	for _, want := range []string{"Select a region, or England", "Enter a seed from 1 to 1,000,000", "visibility", "The four weights must add up to 100", `value="lots"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}

	good := url.Values{"region": {"North East"}, "seed": {"3"}, "visibility": {"0.2"}, "margin_response": {"0.15"}, "response_days": {"2"},
		"within_miles": {"40"}, "weight_price": {"40"}, "weight_quality": {"30"}, "weight_distance": {"20"}, "weight_fit": {"10"}}
	r = a.post("/simulations", "/simulations", good)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/simulations/") {
		t.Fatalf("run: %d to %q", r.Status, r.Location)
	}
	path := r.Location
	if r := a.get(path); r.Status != http.StatusOK || !strings.Contains(r.Body, "Waiting to start") {
		t.Fatalf("queued run: %d", r.Status)
	}
	must(t, h.deps.Simulations.RunQueued(ctx))
	r = a.get(path)
	for _, want := range []string{"Residential policies compared", "Councils alone", "Consortium on Hearth", "Bound (perfect foresight)", "Hearth&#39;s suggestion", "<svg", "North East, one year, seed 3"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the finished run's page lacks %q", want)
		}
	}
	csv := a.get(path + "/results.csv")
	if csv.Status != http.StatusOK || !strings.HasPrefix(strings.TrimPrefix(csv.Body, "\ufeff"), "Policy,Children,Not placed") {
		t.Errorf("CSV: %d %.80q", csv.Status, csv.Body)
	}
	if r := a.get("/simulations"); !strings.Contains(r.Body, "Simulation ") || !strings.Contains(r.Body, "North East") {
		t.Errorf("the list does not show the run")
	}
	if r := a.get("/simulations/parameters"); !strings.Contains(r.Body, "margin-response") || !strings.Contains(r.Body, "Assumption") {
		t.Errorf("the parameters page lacks its table")
	}

	h.emptyConsortiumB()
	b := h.signIn("admin@consortium-b.test")
	for _, p := range []string{path, path + "/results.csv"} {
		if r := b.get(p); r.Status != http.StatusNotFound {
			t.Errorf("consortium B GET %s: %d, want 404", p, r.Status)
		}
	}
	if r := b.get("/simulations"); r.Status != http.StatusOK || strings.Contains(r.Body, path) {
		t.Errorf("consortium B's list: %d, shows A's run: %v", r.Status, strings.Contains(r.Body, path))
	}
	for _, hu := range harnessUsers {
		if hu.role == kernel.RoleConsortiumAdmin {
			continue
		}
		br := h.signIn(hu.email)
		for _, p := range []string{path, path + "/results.csv", "/simulations", "/simulations/parameters"} {
			if r := br.get(p); r.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", hu.role, p, r.Status)
			}
		}
		if r := br.do(http.MethodPost, "/simulations", good); r.Status != http.StatusForbidden {
			t.Errorf("%s POST /simulations: %d, want 403", hu.role, r.Status)
		}
	}
}
