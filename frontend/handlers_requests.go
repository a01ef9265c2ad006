package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/marketplace"
)

// The commissioner's side of placement requests: the council's requests, whom each
// reached, the sealed responses, and after the deadline the bids side by side.

func (s *Server) requestsPage(c echo.Context) error {
	reqs, err := commissioning.NewRequests(s.deps.DB.Gorm).ForCouncil(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "requests", "Placement requests", map[string]any{"Requests": reqs})
}

func (s *Server) requestPage(c echo.Context) error {
	return s.renderRequest(c, http.StatusOK, nil)
}

func (s *Server) renderRequest(c echo.Context, status int, fe commissioning.FieldErrors) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := commissioning.NewRequests(s.deps.DB.Gorm).Request(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	data := map[string]any{"R": r, "Formula": marketplace.ScoreFormula, "Rules": marketplace.RuleLabels}
	if r.Status != "draft" {
		invited, excluded, err := s.deps.Market.Reach(ctx, id)
		if err != nil {
			return err
		}
		resp, err := s.deps.Market.ResponsesFor(ctx, id, currentOrg(c).ID)
		if err != nil {
			return err
		}
		data["Invited"], data["Excluded"], data["Responses"] = invited, excluded, resp
		if !resp.Sealed {
			ev, err := s.deps.Market.Evaluate(ctx, id, currentOrg(c).ID)
			if err != nil {
				return err
			}
			data["Evaluation"] = ev
		}
	}
	return s.page(c, status, "request", "Request "+r.ChildRef, data, withForm(nil, fe))
}

func (s *Server) submitRequest(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	_, _, err = s.deps.Market.SubmitRequest(c.Request().Context(), id, currentOrg(c).ID)
	var fe commissioning.FieldErrors
	if errors.As(err, &fe) {
		return s.renderRequest(c, http.StatusUnprocessableEntity, fe)
	}
	if err != nil {
		return err
	}
	s.flash(c, "The request has been sent to every provider with a home that fits")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", id))
}

func (s *Server) award(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	bidID, _ := strconv.ParseInt(form["bid_id"], 10, 64)
	u, _ := currentUser(c)
	p, err := s.deps.Market.Award(c.Request().Context(), id, currentOrg(c).ID, bidID, u.ID)
	switch {
	case errors.Is(err, marketplace.ErrBedTaken), errors.Is(err, marketplace.ErrBidNotAvailable):
		return s.renderRequest(c, http.StatusConflict, commissioning.FieldErrors{{Field: "bid_id", Message: userMessage(err)}})
	case err != nil:
		return err
	}
	if p.Status == "awaiting_approval" {
		s.flash(c, "The bed is reserved. The award now waits for your council's approver, because the placement is distant or above the ceiling.")
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", id))
	}
	s.flash(c, "The placement has been awarded and the bed reserved. The agreement is issued; the providers and the host council have been told.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", p.ID))
}
