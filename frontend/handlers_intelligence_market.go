package frontend

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/frontend/apitypes"
)

func init() {
	intelligenceViews = append(intelligenceViews, intelligenceView{Title: "Market and price", Href: "/intelligence/market",
		About: "Spend and weekly fees by lot, tier and month against the ceiling; placements at £10,000 a week or more; savings against ceiling and levy income; and the same provider's price across your consortium's councils."})
	funcs["moneyOrWithheld"] = moneyOrWithheld
	funcs["shareOfAwards"] = shareOfAwards
	funcs["ofCeiling"] = ofCeiling
}

// marketTop is how many provider comparisons the page charts, and marketListed how
// many its table lists (the CSV and the API have them all).
const marketTop, marketListed = 10, 20

// marketFor is the market view in the signed-in user's scope. A council's own
// placements at £10,000 a week or more are child-level rows: their read is audited, once
// for the page, its CSV or the API (each its own route).
func (s *Server) marketFor(c echo.Context) (intelligence.Market, error) {
	scope, err := s.intelligenceScope(c)
	if err != nil {
		return intelligence.Market{}, err
	}
	m, err := s.deps.Intelligence.Market(c.Request().Context(), scope)
	if err != nil {
		return m, err
	}
	if len(m.HighFees) > 0 {
		if err := s.auditList(c, "placement", idsOf(m.HighFees, func(p intelligence.HighFeePlacement) int64 { return p.ID })); err != nil {
			return m, err
		}
	}
	return m, nil
}

// marketGroup is the council's or the consortium's figures on the page.
type marketGroup struct {
	Title      string
	Council    bool
	Tiers      []intelligence.MarketRow
	LotMonths  []intelligence.MarketRow
	Months     []intelligence.MarketRow
	SpendChart template.HTML
}

// marketGroups splits the view's rows by whose they are, the council's first.
func marketGroups(m intelligence.Market) []marketGroup {
	var out []marketGroup
	for _, who := range []string{"council", "consortium"} {
		pick := func(rows []intelligence.MarketRow) []intelligence.MarketRow {
			var got []intelligence.MarketRow
			for _, r := range rows {
				if r.Who == who {
					got = append(got, r)
				}
			}
			return got
		}
		g := marketGroup{Title: "Your consortium", Council: who == "council", Tiers: pick(m.Tiers), LotMonths: pick(m.LotMonths), Months: pick(m.Months)}
		if g.Council {
			g.Title = "Your council"
		}
		if len(g.Tiers)+len(g.LotMonths)+len(g.Months) == 0 {
			continue
		}
		g.SpendChart = monthSpendChart(g.Title, g.LotMonths)
		out = append(out, g)
	}
	return out
}

// market is the market and price view.
func (s *Server) market(c echo.Context) error {
	m, err := s.marketFor(c)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "intelligence_market", "Market and price", map[string]any{
		"AsOf": m.AsOf.In(london), "From": m.From.In(london), "M": m, "Groups": marketGroups(m), "Tables": marketTables,
		"Rows": m.Prices[:min(len(m.Prices), marketListed)], "Compared": len(m.Prices), "Chart": spreadChart(m.Prices)})
}

// lotColours are the lots' colours in the spend chart, in the order of the lots' names.
var lotColours = []string{"#1d70b8", "#00703c", "#f47738", "#4c2c92", "#d4351c", "#505a5f"}

