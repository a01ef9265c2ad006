package frontend

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/secure"
)

// The secure welfare API: the same domain calls as the pages, with the same rules.

func optionalDate(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return &t
}

type apiReferral struct {
	ID             int64      `json:"id"`
	Status         string     `json:"status"`
	ChildRef       string     `json:"child_ref"`
	AgeYears       int        `json:"age_years"`
	Sex            string     `json:"sex"`
	LegalPosition  string     `json:"legal_position"`
	OrderStart     *string    `json:"order_start"`
	OrderKind      *string    `json:"order_kind"`
	OrderExpiry    *string    `json:"order_expiry"`
	HearingDate    *string    `json:"hearing_date"`
	Urgency        string     `json:"urgency"`
	Needs          []string   `json:"needs"`
	PreferredMiles int        `json:"preferred_miles"`
	SubmittedAt    time.Time  `json:"submitted_at"`
	UpdateDue      time.Time  `json:"update_due"`
	ReviewDue      time.Time  `json:"review_due"`
	Paused         string     `json:"paused"`
	AllocatedBedID *int64     `json:"allocated_bed_id"`
	AllocatedAt    *time.Time `json:"allocated_at"`
	SOSRequestedOn *string    `json:"sos_requested_on"`
	SOSGrantedOn   *string    `json:"sos_granted_on"`
	SOSApprovalRef string     `json:"sos_approval_ref"`
}

func toAPIReferral(r secure.Referral) apiReferral {
	return apiReferral{ID: r.ID, Status: r.Status, ChildRef: r.ChildRef, AgeYears: r.AgeYears, Sex: r.Sex, LegalPosition: r.LegalPosition,
		OrderExpiry: dateOrNil(r.OrderExpiry), HearingDate: dateOrNil(r.HearingDate), Urgency: r.Urgency, Needs: nonNil([]string(r.Needs)),
		PreferredMiles: r.PreferredMiles, SubmittedAt: r.SubmittedAt, UpdateDue: r.UpdateDue(), ReviewDue: r.ReviewDue(), Paused: r.Paused(time.Now()),
		AllocatedBedID: r.AllocatedBedID, AllocatedAt: r.AllocatedAt, OrderStart: dateOrNil(r.OrderStart), OrderKind: r.OrderKind,
		SOSRequestedOn: dateOrNil(r.SOSRequestedOn), SOSGrantedOn: dateOrNil(r.SOSGrantedOn), SOSApprovalRef: r.SOSApprovalRef}
}

