package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// openRequestFor submits a request from Manchester that providerX's home near M20 fits.
func (h *harness) openRequestFor(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	age, month, year, sex, legal, within, tier, weeks := 14, int(now.Month()), now.Year()-14, "female", "s31", 20, "standard", 26
	start, deadline := now.AddDate(0, 0, 7), now.Add(3*time.Hour)
	r := marketplace.PlacementRequest{CouncilID: h.orgs["manchester"].ID, ChildRef: "MCR-SECRET-9", AgeYears: &age, BirthMonth: &month, BirthYear: &year,
		Sex: &sex, Needs: kernel.StringArray{"autism"}, LegalStatus: &legal, WithinMiles: &within, LotID: &h.lot.ID, Tier: &tier,
		StartDate: &start, DurationWeeks: &weeks, Deadline: &deadline}
	must(t, r.SetHome("M14"))
	must(t, marketplace.NewRequests(h.deps.DB.Gorm).SaveDraft(ctx, &r))
	_, _, err := h.deps.Market.SubmitRequest(ctx, r.ID, h.orgs["manchester"].ID)
	must(t, err)
	return r.ID
}

func TestProviderRespondsToAnInvitation(t *testing.T) {
	h := newHarness(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC960001", "M20 2AB", 1)
	id := h.openRequestFor(t)
	page := fmt.Sprintf("/invitations/%d", id)
	b := h.signIn("staff@providerx.test")
	if r := b.get("/invitations"); r.Status != http.StatusOK || !strings.Contains(r.Body, page) {
		t.Fatalf("list: %d", r.Status)
	}
	r := b.get(page)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Autism spectrum condition") || strings.Contains(r.Body, "MCR-SECRET-9") || strings.Contains(r.Body, "M14") {
		t.Fatalf("invitation page: %d", r.Status)
	}
	start := time.Now().AddDate(0, 0, 7)
	form := url.Values{"home_id": {fmt.Sprint(home.ID)}, "earliest_start-day": {fmt.Sprint(start.Day())}, "earliest_start-month": {fmt.Sprint(int(start.Month()))},
		"earliest_start-year": {fmt.Sprint(start.Year())}, "weekly_fee": {"5,600"}, "notice_days": {"28"}, "note_autism": {"Staff trained in autism"}}
	r = b.post(page, page+"/bid", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "above the framework&#39;s ceiling") || !strings.Contains(r.Body, "Staff trained in autism") {
		t.Fatalf("over ceiling: %d", r.Status)
	}
	form.Set("weekly_fee", "4,750")
	if r := b.post(page, page+"/bid", form); r.Status != http.StatusSeeOther {
		t.Fatalf("bid: %d", r.Status)
	}
	if r := b.get(page); !strings.Contains(r.Body, "£4,750.00 a week") {
		t.Fatal("bid not shown to its provider")
	}
	// Another provider was not invited: it cannot see the request.
	if r := h.signIn("admin@providery.test").get(page); r.Status != http.StatusNotFound {
		t.Fatalf("uninvited provider: %d", r.Status)
	}
	if r := h.signIn("commissioner@manchester.test").get("/invitations"); r.Status != http.StatusForbidden {
		t.Fatalf("commissioner: %d", r.Status)
	}
	if r := b.post(page, page+"/withdraw", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.Status)
	}
	if r := b.post(page, page+"/decline", url.Values{"reason": {"other"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Say why you are declining") {
		t.Fatalf("decline without detail: %d", r.Status)
	}
	if r := b.post(page, page+"/decline", url.Values{"reason": {"no_vacancy"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("decline: %d", r.Status)
	}
	resp, err := h.deps.Market.ResponsesFor(context.Background(), id, h.orgs["manchester"].ID)
	must(t, err)
	if resp.Bids != 0 || resp.Declines != 1 {
		t.Fatalf("responses %+v", resp)
	}
	// After the deadline the form is gone and a bid is refused with a clear message.
	h.passDeadline(t, id)
	r = b.post(page, page+"/bid", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The deadline has passed") {
		t.Fatalf("late bid: %d", r.Status)
	}
}

// TestChangingABidKeepsItsNeedNotes: the change form shows the notes already given for
// each need, so saving it unchanged keeps them (issue 14: they were shown empty and
// saved as {}).
func TestChangingABidKeepsItsNeedNotes(t *testing.T) {
	h := newHarness(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC960001", "M20 2AB", 1)
	id := h.openRequestFor(t)
	page := fmt.Sprintf("/invitations/%d", id)
	b := h.signIn("staff@providerx.test")
	start := time.Now().AddDate(0, 0, 7)
	form := url.Values{"home_id": {fmt.Sprint(home.ID)}, "earliest_start-day": {fmt.Sprint(start.Day())}, "earliest_start-month": {fmt.Sprint(int(start.Month()))},
		"earliest_start-year": {fmt.Sprint(start.Year())}, "weekly_fee": {"4,750"}, "notice_days": {"28"}, "note_autism": {"Staff trained in autism"}}
	if r := b.post(page, page+"/bid", form); r.Status != http.StatusSeeOther {
		t.Fatalf("bid: %d", r.Status)
	}
	r := b.get(page)
	m := regexp.MustCompile(`(?s)<textarea[^>]*name="note_autism"[^>]*>([^<]*)</textarea>`).FindStringSubmatch(r.Body)
	if m == nil || html.UnescapeString(m[1]) != "Staff trained in autism" {
		t.Fatalf("change form's note for autism = %q, want the note given", m)
	}
	// Change the fee, sending the note as the change form shows it.
	form.Set("weekly_fee", "4,700")
	form.Set("note_autism", html.UnescapeString(m[1]))
	if r := b.post(page, page+"/bid", form); r.Status != http.StatusSeeOther {
		t.Fatalf("change: %d", r.Status)
	}
	bid, err := h.deps.Market.OwnBid(context.Background(), id, h.orgs["providerx"].ID)
	must(t, err)
	var notes map[string]string
	must(t, json.Unmarshal(bid.NeedNotes, &notes))
	if notes["autism"] != "Staff trained in autism" || bid.Revision < 2 {
		t.Fatalf("after change: notes %v, revision %d", notes, bid.Revision)
	}
}
