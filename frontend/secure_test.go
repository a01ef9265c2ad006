package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
	"github.com/hearth-placements/hearth/commissioning/secure"
)

// withEstate seeds the secure estate and gives Oakfield and Heron Court a manager each.
func (h *harness) withEstate(t *testing.T) (oak, heron secure.Home) {
	t.Helper()
	ctx := context.Background()
	must(t, secure.SeedEstate(ctx, h.deps.DB.Gorm, time.Now()))
	for email, name := range map[string]string{"manager@oakfield.test": secure.Estate[0].Name, "manager@heron.test": secure.Estate[1].Name} {
		var home secure.Home
		must(t, h.deps.DB.Gorm.Where("name = ?", name).First(&home).Error)
		u, err := h.deps.Users.Create(ctx, newUser(email, "secure_home_user", home.ProviderID))
		must(t, err)
		h.users[email] = u
		if name == secure.Estate[0].Name {
			oak = home
		} else {
			heron = home
		}
	}
	return oak, heron
}

func freeWelfareBed(t *testing.T, h *harness, home secure.Home) secure.Bed {
	t.Helper()
	_, beds, err := h.deps.Secure.HomeOf(context.Background(), home.ProviderID)
	must(t, err)
	for _, b := range beds {
		if b.Designation == "welfare" && b.Status == "free" {
			return b
		}
	}
	t.Fatalf("%s has no free welfare bed", home.Name)
	return secure.Bed{}
}

// bedToFree returns a free welfare bed of a home, freeing an occupied one (a child
// placed outside Hearth) if need be.
func bedToFree(t *testing.T, h *harness, home secure.Home) secure.Bed {
	t.Helper()
	_, beds, err := h.deps.Secure.HomeOf(context.Background(), home.ProviderID)
	must(t, err)
	for _, b := range beds {
		if b.Designation == "welfare" && b.Status == "free" {
			return b
		}
	}
	for _, b := range beds {
		if b.Designation == "welfare" && b.Status == "occupied" {
			b, err := h.deps.Secure.SetBed(context.Background(), b.ID, home.ProviderID, 0, secure.BedUpdate{Status: "free"})
			must(t, err)
			return b
		}
	}
	t.Fatalf("%s has no welfare bed to free", home.Name)
	return secure.Bed{}
}

func anyBed(t *testing.T, h *harness, home secure.Home) secure.Bed {
	t.Helper()
	_, beds, err := h.deps.Secure.HomeOf(context.Background(), home.ProviderID)
	must(t, err)
	return beds[0]
}

func formDate(prefix string, d time.Time) url.Values {
	return url.Values{prefix + "-day": {fmt.Sprint(d.Day())}, prefix + "-month": {fmt.Sprint(int(d.Month()))}, prefix + "-year": {fmt.Sprint(d.Year())}}
}

func merge(vs ...url.Values) url.Values {
	out := url.Values{}
	for _, v := range vs {
		for k, x := range v {
			out[k] = x
		}
	}
	return out
}

