package frontend

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/marketplace"
)

// Approvers (the DCS or a nominated officer) approve or refuse their own council's awards
// that a rule sent to them: regulation 11 (out of area and not adjoining, with what it
// asks recorded), the consortium's distance policy, or the price ceiling.

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
	sfx := "_" + c.Param("id")
	answer := func(q string) marketplace.Consultation {
		return marketplace.Consultation{Answer: form[q+sfx], On: isoDate(form, q+"_on"+sfx), Note: form[q+"_note"+sfx]}
	}
	_, err = s.deps.Market.DecideApproval(ctx, id, currentOrg(c).ID, u.ID, marketplace.Decision{Approve: decision == "approve", Reason: form["reason"+sfx],
		Reg11: marketplace.Regulation11Record{Wishes: answer("wishes"), IRO: answer("iro"), Host: answer("host"),
			Emergency: form["emergency"+sfx], EmergencyPlacedOn: isoDate(form, "emergency_placed_on"+sfx)}})
	switch {
	case errors.As(err, &fe):
		for i := range fe {
			fe[i].Field += sfx
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
