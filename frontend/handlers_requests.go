package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// The commissioner's side of placement requests: the council's requests, whom each
// reached, the sealed responses, and after the deadline the bids side by side.

func (s *Server) requestsPage(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	// ?status= (codes) narrows the list, as the home page's work queue links it.
	f := marketplace.RequestFilter{Statuses: queryCodes(c, "status")}
	reqs, total, err := s.deps.Requests.ForCouncilWhere(c.Request().Context(), currentOrg(c).ID, f, pg.rows())
	if err != nil {
		return err
	}
	if err := s.auditList(c, "placement_request", idsOf(reqs, func(r marketplace.PlacementRequest) int64 { return r.ID })); err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "requests", "Placement requests", map[string]any{"Requests": reqs, "Pager": pg.counted(c, total)})
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
	data := map[string]any{"R": r, "Formula": marketplace.ScoreFormula, "Rules": marketplace.RuleLabels}
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

func (s *Server) award(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	var in marketplace.AwardInput
	_, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe != nil {
		return s.renderRequest(c, http.StatusUnprocessableEntity, fe)
	}
	u, _ := currentUser(c)
	// The same rules as the confirmation page: a bid that is not the top score needs a reason.
	p, err := s.deps.Market.AwardConfirmed(c.Request().Context(), id, currentOrg(c).ID, in.BidID, u.ID, in.Reason)
	switch {
	case errors.Is(err, marketplace.ErrBedTaken):
		return s.renderRequest(c, http.StatusConflict, kernel.FieldErrors{{Field: "bid_id", Code: kernel.CodeOf(err), Message: userMessage(err)}})
	case errors.As(marketplace.AwardError(err), &fe):
		return s.renderRequest(c, http.StatusConflict, fe)
	case err != nil:
		return err
	}
	if p.Status.AwaitingApproval() {
		s.flash(c, "The bed is reserved. The award now waits for your council's approver under: "+strings.Join(p.ApprovalRules(), "; ")+".")
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", id))
	}
	s.flash(c, "The placement has been awarded and the bed reserved. The agreement is issued; the providers and the host council have been told.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", p.ID))
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
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	var fe kernel.FieldErrors
	in := marketplace.AmendInput{NeedsDetail: form["needs_detail"], FamilyDetails: form["family_details"], Reason: form["reason"]}
	if d, msg := dateParts(form, "start_date", "The start date"); d != nil {
		in.StartDate = *d
	} else {
		fe.Add("start_date-day", firstNonEmpty(msg, "Enter the date the placement should start"))
	}
	if n, err := strconv.Atoi(strings.TrimSpace(form["duration_weeks"])); err == nil {
		in.DurationWeeks = n
	} else {
		fe.Add("duration_weeks", "Enter the expected duration in weeks, like 26")
	}
	if r.Status.IsOpen() {
		in.Deadline = dateTimeParts(form, "deadline", "The response deadline", "Enter the date by which providers must respond", &fe)
	}
	u, _ := currentUser(c)
	if len(fe) == 0 {
		_, err = s.deps.Market.AmendRequest(ctx, id, currentOrg(c).ID, u.ID, in)
		switch {
		case errors.As(err, &fe):
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
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	u, _ := currentUser(c)
	_, err = s.deps.Market.CancelRequest(ctx, id, currentOrg(c).ID, u.ID, form["reason"])
	var fe kernel.FieldErrors
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
