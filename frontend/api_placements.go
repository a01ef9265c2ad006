package frontend

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/marketplace"
)

// The API for approvals, placements, notices, the child's history and amendments. The
// same domain calls as the pages, so the same rules: who may see a placement is decided
// per placement (404 for anyone else).

type apiPending struct {
	PlacementID     int64     `json:"placement_id"`
	RequestID       int64     `json:"request_id"`
	ChildRef        string    `json:"child_ref"`
	Home            string    `json:"home"`
	Provider        string    `json:"provider"`
	HostCouncil     string    `json:"host_council"`
	Miles           float64   `json:"miles"`
	WeeklyFeePence  int64     `json:"weekly_fee_pence"`
	CeilingPence    int64     `json:"ceiling_pence"`
	ApprovalReasons []string  `json:"approval_reasons"`
	ApprovalRules   []apiRule `json:"approval_rules"`
	PolicyMiles     *float64  `json:"policy_miles"`
	Regulation11    bool      `json:"regulation_11"` // approving needs the reg. 11 record
	StartDate       string    `json:"start_date"`
	// Alternative is "Alternative offer: …" when the bid's home was not matched.
	Alternative string `json:"alternative,omitempty"`
	// HostMailbox says whether the host council can be consulted through Hearth;
	// HostConsultations are the consultations sent (a reg. 11 placement's).
	HostMailbox       bool                  `json:"host_mailbox"`
	HostConsultations []apiHostConsultation `json:"host_consultations"`
}

func (s *Server) apiApprovals(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	pending, total, err := s.deps.Market.AwaitingApproval(c.Request().Context(), currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	pg = pg.counted(c, total)
	out := make([]apiPending, 0, len(pending))
	for _, p := range pending {
		out = append(out, apiPending{PlacementID: p.ID, RequestID: p.RequestID, ChildRef: p.ChildRef, Home: p.HomeName, Provider: p.Provider, HostCouncil: p.HostName,
			Miles: p.Miles, WeeklyFeePence: int64(p.WeeklyFeePence), CeilingPence: int64(p.Ceiling), ApprovalReasons: nonNil([]string(p.ApprovalReasons)),
			ApprovalRules: toAPIRules(p.Placement), PolicyMiles: p.PolicyMiles, Regulation11: p.NeedsRegulation11(), StartDate: p.StartDate.Format(time.DateOnly)})
		if p.Alternative != "" {
			out[len(out)-1].Alternative = marketplace.AlternativeLabel(p.Alternative)
		}
		out[len(out)-1].HostMailbox, out[len(out)-1].HostConsultations = p.HostHasMailbox, toAPIConsultations(p.Consultations)
	}
	return c.JSON(http.StatusOK, pg.with(map[string]any{"awaiting_approval": out}))
}

func (s *Server) apiDecide(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var in marketplace.DecisionInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	p, err := s.deps.Market.DecideInput(c.Request().Context(), id, currentOrg(c).ID, u.ID, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"placement_id": p.ID, "status": p.Status})
}

type apiPlacementRow struct {
	ID             int64   `json:"id"`
	Status         string  `json:"status"`
	Access         string  `json:"access"`
	ChildRef       string  `json:"child_ref"`
	PlacingCouncil string  `json:"placing_council"`
	Provider       string  `json:"provider"`
	Home           string  `json:"home"`
	HostCouncil    string  `json:"host_council"`
	StartDate      string  `json:"start_date"`
	EndedOn        *string `json:"ended_on"`
}

func (s *Server) apiPlacements(c echo.Context) error {
	status := c.QueryParam("status")
	if status != "" && !validStatus(status) {
		return commissioning.Invalid("status", "Status must be one of awaiting_approval, awarded, started or ended")
	}
	p, err := newPager(c.QueryParams(), defaultPerPage)
	if err != nil {
		return err
	}
	rows, total, err := s.deps.Market.Placements(c.Request().Context(), viewerOf(c), status, p.Offset(), p.Size)
	if err != nil {
		return err
	}
	if err := s.auditList(c, "placement", idsOf(rows, func(r marketplace.PlacementRow) int64 { return r.ID })); err != nil {
		return err
	}
	out := make([]apiPlacementRow, 0, len(rows))
	for _, r := range rows {
		row := apiPlacementRow{ID: r.ID, Status: r.Status, Access: string(r.Access), ChildRef: r.ChildRef, PlacingCouncil: r.PlacingCouncil, Provider: r.Provider,
			Home: r.HomeName, HostCouncil: r.HostCouncil, StartDate: r.StartDate.Format(time.DateOnly)}
		if r.EndedOn != nil {
			row.EndedOn = ptrTo(r.EndedOn.Format(time.DateOnly))
		}
		out = append(out, row)
	}
	return c.JSON(http.StatusOK, p.counted(c, total).with(map[string]any{"placements": out}))
}

