package frontend

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
)

// Secure welfare: councils send section 25 referrals and follow them; the SWCU sees the
// national bed board and the waiting list, circulates referrals, allocates beds (with an
// optimal suggestion) and reads the daily report; secure homes keep their beds current,
// answer referrals, and confirm admissions and discharges.

func secureViewer(c echo.Context) secure.Viewer {
	o := currentOrg(c)
	return secure.Viewer{OrgID: o.ID, Kind: o.Kind}
}

func referralID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// The national bed board, live.

func (s *Server) secureBoard(c echo.Context) error {
	b, err := s.deps.Secure.Board(c.Request().Context())
	if err != nil {
		return err
	}
	// The board's live parts: the summary, a row per home and the time it stands at.
	var parts liveParts
	if err := parts.add(s, "secure_board", "secure_board_summary", "summary", b); err != nil {
		return err
	}
	for _, h := range b.Homes {
		if err := parts.add(s, "secure_board", "secure_board_row", fmt.Sprintf("home-%d", h.ID), h); err != nil {
			return err
		}
	}
	if err := parts.add(s, "secure_board", "secure_board_asof", "asof", b); err != nil {
		return err
	}
	data := map[string]any{"B": b, "Parts": parts.HTML}
	switch c.QueryParam("partial") {
	case "delta":
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return c.JSON(http.StatusOK, parts.delta(parseHave(c.QueryParam("have"))))
	case "1":
		return s.fragment(c, http.StatusOK, "secure_board", "secure_board_results", data)
	}
	return s.page(c, http.StatusOK, "secure_board", "Secure bed board", data)
}

func (s *Server) secureEvents(c echo.Context) error { return s.stream(c, s.secureHub, "secure") }

// Councils' referrals.

func (s *Server) secureReferrals(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	refs, total, err := s.deps.Secure.ForCouncil(c.Request().Context(), currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	if err := s.auditList(c, "secure_referral", idsOf(refs, func(r secure.Referral) int64 { return r.ID })); err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "secure_referrals", "Secure referrals", map[string]any{"Refs": refs, "Now": s.now(), "Pager": pg.counted(c, total)})
}

// A council's referral is two steps: the form (step 1), then check your answers (step 2),
// which sends it. The form, once it has no problems, is kept in the user's session
// (sealed, held server-side, gone at sign-out and at sign-in; referral_draft.go) until it
// is sent, so going back to change an answer, or forward again, loses nothing. A fresh
// visit to the form starts again; check your answers' Back and Change links
// (?change=1) come back to the kept form.

func (s *Server) newReferralPage(c echo.Context) error {
	form := map[string]string{"preferred_miles": "50"}
	if c.QueryParam("change") != "1" {
		s.dropReferralDraft(c)
	} else if vals, ok := s.referralDraft(c); ok {
		form, _ = s.decodeFormValues(nil, vals, &secure.NewReferral{}, nil)
		form["_draft"] = "1"
	}
	return s.renderReferralForm(c, http.StatusOK, form, nil)
}

func (s *Server) renderReferralForm(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	return s.page(c, status, "secure_referral_new", "Send a secure referral", map[string]any{"Positions": options(secure.LegalPositions),
		"Urgencies": options(secure.Urgencies), "Needs": options(kernel.Needs), "OrderKinds": options(secure.OrderKinds),
		"Reasons": options(secure.PrimaryReasons), "Ethnicities": options(kernel.Ethnicities)}, withForm(form, fe), withBack())
}

// readReferral checks a referral as typed, every problem at once, each by its form field.
func (s *Server) readReferral(vals url.Values) (secure.ReferralInput, map[string]string, kernel.FieldErrors) {
	var n secure.NewReferral
	form, fe := s.decodeFormValues(nil, vals, &n, nil)
	in, rfe := n.Input(s.today())
	for _, e := range withFormIDs(rfe, &n) {
		if !fe.Has(e.Field) {
			fe = append(fe, e)
		}
	}
	// The error summary lists problems in the form's order, which check your answers follows.
	order := map[string]int{}
	for i, a := range referralAnswers(in) {
		order[strings.TrimSuffix(a.Field, "-day")] = i + 1
	}
	order["birth_year"] = order["birth_month"]
	at := func(e kernel.FieldError) int {
		if i, ok := order[e.Field]; ok {
			return i
		}
		return len(order) + 1
	}
	slices.SortStableFunc(fe, func(a, b kernel.FieldError) int { return at(a) - at(b) })
	return in, form, fe
}

