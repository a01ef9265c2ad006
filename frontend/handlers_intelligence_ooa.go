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

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

func init() {
	funcs["intelCount"] = countText
	funcs["shareOOA"] = shareText
}

// csvCount is a count in a CSV: "[c]" when suppressed, as official statistics mark it.
func csvCount(c intelligence.Count) string {
	if c.Suppressed {
		return "[c]"
	}
	return strconv.FormatInt(c.N, 10)
}

// share is a share as a whole percentage, or "not shown" for fewer than 5 placements.
func shareText(r intelligence.OutOfAreaRow) string {
	if !r.ShareShown {
		return "not shown"
	}
	return fmt.Sprintf("%.0f%%", 100*r.Within20Share)
}

// outOfAreaPage is what the out-of-area page shows.
type outOfAreaPage struct {
	O          intelligence.OutOfArea
	Headline   intelligence.OutOfAreaRow // the council's row, or the consortium's
	Council    bool
	AsOf       string // HH:MM, London time
	Period     string
	Rows       []intelligence.OutOfAreaRow
	Bands      []string
	Flows      intelligence.FlowMatrix
	FlowMap    template.HTML
	ShareChart template.HTML
	BandChart  template.HTML
	Return     outOfAreaReturnView
}

// outOfAreaReturnView is the annual return's section: the year's table, its columns the
// reasons in the award page's order, then "not recorded".
type outOfAreaReturnView struct {
	Year    int
	Label   string
	Years   [][2]string
	Reasons []string // column headings
	Rows    []returnLine
}

type returnLine struct {
	Name   string
	Placed string
	Cells  []string
}

// outOfAreaFor is the out-of-area view for the signed-in user's scope.
func (s *Server) outOfAreaFor(c echo.Context) (intelligence.Scope, intelligence.OutOfArea, error) {
	scope, err := s.intelligenceScope(c)
	if err != nil {
		return scope, intelligence.OutOfArea{}, err
	}
	o, err := s.deps.Intelligence.OutOfArea(c.Request().Context(), scope)
	return scope, o, err
}

// outOfArea is GET /intelligence/out-of-area: where the scope's children are placed.
func (s *Server) outOfArea(c echo.Context) error {
	scope, o, err := s.outOfAreaFor(c)
	if err != nil {
		return err
	}
	p := outOfAreaPage{O: o, Headline: o.Consortium, Council: scope.Council != 0, Rows: append([]intelligence.OutOfAreaRow{o.Consortium}, o.Councils...)}
	p.AsOf = o.AsOf.In(london).Format("15:04")
	p.Period = o.From.In(london).Format("2 January 2006") + " to " + o.AsOf.In(london).Format("2 January 2006")
	if p.Council && len(o.Councils) == 1 {
		p.Headline = o.Councils[0]
	}
	for _, b := range intelligence.DistanceBands {
		p.Bands = append(p.Bands, b.Label)
	}
	councils, err := s.deps.Orgs.Councils(c.Request().Context(), 0)
	if err != nil {
		return err
	}
	members := map[string]bool{}
	for _, co := range councils {
		if co.ONSCode != nil && co.ConsortiumID != nil && *co.ConsortiumID == scope.Consortium {
			members[*co.ONSCode] = true
		}
	}
	p.Flows, p.FlowMap = o.Matrix, flowMap(o.Matrix, members)
	p.ShareChart = shareChart(p.Rows)
	p.BandChart = bandChart(p.Headline)
	year, err := s.returnYear(c)
	if err != nil {
		return err
	}
	ret, err := s.deps.Intelligence.OutOfAreaReturn(c.Request().Context(), scope, year)
	if err != nil {
		return err
	}
	p.Return = returnView(ret, s.now(), countText)
	return s.page(c, http.StatusOK, "intelligence_out_of_area", "Out of area placements", p)
}

