package frontend

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/frontend/apitypes"
)

func init() {
	intelligenceViews = append(intelligenceViews, intelligenceView{Title: "Time to place", Href: "/intelligence/time-to-place",
		About: "How long placing takes: from a request's submission to its award, and from the award to the child's start, as the median and the 90th percentile, by lot and urgency."})
	funcs["hoursText"] = hoursText
}

// timeToPlaceFor is the time-to-place figures in the signed-in user's scope.
func (s *Server) timeToPlaceFor(c echo.Context) (intelligence.TimeToPlace, error) {
	scope, err := s.intelligenceScope(c)
	if err != nil {
		return intelligence.TimeToPlace{}, err
	}
	return s.deps.Intelligence.TimeToPlace(c.Request().Context(), scope)
}

// timeToPlace is the time-to-place view: its chart and tables, the CSV and the API.
func (s *Server) timeToPlace(c echo.Context) error {
	t, err := s.timeToPlaceFor(c)
	if err != nil {
		return err
	}
	var groups []timeGroup
	for _, who := range []string{"council", "consortium"} {
		var rows []intelligence.PlaceTime
		for _, r := range t.Rows {
			if r.Who == who {
				rows = append(rows, r)
			}
		}
		if len(rows) == 0 {
			continue
		}
		title := "Your consortium"
		if who == "council" {
			title = "Your council"
		}
		groups = append(groups, timeGroup{Title: title, Rows: rows, Chart: timeChart(title, rows)})
	}
	return s.page(c, http.StatusOK, "intelligence_time_to_place", "Time to place", map[string]any{
		"AsOf": t.AsOf.In(london), "From": t.From.In(london), "Groups": groups})
}

// timeGroup is the council's or the consortium's figures, with their chart.
type timeGroup struct {
	Title string
	Rows  []intelligence.PlaceTime
	Chart template.HTML
}

// urgency names a request's urgency.
func urgency(emergency bool) string {
	if emergency {
		return "Emergency"
	}
	return "Planned"
}

// hoursText is a duration in hours as people read it: hours under two days, else days.
func hoursText(h float64) string {
	if h < 48 {
		return fmt.Sprintf("%.1f hours", h)
	}
	return fmt.Sprintf("%.1f days", h/24)
}

// timeChart draws each lot and urgency's hours from submission to award as a bar to
// the median with a lighter bar on to the 90th percentile, as inline SVG with a text
// alternative; the table beside it carries the same figures.
func timeChart(title string, rows []intelligence.PlaceTime) template.HTML {
	var top float64
	var shown []intelligence.PlaceTime
	for _, r := range rows {
		if !r.Awards.Suppressed && r.Awards.N > 0 {
			shown = append(shown, r)
			top = max(top, r.AwardP90)
		}
	}
	if len(shown) == 0 || top == 0 {
		return ""
	}
	// Each row: its name above a bar to the median and a lighter bar on to the 90th
	// percentile, so that long lot names fit a phone's width.
	const w, rowH = 480.0, 46.0
	h := rowH * float64(len(shown))
	scale := (w - 4) / top
	var alt []string
	var b strings.Builder
	for i, r := range shown {
		name := r.Lot + ", " + strings.ToLower(urgency(r.Emergency))
		alt = append(alt, fmt.Sprintf("%s: median %s, 90th percentile %s", name, hoursText(r.AwardMedian), hoursText(r.AwardP90)))
		y := float64(i) * rowH
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="16" fill="#0b0c0c">%s</text>`, y+16, template.HTMLEscapeString(name))
		fmt.Fprintf(&b, `<rect x="0" y="%.1f" width="%.1f" height="18" fill="#9fc5e8"/>`, y+22, r.AwardP90*scale)
		fmt.Fprintf(&b, `<rect x="0" y="%.1f" width="%.1f" height="18" fill="#1d70b8"/>`, y+22, r.AwardMedian*scale)
	}
	label := title + ", request submitted to award: " + strings.Join(alt, "; ")
	return template.HTML(fmt.Sprintf(`<svg viewBox="0 0 %.0f %.0f" width="100%%" class="hearth-bars" role="img" aria-label="%s" data-testid="time-chart">%s</svg>`+
		`<ul class="govuk-list hearth-legend"><li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="#1d70b8"/></svg> median</li>`+
		`<li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="#9fc5e8"/></svg> 90th percentile</li></ul>`,
		w, h, template.HTMLEscapeString(label), b.String()))
}

// countText is a count of children as the pages show it: "fewer than 5" when
// suppressed, "not shown" when hidden only so that a total cannot give another away.
func countText(n intelligence.Count) string {
	switch {
	case n.Secondary:
		return "not shown"
	case n.Suppressed:
		return "fewer than 5"
	}
	return strconv.FormatInt(n.N, 10)
}

// timeToPlaceCSV downloads the time-to-place figures.
func (s *Server) timeToPlaceCSV(c echo.Context) error {
	t, err := s.timeToPlaceFor(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	if err := w.Write("scope", "lot", "urgency", "awards", "award_median_hours", "award_p90_hours", "started", "start_median_days", "start_p90_days"); err != nil {
		return err
	}
	num := func(ok bool, v float64) string {
		if !ok {
			return ""
		}
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	for _, r := range t.Rows {
		a, st := !r.Awards.Suppressed && r.Awards.N > 0, !r.Started.Suppressed && r.Started.N > 0
		if err := w.Write(r.Who, r.Lot, strings.ToLower(urgency(r.Emergency)), countText(r.Awards), num(a, r.AwardMedian), num(a, r.AwardP90),
			countText(r.Started), num(st, r.StartMedian), num(st, r.StartP90)); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="time-to-place-`+t.AsOf.In(london).Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// apiTimeToPlace answers GET /api/v1/intelligence/time-to-place.
func (s *Server) apiTimeToPlace(c echo.Context) error {
	t, err := s.timeToPlaceFor(c)
	if err != nil {
		return err
	}
	out := apitypes.TimeToPlace{AsOf: t.AsOf, From: t.From, Rows: make([]apitypes.PlaceTime, 0, len(t.Rows))}
	for _, r := range t.Rows {
		p := apitypes.PlaceTime{Scope: apitypes.PlaceTimeScope(r.Who), Lot: r.Lot, Emergency: r.Emergency,
			Awards: toAPICount(r.Awards), Started: toAPICount(r.Started)}
		if !r.Awards.Suppressed && r.Awards.N > 0 {
			p.AwardMedianHours, p.AwardP90Hours = ptrTo(r.AwardMedian), ptrTo(r.AwardP90)
		}
		if !r.Started.Suppressed && r.Started.N > 0 {
			p.StartMedianDays, p.StartP90Days = ptrTo(r.StartMedian), ptrTo(r.StartP90)
		}
		out.Rows = append(out.Rows, p)
	}
	return c.JSON(http.StatusOK, out)
}

// toAPICount is a count for the API: suppressed counts have no number.
func toAPICount(n intelligence.Count) apitypes.SuppressedCount {
	out := apitypes.SuppressedCount{Suppressed: n.Suppressed}
	if !n.Suppressed {
		out.N = ptrTo(n.N)
	}
	return out
}
