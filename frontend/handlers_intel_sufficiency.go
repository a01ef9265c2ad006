package frontend

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// sufficiencyFilter reads the view's filters from the query string, validated once: an
// unknown value is a 400 naming the filter.
func sufficiencyFilter(c echo.Context) (intelligence.SufficiencyFilter, error) {
	q := c.QueryParams()
	f := intelligence.SufficiencyFilter{Lot: q.Get("lot"), Need: q.Get("need"), AgeBand: q.Get("age"), Sex: q.Get("sex")}
	if a := q.Get("area"); a != "" {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return f, echo.NewHTTPError(http.StatusBadRequest, "Choose an area from the list: one of the consortium's councils.")
		}
		f.Area = id
	}
	if field, ok := f.Valid(); !ok {
		return f, echo.NewHTTPError(http.StatusBadRequest, "The "+field+" filter is not one of its choices: choose from the list.")
	}
	return f, nil
}

// sufficiencyView is the view with its lots' names, which its pages show in place of
// the codes it groups by (the CSV gives both).
type sufficiencyView struct {
	*intelligence.Sufficiency
	names map[string]string
}

// lotName is the lot's name, or its code when it has none.
func (v sufficiencyView) lotName(code string) string {
	if n := v.names[code]; n != "" {
		return n
	}
	return code
}

// LotOptions are the lot filter's choices, named.
func (v sufficiencyView) LotOptions() []kernel.Option {
	out := make([]kernel.Option, len(v.Lots))
	for i, code := range v.Lots {
		out[i] = kernel.Option{Code: code, Label: v.lotName(code)}
	}
	return out
}

// sufficiency reads the scope and filters and answers the view.
func (s *Server) sufficiency(c echo.Context) (sufficiencyView, error) {
	sc, err := s.intelligenceScope(c)
	if err != nil {
		return sufficiencyView{}, err
	}
	f, err := sufficiencyFilter(c)
	if err != nil {
		return sufficiencyView{}, err
	}
	v, err := s.deps.Intelligence.Sufficiency(c.Request().Context(), sc, f)
	if code := kernel.CodeOf(err); code == intelligence.ErrNotAnArea.Code || code == intelligence.ErrNotALot.Code {
		return sufficiencyView{}, echo.NewHTTPError(http.StatusBadRequest, kernel.Message(code)+".")
	} else if err != nil {
		return sufficiencyView{}, err
	}
	names, err := s.deps.Intelligence.LotNames(c.Request().Context(), sc.Consortium)
	return sufficiencyView{v, names}, err
}

// dataTable is a chart's (or a list's) figures as a table, for the page and the CSV.
// A table by lot (ByLot) names each row's lot; Codes holds their codes, which only the
// CSV gives.
type dataTable struct {
	Caption, TestID string
	Head            []string
	Rows            [][]string
	ByLot           bool
	Codes           []string
}

func demandTable(caption, testID string, fig intelligence.SufficiencyFigures) dataTable {
	t := dataTable{Caption: caption, TestID: testID, Head: []string{"Month", "Requests", "Providers reached", "Bids", "Declines", "Awards", "No bid"}}
	for _, m := range fig.Months {
		t.Rows = append(t.Rows, []string{m.Month.Format("Jan 2006"), countText(m.Requests), strconv.FormatInt(m.Reached, 10), strconv.FormatInt(m.Bids, 10),
			strconv.FormatInt(m.Declines, 10), countText(m.Awards), countText(m.NoBid)})
	}
	return t
}

func reasonsTable(caption, testID string, rs []intelligence.Reason, label func(string) string) dataTable {
	t := dataTable{Caption: caption, TestID: testID, Head: []string{"Reason", "Count"}}
	for _, r := range rs {
		t.Rows = append(t.Rows, []string{label(r.Reason), countText(r.N)})
	}
	return t
}

func supplyTable(v sufficiencyView) dataTable {
	t := dataTable{Caption: "Homes on the consortium's lots now", TestID: "supply", ByLot: true, Head: []string{"Lot", "Homes", "Beds registered", "Beds free", "Occupancy"}}
	for _, l := range v.Supply {
		t.Codes = append(t.Codes, l.Lot)
		t.Rows = append(t.Rows, []string{v.lotName(l.Lot), strconv.FormatInt(l.Homes, 10), strconv.FormatInt(l.Beds, 10), strconv.FormatInt(l.BedsFree, 10), fmt.Sprintf("%.0f%%", l.Occupancy())})
	}
	return t
}

