package frontend

import (
	"net/http"
	"strings"
	"testing"
)

// TestMarketPage: the consortium admin and a commissioner see the price comparison (the
// empty state while no provider is bought by two councils: one council's awards are not
// compared) and its CSV; providers are refused.
func TestMarketPage(t *testing.T) {
	h := newHarness(t)
	h.awardInto(t, "MCR-MKT-1", "SC981001", "SK4 1AA")
	for _, email := range []string{"admin@consortium.test", "commissioner@manchester.test"} {
		b := h.signIn(email)
		if r := b.get("/intelligence"); !strings.Contains(r.Body, `href="/intelligence/market"`) {
			t.Errorf("%s: the index does not list the view", email)
		}
		r := b.get("/intelligence/market")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `data-testid="market-empty"`) || !strings.Contains(r.Body, "Data as of") {
			t.Errorf("%s: %d %s", email, r.Status, r.Body)
		}
		csv := b.get("/intelligence/market.csv")
		if !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || strings.TrimSpace(strings.TrimPrefix(csv.Body, "\ufeff")) != "provider,lot,tier,council,awards,min_weekly_fee,median_weekly_fee,max_weekly_fee,spread" {
			t.Errorf("%s: CSV %q", email, csv.Body)
		}
	}
	if r := h.signIn("admin@providerx.test").get("/intelligence/market"); r.Status != http.StatusForbidden {
		t.Errorf("provider: %d", r.Status)
	}
}
