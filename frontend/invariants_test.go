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
)

// TestAHomeThatWasNotMatchedIsOnlyAnAlternativeOffer: on the bid form and in the API a
// provider offers the homes matching found; another home is refused beside the field
// with the rules it fails, unless offered as an alternative, which the commissioner and
// the approver then see with its failed rules.
func TestAHomeThatWasNotMatchedIsOnlyAnAlternativeOffer(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	matched := h.addHome(h.orgs["providerx"].ID, "SC990001", "M20 2AB", 1)
	far := h.addHome(h.orgs["providerx"].ID, "SC990002", "CA1 1AA", 1) // about 100 miles from M14
	id := h.openRequestFor(t)
	page := fmt.Sprintf("/invitations/%d", id)
	b := h.signIn("staff@providerx.test")
	r := b.get(page)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Home SC990002 (CA1): not matched — it is") || !strings.Contains(r.Body, "Offer this home as an alternative") {
		t.Fatalf("bid form: %d", r.Status)
	}
	start := time.Now().AddDate(0, 0, 7)
	form := url.Values{"home_id": {fmt.Sprint(far.ID)}, "earliest_start-day": {fmt.Sprint(start.Day())}, "earliest_start-month": {fmt.Sprint(int(start.Month()))},
		"earliest_start-year": {fmt.Sprint(start.Year())}, "weekly_fee": {"4,750"}, "notice_days": {"28"}}
	r = b.post(page, page+"/bid", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="home_id-error"`) || !strings.Contains(r.Body, "was not matched to this request: it is") ||
		!strings.Contains(r.Body, "(limit 20)") || !strings.Contains(r.Body, `value="4,750"`) {
		t.Fatalf("unmatched home without the alternative box: %d\n%s", r.Status, r.Body)
	}

	// The API: the invitation lists the other home and why; a bid on it is refused by
	// field, then taken as an alternative offer.
	provider := h.token("admin@providerx.test")
	inv := fmt.Sprintf("/api/v1/invitations/%d", id)
	status, got := h.api(http.MethodGet, inv, provider, "")
	others, _ := got["other_homes"].([]any)
	if status != http.StatusOK || len(others) != 1 || fmt.Sprint(others[0].(map[string]any)["failed_rules"]) != "[distance]" {
		t.Fatalf("invitation: %d %v", status, got)
	}
	if homes := got["homes"].([]any); len(homes) != 1 || homes[0].(map[string]any)["home_id"].(float64) != float64(matched.ID) {
		t.Fatalf("matched homes %v", homes)
	}
	body := `{"home_id": %d, "earliest_start": "%s", "weekly_fee_pence": 475000, "notice_days": 28%s}`
	status, got = h.api(http.MethodPut, inv+"/bid", provider, fmt.Sprintf(body, far.ID, start.Format(time.DateOnly), ""))
	if status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(got), "home_id") || !strings.Contains(fmt.Sprint(got), "was not matched") {
		t.Fatalf("API bid on an unmatched home: %d %v", status, got)
	}
	status, got = h.api(http.MethodPut, inv+"/bid", provider, fmt.Sprintf(body, far.ID, start.Format(time.DateOnly), `, "alternative": true`))
	if status != http.StatusOK || got["alternative"] != true || !strings.HasPrefix(fmt.Sprint(got["alternative_reason"]), "Alternative offer: it is") {
		t.Fatalf("API alternative offer: %d %v", status, got)
	}
	// The page's box does the same.
	form.Set("alternative", "yes")
	if r := b.post(page, page+"/bid", form); r.Status != http.StatusSeeOther {
		t.Fatalf("alternative offer on the page: %d", r.Status)
	}
	if r := b.get(page); !strings.Contains(r.Body, "Alternative offer: it is") {
		t.Fatal("the provider does not see its bid is an alternative offer")
	}

	h.passDeadline(t, id)
	_, err := h.deps.Market.CloseDue(ctx)
	must(t, err)
	council := h.signIn("commissioner@manchester.test")
	r = council.get(fmt.Sprintf("/requests/%d", id))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `data-testid="alternative">Alternative offer: it is`) {
		t.Fatalf("commissioner's request page: %d", r.Status)
	}
	status, got = h.api(http.MethodGet, fmt.Sprintf("/api/v1/requests/%d", id), h.token("commissioner@manchester.test"), "")
	if bids, _ := got["bids"].([]any); status != http.StatusOK || len(bids) != 1 || !strings.HasPrefix(fmt.Sprint(bids[0].(map[string]any)["alternative_reason"]), "Alternative offer:") {
		t.Fatalf("commissioner's API: %d %v", status, got)
	}
	bid, err := h.deps.Market.OwnBid(ctx, id, h.orgs["providerx"].ID)
	must(t, err)
	confirm := fmt.Sprintf("/requests/%d/bids/%d/award", id, bid.ID)
	r = council.post(confirm, confirm, url.Values{"out_of_area_reason": {"no_suitable_in_area"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("award: %d", r.Status)
	}
	if r := h.signIn("approver@manchester.test").get("/approvals"); !strings.Contains(r.Body, "Alternative offer: it is") {
		t.Fatalf("approver's page lacks the failed rule: %d", r.Status)
	}
	status, got = h.api(http.MethodGet, "/api/v1/approvals", h.token("approver@manchester.test"), "")
	if pending, _ := got["awaiting_approval"].([]any); status != http.StatusOK || len(pending) != 1 || !strings.HasPrefix(fmt.Sprint(pending[0].(map[string]any)["alternative"]), "Alternative offer:") {
		t.Fatalf("approver's API: %d %v", status, got)
	}
}

// TestACouncilCancelsARequest: the commissioner cancels a request before award on a
// confirmation page (a reason is required), invited providers are told and see it
// cancelled; the API does the same, and refuses once the request is cancelled.
func TestACouncilCancelsARequest(t *testing.T) {
	h := newHarness(t)
	h.addHome(h.orgs["providerx"].ID, "SC990101", "M20 2AB", 2)
	id := h.openRequestFor(t)
	page := fmt.Sprintf("/requests/%d", id)
	council := h.signIn("commissioner@manchester.test")
	if r := council.get(page); !strings.Contains(r.Body, page+"/cancel") {
		t.Fatal("no link to cancel an open request")
	}
	if r := council.get(page + "/cancel"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Are you sure you want to cancel this request?") {
		t.Fatalf("confirmation page: %d", r.Status)
	}
	if r := h.signIn("commissioner@liverpool.test").post(page+"/cancel", page+"/cancel", url.Values{"reason": {"Not ours"}}); r.Status != http.StatusNotFound {
		t.Fatalf("another council cancels: %d", r.Status)
	}
	r := council.post(page+"/cancel", page+"/cancel", url.Values{"reason": {" "}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="reason-error"`) {
		t.Fatalf("no reason: %d", r.Status)
	}
	r = council.post(page+"/cancel", page+"/cancel", url.Values{"reason": {strings.Repeat("x", 1001)}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "1000 characters or fewer") {
		t.Fatalf("a reason too long: %d", r.Status)
	}
	if r := council.post(page+"/cancel", page+"/cancel", url.Values{"reason": {"The child is staying with a relative"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", r.Status)
	}
	if r := council.get(page); !strings.Contains(r.Body, "This request was cancelled") || !strings.Contains(r.Body, "staying with a relative") {
		t.Fatal("the request page does not say it is cancelled")
	}
	if r := h.signIn("staff@providerx.test").get(fmt.Sprintf("/invitations/%d", id)); !strings.Contains(r.Body, "cancelled this request") ||
		!strings.Contains(r.Body, "staying with a relative") || strings.Contains(r.Body, "Send sealed bid") {
		t.Fatal("the provider's page does not say it is cancelled")
	}
	var ns []notify.Notice
	must(t, h.deps.DB.Gorm.Where("organisation_id = ? AND kind = 'request_cancelled'", h.orgs["providerx"].ID).Find(&ns).Error)
	if len(ns) != 1 {
		t.Fatalf("provider notices: %d", len(ns))
	}

	// The API.
	id2 := h.openRequestFor(t)
	path := fmt.Sprintf("/api/v1/requests/%d/cancel", id2)
	token := h.token("commissioner@manchester.test")
	if status, got := h.api(http.MethodPost, path, token, `{"reason": ""}`); status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(got), "reason") {
		t.Fatalf("API without a reason: %d %v", status, got)
	}
	if status, got := h.api(http.MethodPost, path, token, `{"reason": "Placed in an emergency elsewhere"}`); status != http.StatusOK || got["status"] != "cancelled" {
		t.Fatalf("API cancel: %d %v", status, got)
	}
	if status, _ := h.api(http.MethodPost, path, token, `{"reason": "Again"}`); status != http.StatusConflict {
		t.Fatalf("API cancel twice: %d", status)
	}
	status, got := h.api(http.MethodGet, fmt.Sprintf("/api/v1/invitations/%d", id2), h.token("admin@providerx.test"), "")
	if status != http.StatusOK || got["status"] != "cancelled" || got["cancel_reason"] != "Placed in an emergency elsewhere" {
		t.Fatalf("provider's API view: %d %v", status, got)
	}
}
