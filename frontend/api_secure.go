package frontend

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/frontend/apitypes"
)

// The secure welfare API: the same domain calls as the pages, with the same rules.

func toAPIReferral(r secure.Referral, now time.Time) apitypes.Referral {
	return apitypes.Referral{Id: r.ID, Status: apitypes.ReferralStatus(r.Status), ChildRef: r.ChildRef, AgeYears: r.AgeYears, Sex: r.Sex, LegalPosition: r.LegalPosition,
		OrderExpiry: apiDateOrNil(r.OrderExpiry), HearingDate: apiDateOrNil(r.HearingDate), Urgency: r.Urgency, Needs: nonNil([]string(r.Needs)),
		PreferredMiles: r.PreferredMiles, SubmittedAt: r.SubmittedAt, UpdateDue: r.UpdateDue(), ReviewDue: r.ReviewDue(), Paused: r.Paused(now),
		AllocatedBedId: r.AllocatedBedID, AllocatedAt: r.AllocatedAt, OrderStart: apiDateOrNil(r.OrderStart), OrderKind: (*apitypes.OrderKind)(r.OrderKind),
		SosRequestedOn: apiDateOrNil(r.SOSRequestedOn), SosGrantedOn: apiDateOrNil(r.SOSGrantedOn), SosApprovalRef: &r.SOSApprovalRef,
		Ethnicity: r.Ethnicity, Religion: r.Religion, FirstLanguage: r.FirstLanguage, ChildProtectionPlan: r.ChildProtectionPlan,
		PrimaryReason: (*apitypes.PrimaryReason)(r.PrimaryReason)}
}

// withResponses is the referral with the homes' answers (nil: not shown to the caller).
func withResponses(r apitypes.Referral, responses *[]apitypes.ReferralResponse) apitypes.ReferralWithResponses {
	return apitypes.ReferralWithResponses{Id: r.Id, Status: r.Status, ChildRef: r.ChildRef, AgeYears: r.AgeYears, Sex: r.Sex, LegalPosition: r.LegalPosition,
		OrderExpiry: r.OrderExpiry, HearingDate: r.HearingDate, Urgency: r.Urgency, Needs: r.Needs, PreferredMiles: r.PreferredMiles,
		SubmittedAt: r.SubmittedAt, UpdateDue: r.UpdateDue, ReviewDue: r.ReviewDue, Paused: r.Paused, AllocatedBedId: r.AllocatedBedId,
		AllocatedAt: r.AllocatedAt, OrderStart: r.OrderStart, OrderKind: r.OrderKind, SosRequestedOn: r.SosRequestedOn, SosGrantedOn: r.SosGrantedOn,
		SosApprovalRef: r.SosApprovalRef, Responses: responses,
		Ethnicity: r.Ethnicity, Religion: r.Religion, FirstLanguage: r.FirstLanguage, ChildProtectionPlan: r.ChildProtectionPlan, PrimaryReason: r.PrimaryReason}
}

// waitingChild is the referral on the waiting list, with the days it has waited and
// the homes suitable for the child.
func waitingChild(r apitypes.Referral, days int, suitable []int64) apitypes.WaitingChild {
	return apitypes.WaitingChild{Id: r.Id, Status: r.Status, ChildRef: r.ChildRef, AgeYears: r.AgeYears, Sex: r.Sex, LegalPosition: r.LegalPosition,
		OrderExpiry: r.OrderExpiry, HearingDate: r.HearingDate, Urgency: r.Urgency, Needs: r.Needs, PreferredMiles: r.PreferredMiles,
		SubmittedAt: r.SubmittedAt, UpdateDue: r.UpdateDue, ReviewDue: r.ReviewDue, Paused: r.Paused, AllocatedBedId: r.AllocatedBedId,
		AllocatedAt: r.AllocatedAt, OrderStart: r.OrderStart, OrderKind: r.OrderKind, SosRequestedOn: r.SosRequestedOn, SosGrantedOn: r.SosGrantedOn,
		SosApprovalRef: r.SosApprovalRef, DaysWaiting: days, SuitableHomeIds: suitable,
		Ethnicity: r.Ethnicity, Religion: r.Religion, FirstLanguage: r.FirstLanguage, ChildProtectionPlan: r.ChildProtectionPlan, PrimaryReason: r.PrimaryReason}
}

