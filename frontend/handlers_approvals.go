package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// Approvers (the DCS or a nominated officer) approve or refuse their own council's awards
// that a rule sent to them: regulation 11 (out of area and not adjoining, with what it
// asks recorded), the consortium's distance policy, or the price ceiling. The list shows
// what waits; each award has a decision page with the evidence and the decision form.

func (s *Server) approvalsPage(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	pending, total, err := s.deps.Market.AwaitingApproval(c.Request().Context(), currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "approvals", "Awards waiting for approval", map[string]any{"Pending": pending, "Pager": pg.withTotal(total, "/approvals", c.QueryParams())})
}

// approvalID is the :id of an approval route: the placement awaiting approval.
func approvalID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

func (s *Server) approvalPage(c echo.Context) error {
	return s.renderApproval(c, http.StatusOK, map[string]string{}, nil)
}

// renderApproval is the decision page of one award: the evaluation with the chosen bid
// marked, the reasons on both sides, the rules, the child's history and the form.
func (s *Server) renderApproval(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	id, err := approvalID(c)
	if err != nil {
		return err
	}
	a, err := s.deps.Market.Approval(c.Request().Context(), id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	needs, err := s.needNotes(c.Request().Context(), a.Evaluation.Request.Needs, a.ChosenBid().Bid)
	if err != nil {
		return err
	}
	return s.page(c, status, "approval", fmt.Sprintf("Decide the award for %s", a.ChildRef),
		map[string]any{"A": a, "C": a.ChosenBid(), "Needs": needs, "Formula": marketplace.ScoreFormula}, withForm(form, fe))
}

func (s *Server) decideApproval(c echo.Context) error {
	id, err := approvalID(c)
	if err != nil {
		return err
	}
	var in marketplace.DecisionInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe != nil {
		return s.renderApproval(c, http.StatusUnprocessableEntity, form, fe)
	}
	u, _ := currentUser(c)
	_, err = s.deps.Market.DecideInput(c.Request().Context(), id, currentOrg(c).ID, u.ID, in)
	decision := in.Decision
	switch {
	case errors.As(err, &fe):
		return s.renderApproval(c, http.StatusUnprocessableEntity, form, withFormIDs(fe, &in))
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
