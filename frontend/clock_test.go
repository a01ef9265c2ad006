package frontend

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/marketplace"
)

// TestClockMovesHandlersAndServicesAlike moves the one injected clock past the
// stale-vacancy rule: the API handler then shows the vacancy as stale, and the
// service's reminder run finds the home, at the same moved time.
func TestClockMovesHandlersAndServicesAlike(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	home := h.addHome(h.orgs["providerx"].ID, "SC900001", "M20 2AB", 1)
	tok := h.token("admin@providerx.test")
	stale := func() bool {
		t.Helper()
		st, body := h.api(http.MethodGet, fmt.Sprintf("/api/v1/homes/%d", home.ID), tok, "")
		if st != http.StatusOK {
			t.Fatalf("GET home: %d %v", st, body)
		}
		return body["vacancy"].(map[string]any)["stale"].(bool)
	}
	remind := func() int {
		t.Helper()
		n, err := h.deps.Market.RemindStale(ctx)
		must(t, err)
		return n
	}

	if stale() {
		t.Fatal("a vacancy confirmed just now is shown as stale")
	}
	if n := remind(); n != 0 {
		t.Fatalf("reminders before the vacancy went stale: %d", n)
	}
	h.clock.Advance(marketplace.StaleAfter + time.Hour)
	if !stale() {
		t.Error("the handler did not see the moved clock: the vacancy is not stale")
	}
	if n := remind(); n != 1 {
		t.Errorf("the service did not see the moved clock: %d reminders, want 1", n)
	}
}
