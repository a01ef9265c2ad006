package frontend

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/geo"
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

// apiInvitation is a request as an invited provider sees it; after a final award to
// someone else, without the child's profile and homes.
type apiInvitation struct {
	RequestID int64     `json:"request_id"`
	Council   string    `json:"council"`
	Status    string    `json:"status"`
	Outcome   string    `json:"outcome"`
	LotID     int64     `json:"lot_id"`
	StartDate string    `json:"start_date"`
	Deadline  time.Time `json:"deadline"`
	Emergency bool      `json:"emergency"`
	// CancelReason is why the council cancelled the request, when it did.
	CancelReason *string `json:"cancel_reason,omitempty"`
	*apiChildProfile
	Homes []apiInvitedHome `json:"homes"`
	// OtherHomes are the provider's homes matching did not find for the request, with the
	// rules each fails: they can be offered only as an alternative (one invitation only).
	OtherHomes []apiOtherHome `json:"other_homes,omitempty"`
}

type apiOtherHome struct {
	HomeID int64    `json:"home_id"`
	Name   string   `json:"name"`
	Miles  float64  `json:"miles"`
	Rules  []string `json:"failed_rules"`
	Why    string   `json:"why"`
}

// apiChildProfile is the pseudonymised child an invitation is about.
type apiChildProfile struct {
	AgeYears      int      `json:"age_years"`
	Sex           string   `json:"sex"`
	Needs         []string `json:"needs"`
	NeedsDetail   string   `json:"needs_detail"`
	LegalStatus   string   `json:"legal_status"`
	SchoolYear    string   `json:"school_year"`
	EHCP          *bool    `json:"ehcp"`
	Tier          string   `json:"tier"`
	DurationWeeks int      `json:"duration_weeks"`
	FamilyDetails string   `json:"family_details"`
}

type apiInvitedHome struct {
	HomeID int64   `json:"home_id"`
	Miles  float64 `json:"miles"`
}

func (s *Server) toAPIInvitation(c echo.Context, inv marketplace.Invitation) apiInvitation {
	out := apiInvitation{RequestID: inv.RequestID, Council: inv.CouncilName, Status: inv.Status, Outcome: inv.Outcome,
		LotID: inv.LotID, StartDate: inv.StartDate.Format("2006-01-02"), Deadline: inv.Deadline, Emergency: inv.Emergency, Homes: []apiInvitedHome{},
		CancelReason: inv.CancelReason}
	if inv.Withheld() {
		return out
	}
	out.apiChildProfile = &apiChildProfile{AgeYears: inv.AgeYears, Sex: inv.Sex, Needs: nonNil([]string(inv.Needs)), NeedsDetail: inv.NeedsDetail,
		LegalStatus: inv.LegalStatus, SchoolYear: inv.SchoolYear, EHCP: inv.EHCP, Tier: inv.Tier, DurationWeeks: inv.DurationWeeks, FamilyDetails: inv.FamilyDetails}
	for _, id := range inv.HomeIDs {
		if h, err := s.deps.Market.Home(c.Request().Context(), id); err == nil {
			m := geo.Miles(geo.Point{Lat: inv.HomeLat, Lon: inv.HomeLon}, geo.Point{Lat: h.Lat, Lon: h.Lon})
			out.Homes = append(out.Homes, apiInvitedHome{HomeID: id, Miles: float64(int(m*10+0.5)) / 10})
		}
	}
	return out
}

func (s *Server) apiInvitations(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	invs, total, err := s.deps.Market.Invitations(c.Request().Context(), currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	pg = pg.counted(c, total)
	if err := s.auditList(c, "placement_request", profilesShown(invs)); err != nil {
		return err
	}
	out := make([]apiInvitation, 0, len(invs))
	for _, inv := range invs {
		out = append(out, s.toAPIInvitation(c, inv))
	}
	return c.JSON(http.StatusOK, pg.with(map[string]any{"invitations": out}))
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
		for _, h := range homes {
			if h.Matched {
				continue
			}
			o := apiOtherHome{HomeID: h.HomeID, Name: h.Name, Miles: math.Round(h.Miles*10) / 10, Why: h.Why(), Rules: []string{}}
			for _, f := range h.Failures {
				o.Rules = append(o.Rules, f.Rule)
			}
			out.OtherHomes = append(out.OtherHomes, o)
		}
	}
	return c.JSON(http.StatusOK, out)
}

