package frontend

import (
	"bytes"
	"errors"
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
	intelligenceViews = append(intelligenceViews, intelligenceView{Title: "Provider quality", Href: "/intelligence/quality",
		About: "Beyond Ofsted, per provider and home: incidents and missing episodes per 1,000 placement-nights, unplanned endings in the first 6 months, how often they decline the requests they are invited to, and how fast they answer."})
	funcs["qualityCells"] = func(f intelligence.QualityFigures) []string { return qualityCells(f, false) }
	funcs["qualityHead"] = func() []string { return qualityHead }
	funcs["ratingsText"] = ratingsText
}

// qualityTop is how many providers (or homes) the page's chart draws; its table lists all.
const qualityTop = 12

// qualityInput is the view's choice of period (whole months, like 2026-01; one of the
// periods the view offers) and, on the page, of one provider whose homes it lists. Empty
// months: the default period. The page's one list of periods sends both months as
// Period ("2025-04:2026-03").
type qualityInput struct {
	From     string `form:"from" json:"from" validate:"omitempty,datetime=2006-01" msg:"*=Choose the first month from the list"`
	To       string `form:"to" json:"to" validate:"omitempty,datetime=2006-01" msg:"*=Choose the last month from the list"`
	Period   string `form:"period" json:"-" validate:"omitempty,len=15" msg:"*=Choose a period from the list"`
	Provider int64  `form:"provider" json:"-" validate:"min=0" msg:"*=Choose a provider from the table"`
}

// Rules: a period is both months or neither, and ends on or after its start.
func (in *qualityInput) Rules(time.Time) kernel.FieldErrors {
	var fe kernel.FieldErrors
	if in.Period != "" {
		from, to, ok := strings.Cut(in.Period, ":")
		_, errFrom := time.Parse("2006-01", from)
		_, errTo := time.Parse("2006-01", to)
		if !ok || errFrom != nil || errTo != nil {
			fe.Add("period", "Choose a period from the list")
			return fe
		}
		in.From, in.To = from, to
	}
	switch {
	case (in.From == "") != (in.To == ""):
		fe.Add("from", "Choose both the first and the last month, or neither for the last 12 months")
	case in.From != "" && in.To < in.From:
		fe.Add("to", "The last month must be the same as or after the first month")
	}
	return fe
}

// period is the input's months (zero: the default).
func (in qualityInput) period() intelligence.QualityPeriod {
	if in.From == "" {
		return intelligence.QualityPeriod{}
	}
	from, _ := time.Parse("2006-01", in.From)
	to, _ := time.Parse("2006-01", in.To)
	return intelligence.QualityPeriod{From: from, To: to}
}

// qualityFor is the quality view in the signed-in user's scope for the period asked.
// A period that cannot be read or lies outside the figures comes back as field errors,
// with the default period's figures.
func (s *Server) qualityFor(c echo.Context) (intelligence.Quality, qualityInput, map[string]string, kernel.FieldErrors, error) {
	var in qualityInput
	scope, err := s.intelligenceScope(c)
	if err != nil {
		return intelligence.Quality{}, in, nil, nil, err
	}
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return intelligence.Quality{}, in, nil, nil, err
	}
	ctx := c.Request().Context()
	if fe == nil {
		q, err := s.deps.Intelligence.Quality(ctx, scope, in.period())
		if !errors.Is(err, intelligence.ErrBadPeriod) {
			return q, in, form, nil, err
		}
		field := "from"
		if in.Period != "" {
			field = "period"
		}
		fe.AddCode(field, intelligence.ErrBadPeriod.Code, kernel.Message(intelligence.ErrBadPeriod.Code))
	}
	q, err := s.deps.Intelligence.Quality(ctx, scope, intelligence.QualityPeriod{})
	return q, in, form, withFormIDs(fe, &in), err
}

// qualityPeriodValue is a period as the page's list of periods sends it.
func qualityPeriodValue(p intelligence.QualityPeriod) string {
	return p.From.Format("2006-01") + ":" + p.To.Format("2006-01")
}