type apiFee struct {
	EffectiveFrom     string `json:"effective_from"`
	CorePence         int64  `json:"core_pence"`
	OneToOneHours     int    `json:"one_to_one_hours"`
	OneToOneRatePence int64  `json:"one_to_one_rate_pence"`
	EducationPence    int64  `json:"education_pence"`
	TotalPence        int64  `json:"total_pence"`
	Reason            string `json:"reason"`
}

type apiAgreement struct {
	Version  int       `json:"version"`
	Reason   string    `json:"reason"`
	SHA256   string    `json:"sha256"`
	IssuedAt time.Time `json:"issued_at"`
	URL      string    `json:"url"`
}

type apiIncident struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
	Note      string     `json:"note"`
}

// apiPlacement is a placement as the caller may see it: the host council gets no
// profile, fee or agreement (those fields are absent).
type apiPlacement struct {
	ID             int64          `json:"id"`
	RequestID      int64          `json:"request_id,omitempty"` // not for the host council
	Status         string         `json:"status"`
	Access         string         `json:"access"`
	ChildRef       string         `json:"child_ref"`
	PlacingCouncil string         `json:"placing_council"`
	Contact        string         `json:"contact"`
	Provider       string         `json:"provider"`
	Home           string         `json:"home"`
	HomeURN        string         `json:"home_urn"`
	HomeOutcode    string         `json:"home_outcode"`
	HostCouncil    string         `json:"host_council"`
	StartDate      string         `json:"start_date"`
	StartedOn      *string        `json:"started_on"`
	EndedOn        *string        `json:"ended_on"`
	EndReason      *string        `json:"end_reason"`
	Incidents      []apiIncident  `json:"incidents"`
	AgeYears       *int           `json:"age_years,omitempty"`
	Sex            string         `json:"sex,omitempty"`
	LegalStatus    string         `json:"legal_status,omitempty"`
	Needs          []string       `json:"needs,omitempty"`
	WeeklyFeePence *int64         `json:"weekly_fee_pence,omitempty"`
	Miles          *float64       `json:"miles,omitempty"`
	NoticeDays     *int           `json:"notice_days,omitempty"`
	ReviewDate     *string        `json:"review_date,omitempty"` // the first review, as the agreement states it
	NextReviewDate *string        `json:"next_review_date,omitempty"`
	Reviews        []apiReview    `json:"reviews,omitempty"`
	ApprovalRules  []apiRule      `json:"approval_rules,omitempty"`
	Regulation11   *apiReg11      `json:"regulation_11,omitempty"`
	Fees           []apiFee       `json:"fees,omitempty"`
	Agreements     []apiAgreement `json:"agreements,omitempty"`
	// HostNotices are the notices sent to the host council's mailbox; the placing council only.
	HostNotices []apiHostNotice `json:"host_notices,omitempty"`
}

func dateOrNil(t *time.Time) *string {
	if t == nil {
		return nil
	}
	return ptrTo(t.Format(time.DateOnly))
}

