package frontend

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/marketplace"
)

var queueRowRe = regexp.MustCompile(`(?s)<dt class="govuk-summary-list__key">([^<]+)</dt>\s*<dd class="govuk-summary-list__value">.*?data-testid="queue-count">([^<]+)<`)

// queueCounts reads a home page's work queue: each item's text and its count ("None" for 0).
func queueCounts(body string) map[string]string {
	out := map[string]string{}
	for _, m := range queueRowRe.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestHomePagesShowEachRoleItsWorkQueue: every role's home page counts its own work,
// scoped to its organisation exactly like the list each count links to — another council's
// or another consortium's work never shows or counts.
func TestHomePagesShowEachRoleItsWorkQueue(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	db := h.deps.DB.Gorm
	h.otherConsortium(t)
	oak, heron := h.withEstate(t)
	_ = heron

	// Manchester: a placement awarded into Salford, starting in a week; a closed request
	// with a bid to compare; an award waiting for approval; an open request closing today.
	h.awardedIntoSalford(t)
	px := h.orgs["providerx"].ID
	home := h.addHome(px, "SC970002", "M20 2AB", 3)
	bidOn := func(id int64) marketplace.Bid {
		b, err := h.deps.Market.SubmitBid(ctx, id, px, marketplace.BidInput{HomeID: home.ID, EarliestStart: time.Now().AddDate(0, 0, 7).Format(time.DateOnly), WeeklyFee: 400000, NoticeDays: 28})
		must(t, err)
		h.passDeadline(t, id)
		_, err = h.deps.Market.CloseDue(ctx)
		must(t, err)
		return b
	}
	bidOn(h.openRequestFor(t))
	toApprove := h.openRequestFor(t)
	b := bidOn(toApprove)
	p, err := h.deps.Market.Award(ctx, toApprove, h.orgs["manchester"].ID, b.ID, h.users["commissioner@manchester.test"].ID)
	must(t, err)
	must(t, db.Exec("UPDATE placements SET status = 'awaiting_approval', approval_reasons = '{over_ceiling}' WHERE id = ?", p.ID).Error)
	closing := h.openRequestFor(t)
	must(t, db.Exec("UPDATE placement_requests SET submitted_at = now() - interval '3 hours', deadline = now() + interval '2 minutes' WHERE id = ?", closing).Error)
	// Provider X has a home not confirmed for 8 days.
	must(t, db.Exec("UPDATE homes SET vacancy_confirmed_at = now() - interval '8 days' WHERE ofsted_urn = 'SC970001'").Error)
	// Provider Y's application waits for the consortium's decision.
	a, err := h.deps.Frameworks.ApplicationFor(ctx, h.framework.ID, h.orgs["providery"].ID)
	must(t, err)
	must(t, h.deps.Frameworks.ChooseLots(ctx, a, []int64{h.lot.ID}))
	must(t, h.deps.Frameworks.Declare(ctx, a, commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(1, 0, 0), SafeguardingPolicyDate: time.Now().AddDate(0, -1, 0), ResponsibleIndividual: "R I"}))
	a, _ = h.deps.Frameworks.Application(ctx, a.ID)
	must(t, h.deps.Frameworks.Submit(ctx, a))
	// A failed email about the consortium; Manchester's mailbox and billing contact set.
	must(t, db.Exec("INSERT INTO emails (to_address, subject, body, status, consortium_id) VALUES ('x@example.test', 'S', 'B', 'failed', ?)", h.orgs["consortium"].ID).Error)
	h.setMailbox(t, h.orgs["manchester"], "notices@manchester.test")
	must(t, h.deps.Billing.SetBillingContact(ctx, h.orgs["manchester"].ID, "billing@manchester.test"))

	// A Manchester secure referral, circulated to Oakfield, its 14-day update due.
	now := time.Now().In(london)
	form := merge(url.Values{"child_ref": {"MCR-SEC-1"}, "age_years": {"14"}, "birth_month": {"1"}, "birth_year": {fmt.Sprint(now.Year() - 14)}, "sex": {"female"},
		"legal_position": {"order_granted"}, "urgency": {"urgent"}, "current_outcode": {"M14"}, "preferred_miles": {"50"}, "order_kind": {"first"},
		"social_worker": {"Sam Worker 0161 496 0000"}, "sanctioning_officer": {"Head of Service"}, "ethnicity": {"WBRI"}, "child_protection_plan": {"no"}, "primary_reason": {"injure_self"}}, formDate("order_expiry", now.AddDate(0, 2, 0)), formDate("order_start", now))
	r := h.signIn("commissioner@manchester.test").sendReferral(form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("referral: %d", r.Status)
	}
	if got := h.signIn("coordinator@swcu.test").post(r.Location, r.Location+"/circulate", url.Values{"home_ids": {fmt.Sprint(oak.ID)}}); got.Status != http.StatusSeeOther {
		t.Fatalf("circulate: %d", got.Status)
	}
	must(t, db.Exec("UPDATE secure_referrals SET updated_at = now() - interval '14 days'").Error)

	tests := []struct {
		email string
		want  map[string]string
	}{
		{"commissioner@manchester.test", map[string]string{"Requests closing today": "1", "Requests with bids ready to compare": "1", "Placements starting this week": "1", "Secure referral updates due": "1"}},
		{"commissioner@liverpool.test", map[string]string{"Requests closing today": "None", "Requests with bids ready to compare": "None", "Placements starting this week": "None", "Notices unread": "None", "Secure referral updates due": "None"}},
		{"approver@manchester.test", map[string]string{"Decisions waiting": "1"}},
		{"staff@providerx.test", map[string]string{"Requests awaiting your response": "1", "Vacancies going out of date": "1", "Placements starting this week": "1"}},
		{"admin@providery.test", map[string]string{"Requests awaiting your response": "None", "Vacancies going out of date": "None", "Placements starting this week": "None"}},
		{"coordinator@swcu.test", map[string]string{"Children waiting": "1", "Referrals with offers to act on": "None"}},
		{"manager@oakfield.test", map[string]string{"Referrals to answer": "1", "Admissions expected": "None"}},
		{"manager@heron.test", map[string]string{"Referrals to answer": "None", "Admissions expected": "None"}},
		{"admin@consortium.test", map[string]string{"Applications to decide": "1", "Emails that failed": "1", "Stripe calls that failed": "None",
			"Councils with no billing contact": "1", "Councils with no host notice mailbox": "1"}},
		{"admin@other.test", map[string]string{"Applications to decide": "None", "Emails that failed": "None", "Stripe calls that failed": "None",
			"Councils with no billing contact": "1", "Councils with no host notice mailbox": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			r := h.signIn(tt.email).get("/")
			if r.Status != http.StatusOK {
				t.Fatalf("home: %d", r.Status)
			}
			got := queueCounts(r.Body)
			for _, m := range regexp.MustCompile(`href="(/[^"]+)">View<`).FindAllStringSubmatch(r.Body, -1) {
				if st := h.signIn(tt.email).get(html.UnescapeString(m[1])).Status; st != http.StatusOK {
					t.Errorf("queue link %s: %d", m[1], st)
				}
			}
			for text, want := range tt.want {
				if got[text] != want {
					t.Errorf("%q = %q, want %q (queue %v)", text, got[text], want, got)
				}
			}
		})
	}
}