type apiBid struct {
	ID             int64     `json:"id"`
	RequestID      int64     `json:"request_id"`
	HomeID         int64     `json:"home_id"`
	Status         string    `json:"status"`
	EarliestStart  string    `json:"earliest_start"`
	WeeklyFeePence int64     `json:"weekly_fee_pence"`
	TotalWeekly    int64     `json:"total_weekly_pence"`
	NoticeDays     int       `json:"notice_days"`
	Justification  string    `json:"justification"`
	Revision       int       `json:"revision"`
	UpdatedAt      time.Time `json:"updated_at"`
	// An alternative offer's home was not matched to the request; the rules it fails.
	Alternative       bool     `json:"alternative"`
	AlternativeRules  []string `json:"alternative_rules"`
	AlternativeReason string   `json:"alternative_reason,omitempty"`
}

func toAPIBid(b marketplace.Bid) apiBid {
	out := apiBid{ID: b.ID, RequestID: b.RequestID, HomeID: b.HomeID, Status: b.Status, EarliestStart: b.EarliestStart.Format("2006-01-02"),
		WeeklyFeePence: int64(b.WeeklyFeePence), TotalWeekly: int64(b.TotalWeekly()), NoticeDays: b.NoticeDays, Justification: b.Justification,
		Revision: b.Revision, UpdatedAt: b.UpdatedAt, Alternative: b.Alternative, AlternativeRules: nonNil([]string(b.AlternativeRules))}
	if b.Alternative {
		out.AlternativeReason = marketplace.AlternativeLabel(b.AlternativeDetail)
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

type createRequest struct {
	ChildRef      string   `json:"child_ref" validate:"required"`
	AgeYears      int      `json:"age_years" validate:"min=0,max=25"`
	BirthMonth    int      `json:"birth_month" validate:"min=1,max=12"`
	BirthYear     int      `json:"birth_year" validate:"min=1990,max=2100"`
	Sex           string   `json:"sex" validate:"required,oneof=male female"`
	Needs         []string `json:"needs"`
	NeedsDetail   string   `json:"needs_detail" validate:"max=4000"`
	LegalStatus   string   `json:"legal_status" validate:"required,oneof=s20 s31 ico s25 remand epo"`
	SchoolYear    string   `json:"school_year" validate:"max=20"`
	EHCP          *bool    `json:"ehcp"`
	HomeOutcode   string   `json:"home_outcode" validate:"required"`
	WithinMiles   int      `json:"within_miles" validate:"min=1,max=500"`
	AvoidCouncils []int64  `json:"avoid_councils"`
	LotID         int64    `json:"lot_id" validate:"required,gt=0"`
	Tier          string   `json:"tier" validate:"required,oneof=standard complex specialist"`
	StartDate     string   `json:"start_date" validate:"required,datetime=2006-01-02"`
	DurationWeeks int      `json:"duration_weeks" validate:"min=1,max=520"`
	Deadline      string   `json:"deadline" validate:"required,datetime=2006-01-02T15:04:05Z07:00"`
	Emergency     bool     `json:"emergency"`
	FamilyDetails string   `json:"family_details" validate:"max=4000"`
}

// apiCreateRequest saves a council's draft request (submit it separately).
func (s *Server) apiCreateRequest(c echo.Context) error {
	var req createRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	start, _ := time.Parse("2006-01-02", req.StartDate)
	deadline, _ := time.Parse(time.RFC3339, req.Deadline)
	u, _ := currentUser(c)
	r := commissioning.PlacementRequest{CouncilID: currentOrg(c).ID, CreatedBy: &u.ID, ChildRef: req.ChildRef, AgeYears: &req.AgeYears,
		BirthMonth: &req.BirthMonth, BirthYear: &req.BirthYear, Sex: &req.Sex, Needs: commissioning.StringArray(req.Needs), NeedsDetail: req.NeedsDetail,
		LegalStatus: &req.LegalStatus, SchoolYear: req.SchoolYear, EHCP: req.EHCP, WithinMiles: &req.WithinMiles,
		AvoidCouncils: commissioning.Int64Array(req.AvoidCouncils), LotID: &req.LotID, Tier: &req.Tier, StartDate: &start,
		DurationWeeks: &req.DurationWeeks, Deadline: &deadline, Emergency: req.Emergency, FamilyDetails: req.FamilyDetails}
	if err := r.SetHome(req.HomeOutcode); err != nil {
		return err
	}
	if err := commissioning.NewRequests(s.deps.DB.Gorm).SaveDraft(c.Request().Context(), &r); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/requests/%d", r.ID))
	return c.JSON(http.StatusCreated, map[string]any{"id": r.ID, "status": r.Status})
}

type apiExclusion struct {
	ProviderID int64  `json:"provider_id"`
	Provider   string `json:"provider"`
	Rule       string `json:"rule"`
	Reason     string `json:"reason"`
	Detail     string `json:"detail"`
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
	invited := []map[string]any{}
	consortium, _ := consortiumOf(c)
	for p, homes := range res.Invited {
		o, _ := s.deps.Orgs.Organisation(ctx, p)
		invited = append(invited, map[string]any{"provider_id": p, "provider": o.Name, "homes": len(homes)})
		s.notifyProvider(c, consortium, p, "New placement request from "+currentOrg(c).Name,
			"You have been invited to respond to a placement request. Respond by "+r.Deadline.In(london).Format("2 January 2006 at 15:04")+
				".\n\n"+s.cfg.BaseURL+"/api/v1/invitations/"+strconv.FormatInt(r.ID, 10)+"\n\nHearth")
	}
	excluded := []apiExclusion{}
	for p, ex := range res.Excluded {
		o, _ := s.deps.Orgs.Organisation(ctx, p)
		excluded = append(excluded, apiExclusion{ProviderID: p, Provider: o.Name, Rule: ex.Rule, Reason: marketplace.RuleLabels[ex.Rule], Detail: ex.Detail})
	}
	return c.JSON(http.StatusOK, map[string]any{"id": r.ID, "status": r.Status, "invited": invited, "excluded": excluded})
}

// apiRequest returns a council's own request and its responses: counts only while bids
// are sealed, the bids themselves once the request has closed.
func (s *Server) apiRequest(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := commissioning.NewRequests(s.deps.DB.Gorm).Request(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	resp, err := s.deps.Market.ResponsesFor(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	bids := []apiBid{}
	for _, b := range resp.List {
		bids = append(bids, toAPIBid(b))
	}
	return c.JSON(http.StatusOK, map[string]any{"id": r.ID, "status": r.Status, "child_ref": r.ChildRef, "deadline": r.Deadline,
		"cancel_reason": r.CancelReason, "responses": map[string]any{"sealed": resp.Sealed, "bids": resp.Bids, "declines": resp.Declines}, "bids": bids})
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

// apiCancelRequest cancels a council's own request before award, with a reason the
// invited providers are told: 200 with the request, 409 once awarded or cancelled.
func (s *Server) apiCancelRequest(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	var req cancelRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Market.CancelRequest(c.Request().Context(), id, currentOrg(c).ID, u.ID, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": r.ID, "status": r.Status, "cancel_reason": r.CancelReason, "cancelled_at": r.CancelledAt})
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
	p, err := s.deps.Market.Award(c.Request().Context(), id, currentOrg(c).ID, in.BidID, u.ID)
	if err != nil {
		return marketplace.AwardError(err)
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/placements/%d", p.ID))
	return c.JSON(http.StatusCreated, map[string]any{"placement_id": p.ID, "status": p.Status, "approval_reasons": nonNil([]string(p.ApprovalReasons)), "approval_rules": toAPIRules(p),
		"miles": p.Miles, "weekly_fee_pence": int64(p.WeeklyFeePence)})
}