func projectionTable(caption, testID string, ps []intelligence.LotProjection, lotName func(string) string) dataTable {
	t := dataTable{Caption: caption, TestID: testID, ByLot: true, Head: []string{"Lot", "Month", "Projected requests", "80% interval"}}
	for _, p := range ps {
		for _, m := range p.Months {
			iv := "too little history"
			if !m.NoInterval {
				iv = fmt.Sprintf("%.0f to %.0f", m.Low, m.High)
			}
			t.Codes = append(t.Codes, p.Lot)
			t.Rows = append(t.Rows, []string{lotName(p.Lot), m.Month.Format("Jan 2006"), fmt.Sprintf("%.0f", m.Point), iv})
		}
	}
	return t
}

func thinTable(caption, testID string, ts []intelligence.ThinLot, lotName func(string) string) dataTable {
	t := dataTable{Caption: caption, TestID: testID, ByLot: true, Head: []string{"Lot", "Requests", "Drew no bid", "Bids per request"}}
	for _, l := range ts {
		share := "not shown"
		if l.ShareShown {
			share = fmt.Sprintf("%.0f%%", l.NoBidShare)
		}
		t.Codes = append(t.Codes, l.Lot)
		t.Rows = append(t.Rows, []string{lotName(l.Lot), countText(intelligence.Suppressed(l.Requests)), share, fmt.Sprintf("%.1f", l.BidsPerReq)})
	}
	return t
}

func declineLabel(code string) string { return kernel.Label(marketplace.DeclineReasons, code) }

// sufficiencyTables are the view's tables, the council's beside the consortium's.
func sufficiencyTables(v sufficiencyView) []dataTable {
	ts := []dataTable{demandTable("Demand by month: the consortium", "demand", v.Consortium)}
	if v.Council != nil {
		ts = append(ts, demandTable("Demand by month: your council", "demand-council", *v.Council))
	}
	ts = append(ts, reasonsTable("Declines by reason, last 12 months: the consortium", "declines", v.Consortium.Declines, declineLabel))
	if v.Council != nil {
		ts = append(ts, reasonsTable("Declines by reason, last 12 months: your council", "declines-council", v.Council.Declines, declineLabel))
	}
	ts = append(ts, reasonsTable("Rules that excluded providers, last 12 months (live requests only)", "exclusions", v.Consortium.Exclusions, func(s string) string { return s }),
		supplyTable(v), thinTable("Where the market is thin, last 12 months", "thin", v.Consortium.Thin, v.lotName),
		projectionTable("Projected requests, next 12 months: the consortium", "projection", v.Consortium.Projection, v.lotName))
	if v.Council != nil {
		ts = append(ts, projectionTable("Projected requests, next 12 months: your council", "projection-council", v.Council.Projection, v.lotName))
	}
	return ts
}

// sufficiencyQuery is the filters as a query string ("" when none), for links.
func sufficiencyQuery(c echo.Context) string {
	if q := c.QueryParams().Encode(); q != "" {
		return "?" + q
	}
	return ""
}

// sufficiencyPage is GET /intelligence/sufficiency.
func (s *Server) sufficiencyPage(c echo.Context) error {
	v, err := s.sufficiency(c)
	if err != nil {
		return err
	}
	var proj []template.HTML
	for _, p := range v.Consortium.Projection {
		proj = append(proj, projectionChart(p, v.lotName(p.Lot)))
	}
	return s.page(c, http.StatusOK, "intelligence_sufficiency", "Sufficiency", map[string]any{
		"V": v, "AsOf": v.AsOf.In(london).Format("15:04"), "Query": sufficiencyQuery(c), "Tables": sufficiencyTables(v),
		"DemandChart": demandChart(v.Consortium.Months), "ProjectionCharts": proj,
		"Needs": kernel.Needs, "AgeBands": intelligence.AgeBands,
	})
}

