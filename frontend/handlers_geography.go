package frontend

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// The consortium's geography: the councils it treats as adjoining for the distant
// placement rule (reg. 11) although their ONS boundaries do not meet.

func (s *Server) geographyPage(c echo.Context) error {
	return s.renderGeography(c, http.StatusOK, nil, nil)
}

func (s *Server) renderGeography(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	list, err := s.deps.Market.AdjacencyOverrides(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	var councils [][2]string
	for _, co := range geo.Councils() {
		councils = append(councils, [2]string{co.ONSCode, co.Name})
	}
	names := map[int64][2]string{}
	for _, o := range list {
		a, b := o.Names()
		names[o.ID] = [2]string{a, b}
	}
	return s.page(c, status, "admin_geography", "Adjoining councils", map[string]any{"Overrides": list, "Names": names, "Councils": councils}, withForm(form, fe))
}

func (s *Server) addAdjacencyOverride(c echo.Context) error {
	var in marketplace.NewAdjacencyOverride
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	var o marketplace.AdjacencyOverride
	if fe == nil {
		u, _ := currentUser(c)
		o, err = s.deps.Market.AddAdjacencyOverride(c.Request().Context(), currentOrg(c).ID, u.ID, in)
		if err != nil && !asFieldErrors(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.renderGeography(c, http.StatusUnprocessableEntity, form, fe)
	}
	a, b := o.Names()
	s.flash(c, a+" and "+b+" now count as adjoining for your consortium's placements")
	return c.Redirect(http.StatusSeeOther, "/admin/geography")
}

func (s *Server) removeAdjacencyOverride(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	if err := s.deps.Market.RemoveAdjacencyOverride(c.Request().Context(), currentOrg(c).ID, id); err != nil {
		return err
	}
	s.flash(c, "The override has been removed: those councils adjoin only if their boundaries meet")
	return c.Redirect(http.StatusSeeOther, "/admin/geography")
}

func toAPIAdjacencyOverride(o marketplace.AdjacencyOverride) apitypes.AdjacencyOverride {
	a, b := o.Names()
	return apitypes.AdjacencyOverride{Id: o.ID, CouncilA: o.ONSA, CouncilAName: a, CouncilB: o.ONSB, CouncilBName: b, Reason: o.Reason, CreatedAt: o.CreatedAt}
}

func (s *Server) apiAdjacencyOverrides(c echo.Context) error {
	list, err := s.deps.Market.AdjacencyOverrides(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	out := apitypes.ListAdjacencyOverridesResponse{Overrides: make([]apitypes.AdjacencyOverride, len(list))}
	for i, o := range list {
		out.Overrides[i] = toAPIAdjacencyOverride(o)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiAddAdjacencyOverride(c echo.Context) error {
	var req marketplace.NewAdjacencyOverride
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	o, err := s.deps.Market.AddAdjacencyOverride(c.Request().Context(), currentOrg(c).ID, u.ID, req)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/adjacency-overrides") // listed there; there is no GET of one override
	return c.JSON(http.StatusCreated, toAPIAdjacencyOverride(o))
}

func (s *Server) apiRemoveAdjacencyOverride(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	if err := s.deps.Market.RemoveAdjacencyOverride(c.Request().Context(), currentOrg(c).ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
