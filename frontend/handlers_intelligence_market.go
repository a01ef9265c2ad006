package frontend

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
)

func init() {
	intelligenceViews = append(intelligenceViews, intelligenceView{Title: "Market and price", Href: "/intelligence/market",
		About: "The same provider's weekly price across your consortium's councils for the same lot and tier: each council's lowest, median and highest fee, and the spread between them."})
}

// marketTop is how many provider comparisons the page charts (the table lists them all).
const marketTop = 10

// providerPricesFor is the price comparison in the signed-in user's scope.
func (s *Server) providerPricesFor(c echo.Context) (intelligence.ProviderPrices, error) {
	scope, err := s.intelligenceScope(c)
	if err != nil {
		return intelligence.ProviderPrices{}, err
	}
	return s.deps.Intelligence.ProviderPrices(c.Request().Context(), scope)
}

// market is the market and price view.
func (s *Server) market(c echo.Context) error {
	p, err := s.providerPricesFor(c)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "intelligence_market", "Market and price", map[string]any{
		"AsOf": p.AsOf.In(london), "From": p.From.In(london), "Rows": p.Rows, "Chart": spreadChart(p.Rows)})
}

// spreadChart draws the widest spreads: for each provider, lot and tier, a line from
// the lowest council median to the highest with a dot at each council's median, as
// inline SVG with a text alternative; the table below carries the same figures.
func spreadChart(rows []intelligence.ProviderPrice) template.HTML {
	var shown []intelligence.ProviderPrice
	var top kernel.Pence
	for _, r := range rows {
		if r.Spread > 0 && len(shown) < marketTop {
			shown = append(shown, r)
			for _, c := range r.Councils {
				top = max(top, c.Median)
			}
		}
	}
	if len(shown) == 0 {
		return ""
	}
	const w, rowH = 480.0, 62.0
	scale := (w - 12) / float64(top)
	var alt []string
	var b strings.Builder
	for i, r := range shown {
		name := fmt.Sprintf("%s, %s (%s)", r.Provider, r.Lot, r.Tier)
		y := float64(i) * rowH
		var lo, hi = -1.0, 0.0
		var medians []string
		for _, c := range r.Councils {
			if c.Awards.Suppressed {
				continue
			}
			x := 6 + float64(c.Median)*scale
			if lo < 0 || x < lo {
				lo = x
			}
			hi = max(hi, x)
			medians = append(medians, c.Council+" "+c.Median.String())
		}
		alt = append(alt, fmt.Sprintf("%s: spread %s (%s)", name, r.Spread, strings.Join(medians, ", ")))
		// Two lines of label (the provider; the lot and tier), so that they fit a phone.
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="16" fill="#0b0c0c">%s</text>`, y+16, template.HTMLEscapeString(r.Provider))
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="16" fill="#0b0c0c">%s</text>`, y+34, template.HTMLEscapeString(r.Lot+" ("+r.Tier+")"))
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#1d70b8" stroke-width="4"/>`, lo, hi, y+48, y+48)
		for _, c := range r.Councils {
			if !c.Awards.Suppressed {
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="6" fill="#1d70b8"/>`, 6+float64(c.Median)*scale, y+48)
			}
		}
	}
	return template.HTML(fmt.Sprintf(`<svg viewBox="0 0 %.0f %.0f" width="100%%" class="hearth-bars" role="img" aria-label="%s" data-testid="spread-chart">%s</svg>`,
		w, rowH*float64(len(shown)), template.HTMLEscapeString("Widest price spreads across councils, council medians per week: "+strings.Join(alt, "; ")), b.String()))
}

// marketCSV downloads the price comparison, a row per provider, lot, tier and council.
func (s *Server) marketCSV(c echo.Context) error {
	p, err := s.providerPricesFor(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	if err := w.Write("provider", "lot", "tier", "council", "awards", "min_weekly_fee", "median_weekly_fee", "max_weekly_fee", "spread"); err != nil {
		return err
	}
	for _, r := range p.Rows {
		for _, cp := range r.Councils {
			lo, med, hi := "", "", ""
			if !cp.Awards.Suppressed {
				lo, med, hi = csvPounds(cp.Min), csvPounds(cp.Median), csvPounds(cp.Max)
			}
			if err := w.Write(r.Provider, r.Lot, r.Tier, cp.Council, countText(cp.Awards), lo, med, hi, csvPounds(r.Spread)); err != nil {
				return err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="market-`+p.AsOf.In(london).Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvPounds is pence as pounds and pence without a symbol, for a CSV cell.
func csvPounds(p kernel.Pence) string { return fmt.Sprintf("%d.%02d", p/100, p%100) }
