package frontend

import (
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

// The provider's side of placement requests: the requests it was invited to, and its
// sealed bid or decline for each.

// invitationList is the requests a provider was invited to: searched by council,
// filtered by the request's status and the outcome, sorted by a column.
var invitationList = listSpec{Path: "/invitations", Noun: [2]string{"request", "requests"},
	Search: "Council", SearchHint: "All or part of its name",
	Filters: []listFilter{{Name: "status", Legend: "Request status", Options: marketplace.RequestStatuses[1:]},
		{Name: "outcome", Legend: "Outcome", Options: marketplace.InvitationOutcomes}},
	Sorts: marketplace.InvitationSorts}

func (s *Server) invitationsPage(c echo.Context) error {
	lv := invitationList.listPage(c)
	invs, total, err := s.deps.Market.InvitationsList(c.Request().Context(), currentOrg(c).ID, lv.Query)
	if err != nil {
		return err
	}
	if err := s.auditList(c, "placement_request", profilesShown(invs)); err != nil {
		return err
	}
	lv = lv.counted(total)
	return s.page(c, lv.status(), "invitations", "Placement requests", map[string]any{"Invitations": invs, "List": lv, "Pager": lv.Pager,
		"Responses": invitationResponses, "Standings": invitationStandings}, withForm(lv.Form, lv.Errors))
}

// homeOptions are the bid form's homes: the matched ones, then the others with the
// rules they fail (offered only as an alternative).
func homeOptions(homes []marketplace.BidHome) (opts [][2]string, others bool) {
	for _, h := range homes {
		label := fmt.Sprintf("%s (%s, %.1f miles from the child's home)", h.Name, h.Outcode, h.Miles)
		if !h.Matched {
			label = fmt.Sprintf("%s (%s): not matched — %s", h.Name, h.Outcode, h.Why())
			others = true
		}
		opts = append(opts, [2]string{strconv.FormatInt(h.HomeID, 10), label})
	}
	return opts, others
}

func (s *Server) invitationData(c echo.Context, inv marketplace.Invitation) (map[string]any, error) {
	ctx := c.Request().Context()
	data := map[string]any{"Inv": inv, "Reasons": options(marketplace.DeclineReasons), "Open": inv.Open() && s.now().Before(inv.Deadline),
		"AlternativeOption": [][2]string{{"yes", "Offer this home as an alternative: the council sees the rules it fails"}}}
	if !inv.Withheld() {
		homes, err := s.deps.Market.BidHomes(ctx, inv.RequestID, currentOrg(c).ID)
		if err != nil {
			return nil, err
		}
		data["Homes"], data["OtherHomes"] = homeOptions(homes)
	}
	if b, err := s.deps.Market.OwnBid(ctx, inv.RequestID, currentOrg(c).ID); err == nil {
		data["Bid"] = b
	}
	if inv.Withheld() {
		return data, nil // amendments tell of the child's profile
	}
	amendments, err := s.deps.Market.Amendments(ctx, inv.RequestID)
	data["Amendments"] = amendments
	return data, err
}

// invitation loads the request in the URL if the provider was invited (404 otherwise).
func (s *Server) invitation(c echo.Context) (marketplace.Invitation, error) {
	id, err := requestID(c)
	if err != nil {
		return marketplace.Invitation{}, err
	}
	return s.deps.Market.InvitationFor(c.Request().Context(), id, currentOrg(c).ID)
}

func (s *Server) invitationPage(c echo.Context) error {
	inv, err := s.invitation(c)
	if err != nil {
		return err
	}
	form := map[string]string{"notice_days": "28"}
	if b, err := s.deps.Market.OwnBid(c.Request().Context(), inv.RequestID, currentOrg(c).ID); err == nil && b.Status.IsActive() {
		form = map[string]string{"home_id": strconv.FormatInt(b.HomeID, 10), "weekly_fee": penceField(b.WeeklyFeePence),
			"one_to_one_hours": strconv.Itoa(b.OneToOneHours), "one_to_one_rate": penceField(b.OneToOneRatePence),
			"education": penceField(b.EducationPence), "notice_days": strconv.Itoa(b.NoticeDays), "justification": b.Justification}
		setDateParts(form, "earliest_start", &b.EarliestStart)
		var notes map[string]string
		if len(b.NeedNotes) > 0 {
			if err := json.Unmarshal(b.NeedNotes, &notes); err != nil {
				return fmt.Errorf("bid %d need notes: %w", b.ID, err)
			}
		}
		for need, note := range notes {
			form["note_"+need] = note
		}
		if b.Alternative {
			form["alternative"] = "yes"
		}
	} else if len(inv.HomeIDs) == 1 {
		form["home_id"] = strconv.FormatInt(inv.HomeIDs[0], 10)
	}
	return s.renderInvitation(c, inv, http.StatusOK, form, nil)
}

// renderInvitation shows an invitation page, with a form's values and problems if any.
func (s *Server) renderInvitation(c echo.Context, inv marketplace.Invitation, status int, form map[string]string, fe kernel.FieldErrors) error {
	data, err := s.invitationData(c, inv)
	if err != nil {
		return err
	}
	return s.page(c, status, "invitation", "Placement request", data, withForm(form, fe))
}

func penceField(p kernel.Pence) string {
	return strings.TrimPrefix(strings.ReplaceAll(p.String(), ",", ""), "£")
}

// bid places or changes the provider's bid from the form: the API's input, decoded
// from the form and checked by the same rules, every problem shown at once.
func (s *Server) bid(c echo.Context) error {
	inv, err := s.invitation(c)
	if err != nil {
		return err
	}
	var in marketplace.BidInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe == nil {
		_, err = s.deps.Market.SubmitBid(c.Request().Context(), inv.RequestID, currentOrg(c).ID, in)
		switch {
		case errors.Is(err, marketplace.ErrBiddingClosed):
			fe = kernel.FieldErrors{{Field: "weekly_fee_pence", FormID: "weekly_fee", Code: kernel.CodeOf(err), Message: "The deadline has passed: your bid was not accepted"}}
		case err != nil && !asFieldErrors(err, &fe):
			return err
		}
	}
	if fe != nil {
		return s.renderInvitation(c, inv, http.StatusUnprocessableEntity, form, withFormIDs(fe, &in))
	}
	s.flash(c, "Your bid has been sent. It stays sealed until the deadline; you can change or withdraw it until then.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/invitations/%d", inv.RequestID))
}

func (s *Server) withdraw(c echo.Context) error {
	inv, err := s.invitation(c)
	if err != nil {
		return err
	}
	if err := s.deps.Market.WithdrawBid(c.Request().Context(), inv.RequestID, currentOrg(c).ID); err != nil {
		return err
	}
	s.flash(c, "Your bid has been withdrawn")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/invitations/%d", inv.RequestID))
}

func (s *Server) decline(c echo.Context) error {
	inv, err := s.invitation(c)
	if err != nil {
		return err
	}
	var in marketplace.DeclineInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe == nil {
		if err := s.deps.Market.Decline(c.Request().Context(), inv.RequestID, currentOrg(c).ID, in); err != nil && !asFieldErrors(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.renderInvitation(c, inv, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "You have declined this request. Thank you for saying why: councils use declines to plan sufficiency.")
	return c.Redirect(http.StatusSeeOther, "/invitations")
}
