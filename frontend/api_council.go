package frontend

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/marketplace"
)

// The council's side of the API that the web pages already had: its lists of requests
// and secure referrals, the scored bids once a request has closed, and the referral
// steps (update, withdraw, the SWCU accepting a suggestion). Each handler calls the same
// domain method as its page.

// queryCodes reads a repeatable, comma-separated query parameter (?status=open,closed
// or ?status=open&status=closed) as a list of codes.
func queryCodes(c echo.Context, name string) []string {
	var out []string
	for _, v := range c.QueryParams()[name] {
		for _, code := range strings.Split(v, ",") {
			if code = strings.TrimSpace(code); code != "" {
				out = append(out, code)
			}
		}
	}
	return out
}

type apiRequestRow struct {
	ID          int64      `json:"id"`
	Status      string     `json:"status"`
	ChildRef    string     `json:"child_ref"`
	LotID       *int64     `json:"lot_id"`
	Tier        *string    `json:"tier"`
	StartDate   *string    `json:"start_date"`
	Deadline    *time.Time `json:"deadline"`
	Emergency   bool       `json:"emergency"`
	SubmittedAt *time.Time `json:"submitted_at"`
	ClosedAt    *time.Time `json:"closed_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

// apiRequests lists the council's own requests, newest first, as the requests page
// does; ?status= (codes) and ?child_ref= narrow it.
func (s *Server) apiRequests(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	f := commissioning.RequestFilter{Statuses: queryCodes(c, "status"), ChildRef: c.QueryParam("child_ref")}
	reqs, total, err := s.deps.Requests.ForCouncilWhere(c.Request().Context(), currentOrg(c).ID, f, pg.rows())
	if err != nil {
		return err
	}
	if err := s.auditList(c, "placement_request", idsOf(reqs, func(r commissioning.PlacementRequest) int64 { return r.ID })); err != nil {
		return err
	}
	out := make([]apiRequestRow, 0, len(reqs))
	for _, r := range reqs {
		out = append(out, apiRequestRow{ID: r.ID, Status: r.Status, ChildRef: r.ChildRef, LotID: r.LotID, Tier: r.Tier, StartDate: dateOrNil(r.StartDate),
			Deadline: r.Deadline, Emergency: r.Emergency, SubmittedAt: r.SubmittedAt, ClosedAt: r.ClosedAt, CreatedAt: r.CreatedAt})
	}
	return c.JSON(http.StatusOK, pg.counted(c, total).with(map[string]any{"requests": out}))
}

type apiScoredBid struct {
	apiBid
	Rank         int     `json:"rank"`
	Score        float64 `json:"score"`
	Criteria     apiCrit `json:"criteria"`
	HomeName     string  `json:"home_name"`
	Provider     string  `json:"provider"`
	Rating       string  `json:"rating"`
	Miles        float64 `json:"miles"`
	VsCeilingPct float64 `json:"vs_ceiling_pct"`
	// HostCouncil is the council the home is in when it is not the placing council's;
	// HostHasMailbox whether that council's notice of placement can be emailed.
	HostCouncil    string `json:"host_council,omitempty"`
	HostHasMailbox bool   `json:"host_has_mailbox"`
}

type apiCrit struct {
	Price    float64 `json:"price"`
	Quality  float64 `json:"quality"`
	Distance float64 `json:"distance"`
	Fit      float64 `json:"fit"`
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
	out := make([]apiScoredBid, 0, len(ev.Bids))
	for _, b := range ev.Bids {
		out = append(out, apiScoredBid{apiBid: toAPIBid(b.Bid), Rank: b.Rank, Score: b.Score,
			Criteria: apiCrit{Price: b.Price, Quality: b.Quality, Distance: b.Distance, Fit: b.Fit},
			HomeName: b.HomeName, Provider: b.Provider, Rating: b.Rating, Miles: math.Round(b.Miles*10) / 10, VsCeilingPct: b.VsCeilingPct,
			HostCouncil: b.HostCouncil, HostHasMailbox: b.HostHasMailbox})
	}
	w := ev.Framework
	return c.JSON(http.StatusOK, map[string]any{"request_id": id, "status": ev.Request.Status, "ceiling_pence": int64(ev.Ceiling),
		"weights": map[string]int{"price": w.WeightPrice, "quality": w.WeightQuality, "distance": w.WeightDistance, "fit": w.WeightFit},
		"formula": marketplace.ScoreFormula, "declines": ev.Declines, "bids": out})
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
	out := make([]apiReferral, 0, len(refs))
	for _, r := range refs {
		out = append(out, toAPIReferral(r))
	}
	return c.JSON(http.StatusOK, pg.counted(c, total).with(map[string]any{"referrals": out}))
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
	return c.JSON(http.StatusOK, toAPIReferral(r))
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
	return c.JSON(http.StatusOK, toAPIReferral(r))
}

type acceptSuggestionRequest struct {
	ReferralID int64 `json:"referral_id" validate:"required,gt=0"`
	HomeID     int64 `json:"home_id"`
	BedID      int64 `json:"bed_id"`
	// Offered: the home offered the bed, so accepting allocates it; otherwise the
	// referral is circulated to the home to ask for it.
	Offered bool `json:"offered"`
}

// apiAcceptSuggestion takes one suggested pair, as the suggestions page does: an
// offered bed is allocated; a bed not yet asked for is asked for by circulating the
// referral to its home.
func (s *Server) apiAcceptSuggestion(c echo.Context) error {
	var req acceptSuggestionRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, _ := currentUser(c)
	ctx := c.Request().Context()
	if req.Offered {
		if req.BedID <= 0 {
			return commissioning.Invalid("bed_id", "Give the offered bed to allocate")
		}
		r, err := s.deps.Secure.Allocate(ctx, req.ReferralID, req.BedID, u.ID)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"action": "allocated", "referral": toAPIReferral(r)})
	}
	if req.HomeID <= 0 {
		return commissioning.Invalid("home_id", "Give the home to ask for the bed")
	}
	if _, err := s.deps.Secure.Circulate(ctx, req.ReferralID, []int64{req.HomeID}, u.ID); err != nil {
		return err
	}
	r, err := s.deps.Secure.Referral(ctx, req.ReferralID, secureViewer(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"action": "circulated", "referral": toAPIReferral(r)})
}

// apiCirculation is a secure home's answer to a circulated referral.
type apiCirculation struct {
	HomeID            int64      `json:"home_id"`
	Home              string     `json:"home"`
	CirculatedAt      time.Time  `json:"circulated_at"`
	Response          *string    `json:"response"`
	BedID             *int64     `json:"bed_id"`
	BedLabel          string     `json:"bed_label"`
	EarliestAdmission *string    `json:"earliest_admission"`
	DeclineReason     *string    `json:"decline_reason"`
	Detail            string     `json:"detail"`
	RespondedAt       *time.Time `json:"responded_at"`
}

// referralResponses are the homes' answers to a referral, for its council and the
// SWCU; nil for a home, which sees only its own part.
func (s *Server) referralResponses(c echo.Context, id int64) (*[]apiCirculation, error) {
	if k := secureViewer(c).Kind; k != commissioning.KindCouncil && k != commissioning.KindSWCU {
		return nil, nil
	}
	circs, err := s.deps.Secure.Circulations(c.Request().Context(), id)
	if err != nil {
		return nil, fmt.Errorf("responses to referral %d: %w", id, err)
	}
	out := make([]apiCirculation, 0, len(circs))
	for _, cc := range circs {
		out = append(out, apiCirculation{HomeID: cc.HomeID, Home: cc.HomeName, CirculatedAt: cc.CirculatedAt, Response: cc.Response, BedID: cc.BedID,
			BedLabel: cc.BedLabel, EarliestAdmission: dateOrNil(cc.EarliestAdmission), DeclineReason: cc.DeclineReason, Detail: cc.Detail, RespondedAt: cc.RespondedAt})
	}
	return &out, nil
}
