package frontend

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// Approvers (the DCS or a nominated officer) approve or refuse their own council's awards
// that a rule sent to them: regulation 11 (out of area and not adjoining, with what it
// asks recorded), the consortium's distance policy, or the price ceiling.

func (s *Server) approvalsPage(c echo.Context) error {
	return s.renderApprovals(c, http.StatusOK, nil, nil)
}

func (s *Server) renderApprovals(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	pending, total, err := s.deps.Market.AwaitingApproval(c.Request().Context(), currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	return s.page(c, status, "approvals", "Awards waiting for approval", map[string]any{"Pending": pending, "Pager": pg.withTotal(total, "/approvals", c.QueryParams())},
		withForm(form, fe))
}

func (s *Server) decideApproval(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	// The page has a form per award: its fields end in the placement's id.
	sfx := "_" + c.Param("id")
	var in marketplace.DecisionInput
	form, fe, err := s.decodeFormSuffixed(c, &in, sfx)
	if err != nil {
		return err
	}
	if fe != nil {
		return s.renderApprovals(c, http.StatusUnprocessableEntity, form, fe)
	}
	u, _ := currentUser(c)
	_, err = s.deps.Market.DecideInput(c.Request().Context(), id, currentOrg(c).ID, u.ID, in)
	decision := in.Decision
	switch {
	case errors.As(err, &fe):
		return s.renderApprovals(c, http.StatusUnprocessableEntity, form, withFormIDsSuffixed(fe, &in, sfx))
	case errors.Is(err, marketplace.ErrNotAwaiting):
		s.flash(c, "That award had already been decided")
	case err != nil:
		return err
	case decision == "approve":
		s.flash(c, "The award is approved")
	default:
		s.flash(c, "The award is refused; the bed has been released and the commissioner can award another bid")
	}
	return c.Redirect(http.StatusSeeOther, "/approvals")
}
