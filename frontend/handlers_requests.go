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

// The commissioner's side of placement requests: the council's requests, whom each
// reached, the sealed responses, and after the deadline the bids side by side.

// requestList is the council's list of requests: searched by the child's reference,
// filtered by status, sorted by a column.
var requestList = listSpec{Path: "/requests", Noun: [2]string{"request", "requests"},
	Search: "Child's reference", SearchHint: "All or part of it",
	Filters: []listFilter{{Name: "status", Legend: "Status", Options: marketplace.RequestStatuses}},
	Sorts:   marketplace.RequestSorts}

func (s *Server) requestsPage(c echo.Context) error {
	lv := requestList.listPage(c)
	reqs, total, err := s.deps.Requests.ForCouncilList(c.Request().Context(), currentOrg(c).ID, lv.Query)
	if err != nil {
		return err
	}
	ids := idsOf(reqs, func(r marketplace.PlacementRequest) int64 { return r.ID })
	if err := s.auditList(c, "placement_request", ids); err != nil {
		return err
	}
	awards, err := s.deps.Market.LiveAwardStatuses(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	lv = lv.counted(total)
	return s.page(c, lv.status(), "requests", "Placement requests", map[string]any{"Requests": reqs, "Awards": awards, "List": lv, "Pager": lv.Pager}, withForm(lv.Form, lv.Errors))
}

func (s *Server) requestPage(c echo.Context) error {
	return s.renderRequest(c, http.StatusOK, nil)
}

func (s *Server) renderRequest(c echo.Context, status int, fe kernel.FieldErrors) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.deps.Requests.Request(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	names := s.requestFormData(c, &r)
	data := map[string]any{"R": r, "Formula": marketplace.ScoreFormula, "Rules": marketplace.RuleLabels, "LotNames": names["LotNames"], "CouncilNames": names["CouncilNames"]}
	if !r.Status.IsDraft() {
		invited, excluded, err := s.deps.Market.Reach(ctx, id)
		if err != nil {
			return err
		}
		resp, err := s.deps.Market.ResponsesFor(ctx, id, currentOrg(c).ID)
		if err != nil {
			return err
		}
		amendments, err := s.deps.Market.Amendments(ctx, id)
		if err != nil {
			return err
		}
		award, err := s.deps.Market.LiveAward(ctx, id)
		if err != nil {
			return err
		}
		data["Invited"], data["Excluded"], data["Responses"], data["Amendments"], data["Placement"], data["Award"] = invited, excluded, resp, amendments, award.ID, award
		if !resp.Sealed {
			ev, err := s.deps.Market.Evaluate(ctx, id, currentOrg(c).ID)
			if err != nil {
				return err
			}
			data["Evaluation"] = ev
		}
	}
	return s.page(c, status, "request", "Request "+r.ChildRef, data, withForm(nil, fe), withCrumbs(Link{Href: "/requests"}))
}

func (s *Server) submitRequest(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	_, _, err = s.deps.Market.SubmitRequest(c.Request().Context(), id, currentOrg(c).ID)
	var fe kernel.FieldErrors
	if errors.As(err, &fe) {
		return s.renderRequest(c, http.StatusUnprocessableEntity, fe)
	}
	if err != nil {
		return err
	}
	s.flash(c, "The request has been sent to every provider with a home that fits")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", id))
}

// Amendments: once sent, a request changes only by an amendment that invitees see.

func (s *Server) amendPage(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	r, err := s.deps.Requests.Request(c.Request().Context(), id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	form := map[string]string{"needs_detail": r.NeedsDetail, "family_details": r.FamilyDetails}
	if r.DurationWeeks != nil {
		form["duration_weeks"] = strconv.Itoa(*r.DurationWeeks)
	}
	setDateParts(form, "start_date", r.StartDate)
	setDateTimeParts(form, "deadline", r.Deadline)
	return s.renderAmend(c, http.StatusOK, r, form, nil)
}

func (s *Server) renderAmend(c echo.Context, status int, r marketplace.PlacementRequest, form map[string]string, fe kernel.FieldErrors) error {
	if !r.Status.Amendable() {
		s.flash(c, userMessage(marketplace.ErrNotAmendable))
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", r.ID))
	}
	return s.page(c, status, "request_amend", "Amend request "+r.ChildRef, map[string]any{"R": r}, withForm(form, fe))
}

func (s *Server) amend(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.deps.Requests.Request(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	var ch marketplace.AmendChanges
	form, fe, err := s.decodeForm(c, &ch)
	if err != nil {
		return err
	}
	fe = fe.With(ch.Whole())
	if len(fe) == 0 {
		u, _ := currentUser(c)
		_, err = s.deps.Market.AmendRequest(ctx, id, currentOrg(c).ID, u.ID, ch.Onto(r))
		switch {
		case errors.As(err, &fe):
			fe = withFormIDs(fe, &ch)
		case err != nil:
			return err
		}
	}
	if len(fe) > 0 {
		return s.renderAmend(c, http.StatusUnprocessableEntity, r, form, fe)
	}
	s.flash(c, "The request is amended; every invited provider has been told")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", id))
}

// Cancelling: a council cancels its request before award, with a reason the invited
// providers are told.

func (s *Server) cancelRequestPage(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	r, err := s.deps.Requests.Request(c.Request().Context(), id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	return s.renderCancel(c, http.StatusOK, r, map[string]string{}, nil)
}

func (s *Server) renderCancel(c echo.Context, status int, r marketplace.PlacementRequest, form map[string]string, fe kernel.FieldErrors) error {
	if !r.Status.Cancellable() {
		s.flash(c, userMessage(marketplace.ErrNotCancellable))
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", r.ID))
	}
	return s.page(c, status, "request_cancel", "Cancel request "+r.ChildRef, map[string]any{"R": r, "Max": marketplace.MaxCancelReason}, withForm(form, fe))
}

func (s *Server) cancelRequest(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.deps.Requests.Request(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	var in marketplace.CancelInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe == nil {
		u, _ := currentUser(c)
		_, err = s.deps.Market.CancelRequest(ctx, id, currentOrg(c).ID, u.ID, in.Reason)
	}
	switch {
	case errors.Is(err, marketplace.ErrNotCancellable), errors.Is(err, marketplace.ErrRequestCancelled):
		s.flash(c, userMessage(err))
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", id))
	case err != nil && !asFieldErrors(err, &fe):
		return err
	}
	if fe != nil {
		return s.renderCancel(c, http.StatusUnprocessableEntity, r, form, fe)
	}
	s.flash(c, "The request is cancelled; every invited provider has been told")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", id))
}