func (s *Server) apiSubmitReferral(c echo.Context) error {
	var n secure.NewReferral
	if err := readJSON(c, &n); err != nil {
		return err
	}
	in, fe := n.Input(s.today())
	if fe != nil {
		return fe
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.Submit(c.Request().Context(), currentOrg(c).ID, u.ID, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/secure/referrals/%d", r.ID))
	return c.JSON(http.StatusCreated, toAPIReferral(r, s.now()))
}

func (s *Server) apiReferral(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	r, err := s.deps.Secure.Referral(c.Request().Context(), id, secureViewer(c))
	if err != nil {
		return err
	}
	resp, err := s.referralResponses(c, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, withResponses(toAPIReferral(r, s.now()), resp))
}

func toAPIBed(b secure.Bed) apitypes.SecureBed {
	return apitypes.SecureBed{Id: b.ID, Label: b.Label, Designation: apitypes.SecureBedDesignation(b.Designation), Status: apitypes.SecureBedStatus(b.Status),
		ClosedReason: b.ClosedReason, ReopensOn: apiDateOrNil(b.ReopensOn), ExpectedFreeOn: apiDateOrNil(b.ExpectedFreeOn), Version: b.Version}
}

func (s *Server) apiSecureBoard(c echo.Context) error {
	b, err := s.deps.Secure.Board(c.Request().Context())
	if err != nil {
		return err
	}
	out := apitypes.SecureBoard{FreeWelfare: b.FreeWelfare, FreeSoon: b.Soon, Total: b.Total, Homes: make([]apitypes.SecureBoardHome, 0, len(b.Homes))}
	for _, h := range b.Homes {
		row := apitypes.SecureBoardHome{Id: h.ID, Name: h.Name, Country: apitypes.SecureBoardHomesCountry(h.Country), Region: h.Region, CrossBorder: h.CrossBorder(),
			MinAge: h.MinAge, MaxAge: h.MaxAge, Sexes: h.Sexes(), Free: h.Free, Occupied: h.Occupied, Held: h.Held, Closed: h.Closed, FreeSoon: h.Soon,
			Beds: []apitypes.SecureBed{}}
		for _, bed := range h.Beds {
			row.Beds = append(row.Beds, toAPIBed(bed))
		}
		out.Homes = append(out.Homes, row)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiSetSecureBed(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	var in secure.BedInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	b, err := s.deps.Secure.SetBed(c.Request().Context(), id, currentOrg(c).ID, u.ID, in.Update())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIBed(b))
}

func (s *Server) apiWaiting(c echo.Context) error {
	lv, err := waitingAPIList.listAPI(c)
	if err != nil {
		return err
	}
	w, lv, err := s.waitingPage(c, lv)
	if err != nil {
		return err
	}
	pg := lv.Pager
	out := apitypes.WaitingListResponse{Waiting: make([]apitypes.WaitingChild, 0, len(w)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for _, x := range w {
		homes := []int64{}
		for _, h := range x.Suitable {
			homes = append(homes, h.ID)
		}
		out.Waiting = append(out.Waiting, waitingChild(toAPIReferral(x.Referral, s.now()), x.DaysWaiting, homes))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiCirculate(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var in secure.CirculateInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	n, err := s.deps.Secure.Circulate(c.Request().Context(), id, in.HomeIDs, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitypes.CirculateReferralResponse{Sent: n})
}

func (s *Server) apiRespond(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var in secure.ResponseInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if err := s.deps.Secure.Respond(c.Request().Context(), id, currentOrg(c).ID, u.ID, in.Answer()); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiAllocate(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var in secure.AllocateInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.Allocate(c.Request().Context(), id, in.BedID, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReferral(r, s.now()))
}

// apiRelease releases the bed held for an allocated child; the child goes back on the
// waiting list.
func (s *Server) apiRelease(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var in secure.ReleaseInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.Release(c.Request().Context(), id, u.ID, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReferral(r, s.now()))
}

// apiRecordApproval records the Secretary of State's approval for an under-13 (reg. 4)
// or the Scottish Ministers' approval of a Scottish unit.
func (s *Server) apiRecordApproval(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var in secure.ApprovalRequest
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.RecordApproval(c.Request().Context(), id, secureViewer(c), u.ID, in.Input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReferral(r, s.now()))
}

// apiRecordHold records a period held without a court order and returns the 72-hour
// clock (Children (Secure Accommodation) Regulations 1991, reg. 10).
func (s *Server) apiRecordHold(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var in secure.HoldInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	clock, err := s.deps.Secure.RecordHold(c.Request().Context(), id, secureViewer(c), u.ID, &in.From, in.Until)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/secure/referrals/%d", id))
	return c.JSON(http.StatusCreated, toAPIClock(clock))
}

// apiEndHold ends the running period held without an order and returns the clock.
func (s *Server) apiEndHold(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var in secure.EndHoldInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.deps.Secure.EndHold(ctx, id, secureViewer(c), in.At); err != nil {
		return err
	}
	clock, err := s.deps.Secure.NoOrderClock(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIClock(clock))
}

func toAPIClock(c secure.Clock) apitypes.NoOrderClock {
	return apitypes.NoOrderClock{HoursUsed28Days: c.Used, HoursRemaining: c.Remaining, Running: c.Running, LimitExceeded: c.Exceeded}
}

func (s *Server) apiAdmit(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var in secure.AdmitInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if err := s.deps.Secure.Admit(c.Request().Context(), id, currentOrg(c).ID, u.ID, in.Day()); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiDischarge(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var in secure.DischargeInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if err := s.deps.Secure.Discharge(c.Request().Context(), id, currentOrg(c).ID, u.ID, in.Day(), in.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiSuggestions(c echo.Context) error {
	sug, err := s.deps.Secure.Suggest(c.Request().Context())
	if err != nil {
		return err
	}
	out := apitypes.SuggestAllocationResponse{Pairs: make([]apitypes.SuggestedPair, 0, len(sug.Pairs)), UnplacedReferralIds: make([]int64, 0, len(sug.Unplaced)),
		Paused: sug.Paused}
	for _, p := range sug.Pairs {
		out.Pairs = append(out.Pairs, apitypes.SuggestedPair{ReferralId: p.Referral.ID, ChildRef: p.Referral.ChildRef, HomeId: p.Home.ID, Home: p.Home.Name,
			BedId: p.Bed.ID, Bed: p.Bed.Label, Miles: p.Miles, Offered: p.Offered, Why: nonNil(p.Why)})
	}
	for _, u := range sug.Unplaced {
		out.UnplacedReferralIds = append(out.UnplacedReferralIds, u.ID)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiReport(c echo.Context) error {
	rep, err := s.deps.Secure.DailyReport(c.Request().Context())
	if err != nil {
		return err
	}
	if err := s.auditList(c, "secure_referral", reportReferrals(rep)); err != nil {
		return err
	}
	declines := map[string]int{}
	for _, d := range rep.Declines {
		declines[d.Reason] = d.Count
	}
	out := apitypes.DailyReportResponse{Date: apiDate(rep.Date), FreeWelfare: rep.Board.FreeWelfare, TotalBeds: rep.Board.Total, Waiting: len(rep.Waiting),
		Allocations24h: make([]apitypes.ReportAllocation, 0, len(rep.Allocations)), Declines24h: declines, CrossBorder: len(rep.CrossBorder)}
	for _, a := range rep.Allocations {
		out.Allocations24h = append(out.Allocations24h, apitypes.ReportAllocation{ReferralId: a.ReferralID, ChildRef: a.ChildRef, Council: a.Council,
			Home: a.Home, Bed: a.Bed, Status: string(a.Status)})
	}
	return c.JSON(http.StatusOK, out)
}
