package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// The award step: a bid's detail beside the child's needs, then a confirmation page
// that says before the click whether the award will wait for an approver, and asks
// why when the bid is not the top score.

// scoredBid is the council's closed request (its read audited, as the request page's),
// its evaluation and the bid :bid within it. A bid not on the request, or bids still
// sealed, are not found.
func (s *Server) scoredBid(c echo.Context) (marketplace.PlacementRequest, marketplace.Evaluation, marketplace.Scored, error) {
	var (
		r  marketplace.PlacementRequest
		ev marketplace.Evaluation
		sc marketplace.Scored
	)
	id, err := requestID(c)
	if err != nil {
		return r, ev, sc, err
	}
	bidID, err := strconv.ParseInt(c.Param("bid"), 10, 64)
	if err != nil || bidID <= 0 {
		return r, ev, sc, echo.ErrNotFound
	}
	ctx := c.Request().Context()
	if r, err = s.deps.Requests.Request(ctx, id, currentOrg(c).ID); err != nil {
		return r, ev, sc, err
	}
	if r.Status.Sealed() {
		return r, ev, sc, fmt.Errorf("bid %d: %w", bidID, kernel.ErrNotFound)
	}
	if ev, err = s.deps.Market.Evaluate(ctx, id, currentOrg(c).ID); err != nil {
		return r, ev, sc, err
	}
	for _, b := range ev.Bids {
		if b.Bid.ID == bidID {
			return r, ev, b, nil
		}
	}
	return r, ev, sc, fmt.Errorf("bid %d: %w", bidID, kernel.ErrNotFound)
}

// needNote is one of the child's needs with what the provider said about meeting it.
type needNote struct {
	Need, Note string
	Met        bool
}

// needNotes are the child's needs beside what bid b's provider said about each, and
// whether its home lists the need.
func (s *Server) needNotes(ctx context.Context, childNeeds []string, b marketplace.Bid) ([]needNote, error) {
	notes := map[string]string{}
	if len(b.NeedNotes) > 0 {
		if err := json.Unmarshal(b.NeedNotes, &notes); err != nil {
			return nil, fmt.Errorf("need notes of bid %d: %w", b.ID, err)
		}
	}
	home, err := s.deps.Market.Home(ctx, b.HomeID)
	if err != nil {
		return nil, err
	}
	needs := make([]needNote, len(childNeeds))
	for i, n := range childNeeds {
		needs[i] = needNote{Need: n, Note: notes[n], Met: home.Needs.Has(n)}
	}
	return needs, nil
}

func (s *Server) bidPage(c echo.Context) error {
	r, ev, sc, err := s.scoredBid(c)
	if err != nil {
		return err
	}
	needs, err := s.needNotes(c.Request().Context(), r.Needs, sc.Bid)
	if err != nil {
		return err
	}
	host := sc.HostCouncil
	if host == "" {
		host = currentOrg(c).Name + " (your council)"
	}
	return s.page(c, http.StatusOK, "bid", fmt.Sprintf("Bid %d for %s", sc.Rank, r.ChildRef), map[string]any{
		"R": r, "Ev": ev, "S": sc, "Needs": needs, "Host": host, "Rules": marketplace.RuleLabels, "Formula": marketplace.ScoreFormula},
		withCrumbs(Link{Href: "/requests"}, Link{Text: "Request " + r.ChildRef, Href: fmt.Sprintf("/requests/%d", r.ID)}))
}

func (s *Server) awardConfirmPage(c echo.Context) error {
	return s.renderAwardConfirm(c, http.StatusOK, map[string]string{}, nil)
}

func (s *Server) renderAwardConfirm(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	r, ev, sc, err := s.scoredBid(c)
	if err != nil {
		return err
	}
	if !r.Status.IsClosed() {
		msg := "Only a closed request with no award standing can be awarded."
		switch {
		case r.Status.Awarded():
			msg = userMessage(marketplace.ErrAlreadyAwarded)
		case r.Status.Cancelled():
			msg = userMessage(marketplace.ErrRequestCancelled)
		}
		s.flash(c, msg)
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", r.ID))
	}
	need, err := s.deps.Market.AwardNeeds(c.Request().Context(), r.ID, currentOrg(c).ID, sc.Bid.ID)
	if err != nil {
		return err
	}
	return s.page(c, status, "award_confirm", "Award to "+sc.HomeName, map[string]any{
		"R": r, "Ev": ev, "S": sc, "Need": need, "OutOfAreaReasons": options(marketplace.OutOfAreaReasons)}, withForm(form, fe))
}

func (s *Server) awardConfirmed(c echo.Context) error {
	r, _, sc, err := s.scoredBid(c) // authorised before validated
	if err != nil {
		return err
	}
	in := marketplace.AwardInput{BidID: sc.Bid.ID} // the bid is the page's, never the form's
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	var p marketplace.Placement
	if fe == nil {
		u, _ := currentUser(c)
		p, err = s.deps.Market.AwardConfirmed(c.Request().Context(), r.ID, currentOrg(c).ID, u.ID, in)
	}
	switch {
	case fe != nil:
		return s.renderAwardConfirm(c, http.StatusUnprocessableEntity, form, fe)
	case errors.Is(err, marketplace.ErrBedTaken), errors.Is(err, marketplace.ErrAlreadyAwarded), errors.Is(err, marketplace.ErrBidNotAvailable),
		errors.Is(err, marketplace.ErrRequestCancelled), errors.Is(err, marketplace.ErrNotClosed):
		s.flash(c, userMessage(err))
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", r.ID))
	case errors.As(err, &fe):
		return s.renderAwardConfirm(c, http.StatusUnprocessableEntity, form, fe)
	case err != nil:
		return err
	}
	if p.Status.AwaitingApproval() {
		s.flash(c, "The bed is reserved. The award now waits for your council's approver under: "+strings.Join(p.ApprovalRules(), "; ")+".")
		return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/requests/%d", r.ID))
	}
	s.flash(c, "The placement has been awarded and the bed reserved. The agreement is issued; the providers and the host council have been told.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", p.ID))
}