func TestSecureReferralJourneyInTheBrowser(t *testing.T) {
	h := newHarness(t)
	oak, heron := h.withEstate(t)
	now := time.Now().In(london)
	council := h.signIn("commissioner@manchester.test")

	// A granted order needs its start and whether it is a first order (at most 3 months,
	// reg. 11) or a renewal (6, reg. 12); what was typed is kept.
	form := merge(url.Values{"child_ref": {"MCR-SEC-1"}, "age_years": {"12"}, "birth_month": {"1"}, "birth_year": {fmt.Sprint(now.Year() - 12)}, "sex": {"female"},
		"legal_position": {"order_granted"}, "urgency": {"urgent"}, "current_outcode": {"M14"}, "preferred_miles": {"50"},
		"social_worker": {"Sam Worker 0161 496 0000"}, "sanctioning_officer": {"Head of Service"}, "ethnicity": {"WBRI"}, "child_protection_plan": {"no"}, "primary_reason": {"injure_self"}}, formDate("order_expiry", now.AddDate(0, 4, 0)),
		formDate("sos_requested_on", now))
	r := council.sendReferral(form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the date the order started") || !strings.Contains(r.Body, `value="MCR-SEC-1"`) {
		t.Fatalf("order without start: %d", r.Status)
	}
	form = merge(form, formDate("order_start", now), url.Values{"order_kind": {"first"}})
	if r = council.sendReferral(form); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "at most 3 months") {
		t.Fatalf("a 4-month first order: %d", r.Status)
	}
	// A child under 13 is referred while the Secretary of State's approval is sought (reg. 4).
	form = merge(form, formDate("order_expiry", now.AddDate(0, 2, 0)))
	r = council.sendReferral(form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.Status)
	}
	page := r.Location
	if got := h.signIn("commissioner@liverpool.test").get(page); got.Status != http.StatusNotFound {
		t.Fatalf("another council reads the referral: %d", got.Status)
	}
	if got := h.signIn("manager@oakfield.test").get(page); got.Status != http.StatusNotFound {
		t.Fatalf("a home it was not sent to reads it: %d", got.Status)
	}
	if got := council.get("/secure/waiting"); got.Status != http.StatusForbidden {
		t.Fatalf("a council reads the waiting list: %d", got.Status)
	}

	// The coordinator circulates it to two homes.
	swcu := h.signIn("coordinator@swcu.test")
	if got := swcu.get("/secure/waiting"); !strings.Contains(got.Body, "MCR-SEC-1") {
		t.Fatal("waiting list lacks the referral")
	}
	if got := swcu.post(page, page+"/circulate", url.Values{"home_ids": {fmt.Sprint(oak.ID), fmt.Sprint(heron.ID)}}); got.Status != http.StatusSeeOther {
		t.Fatalf("circulate: %d", got.Status)
	}
	// Heron Court declines (a reason is needed); Oakfield accepts.
	hm := h.signIn("manager@heron.test")
	if got := hm.post(page, page+"/respond", url.Values{"response": {"decline"}}); got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, "Select why you are declining") {
		t.Fatalf("decline without reason: %d", got.Status)
	}
	if got := hm.post(page, page+"/respond", url.Values{"response": {"decline"}, "decline_reason": {"staffing"}}); got.Status != http.StatusSeeOther {
		t.Fatalf("decline: %d", got.Status)
	}
	bed := freeWelfareBed(t, h, oak)
	om := h.signIn("manager@oakfield.test")
	if got := om.get(page); got.Status != http.StatusOK || strings.Contains(got.Body, "Sam Worker") {
		t.Fatalf("the home sees the referral without contacts before allocation: %d", got.Status)
	}
	if got := om.post(page, page+"/respond", merge(url.Values{"response": {"accept"}, "bed_id": {fmt.Sprint(bed.ID)}}, formDate("earliest_admission", now))); got.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d", got.Status)
	}
	// The suggestion offers that bed; the coordinator allocates it.
	if got := swcu.get("/secure/suggestions"); !strings.Contains(got.Body, "Allocate this bed") || !strings.Contains(got.Body, "The home has offered this bed") {
		t.Fatal("suggestion lacks the offered bed")
	}
	// Heron Court declined: its bed cannot be allocated.
	if got := swcu.post(page, page+"/allocate", url.Values{"bed_id": {fmt.Sprint(bedToFree(t, h, heron).ID)}}); got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, "has not offered this bed") {
		t.Fatalf("allocating a bed the home did not offer: %d", got.Status)
	}
	// No allocation for an under-13 until the Secretary of State's approval is recorded.
	if got := swcu.post(page, page+"/allocate", url.Values{"bed_id": {fmt.Sprint(bed.ID)}}); got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, "reg. 4") {
		t.Fatalf("allocating an under-13 without approval: %d", got.Status)
	}
	if got := council.post(page, page+"/approvals", merge(url.Values{"kind": {"sos"}, "reference": {"SOS/2026/7"}}, formDate("granted_on", now))); got.Status != http.StatusSeeOther {
		t.Fatalf("record approval: %d %s", got.Status, got.Body)
	}
	if got := swcu.post(page, page+"/allocate", url.Values{"bed_id": {fmt.Sprint(bed.ID)}}); got.Status != http.StatusSeeOther {
		t.Fatalf("allocate: %d", got.Status)
	}
	// The home cannot free the held bed; the coordinator can release it, with a reason.
	if got := om.post("/secure/home", "/secure/beds", url.Values{fmt.Sprintf("bed_%d_status", bed.ID): {"free"}}); got.Status != http.StatusSeeOther {
		t.Fatalf("home frees a held bed: %d", got.Status)
	}
	if b := bedState(t, h, bed.ID); b != "held" {
		t.Fatalf("held bed is %s", b)
	}
	if got := swcu.post(page, page+"/release", url.Values{}); got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, "Enter why the bed is released") {
		t.Fatalf("release without a reason: %d", got.Status)
	}
	if got := swcu.post(page, page+"/release", url.Values{"release_reason": {"Admission moved; holding another week is not fair to others"}}); got.Status != http.StatusSeeOther {
		t.Fatalf("release: %d", got.Status)
	}
	if got := council.get(page); !strings.Contains(got.Body, "Offers received") {
		t.Fatal("the child is not back on the waiting list")
	}
	if got := swcu.post(page, page+"/allocate", url.Values{"bed_id": {fmt.Sprint(bed.ID)}}); got.Status != http.StatusSeeOther {
		t.Fatalf("allocate again: %d", got.Status)
	}
	if got := swcu.get("/secure/board?partial=1"); !strings.Contains(got.Body, "hearth-bed--held") {
		t.Fatal("board shows no held bed")
	}
	// Admission: not in the past.
	if got := om.post(page, page+"/admit", formDate("admitted_on", now.AddDate(0, 0, -1))); got.Status != http.StatusUnprocessableEntity || !strings.Contains(got.Body, "cannot be in the past") {
		t.Fatalf("admission in the past: %d", got.Status)
	}
	if got := om.post(page, page+"/admit", formDate("admitted_on", now)); got.Status != http.StatusSeeOther {
		t.Fatalf("admit: %d", got.Status)
	}
	if got := council.get(page); !strings.Contains(got.Body, "Placed") || !strings.Contains(got.Body, "72 of 72 hours remain") {
		t.Fatal("the council sees the child placed, with the 72-hour clock")
	}
	// The home cannot mark the occupied bed free: a clear message, not a 500.
	if got := om.post("/secure/home", "/secure/beds", url.Values{fmt.Sprintf("bed_%d_status", bed.ID): {"free"}}); got.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(got.Body, fmt.Sprintf(`id="bed_%d_status-error"`, bed.ID)) || !strings.Contains(got.Body, "cannot be marked free or closed") {
		t.Fatalf("home frees an occupied bed: %d, or no message beside the bed", got.Status)
	}
	if b := bedState(t, h, bed.ID); b != "occupied" {
		t.Fatalf("bed is %s", b)
	}
	// The report shows the allocation and the decline.
	rep := swcu.get("/secure/report")
	if !strings.Contains(rep.Body, "MCR-SEC-1") || !strings.Contains(rep.Body, "Staffing: 1") {
		t.Fatal("report lacks the allocation or the decline")
	}
	if csv := swcu.get("/secure/report.csv"); !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.Contains(csv.Body, "allocated_24h,MCR-SEC-1") {
		t.Fatalf("report CSV: %s", csv.Header.Get("Content-Type"))
	}
	if got := swcu.get("/secure/metrics"); got.Status != http.StatusOK || !strings.Contains(got.Body, "occupancy-chart") {
		t.Fatalf("metrics: %d", got.Status)
	}
}

