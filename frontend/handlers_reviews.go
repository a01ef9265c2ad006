package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// The placing council records the statutory reviews it held (Care Planning, Placement
// and Case Review (England) Regulations 2010, reg. 33); the next due date follows.

// isoDate turns a GOV.UK date input (name-day, -month, -year) into YYYY-MM-DD for the
// domain to check, "" when all three are empty. A part that is not a number leaves a
// string the domain refuses as not a real date.
func isoDate(form map[string]string, name string) string {
	d, m, y := strings.TrimSpace(form[name+"-day"]), strings.TrimSpace(form[name+"-month"]), strings.TrimSpace(form[name+"-year"])
	if d == "" && m == "" && y == "" {
		return ""
	}
	dn, e1 := strconv.Atoi(d)
	mn, e2 := strconv.Atoi(m)
	yn, e3 := strconv.Atoi(y)
	if e1 != nil || e2 != nil || e3 != nil {
		return "not a date"
	}
	return fmt.Sprintf("%04d-%02d-%02d", yn, mn, dn)
}

// dayFields renames the domain's date fields to their date inputs' day boxes.
func dayFields(fe commissioning.FieldErrors, names ...string) commissioning.FieldErrors {
	for i := range fe {
		for _, n := range names {
			if fe[i].Field == n {
				fe[i].Field = n + "-day"
			}
		}
	}
	return fe
}

func (s *Server) recordReview(c echo.Context) error {
	id, form, err := placementForm(c)
	if err != nil {
		return err
	}
	u, _ := currentUser(c)
	_, err = s.deps.Market.RecordReview(c.Request().Context(), id, currentOrg(c).ID, u.ID, marketplace.NewReview{HeldOn: isoDate(form, "held_on"), Notes: form["notes"]})
	var fe commissioning.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.renderPlacement(c, http.StatusUnprocessableEntity, form, dayFields(fe, "held_on"))
	case err != nil:
		return err
	}
	s.flash(c, "The review is recorded; the next review date has moved on")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", id))
}

type reviewRequest struct {
	HeldOn string `json:"held_on" validate:"required,datetime=2006-01-02"`
	Notes  string `json:"notes" validate:"max=4000"`
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
	var req reviewRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if _, err := s.deps.Market.RecordReview(c.Request().Context(), id, currentOrg(c).ID, u.ID, marketplace.NewReview{HeldOn: req.HeldOn, Notes: req.Notes}); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/placements/%d", id))
	return s.placementReply(c, http.StatusCreated)
}