// monthSpendChart draws each month's spend as a bar stacked by lot, a row per month
// with its name and total above the bar (so that it reads on a phone), as inline SVG
// with a text alternative; withheld cells are left out of the bars and the total, and
// the table beside it carries every figure.
func monthSpendChart(title string, rows []intelligence.MarketRow) template.HTML {
	var months []time.Time
	var lots []string
	by := map[time.Time]map[string]kernel.Pence{}
	for _, r := range rows {
		if r.SpendWithheld || r.Spend <= 0 {
			continue
		}
		if by[r.Month] == nil {
			by[r.Month] = map[string]kernel.Pence{}
			months = append(months, r.Month)
		}
		if !slices.Contains(lots, r.Lot) {
			lots = append(lots, r.Lot)
		}
		by[r.Month][r.Lot] += r.Spend
	}
	if len(months) == 0 {
		return ""
	}
	slices.SortFunc(months, func(a, b time.Time) int { return a.Compare(b) })
	slices.Sort(lots)
	total := func(m time.Time) kernel.Pence {
		var sum kernel.Pence
		for _, v := range by[m] {
			sum += v
		}
		return sum
	}
	var top kernel.Pence
	for _, m := range months {
		top = max(top, total(m))
	}
	const w, rowH = 480.0, 46.0
	var b strings.Builder
	var alt []string
	for i, m := range months {
		y := float64(i) * rowH
		label := m.Format("January 2006") + ": " + total(m).String()
		var parts []string
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="16" fill="#0b0c0c">%s</text>`, y+16, template.HTMLEscapeString(label))
		x := 0.0
		for j, lot := range lots {
			v, ok := by[m][lot]
			if !ok {
				continue
			}
			parts = append(parts, lot+" "+v.String())
			bw := (w - 4) * float64(v) / float64(top)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="18" fill="%s"/>`, x, y+22, bw, lotColours[j%len(lotColours)])
			x += bw
		}
		alt = append(alt, label+" ("+strings.Join(parts, ", ")+")")
	}
	fmt.Fprintf(&b, `</svg><ul class="govuk-list hearth-legend">`)
	for j, lot := range lots {
		fmt.Fprintf(&b, `<li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="%s"/></svg> %s</li>`, lotColours[j%len(lotColours)], template.HTMLEscapeString(lot))
	}
	b.WriteString(`</ul>`)
	return template.HTML(fmt.Sprintf(`<svg viewBox="0 0 %.0f %.0f" width="100%%" class="hearth-bars" role="img" aria-label="%s" data-testid="spend-chart">`,
		w, rowH*float64(len(months)), template.HTMLEscapeString(title+", spend by month and lot: "+strings.Join(alt, "; "))) + b.String())
}

// moneyOrWithheld is an amount, or "not shown" where it would show the fee of fewer
// than 5 children.
func moneyOrWithheld(withheld bool, p kernel.Pence) string {
	if withheld {
		return "not shown"
	}
	return p.String()
}

// shareOfAwards is the share of a group's awards at £10,000 a week or more, or "not
// shown" when either count is suppressed.
func shareOfAwards(r intelligence.MarketRow) string {
	switch {
	case r.Awards.Suppressed || r.High.Suppressed:
		return "not shown"
	case r.Awards.N == 0:
		return "no awards"
	}
	return fmt.Sprintf("%.0f%%", r.HighShare)
}