func bedState(t *testing.T, h *harness, id int64) string {
	t.Helper()
	var st string
	must(t, h.deps.DB.Gorm.Raw("SELECT status FROM secure_beds WHERE id = ?", id).Scan(&st).Error)
	return st
}

func TestSecureAPI(t *testing.T) {
	h := newHarness(t)
	oak, heron := h.withEstate(t)
	now := time.Now().In(london)
	council, swcu, oakTok := h.token("commissioner@manchester.test"), h.token("coordinator@swcu.test"), h.token("manager@oakfield.test")
	// Manchester's case system hears of the allocation (issue 16).
	hooks := newHookReceiver(t)
	_, secret, err := h.deps.Webhooks.Create(context.Background(), h.orgs["manchester"].ID, 0, webhook.EndpointInput{URL: hooks.srv.URL, EventTypes: []string{"referral.allocated"}})
	must(t, err)
	hooks.secret = secret
	body := fmt.Sprintf(`{"child_ref":"MCR-API-1","age_years":15,"birth_month":1,"birth_year":%d,"sex":"male","legal_position":"hearing_listed","hearing_date":"%s",
		"order_expiry":"%s","court":"Manchester","urgency":"emergency","current_outcode":"M14","preferred_miles":40,"social_worker":"SW","sanctioning_officer":"SO","ethnicity":"WBRI","child_protection_plan":false,"primary_reason":"injure_self"}`,
		now.Year()-15, now.AddDate(0, 0, 5).Format(time.DateOnly), now.AddDate(0, 0, 2).Format(time.DateOnly))
	if st, out := h.api("POST", "/api/v1/secure/referrals", council, body); st != 422 || !strings.Contains(fmt.Sprint(out), "order_expiry") {
		t.Fatalf("expiry before hearing: %d %v", st, out)
	}
	body = strings.Replace(body, now.AddDate(0, 0, 2).Format(time.DateOnly), now.AddDate(0, 1, 0).Format(time.DateOnly), 1)
	st, out := h.api("POST", "/api/v1/secure/referrals", council, body)
	if st != 201 {
		t.Fatalf("submit: %d %v", st, out)
	}
	id := int64(out["id"].(float64))
	path := fmt.Sprintf("/api/v1/secure/referrals/%d", id)
	if st, _ := h.api("GET", path, h.token("commissioner@liverpool.test"), ""); st != 404 {
		t.Fatalf("another council: %d", st)
	}
	if st, _ := h.api("GET", "/api/v1/secure/waiting", council, ""); st != 403 {
		t.Fatalf("council reads the waiting list: %d", st)
	}
	if st, out := h.api("GET", "/api/v1/secure/waiting", swcu, ""); st != 200 || len(out["waiting"].([]any)) != 1 {
		t.Fatalf("waiting: %d %v", st, out)
	}
	if st, _ := h.api("POST", path+"/circulate", swcu, fmt.Sprintf(`{"home_ids":[%d,%d]}`, oak.ID, heron.ID)); st != 200 {
		t.Fatalf("circulate: %d", st)
	}
	bed := freeWelfareBed(t, h, oak)
	if st, _ := h.api("POST", path+"/respond", oakTok, fmt.Sprintf(`{"response":"accept","bed_id":%d,"earliest_admission":"%s"}`, bed.ID, now.Format(time.DateOnly))); st != 204 {
		t.Fatalf("respond: %d", st)
	}
	if st, out := h.api("GET", "/api/v1/secure/suggestions", swcu, ""); st != 200 || len(out["pairs"].([]any)) != 1 {
		t.Fatalf("suggestions: %d %v", st, out)
	}
	// Closed beds cannot be allocated; the offered bed can, once.
	closedBed := secure.Bed{}
	_, beds, _ := h.deps.Secure.HomeOf(context.Background(), oak.ProviderID)
	for _, b := range beds {
		if b.Designation == "welfare" && b.Status == "occupied" && b.ID != bed.ID {
			closedBed = b
			break
		}
	}
	reopen := now.AddDate(0, 0, 5).Format(time.DateOnly)
	if st, out := h.api("PUT", fmt.Sprintf("/api/v1/secure/beds/%d", closedBed.ID), oakTok, `{"status":"closed","closed_reason":"staffing","reopens_on":"`+reopen+`"}`); st != 200 || out["status"] != "closed" {
		t.Fatalf("close a bed: %d %v", st, out)
	}
	if st, _ := h.api("PUT", fmt.Sprintf("/api/v1/secure/beds/%d", anyBed(t, h, heron).ID), oakTok, `{"status":"free"}`); st != 404 {
		t.Fatalf("another home's bed: %d", st)
	}
	if st, _ := h.api("POST", path+"/allocate", swcu, fmt.Sprintf(`{"bed_id":%d}`, closedBed.ID)); st != 422 {
		t.Fatalf("allocate a closed bed: %d", st)
	}
	// Heron Court was asked but has not offered: no allocation there (409).
	if st, _ := h.api("POST", path+"/allocate", swcu, fmt.Sprintf(`{"bed_id":%d}`, bedToFree(t, h, heron).ID)); st != 409 {
		t.Fatalf("allocate a bed the home did not offer: %d", st)
	}
	if st, out := h.api("POST", path+"/allocate", swcu, fmt.Sprintf(`{"bed_id":%d}`, bed.ID)); st != 200 || out["status"] != "allocated" {
		t.Fatalf("allocate: %d %v", st, out)
	}
	h.deliverHooks(t)
	if got := hooks.got(); len(got) != 1 || got[0].Type != webhook.ReferralAllocated || !strings.Contains(string(got[0].Data), `"child_ref":"MCR-API-1"`) ||
		!strings.Contains(string(got[0].Data), `"access":"council"`) {
		t.Fatalf("Manchester's system heard %v", got)
	}
	if st, _ := h.api("PUT", fmt.Sprintf("/api/v1/secure/beds/%d", bed.ID), oakTok, `{"status":"free"}`); st != 409 {
		t.Fatalf("the home frees a held bed: %d", st)
	}
	if st, _ := h.api("POST", path+"/release", swcu, `{"reason":""}`); st != 400 && st != 422 {
		t.Fatalf("release without a reason: %d", st)
	}
	if st, _ := h.api("POST", path+"/release", oakTok, `{"reason":"no"}`); st != 403 {
		t.Fatalf("a home releases: %d", st)
	}
	if st, out := h.api("POST", path+"/release", swcu, `{"reason":"Admission postponed by the court"}`); st != 200 || out["status"] != "offers" || out["allocated_bed_id"] != nil {
		t.Fatalf("release: %d %v", st, out)
	}
	if st, _ := h.api("POST", path+"/release", swcu, `{"reason":"again"}`); st != 409 {
		t.Fatalf("release twice: %d", st)
	}
	if st, out := h.api("POST", path+"/allocate", swcu, fmt.Sprintf(`{"bed_id":%d}`, bed.ID)); st != 200 || out["status"] != "allocated" {
		t.Fatalf("allocate again: %d %v", st, out)
	}
	// Reg. 10: the 72-hour clock for a child held without an order (this one has a hearing listed).
	from := time.Now().Add(-3 * time.Hour).UTC().Format(time.RFC3339)
	until := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	if st, out := h.api("POST", path+"/holds", council, `{"from":"`+from+`","until":"`+until+`"}`); st != 201 || out["hours_remaining"].(float64) < 69.9 || out["hours_remaining"].(float64) > 70.1 {
		t.Fatalf("hold: %d %v", st, out)
	}
	if st, _ := h.api("POST", path+"/holds/end", council, `{"at":"`+until+`"}`); st != 409 {
		t.Fatalf("ending a period when none runs: %d", st)
	}
	running := time.Now().Add(-30 * time.Minute).UTC().Format(time.RFC3339)
	if st, out := h.api("POST", path+"/holds", swcu, `{"from":"`+running+`"}`); st != 201 || out["running"] != true {
		t.Fatalf("running hold: %d %v", st, out)
	}
	if st, out := h.api("POST", path+"/holds/end", council, `{"at":"`+time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)+`"}`); st != 200 || out["running"] != false {
		t.Fatalf("end the running hold: %d %v", st, out)
	}
	if st, _ := h.api("POST", path+"/allocate", swcu, fmt.Sprintf(`{"bed_id":%d}`, bed.ID)); st != 409 {
		t.Fatalf("allocate again: %d", st)
	}
	if st, _ := h.api("POST", path+"/admit", oakTok, `{"admitted_on":"`+now.Format(time.DateOnly)+`"}`); st != 204 {
		t.Fatalf("admit: %d", st)
	}
	if st, _ := h.api("PUT", fmt.Sprintf("/api/v1/secure/beds/%d", bed.ID), oakTok, `{"status":"free"}`); st != 409 {
		t.Fatalf("the home frees an occupied bed: %d", st)
	}
	if st, out := h.api("GET", "/api/v1/secure/beds", council, ""); st != 200 || out["total"].(float64) < 200 {
		t.Fatalf("board: %d %v", st, out)
	}
	if st, out := h.api("GET", "/api/v1/secure/report", swcu, ""); st != 200 || len(out["allocations_24h"].([]any)) != 1 {
		t.Fatalf("report: %d %v", st, out)
	}
	if st, _ := h.api("POST", path+"/discharge", oakTok, `{"discharged_on":"`+now.Format(time.DateOnly)+`","reason":"step_down"}`); st != 204 {
		t.Fatalf("discharge: %d", st)
	}
}