// sufficiencySummary is GET /intelligence/sufficiency/summary: one printable page.
func (s *Server) sufficiencySummary(c echo.Context) error {
	v, err := s.sufficiency(c)
	if err != nil {
		return err
	}
	fig, who := v.Consortium, "the consortium"
	if v.Council != nil {
		fig, who = *v.Council, currentOrg(c).Name
	}
	var next12 float64
	proj := dataTable{Caption: "Projected requests over the next 12 months, by lot", TestID: "projection", ByLot: true, Head: []string{"Lot", "Projected requests"}}
	for _, p := range fig.Projection {
		var lot float64
		for _, m := range p.Months {
			lot += m.Point
		}
		next12 += lot
		proj.Codes = append(proj.Codes, p.Lot)
		proj.Rows = append(proj.Rows, []string{v.lotName(p.Lot), fmt.Sprintf("%.0f", lot)})
	}
	return s.page(c, http.StatusOK, "intelligence_sufficiency_summary", "Sufficiency summary", map[string]any{
		"V": v, "Fig": fig, "Who": who, "AsOf": v.AsOf.In(london).Format("2 January 2006 at 15:04"), "Next12": math.Round(next12),
		"Requests12": countText(fig.Requests12), "Placed": countText(fig.Placed), "OutOfArea": countText(fig.OutOfArea),
		"Thin":       thinTable("Where the market is thin, last 12 months", "thin", fig.Thin, v.lotName),
		"Projection": proj,
	})
}

