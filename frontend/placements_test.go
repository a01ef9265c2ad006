package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/marketplace"
)

// awardedIntoSalford awards a Manchester request to Provider X's home in Salford (no
// approval needed), through the commissioner's browser, and returns the placement id.
// Salford is the host council, with its own commissioner.
func (h *harness) awardedIntoSalford(t *testing.T) int64 {
	t.Helper()
	ctx := context.Background()
	var salford commissioning.Organisation
	must(t, h.deps.DB.Gorm.Where("ons_code = 'E08000006'").First(&salford).Error)
	h.orgs["salford"] = salford
	u, err := h.deps.Users.Create(ctx, newUser("commissioner@salford.test", "commissioner", salford.ID))
	must(t, err)
	h.users[u.Email] = u
	home := h.addHome(h.orgs["providerx"].ID, "SC970001", "M6 5AB", 1)
	id := h.openRequestFor(t)
	bid, err := h.deps.Market.SubmitBid(ctx, id, h.orgs["providerx"].ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: time.Now().AddDate(0, 0, 7).Format(time.DateOnly),
		WeeklyFee: 420000, OneToOneHours: 10, OneToOneRate: 2500, NoticeDays: 28})
	must(t, err)
	h.passDeadline(t, id)
	_, err = h.deps.Market.CloseDue(ctx)
	must(t, err)
	confirm := fmt.Sprintf("/requests/%d/bids/%d/award", id, bid.ID)
	r := h.signIn("commissioner@manchester.test").post(confirm, confirm, url.Values{"out_of_area_reason": {"no_suitable_in_area"}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/placements/") {
		t.Fatalf("award: %d %q", r.Status, r.Location)
	}
	var pid int64
	fmt.Sscanf(r.Location, "/placements/%d", &pid)
	return pid
}

func TestPlacementPagesShowEachPartyItsShare(t *testing.T) {
	h := newHarness(t)
	pid := h.awardedIntoSalford(t)
	page := fmt.Sprintf("/placements/%d", pid)
	tests := []struct {
		email  string
		status int
		has    []string
		hasNot []string
	}{
		{"commissioner@manchester.test", http.StatusOK, []string{"MCR-SECRET-9", "£4,450.00", "Version 1 (PDF)", "Change<span class=\"govuk-visually-hidden\"> the fee", "End this placement"}, nil},
		{"staff@providerx.test", http.StatusOK, []string{"MCR-SECRET-9", "Confirm the start", "Version 1 (PDF)"}, []string{"Change<span"}},
		{"commissioner@salford.test", http.StatusOK, []string{"MCR-SECRET-9", "Manchester", "commissioner@manchester.test", "into your area"}, []string{"£4,450.00", "PDF", "Section 31", "End this placement"}},
		{"commissioner@liverpool.test", http.StatusNotFound, nil, []string{"MCR-SECRET-9"}},
		{"admin@providery.test", http.StatusNotFound, nil, []string{"MCR-SECRET-9"}},
		{"admin@consortium.test", http.StatusForbidden, nil, []string{"MCR-SECRET-9"}},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			r := h.signIn(tt.email).get(page)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d", r.Status, tt.status)
			}
			for _, s := range tt.has {
				if !strings.Contains(r.Body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(r.Body, s) {
					t.Errorf("page shows %q", s)
				}
			}
		})
	}
	// The agreement downloads as a PDF for the council and the provider, not the host.
	for email, want := range map[string]int{"commissioner@manchester.test": 200, "admin@providerx.test": 200, "commissioner@salford.test": 404, "commissioner@liverpool.test": 404} {
		r := h.signIn(email).get(page + "/agreement")
		if r.Status != want || (want == 200 && (!strings.HasPrefix(r.Body, "%PDF-") || r.Header.Get("Content-Type") != "application/pdf")) {
			t.Errorf("%s downloads the agreement: %d %s", email, r.Status, r.Header.Get("Content-Type"))
		}
	}
	// The host council's inbox has the notice; reading it marks it read.
	b := h.signIn("commissioner@salford.test")
	list := b.get("/notices")
	if !strings.Contains(list.Body, "Placement into your area") || !strings.Contains(list.Body, "1 unread") {
		t.Fatalf("host inbox: %d", list.Status)
	}
	ns, _, _, _ := notify.NewInbox(h.deps.DB.Gorm).List(context.Background(), h.orgs["salford"].ID, 0, 10)
	if r := b.get(fmt.Sprintf("/notices/%d", ns[0].ID)); r.Status != http.StatusOK || !strings.Contains(r.Body, "Contact at the placing council") {
		t.Fatalf("notice: %d", r.Status)
	}
	if r := h.signIn("commissioner@liverpool.test").get(fmt.Sprintf("/notices/%d", ns[0].ID)); r.Status != http.StatusNotFound {
		t.Fatalf("another council reads the notice: %d", r.Status)
	}
	if n, _ := notify.NewInbox(h.deps.DB.Gorm).Unread(context.Background(), h.orgs["salford"].ID); n != 0 {
		t.Fatalf("unread after reading: %d", n)
	}
}

