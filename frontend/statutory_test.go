package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// distantAward awards a Liverpool home for a Manchester child (31 miles, not adjoining),
// which waits for the approver under regulation 11 and the consortium's 20 miles.
func (h *harness) distantAward(t *testing.T, urn string) marketplace.Placement {
	t.Helper()
	ctx := context.Background()
	home := h.addHome(h.orgs["providerx"].ID, urn, "L1 8JQ", 1)
	now := time.Now()
	age, month, year, sex, legal, within, tier, weeks := 14, int(now.Month()), now.Year()-14, "female", "s31", 50, "standard", 26
	start, deadline := now.AddDate(0, 0, 7), now.Add(3*time.Hour)
	r := marketplace.PlacementRequest{CouncilID: h.orgs["manchester"].ID, ChildRef: "MCR-FAR-" + urn, AgeYears: &age, BirthMonth: &month, BirthYear: &year,
		Sex: &sex, Needs: kernel.StringArray{"autism"}, LegalStatus: &legal, WithinMiles: &within, LotID: &h.lot.ID, Tier: &tier,
		StartDate: &start, DurationWeeks: &weeks, Deadline: &deadline}
	must(t, r.SetHome("M14"))
	must(t, marketplace.NewRequests(h.deps.DB.Gorm).SaveDraft(ctx, &r))
	_, _, err := h.deps.Market.SubmitRequest(ctx, r.ID, h.orgs["manchester"].ID)
	must(t, err)
	bid, err := h.deps.Market.SubmitBid(ctx, r.ID, h.orgs["providerx"].ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: start.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28})
	must(t, err)
	h.passDeadline(t, r.ID)
	_, err = h.deps.Market.CloseDue(ctx)
	must(t, err)
	p, err := h.deps.Market.Award(ctx, r.ID, h.orgs["manchester"].ID, bid.ID, 0)
	must(t, err)
	if p.Status != "awaiting_approval" {
		t.Fatalf("status %q", p.Status)
	}
	return p
}

// Regulation 11 of the Care Planning, Placement and Case Review (England) Regulations
// 2010 is named apart from the consortium's distance policy on the approvals page, and
// the approver records what it asks before approving: every missing answer is shown at
// once beside its field, with what was typed kept; the API takes the same fields.
func TestApproverRecordsRegulation11(t *testing.T) {
	h := newHarness(t)
	viaPage, viaAPI := h.distantAward(t, "SC970001"), h.distantAward(t, "SC970002")
	b := h.signIn("approver@manchester.test")
	page := b.get(fmt.Sprintf("/approvals/%d", viaPage.ID))
	for _, want := range []string{"Regulation 11: out of area and not adjoining", "Consortium policy: more than 20 miles", `data-testid="regulation-11"`} {
		if !strings.Contains(page.Body, want) {
			t.Fatalf("decision page lacks %q", want)
		}
	}
	sfx := ""
	action := fmt.Sprintf("/approvals/%d", viaPage.ID)
	r := b.post(action, action, url.Values{"decision" + sfx: {"approve"}, "wishes" + sfx: {"no"}, "iro" + sfx: {"yes"}, "host_note" + sfx: {"Tried Liverpool twice"}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("approve without the record: %d", r.Status)
	}
	for _, field := range []string{"wishes_note" + sfx, "iro_on" + sfx + "-day", "host" + sfx, "emergency" + sfx} {
		if !strings.Contains(r.Body, `href="#`+field+`"`) {
			t.Errorf("no error linked to %s", field)
		}
	}
	if !strings.Contains(r.Body, "Tried Liverpool twice") {
		t.Error("what was typed is lost")
	}
	today := time.Now().In(kernel.London)
	day := func(name string, v url.Values) {
		v.Set(name+"-day", strconv.Itoa(today.Day()))
		v.Set(name+"-month", strconv.Itoa(int(today.Month())))
		v.Set(name+"-year", strconv.Itoa(today.Year()))
	}
	form := url.Values{"decision" + sfx: {"approve"}, "wishes" + sfx: {"yes"}, "iro" + sfx: {"yes"}, "host" + sfx: {"no"},
		"host_note" + sfx: {"Tried Liverpool twice"}, "emergency" + sfx: {"no"}}
	day("wishes_on"+sfx, form)
	day("iro_on"+sfx, form)
	if r := b.post(action, action, form); r.Status != http.StatusSeeOther {
		t.Fatalf("approve with the record: %d", r.Status)
	}
	council := h.signIn("commissioner@manchester.test")
	pl := council.get(fmt.Sprintf("/placements/%d", viaPage.ID))
	for _, want := range []string{"Regulation 11: out of area and not adjoining", "Host council consulted: no. Tried Liverpool twice", "not in an emergency"} {
		if !strings.Contains(strings.ReplaceAll(pl.Body, "&#39;", "'"), want) {
			t.Errorf("placement page lacks %q", want)
		}
	}

	tok := h.token("approver@manchester.test")
	st, body := h.api("GET", "/api/v1/approvals", tok, "")
	if st != http.StatusOK || !strings.Contains(fmt.Sprint(body), "Consortium policy: more than 20 miles") {
		t.Fatalf("API approvals: %d %v", st, body)
	}
	path := fmt.Sprintf("/api/v1/approvals/%d", viaAPI.ID)
	st, body = h.api("POST", path, tok, `{"decision":"approve"}`)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("API approve without the record: %d %v", st, body)
	}
	for _, f := range []string{"wishes_consulted", "iro_consulted", "host_consulted", "emergency"} {
		if !strings.Contains(fmt.Sprint(body), "field:"+f+" ") {
			t.Errorf("API: no error for %s in %v", f, body)
		}
	}
	d := today.Format(time.DateOnly)
	st, body = h.api("POST", path, tok, `{"decision":"approve","wishes_consulted":true,"wishes_on":"`+d+`","iro_consulted":true,"iro_on":"`+d+`","host_consulted":true,"host_on":"`+d+`","emergency":false}`)
	if st != http.StatusOK || body["status"] != "awarded" {
		t.Fatalf("API approve: %d %v", st, body)
	}
	st, body = h.api("GET", fmt.Sprintf("/api/v1/placements/%d", viaAPI.ID), h.token("commissioner@manchester.test"), "")
	if st != http.StatusOK || !strings.Contains(fmt.Sprint(body["approval_rules"]), "regulation_11") || body["regulation_11"] == nil {
		t.Fatalf("API placement: %d %v", st, body)
	}
}

