package frontend

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// idempotentPost sends a POST with an Idempotency-Key and returns status, Location and body.
func (h *harness) idempotentPost(path, token, key, body string) (int, string, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIdempotencyKey, key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Error(err)
		return 0, "", ""
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(raw)
}

func (h *harness) countRequests(childRef string) int {
	h.t.Helper()
	var n int
	must(h.t, h.deps.DB.Gorm.Raw("SELECT count(*) FROM placement_requests WHERE child_ref = ?", childRef).Scan(&n).Error)
	return n
}

func requestBody(h *harness, childRef string, weeks int) string {
	now := time.Now()
	return fmt.Sprintf(`{"child_ref": %q, "age_years": 14, "birth_month": %d, "birth_year": %d, "sex": "female", "needs": ["autism"],
        "legal_status": "s31", "home_outcode": "M14", "within_miles": 20, "lot_id": %d, "tier": "standard",
        "start_date": "%s", "duration_weeks": %d, "deadline": "%s"}`,
		childRef, int(now.Month()), now.Year()-14, h.lot.ID, now.AddDate(0, 0, 7).Format("2006-01-02"), weeks, now.Add(3*time.Hour).UTC().Format(time.RFC3339))
}

// A retried POST with the same Idempotency-Key creates one request and gets the same
// answer; the key with another body is refused; a 201 says where the new request is.
func TestIdempotencyKeyReplaysCreate(t *testing.T) {
	h := newHarness(t)
	council := h.token("commissioner@manchester.test")
	body := requestBody(h, "IDEM-1", 26)
	s1, loc1, b1 := h.idempotentPost("/api/v1/requests", council, "key-1", body)
	s2, loc2, b2 := h.idempotentPost("/api/v1/requests", council, "key-1", body)
	if s1 != http.StatusCreated || s2 != s1 || b2 != b1 || loc2 != loc1 {
		t.Fatalf("retry answered %d %q %s, first %d %q %s", s2, loc2, b2, s1, loc1, b1)
	}
	if !strings.HasPrefix(loc1, "/api/v1/requests/") {
		t.Errorf("Location %q, want /api/v1/requests/{id}", loc1)
	}
	if n := h.countRequests("IDEM-1"); n != 1 {
		t.Fatalf("%d requests created, want 1", n)
	}
	if s, _, b := h.idempotentPost("/api/v1/requests", council, "key-1", requestBody(h, "IDEM-1", 52)); s != http.StatusUnprocessableEntity || !strings.Contains(b, "different request") {
		t.Fatalf("same key, other body: %d %s, want 422", s, b)
	}
	// Another user's key of the same name is theirs alone.
	other := h.token("commissioner@liverpool.test")
	if s, _, _ := h.idempotentPost("/api/v1/requests", other, "key-1", body); s != http.StatusCreated {
		t.Fatalf("another user's key-1: %d, want 201", s)
	}
	// A refused request releases its key, so the corrected request can use it.
	if s, _, _ := h.idempotentPost("/api/v1/requests", council, "key-2", `{"child_ref": ""}`); s != http.StatusUnprocessableEntity && s != http.StatusBadRequest {
		t.Fatalf("invalid request: %d", s)
	}
	if s, _, _ := h.idempotentPost("/api/v1/requests", council, "key-2", requestBody(h, "IDEM-2", 26)); s != http.StatusCreated {
		t.Fatalf("corrected request with the released key: %d, want 201", s)
	}
}

// Of many identical POSTs at once with one Idempotency-Key, the database's primary key
// on (user_id, key) lets exactly one run: the others replay it or are told 409.
func TestIdempotencyKeyConcurrentOneRuns(t *testing.T) {
	h := newHarness(t)
	council := h.token("commissioner@manchester.test")
	body := requestBody(h, "IDEM-RACE", 26)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _, _ = h.idempotentPost("/api/v1/requests", council, "race-key", body)
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		if s != http.StatusCreated && s != http.StatusConflict {
			t.Errorf("status %d, want 201 or 409", s)
		}
	}
	if got := h.countRequests("IDEM-RACE"); got != 1 {
		t.Fatalf("%d requests created, want 1 (statuses %v)", got, statuses)
	}
}

// The table refuses a second row for the same user and key, whatever the Go code does.
func TestIdempotencyKeyUniqueInDatabase(t *testing.T) {
	h := newHarness(t)
	u := h.users["commissioner@manchester.test"]
	insert := "INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, expires_at) VALUES (?, 'k', 'POST', '/api/v1/requests', ?, now() + interval '1 day')"
	must(t, h.deps.DB.Gorm.Exec(insert, u.ID, strings.Repeat("a", 64)).Error)
	if err := h.deps.DB.Gorm.Exec(insert, u.ID, strings.Repeat("b", 64)).Error; err == nil {
		t.Fatal("a second row for the same user and key was stored")
	}
}