// ofCeiling is a median fee as a percentage of its ceiling, or "" when either is unknown.
func ofCeiling(r intelligence.MarketRow) string {
	if r.Ceiling == 0 || r.MedianFee == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f%%", 100*float64(r.MedianFee)/float64(r.Ceiling))
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

// marketTable is one of the view's tables as a CSV (?table=).
type marketTable struct {
	Name, Label string
	head        []string
	rows        func(intelligence.Market) [][]string
}

// marketTables are the view's CSVs, the page's tables: prices first (the default).
var marketTables = []marketTable{
	{Name: "prices", Label: "the same provider's price across councils",
		head: []string{"provider", "lot", "tier", "council", "awards", "median_weekly_fee", "spread"},
		rows: func(m intelligence.Market) [][]string {
			var out [][]string
			for _, r := range m.Prices {
				for _, cp := range r.Councils {
					med := ""
					if !cp.Awards.Suppressed {
						med = csvPounds(cp.Median)
					}
					out = append(out, []string{r.Provider, r.Lot, r.Tier, cp.Council, csvCount(cp.Awards), med, csvPounds(r.Spread)})
				}
			}
			return out
		}},
	{Name: "tiers", Label: "spend and weekly fee by lot and tier against the ceiling",
		head: []string{"scope", "lot", "tier", "ceiling", "awards", "median_weekly_fee", "awards_over_ceiling", "placements", "spend", "at_ceiling", "savings"},
		rows: func(m intelligence.Market) [][]string {
			var out [][]string
			for _, r := range m.Tiers {
				ceiling := ""
				if r.Ceiling > 0 {
					ceiling = csvPounds(r.Ceiling)
				}
				out = append(out, append([]string{r.Who, r.Lot, r.Tier, ceiling, csvCount(r.Awards), csvMedian(r), csvCount(r.OverCeiling)}, csvSpend(r)...))
			}
			return out
		}},
	{Name: "lot-months", Label: "spend, weekly fee and placements at £10,000 a week or more by lot and month",
		head: []string{"scope", "month", "lot", "placements", "spend", "at_ceiling", "savings", "awards", "median_weekly_fee", "awards_10000_or_more", "share_10000_or_more"},
		rows: func(m intelligence.Market) [][]string {
			var out [][]string
			for _, r := range m.LotMonths {
				share := ""
				if !r.Awards.Suppressed && !r.High.Suppressed && r.Awards.N > 0 {
					share = strconv.FormatFloat(r.HighShare, 'f', 1, 64)
				}
				row := append([]string{r.Who, r.Month.Format("2006-01"), r.Lot}, csvSpend(r)...)
				out = append(out, append(row, csvCount(r.Awards), csvMedian(r), csvCount(r.High), share))
			}
			return out
		}},
	{Name: "months", Label: "savings against ceiling and levy income by month",
		head: []string{"scope", "month", "placements", "spend", "at_ceiling", "savings", "levy_income"},
		rows: func(m intelligence.Market) [][]string {
			var out [][]string
			for _, r := range m.Months {
				out = append(out, append(append([]string{r.Who, r.Month.Format("2006-01")}, csvSpend(r)...), csvPounds(r.Levy)))
			}
			return out
		}},
	{Name: "high-fees", Label: "your council's placements at £10,000 a week or more",
		head: []string{"placement", "child_ref", "lot", "tier", "provider", "awarded_on", "weekly_fee", "ceiling"},
		rows: func(m intelligence.Market) [][]string {
			var out [][]string
			for _, p := range m.HighFees {
				ceiling := ""
				if p.Ceiling > 0 {
					ceiling = csvPounds(p.Ceiling)
				}
				out = append(out, []string{strconv.FormatInt(p.ID, 10), p.ChildRef, p.Lot, p.Tier, p.Provider, p.AwardedAt.In(london).Format(time.DateOnly),
					csvPounds(p.WeeklyFee), ceiling})
			}
			return out
		}},
}

// csvSpend is a row's placements, spend, cost at the ceiling and savings for a CSV,
// the money empty where it is withheld.
func csvSpend(r intelligence.MarketRow) []string {
	if r.SpendWithheld {
		return []string{csvCount(r.Placements), "", "", ""}
	}
	return []string{csvCount(r.Placements), csvPounds(r.Spend), csvPounds(r.AtCeiling), csvPounds(r.Savings)}
}

// csvMedian is a row's median weekly fee for a CSV, empty when not shown.
func csvMedian(r intelligence.MarketRow) string {
	if r.Awards.Suppressed || r.Awards.N == 0 {
		return ""
	}
	return csvPounds(r.MedianFee)
}

// marketCSV is GET /intelligence/market.csv?table=: one of the page's tables (by
// default the price comparison); a table not among them is a 400.
func (s *Server) marketCSV(c echo.Context) error {
	name := c.QueryParam("table")
	if name == "" {
		name = "prices"
	}
	var table *marketTable
	var names []string
	for i := range marketTables {
		names = append(names, marketTables[i].Name)
		if marketTables[i].Name == name {
			table = &marketTables[i]
		}
	}
	if table == nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Choose a table: "+strings.Join(names, ", ")+".")
	}
	m, err := s.marketFor(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	if err := w.Write(table.head...); err != nil {
		return err
	}
	for _, row := range table.rows(m) {
		if err := w.Write(row...); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="market-`+table.Name+"-"+m.AsOf.In(london).Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// csvPounds is pence as pounds and pence without a symbol, for a CSV cell.
func csvPounds(p kernel.Pence) string {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	return fmt.Sprintf("%s%d.%02d", sign, p/100, p%100)
}

// apiMarket is GET /api/v1/intelligence/market: the page's figures.
func (s *Server) apiMarket(c echo.Context) error {
	m, err := s.marketFor(c)
	if err != nil {
		return err
	}
	pence := func(p kernel.Pence) *int64 { return ptrTo(int64(p)) }
	rows := func(in []intelligence.MarketRow) []apitypes.MarketRow {
		out := make([]apitypes.MarketRow, 0, len(in))
		for _, r := range in {
			a := apitypes.MarketRow{Scope: apitypes.MarketRowScope(r.Who), Placements: toAPICount(r.Placements), Awards: toAPICount(r.Awards),
				OverCeiling: toAPICount(r.OverCeiling), HighFee: toAPICount(r.High)}
			if r.Lot != "" {
				a.Lot = ptrTo(r.Lot)
			}
			if r.Tier != "" {
				a.Tier = ptrTo(apitypes.MarketRowTier(r.Tier))
			}
			if !r.Month.IsZero() {
				a.Month = &openapi_types.Date{Time: r.Month}
				a.LevyPence = pence(r.Levy)
			}
			if !r.SpendWithheld {
				a.SpendPence, a.AtCeilingPence, a.SavingsPence = pence(r.Spend), pence(r.AtCeiling), pence(r.Savings)
			}
			if !r.Awards.Suppressed && r.Awards.N > 0 {
				a.MedianWeeklyFeePence = pence(r.MedianFee)
				if !r.High.Suppressed {
					a.HighFeeShare = ptrTo(r.HighShare)
				}
			}
			if r.Ceiling > 0 {
				a.CeilingPence = pence(r.Ceiling)
			}
			out = append(out, a)
		}
		return out
	}
	out := apitypes.Market{AsOf: m.AsOf, From: m.From, Tiers: rows(m.Tiers), LotMonths: rows(m.LotMonths), Months: rows(m.Months),
		Prices: make([]apitypes.ProviderPrice, 0, len(m.Prices)), HighFeePlacements: make([]apitypes.HighFeePlacement, 0, len(m.HighFees))}
	for _, r := range m.Prices {
		p := apitypes.ProviderPrice{Provider: r.Provider, Lot: r.Lot, Tier: r.Tier, Councils: make([]apitypes.CouncilPrice, 0, len(r.Councils))}
		if r.Spread > 0 {
			p.SpreadPence = pence(r.Spread)
		}
		for _, cp := range r.Councils {
			a := apitypes.CouncilPrice{Council: cp.Council, Awards: toAPICount(cp.Awards)}
			if !cp.Awards.Suppressed {
				a.MedianWeeklyFeePence = pence(cp.Median)
			}
			p.Councils = append(p.Councils, a)
		}
		out.Prices = append(out.Prices, p)
	}
	for _, h := range m.HighFees {
		a := apitypes.HighFeePlacement{PlacementId: h.ID, ChildRef: h.ChildRef, Lot: h.Lot, Tier: h.Tier, Provider: h.Provider, AwardedAt: h.AwardedAt,
			WeeklyFeePence: int64(h.WeeklyFee)}
		if h.Ceiling > 0 {
			a.CeilingPence = pence(h.Ceiling)
		}
		out.HighFeePlacements = append(out.HighFeePlacements, a)
	}
	return c.JSON(http.StatusOK, out)
}