// Care Planning Regulations 2010, reg. 33: the placement and child pages and the API
// show the next review due; the council records a review held (page and API) and the
// due date moves on; a review in the future is refused beside its field.
func TestCouncilRecordsReviews(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	p := h.distantAward(t, "SC970003")
	_, err := h.deps.DB.Pool.Exec(ctx, `UPDATE placements SET status = 'started', start_date = current_date - 40, started_on = current_date - 40, approved_before_record = true WHERE id = $1`, p.ID)
	must(t, err)
	arrived := kernel.DateOf(time.Now()).AddDate(0, 0, -40)
	first := marketplace.NextReviewDue(arrived, nil)
	b := h.signIn("commissioner@manchester.test")
	page := fmt.Sprintf("/placements/%d", p.ID)
	if r := b.get(page); !strings.Contains(r.Body, first.Format("2 January 2006")) || !strings.Contains(r.Body, "No review recorded yet") {
		t.Fatalf("placement page before a review: %d", r.Status)
	}
	if r := b.get("/children?ref=MCR-FAR-SC970003"); !strings.Contains(r.Body, first.Format("2 January 2006")) {
		t.Fatal("child page lacks the next review")
	}
	tomorrow := time.Now().In(kernel.London).AddDate(0, 0, 1)
	r := b.post(page, page+"/reviews", url.Values{"held_on-day": {strconv.Itoa(tomorrow.Day())}, "held_on-month": {strconv.Itoa(int(tomorrow.Month()))},
		"held_on-year": {strconv.Itoa(tomorrow.Year())}, "notes": {"Plan kept"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#held_on-day"`) || !strings.Contains(r.Body, "Plan kept") {
		t.Fatalf("review tomorrow: %d", r.Status)
	}
	held := arrived.AddDate(0, 0, 14)
	r = b.post(page, page+"/reviews", url.Values{"held_on-day": {strconv.Itoa(held.Day())}, "held_on-month": {strconv.Itoa(int(held.Month()))}, "held_on-year": {strconv.Itoa(held.Year())}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("record review: %d", r.Status)
	}
	second := kernel.AddMonths(held, 3)
	if r := b.get(page); !strings.Contains(r.Body, second.Format("2 January 2006")) {
		t.Fatal("the next review did not move on")
	}
	tok := h.token("commissioner@manchester.test")
	st, body := h.api("POST", fmt.Sprintf("/api/v1/placements/%d/reviews", p.ID), tok, `{"held_on":"`+held.Format(time.DateOnly)+`"}`)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("API: a second review the same day: %d %v", st, body)
	}
	st, body = h.api("POST", fmt.Sprintf("/api/v1/placements/%d/reviews", p.ID), tok, `{"held_on":"`+kernel.DateOf(time.Now()).Format(time.DateOnly)+`","notes":"Second review"}`)
	if st != http.StatusCreated || body["next_review_date"] != kernel.AddMonths(kernel.DateOf(time.Now()), 6).Format(time.DateOnly) {
		t.Fatalf("API review: %d %v", st, body)
	}
}

// The consortium's distance policy is edited on the framework page; empty turns it off.
func TestFrameworkDistancePolicy(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@consortium.test")
	page := fmt.Sprintf("/admin/frameworks/%d", h.framework.ID)
	if r := b.get(page); !strings.Contains(r.Body, `name="distant_miles" type="text" value="20"`) && !strings.Contains(r.Body, `value="20"`) {
		t.Fatal("the policy's 20 miles are not shown")
	}
	terms := url.Values{"name": {"Test DPS"}, "open": {"yes"}, "weight_price": {"40"}, "weight_quality": {"30"}, "weight_distance": {"20"}, "weight_fit": {"10"}, "levy_bps": {"150"}, "distant_miles": {"0"}}
	if r := b.post(page, page, terms); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#distant_miles"`) {
		t.Fatalf("0 miles: %d", r.Status)
	}
	terms.Set("distant_miles", "")
	if r := b.post(page, page, terms); r.Status != http.StatusSeeOther {
		t.Fatalf("policy off: %d", r.Status)
	}
	f, err := h.deps.Frameworks.Framework(context.Background(), h.framework.ID)
	must(t, err)
	if f.DistantMiles != nil {
		t.Fatalf("policy %v, want off", *f.DistantMiles)
	}
	p := h.distantAward(t, "SC970004")
	if len(p.ApprovalReasons) != 1 || p.ApprovalReasons[0] != marketplace.RuleRegulation11 {
		t.Fatalf("with the policy off: %v", p.ApprovalReasons)
	}
}