// submitReferral checks step 1 and, with no problem, keeps it and goes on to check your
// answers.
func (s *Server) submitReferral(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	_, form, fe := s.readReferral(vals)
	if len(fe) > 0 {
		return s.renderReferralForm(c, http.StatusUnprocessableEntity, form, fe)
	}
	kept, fe := referralFormValues(vals)
	if len(fe) > 0 {
		return s.renderReferralForm(c, http.StatusUnprocessableEntity, form, withFormIDs(fe, &secure.NewReferral{}))
	}
	if err := s.keepReferralDraft(c, kept); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/secure/referrals/new/check")
}

// checkReferralPage is step 2: every answer, each with a Change link back to its field.
func (s *Server) checkReferralPage(c echo.Context) error {
	vals, ok := s.referralDraft(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/secure/referrals/new")
	}
	in, form, fe := s.readReferral(vals)
	if len(fe) > 0 { // a date has passed since step 1, say
		return s.renderReferralForm(c, http.StatusUnprocessableEntity, form, fe)
	}
	return s.page(c, http.StatusOK, "secure_referral_check", "Check your answers: secure referral", map[string]any{"Answers": referralAnswers(in)})
}

// sendReferral sends the kept referral from check your answers.
func (s *Server) sendReferral(c echo.Context) error {
	vals, ok := s.referralDraft(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/secure/referrals/new")
	}
	in, form, fe := s.readReferral(vals)
	if len(fe) > 0 {
		return s.renderReferralForm(c, http.StatusUnprocessableEntity, form, fe)
	}
	u, _ := currentUser(c)
	ctx := c.Request().Context()
	r, err := s.deps.Secure.Submit(ctx, currentOrg(c).ID, u.ID, in)
	if errors.As(err, &fe) {
		return s.renderReferralForm(c, http.StatusUnprocessableEntity, form, withFormIDs(fe, &secure.NewReferral{}))
	}
	if err != nil {
		return err
	}
	s.dropReferralDraft(c)
	s.flash(c, "The referral has been sent to the Secure Welfare Coordination Unit")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/secure/referrals/%d", r.ID))
}

// secureReferralPage shows a referral to its council, the SWCU or a home it went to,
// each with what it may do.
func (s *Server) secureReferralPage(c echo.Context) error {
	return s.renderReferral(c, http.StatusOK, nil, nil)
}