func toAPIPlacement(v marketplace.PlacementView) apiPlacement {
	out := apiPlacement{ID: v.ID, RequestID: v.RequestID, Status: v.Status, Access: string(v.Access), ChildRef: v.ChildRef, PlacingCouncil: v.PlacingCouncil,
		Contact: v.Contact, Provider: v.Provider, Home: v.HomeName, HomeURN: v.HomeURN, HomeOutcode: v.HomeOutcode, HostCouncil: v.HostCouncil,
		StartDate: v.StartDate.Format(time.DateOnly), StartedOn: dateOrNil(v.StartedOn), EndedOn: dateOrNil(v.EndedOn), EndReason: v.EndReason, Incidents: []apiIncident{}}
	for _, in := range v.Incidents {
		out.Incidents = append(out.Incidents, apiIncident{ID: in.ID, Kind: in.Kind, StartedAt: in.StartedAt, EndedAt: in.EndedAt, Note: in.Note})
	}
	if v.Access == marketplace.AccessHost {
		out.RequestID = 0
		return out
	}
	out.AgeYears, out.Sex, out.LegalStatus, out.Needs = &v.AgeYears, v.Sex, v.LegalStatus, nonNil(v.Needs)
	out.WeeklyFeePence, out.Miles, out.NoticeDays, out.ReviewDate = ptrTo(int64(v.WeeklyFeePence)), &v.Miles, &v.NoticeDays, dateOrNil(v.ReviewDate)
	out.NextReviewDate = dateOrNil(v.NextReview)
	if v.Access == marketplace.AccessCouncil {
		out.ApprovalRules, out.Reviews, out.Regulation11 = toAPIRules(v.Placement), toAPIReviews(v.Reviews), toAPIReg11(v.Placement)
		out.HostNotices = toAPIHostNotices(v.HostNotices)
	}
	for _, f := range v.Fees {
		out.Fees = append(out.Fees, apiFee{EffectiveFrom: f.EffectiveFrom.Format(time.DateOnly), CorePence: int64(f.CorePence), OneToOneHours: f.OneToOneHours,
			OneToOneRatePence: int64(f.OneToOneRatePence), EducationPence: int64(f.EducationPence), TotalPence: int64(f.TotalPence), Reason: f.Reason})
	}
	for _, a := range v.Agreements {
		out.Agreements = append(out.Agreements, apiAgreement{Version: a.Version, Reason: a.Reason, SHA256: a.SHA256, IssuedAt: a.IssuedAt,
			URL: "/api/v1/placements/" + strconv.FormatInt(v.ID, 10) + "/agreement?version=" + strconv.Itoa(a.Version)})
	}
	return out
}

func (s *Server) apiPlacement(c echo.Context) error { return s.placementReply(c, http.StatusOK) }

// placementReply answers with the placement as the caller now sees it.
func (s *Server) placementReply(c echo.Context, status int) error {
	v, err := s.placementView(c)
	if err != nil {
		return err
	}
	return c.JSON(status, toAPIPlacement(v))
}

type startRequest struct {
	StartedOn string `json:"started_on" validate:"required,datetime=2006-01-02"`
}

func (s *Server) apiStart(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var req startRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	on, _ := time.Parse(time.DateOnly, req.StartedOn)
	u, _ := currentUser(c)
	if _, err := s.deps.Market.ConfirmStart(c.Request().Context(), id, currentOrg(c).ID, u.ID, on); err != nil {
		return err
	}
	return s.placementReply(c, http.StatusOK)
}

func (s *Server) apiChangeFee(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var in marketplace.FeeInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	ch, fe := in.Change()
	if fe != nil {
		return fe
	}
	u, _ := currentUser(c)
	if _, err := s.deps.Market.ChangeFee(c.Request().Context(), id, currentOrg(c).ID, u.ID, ch); err != nil {
		return err
	}
	return s.placementReply(c, http.StatusOK)
}

type incidentRequest struct {
	Kind      string     `json:"kind" validate:"required,oneof=missing absent"`
	StartedAt time.Time  `json:"started_at" validate:"required"`
	EndedAt   *time.Time `json:"ended_at"`
	Note      string     `json:"note" validate:"max=2000"`
}

func (s *Server) apiReportIncident(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var req incidentRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if _, err := s.deps.Market.ReportIncident(c.Request().Context(), id, currentOrg(c).ID, u.ID,
		marketplace.IncidentReport{Kind: req.Kind, StartedAt: req.StartedAt, EndedAt: req.EndedAt, Note: req.Note}); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/placements/%d", id))
	return s.placementReply(c, http.StatusCreated)
}

type incidentEndRequest struct {
	EndedAt time.Time `json:"ended_at" validate:"required"`
}