// Children Act 1989, s25: a request for a child on a section 25 order is refused on the
// residential lot, with a field error on the legal status that names the secure referral;
// the request page links to it.
func TestSection25RequestRefusedOnAnOpenLot(t *testing.T) {
	h := newHarness(t)
	h.addHome(h.orgs["providerx"].ID, "SC950001", "M20 2AB", 1)
	council := h.token("commissioner@manchester.test")
	now := time.Now()
	body := fmt.Sprintf(`{"child_ref": "MCR-S25", "age_years": 14, "birth_month": %d, "birth_year": %d, "sex": "female", "needs": [],
        "legal_status": "s25", "home_outcode": "M14", "within_miles": 20, "lot_id": %d, "tier": "standard",
        "start_date": "%s", "duration_weeks": 26, "deadline": "%s"}`,
		int(now.Month()), now.Year()-14, h.lot.ID, now.AddDate(0, 0, 7).Format("2006-01-02"), now.Add(3*time.Hour).UTC().Format(time.RFC3339))
	status, created := h.api(http.MethodPost, "/api/v1/requests", council, body)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, created)
	}
	id := int64(created["id"].(float64))
	status, out := h.api(http.MethodPost, fmt.Sprintf("/api/v1/requests/%d/submit", id), council, "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(out), "legal_status") || !strings.Contains(fmt.Sprint(out), "/secure/referrals/new") {
		t.Fatalf("submit s25 on the residential lot: %d %v", status, out)
	}
	page := fmt.Sprintf("/requests/%d", id)
	r := h.signIn("commissioner@manchester.test").post(page, page+"/submit", url.Values{})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="/secure/referrals/new"`) || !strings.Contains(r.Body, "section 25 order authorises only secure accommodation") {
		t.Fatalf("submit page: %d", r.Status)
	}
}