func (s *Server) renderReferral(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := secureViewer(c)
	r, err := s.deps.Secure.Referral(ctx, id, v)
	if err != nil {
		return err
	}
	data := map[string]any{"R": r, "Kind": string(v.Kind), "Paused": r.Paused(s.now()), "Days": r.DaysWaiting(s.now()),
		"DeclineReasons": options(secure.DeclineReasons)}
	if v.Kind != kernel.KindProvider {
		clock, err := s.deps.Secure.NoOrderClock(ctx, id)
		if err != nil {
			return err
		}
		scots, err := s.deps.Secure.ScottishApprovals(ctx, id)
		if err != nil {
			return err
		}
		units, err := s.deps.Secure.ScottishUnits(ctx)
		if err != nil {
			return err
		}
		var unitOpts [][2]string
		for _, u := range units {
			unitOpts = append(unitOpts, [2]string{strconv.FormatInt(u.ID, 10), u.Name})
		}
		data["Clock"], data["ScottishApprovals"], data["ScottishUnits"], data["OrderInForce"] = clock, scots, unitOpts, r.OrderInForce(s.now())
	}
	if c.QueryParam("partial") == "1" {
		return s.fragment(c, http.StatusOK, "secure_referral", "secure_referral_status", map[string]any{"R": r, "Paused": data["Paused"]})
	}
	switch v.Kind {
	case kernel.KindSWCU:
		circs, err := s.deps.Secure.Circulations(ctx, id)
		if err != nil {
			return err
		}
		suit, err := s.deps.Secure.HomesFor(ctx, r)
		if err != nil {
			return err
		}
		data["Circulations"], data["Suitable"] = circs, suit
		var beds [][2]string
		for _, cc := range circs {
			if cc.Response != nil && *cc.Response == "accepted" && cc.BedID != nil {
				beds = append(beds, [2]string{strconv.FormatInt(*cc.BedID, 10), fmt.Sprintf("%s, bed %s (offered, from %s)", cc.HomeName, cc.BedLabel, cc.EarliestAdmission.Format("2 January 2006"))})
			}
		}
		// Only a bed a home offered this child can be allocated: a home not yet asked
		// is asked by circulating the referral to it.
		data["Beds"] = beds
	case kernel.KindProvider:
		home, beds, err := s.deps.Secure.HomeOf(ctx, v.OrgID)
		if err != nil {
			return err
		}
		var free [][2]string
		for _, b := range beds {
			if b.Status.IsFree() && b.Designation == "welfare" {
				free = append(free, [2]string{strconv.FormatInt(b.ID, 10), "Bed " + b.Label})
			}
		}
		data["Home"], data["FreeBeds"] = home, free
		data["Mine"] = r.AllocatedBedID != nil && bedIn(beds, *r.AllocatedBedID)
	}
	return s.page(c, status, "secure_referral", "Secure referral "+r.ChildRef, data, withForm(form, fe),
		withCrumbs(Link{Href: "/secure/referrals"}, Link{Href: "/secure/waiting"}, Link{Href: "/secure/home"}))
}

func bedIn(beds []secure.Bed, id int64) bool {
	for _, b := range beds {
		if b.ID == id {
			return true
		}
	}
	return false
}

