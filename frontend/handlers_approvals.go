package frontend

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/marketplace"
)

// Approvers (the DCS or a delegate) approve or refuse distant or over-ceiling awards of
// their own council.

func (s *Server) approvalsPage(c echo.Context) error {
	return s.renderApprovals(c, http.StatusOK, nil, nil)
}

func (s *Server) renderApprovals(c echo.Context, status int, form map[string]string, fe commissioning.FieldErrors) error {
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
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	field := "decision_" + c.Param("id")
	var fe commissioning.FieldErrors
	decision := form[field]
	if decision != "approve" && decision != "refuse" {
		fe.Add(field, "Select approve or refuse")
		return s.renderApprovals(c, http.StatusUnprocessableEntity, form, fe)
	}
	u, _ := currentUser(c)
	ctx := c.Request().Context()
	_, err = s.deps.Market.DecideAward(ctx, id, currentOrg(c).ID, u.ID, decision == "approve", form["reason_"+c.Param("id")])
	switch {
	case errors.As(err, &fe):
		for i := range fe {
			fe[i].Field = "reason_" + c.Param("id")
		}
		return s.renderApprovals(c, http.StatusUnprocessableEntity, form, fe)
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
