package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestMarketPage: the consortium admin and a commissioner see the market view (its
// figures, the price comparison's empty state while no provider is bought by two
// councils, the method and the CPIH note) and each CSV and the API; a table not among
// the CSVs is a 400; providers are refused.
func TestMarketPage(t *testing.T) {
	h := newHarness(t)
	h.awardInto(t, "MCR-MKT-1", "SC981001", "SK4 1AA")
	heads := map[string]string{
		"":           "provider,lot,tier,council,awards,median_weekly_fee,spread",
		"prices":     "provider,lot,tier,council,awards,median_weekly_fee,spread",
		"tiers":      "scope,lot,tier,ceiling,awards,median_weekly_fee,awards_over_ceiling,placements,spend,at_ceiling,savings",
		"lot-months": "scope,month,lot,placements,spend,at_ceiling,savings,awards,median_weekly_fee,awards_10000_or_more,share_10000_or_more",
		"months":     "scope,month,placements,spend,at_ceiling,savings,levy_income",
		"high-fees":  "placement,child_ref,lot,tier,provider,awarded_on,weekly_fee,ceiling",
	}
	for _, email := range []string{"admin@consortium.test", "commissioner@manchester.test"} {
		b := h.signIn(email)
		if r := b.get("/intelligence"); !strings.Contains(r.Body, `href="/intelligence/market"`) {
			t.Errorf("%s: the index does not list the view", email)
		}
		r := b.get("/intelligence/market")
		for _, want := range []string{`data-testid="market-empty"`, "Data as of", `data-testid="tier-table"`, "awaits the ONS series", "(ceiling − weekly fee) × weeks"} {
			if r.Status != http.StatusOK || !strings.Contains(r.Body, want) {
				t.Errorf("%s: %d, no %q", email, r.Status, want)
			}
		}
		// The one award: fewer than 5, so no median is shown.
		if !strings.Contains(r.Body, "fewer than 5") {
			t.Errorf("%s: one award's count shown", email)
		}
		for table, head := range heads {
			csv := b.get("/intelligence/market.csv?table=" + table)
			lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(csv.Body, "\ufeff")), "\n")
			if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || strings.TrimSpace(lines[0]) != head {
				t.Errorf("%s: CSV %q: %d %q", email, table, csv.Status, csv.Body)
			}
		}
		if r := b.get("/intelligence/market.csv?table=secrets"); r.Status != http.StatusBadRequest {
			t.Errorf("%s: an unknown table: %d", email, r.Status)
		}
		status, body := h.api(http.MethodGet, "/api/v1/intelligence/market", h.token(email), "")
		if status != http.StatusOK || body["as_of"] == nil || body["tiers"] == nil || body["high_fee_placements"] == nil {
			t.Errorf("%s: API %d %v", email, status, body)
		}
	}
	if r := h.signIn("admin@providerx.test").get("/intelligence/market"); r.Status != http.StatusForbidden {
		t.Errorf("provider: %d", r.Status)
	}
}

// TestMarketHighFeePlacements: a commissioner sees their own council's placement at
// £10,000 a week or more by its child reference (page, CSV and API, each read audited),
// the consortium admin only counts, and another council's commissioner never the row.
func TestMarketHighFeePlacements(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := h.awardInto(t, "MCR-HIGH-1", "SC981002", "SK4 1AA")
	must(t, h.deps.DB.Gorm.Exec(`UPDATE placements SET weekly_fee_pence = 1250000 WHERE id = ?`, p.ID).Error)
	must(t, h.deps.Intelligence.RefreshMarket(ctx))
	mine := h.signIn("commissioner@manchester.test")
	r := mine.get("/intelligence/market")
	if !strings.Contains(r.Body, `data-testid="high-fee-placements"`) || !strings.Contains(r.Body, fmt.Sprintf(`href="/placements/%d">MCR-HIGH-1<`, p.ID)) || !strings.Contains(r.Body, "£12,500.00") {
		t.Errorf("the commissioner's page does not list its placement: %s", r.Body)
	}
	if csv := mine.get("/intelligence/market.csv?table=high-fees"); !strings.Contains(csv.Body, "MCR-HIGH-1") || !strings.Contains(csv.Body, "12500.00") {
		t.Errorf("CSV %q", csv.Body)
	}
	status, body := h.api(http.MethodGet, "/api/v1/intelligence/market", h.token("commissioner@manchester.test"), "")
	raw, _ := json.Marshal(body["high_fee_placements"])
	if status != http.StatusOK || !strings.Contains(string(raw), `"child_ref":"MCR-HIGH-1"`) || !strings.Contains(string(raw), `"weekly_fee_pence":1250000`) {
		t.Errorf("API %d %s", status, raw)
	}
	var audited int
	must(t, h.deps.DB.Gorm.Raw(`SELECT count(*) FROM audit_log WHERE action = 'child.read' AND entity_type = 'placement' AND (detail->'ids') @> jsonb_build_array(?::text)`,
		fmt.Sprint(p.ID)).Scan(&audited).Error)
	if audited != 3 {
		t.Errorf("%d audited reads of the placement, want 3 (page, CSV, API)", audited)
	}
	for _, email := range []string{"admin@consortium.test", "commissioner@liverpool.test"} {
		b := h.signIn(email)
		for _, path := range []string{"/intelligence/market", "/intelligence/market.csv?table=high-fees", "/intelligence/market.csv?table=lot-months"} {
			if r := b.get(path); strings.Contains(r.Body, "MCR-HIGH-1") || strings.Contains(r.Body, `data-testid="high-fee-placements"`) {
				t.Errorf("%s sees Manchester's placement at %s", email, path)
			}
		}
	}
}
