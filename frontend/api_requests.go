package frontend

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// The placement request API: councils write, submit and award requests; invited
// providers read them (pseudonymised), bid, revise, withdraw and decline.

func requestID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// toAPIInvitation is a request as an invited provider sees it; after a final award to
// someone else, without the child's profile and homes.
func (s *Server) toAPIInvitation(c echo.Context, inv marketplace.Invitation) apitypes.Invitation {
	out := apitypes.Invitation{RequestId: inv.RequestID, Council: inv.CouncilName, Status: apitypes.InvitationStatus(inv.Status),
		Outcome: apitypes.InvitationOutcome(inv.Outcome), LotId: inv.LotID, StartDate: apiDate(inv.StartDate), Deadline: inv.Deadline,
		Emergency: inv.Emergency, Homes: []apitypes.InvitationHome{}, CancelReason: inv.CancelReason}
	if inv.Withheld() {
		return out
	}
	// The pseudonymised child the invitation is about: every field the request shows
	// invited providers, by its API name (a new one needs no change here).
	if raw, err := json.Marshal(inv.Shown()); err == nil {
		_ = json.Unmarshal(raw, &out) // the spec's Invitation holds every `invited` field (TestInvitationShowsEveryInvitedField)
	}
	out.Needs = ptrTo(nonNil([]string(inv.Profile.Needs)))
	for _, id := range inv.HomeIDs {
		if h, err := s.deps.Market.Home(c.Request().Context(), id); err == nil {
			m := geo.Miles(geo.Point{Lat: inv.HomeLat, Lon: inv.HomeLon}, geo.Point{Lat: h.Lat, Lon: h.Lon})
			out.Homes = append(out.Homes, apitypes.InvitationHome{HomeId: id, Miles: float64(int(m*10+0.5)) / 10})
		}
	}
	return out
}

