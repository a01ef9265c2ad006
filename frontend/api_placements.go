package frontend

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// The API for approvals, placements, notices, the child's history and amendments. The
// same domain calls as the pages, so the same rules: who may see a placement is decided
// per placement (404 for anyone else).

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
	out := apitypes.ListApprovalsResponse{AwaitingApproval: make([]apitypes.PendingApproval, 0, len(pending)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for _, p := range pending {
		out.AwaitingApproval = append(out.AwaitingApproval, toAPIPending(p))
	}
	return c.JSON(http.StatusOK, out)
}

func toAPIPending(p marketplace.Pending) apitypes.PendingApproval {
	a := apitypes.PendingApproval{PlacementId: p.ID, RequestId: p.RequestID, ChildRef: p.ChildRef, Home: p.HomeName, Provider: p.Provider, HostCouncil: p.HostName,
		Miles: p.Miles, WeeklyFeePence: int64(p.WeeklyFeePence), CeilingPence: int64(p.Ceiling), ApprovalReasons: enums[apitypes.PendingApprovalApprovalReasons](p.ApprovalReasons),
		ApprovalRules: toAPIRules(p.Placement), PolicyMiles: p.PolicyMiles, Regulation11: p.NeedsRegulation11(), StartDate: apiDate(p.StartDate),
		HostMailbox: p.HostHasMailbox, HostConsultations: toAPIConsultations(p.Consultations)}
	if p.Alternative != "" {
		a.Alternative = ptrTo(marketplace.AlternativeLabel(p.Alternative))
	}
	return a
}

// apiApproval is the decision page's evidence: the award, every bid with the chosen one
// among them, both sides' reasons, why each rule applies, and the child's history (an
// audited read). Another council's award, or a decided one, is 404.
func (s *Server) apiApproval(c echo.Context) error {
	id, err := approvalID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a, err := s.deps.Market.Approval(ctx, id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	needs, err := s.needNotes(ctx, a.Evaluation.Request.Needs, a.ChosenBid().Bid)
	if err != nil {
		return err
	}
	out := apitypes.Approval{Award: toAPIPending(a.Pending), ChosenBidId: a.BidID, AwardReason: a.AwardReason,
		Rules: make([]apitypes.ApprovalRuleWhy, 0, len(a.ApprovalReasons)), NeedNotes: make([]apitypes.ApprovalNeedNote, 0, len(needs)),
		Evaluation: toAPIEvaluation(a.Evaluation), ChildHistory: toAPIChildHistory(a.History)}
	for _, w := range a.Why() {
		out.Rules = append(out.Rules, apitypes.ApprovalRuleWhy{Code: apitypes.ApprovalRulesCode(w.Code), Label: w.Label, Why: w.Why})
	}
	for _, n := range needs {
		out.NeedNotes = append(out.NeedNotes, apitypes.ApprovalNeedNote{Need: n.Need, HomeListsIt: n.Met, Note: n.Note})
	}
	return c.JSON(http.StatusOK, out)
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
	return c.JSON(http.StatusOK, apitypes.Decision{PlacementId: p.ID, Status: apitypes.DecisionStatus(p.Status)})
}

func (s *Server) apiPlacements(c echo.Context) error {
	lv, err := placementAPIList.listAPI(c)
	if err != nil {
		return err
	}
	rows, total, err := s.deps.Market.PlacementsList(c.Request().Context(), viewerOf(c), lv.Query)
	if err != nil {
		return err
	}
	if err := s.auditList(c, "placement", idsOf(rows, func(r marketplace.PlacementRow) int64 { return r.ID })); err != nil {
		return err
	}
	p := lv.counted(total).Pager
	out := apitypes.PlacementPage{Placements: make([]apitypes.PlacementRow, 0, len(rows)), Page: p.Page, PerPage: p.Size, Total: int(p.Total), Next: p.next()}
	for _, r := range rows {
		out.Placements = append(out.Placements, apitypes.PlacementRow{Id: r.ID, Status: apitypes.PlacementRowStatus(r.Status), Access: apitypes.PlacementRowAccess(r.Access),
			ChildRef: r.ChildRef, PlacingCouncil: r.PlacingCouncil, Provider: r.Provider, Home: r.HomeName, HostCouncil: r.HostCouncil,
			StartDate: apiDate(r.StartDate), EndedOn: apiDateOrNil(r.EndedOn)})
	}
	return c.JSON(http.StatusOK, out)
}

// toAPIPlacement is a placement as the caller may see it: the host council gets no
// request, profile, fee or agreement (those fields are absent).
func toAPIPlacement(v marketplace.PlacementView) apitypes.Placement {
	out := apitypes.Placement{Id: v.ID, RequestId: &v.RequestID, Status: apitypes.PlacementStatus(v.Status), Access: apitypes.PlacementAccess(v.Access),
		ChildRef: v.ChildRef, PlacingCouncil: v.PlacingCouncil, Contact: v.Contact, Provider: v.Provider, Home: v.HomeName, HomeUrn: v.HomeURN,
		HomeOutcode: v.HomeOutcode, HostCouncil: v.HostCouncil, StartDate: apiDate(v.StartDate), StartedOn: apiDateOrNil(v.StartedOn),
		EndedOn: apiDateOrNil(v.EndedOn), EndReason: (*apitypes.PlacementEndReason)(v.EndReason), Incidents: []apitypes.Incident{}}
	for _, in := range v.Incidents {
		out.Incidents = append(out.Incidents, apitypes.Incident{Id: in.ID, Kind: apitypes.IncidentKind(in.Kind), StartedAt: in.StartedAt, EndedAt: in.EndedAt, Note: in.Note})
	}
	if v.Access == marketplace.AccessHost {
		out.RequestId = nil
		return out
	}
	out.AgeYears, out.Sex, out.LegalStatus, out.Needs = &v.AgeYears, optional(v.Sex), optional(v.LegalStatus), optionalSlice(v.Needs)
	out.WeeklyFeePence, out.Miles, out.NoticeDays, out.ReviewDate = ptrTo(int64(v.WeeklyFeePence)), &v.Miles, &v.NoticeDays, apiDateOrNil(v.ReviewDate)
	out.NextReviewDate = apiDateOrNil(v.NextReview)
	if v.Access == marketplace.AccessCouncil {
		out.ApprovalRules, out.Reviews, out.Regulation11 = optionalSlice(toAPIRules(v.Placement)), optionalSlice(toAPIReviews(v.Reviews)), toAPIReg11(v.Placement)
		out.HostNotices = optionalSlice(toAPIHostNotices(v.HostNotices))
	}
	var fees []apitypes.Fee
	for _, f := range v.Fees {
		fees = append(fees, apitypes.Fee{EffectiveFrom: apiDate(f.EffectiveFrom), CorePence: int64(f.CorePence), OneToOneHours: f.OneToOneHours,
			OneToOneRatePence: int64(f.OneToOneRatePence), EducationPence: int64(f.EducationPence), TotalPence: int64(f.TotalPence), Reason: f.Reason})
	}
	out.Fees = optionalSlice(fees)
	var agreements []apitypes.Agreement
	for _, a := range v.Agreements {
		agreements = append(agreements, apitypes.Agreement{Version: a.Version, Reason: apitypes.AgreementReason(a.Reason), Sha256: a.SHA256, IssuedAt: a.IssuedAt,
			Url: "/api/v1/placements/" + strconv.FormatInt(v.ID, 10) + "/agreement?version=" + strconv.Itoa(a.Version)})
	}
	out.Agreements = optionalSlice(agreements)
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

func (s *Server) apiStart(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var in marketplace.StartInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if _, err := s.deps.Market.ConfirmStart(c.Request().Context(), id, currentOrg(c).ID, u.ID, in.Day()); err != nil {
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

func (s *Server) apiReportIncident(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var in marketplace.IncidentReport
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if _, err := s.deps.Market.ReportIncident(c.Request().Context(), id, currentOrg(c).ID, u.ID, in); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/placements/%d", id))
	return s.placementReply(c, http.StatusCreated)
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
	var in marketplace.IncidentEnd
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if _, err := s.deps.Market.EndIncident(c.Request().Context(), id, incident, currentOrg(c).ID, u.ID, in); err != nil {
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

func (s *Server) apiNotices(c echo.Context) error {
	lv, err := noticeAPIList.listAPI(c)
	if err != nil {
		return err
	}
	list, total, unread, err := s.inboxOf(c).ListWhere(c.Request().Context(), currentOrg(c).ID, lv.Query)
	if err != nil {
		return err
	}
	p := lv.counted(total).Pager
	out := apitypes.NoticePage{Notices: make([]apitypes.Notice, 0, len(list)), Unread: int(unread), Page: p.Page, PerPage: p.Size, Total: int(p.Total), Next: p.next()}
	for _, n := range list {
		out.Notices = append(out.Notices, apitypes.Notice{Id: n.ID, Kind: apitypes.NoticeKind(n.Kind), Subject: n.Subject, Body: n.Body, PlacementId: n.PlacementID,
			CreatedAt: n.CreatedAt, ReadAt: n.ReadAt})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiChild(c echo.Context) error {
	ref := strings.TrimSpace(c.QueryParam("ref"))
	if ref == "" {
		return kernel.Invalid("ref", "Give the child's reference, as ?ref=")
	}
	rec, err := s.deps.Market.ChildHistory(c.Request().Context(), currentOrg(c).ID, ref)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIChildHistory(rec))
}

func toAPIChildHistory(rec marketplace.ChildRecord) apitypes.ChildHistory {
	out := apitypes.ChildHistory{ChildRef: rec.Ref, Since: apiDate(rec.Since), Moves: rec.Moves, Incidents: rec.Incidents,
		Placements: make([]apitypes.ChildHistoryPlacement, 0, len(rec.Placements))}
	for _, p := range rec.Placements {
		out.Placements = append(out.Placements, apitypes.ChildHistoryPlacement{PlacementId: p.ID, Status: apitypes.ChildHistoryPlacementsStatus(p.Status),
			Home: p.HomeName, Provider: p.Provider, HostCouncil: p.HostCouncil, Miles: p.Miles, StartedOn: apiDateOrNil(p.StartedOn),
			EndedOn: apiDateOrNil(p.EndedOn), EndReason: p.EndReason, Move: p.Move, NextReviewDate: apiDateOrNil(p.NextReview)})
	}
	return out
}

// amendRequest changes only the fields given; the rest stay as they are.
func (s *Server) apiAmend(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.deps.Requests.Request(ctx, id, currentOrg(c).ID) // authorised before validated
	if err != nil {
		return err
	}
	var ch marketplace.AmendChanges
	if err := s.decodeJSON(c, &ch); err != nil {
		return err
	}
	in := ch.Onto(r)
	u, _ := currentUser(c)
	a, err := s.deps.Market.AmendRequest(ctx, id, currentOrg(c).ID, u.ID, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/requests/%d", a.RequestID))
	return c.JSON(http.StatusCreated, toAPIAmendment(a))
}

func derefOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func toAPIAmendment(a marketplace.Amendment) apitypes.Amendment {
	out := apitypes.Amendment{Id: a.ID, RequestId: a.RequestID, Reason: a.Reason, Changes: make([]apitypes.AmendmentChange, len(a.Changes))}
	for i, ch := range a.Changes {
		out.Changes[i] = apitypes.AmendmentChange{Field: ch.Field, Label: ch.Label, From: ch.From, To: ch.To}
	}
	return out
}
