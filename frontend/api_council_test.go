package frontend

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/marketplace"
)

// createdAt posts body to path as token and returns the status and Location header of
// the answer (the harness's api helper validates bodies but returns no headers).
func (h *harness) createdAt(path, token, body string) (int, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	must(h.t, err)
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

func councilRequestBody(h *harness, ref string, now time.Time) string {
	return fmt.Sprintf(`{"child_ref": %q, "age_years": 14, "birth_month": %d, "birth_year": %d, "sex": "female", "needs": ["autism"],
        "legal_status": "s31", "home_outcode": "M14", "within_miles": 20, "lot_id": %d, "tier": "standard",
        "start_date": "%s", "duration_weeks": 26, "deadline": "%s"}`,
		ref, int(now.Month()), now.Year()-14, h.lot.ID, now.AddDate(0, 0, 7).Format("2006-01-02"), now.Add(3*time.Hour).UTC().Format(time.RFC3339))
}

// TestCouncilRequestsAPI: a council lists its own requests through the API (paged,
// filtered by status code and child reference) and, once the request has closed, reads
// the bids scored and ranked as its request page shows them; sealed bids stay sealed
// before the deadline, and another council sees none of it.
func TestCouncilRequestsAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	home := h.addHome(h.orgs["providerx"].ID, "SC960001", "M20 2AB", 1)
	council, other, provider := h.token("commissioner@manchester.test"), h.token("commissioner@liverpool.test"), h.token("admin@providerx.test")
	now := time.Now()

	st, loc := h.createdAt("/api/v1/requests", council, councilRequestBody(h, "MCR-L1", now))
	if st != http.StatusCreated || !strings.HasPrefix(loc, "/api/v1/requests/") {
		t.Fatalf("create: %d, Location %q", st, loc)
	}
	status, created := h.api(http.MethodPost, "/api/v1/requests", council, councilRequestBody(h, "MCR-L2", now))
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, created)
	}
	id := int64(created["id"].(float64))
	base := fmt.Sprintf("/api/v1/requests/%d", id)
	if status, sub := h.api(http.MethodPost, base+"/submit", council, ""); status != http.StatusOK {
		t.Fatalf("submit: %d %v", status, sub)
	}

	list := []struct {
		name, token, query string
		status, rows       int
	}{
		{"all of the council's own", council, "", 200, 2},
		{"by status", council, "?status=draft", 200, 1},
		{"by several statuses", council, "?status=open,closed", 200, 1},
		{"by repeated status", council, "?status=open&status=draft", 200, 2},
		{"by child", council, "?child_ref=MCR-L2", 200, 1},
		{"by child and another status", council, "?child_ref=MCR-L2&status=draft", 200, 0},
		{"paged", council, "?per_page=1", 200, 1},
		{"a label is not a code", council, "?status=Draft", 422, 0},
		{"another council sees none", other, "", 200, 0},
		{"a provider", provider, "", 403, 0},
		{"no token", "", "", 401, 0},
	}
	for _, tc := range list {
		t.Run(tc.name, func(t *testing.T) {
			status, out := h.api(http.MethodGet, "/api/v1/requests"+tc.query, tc.token, "")
			if status != tc.status {
				t.Fatalf("%d, want %d: %v", status, tc.status, out)
			}
			if status == 422 && !strings.Contains(fmt.Sprint(out), "status") {
				t.Fatalf("the field error does not name status: %v", out)
			}
			if status == 200 && len(out["requests"].([]any)) != tc.rows {
				t.Fatalf("%d rows, want %d: %v", len(out["requests"].([]any)), tc.rows, out)
			}
		})
	}
	if _, out := h.api(http.MethodGet, "/api/v1/requests?per_page=1", council, ""); out["total"].(float64) != 2 || out["next"] == nil {
		t.Fatalf("paging: %v", out)
	}

	_, err := h.deps.Market.SubmitBid(ctx, id, h.orgs["providerx"].ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: now.AddDate(0, 0, 7), WeeklyFee: 450000, NoticeDays: 28})
	must(t, err)
	bids := base + "/bids"
	if status, out := h.api(http.MethodGet, bids, council, ""); status != http.StatusConflict || !strings.Contains(fmt.Sprint(out), "sealed") {
		t.Fatalf("bids before the close: %d %v", status, out)
	}
	h.passDeadline(t, id)
	_, err = h.deps.Market.CloseDue(ctx)
	must(t, err)
	for _, tc := range []struct {
		name, token string
		status      int
	}{{"another council", other, 404}, {"a provider", provider, 403}, {"no token", "", 401}} {
		if status, _ := h.api(http.MethodGet, bids, tc.token, ""); status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, status, tc.status)
		}
	}
	if status, _ := h.api(http.MethodGet, "/api/v1/requests/999999/bids", council, ""); status != http.StatusNotFound {
		t.Errorf("no such request: %d", status)
	}
	status, ev := h.api(http.MethodGet, bids, council, "")
	if status != http.StatusOK || len(ev["bids"].([]any)) != 1 {
		t.Fatalf("bids after the close: %d %v", status, ev)
	}
	b := ev["bids"].([]any)[0].(map[string]any)
	crit := b["criteria"].(map[string]any)
	if b["rank"].(float64) != 1 || b["score"].(float64) <= 0 || crit["price"].(float64) != 100 || b["miles"].(float64) <= 0 ||
		b["vs_ceiling_pct"].(float64) <= 0 || b["rating"] == "" || b["home_id"].(float64) != float64(home.ID) {
		t.Fatalf("scored bid: %v", b)
	}
}