// shareChart draws each row's share of placements within 20 miles as a horizontal bar,
// as inline SVG with a text alternative; the table on the page carries the figures.
func shareChart(rows []intelligence.OutOfAreaRow) template.HTML {
	if len(rows) == 0 || rows[0].Total == (intelligence.Count{}) {
		return ""
	}
	const w, rowH, labelW = 560.0, 30.0, 190.0
	var b, bars strings.Builder
	var alt []string
	for i, r := range rows {
		y := float64(i) * rowH
		fmt.Fprintf(&bars, `<text x="0" y="%.1f" font-size="13">%s</text>`, y+19, template.HTMLEscapeString(r.Name))
		if r.ShareShown {
			bw := (w - labelW - 50) * r.Within20Share
			fmt.Fprintf(&bars, `<rect x="%.1f" y="%.1f" width="%.1f" height="20" fill="#1d70b8"/>`, labelW, y+5, bw)
			fmt.Fprintf(&bars, `<text x="%.1f" y="%.1f" font-size="13">%s</text>`, labelW+bw+6, y+19, shareText(r))
		} else {
			fmt.Fprintf(&bars, `<text x="%.1f" y="%.1f" font-size="13">not shown</text>`, labelW, y+19)
		}
		alt = append(alt, r.Name+" "+shareText(r))
	}
	h := rowH * float64(len(rows))
	fmt.Fprintf(&b, `<svg viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="%s" data-testid="share-chart">%s</svg>`, w, h,
		template.HTMLEscapeString("Share of placements within 20 miles: "+strings.Join(alt, "; ")), bars.String())
	return template.HTML(b.String())
}

