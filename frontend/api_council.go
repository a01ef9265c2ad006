package frontend

import (
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/monitoring"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// The council's side of the API that the web pages already had: its lists of requests
// and secure referrals, the scored bids once a request has closed, and the referral
// steps (update, withdraw, the SWCU accepting a suggestion). Each handler calls the same
// domain method as its page.

// queryCodes reads a repeatable, comma-separated query parameter (?status=open,closed
// or ?status=open&status=closed) as a list of codes.
func queryCodes(c echo.Context, name string) []string { return splitCodes(c.QueryParams()[name]) }

// apiRequests lists the council's own requests, newest first, as the requests page
// does, with the same ?q=, ?status= (codes), ?sort= and ?order=; ?child_ref= names
// one child exactly.
func (s *Server) apiRequests(c echo.Context) error {
	lv, err := requestAPIList.listAPI(c)
	if err != nil {
		return err
	}
	if ref := strings.TrimSpace(c.QueryParam("child_ref")); ref != "" {
		lv.Query.Filters["child_ref"] = []string{ref}
		lv.values.Set("child_ref", ref)
	}
	reqs, total, err := s.deps.Requests.ForCouncilList(c.Request().Context(), currentOrg(c).ID, lv.Query)
	if err != nil {
		return err
	}
	if err := s.auditList(c, "placement_request", idsOf(reqs, func(r marketplace.PlacementRequest) int64 { return r.ID })); err != nil {
		return err
	}
	pg := lv.counted(total).Pager
	out := apitypes.ListRequestsResponse{Requests: make([]apitypes.RequestRow, 0, len(reqs)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for _, r := range reqs {
		out.Requests = append(out.Requests, apitypes.RequestRow{Id: r.ID, Status: apitypes.RequestRowStatus(r.Status), ChildRef: r.ChildRef, LotId: r.LotID,
			Tier: r.Tier, StartDate: apiDateOrNil(r.StartDate), Deadline: r.Deadline, Emergency: r.Emergency, SubmittedAt: r.SubmittedAt,
			ClosedAt: r.ClosedAt, CreatedAt: r.CreatedAt})
	}
	return c.JSON(http.StatusOK, out)
}

// toAPIScoredBid is a bid as the evaluation shows it: the bid, with its rank, score,
// criterion scores, miles and share of the framework ceiling.
func toAPIScoredBid(b marketplace.Scored) apitypes.ScoredBid {
	bid := toAPIBid(b.Bid)
	return apitypes.ScoredBid{Id: bid.Id, RequestId: bid.RequestId, HomeId: bid.HomeId, Status: bid.Status, EarliestStart: bid.EarliestStart,
		WeeklyFeePence: bid.WeeklyFeePence, TotalWeeklyPence: bid.TotalWeeklyPence, NoticeDays: bid.NoticeDays, Justification: bid.Justification,
		Revision: bid.Revision, UpdatedAt: bid.UpdatedAt, Alternative: bid.Alternative, AlternativeRules: bid.AlternativeRules,
		AlternativeReason: bid.AlternativeReason,
		Rank:              b.Rank, Score: b.Score, Criteria: apitypes.ScoredBidCriteria{Price: b.Price, Quality: b.Quality, Distance: b.Distance, Fit: b.Fit},
		HomeName: b.HomeName, Provider: b.Provider, Rating: b.Rating, Miles: math.Round(b.Miles*10) / 10, VsCeilingPct: b.VsCeilingPct,
		HostCouncil: optional(b.HostCouncil), HostHasMailbox: b.HostHasMailbox, LastVisit: toAPILastVisit(b.LastVisit)}
}

// apiRequestBids is the commissioner's evaluation of a closed request, as the request
// page shows it: each bid ranked, with its score, criterion scores, miles and share of
// the framework ceiling. Bids are sealed until the close: 409 before.
func (s *Server) apiRequestBids(c echo.Context) error {
	id, err := requestID(c)
	if err != nil {
		return err
	}
	ev, err := s.deps.Market.Evaluate(c.Request().Context(), id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIEvaluation(ev))
}

// toAPIEvaluation is a closed request's bids, scored, best first.
func toAPIEvaluation(ev marketplace.Evaluation) apitypes.Evaluation {
	w := ev.Framework
	out := apitypes.Evaluation{RequestId: ev.Request.ID, Status: apitypes.EvaluationStatus(ev.Request.Status), CeilingPence: int64(ev.Ceiling),
		Weights: apitypes.EvaluationWeights{Price: w.WeightPrice, Quality: w.WeightQuality, Distance: w.WeightDistance, Fit: w.WeightFit},
		Formula: marketplace.ScoreFormula, Declines: ev.Declines, Bids: make([]apitypes.ScoredBid, 0, len(ev.Bids))}
	for _, b := range ev.Bids {
		out.Bids = append(out.Bids, toAPIScoredBid(b))
	}
	return out
}

// apiSecureReferrals lists the council's own secure referrals, newest first, as its
// referrals page does; ?status= (codes) narrows it.
func (s *Server) apiSecureReferrals(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	refs, total, err := s.deps.Secure.ForCouncilWhere(c.Request().Context(), currentOrg(c).ID, queryCodes(c, "status"), pg.rows())
	if err != nil {
		return err
	}
	if err := s.auditList(c, "secure_referral", idsOf(refs, func(r secure.Referral) int64 { return r.ID })); err != nil {
		return err
	}
	pg = pg.counted(c, total)
	out := apitypes.ListReferralsResponse{Referrals: make([]apitypes.Referral, 0, len(refs)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for _, r := range refs {
		out.Referrals = append(out.Referrals, toAPIReferral(r, s.now()))
	}
	return c.JSON(http.StatusOK, out)
}

type refreshRequest struct {
	Reviewed bool   `json:"reviewed"`
	Note     string `json:"note"`
}

// apiRefreshReferral records the council's 14-day update (reviewed: its 3-monthly
// review too), which un-pauses a paused search.
func (s *Server) apiRefreshReferral(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req refreshRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.Refresh(c.Request().Context(), id, currentOrg(c).ID, u.ID, req.Reviewed, req.Note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReferral(r, s.now()))
}

type withdrawReferralRequest struct {
	PlacedElsewhere bool   `json:"placed_elsewhere"`
	Reason          string `json:"reason"`
}

// apiWithdrawReferral withdraws the council's referral (placed_elsewhere: the child
// was placed outside Hearth), freeing any bed held for the child.
func (s *Server) apiWithdrawReferral(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var req withdrawReferralRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.Withdraw(c.Request().Context(), id, currentOrg(c).ID, u.ID, req.PlacedElsewhere, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReferral(r, s.now()))
}

// apiAcceptSuggestion takes one suggested pair, as the suggestions page does: an
// offered bed is allocated; a bed not yet asked for is asked for by circulating the
// referral to its home.
func (s *Server) apiAcceptSuggestion(c echo.Context) error {
	var in secure.SuggestionInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	ctx := c.Request().Context()
	if in.Offered {
		r, err := s.deps.Secure.Allocate(ctx, in.ReferralID, in.BedID, u.ID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, apitypes.SuggestionAccepted{Action: apitypes.SuggestionAcceptedActionAllocated, Referral: toAPIReferral(r, s.now())})
	}
	if _, err := s.deps.Secure.Circulate(ctx, in.ReferralID, []int64{in.HomeID}, u.ID); err != nil {
		return err
	}
	r, err := s.deps.Secure.Referral(ctx, in.ReferralID, secureViewer(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitypes.SuggestionAccepted{Action: apitypes.SuggestionAcceptedActionCirculated, Referral: toAPIReferral(r, s.now())})
}

// referralResponses are the homes' answers to a referral, for its council and the
// SWCU; nil for a home, which sees only its own part.
func (s *Server) referralResponses(c echo.Context, id int64) (*[]apitypes.ReferralResponse, error) {
	if k := secureViewer(c).Kind; k != kernel.KindCouncil && k != kernel.KindSWCU {
		return nil, nil
	}
	circs, err := s.deps.Secure.Circulations(c.Request().Context(), id)
	if err != nil {
		return nil, fmt.Errorf("responses to referral %d: %w", id, err)
	}
	out := make([]apitypes.ReferralResponse, 0, len(circs))
	for _, cc := range circs {
		out = append(out, apitypes.ReferralResponse{HomeId: cc.HomeID, Home: cc.HomeName, CirculatedAt: cc.CirculatedAt,
			Response: cc.Response, BedId: cc.BedID, BedLabel: cc.BedLabel,
			EarliestAdmission: apiDateOrNil(cc.EarliestAdmission), DeclineReason: cc.DeclineReason,
			Detail: cc.Detail, RespondedAt: cc.RespondedAt})
	}
	return &out, nil
}

// toAPILastVisit is a bid home's last monitoring visit by the council's consortium.
func toAPILastVisit(v *marketplace.LastVisit) *apitypes.ScoredBidLastVisit {
	if v == nil {
		return nil
	}
	return &apitypes.ScoredBidLastVisit{Id: v.ID, VisitedOn: apiDate(v.VisitedOn), Overall: v.Overall, OverallLabel: monitoring.LevelLabel(v.Overall)}
}
