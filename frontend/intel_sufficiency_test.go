package frontend

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestSufficiencyPages: a commissioner sees their council beside the consortium, the
// consortium admin the consortium alone; the summary and the CSV answer; bad filters are
// a clear 400; a provider is refused.
func TestSufficiencyPages(t *testing.T) {
	h := newHarness(t)
	com := h.signIn("commissioner@manchester.test")
	r := com.get("/intelligence/sufficiency")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Data as of") || !strings.Contains(r.Body, `data-testid="demand-council"`) ||
		!strings.Contains(r.Body, `data-testid="method"`) || !strings.Contains(r.Body, "live requests only") {
		t.Fatalf("commissioner's page: %d\n%s", r.Status, r.Body)
	}
	if r := com.get("/intelligence"); !strings.Contains(r.Body, `href="/intelligence/sufficiency"`) {
		t.Errorf("the index does not list the view")
	}
	if r := com.get("/intelligence/sufficiency/summary?lot=residential"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Sufficiency summary: Manchester") {
		t.Errorf("summary: %d", r.Status)
	}
	csv := com.get("/intelligence/sufficiency.csv?sex=female&age=10-15")
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv.Body, "Demand by month: your council") || !strings.Contains(csv.Body, "Month,Requests,Providers reached,Bids,Declines,Awards,No bid") {
		t.Errorf("CSV: %d %q\n%s", csv.Status, csv.Header.Get("Content-Type"), csv.Body)
	}
	for _, q := range []string{"age=99", "sex=other", "need=flying", "lot=Robert%27%29", "lot=fostering_ifa", "area=x", "area=" + strconv.FormatInt(h.orgs["leeds"].ID, 10)} {
		if r := com.get("/intelligence/sufficiency?" + strings.ReplaceAll(q, " ", "+")); r.Status != http.StatusBadRequest || !strings.Contains(strings.ToLower(r.Body), "from the list") {
			t.Errorf("%s: %d", q, r.Status)
		}
	}
	admin := h.signIn("admin@consortium.test")
	r = admin.get("/intelligence/sufficiency?area=" + strconv.FormatInt(h.orgs["liverpool"].ID, 10))
	if r.Status != http.StatusOK || strings.Contains(r.Body, `data-testid="demand-council"`) || !strings.Contains(r.Body, `data-testid="demand-chart"`) {
		t.Errorf("consortium admin's page: %d", r.Status)
	}
	if r := h.signIn("admin@providerx.test").get("/intelligence/sufficiency"); r.Status != http.StatusForbidden {
		t.Errorf("a provider: %d, want 403", r.Status)
	}
}

// TestSufficiencyAPI: the API answers in the documented shape (the harness validates it
// against openapi.json), the council beside the consortium; a bad filter is a 400.
func TestSufficiencyAPI(t *testing.T) {
	h := newHarness(t)
	tok := h.token("commissioner@manchester.test")
	status, body := h.api(http.MethodGet, "/api/v1/intelligence/sufficiency?sex=female", tok, "")
	if status != http.StatusOK || body["council"] == nil || body["consortium"] == nil {
		t.Fatalf("commissioner: %d %v", status, body)
	}
	if status, _ := h.api(http.MethodGet, "/api/v1/intelligence/sufficiency?age=7", tok, ""); status != http.StatusBadRequest {
		t.Errorf("age=7: %d, want 400", status)
	}
	status, body = h.api(http.MethodGet, "/api/v1/intelligence/sufficiency", h.token("admin@consortium.test"), "")
	if status != http.StatusOK || body["council"] != nil {
		t.Errorf("consortium admin: %d %v", status, body)
	}
	if status, _ := h.api(http.MethodGet, "/api/v1/intelligence/sufficiency", h.token("admin@providerx.test"), ""); status != http.StatusForbidden {
		t.Errorf("provider: %d, want 403", status)
	}
}

// TestSufficiencyNamesLots: the page, its charts and the summary name each lot; the CSV
// gives the code beside the name.
func TestSufficiencyNamesLots(t *testing.T) {
	h := newHarness(t)
	h.addHome(h.orgs["providerx"].ID, "SC970001", "M20 2AB", 1)
	must(t, h.deps.DB.Gorm.Exec(`UPDATE lots SET name = 'Children''s homes' WHERE code = 'residential'`).Error)
	com := h.signIn("commissioner@manchester.test")
	r := com.get("/intelligence/sufficiency")
	for _, want := range []string{`<option value="residential">Children&#39;s homes</option>`, `<th scope="row" class="govuk-table__header">Children&#39;s homes</th>`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, `<th scope="row" class="govuk-table__header">residential</th>`) {
		t.Error("the page shows a lot's code")
	}
	csv := com.get("/intelligence/sufficiency.csv")
	for _, want := range []string{"Lot code,Lot,Homes,Beds registered,Beds free,Occupancy", "residential,Children's homes,1,4,1,75%"} {
		if !strings.Contains(csv.Body, want) {
			t.Errorf("CSV lacks %q\n%s", want, csv.Body)
		}
	}
}