// bandChart draws a row's placements by distance band as vertical bars, as inline SVG
// with a text alternative; a suppressed band has no bar and says "fewer than 5".
func bandChart(r intelligence.OutOfAreaRow) template.HTML {
	var top int64
	for _, c := range r.Bands {
		top = max(top, c.N)
	}
	if top == 0 {
		return ""
	}
	const w, h, barW, gap = 560.0, 180.0, 80.0, 30.0
	var b, bars strings.Builder
	var alt []string
	for i, c := range r.Bands {
		label := intelligence.DistanceBands[i].Label
		x := 10 + float64(i)*(barW+gap)
		bh := h * float64(c.N) / float64(top)
		if c.N > 0 {
			fmt.Fprintf(&bars, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#1d70b8"/>`, x, 20+h-bh, barW, bh)
		}
		fmt.Fprintf(&bars, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle">%s</text>`, x+barW/2, 14+h-bh, countText(c))
		fmt.Fprintf(&bars, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="middle">%s</text>`, x+barW/2, h+38, template.HTMLEscapeString(strings.TrimSuffix(label, " miles")))
		alt = append(alt, label+": "+countText(c))
	}
	fmt.Fprintf(&b, `<svg viewBox="0 0 %.0f %.0f" width="100%%" role="img" aria-label="%s" data-testid="band-chart">%s</svg>`, w, h+48,
		template.HTMLEscapeString(r.Name+", placements by distance (miles): "+strings.Join(alt, "; ")), bars.String())
	return template.HTML(b.String())
}

// outOfAreaCSV is GET /intelligence/out-of-area.csv: the page's table of councils.
func (s *Server) outOfAreaCSV(c echo.Context) error {
	_, o, err := s.outOfAreaFor(c)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	w := csvsafe.NewWriter(&b)
	head := []string{"council", "placements", "in_area", "adjoining", "further", "within_20_miles", "share_within_20_miles"}
	for _, band := range intelligence.DistanceBands {
		head = append(head, strings.ReplaceAll(strings.ToLower(band.Label), " ", "_"))
	}
	_ = w.Write(head...)
	for _, r := range append([]intelligence.OutOfAreaRow{o.Consortium}, o.Councils...) {
		share := ""
		if r.ShareShown {
			share = strconv.FormatFloat(r.Within20Share, 'f', 3, 64)
		}
		cells := []string{r.Name, csvCount(r.Total), csvCount(r.InArea), csvCount(r.Adjoining), csvCount(r.Further), csvCount(r.Within20), share}
		for _, band := range r.Bands {
			cells = append(cells, csvCount(band))
		}
		_ = w.Write(cells...)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="hearth-out-of-area-`+o.AsOf.In(london).Format("2006-01-02")+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

// returnReasons are the return's columns: the award's reasons, then none recorded.
func returnReasons() []kernel.Option {
	return append(slices.Clone(marketplace.OutOfAreaReasons), kernel.Option{Code: "", Label: "Not recorded"})
}

// returnYear is the financial year of the return asked for (?year=2025 for 2025-26),
// by default the last complete one; a year that is not a number, or outside the last
// ten years, is a 400.
func (s *Server) returnYear(c echo.Context) (int, error) {
	last := intelligence.LastCompleteYear(s.now())
	v := c.QueryParam("year")
	if v == "" {
		return last, nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < last-9 || y > last+1 {
		return 0, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("Choose a financial year from %s to %s.", intelligence.YearLabel(last-9), intelligence.YearLabel(last+1)))
	}
	return y, nil
}

// returnView lays the return out as a table, each count written by text.
func returnView(r intelligence.OutOfAreaReturn, now time.Time, text func(intelligence.Count) string) outOfAreaReturnView {
	v := outOfAreaReturnView{Year: r.Year, Label: intelligence.YearLabel(r.Year)}
	last := intelligence.LastCompleteYear(now)
	for y := last + 1; y >= last-9; y-- {
		v.Years = append(v.Years, [2]string{strconv.Itoa(y), intelligence.YearLabel(y)})
	}
	reasons := returnReasons()
	for _, o := range reasons {
		v.Reasons = append(v.Reasons, o.Label)
	}
	for _, row := range append([]intelligence.ReturnRow{r.Total}, r.Councils...) {
		line := returnLine{Name: row.Name, Placed: text(row.Placed)}
		for _, o := range reasons {
			line.Cells = append(line.Cells, text(row.ByReason[o.Code]))
		}
		v.Rows = append(v.Rows, line)
	}
	return v
}

// outOfAreaReturnCSV is GET /intelligence/out-of-area-return.csv?year=: the annual
// out-of-area return, a row per council (and the consortium's), a column per reason.
func (s *Server) outOfAreaReturnCSV(c echo.Context) error {
	scope, err := s.intelligenceScope(c)
	if err != nil {
		return err
	}
	year, err := s.returnYear(c)
	if err != nil {
		return err
	}
	r, err := s.deps.Intelligence.OutOfAreaReturn(c.Request().Context(), scope, year)
	if err != nil {
		return err
	}
	v := returnView(r, s.now(), csvCount)
	var b bytes.Buffer
	w := csvsafe.NewWriter(&b)
	head := []string{"year", "council", "placed_out_of_area"}
	for _, o := range returnReasons() {
		code := o.Code
		if code == "" {
			code = "not_recorded"
		}
		head = append(head, code)
	}
	_ = w.Write(head...)
	for _, line := range v.Rows {
		_ = w.Write(append([]string{v.Label, line.Name, line.Placed}, line.Cells...)...)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="hearth-out-of-area-return-`+v.Label+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

// apiOutOfArea is GET /api/v1/intelligence/out-of-area: the page's figures.
func (s *Server) apiOutOfArea(c echo.Context) error {
	_, o, err := s.outOfAreaFor(c)
	if err != nil {
		return err
	}
	apiCount := func(n intelligence.Count) apitypes.OutOfAreaCount {
		return apitypes.OutOfAreaCount{Count: n.N, Suppressed: n.Suppressed}
	}
	row := func(r intelligence.OutOfAreaRow) apitypes.OutOfAreaRow {
		a := apitypes.OutOfAreaRow{Council: r.Name, Placements: apiCount(r.Total), InArea: apiCount(r.InArea), Adjoining: apiCount(r.Adjoining),
			Further: apiCount(r.Further), Within20Miles: apiCount(r.Within20), Bands: []apitypes.OutOfAreaBand{}}
		if r.ShareShown {
			share := float32(r.Within20Share)
			a.ShareWithin20Miles = &share
		}
		for i, b := range r.Bands {
			a.Bands = append(a.Bands, apitypes.OutOfAreaBand{Band: intelligence.DistanceBands[i].Label, Placements: apiCount(b)})
		}
		return a
	}
	out := apitypes.OutOfArea{AsOf: o.AsOf, From: o.From, Consortium: row(o.Consortium), Councils: []apitypes.OutOfAreaRow{}, Flows: []apitypes.OutOfAreaFlow{}}
	for _, r := range o.Councils {
		out.Councils = append(out.Councils, row(r))
	}
	for _, f := range o.Flows {
		out.Flows = append(out.Flows, apitypes.OutOfAreaFlow{From: f.From, To: f.To, Placements: apiCount(f.Count)})
	}
	return c.JSON(http.StatusOK, out)
}
