package frontend

import (
	"errors"
	"fmt"
	"math"
	"net/http"
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
	if c.QueryParam("partial") == "1" {
		return s.fragment(c, http.StatusOK, "secure_board", "secure_board_results", map[string]any{"B": b})
	}
	return s.page(c, http.StatusOK, "secure_board", "Secure bed board", map[string]any{"B": b})
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
	return s.page(c, http.StatusOK, "secure_referrals", "Secure referrals", map[string]any{"Refs": refs, "Now": s.now(), "Pager": pg.counted(c, total)})
}

func (s *Server) newReferralPage(c echo.Context) error {
	return s.renderReferralForm(c, http.StatusOK, map[string]string{"preferred_miles": "50"}, nil)
}

func (s *Server) renderReferralForm(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	return s.page(c, status, "secure_referral_new", "Send a secure referral", map[string]any{"Positions": options(secure.LegalPositions),
		"Urgencies": options(secure.Urgencies), "Needs": options(kernel.Needs), "OrderKinds": options(secure.OrderKinds)}, withForm(form, fe), withBack())
}

func (s *Server) submitReferral(c echo.Context) error {
	var n secure.NewReferral
	form, fe, err := s.decodeForm(c, &n)
	if err != nil {
		return err
	}
	in, rfe := n.Input(s.today())
	for _, e := range withFormIDs(rfe, &n) {
		if !fe.Has(e.Field) {
			fe = append(fe, e)
		}
	}
	if len(fe) > 0 {
		return s.renderReferralForm(c, http.StatusUnprocessableEntity, form, fe)
	}
	u, _ := currentUser(c)
	r, err := s.deps.Secure.Submit(c.Request().Context(), currentOrg(c).ID, u.ID, in)
	if errors.As(err, &fe) {
		return s.renderReferralForm(c, http.StatusUnprocessableEntity, form, fe)
	}
	if err != nil {
		return err
	}
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

// referralAction runs one step on the referral in the URL and shows its outcome: field
// problems re-render the page with what was typed; conflicts are a flash message.
func (s *Server) referralAction(c echo.Context, step func(id int64, form map[string]string, userID int64) (string, error)) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	u, _ := currentUser(c)
	msg, err := step(id, form, u.ID)
	var fe kernel.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.renderReferral(c, http.StatusUnprocessableEntity, form, fe)
	case errors.Is(err, kernel.ErrConflict):
		s.flash(c, userMessage(err))
	case err != nil:
		return err
	default:
		s.flash(c, msg)
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/secure/referrals/%d", id))
}

func (s *Server) refreshReferral(c echo.Context) error {
	return s.referralAction(c, func(id int64, form map[string]string, by int64) (string, error) {
		_, err := s.deps.Secure.Refresh(c.Request().Context(), id, currentOrg(c).ID, by, form["reviewed"] == "yes", form["note"])
		return "The referral is updated; the search carries on", err
	})
}

func (s *Server) withdrawReferral(c echo.Context) error {
	return s.referralAction(c, func(id int64, form map[string]string, by int64) (string, error) {
		_, err := s.deps.Secure.Withdraw(c.Request().Context(), id, currentOrg(c).ID, by, form["placed_elsewhere"] == "yes", form["reason"])
		return "The referral is withdrawn; the SWCU has been told", err
	})
}

func (s *Server) circulateReferral(c echo.Context) error {
	return s.referralAction(c, func(id int64, _ map[string]string, by int64) (string, error) {
		vals, _ := c.FormParams()
		var homes []int64
		for _, v := range vals["home_ids"] {
			if h, err := strconv.ParseInt(v, 10, 64); err == nil {
				homes = append(homes, h)
			}
		}
		n, err := s.deps.Secure.Circulate(c.Request().Context(), id, homes, by)
		return fmt.Sprintf("The referral has been sent to %d %s", n, map[bool]string{true: "home", false: "homes"}[n == 1]), err
	})
}

