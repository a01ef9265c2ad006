package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// approverAt adds a signed-up approver (with MFA) at council.
func (h *harness) approverAt(t *testing.T, email string, council int64) {
	t.Helper()
	ctx := context.Background()
	u, err := h.deps.Users.Create(ctx, newUser(email, "approver", council))
	must(t, err)
	code, _ := totp.GenerateCode(testTOTP, time.Now())
	must(t, h.deps.Users.EnableMFA(ctx, u, testTOTP, code))
	h.users[email] = u
}

// distantChoice awards the far, rank-2 bid of twoBids through the confirmation page,
// with a reason, so it waits for Manchester's approver. It returns the placement and
// the two bids.
func (h *harness) distantChoice(t *testing.T, reason string) (marketplace.Placement, marketplace.Bid, marketplace.Bid) {
	t.Helper()
	id, near, far := h.twoBids(t)
	confirm := fmt.Sprintf("/requests/%d/bids/%d/award", id, far.ID)
	if r := h.signIn("commissioner@manchester.test").post(confirm, confirm, url.Values{"reason": {reason}, "out_of_area_reason": {"no_suitable_in_area"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("award: %d", r.Status)
	}
	p, err := h.deps.Market.LiveAward(context.Background(), id)
	must(t, err)
	if !p.Status.AwaitingApproval() {
		t.Fatalf("placement %s, want awaiting approval", p.Status)
	}
	return p, near, far
}

// The approver's decision page puts the evidence beside the decision: every bid with
// the chosen one marked, the commissioner's reason, the provider's notes, the rules and
// why they apply, and the child's earlier placements (a read of the child's record,
// audited). It is the approver's own council's only: another council's approver, in
// this consortium or another, is told it does not exist.
func TestApproverDecisionPageShowsTheAlternatives(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	earlier := h.awardedIntoSalford(t)
	p, _, far := h.distantChoice(t, "Her sister lives in Liverpool and she asked to be near her.")
	// The earlier placement becomes the same child's (same council reference).
	must(t, h.deps.DB.Gorm.Exec(`UPDATE placement_requests SET child_ref = 'MCR-AWARD-1' WHERE id = (SELECT request_id FROM placements WHERE id = ?)`, earlier).Error)

	b := h.signIn("approver@manchester.test")
	page := fmt.Sprintf("/approvals/%d", p.ID)
	if r := b.get("/approvals"); !strings.Contains(r.Body, `href="`+page+`"`) {
		t.Fatal("the approvals list does not link to the decision page")
	}
	if r := b.get("/"); !strings.Contains(r.Body, `data-testid="queue-next"`) || !strings.Contains(r.Body, `href="`+page+`"`) {
		t.Fatal("the approver's work queue does not link to the oldest decision")
	}
	r := b.get(page)
	if r.Status != http.StatusOK {
		t.Fatalf("decision page: %d", r.Status)
	}
	body := strings.ReplaceAll(r.Body, "&#39;", "'")
	for _, want := range []string{
		`data-testid="evaluation"`, "SC980001", "SC980002", // both homes (named by URN in the harness)
		`data-testid="chosen"`, `data-testid="chosen-rank">2 of 2`,
		"Her sister lives in Liverpool and she asked to be near her.",
		"Visual timetables and a sensory garden.", "Not above the ceiling",
		"Regulation 11: out of area and not adjoining", "Consortium policy: more than 20 miles", "which is neither your council's area nor adjoining it",
		"Liverpool", `data-testid="history"`, `data-testid="regulation-11"`, `action="` + page + `"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("decision page lacks %q", want)
		}
	}
	if n := strings.Count(body, `data-testid="chosen"`); n != 1 {
		t.Errorf("%d bids marked chosen, want 1", n)
	}
	if !strings.Contains(body, fmt.Sprintf(`href="/placements/%d"`, earlier)) {
		t.Error("the child's earlier placement is not listed")
	}
	var audited int64
	must(t, h.deps.DB.Gorm.Raw(`SELECT count(*) FROM audit_log WHERE action = 'child.read' AND entity_id = 'MCR-AWARD-1' AND detail->>'approval' = ?`, fmt.Sprint(p.ID)).Scan(&audited).Error)
	if audited != 1 {
		t.Errorf("the read of the child's record was audited %d times, want once", audited)
	}

	// An error keeps the page, with what was typed, beside its field.
	e := b.post(page, page, url.Values{"decision": {"refuse"}, "reason": {strings.Repeat("x", 2001)}})
	if e.Status != http.StatusUnprocessableEntity || !strings.Contains(e.Body, `href="#reason"`) || !strings.Contains(e.Body, `data-testid="evaluation"`) {
		t.Fatalf("refusal with a long reason: %d", e.Status)
	}

	s := h.secondConsortium(t)
	h.approverAt(t, "approver@leeds.test", s.leeds.ID)
	h.approverAt(t, "approver@liverpool.test", h.orgs["liverpool"].ID)
	for _, tc := range []struct {
		name, who string
		want      int
	}{
		{"OtherConsortium", "approver@leeds.test", http.StatusNotFound},
		{"OtherCouncil", "approver@liverpool.test", http.StatusNotFound},
		{"Commissioner", "commissioner@manchester.test", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := h.signIn(tc.who).get(page); r.Status != tc.want || strings.Contains(r.Body, "Her sister") {
				t.Fatalf("got %d, want %d", r.Status, tc.want)
			}
		})
	}

	// The API gives the same evidence, to the same approvers only.
	api := fmt.Sprintf("/api/v1/approvals/%d", p.ID)
	st, got := h.api(http.MethodGet, api, h.token("approver@manchester.test"), "")
	if st != http.StatusOK {
		t.Fatalf("API approval: %d %v", st, got)
	}
	ev, _ := got["evaluation"].(map[string]any)
	bids, _ := ev["bids"].([]any)
	rules, _ := got["rules"].([]any)
	notes, _ := got["need_notes"].([]any)
	hist, _ := got["child_history"].(map[string]any)
	if len(bids) != 2 || got["chosen_bid_id"] != float64(far.ID) || got["award_reason"] != "Her sister lives in Liverpool and she asked to be near her." ||
		len(rules) != 2 || len(notes) != 1 || notes[0].(map[string]any)["note"] != "Visual timetables and a sensory garden." || len(hist["placements"].([]any)) != 1 {
		t.Fatalf("API approval lacks the evidence: %v", got)
	}
	for _, who := range []string{"approver@leeds.test", "approver@liverpool.test"} {
		if st, _ := h.api(http.MethodGet, api, h.token(who), ""); st != http.StatusNotFound {
			t.Errorf("API approval for %s: %d, want 404", who, st)
		}
	}

	if r := b.post(page, page, url.Values{"decision": {"refuse"}, "reason": {"Look nearer first"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("refuse: %d", r.Status)
	}
	if r := b.get(page); r.Status != http.StatusNotFound {
		t.Fatalf("a decided award's page: %d, want 404", r.Status)
	}
	if got, err := h.deps.Market.LiveAward(ctx, p.RequestID); err != nil || got.ID != 0 || far.ID == 0 {
		t.Fatalf("after refusal the request still has award %d (%v)", got.ID, err)
	}
}

// The council's requests list says what the request page says while the award waits for
// approval, and each invited provider's list shows its own response and the outcome for
// it: the provider whose bid lost reads "Not chosen", never "Awarded".
func TestListsSayWhereAnAwardStands(t *testing.T) {
	h := newHarness(t)
	p, _, _ := h.distantChoice(t, "Her sister lives in Liverpool.")
	status := func(email, path, testid string) string {
		t.Helper()
		r := h.signIn(email).get(path)
		m := regexp.MustCompile(`data-testid="` + testid + `">([^<]*)<`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("%s: no %s on %s (%d)", email, testid, path, r.Status)
		}
		return strings.ReplaceAll(m[1], "&#39;", "'")
	}
	type says struct{ who, path, testid, want string }
	check := func(when string, cases []says) {
		t.Helper()
		for _, tc := range cases {
			if got := status(tc.who, tc.path, tc.testid); got != tc.want {
				t.Errorf("%s, %s's %s says %q, want %q", when, tc.who, tc.testid, got, tc.want)
			}
		}
	}
	check("before approval", []says{
		{"commissioner@manchester.test", "/requests", "request-status", "Awaiting approval"},
		{"admin@providerx.test", "/invitations", "response", "Bid"},
		{"admin@providerx.test", "/invitations", "outcome", "Awaiting the council's approval"},
		{"admin@providery.test", "/invitations", "outcome", "Awaiting the council's approval"},
	})
	page := fmt.Sprintf("/approvals/%d", p.ID)
	today := time.Now().In(kernel.London)
	form := url.Values{"decision": {"approve"}, "wishes": {"yes"}, "iro": {"yes"}, "host": {"no"}, "host_note": {"No mailbox; phoned"}, "emergency": {"no"}}
	for _, f := range []string{"wishes_on", "iro_on"} {
		form.Set(f+"-day", fmt.Sprint(today.Day()))
		form.Set(f+"-month", fmt.Sprint(int(today.Month())))
		form.Set(f+"-year", fmt.Sprint(today.Year()))
	}
	if r := h.signIn("approver@manchester.test").post(page, page, form); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.Status)
	}
	check("after approval", []says{
		{"commissioner@manchester.test", "/requests", "request-status", "Awarded"},
		{"admin@providerx.test", "/invitations", "response", "Bid"},
		{"admin@providerx.test", "/invitations", "outcome", "Not chosen"},
		{"admin@providery.test", "/invitations", "outcome", "Awarded to you"},
	})
}
