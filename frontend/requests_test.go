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

func TestCommissionerSeesReachSealedCountsThenScoredBidsAndAwards(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	home := h.addHome(h.orgs["providerx"].ID, "SC970001", "M20 2AB", 1)
	h.admit(h.orgs["providery"].ID)
	h.addHome(h.orgs["providery"].ID, "SC970002", "CA1 1AA", 1)
	id := h.openRequestFor(t)
	page := fmt.Sprintf("/requests/%d", id)
	b := h.signIn("commissioner@manchester.test")
	if r := b.get("/requests"); !strings.Contains(r.Body, "MCR-SECRET-9") {
		t.Fatalf("list: %d", r.Status)
	}
	r := b.get(page)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Provider X (1 home fits)") || !strings.Contains(r.Body, "No home within the distance limit") || !strings.Contains(r.Body, `data-testid="sealed"`) {
		t.Fatalf("open request page: %d", r.Status)
	}
	_, err := h.deps.Market.SubmitBid(ctx, id, h.orgs["providerx"].ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: time.Now().AddDate(0, 0, 7).Format(time.DateOnly), WeeklyFee: 470000, NoticeDays: 28})
	must(t, err)
	if r := b.get(page); strings.Contains(r.Body, "£4,700") || !strings.Contains(r.Body, "1 bid and 0 declines so far") {
		t.Fatal("a sealed bid's content was shown before the deadline")
	}
	if r := h.signIn("commissioner@liverpool.test").get(page); r.Status != http.StatusNotFound {
		t.Fatalf("another council: %d", r.Status)
	}
	h.passDeadline(t, id)
	_, err = h.deps.Market.CloseDue(ctx)
	must(t, err)
	r = b.get(page)
	if !strings.Contains(r.Body, `data-testid="evaluation"`) || !strings.Contains(r.Body, "£4,700.00") || !strings.Contains(r.Body, "How the score is worked out") {
		t.Fatalf("closed request page: %d", r.Status)
	}
	bid, _ := h.deps.Market.OwnBid(ctx, id, h.orgs["providerx"].ID)
	confirm := fmt.Sprintf("%s/bids/%d/award", page, bid.ID)
	if r := b.post(confirm, confirm, url.Values{"out_of_area_reason": {"no_suitable_in_area"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("award: %d", r.Status)
	}
	if r := b.get(page); !strings.Contains(r.Body, "has been awarded") && !strings.Contains(r.Body, "waits for your council") {
		t.Fatal("no award banner")
	}
	if got, _ := h.deps.Market.Home(ctx, home.ID); got.BedsFree != 0 {
		t.Fatalf("bed not reserved: %d", got.BedsFree)
	}
	mails, _, _ := h.deps.Outbox.List(ctx, notify.AllMail, 0, 20)
	found := false
	for _, m := range mails {
		found = found || (m.ToAddress == "admin@providerx.test" && strings.Contains(m.Subject, "your bid has been chosen"))
	}
	if !found {
		t.Fatal("the winning provider was not told")
	}
}