func (s *Server) apiSubmitReferral(c echo.Context) error {
	var n secure.NewReferral
	if err := readJSON(c, &n); err != nil {
		return err
	}
	in, fe := n.Input(today())
	if fe != nil {
		return fe
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.Submit(c.Request().Context(), currentOrg(c).ID, u.ID, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/secure/referrals/%d", r.ID))
	return c.JSON(http.StatusCreated, toAPIReferral(r))
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
	return c.JSON(http.StatusOK, struct {
		apiReferral
		Responses *[]apiCirculation `json:"responses,omitempty"`
	}{toAPIReferral(r), resp})
}

type apiSecureBed struct {
	ID             int64   `json:"id"`
	Label          string  `json:"label"`
	Designation    string  `json:"designation"`
	Status         string  `json:"status"`
	ClosedReason   *string `json:"closed_reason"`
	ReopensOn      *string `json:"reopens_on"`
	ExpectedFreeOn *string `json:"expected_free_on"`
	Version        int     `json:"version"`
}

func toAPIBed(b secure.Bed) apiSecureBed {
	return apiSecureBed{ID: b.ID, Label: b.Label, Designation: b.Designation, Status: b.Status, ClosedReason: b.ClosedReason,
		ReopensOn: dateOrNil(b.ReopensOn), ExpectedFreeOn: dateOrNil(b.ExpectedFreeOn), Version: b.Version}
}

func (s *Server) apiSecureBoard(c echo.Context) error {
	b, err := s.deps.Secure.Board(c.Request().Context())
	if err != nil {
		return err
	}
	type home struct {
		ID          int64          `json:"id"`
		Name        string         `json:"name"`
		Country     string         `json:"country"`
		Region      string         `json:"region"`
		CrossBorder bool           `json:"cross_border"`
		MinAge      int            `json:"min_age"`
		MaxAge      int            `json:"max_age"`
		Sexes       string         `json:"sexes"`
		Free        int            `json:"free"`
		Occupied    int            `json:"occupied"`
		Held        int            `json:"held"`
		Closed      int            `json:"closed"`
		FreeSoon    int            `json:"free_soon"`
		Beds        []apiSecureBed `json:"beds"`
	}
	out := make([]home, 0, len(b.Homes))
	for _, h := range b.Homes {
		row := home{ID: h.ID, Name: h.Name, Country: h.Country, Region: h.Region, CrossBorder: h.CrossBorder(), MinAge: h.MinAge, MaxAge: h.MaxAge,
			Sexes: h.Sexes(), Free: h.Free, Occupied: h.Occupied, Held: h.Held, Closed: h.Closed, FreeSoon: h.Soon, Beds: []apiSecureBed{}}
		for _, bed := range h.Beds {
			row.Beds = append(row.Beds, toAPIBed(bed))
		}
		out = append(out, row)
	}
	return c.JSON(http.StatusOK, map[string]any{"free_welfare": b.FreeWelfare, "free_soon": b.Soon, "total": b.Total, "homes": out})
}

type bedRequest struct {
	Status         string `json:"status" validate:"required,oneof=free occupied closed"`
	ClosedReason   string `json:"closed_reason"`
	ReopensOn      string `json:"reopens_on" validate:"omitempty,datetime=2006-01-02"`
	ExpectedFreeOn string `json:"expected_free_on" validate:"omitempty,datetime=2006-01-02"`
	Version        int    `json:"version"`
}

func (s *Server) apiSetSecureBed(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	var req bedRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	b, err := s.deps.Secure.SetBed(c.Request().Context(), id, currentOrg(c).ID, u.ID, secure.BedUpdate{Status: req.Status, ClosedReason: req.ClosedReason,
		ReopensOn: optionalDate(req.ReopensOn), ExpectedFreeOn: optionalDate(req.ExpectedFreeOn), Version: req.Version})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIBed(b))
}

func (s *Server) apiWaiting(c echo.Context) error {
	w, pg, err := s.waitingPage(c)
	if err != nil {
		return err
	}
	type row struct {
		apiReferral
		DaysWaiting   int     `json:"days_waiting"`
		SuitableHomes []int64 `json:"suitable_home_ids"`
	}
	out := make([]row, 0, len(w))
	for _, x := range w {
		r := row{apiReferral: toAPIReferral(x.Referral), DaysWaiting: x.DaysWaiting, SuitableHomes: []int64{}}
		for _, h := range x.Suitable {
			r.SuitableHomes = append(r.SuitableHomes, h.ID)
		}
		out = append(out, r)
	}
	return c.JSON(http.StatusOK, pg.with(map[string]any{"waiting": out}))
}

type circulateRequest struct {
	HomeIDs []int64 `json:"home_ids" validate:"required,min=1"`
}

func (s *Server) apiCirculate(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req circulateRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	n, err := s.deps.Secure.Circulate(c.Request().Context(), id, req.HomeIDs, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"sent": n})
}

type respondRequest struct {
	Response          string `json:"response" validate:"required,oneof=accept decline"`
	BedID             int64  `json:"bed_id"`
	EarliestAdmission string `json:"earliest_admission" validate:"omitempty,datetime=2006-01-02"`
	DeclineReason     string `json:"decline_reason"`
	Detail            string `json:"detail" validate:"max=2000"`
}

func (s *Server) apiRespond(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req respondRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if err := s.deps.Secure.Respond(c.Request().Context(), id, currentOrg(c).ID, u.ID, secure.Response{Accept: req.Response == "accept", BedID: req.BedID,
		EarliestAdmission: optionalDate(req.EarliestAdmission), DeclineReason: req.DeclineReason, Detail: req.Detail}); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type allocateRequest struct {
	BedID int64 `json:"bed_id" validate:"required,gt=0"`
}

func (s *Server) apiAllocate(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req allocateRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.Allocate(c.Request().Context(), id, req.BedID, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReferral(r))
}

type releaseRequest struct {
	Reason string `json:"reason" validate:"required,max=2000"`
}

// apiRelease releases the bed held for an allocated child; the child goes back on the
// waiting list.
func (s *Server) apiRelease(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req releaseRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.Release(c.Request().Context(), id, u.ID, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReferral(r))
}

type approvalRequest struct {
	Kind        string `json:"kind" validate:"required,oneof=sos scottish"`
	HomeID      int64  `json:"home_id"`
	RequestedOn string `json:"requested_on" validate:"omitempty,datetime=2006-01-02"`
	GrantedOn   string `json:"granted_on" validate:"omitempty,datetime=2006-01-02"`
	Reference   string `json:"reference" validate:"max=100"`
}

// apiRecordApproval records the Secretary of State's approval for an under-13 (reg. 4)
// or the Scottish Ministers' approval of a Scottish unit.
func (s *Server) apiRecordApproval(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req approvalRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.RecordApproval(c.Request().Context(), id, secureViewer(c), u.ID, secure.ApprovalInput{Kind: req.Kind, HomeID: req.HomeID,
		RequestedOn: optionalDate(req.RequestedOn), GrantedOn: optionalDate(req.GrantedOn), Reference: req.Reference})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReferral(r))
}

