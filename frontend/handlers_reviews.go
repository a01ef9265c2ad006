package frontend

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// The placing council records the statutory reviews it held (Care Planning, Placement
// and Case Review (England) Regulations 2010, reg. 33); the next due date follows.

func (s *Server) recordReview(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var in marketplace.NewReview
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe != nil {
		return s.renderPlacement(c, http.StatusUnprocessableEntity, form, fe)
	}
	u, _ := currentUser(c)
	_, err = s.deps.Market.RecordReview(c.Request().Context(), id, currentOrg(c).ID, u.ID, in)
	switch {
	case errors.As(err, &fe):
		return s.renderPlacement(c, http.StatusUnprocessableEntity, form, withFormIDs(fe, &in))
	case err != nil:
		return err
	}
	s.flash(c, "The review is recorded; the next review date has moved on")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", id))
}

func toAPIReviews(rs []marketplace.Review) []apitypes.Review {
	out := make([]apitypes.Review, 0, len(rs))
	for _, r := range rs {
		out = append(out, apitypes.Review{Id: r.ID, HeldOn: apiDate(r.HeldOn), Notes: r.Notes})
	}
	return out
}

func (s *Server) apiRecordReview(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var in marketplace.NewReview
	if err := readJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if _, err := s.deps.Market.RecordReview(c.Request().Context(), id, currentOrg(c).ID, u.ID, in); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/placements/%d", id))
	return s.placementReply(c, http.StatusCreated)
}
