package frontend

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// TestQualityPage: a consortium's admin and its councils' commissioners see provider
// quality (the page, a provider's homes, its CSV and the API, which matches the OpenAPI
// document); a bad period is an error beside its field, with the default period's
// figures; providers are refused; before any refresh the page says so.
func TestQualityPage(t *testing.T) {
	h := newHarness(t)
	admin := h.signIn("admin@consortium.test")
	if r := admin.get("/intelligence/quality"); r.Status != http.StatusOK || !strings.Contains(r.Body, "not been worked out yet") {
		t.Fatalf("page before any refresh: %d %s", r.Status, r.Body)
	}
	for i := range 5 {
		h.awardInto(t, fmt.Sprintf("MCR-Q-%d", i), fmt.Sprintf("SC97100%d", i), "SK4 1AA")
	}
	// The invitations are stamped by the database's clock; a month and more later, this
	// month is within the default period (the 12 whole months before the month of now).
	h.clock.Advance(40 * 24 * time.Hour)
	must(t, h.deps.Intelligence.RefreshQuality(context.Background()))
	if r := admin.get("/intelligence"); !strings.Contains(r.Body, `href="/intelligence/quality"`) {
		t.Errorf("the index does not list the view")
	}
	thisMonth := time.Date(h.clock.Now().In(london).Year(), h.clock.Now().In(london).Month(), 1, 0, 0, 0, 0, time.UTC)
	month, first := thisMonth.AddDate(0, -1, 0).Format("2006-01"), thisMonth.AddDate(0, -12, 0).Format("2006-01")
	period := "?from=" + first + "&to=" + month
	r := admin.get("/intelligence/quality" + period)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Data as of") || !strings.Contains(r.Body, `data-testid="quality-providers"`) ||
		!strings.Contains(r.Body, "0% (0 of 5)") || !strings.Contains(r.Body, "Allegation (section 47 enquiry) (DfE ALLEG)") {
		t.Fatalf("admin's page: %d %s", r.Status, r.Body)
	}
	provider := h.orgs["providerx"].ID
	homes := h.signIn("commissioner@manchester.test").get(fmt.Sprintf("/intelligence/quality%s&provider=%d", period, provider))
	if homes.Status != http.StatusOK || !strings.Contains(homes.Body, `data-testid="quality-homes"`) || strings.Count(homes.Body, "0% (0 of 5)") != 3 ||
		!strings.Contains(homes.Body, "not shown (0 of fewer than 5)") {
		t.Errorf("a provider's homes (each invited once: suppressed beside the provider's 5): %d %s", homes.Status, homes.Body)
	}
	for q, want := range map[string]string{
		"?from=" + month:                  "Choose both the first and the last month",
		"?from=2001-01&to=2001-02":        kernel.Message(intelligence.ErrBadPeriod.Code),
		"?from=" + month + "&to=" + month: kernel.Message(intelligence.ErrBadPeriod.Code), // a run of months not offered
		"?period=" + month + ":" + month:  kernel.Message(intelligence.ErrBadPeriod.Code),
		"?period=last-year":               "Choose a period from the list",
		"?from=" + month + "&to=2001-02":  "The last month must be the same as or after the first month",
		"?from=January&to=" + month:       "Choose the first month from the list",
	} {
		r := admin.get("/intelligence/quality" + q)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-message") || !strings.Contains(r.Body, want) {
			t.Errorf("%s: %d, want the error %q", q, r.Status, want)
		}
	}
	if r := admin.get(fmt.Sprintf("/intelligence/quality%s&provider=%d", period, provider+1000)); r.Status != http.StatusOK || !strings.Contains(r.Body, `data-testid="no-provider"`) {
		t.Errorf("a provider with no figures: %d", r.Status)
	}
	if r := h.signIn("admin@providerx.test").get("/intelligence/quality"); r.Status != http.StatusForbidden {
		t.Errorf("provider: %d", r.Status)
	}
	csv := admin.get("/intelligence/quality.csv" + period)
	if !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(strings.TrimPrefix(csv.Body, "\ufeff"), "level,provider,home,ofsted_rating,from,to,placements,") ||
		!strings.Contains(csv.Body, "provider,Provider X") || strings.Count(csv.Body, "\nhome,") != 5 {
		t.Errorf("CSV: %s", csv.Body)
	}
	status, body := h.api(http.MethodGet, "/api/v1/intelligence/quality"+period, h.token("commissioner@manchester.test"), "")
	if ps, _ := body["providers"].([]any); status != http.StatusOK || len(ps) != 1 || body["from"] != first || body["to"] != month {
		t.Errorf("API: %d %v", status, body)
	}
	if status, _ := h.api(http.MethodGet, "/api/v1/intelligence/quality?from=2001-01&to=2001-01", h.token("commissioner@manchester.test"), ""); status != http.StatusUnprocessableEntity {
		t.Errorf("API, a period outside the figures: %d", status)
	}
	if status, _ := h.api(http.MethodGet, "/api/v1/intelligence/quality", h.token("admin@providerx.test"), ""); status != http.StatusForbidden {
		t.Errorf("API for a provider: %d", status)
	}
}

// TestUnplannedReasonsAreEndReasons: every reason the view counts as unplanned is one of
// the end reasons a placement can have, with its SSDA903 code.
func TestUnplannedReasonsAreEndReasons(t *testing.T) {
	for _, code := range intelligence.UnplannedEndReasons {
		if dfe, ok := marketplace.DfECode(marketplace.EndReasonCodes, code); !ok || dfe.Code == "" {
			t.Errorf("%s: not an end reason with a DfE code", code)
		}
	}
}