// qualityPage is the provider quality view: the consortium's figures, a chart and
// table of its providers, and, with a provider chosen, that provider's homes.
func (s *Server) qualityPage(c echo.Context) error {
	q, in, form, fe, err := s.qualityFor(c)
	if err != nil {
		return err
	}
	// The page asks for its period in one list: an error on either month (from a link
	// or a typed address) is shown beside it, once.
	var onPage kernel.FieldErrors
	for _, e := range fe {
		if e.Field == "from" || e.Field == "to" {
			e.Field, e.FormID = "period", "period"
		}
		onPage = onPage.Merge(kernel.FieldErrors{e})
	}
	if fe != nil {
		fe = onPage
	}
	var periods [][2]string
	for i, p := range q.Periods {
		label := p.From.Format("January 2006") + " to " + p.To.Format("January 2006")
		if i == 0 {
			label = "The last 12 months (" + label + ")"
		} else {
			label = fmt.Sprintf("Financial year %d to %d (%s)", p.From.Year(), p.To.Year(), label)
		}
		periods = append(periods, [2]string{qualityPeriodValue(p), label})
	}
	if fe == nil && !q.AsOf.IsZero() {
		form["period"] = qualityPeriodValue(q.Period)
	}
	data := map[string]any{"Q": q, "Periods": periods, "Unplanned": unplannedReasons(),
		"Query": template.URL("from=" + q.Period.From.Format("2006-01") + "&to=" + q.Period.To.Format("2006-01"))}
	rows := make([]qualityBar, 0, len(q.Providers))
	for _, p := range q.Providers {
		rows = append(rows, qualityBar{Name: p.Name, Rate: p.IncidentRate})
		if p.ID == in.Provider {
			data["Provider"] = p
			homes := make([]qualityBar, 0, len(p.Homes))
			for _, h := range p.Homes {
				homes = append(homes, qualityBar{Name: h.Name, Rate: h.IncidentRate})
			}
			data["HomeChart"] = qualityChart(p.Name+"'s homes", "quality-home-chart", homes, q.IncidentRate)
		}
	}
	data["NoProvider"] = in.Provider != 0 && data["Provider"] == nil
	data["Chart"] = qualityChart("Providers", "quality-chart", rows, q.IncidentRate)
	status := http.StatusOK
	if fe != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.page(c, status, "intelligence_quality", "Provider quality", data, withForm(form, fe))
}

// unplannedReasons are the end reasons counted as unplanned, labelled with their DfE codes.
func unplannedReasons() []string {
	out := make([]string, 0, len(intelligence.UnplannedEndReasons))
	for _, code := range intelligence.UnplannedEndReasons {
		out = append(out, kernel.Label(marketplace.EndReasons, code))
	}
	return out
}

// qualityBar is one bar of the quality chart: a provider's or home's incidents per
// 1,000 placement-nights.
type qualityBar struct {
	Name string
	Rate intelligence.Rate
}

// qualityChart draws the highest incident rates among rows whose rate is shown, a bar
// each, with the consortium's rate as a dashed line, as inline SVG with a text
// alternative; the table beside it carries the same figures.
func qualityChart(title, testID string, rows []qualityBar, avg intelligence.Rate) template.HTML {
	var shown []qualityBar
	top := avg.Value
	for _, r := range rows {
		if r.Rate.Shown {
			shown = append(shown, r)
		}
	}
	if len(shown) == 0 {
		return ""
	}
	// Highest first, so that the chart leads with the homes to ask about.
	slices.SortStableFunc(shown, func(a, b qualityBar) int { return compareFloat(b.Rate.Value, a.Rate.Value) })
	shown = shown[:min(len(shown), qualityTop)]
	for _, r := range shown {
		top = max(top, r.Rate.Value)
	}
	if top == 0 {
		top = 1
	}
	const w, rowH = 480.0, 46.0
	h := rowH*float64(len(shown)) + 4
	scale := (w - 4) / top
	var alt []string
	var b strings.Builder
	for i, r := range shown {
		y := float64(i) * rowH
		alt = append(alt, fmt.Sprintf("%s %.1f", r.Name, r.Rate.Value))
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="16" fill="#0b0c0c">%s: %.1f</text>`, y+16, template.HTMLEscapeString(r.Name), r.Rate.Value)
		fmt.Fprintf(&b, `<rect x="0" y="%.1f" width="%.1f" height="18" fill="#1d70b8"/>`, y+22, r.Rate.Value*scale)
	}
	label := title + ", incidents per 1,000 placement-nights, highest first: " + strings.Join(alt, "; ")
	legend := ""
	if avg.Shown {
		// A dashed mark across each bar at the consortium's rate, clear of the labels.
		x := avg.Value * scale
		for i := range shown {
			y := float64(i) * rowH
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#0b0c0c" stroke-width="2" stroke-dasharray="4 2"/>`, x, x, y+20, y+42)
		}
		label += fmt.Sprintf("; the consortium %.1f", avg.Value)
		legend = fmt.Sprintf(`<ul class="govuk-list hearth-legend"><li><svg width="24" height="12" aria-hidden="true" focusable="false"><line x1="0" x2="24" y1="6" y2="6" stroke="#0b0c0c" stroke-width="2" stroke-dasharray="6 4"/></svg> the consortium: %.1f</li></ul>`, avg.Value)
	}
	return template.HTML(fmt.Sprintf(`<svg viewBox="0 0 %.0f %.0f" width="100%%" class="hearth-bars" role="img" aria-label="%s" data-testid="%s">%s</svg>%s`,
		w, h, template.HTMLEscapeString(label), testID, b.String(), legend))
}