func (s *Server) apiEndIncident(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	incident, err := strconv.ParseInt(c.Param("incident"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	var req incidentEndRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if _, err := s.deps.Market.EndIncident(c.Request().Context(), id, incident, currentOrg(c).ID, u.ID, req.EndedAt); err != nil {
		return err
	}
	return s.placementReply(c, http.StatusOK)
}

func (s *Server) apiEnd(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var in marketplace.EndInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	e, fe := in.Ending()
	if fe != nil {
		return fe
	}
	u, _ := currentUser(c)
	if _, err := s.deps.Market.EndPlacement(c.Request().Context(), id, viewerOf(c), u.ID, e); err != nil {
		return err
	}
	return s.placementReply(c, http.StatusOK)
}

type apiNotice struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Subject     string     `json:"subject"`
	Body        string     `json:"body"`
	PlacementID *int64     `json:"placement_id"`
	CreatedAt   time.Time  `json:"created_at"`
	ReadAt      *time.Time `json:"read_at"`
}

func (s *Server) apiNotices(c echo.Context) error {
	p, err := newPager(c.QueryParams(), defaultPerPage)
	if err != nil {
		return err
	}
	list, total, unread, err := s.inboxOf(c).List(c.Request().Context(), currentOrg(c).ID, p.Offset(), p.Size)
	if err != nil {
		return err
	}
	out := make([]apiNotice, 0, len(list))
	for _, n := range list {
		out = append(out, apiNotice{ID: n.ID, Kind: n.Kind, Subject: n.Subject, Body: n.Body, PlacementID: n.PlacementID, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt})
	}
	return c.JSON(http.StatusOK, p.counted(c, total).with(map[string]any{"notices": out, "unread": unread}))
}

type apiChildPlacement struct {
	PlacementID int64   `json:"placement_id"`
	Status      string  `json:"status"`
	Home        string  `json:"home"`
	Provider    string  `json:"provider"`
	HostCouncil string  `json:"host_council"`
	Miles       float64 `json:"miles"`
	StartedOn   *string `json:"started_on"`
	EndedOn     *string `json:"ended_on"`
	EndReason   *string `json:"end_reason"`
	Move        bool    `json:"move"`
	NextReview  *string `json:"next_review_date"`
}

func (s *Server) apiChild(c echo.Context) error {
	ref := strings.TrimSpace(c.QueryParam("ref"))
	if ref == "" {
		return commissioning.Invalid("ref", "Give the child's reference, as ?ref=")
	}
	rec, err := s.deps.Market.ChildHistory(c.Request().Context(), currentOrg(c).ID, ref)
	if err != nil {
		return err
	}
	out := make([]apiChildPlacement, 0, len(rec.Placements))
	for _, p := range rec.Placements {
		out = append(out, apiChildPlacement{PlacementID: p.ID, Status: p.Status, Home: p.HomeName, Provider: p.Provider, HostCouncil: p.HostCouncil, Miles: p.Miles,
			StartedOn: dateOrNil(p.StartedOn), EndedOn: dateOrNil(p.EndedOn), EndReason: p.EndReason, Move: p.Move, NextReview: dateOrNil(p.NextReview)})
	}
	return c.JSON(http.StatusOK, map[string]any{"child_ref": rec.Ref, "since": rec.Since.Format(time.DateOnly), "moves": rec.Moves,
		"incidents": rec.Incidents, "placements": out})
}

// amendRequest changes only the fields given; the rest stay as they are.
type amendRequest struct {
	StartDate     *string    `json:"start_date" validate:"omitempty,datetime=2006-01-02"`
	DurationWeeks *int       `json:"duration_weeks"`
	Deadline      *time.Time `json:"deadline"`
	NeedsDetail   *string    `json:"needs_detail"`
	FamilyDetails *string    `json:"family_details"`
	Reason        string     `json:"reason" validate:"required,max=1000"`
}

func (s *Server) apiAmend(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var req amendRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := commissioning.NewRequests(s.deps.DB.Gorm).Request(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	in := marketplace.AmendInput{DurationWeeks: derefOr(r.DurationWeeks, 0), NeedsDetail: r.NeedsDetail, FamilyDetails: r.FamilyDetails, Reason: req.Reason, Deadline: req.Deadline}
	if r.StartDate != nil {
		in.StartDate = *r.StartDate
	}
	if req.StartDate != nil {
		in.StartDate, _ = time.Parse(time.DateOnly, *req.StartDate)
	}
	in.DurationWeeks = derefOr(req.DurationWeeks, in.DurationWeeks)
	in.NeedsDetail = derefOr(req.NeedsDetail, in.NeedsDetail)
	in.FamilyDetails = derefOr(req.FamilyDetails, in.FamilyDetails)
	u, _ := currentUser(c)
	a, err := s.deps.Market.AmendRequest(ctx, id, currentOrg(c).ID, u.ID, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/requests/%d", a.RequestID))
	return c.JSON(http.StatusCreated, map[string]any{"id": a.ID, "request_id": a.RequestID, "reason": a.Reason, "changes": a.Changes})
}

func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
