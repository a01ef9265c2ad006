package frontend

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/frontend/apitypes"
)

func init() {
	funcs["missingRate"] = rateText
	intelligenceViews = append(intelligenceViews, intelligenceView{Title: "Missing from care", Href: "/intelligence/missing",
		About: "Missing and absent episodes of your councils' children per month, per placing council and per host area: children, return-home interviews offered within 72 hours, and repeat children."})
}

// missingIntelFor is the missing-from-care figures in the signed-in user's scope.
func (s *Server) missingIntelFor(c echo.Context) (intelligence.MissingView, error) {
	scope, err := s.intelligenceScope(c)
	if err != nil {
		return intelligence.MissingView{}, err
	}
	return s.deps.Intelligence.Missing(c.Request().Context(), scope)
}

// missingIntelPage is the consortium's aggregates: never a child's episode.
func (s *Server) missingIntelPage(c echo.Context) error {
	m, err := s.missingIntelFor(c)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "intelligence_missing", "Missing from care", map[string]any{"AsOf": m.AsOf.In(london), "From": m.From, "Rows": m.Rows},
		withCrumbs(Link{Text: "Regional intelligence", Href: "/intelligence"}))
}

// rateText is a percentage, or "not shown" when its counts are hidden or none ended.
func rateText(r *float64) string {
	if r == nil {
		return "not shown"
	}
	return strconv.FormatFloat(*r, 'f', 0, 64) + "%"
}

func (s *Server) missingIntelCSV(c echo.Context) error {
	m, err := s.missingIntelFor(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w := csvsafe.NewWriter(&buf)
	if err := w.Write("month", "group", "name", "episodes", "children", "ended", "rhi_offered_within_72h", "rhi_offered_within_72h_percent", "repeat_children"); err != nil {
		return err
	}
	for _, r := range m.Rows {
		pct := ""
		if r.Rate != nil {
			pct = strconv.FormatFloat(*r.Rate, 'f', 1, 64)
		}
		if err := w.Write(r.Month.Format("2006-01"), r.Group, r.Name, countText(r.Episodes), countText(r.Children), countText(r.Ended),
			countText(r.OfferedInTime), pct, countText(r.RepeatChildren)); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="missing-from-care-`+m.AsOf.In(london).Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// apiMissingIntel answers GET /api/v1/intelligence/missing.
func (s *Server) apiMissingIntel(c echo.Context) error {
	m, err := s.missingIntelFor(c)
	if err != nil {
		return err
	}
	out := apitypes.MissingIntelligence{AsOf: m.AsOf, From: apiDate(m.From), Rows: make([]apitypes.MissingFigures, 0, len(m.Rows))}
	for _, r := range m.Rows {
		out.Rows = append(out.Rows, apitypes.MissingFigures{Month: r.Month.Format("2006-01"), Group: apitypes.MissingFiguresGroup(r.Group), Name: r.Name,
			Episodes: toAPICount(r.Episodes), Children: toAPICount(r.Children), Ended: toAPICount(r.Ended), OfferedInTime: toAPICount(r.OfferedInTime),
			OfferedInTimePercent: r.Rate, RepeatChildren: toAPICount(r.RepeatChildren)})
	}
	return c.JSON(http.StatusOK, out)
}