// compareFloat orders a before b (-1), after (1) or alike (0).
func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// qualityCells are a group's figures as the page's and the CSV's cells, in qualityHead's order.
func qualityCells(f intelligence.QualityFigures, csv bool) []string {
	rate := func(r intelligence.Rate, format string) string {
		if !r.Shown {
			return ""
		}
		return fmt.Sprintf(format, r.Value)
	}
	nights := ""
	if !f.Placements.Suppressed {
		nights = strconv.FormatInt(f.Nights, 10)
		if !csv {
			nights = thousands(f.Nights)
		}
	}
	if csv {
		return []string{countText(f.Placements), nights, countText(f.Incidents), countText(f.Missing),
			rate(f.IncidentRate, "%.2f"), rate(f.MissingRate, "%.2f"), countText(f.Starts), countText(f.UnplannedEarly),
			rate(f.UnplannedShare, "%.1f"), countText(f.Invitations), countText(f.Declines), rate(f.DeclineRate, "%.1f"),
			countText(f.Responses), rate(f.MedianResponse, "%.1f")}
	}
	// On the page: a rate with its counts, "not shown" for a rate drawn from a hidden
	// count, and what is missing where there is nothing to count.
	cell := func(r intelligence.Rate, format string, den intelligence.Count, none, counts string) string {
		switch {
		case den == intelligence.Count{}:
			return none
		case !r.Shown:
			return "not shown (" + counts + ")"
		}
		return fmt.Sprintf(format, r.Value) + " (" + counts + ")"
	}
	if nights == "" {
		nights = "not shown"
	}
	hours := cell(f.MedianResponse, "", f.Responses, "no responses", "")
	if f.MedianResponse.Shown {
		hours = hoursText(f.MedianResponse.Value)
	} else if f.Responses.Suppressed {
		hours = "not shown"
	}
	return []string{countText(f.Placements), nights,
		cell(f.IncidentRate, "%.1f", f.Placements, "no placements", countText(f.Incidents)),
		cell(f.MissingRate, "%.1f", f.Placements, "no placements", countText(f.Missing)),
		cell(f.UnplannedShare, "%.0f%%", f.Starts, "no starts", countText(f.UnplannedEarly)+" of "+countText(f.Starts)),
		cell(f.DeclineRate, "%.0f%%", f.Invitations, "no invitations", countText(f.Declines)+" of "+countText(f.Invitations)),
		hours}
}

// thousands is n with its thousands separated by commas, as GOV.UK writes numbers.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// qualityHead is the page's figure columns, in qualityCells's order.
var qualityHead = []string{"Placements", "Placement-nights", "Incidents per 1,000 nights (incidents)", "Missing episodes per 1,000 nights (episodes)",
	"Unplanned endings within 6 months (of starts)", "Declined (of invitations)", "Median time to respond"}

