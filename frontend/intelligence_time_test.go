package frontend

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestTimeToPlacePage: a consortium's admin and its councils' commissioners see how long
// placing takes (the page, its CSV and the API, which matches the OpenAPI document); a
// council sees its own figures beside the consortium's, another council only the
// consortium's; providers are refused; with nothing awarded the page says so.
func TestTimeToPlacePage(t *testing.T) {
	h := newHarness(t)
	admin := h.signIn("admin@consortium.test")
	if r := admin.get("/intelligence/time-to-place"); r.Status != http.StatusOK || !strings.Contains(r.Body, `data-testid="time-empty"`) || !strings.Contains(r.Body, "not been worked out yet") {
		t.Fatalf("page before any refresh: %d %s", r.Status, r.Body)
	}
	for i := range 5 {
		h.awardInto(t, fmt.Sprintf("MCR-TTP-%d", i), fmt.Sprintf("SC98000%d", i), "SK4 1AA")
	}
	h.clock.Advance(time.Hour) // the awards are stamped by the database's clock
	must(t, h.deps.Intelligence.RefreshTimeToPlace(context.Background()))
	if r := admin.get("/intelligence"); !strings.Contains(r.Body, `href="/intelligence/time-to-place"`) {
		t.Errorf("the index does not list the view")
	}
	r := admin.get("/intelligence/time-to-place")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Your consortium") || strings.Contains(r.Body, "Your council") ||
		!strings.Contains(r.Body, "Data as of") || !strings.Contains(r.Body, `role="img"`) || !strings.Contains(r.Body, `<td class="govuk-table__cell govuk-table__cell--numeric">5</td>`) {
		t.Fatalf("admin's page: %d %s", r.Status, r.Body)
	}
	mcr := h.signIn("commissioner@manchester.test").get("/intelligence/time-to-place")
	if !strings.Contains(mcr.Body, "Your council") || !strings.Contains(mcr.Body, "Your consortium") {
		t.Errorf("Manchester's page lacks its own figures beside the consortium's")
	}
	if r := h.signIn("commissioner@liverpool.test").get("/intelligence/time-to-place"); strings.Contains(r.Body, "Your council") || !strings.Contains(r.Body, "Your consortium") {
		t.Errorf("Liverpool sees a council's rows of its own with no awards")
	}
	if r := h.signIn("admin@providerx.test").get("/intelligence/time-to-place"); r.Status != http.StatusForbidden {
		t.Errorf("provider: %d", r.Status)
	}
	csv := admin.get("/intelligence/time-to-place.csv")
	if !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(strings.TrimPrefix(csv.Body, "\ufeff"), "scope,lot,urgency,awards,") || !strings.Contains(csv.Body, "consortium,Residential,planned,5,") {
		t.Errorf("CSV: %s", csv.Body)
	}
	status, body := h.api(http.MethodGet, "/api/v1/intelligence/time-to-place", h.token("commissioner@manchester.test"), "")
	if rows, _ := body["rows"].([]any); status != http.StatusOK || len(rows) != 2 {
		t.Errorf("API: %d %v", status, body)
	}
	if status, _ := h.api(http.MethodGet, "/api/v1/intelligence/time-to-place", h.token("admin@providerx.test"), ""); status != http.StatusForbidden {
		t.Errorf("API for a provider: %d", status)
	}
}