func (s *Server) allocateBed(c echo.Context) error {
	return s.referralAction(c, func(id int64, form map[string]string, by int64) (string, error) {
		bed, _ := strconv.ParseInt(form["bed_id"], 10, 64)
		if bed == 0 {
			return "", kernel.Invalid("bed_id", "Select the bed to allocate")
		}
		_, err := s.deps.Secure.Allocate(c.Request().Context(), id, bed, by)
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
	return s.referralAction(c, func(id int64, form map[string]string, by int64) (string, error) {
		_, err := s.deps.Secure.Release(c.Request().Context(), id, by, form["release_reason"])
		return "The bed is released and the child is back on the waiting list; the council, the home and the host council have been told", err
	})
}

// recordApproval records the Secretary of State's or the Scottish Ministers' approval.
func (s *Server) recordApproval(c echo.Context) error {
	return s.referralAction(c, func(id int64, form map[string]string, by int64) (string, error) {
		in := secure.ApprovalInput{Kind: form["kind"], Reference: form["reference"]}
		if in.Kind == "scottish" {
			in.Reference = form["scottish_reference"]
		}
		in.HomeID, _ = strconv.ParseInt(form["home_id"], 10, 64)
		var fe kernel.FieldErrors
		prefix := map[string]string{"sos": "", "scottish": "scottish_"}[in.Kind]
		for _, d := range []struct {
			name, label string
			dst         **time.Time
		}{{"requested_on", "The date it was asked for", &in.RequestedOn}, {"granted_on", "The date it was granted", &in.GrantedOn}} {
			t, msg := dateParts(form, prefix+d.name, d.label)
			if msg != "" {
				fe.Add(prefix+d.name+"-day", msg)
			}
			*d.dst = t
		}
		if len(fe) > 0 {
			return "", fe
		}
		_, err := s.deps.Secure.RecordApproval(c.Request().Context(), id, secureViewer(c), by, in)
		if errors.As(err, &fe) && prefix != "" {
			for i := range fe {
				if fe[i].Field != "home_id" {
					fe[i].Field = prefix + fe[i].Field
				}
			}
		}
		return "The approval is recorded", err
	})
}

// recordHold records a period the child was held without a court order (reg. 10).
func (s *Server) recordHold(c echo.Context) error {
	return s.referralAction(c, func(id int64, form map[string]string, by int64) (string, error) {
		var fe kernel.FieldErrors
		from := dateTimeParts(form, "held_from", "The start", "Enter the date and time the child was first held without an order", &fe)
		var until *time.Time
		if form["held_until-day"]+form["held_until-month"]+form["held_until-year"]+form["held_until_time"] != "" {
			until = dateTimeParts(form, "held_until", "The end", "Enter the date the period ended, or leave the end blank while the child is still held", &fe)
		}
		if len(fe) > 0 {
			return "", fe
		}
		clock, err := s.deps.Secure.RecordHold(c.Request().Context(), id, secureViewer(c), by, from, until)
		return fmt.Sprintf("The period is recorded: %s hours of the 72 remain in the last 28 days", hoursLeft(clock.Remaining)), err
	})
}

func hoursLeft(h float64) string { return strconv.FormatFloat(math.Floor(h*10)/10, 'f', -1, 64) }

// endHold ends the running period held without an order (an order was made, or the
// child left).
func (s *Server) endHold(c echo.Context) error {
	return s.referralAction(c, func(id int64, form map[string]string, by int64) (string, error) {
		var fe kernel.FieldErrors
		at := dateTimeParts(form, "held_until", "The end", "Enter the date and time the period ended", &fe)
		if len(fe) > 0 {
			return "", fe
		}
		return "The period has ended", s.deps.Secure.EndHold(c.Request().Context(), id, secureViewer(c), *at)
	})
}

func (s *Server) respondToReferral(c echo.Context) error {
	return s.referralAction(c, func(id int64, form map[string]string, by int64) (string, error) {
		resp := secure.Response{Accept: form["response"] == "accept", DeclineReason: form["decline_reason"], Detail: form["detail"]}
		switch form["response"] {
		case "accept":
			resp.BedID, _ = strconv.ParseInt(form["bed_id"], 10, 64)
			d, msg := dateParts(form, "earliest_admission", "The earliest admission date")
			if msg != "" {
				return "", kernel.Invalid("earliest_admission-day", msg)
			}
			resp.EarliestAdmission = d
		case "decline":
		default:
			return "", kernel.Invalid("response", "Select whether you can offer a bed")
		}
		err := s.deps.Secure.Respond(c.Request().Context(), id, currentOrg(c).ID, by, resp)
		return map[bool]string{true: "You have offered a bed; the SWCU has been told", false: "You have declined; the SWCU has been told"}[resp.Accept], err
	})
}

func (s *Server) admitChild(c echo.Context) error {
	return s.referralAction(c, func(id int64, form map[string]string, by int64) (string, error) {
		on, fe := requiredDate(form, "admitted_on", "The admission date", "Enter the date the child was admitted")
		if fe != nil {
			return "", fe
		}
		return "The admission is confirmed: the bed is occupied", s.deps.Secure.Admit(c.Request().Context(), id, currentOrg(c).ID, by, *on)
	})
}

// dischargeChild records a discharge from the home's page, whose forms name their fields
// per child (d<referral>_…).
func (s *Server) dischargeChild(c echo.Context) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	p := fmt.Sprintf("d%d_", id)
	on, fe := requiredDate(form, p+"discharged_on", "The discharge date", "Enter the date the child left")
	if fe == nil {
		u, _ := currentUser(c)
		err = s.deps.Secure.Discharge(c.Request().Context(), id, currentOrg(c).ID, u.ID, *on, form[p+"discharge_reason"])
		switch {
		case errors.As(err, &fe):
			for i := range fe {
				fe[i].Field = p + fe[i].Field
			}
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

// waitingPage reads one page of the waiting list, for the page and the API, and audits
// it as a read of the children on it.
func (s *Server) waitingPage(c echo.Context) ([]secure.WaitingChild, pager, error) {
	pg, err := listPager(c)
	if err != nil {
		return nil, pg, err
	}
	all, err := s.deps.Secure.WaitingList(c.Request().Context())
	if err != nil {
		return nil, pg, err
	}
	pg = pg.counted(c, int64(len(all)))
	w := window(pg, all)
	if err := s.auditList(c, "secure_referral", idsOf(w, func(r secure.WaitingChild) int64 { return r.ID })); err != nil {
		return nil, pg, err
	}
	return w, pg, nil
}

func (s *Server) waitingList(c echo.Context) error {
	w, pg, err := s.waitingPage(c)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "secure_waiting", "Waiting list", map[string]any{"Waiting": w, "Pager": pg})
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
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	ref, _ := strconv.ParseInt(form["referral_id"], 10, 64)
	bed, _ := strconv.ParseInt(form["bed_id"], 10, 64)
	home, _ := strconv.ParseInt(form["home_id"], 10, 64)
	u, _ := currentUser(c)
	ctx := c.Request().Context()
	if form["offered"] == "yes" {
		_, err = s.deps.Secure.Allocate(ctx, ref, bed, u.ID)
		if err == nil {
			s.flash(c, "The bed is allocated; the council, the home and the host council have been told")
		}
	} else {
		_, err = s.deps.Secure.Circulate(ctx, ref, []int64{home}, u.ID)
		if err == nil {
			s.flash(c, "The home has been asked; allocate when it offers the bed")
		}
	}
	var fe kernel.FieldErrors
	if errors.As(err, &fe) || errors.Is(err, kernel.ErrConflict) {
		s.flash(c, userMessage(err))
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
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	u, _ := currentUser(c)
	on := form["subscribe"] == "yes"
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

// saveSecureBeds handles the home's beds table: "Save changes" saves every bed whose row
// changed, all or nothing, with every problem shown beside its bed; "Confirm, no
// changes" records that every bed is as shown. Only the home's own beds are read from
// the form.
func (s *Server) saveSecureBeds(c echo.Context) error {
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	org := currentOrg(c)
	user, _ := currentUser(c)
	if form["action"] == "confirm" {
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
		f := func(name string) string { return secure.BedField(b.ID, name) }
		if _, ok := form[f("status")]; !ok || b.Status.Held() {
			continue
		}
		u := secure.BedUpdate{Status: secure.BedStatus(form[f("status")]), ClosedReason: form[f("closed_reason")]}
		u.Version, _ = strconv.Atoi(form[f("version")])
		for _, d := range []struct {
			name string
			dst  **time.Time
		}{{"reopens_on", &u.ReopensOn}, {"expected_free_on", &u.ExpectedFreeOn}} {
			t, msg := dateParts(form, f(d.name), "The date")
			if msg != "" {
				fe.Add(f(d.name)+"-day", msg)
			}
			*d.dst = t
		}
		updates[b.ID] = u
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