type holdRequest struct {
	From  time.Time  `json:"from" validate:"required"`
	Until *time.Time `json:"until"`
}

// apiRecordHold records a period held without a court order and returns the 72-hour
// clock (Children (Secure Accommodation) Regulations 1991, reg. 10).
func (s *Server) apiRecordHold(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req holdRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	clock, err := s.deps.Secure.RecordHold(c.Request().Context(), id, secureViewer(c), u.ID, &req.From, req.Until)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/secure/referrals/%d", id))
	return c.JSON(http.StatusCreated, toAPIClock(clock))
}

type endHoldRequest struct {
	At time.Time `json:"at" validate:"required"`
}

// apiEndHold ends the running period held without an order and returns the clock.
func (s *Server) apiEndHold(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req endHoldRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.deps.Secure.EndHold(ctx, id, secureViewer(c), req.At); err != nil {
		return err
	}
	clock, err := s.deps.Secure.NoOrderClock(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIClock(clock))
}

func toAPIClock(c secure.Clock) map[string]any {
	return map[string]any{"hours_used_28_days": c.Used, "hours_remaining": c.Remaining, "running": c.Running, "limit_exceeded": c.Exceeded}
}

type admitRequest struct {
	AdmittedOn string `json:"admitted_on" validate:"required,datetime=2006-01-02"`
}

func (s *Server) apiAdmit(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req admitRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if err := s.deps.Secure.Admit(c.Request().Context(), id, currentOrg(c).ID, u.ID, *optionalDate(req.AdmittedOn)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type dischargeRequest struct {
	DischargedOn string `json:"discharged_on" validate:"required,datetime=2006-01-02"`
	Reason       string `json:"reason" validate:"required"`
}

func (s *Server) apiDischarge(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req dischargeRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if err := s.deps.Secure.Discharge(c.Request().Context(), id, currentOrg(c).ID, u.ID, *optionalDate(req.DischargedOn), req.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiSuggestions(c echo.Context) error {
	sug, err := s.deps.Secure.Suggest(c.Request().Context())
	if err != nil {
		return err
	}
	type pair struct {
		ReferralID int64    `json:"referral_id"`
		ChildRef   string   `json:"child_ref"`
		HomeID     int64    `json:"home_id"`
		Home       string   `json:"home"`
		BedID      int64    `json:"bed_id"`
		Bed        string   `json:"bed"`
		Miles      float64  `json:"miles"`
		Offered    bool     `json:"offered"`
		Why        []string `json:"why"`
	}
	out := make([]pair, 0, len(sug.Pairs))
	for _, p := range sug.Pairs {
		out = append(out, pair{ReferralID: p.Referral.ID, ChildRef: p.Referral.ChildRef, HomeID: p.Home.ID, Home: p.Home.Name, BedID: p.Bed.ID, Bed: p.Bed.Label,
			Miles: p.Miles, Offered: p.Offered, Why: p.Why})
	}
	unplaced := make([]int64, 0, len(sug.Unplaced))
	for _, u := range sug.Unplaced {
		unplaced = append(unplaced, u.ID)
	}
	return c.JSON(http.StatusOK, map[string]any{"pairs": out, "unplaced_referral_ids": unplaced, "paused": sug.Paused})
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
	allocs := make([]map[string]any, 0, len(rep.Allocations))
	for _, a := range rep.Allocations {
		allocs = append(allocs, map[string]any{"referral_id": a.ReferralID, "child_ref": a.ChildRef, "council": a.Council, "home": a.Home, "bed": a.Bed, "status": a.Status})
	}
	return c.JSON(http.StatusOK, map[string]any{"date": rep.Date.Format(time.DateOnly), "free_welfare": rep.Board.FreeWelfare, "total_beds": rep.Board.Total,
		"waiting": len(rep.Waiting), "allocations_24h": allocs, "declines_24h": declines, "cross_border": len(rep.CrossBorder)})
}