func (s *Server) apiInvitations(c echo.Context) error {
	lv, err := invitationAPIList.listAPI(c)
	if err != nil {
		return err
	}
	invs, total, err := s.deps.Market.InvitationsList(c.Request().Context(), currentOrg(c).ID, lv.Query)
	if err != nil {
		return err
	}
	pg := lv.counted(total).Pager
	if err := s.auditList(c, "placement_request", profilesShown(invs)); err != nil {
		return err
	}
	out := apitypes.ListInvitationsResponse{Invitations: make([]apitypes.Invitation, 0, len(invs)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for _, inv := range invs {
		out.Invitations = append(out.Invitations, s.toAPIInvitation(c, inv))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiInvitation(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	inv, err := s.deps.Market.InvitationFor(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	out := s.toAPIInvitation(c, inv)
	if !inv.Withheld() {
		homes, err := s.deps.Market.BidHomes(ctx, id, currentOrg(c).ID)
		if err != nil {
			return err
		}
		// The provider's homes matching did not find for the request, with the rules each
		// fails: they can be offered only as an alternative (one invitation only).
		var others []apitypes.InvitationOtherHome
		for _, h := range homes {
			if h.Matched {
				continue
			}
			o := apitypes.InvitationOtherHome{HomeId: h.HomeID, Name: h.Name, Miles: math.Round(h.Miles*10) / 10, Why: h.Why(), FailedRules: []string{}}
			for _, f := range h.Failures {
				o.FailedRules = append(o.FailedRules, f.Rule)
			}
			others = append(others, o)
		}
		out.OtherHomes = optionalSlice(others)
	}
	return c.JSON(http.StatusOK, out)
}

func toAPIBid(b marketplace.Bid) apitypes.Bid {
	out := apitypes.Bid{Id: b.ID, RequestId: b.RequestID, HomeId: b.HomeID, Status: apitypes.BidStatus(b.Status), EarliestStart: apiDate(b.EarliestStart),
		WeeklyFeePence: int64(b.WeeklyFeePence), TotalWeeklyPence: int64(b.TotalWeekly()), NoticeDays: b.NoticeDays, Justification: b.Justification,
		Revision: b.Revision, UpdatedAt: b.UpdatedAt, Alternative: ptrTo(b.Alternative),
		AlternativeRules: ptrTo(enums[apitypes.AlternativeRule](b.AlternativeRules))}
	if b.Alternative {
		out.AlternativeReason = optional(marketplace.AlternativeLabel(b.AlternativeDetail))
	}
	return out
}

// apiBid places or revises the provider's sealed bid; after the deadline (by the
// database clock) it is refused with 409.
func (s *Server) apiPutBid(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	var in marketplace.BidInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	b, err := s.deps.Market.SubmitBid(c.Request().Context(), id, currentOrg(c).ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIBid(b))
}

func (s *Server) apiWithdrawBid(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	if err := s.deps.Market.WithdrawBid(c.Request().Context(), id, currentOrg(c).ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiDecline(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	var in marketplace.DeclineInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.deps.Market.Decline(c.Request().Context(), id, currentOrg(c).ID, in); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// newRequest is POST /api/v1/requests: the request form's three pages in one object.
type newRequest struct {
	marketplace.RequestChild
	marketplace.RequestNeeds
	marketplace.RequestPlacement
}

// apiCreateRequest saves a council's draft request (submit it separately). Its body is
// the form's three page inputs, validated as the pages are: every problem at once.
func (s *Server) apiCreateRequest(c echo.Context) error {
	var in newRequest
	if err := readJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r := marketplace.PlacementRequest{CouncilID: currentOrg(c).ID, CreatedBy: &u.ID}
	fe := append(append(s.check(&in.RequestChild), s.check(&in.RequestNeeds)...), s.check(&in.RequestPlacement)...)
	in.RequestChild.Apply(&r)
	in.RequestNeeds.Apply(&r)
	fe = fe.Merge(in.RequestPlacement.Apply(&r)).Merge(in.RequestChild.Check(s.now())).Merge(in.RequestPlacement.Check())
	if fe != nil {
		return fe
	}
	if err := s.deps.Requests.SaveDraft(c.Request().Context(), &r); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/requests/%d", r.ID))
	return c.JSON(http.StatusCreated, apitypes.CreateRequestResponse{Id: r.ID, Status: string(r.Status)})
}

// apiSubmitRequest submits a draft and says whom it invited and why others were not.
func (s *Server) apiSubmitRequest(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, res, err := s.deps.Market.SubmitRequest(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	out := apitypes.Submission{Id: r.ID, Status: string(r.Status), Invited: []apitypes.SubmissionInvited{}, Excluded: []apitypes.SubmissionExcluded{}}
	for p, homes := range res.Invited {
		o, _ := s.deps.Orgs.Organisation(ctx, p)
		out.Invited = append(out.Invited, apitypes.SubmissionInvited{ProviderId: p, Provider: o.Name, Homes: len(homes)})
	}
	for p, ex := range res.Excluded {
		o, _ := s.deps.Orgs.Organisation(ctx, p)
		out.Excluded = append(out.Excluded, apitypes.SubmissionExcluded{ProviderId: p, Provider: o.Name, Rule: ex.Rule, Reason: marketplace.RuleLabels[ex.Rule],
			Detail: ex.Detail})
	}
	return c.JSON(http.StatusOK, out)
}

// apiRequest returns a council's own request and its responses: counts only while bids
// are sealed, the bids themselves once the request has closed.
func (s *Server) apiRequest(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.deps.Requests.Request(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	resp, err := s.deps.Market.ResponsesFor(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	out := apitypes.RequestWithResponses{Id: r.ID, Status: string(r.Status), ChildRef: r.ChildRef, Deadline: r.Deadline, CancelReason: r.CancelReason,
		Responses: apitypes.ProviderResponse{Sealed: resp.Sealed, Bids: resp.Bids, Declines: resp.Declines}, Bids: []apitypes.Bid{}}
	for _, b := range resp.List {
		out.Bids = append(out.Bids, toAPIBid(b))
	}
	return c.JSON(http.StatusOK, out)
}

// apiCancelRequest cancels a council's own request before award, with a reason the
// invited providers are told: 200 with the request, 409 once awarded or cancelled.
func (s *Server) apiCancelRequest(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.Requests.Request(c.Request().Context(), id, currentOrg(c).ID); err != nil {
		return err // authorised before validated
	}
	var in marketplace.CancelInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Market.CancelRequest(c.Request().Context(), id, currentOrg(c).ID, u.ID, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitypes.Cancellation{Id: r.ID, Status: apitypes.CancellationStatus(r.Status), CancelReason: derefOr(r.CancelReason, ""),
		CancelledAt: derefOr(r.CancelledAt, time.Time{})})
}

// apiAward awards a bid: 201 with the placement, or 409 if another award took the bed.
func (s *Server) apiAward(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	var in marketplace.AwardInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	p, err := s.deps.Market.AwardConfirmed(c.Request().Context(), id, currentOrg(c).ID, u.ID, in)
	if err != nil {
		return marketplace.AwardError(err)
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/placements/%d", p.ID))
	return c.JSON(http.StatusCreated, apitypes.Award{PlacementId: p.ID, Status: apitypes.AwardStatus(p.Status),
		ApprovalReasons: enums[apitypes.AwardApprovalReasons](p.ApprovalReasons), ApprovalRules: toAPIRules(p), Miles: p.Miles, WeeklyFeePence: int64(p.WeeklyFeePence)})
}
