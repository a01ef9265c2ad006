package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/marketplace"
)

func TestApproverRefusesThenApproves(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	home := h.addHome(h.orgs["providerx"].ID, "SC980001", "M20 2AB", 1)
	id := h.openRequestFor(t)
	// Over the £5,000 ceiling, so the award needs approval.
	bid, err := h.deps.Market.SubmitBid(ctx, id, h.orgs["providerx"].ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: time.Now().AddDate(0, 0, 7).Format(time.DateOnly), WeeklyFee: 560000, NoticeDays: 28, Justification: "Waking nights"})
	must(t, err)
	h.passDeadline(t, id)
	_, err = h.deps.Market.CloseDue(ctx)
	must(t, err)
	p, err := h.deps.Market.Award(ctx, id, h.orgs["manchester"].ID, bid.ID, 0)
	must(t, err)
	if p.Status != "awaiting_approval" {
		t.Fatalf("status %q", p.Status)
	}
	if r := h.signIn("commissioner@manchester.test").get("/approvals"); r.Status != http.StatusForbidden {
		t.Fatalf("commissioner on approvals: %d", r.Status)
	}
	b := h.signIn("approver@manchester.test")
	page := b.get("/approvals")
	action := fmt.Sprintf("/approvals/%d", p.ID)
	if page.Status != http.StatusOK || !strings.Contains(page.Body, "Over the price ceiling") || !strings.Contains(page.Body, "£5,600.00") || !strings.Contains(page.Body, `href="`+action+`"`) {
		t.Fatalf("approvals page: %d", page.Status)
	}
	r := b.post(action, action, url.Values{"decision": {"refuse"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the reason for refusing") {
		t.Fatalf("refusal without reason: %d", r.Status)
	}
	// An approver of another council cannot decide it.
	h.approverAt(t, "approver@liverpool.test", h.orgs["liverpool"].ID)
	if r := h.signIn("approver@liverpool.test").post("/approvals", action, url.Values{"decision": {"approve"}}); r.Status != http.StatusNotFound {
		t.Fatalf("another council's approver: %d", r.Status)
	}
	r = b.post(action, action, url.Values{"decision": {"refuse"}, "reason": {"Look for a home within the ceiling"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("refuse: %d", r.Status)
	}
	if got, _ := h.deps.Market.Home(ctx, home.ID); got.BedsFree != 1 {
		t.Fatalf("bed not released: %d", got.BedsFree)
	}
	// The commissioner awards again; the approver approves.
	p, err = h.deps.Market.Award(ctx, id, h.orgs["manchester"].ID, bid.ID, 0)
	must(t, err)
	if r := b.post(fmt.Sprintf("/approvals/%d", p.ID), fmt.Sprintf("/approvals/%d", p.ID), url.Values{"decision": {"approve"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", r.Status)
	}
	if r := b.get("/approvals"); !strings.Contains(r.Body, "The award is approved") || !strings.Contains(r.Body, "Nothing is waiting for you") {
		t.Fatal("approval not shown")
	}
	mails, _, _ := h.deps.Outbox.List(ctx, notify.AllMail, 0, 20)
	chosen := 0
	for _, m := range mails {
		if m.ToAddress == "admin@providerx.test" && strings.Contains(m.Subject, "your bid has been chosen") {
			chosen++
		}
	}
	if chosen != 1 {
		t.Fatalf("the provider was told %d times that it won, want once (on approval, not on the refused award)", chosen)
	}
}