func TestPlacementLifecycleInTheBrowser(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	pid := h.awardedIntoSalford(t)
	page := fmt.Sprintf("/placements/%d", pid)
	prov := h.signIn("staff@providerx.test")
	now := time.Now().In(london)

	// A start in the future is refused with the date kept.
	r := prov.post(page, page+"/start", url.Values{"started_on-day": {"1"}, "started_on-month": {"1"}, "started_on-year": {"2099"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "must be today or in the past") || !strings.Contains(r.Body, `value="2099"`) {
		t.Fatalf("future start: %d", r.Status)
	}
	r = prov.post(page, page+"/start", url.Values{"started_on-day": {fmt.Sprint(now.Day())}, "started_on-month": {fmt.Sprint(int(now.Month()))}, "started_on-year": {fmt.Sprint(now.Year())}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	// A missing episode, with bad then good times.
	began := earlierToday(3 * time.Hour).In(now.Location())
	incident := url.Values{"kind": {"missing"}, "started_at-day": {fmt.Sprint(began.Day())}, "started_at-month": {fmt.Sprint(int(began.Month()))}, "started_at-year": {fmt.Sprint(began.Year())},
		"started_at_time": {"25:99"}, "note": {"Did not come back from school"}}
	if r := prov.post(page, page+"/incidents", incident); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the time like 17:30") || !strings.Contains(r.Body, "Did not come back from school") {
		t.Fatalf("bad time: %d", r.Status)
	}
	incident.Set("started_at_time", began.Format("15:04"))
	if r := prov.post(page, page+"/incidents", incident); r.Status != http.StatusSeeOther {
		t.Fatalf("incident: %d", r.Status)
	}
	if r := h.signIn("commissioner@salford.test").get(page); !strings.Contains(r.Body, "Not yet returned") || !strings.Contains(r.Body, "Did not come back from school") {
		t.Fatal("the host council sees the open episode")
	}
	// The council changes the fee: a new agreement version.
	council := h.signIn("commissioner@manchester.test")
	from := time.Now().AddDate(0, 0, 21)
	fee := url.Values{"effective_from-day": {fmt.Sprint(from.Day())}, "effective_from-month": {fmt.Sprint(int(from.Month()))}, "effective_from-year": {fmt.Sprint(from.Year())},
		"core_fee": {"4400"}, "one_to_one_hours": {"10"}, "one_to_one_rate": {"25"}, "reason": {""}}
	if r := council.post(page+"/fee", page+"/fee", fee); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the reason for the change") || !strings.Contains(r.Body, `value="4400"`) {
		t.Fatalf("fee without reason: %d", r.Status)
	}
	fee.Set("reason", "Waking night staff")
	if r := council.post(page+"/fee", page+"/fee", fee); r.Status != http.StatusSeeOther {
		t.Fatalf("fee: %d", r.Status)
	}
	if r := council.get(page); !strings.Contains(r.Body, "Version 2 (PDF)") || !strings.Contains(r.Body, "£4,650.00") {
		t.Fatal("fee change not shown")
	}
	if r := prov.post(page, page+"/fee", fee); r.Status != http.StatusForbidden {
		t.Fatalf("provider changes the fee: %d", r.Status)
	}
	// The provider ends it: the reason must fit; the bed is freed; the host is told.
	end := url.Values{"ended_on-day": {fmt.Sprint(now.Day())}, "ended_on-month": {fmt.Sprint(int(now.Month()))}, "ended_on-year": {fmt.Sprint(now.Year())}}
	if r := prov.post(page+"/end", page+"/end", end); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Select why the placement ended") {
		t.Fatalf("end without reason: %d", r.Status)
	}
	end.Set("reason", "planned_move")
	if r := prov.post(page+"/end", page+"/end", end); r.Status != http.StatusSeeOther {
		t.Fatalf("end: %d", r.Status)
	}
	if r := h.signIn("commissioner@salford.test").get("/notices"); !strings.Contains(r.Body, "Placement in your area ended") || !strings.Contains(r.Body, "Missing episode reported") {
		t.Fatal("host notices of the episode and the end")
	}
	// The child's page, for Manchester only.
	if r := council.get("/children?ref=MCR-SECRET-9"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Planned move to another placement") {
		t.Fatalf("child page: %d", r.Status)
	}
	if r := h.signIn("commissioner@salford.test").get("/children?ref=MCR-SECRET-9"); r.Status != http.StatusNotFound {
		t.Fatalf("host reads the child's page: %d", r.Status)
	}
	if _, n, _ := h.deps.Audit.List(ctx, audit.AllEntries, audit.Filter{Action: "placement.end"}, 0, 1); n != 1 {
		t.Fatal("end audited")
	}
}

func TestPlacementAPI(t *testing.T) {
	h := newHarness(t)
	pid := h.awardedIntoSalford(t)
	path := fmt.Sprintf("/api/v1/placements/%d", pid)
	council, provider, host, other := h.token("commissioner@manchester.test"), h.token("admin@providerx.test"), h.token("commissioner@salford.test"), h.token("commissioner@liverpool.test")

	if st, body := h.api("GET", path, host, ""); st != 200 || body["access"] != "host" || body["weekly_fee_pence"] != nil || body["agreements"] != nil {
		t.Fatalf("host view: %d %v", st, body)
	}
	if st, body := h.api("GET", path, council, ""); st != 200 || body["weekly_fee_pence"] != float64(445000) || len(body["agreements"].([]any)) != 1 {
		t.Fatalf("council view: %d %v", st, body)
	}
	if st, _ := h.api("GET", path, other, ""); st != 404 {
		t.Fatalf("another council: %d", st)
	}
	if st, body := h.api("GET", "/api/v1/placements", host, ""); st != 200 || body["total"] != float64(1) {
		t.Fatalf("host's list: %d %v", st, body)
	}
	today := time.Now().In(london).Format(time.DateOnly)
	if st, _ := h.api("POST", path+"/start", provider, `{"started_on":"yesterday"}`); st != 422 {
		t.Fatalf("bad date: %d", st)
	}
	if st, body := h.api("POST", path+"/start", provider, `{"started_on":"`+today+`"}`); st != 200 || body["status"] != "started" {
		t.Fatalf("start: %d %v", st, body)
	}
	beganAt := earlierToday(2 * time.Hour)
	began := beganAt.UTC().Format(time.RFC3339)
	st, body := h.api("POST", path+"/incidents", provider, `{"kind":"absent","started_at":"`+began+`","note":"Late back"}`)
	if st != 201 || len(body["incidents"].([]any)) != 1 {
		t.Fatalf("incident: %d %v", st, body)
	}
	incident := body["incidents"].([]any)[0].(map[string]any)["id"]
	if st, _ := h.api("POST", fmt.Sprintf("%s/incidents/%v/end", path, incident), provider, `{"ended_at":"`+beganAt.Add(time.Since(beganAt)/2).UTC().Format(time.RFC3339)+`"}`); st != 200 {
		t.Fatalf("incident end: %d", st)
	}
	from := time.Now().AddDate(0, 0, 30).Format(time.DateOnly)
	if st, _ := h.api("POST", path+"/fee", provider, `{"effective_from":"`+from+`","core_pence":430000,"reason":"x"}`); st != 403 {
		t.Fatalf("provider changes the fee: %d", st)
	}
	if st, body := h.api("POST", path+"/fee", council, `{"effective_from":"`+from+`","core_pence":430000,"reason":"Staffing"}`); st != 200 || len(body["agreements"].([]any)) != 2 {
		t.Fatalf("fee: %d %v", st, body)
	}
	if st, _ := h.api("POST", path+"/end", host, `{"ended_on":"`+today+`","reason":"planned_move"}`); st != 404 {
		t.Fatalf("host ends: %d", st)
	}
	if st, _ := h.api("POST", path+"/end", council, `{"ended_on":"`+today+`","reason":"lost"}`); st != 422 {
		t.Fatalf("unknown reason: %d", st)
	}
	if st, body := h.api("POST", path+"/end", council, `{"ended_on":"`+today+`","reason":"return_home"}`); st != 200 || body["status"] != "ended" {
		t.Fatalf("end: %d %v", st, body)
	}
	if st, body := h.api("GET", "/api/v1/notices", host, ""); st != 200 || body["total"].(float64) < 4 {
		t.Fatalf("host notices: %d %v", st, body)
	}
	if st, body := h.api("GET", "/api/v1/children?ref=MCR-SECRET-9", council, ""); st != 200 || len(body["placements"].([]any)) != 1 {
		t.Fatalf("child: %d %v", st, body)
	}
	if st, _ := h.api("GET", "/api/v1/children?ref=MCR-SECRET-9", host, ""); st != 404 {
		t.Fatalf("host reads the child: %d", st)
	}
}

func TestApprovalAndAmendmentAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	home := h.addHome(h.orgs["providerx"].ID, "SC980002", "M20 2AB", 1)
	id := h.openRequestFor(t)
	council := h.token("commissioner@manchester.test")
	req := fmt.Sprintf("/api/v1/requests/%d/amendments", id)
	if st, _ := h.api("POST", req, council, `{"duration_weeks":52}`); st != 422 && st != 400 {
		t.Fatalf("amendment without reason: %d", st)
	}
	if st, body := h.api("POST", req, council, `{"duration_weeks":52,"reason":"Longer plan agreed"}`); st != 201 || len(body["changes"].([]any)) != 1 {
		t.Fatalf("amend: %d %v", st, body)
	}
	if st, _ := h.api("POST", req, h.token("commissioner@liverpool.test"), `{"duration_weeks":40,"reason":"x"}`); st != 404 {
		t.Fatalf("another council amends: %d", st)
	}
	if r := h.signIn("staff@providerx.test").get(fmt.Sprintf("/invitations/%d", id)); !strings.Contains(r.Body, "Longer plan agreed") || !strings.Contains(r.Body, "52 weeks") {
		t.Fatal("the invited provider sees the amendment")
	}
	bid, err := h.deps.Market.SubmitBid(ctx, id, h.orgs["providerx"].ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: time.Now().AddDate(0, 0, 7).Format(time.DateOnly), WeeklyFee: 560000, NoticeDays: 28, Justification: "Waking nights"})
	must(t, err)
	h.passDeadline(t, id)
	_, err = h.deps.Market.CloseDue(ctx)
	must(t, err)
	st, body := h.api("POST", fmt.Sprintf("/api/v1/requests/%d/award", id), council, fmt.Sprintf(`{"bid_id":%d}`, bid.ID))
	if st != 201 || body["status"] != "awaiting_approval" {
		t.Fatalf("award: %d %v", st, body)
	}
	pid := int64(body["placement_id"].(float64))
	approver := h.token("approver@manchester.test")
	if st, _ := h.api("GET", "/api/v1/approvals", council, ""); st != 403 {
		t.Fatalf("commissioner lists approvals: %d", st)
	}
	if st, body := h.api("GET", "/api/v1/approvals", approver, ""); st != 200 || len(body["awaiting_approval"].([]any)) != 1 {
		t.Fatalf("approvals: %d %v", st, body)
	}
	if st, _ := h.api("POST", fmt.Sprintf("/api/v1/approvals/%d", pid), approver, `{"decision":"maybe"}`); st != 422 && st != 400 {
		t.Fatalf("bad decision: %d", st)
	}
	if st, _ := h.api("POST", fmt.Sprintf("/api/v1/approvals/%d", pid), approver, `{"decision":"refuse"}`); st != 422 {
		t.Fatalf("refusal without reason: %d", st)
	}
	if st, body := h.api("POST", fmt.Sprintf("/api/v1/approvals/%d", pid), approver, `{"decision":"approve"}`); st != 200 || body["status"] != "awarded" {
		t.Fatalf("approve: %d %v", st, body)
	}
	if st, _ := h.api("POST", fmt.Sprintf("/api/v1/approvals/%d", pid), approver, `{"decision":"approve"}`); st != 409 {
		t.Fatalf("approve twice: %d", st)
	}
	if st, body := h.api("GET", fmt.Sprintf("/api/v1/placements/%d", pid), council, ""); st != 200 || len(body["agreements"].([]any)) != 1 {
		t.Fatalf("agreement issued on approval: %d %v", st, body)
	}
}