// referralAction reads the posted form into in (fields named by name), then runs one
// step on the referral in the URL and shows its outcome: problems with the form, found
// by the input's checks or by the step, re-render the page with what was typed, each
// beside its field; conflicts are a flash message.
func (s *Server) referralAction(c echo.Context, in any, name fieldNames, step func(id, by int64) (string, error)) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	form, fe, err := s.decodeFormNamed(c, in, name)
	if err != nil {
		return err
	}
	msg := ""
	if fe == nil {
		u, _ := currentUser(c)
		msg, err = step(id, u.ID)
		switch {
		case errors.As(err, &fe):
			fe = withFormIDsNamed(fe, in, name)
		case errors.Is(err, kernel.ErrConflict):
			s.flash(c, userMessage(err))
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/secure/referrals/%d", id))
		case err != nil:
			return err
		}
	}
	if fe != nil {
		return s.renderReferral(c, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/secure/referrals/%d", id))
}

func (s *Server) refreshReferral(c echo.Context) error {
	var in secure.RefreshInput
	return s.referralAction(c, &in, nil, func(id, by int64) (string, error) {
		_, err := s.deps.Secure.Refresh(c.Request().Context(), id, currentOrg(c).ID, by, in.Reviewed, in.Note)
		return "The referral is updated; the search carries on", err
	})
}

func (s *Server) withdrawReferral(c echo.Context) error {
	var in secure.WithdrawInput
	return s.referralAction(c, &in, nil, func(id, by int64) (string, error) {
		_, err := s.deps.Secure.Withdraw(c.Request().Context(), id, currentOrg(c).ID, by, in.PlacedElsewhere, in.Reason)
		return "The referral is withdrawn; the SWCU has been told", err
	})
}

func (s *Server) circulateReferral(c echo.Context) error {
	var in secure.CirculateInput
	return s.referralAction(c, &in, nil, func(id, by int64) (string, error) {
		n, err := s.deps.Secure.Circulate(c.Request().Context(), id, in.HomeIDs, by)
		return fmt.Sprintf("The referral has been sent to %d %s", n, map[bool]string{true: "home", false: "homes"}[n == 1]), err
	})
}

func (s *Server) allocateBed(c echo.Context) error {
	var in secure.AllocateInput
	return s.referralAction(c, &in, nil, func(id, by int64) (string, error) {
		_, err := s.deps.Secure.Allocate(c.Request().Context(), id, in.BedID, by)
		for _, e := range []error{secure.ErrBedTaken, secure.ErrNotOffered, secure.ErrNeedsSOSApproval, secure.ErrNeedsScottishApproval} {
			if errors.Is(err, e) {
				return "", kernel.Invalid("bed_id", userMessage(err))
			}
		}
		return "The bed is held for the child; the council, the home and the host council have been told", err
	})
}

// releaseBed lets the coordinator release the bed held for an allocated child.
func (s *Server) releaseBed(c echo.Context) error {
	var in secure.ReleaseInput
	return s.referralAction(c, &in, nil, func(id, by int64) (string, error) {
		_, err := s.deps.Secure.Release(c.Request().Context(), id, by, in.Reason)
		return "The bed is released and the child is back on the waiting list; the council, the home and the host council have been told", err
	})
}

// recordApproval records the Secretary of State's or the Scottish Ministers' approval.
// The page has a form for each, the Scottish one's fields named scottish_….
func (s *Server) recordApproval(c echo.Context) error {
	var kind struct {
		Kind string `form:"kind"`
	}
	if _, _, err := s.decodeForm(c, &kind); err != nil {
		return err
	}
	var name fieldNames
	if kind.Kind == "scottish" {
		name = func(n string) string {
			if n == "kind" {
				return n
			}
			return "scottish_" + n
		}
	}
	var in secure.ApprovalRequest
	return s.referralAction(c, &in, name, func(id, by int64) (string, error) {
		_, err := s.deps.Secure.RecordApproval(c.Request().Context(), id, secureViewer(c), by, in.Input())
		return "The approval is recorded", err
	})
}

// recordHold records a period the child was held without a court order (reg. 10).
func (s *Server) recordHold(c echo.Context) error {
	var in secure.HoldInput
	return s.referralAction(c, &in, nil, func(id, by int64) (string, error) {
		clock, err := s.deps.Secure.RecordHold(c.Request().Context(), id, secureViewer(c), by, &in.From, in.Until)
		return fmt.Sprintf("The period is recorded: %s hours of the 72 remain in the last 28 days", hoursLeft(clock.Remaining)), err
	})
}

func hoursLeft(h float64) string { return strconv.FormatFloat(math.Floor(h*10)/10, 'f', -1, 64) }

// endHold ends the running period held without an order (an order was made, or the
// child left).
func (s *Server) endHold(c echo.Context) error {
	var in secure.EndHoldInput
	return s.referralAction(c, &in, nil, func(id, _ int64) (string, error) {
		return "The period has ended", s.deps.Secure.EndHold(c.Request().Context(), id, secureViewer(c), in.At)
	})
}

func (s *Server) respondToReferral(c echo.Context) error {
	var in secure.ResponseInput
	return s.referralAction(c, &in, nil, func(id, by int64) (string, error) {
		resp := in.Answer()
		err := s.deps.Secure.Respond(c.Request().Context(), id, currentOrg(c).ID, by, resp)
		return map[bool]string{true: "You have offered a bed; the SWCU has been told", false: "You have declined; the SWCU has been told"}[resp.Accept], err
	})
}

func (s *Server) admitChild(c echo.Context) error {
	var in secure.AdmitInput
	return s.referralAction(c, &in, nil, func(id, by int64) (string, error) {
		return "The admission is confirmed: the bed is occupied", s.deps.Secure.Admit(c.Request().Context(), id, currentOrg(c).ID, by, in.Day())
	})
}

// dischargeChild records a discharge from the home's page, whose forms name their fields
// per child (d<referral>_…).
func (s *Server) dischargeChild(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	var in secure.DischargeInput
	name := prefixed(fmt.Sprintf("d%d_", id))
	form, fe, err := s.decodeFormNamed(c, &in, name)
	if err != nil {
		return err
	}
	if fe == nil {
		u, _ := currentUser(c)
		err = s.deps.Secure.Discharge(c.Request().Context(), id, currentOrg(c).ID, u.ID, in.Day(), in.Reason)
		switch {
		case errors.As(err, &fe):
			fe = withFormIDsNamed(fe, &in, name)
		case errors.Is(err, kernel.ErrConflict):
			s.flash(c, userMessage(err))
			return c.Redirect(http.StatusSeeOther, "/secure/home")
		case err != nil:
			return err
		}
	}
	if fe != nil {
		return s.renderSecureHome(c, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "The discharge is recorded: the bed is free")
	return c.Redirect(http.StatusSeeOther, "/secure/home")
}

// The SWCU's waiting list, suggestion, report and metrics.

// waitingListSpec is the SWCU's waiting list: searched by child or council, filtered
// by urgency, status and whether the search is paused, sorted by a column (most
// pressing first otherwise).
var waitingListSpec = listSpec{Path: "/secure/waiting", Noun: [2]string{"child waiting", "children waiting"},
	Search: "Child's reference or council", SearchHint: "All or part of either",
	Filters: []listFilter{{Name: "urgency", Legend: "Urgency", Options: secure.Urgencies}, {Name: "status", Legend: "Status", Options: secure.WaitingStatuses},
		{Name: "paused", Legend: "Search", Options: secure.WaitingPaused}},
	Sorts: secure.WaitingSorts}

var waitingAPIList = waitingListSpec.forAPI("/api/v1/secure/waiting")

// waitingPage reads one page of the waiting list as lv asks, for the page and the API,
// and audits it as a read of the children on it.
func (s *Server) waitingPage(c echo.Context, lv listView) ([]secure.WaitingChild, listView, error) {
	all, err := s.deps.Secure.WaitingList(c.Request().Context())
	if err != nil {
		return nil, lv, err
	}
	if all, err = secure.FilterWaiting(all, lv.Query); err != nil {
		return nil, lv, err
	}
	lv = lv.counted(int64(len(all)))
	w := window(lv.Pager, all)
	if err := s.auditList(c, "secure_referral", idsOf(w, func(r secure.WaitingChild) int64 { return r.ID })); err != nil {
		return nil, lv, err
	}
	return w, lv, nil
}

func (s *Server) waitingList(c echo.Context) error {
	w, lv, err := s.waitingPage(c, waitingListSpec.listPage(c))
	if err != nil {
		return err
	}
	return s.page(c, lv.status(), "secure_waiting", "Waiting list", map[string]any{"Waiting": w, "List": lv, "Pager": lv.Pager}, withForm(lv.Form, lv.Errors))
}

func (s *Server) suggestions(c echo.Context) error {
	sug, err := s.deps.Secure.Suggest(c.Request().Context())
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "secure_suggestions", "Suggested allocation", map[string]any{"S": sug})
}

// acceptSuggestion takes one suggested pair: an offered bed is allocated; a bed not yet
// asked for is asked for, by circulating the referral to its home.
func (s *Server) acceptSuggestion(c echo.Context) error {
	var in secure.SuggestionInput
	_, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe == nil {
		u, _ := currentUser(c)
		ctx := c.Request().Context()
		if in.Offered {
			_, err = s.deps.Secure.Allocate(ctx, in.ReferralID, in.BedID, u.ID)
			if err == nil {
				s.flash(c, "The bed is allocated; the council, the home and the host council have been told")
			}
		} else {
			_, err = s.deps.Secure.Circulate(ctx, in.ReferralID, []int64{in.HomeID}, u.ID)
			if err == nil {
				s.flash(c, "The home has been asked; allocate when it offers the bed")
			}
		}
	}
	// The page's forms are buttons with hidden fields: a problem is a message above the list.
	if fe != nil || errors.As(err, &fe) || errors.Is(err, kernel.ErrConflict) {
		if fe != nil {
			s.flash(c, fe[0].Text())
		} else {
			s.flash(c, userMessage(err))
		}
	} else if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/secure/suggestions")
}

func (s *Server) dailyReport(c echo.Context) error {
	rep, err := s.deps.Secure.DailyReport(c.Request().Context())
	if err != nil {
		return err
	}
	if err := s.auditList(c, "secure_referral", reportReferrals(rep)); err != nil {
		return err
	}
	u, _ := currentUser(c)
	sub, err := s.deps.Secure.Subscribed(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "secure_report", "Daily national report", map[string]any{"Rep": rep, "Subscribed": sub, "At": s.cfg.ReportAt})
}

func (s *Server) dailyReportCSV(c echo.Context) error {
	rep, err := s.deps.Secure.DailyReport(c.Request().Context())
	if err != nil {
		return err
	}
	if err := s.auditList(c, "secure_referral", reportReferrals(rep)); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="secure-report-%s.csv"`, rep.Date.Format(time.DateOnly)))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	return rep.WriteCSV(c.Response())
}

func (s *Server) subscribeReport(c echo.Context) error {
	var in secure.SubscribeInput
	if _, _, err := s.decodeForm(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	on := in.Subscribe
	if err := s.deps.Secure.Subscribe(c.Request().Context(), u.ID, on); err != nil {
		return err
	}
	s.flash(c, map[bool]string{true: "You will get the report by email each day", false: "You will no longer get the report by email"}[on])
	return c.Redirect(http.StatusSeeOther, "/secure/report")
}

func (s *Server) secureMetrics(c echo.Context) error {
	m, err := s.deps.Secure.Metrics(c.Request().Context(), 30)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "secure_metrics", "Secure welfare measures", map[string]any{"M": m})
}

// A secure home's own page: its beds, referrals sent to it, and its children.

func (s *Server) secureHomePage(c echo.Context) error {
	return s.renderSecureHome(c, http.StatusOK, nil, nil)
}

func (s *Server) renderSecureHome(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	home, beds, err := s.deps.Secure.HomeOf(ctx, org.ID)
	if err != nil {
		return err
	}
	incoming, err := s.deps.Secure.IncomingFor(ctx, org.ID)
	if err != nil {
		return err
	}
	children, err := s.deps.Secure.HomeChildren(ctx, org.ID)
	if err != nil {
		return err
	}
	ids := idsOf(incoming, func(i secure.Incoming) int64 { return i.ReferralID })
	if err := s.auditList(c, "secure_referral", append(ids, idsOf(children, func(a secure.Allocated) int64 { return a.ID })...)); err != nil {
		return err
	}
	// Each bed's row starts at its current state; what was typed overrides it.
	shown := bedForm(beds)
	for k, v := range form {
		shown[k] = v
	}
	return s.page(c, status, "secure_home", home.Name, map[string]any{"Home": home, "Beds": beds, "Incoming": incoming, "Children": children,
		"ClosedReasons": options(secure.ClosedReasons), "DischargeReasons": options(secure.DischargeReasons)}, withForm(shown, fe))
}

// bedForm is the beds table's fields as the beds stand now, so each row's controls are
// preselected to its current state.
func bedForm(beds []secure.Bed) map[string]string {
	form := map[string]string{}
	date := func(name string, t *time.Time) {
		if t != nil {
			form[name+"-day"], form[name+"-month"], form[name+"-year"] = strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year())
		}
	}
	for _, b := range beds {
		form[secure.BedField(b.ID, "status")] = string(b.Status)
		form[secure.BedField(b.ID, "version")] = strconv.Itoa(b.Version)
		if b.ClosedReason != nil {
			form[secure.BedField(b.ID, "closed_reason")] = *b.ClosedReason
		}
		date(secure.BedField(b.ID, "reopens_on"), b.ReopensOn)
		date(secure.BedField(b.ID, "expected_free_on"), b.ExpectedFreeOn)
	}
	return form
}

// unsavedBedChanges is an error on each bed whose state in the posted table differs from
// its state now: "Confirm, no changes" would otherwise drop the change unseen.
func (s *Server) unsavedBedChanges(c echo.Context, beds []secure.Bed) kernel.FieldErrors {
	var fe kernel.FieldErrors
	for _, b := range beds {
		if b.Status.Held() {
			continue
		}
		var row struct {
			Status *string `form:"status"`
		}
		if _, _, err := s.decodeFormNamed(c, &row, func(n string) string { return secure.BedField(b.ID, n) }); err != nil || row.Status == nil {
			continue
		}
		if *row.Status != string(b.Status) {
			fe = append(fe, kernel.FieldError{Field: secure.BedField(b.ID, "status"), Code: kernel.CodeInvalid,
				Message: fmt.Sprintf("You changed bed %s: save your changes, or set it back to confirm that nothing changed", b.Label)})
		}
	}
	return fe
}

// saveSecureBeds handles the home's beds table: "Save changes" saves every bed whose row
// changed, all or nothing, with every problem shown beside its bed; "Confirm, no
// changes" records that every bed is as shown. Only the home's own beds are read from
// the form.
func (s *Server) saveSecureBeds(c echo.Context) error {
	var action struct {
		Action string `form:"action"`
	}
	form, _, err := s.decodeForm(c, &action)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	org := currentOrg(c)
	user, _ := currentUser(c)
	if action.Action == "confirm" {
		// A confirmation must not throw away what the user changed in the table: if a row
		// differs from the bed's state, show the table again with the changes kept.
		_, beds, err := s.deps.Secure.HomeOf(ctx, org.ID)
		if err != nil {
			return err
		}
		if fe := s.unsavedBedChanges(c, beds); fe != nil {
			return s.renderSecureHome(c, http.StatusUnprocessableEntity, form, fe)
		}
		n, err := s.deps.Secure.ConfirmBeds(ctx, org.ID, user.ID)
		if err != nil {
			return err
		}
		s.flash(c, fmt.Sprintf("All %d beds are confirmed as shown; the national board shows them as checked now", n))
		return c.Redirect(http.StatusSeeOther, "/secure/home")
	}
	_, beds, err := s.deps.Secure.HomeOf(ctx, org.ID)
	if err != nil {
		return err
	}
	updates := map[int64]secure.BedUpdate{}
	var fe kernel.FieldErrors
	for _, b := range beds {
		if b.Status.Held() {
			continue // a held bed's row has no controls: allocation holds it
		}
		name := func(n string) string { return secure.BedField(b.ID, n) }
		var row struct {
			Status *string `form:"status"`
		}
		if _, _, err := s.decodeFormNamed(c, &row, name); err != nil {
			return err
		}
		if row.Status == nil {
			continue // a bed the form does not show is left as it is
		}
		var in secure.BedInput
		_, bfe, err := s.decodeFormNamed(c, &in, name)
		if err != nil {
			return err
		}
		for _, e := range bfe { // each bed's problems by its own names, as SetBeds names them
			e.Field = secure.BedField(b.ID, e.Field)
			fe = append(fe, e)
		}
		updates[b.ID] = in.Update()
	}
	var changed []secure.Bed
	if len(fe) == 0 {
		changed, err = s.deps.Secure.SetBeds(ctx, org.ID, user.ID, updates)
		if err != nil && !errors.As(err, &fe) {
			return err
		}
		for i, e := range fe { // the dates' errors link to their day boxes
			if strings.HasSuffix(e.Field, "_on") && e.FormID == "" {
				fe[i].FormID = e.Field + "-day"
			}
		}
	}
	if len(fe) > 0 {
		return s.renderSecureHome(c, http.StatusUnprocessableEntity, form, fe)
	}
	switch len(changed) {
	case 0:
		s.flash(c, "No bed changed. If every bed is as shown, use Confirm, no changes")
	case 1:
		s.flash(c, "Bed "+changed[0].Label+" is saved; the national board shows it now")
	default:
		s.flash(c, fmt.Sprintf("%d beds are saved; the national board shows them now", len(changed)))
	}
	return c.Redirect(http.StatusSeeOther, "/secure/home")
}