// sufficiencyCSV is GET /intelligence/sufficiency.csv: every table, one after another,
// each headed by its caption.
func (s *Server) sufficiencyCSV(c echo.Context) error {
	v, err := s.sufficiency(c)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	w := csvsafe.NewWriter(&b)
	_ = w.Write("Sufficiency", "data as of "+v.AsOf.In(london).Format("2006-01-02 15:04"))
	for _, t := range sufficiencyTables(v) {
		_ = w.Write()
		_ = w.Write(t.Caption)
		if !t.ByLot {
			_ = w.Write(t.Head...)
		} else {
			_ = w.Write(append([]string{"Lot code"}, t.Head...)...)
		}
		for i, r := range t.Rows {
			if t.ByLot {
				r = append([]string{t.Codes[i]}, r...)
			}
			_ = w.Write(r...)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="sufficiency.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

// The demand chart's size and margins.
const chartW, chartH, chartLeft, chartRight, chartBottom = 660.0, 220.0, 36.0, 24.0, 24.0

// demandChart draws monthly requests as bars, with awards and requests that drew no bid
// as lines on the same scale; suppressed months are drawn at 0 (the table says "fewer
// than 5").
func demandChart(months []intelligence.DemandMonth) template.HTML {
	if len(months) == 0 {
		return ""
	}
	var top int64 = 1
	for _, m := range months {
		top = max(top, m.Requests.N)
	}
	step := (chartW - chartLeft - chartRight) / float64(len(months))
	y := func(n int64) float64 { return chartH - chartH*float64(n)/float64(top) }
	var b strings.Builder
	var alt []string
	for _, m := range months {
		alt = append(alt, fmt.Sprintf("%s %s requests, %s awarded, %s no bid", m.Month.Format("Jan 2006"), countText(m.Requests), countText(m.Awards), countText(m.NoBid)))
	}
	fmt.Fprintf(&b, `<svg viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="%s" data-testid="demand-chart">`, chartW, chartH+chartBottom,
		template.HTMLEscapeString("Requests by month, with awards and requests that drew no bid: "+strings.Join(alt, "; ")))
	fmt.Fprintf(&b, `<text x="0" y="12" font-size="12">%d</text><line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#b1b4b6"/>`, top, chartLeft, chartH, chartW, chartH)
	var awards, nobid []string
	for i, m := range months {
		x := chartLeft + float64(i)*step
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#1d70b8"/>`, x+1, y(m.Requests.N), step-2, chartH-y(m.Requests.N))
		awards = append(awards, fmt.Sprintf("%.1f,%.1f", x+step/2, y(m.Awards.N)))
		nobid = append(nobid, fmt.Sprintf("%.1f,%.1f", x+step/2, y(m.NoBid.N)))
		if i%3 == 0 {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" font-size="11">%s</text>`, x, chartH+16, m.Month.Format("Jan 06"))
		}
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#00703c" stroke-width="2"/>`, strings.Join(awards, " "))
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#d4351c" stroke-width="2" stroke-dasharray="4 3"/></svg>`, strings.Join(nobid, " "))
	b.WriteString(`<ul class="govuk-list hearth-legend"><li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="#1d70b8"/></svg> Requests</li>` +
		`<li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect y="5" width="12" height="2" fill="#00703c"/></svg> Awards</li>` +
		`<li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect y="5" width="12" height="2" fill="#d4351c"/></svg> Drew no bid</li></ul>`)
	return template.HTML(b.String())
}

// projectionChart draws a lot's projection (dashed) inside its interval (the grey band).
func projectionChart(p intelligence.LotProjection, name string) template.HTML {
	n := len(p.Months)
	if n == 0 {
		return ""
	}
	var top float64 = 1
	for _, m := range p.Months {
		top = max(top, m.High, m.Point)
	}
	const w, h = 320.0, 80.0
	step := w / float64(n)
	y := func(v float64) float64 { return h - h*v/top }
	var line, upper, lower, alt []string
	for i, m := range p.Months {
		x := float64(i)*step + step/2
		line = append(line, fmt.Sprintf("%.1f,%.1f", x, y(m.Point)))
		if !m.NoInterval {
			upper = append(upper, fmt.Sprintf("%.1f,%.1f", x, y(m.High)))
			lower = append([]string{fmt.Sprintf("%.1f,%.1f", x, y(m.Low))}, lower...)
		}
		alt = append(alt, fmt.Sprintf("%s %.0f", m.Month.Format("Jan 2006"), m.Point))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<figure class="hearth-chart__row"><figcaption class="govuk-body-s">%s</figcaption>`, template.HTMLEscapeString(name))
	fmt.Fprintf(&b, `<svg viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="%s">`, w, h, w, h,
		template.HTMLEscapeString("Projected requests for "+name+": "+strings.Join(alt, "; ")))
	if len(upper) > 0 {
		fmt.Fprintf(&b, `<polygon points="%s %s" fill="#dee0e2"/>`, strings.Join(upper, " "), strings.Join(lower, " "))
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1d70b8" stroke-width="2" stroke-dasharray="5 3"/></svg>`, strings.Join(line, " "))
	fmt.Fprintf(&b, `<p class="govuk-body-s">%s to %s; up to %.0f requests a month</p></figure>`, p.Months[0].Month.Format("Jan 2006"), p.Months[n-1].Month.Format("Jan 2006"), top)
	return template.HTML(b.String())
}

// apiSufficiency is GET /api/v1/intelligence/sufficiency.
func (s *Server) apiSufficiency(c echo.Context) error {
	v, err := s.sufficiency(c)
	if err != nil {
		return err
	}
	out := apitypes.Sufficiency{AsOf: v.AsOf, Lots: append([]string{}, v.Lots...), Consortium: apiSufficiencyFigures(v.Consortium), Supply: []apitypes.SufficiencyLotSupply{}}
	if v.Council != nil {
		f := apiSufficiencyFigures(*v.Council)
		out.Council = &f
	}
	for _, l := range v.Supply {
		out.Supply = append(out.Supply, apitypes.SufficiencyLotSupply{Lot: l.Lot, Homes: l.Homes, Beds: l.Beds, BedsFree: l.BedsFree, OccupancyPercent: l.Occupancy()})
	}
	return c.JSON(http.StatusOK, out)
}

func apiSufficiencyFigures(f intelligence.SufficiencyFigures) apitypes.SufficiencyFigures {
	count := func(c intelligence.Count) apitypes.SufficiencyCount {
		return apitypes.SufficiencyCount{N: c.N, Suppressed: c.Suppressed}
	}
	reasons := func(rs []intelligence.Reason) []apitypes.SufficiencyReason {
		out := []apitypes.SufficiencyReason{}
		for _, r := range rs {
			out = append(out, apitypes.SufficiencyReason{Reason: r.Reason, Count: count(r.N)})
		}
		return out
	}
	out := apitypes.SufficiencyFigures{Months: []apitypes.SufficiencyMonth{}, Declines: reasons(f.Declines), Exclusions: reasons(f.Exclusions),
		Projection: []apitypes.SufficiencyProjection{}, Placed: count(f.Placed), OutOfArea: count(f.OutOfArea)}
	for _, m := range f.Months {
		out.Months = append(out.Months, apitypes.SufficiencyMonth{Month: m.Month.Format("2006-01"), Requests: count(m.Requests), Reached: m.Reached, Bids: m.Bids,
			Declines: m.Declines, Awards: count(m.Awards), NoBid: count(m.NoBid)})
	}
	for _, p := range f.Projection {
		ap := apitypes.SufficiencyProjection{Lot: p.Lot, Months: []apitypes.SufficiencyForecast{}}
		for _, m := range p.Months {
			fc := apitypes.SufficiencyForecast{Month: m.Month.Format("2006-01"), Point: m.Point}
			if !m.NoInterval {
				lo, hi := m.Low, m.High
				fc.Low, fc.High = &lo, &hi
			}
			ap.Months = append(ap.Months, fc)
		}
		out.Projection = append(out.Projection, ap)
	}
	return out
}
