package frontend

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRequestAndBidAPI walks a request through the API: a council writes and submits
// it, the invited provider reads it (pseudonymised) and bids, bids stay sealed until
// the deadline, a late bid is refused, and the council awards after the close.
func TestRequestAndBidAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	home := h.addHome(h.orgs["providerx"].ID, "SC950001", "M20 2AB", 1)
	h.admit(h.orgs["providery"].ID)
	h.addHome(h.orgs["providery"].ID, "SC950002", "CA1 1AA", 1) // too far: excluded
	council := h.token("commissioner@manchester.test")
	now := time.Now()
	body := fmt.Sprintf(`{"child_ref": "MCR-77", "age_years": 14, "birth_month": %d, "birth_year": %d, "sex": "female", "needs": ["autism"], "first_language": "Tigrinya", "religion": "Orthodox Christian",
        "legal_status": "s31", "home_outcode": "M14", "within_miles": 20, "lot_id": %d, "tier": "standard",
        "start_date": "%s", "duration_weeks": 26, "deadline": "%s"}`,
		int(now.Month()), now.Year()-14, h.lot.ID, now.AddDate(0, 0, 7).Format("2006-01-02"), now.Add(3*time.Hour).UTC().Format(time.RFC3339))
	if status, _ := h.api(http.MethodPost, "/api/v1/requests", h.token("admin@providerx.test"), body); status != http.StatusForbidden {
		t.Fatalf("a provider created a request: %d", status)
	}
	long := strings.Replace(body, `"Tigrinya"`, `"`+strings.Repeat("x", 61)+`"`, 1)
	if status, b := h.api(http.MethodPost, "/api/v1/requests", council, long); status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(b), "first_language") {
		t.Fatalf("a 61-character first language: %d %v", status, b)
	}
	long = strings.Replace(body, `"Orthodox Christian"`, `"`+strings.Repeat("x", 61)+`"`, 1)
	if status, b := h.api(http.MethodPost, "/api/v1/requests", council, long); status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(b), "religion") {
		t.Fatalf("a 61-character religion: %d %v", status, b)
	}
	// The pages' rules that compare fields hold for the API too, all in one answer.
	bad := strings.Replace(body, fmt.Sprintf(`"birth_year": %d`, now.Year()-14), fmt.Sprintf(`"birth_year": %d`, now.Year()-5), 1)
	bad = strings.Replace(bad, now.AddDate(0, 0, 7).Format("2006-01-02"), now.Format("2006-01-02"), 1)
	bad = strings.Replace(bad, now.Add(3*time.Hour).UTC().Format(time.RFC3339), now.AddDate(0, 0, 2).UTC().Format(time.RFC3339), 1)
	if status, b := h.api(http.MethodPost, "/api/v1/requests", council, bad); status != http.StatusUnprocessableEntity ||
		!strings.Contains(fmt.Sprint(b), "field:birth_month") || !strings.Contains(fmt.Sprint(b), "field:deadline") {
		t.Fatalf("age against birth and deadline after start: %d %v", status, b)
	}
	status, created := h.api(http.MethodPost, "/api/v1/requests", council, body)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, created)
	}
	id := int64(created["id"].(float64))
	base := fmt.Sprintf("/api/v1/requests/%d", id)
	status, sub := h.api(http.MethodPost, base+"/submit", council, "")
	if status != http.StatusOK || len(sub["invited"].([]any)) != 1 || sub["excluded"].([]any)[0].(map[string]any)["rule"] != "distance" {
		t.Fatalf("submit: %d %v", status, sub)
	}
	if status, _ := h.api(http.MethodGet, base, h.token("commissioner@liverpool.test"), ""); status != http.StatusNotFound {
		t.Fatalf("another council read the request: %d", status)
	}

	provider := h.token("admin@providerx.test")
	inv := fmt.Sprintf("/api/v1/invitations/%d", id)
	status, got := h.api(http.MethodGet, inv, provider, "")
	if status != http.StatusOK || got["age_years"].(float64) != 14 || got["first_language"] != "Tigrinya" || got["religion"] != "Orthodox Christian" || strings.Contains(fmt.Sprint(got), "MCR-77") || strings.Contains(fmt.Sprint(got), "M14") {
		t.Fatalf("invitation: %d %v", status, got)
	}
	if status, _ := h.api(http.MethodGet, inv, h.token("admin@providery.test"), ""); status != http.StatusNotFound {
		t.Fatalf("uninvited provider read it: %d", status)
	}
	bid := func(fee int, just string) (int, map[string]any) {
		return h.api(http.MethodPut, inv+"/bid", provider, fmt.Sprintf(`{"home_id": %d, "earliest_start": "%s", "weekly_fee_pence": %d, "notice_days": 28, "justification": %q}`,
			home.ID, now.AddDate(0, 0, 7).Format("2006-01-02"), fee, just))
	}
	if status, b := bid(600000, ""); status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(b), "justification") {
		t.Fatalf("over ceiling without justification: %d %v", status, b)
	}
	if status, b := bid(0, ""); status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(b), "weekly_fee") {
		t.Fatalf("zero fee: %d %v", status, b)
	}
	if status, b := h.api(http.MethodPut, inv+"/bid", provider, `{"home_id": "one"}`); status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(b), "home_id") {
		t.Fatalf("malformed bid: %d %v", status, b)
	}
	status, b := bid(480000, "")
	if status != http.StatusOK || b["revision"].(float64) != 1 {
		t.Fatalf("bid: %d %v", status, b)
	}
	if status, b = bid(470000, ""); b["revision"].(float64) != 2 {
		t.Fatalf("revise: %d %v", status, b)
	}
	status, view := h.api(http.MethodGet, base, council, "")
	if status != http.StatusOK || view["responses"].(map[string]any)["sealed"] != true || len(view["bids"].([]any)) != 0 {
		t.Fatalf("sealed view: %d %v", status, view)
	}
	if status, _ := h.api(http.MethodPost, base+"/award", council, fmt.Sprintf(`{"bid_id": %d}`, int64(b["id"].(float64)))); status != http.StatusConflict {
		t.Fatalf("award before close: %d", status)
	}
	// The deadline passes.
	h.passDeadline(t, id)
	if status, b := bid(460000, ""); status != http.StatusConflict || !strings.Contains(fmt.Sprint(b), "deadline") {
		t.Fatalf("late bid: %d %v", status, b)
	}
	_, err := h.deps.Market.CloseDue(ctx)
	must(t, err)
	status, view = h.api(http.MethodGet, base, council, "")
	if view["responses"].(map[string]any)["sealed"] != false || len(view["bids"].([]any)) != 1 {
		t.Fatalf("closed view: %d %v", status, view)
	}
	status, award := h.api(http.MethodPost, base+"/award", council, fmt.Sprintf(`{"bid_id": %d}`, int64(b["id"].(float64))))
	if status != http.StatusCreated || award["status"] != "awarded" {
		t.Fatalf("award: %d %v", status, award)
	}
}
