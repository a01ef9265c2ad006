package frontend

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
)

// intelligenceView is one of the regional intelligence views, as the index lists it.
type intelligenceView struct {
	Title, Href, About string
}

// intelligenceViews are the regional intelligence views, in the index's order. Each has
// its page (a chart with its data table), a CSV and an API route.
var intelligenceViews = []intelligenceView{
	{Title: "Out of area", Href: "/intelligence/out-of-area",
		About: "Where each council's children are placed: in its own area, next door or further away; the share within 20 miles, how far, and which councils place into which."},
	{Title: "Sufficiency", Href: "/intelligence/sufficiency", About: "Demand against supply by lot, need, age, sex and area, month by month; beds registered and free; a 12-month projection of demand; and a one-page summary for your sufficiency strategy."},
}

// intelligenceScope is the scope of the signed-in user's organisation: its consortium,
// or its council beside its consortium (403 for anyone else).
func (s *Server) intelligenceScope(c echo.Context) (intelligence.Scope, error) {
	return s.deps.Intelligence.ScopeFor(c.Request().Context(), currentOrg(c).ID)
}

// intelligenceIndex lists the views.
func (s *Server) intelligenceIndex(c echo.Context) error {
	if _, err := s.intelligenceScope(c); err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "intelligence", "Regional intelligence", map[string]any{"Views": intelligenceViews})
}