// ratingsText sums up a provider's homes' current Ofsted ratings.
func ratingsText(p intelligence.ProviderQuality) string {
	good := 0
	for _, h := range p.Homes {
		if h.Rating == "outstanding" || h.Rating == "good" {
			good++
		}
	}
	if len(p.Homes) == 1 {
		return kernel.Label(marketplace.Ratings, p.Homes[0].Rating)
	}
	return fmt.Sprintf("%d of %d homes good or outstanding", good, len(p.Homes))
}

// qualityCSV downloads the view: the consortium's row, then each provider's with its homes'.
func (s *Server) qualityCSV(c echo.Context) error {
	q, _, _, fe, err := s.qualityFor(c)
	if err != nil {
		return err
	}
	if fe != nil {
		return fe
	}
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	head := []string{"level", "provider", "home", "ofsted_rating", "from", "to", "placements", "placement_nights", "incidents", "missing_episodes",
		"incidents_per_1000_nights", "missing_per_1000_nights", "starts", "unplanned_within_6_months", "unplanned_percent",
		"invitations", "declines", "decline_percent", "responses", "median_response_hours"}
	if err := w.Write(head...); err != nil {
		return err
	}
	from, to := q.Period.From.Format("2006-01"), q.Period.To.Format("2006-01")
	row := func(level, provider, home, rating string, f intelligence.QualityFigures) error {
		return w.Write(append([]string{level, provider, home, rating, from, to}, qualityCells(f, true)...)...)
	}
	if err := row("consortium", "", "", "", q.QualityFigures); err != nil {
		return err
	}
	for _, p := range q.Providers {
		if err := row("provider", p.Name, "", "", p.QualityFigures); err != nil {
			return err
		}
		for _, h := range p.Homes {
			if err := row("home", p.Name, h.Name, h.Rating, h.QualityFigures); err != nil {
				return err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set("Content-Disposition", `attachment; filename="provider-quality-`+from+`-to-`+to+`.csv"`)
	hd.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// apiQuality answers GET /api/v1/intelligence/quality.
func (s *Server) apiQuality(c echo.Context) error {
	q, _, _, fe, err := s.qualityFor(c)
	if err != nil {
		return err
	}
	if fe != nil {
		return fe
	}
	out := apitypes.ProviderQualityView{AsOf: q.AsOf, UnplannedEndReasons: intelligence.UnplannedEndReasons,
		Consortium: toAPIQuality(q.QualityFigures), Providers: make([]apitypes.ProviderQuality, 0, len(q.Providers))}
	if !q.AsOf.IsZero() {
		out.From, out.To = q.Period.From.Format("2006-01"), q.Period.To.Format("2006-01")
	}
	for _, p := range q.Providers {
		ap := apitypes.ProviderQuality{Id: p.ID, Name: p.Name, Figures: toAPIQuality(p.QualityFigures), Homes: make([]apitypes.HomeQuality, 0, len(p.Homes))}
		for _, h := range p.Homes {
			ap.Homes = append(ap.Homes, apitypes.HomeQuality{Id: h.ID, Name: h.Name, OfstedRating: apitypes.HomeQualityOfstedRating(h.Rating), Figures: toAPIQuality(h.QualityFigures)})
		}
		out.Providers = append(out.Providers, ap)
	}
	return c.JSON(http.StatusOK, out)
}

// toAPIQuality is a group's figures for the API: a rate not shown is absent.
func toAPIQuality(f intelligence.QualityFigures) apitypes.QualityFigures {
	rate := func(r intelligence.Rate) *float64 {
		if !r.Shown {
			return nil
		}
		return ptrTo(r.Value)
	}
	out := apitypes.QualityFigures{Placements: toAPICount(f.Placements), Incidents: toAPICount(f.Incidents), Missing: toAPICount(f.Missing),
		IncidentsPer1000Nights: rate(f.IncidentRate), MissingPer1000Nights: rate(f.MissingRate),
		Starts: toAPICount(f.Starts), UnplannedWithin6Months: toAPICount(f.UnplannedEarly), UnplannedPercent: rate(f.UnplannedShare),
		Invitations: toAPICount(f.Invitations), Declines: toAPICount(f.Declines), DeclinePercent: rate(f.DeclineRate),
		Responses: toAPICount(f.Responses), MedianResponseHours: rate(f.MedianResponse)}
	if !f.Placements.Suppressed {
		out.Nights = ptrTo(f.Nights)
	}
	return out
}
