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

	_, err := h.deps.Market.SubmitBid(ctx, id, h.orgs["providerx"].ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: now.AddDate(0, 0, 7).Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28})
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
	if st, loc := h.createdAt(base+"/amendments", council, `{"reason": "Start a week later", "duration_weeks": 30}`); st != http.StatusCreated || loc != base {
		t.Errorf("amend: %d, Location %q", st, loc)
	}
	if st, loc := h.createdAt(base+"/award", council, fmt.Sprintf(`{"bid_id": %d}`, int64(b["id"].(float64)))); st != http.StatusCreated || !strings.HasPrefix(loc, "/api/v1/placements/") {
		t.Fatalf("award: %d, Location %q", st, loc)
	}
}

// TestCouncilSecureReferralsAPI: a council lists its own secure referrals (filtered by
// status code), updates and withdraws them through the API as on its referral page; it
// and the SWCU see the homes' answers, a home does not see the others'; the SWCU accepts
// a suggested pair. Another council gets a 404 for each step.
func TestCouncilSecureReferralsAPI(t *testing.T) {
	h := newHarness(t)
	oak, heron := h.withEstate(t)
	now := time.Now().In(london)
	council, other, swcu, oakTok := h.token("commissioner@manchester.test"), h.token("commissioner@liverpool.test"), h.token("coordinator@swcu.test"), h.token("manager@oakfield.test")
	body := fmt.Sprintf(`{"child_ref":"MCR-SR-1","age_years":15,"birth_month":1,"birth_year":%d,"sex":"male","legal_position":"hearing_listed","hearing_date":"%s",
		"order_expiry":"%s","court":"Manchester","urgency":"emergency","current_outcode":"M14","preferred_miles":40,"social_worker":"SW","sanctioning_officer":"SO","ethnicity":"WBRI","child_protection_plan":false,"primary_reason":"injure_self"}`,
		now.Year()-15, now.AddDate(0, 0, 5).Format(time.DateOnly), now.AddDate(0, 1, 0).Format(time.DateOnly))
	st, loc := h.createdAt("/api/v1/secure/referrals", council, body)
	if st != http.StatusCreated || !strings.HasPrefix(loc, "/api/v1/secure/referrals/") {
		t.Fatalf("submit: %d, Location %q", st, loc)
	}
	path := loc
	var id int64
	fmt.Sscanf(path, "/api/v1/secure/referrals/%d", &id)

	for _, tc := range []struct {
		name, token, query string
		status, rows       int
	}{
		{"the council's own", council, "", 200, 1},
		{"by status", council, "?status=received", 200, 1},
		{"by another status", council, "?status=withdrawn,placed_elsewhere", 200, 0},
		{"a label is not a code", council, "?status=Received", 422, 0},
		{"another council sees none", other, "", 200, 0},
		{"the SWCU uses the waiting list", swcu, "", 403, 0},
		{"no token", "", "", 401, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := h.api(http.MethodGet, "/api/v1/secure/referrals"+tc.query, tc.token, "")
			if status != tc.status {
				t.Fatalf("%d, want %d: %v", status, tc.status, out)
			}
			if status == 422 && !strings.Contains(fmt.Sprint(out), "status") {
				t.Fatalf("the field error does not name status: %v", out)
			}
			if status == 200 && len(out["referrals"].([]any)) != tc.rows {
				t.Fatalf("%d rows, want %d: %v", len(out["referrals"].([]any)), tc.rows, out)
			}
		})
	}

	// The 14-day update (Children (Secure Accommodation) Regulations 1991 keep the
	// search under review; Hearth pauses a referral not updated in 14 days).
	for _, tc := range []struct {
		name, token, body string
		status            int
	}{
		{"another council", other, `{"note":"Still needed"}`, 404},
		{"a home", oakTok, `{"note":"Still needed"}`, 403},
		{"without a note", council, `{"note":" "}`, 422},
		{"an unknown field", council, `{"notes":"x"}`, 400},
		{"the council", council, `{"note":"Still needed; court date unchanged","reviewed":true}`, 200},
	} {
		if st, out := h.api(http.MethodPost, path+"/update", tc.token, tc.body); st != tc.status || (st == 422 && !strings.Contains(fmt.Sprint(out), "note")) {
			t.Errorf("update by %s: %d, want %d: %v", tc.name, st, tc.status, out)
		}
	}

	if st, _ := h.api(http.MethodPost, path+"/circulate", swcu, fmt.Sprintf(`{"home_ids":[%d,%d]}`, oak.ID, heron.ID)); st != 200 {
		t.Fatalf("circulate: %d", st)
	}
	bed := freeWelfareBed(t, h, oak)
	if st, _ := h.api(http.MethodPost, path+"/respond", oakTok, fmt.Sprintf(`{"response":"accept","bed_id":%d,"earliest_admission":"%s"}`, bed.ID, now.Format(time.DateOnly))); st != 204 {
		t.Fatalf("respond: %d", st)
	}
	answers := func(token string) []any {
		t.Helper()
		st, out := h.api(http.MethodGet, path, token, "")
		if st != 200 {
			t.Fatalf("read: %d %v", st, out)
		}
		r, _ := out["responses"].([]any)
		return r
	}
	for _, who := range []string{council, swcu} {
		got := answers(who)
		accepted := 0
		for _, a := range got {
			if a.(map[string]any)["response"] == "accepted" {
				accepted++
			}
		}
		if len(got) != 2 || accepted != 1 {
			t.Fatalf("responses: %v", got)
		}
	}
	if got := answers(oakTok); got != nil {
		t.Fatalf("a home sees the other homes' answers: %v", got)
	}

	for _, tc := range []struct {
		name, token, body string
		status            int
	}{
		{"the council", council, fmt.Sprintf(`{"referral_id":%d,"bed_id":%d,"offered":true}`, id, bed.ID), 403},
		{"no bed", swcu, fmt.Sprintf(`{"referral_id":%d,"offered":true}`, id), 422},
		{"no home", swcu, fmt.Sprintf(`{"referral_id":%d}`, id), 422},
		{"no referral", swcu, fmt.Sprintf(`{"referral_id":999999,"bed_id":%d,"offered":true}`, bed.ID), 404},
	} {
		if st, out := h.api(http.MethodPost, "/api/v1/secure/suggestions/accept", tc.token, tc.body); st != tc.status {
			t.Errorf("accept by %s: %d, want %d: %v", tc.name, st, tc.status, out)
		}
	}
	st, out := h.api(http.MethodPost, "/api/v1/secure/suggestions/accept", swcu, fmt.Sprintf(`{"referral_id":%d,"bed_id":%d,"offered":true}`, id, bed.ID))
	if st != 200 || out["action"] != "allocated" || out["referral"].(map[string]any)["status"] != "allocated" {
		t.Fatalf("accept: %d %v", st, out)
	}
	if st, _ := h.api(http.MethodPost, path+"/update", council, `{"note":"x"}`); st != 409 {
		t.Errorf("update once allocated: %d", st)
	}

	for _, tc := range []struct {
		name, token, body string
		status            int
	}{
		{"another council", other, `{"reason":"Placed locally"}`, 404},
		{"the SWCU", swcu, `{"reason":"Placed locally"}`, 403},
		{"without a reason", council, `{"reason":""}`, 422},
	} {
		if st, out := h.api(http.MethodPost, path+"/withdraw", tc.token, tc.body); st != tc.status {
			t.Errorf("withdraw by %s: %d, want %d: %v", tc.name, st, tc.status, out)
		}
	}
	st, out = h.api(http.MethodPost, path+"/withdraw", council, `{"reason":"Placed in a home nearer the family","placed_elsewhere":true}`)
	if st != 200 || out["status"] != "placed_elsewhere" || out["allocated_bed_id"] != nil {
		t.Fatalf("withdraw: %d %v", st, out)
	}
	if st, _ := h.api(http.MethodPost, path+"/withdraw", council, `{"reason":"again"}`); st != 409 {
		t.Errorf("withdraw twice: %d", st)
	}
	if st, out := h.api(http.MethodGet, "/api/v1/secure/referrals?status=placed_elsewhere", council, ""); st != 200 || len(out["referrals"].([]any)) != 1 {
		t.Errorf("filter after withdrawal: %d %v", st, out)
	}
}
