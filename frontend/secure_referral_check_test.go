package frontend

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// sendReferral fills in the referral form (step 1) and, when it has no problems, sends
// it from check your answers (step 2). It returns the last response: the form again with
// its problems, or the send's redirect to the referral's page.
func (b *browser) sendReferral(form url.Values) response {
	b.h.t.Helper()
	r := b.post("/secure/referrals/new", "/secure/referrals/new", form)
	if r.Status != http.StatusSeeOther {
		return r
	}
	if r.Location != "/secure/referrals/new/check" {
		b.h.t.Fatalf("step 1 goes to %q, want check your answers", r.Location)
	}
	return b.post(r.Location, r.Location, url.Values{})
}

var changeLinkRe = regexp.MustCompile(`href="/secure/referrals/new\?change=1#([^"]+)">Change<span class="govuk-visually-hidden"> ([^<]+)</span>`)

// TestSecureReferralCheckYourAnswers: step 1 shows every problem at once, each by its
// field, with what was typed kept; step 2 lists every answer with its own Change link to
// its field; going back and forth loses nothing; sending clears the kept form.
func TestSecureReferralCheckYourAnswers(t *testing.T) {
	h := newHarness(t)
	oak, _ := h.withEstate(t)
	now := time.Now().In(london)
	council := h.signIn("commissioner@manchester.test")

	// Everything wrong at once: SAN fields missing, age against birth, the order's dates.
	bad := merge(url.Values{"child_ref": {"MCR-CYA-1"}, "age_years": {"16"}, "birth_month": {"1"}, "birth_year": {fmt.Sprint(now.Year() - 12)}, "sex": {"female"},
		"religion": {strings.Repeat("r", 61)}, "first_language": {"Polish"}, "legal_position": {"order_granted"}, "order_kind": {"first"}, "urgency": {"urgent"},
		"current_outcode": {"M14"}, "preferred_miles": {"50"}, "needs": {"self_harm"}, "needs_detail": {"Line one\nLine two <b>"},
		"social_worker": {"Sam Worker 0161 496 0000"}, "sanctioning_officer": {"Head of Service"}},
		formDate("order_start", now.AddDate(0, 0, 10)), formDate("order_expiry", now.AddDate(0, 0, 5)))
	r := council.sendReferral(bad)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a form with problems: %d", r.Status)
	}
	for _, want := range []string{
		`href="#ethnicity"`, `href="#child_protection_plan"`, `href="#primary_reason"`, `href="#religion"`, `href="#age_years"`,
		`href="#order_start-day"`, `href="#order_expiry-day"`, "The order must start before it expires", "is 12 today",
		`value="MCR-CYA-1"`, `value="Polish"`, "Line one\nLine two &lt;b&gt;", `maxlength="4000"`, "Step 1 of 2",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the form with problems lacks %q", want)
		}
	}
	// The summary lists them in the form's order.
	last := -1
	for _, id := range []string{"age_years", "ethnicity", "religion", "child_protection_plan", "primary_reason", "order_start-day", "order_expiry-day"} {
		i := strings.Index(r.Body, `href="#`+id+`"`)
		if i < last {
			t.Errorf("the error summary lists %s out of the form's order", id)
		}
		last = i
	}
	if n := strings.Count(r.Body, `govuk-error-message`); n < 7 {
		t.Errorf("%d errors beside their fields, want every one (7)", n)
	}

	// Put right, it goes on to check your answers.
	good := merge(bad, url.Values{"age_years": {"12"}, "religion": {"Catholic"}, "ethnicity": {"WIRT"}, "child_protection_plan": {"yes"},
		"primary_reason": {"absconding_harm"}, "sos_requested_on-day": {fmt.Sprint(now.Day())}, "sos_requested_on-month": {fmt.Sprint(int(now.Month()))},
		"sos_requested_on-year": {fmt.Sprint(now.Year())}}, formDate("order_start", now), formDate("order_expiry", now.AddDate(0, 2, 0)))
	r = council.post("/secure/referrals/new", "/secure/referrals/new", good)
	if r.Status != http.StatusSeeOther || r.Location != "/secure/referrals/new/check" {
		t.Fatalf("step 1: %d to %q", r.Status, r.Location)
	}
	check := council.get("/secure/referrals/new/check")
	if check.Status != http.StatusOK {
		t.Fatalf("check your answers: %d", check.Status)
	}
	for _, want := range []string{"Step 2 of 2", `class="govuk-back-link" href="/secure/referrals/new?change=1"`, "MCR-CYA-1", "January " + fmt.Sprint(now.Year()-12),
		"Traveller of Irish heritage", "Catholic", "Polish", "History of absconding", "Line one<br>Line two &lt;b&gt;", "Self-harm", "Open Government Licence"} {
		if !strings.Contains(check.Body, want) {
			t.Errorf("check your answers lacks %q", want)
		}
	}
	// Every row has its own Change link, to a field that is on the form.
	form := council.get("/secure/referrals/new?change=1")
	links := changeLinkRe.FindAllStringSubmatch(check.Body, -1)
	if rows := strings.Count(check.Body, `class="govuk-summary-list__row"`); len(links) != rows || rows < 28 {
		t.Fatalf("%d Change links for %d rows, want one on each of the 28", len(links), rows)
	}
	for _, l := range links {
		if !strings.Contains(form.Body, fmt.Sprintf(`id="%s"`, l[1])) {
			t.Errorf("Change %s goes to #%s, which is not on the form", l[2], l[1])
		}
	}

	// Going back keeps every answer; a change comes back to check your answers.
	for _, want := range []string{`value="MCR-CYA-1"`, `value="Catholic"`, `value="WIRT" selected`, `value="yes" checked`, `value="absconding_harm" checked`,
		"Line one\nLine two &lt;b&gt;", `value="self_harm" checked`} {
		if !strings.Contains(form.Body, want) {
			t.Errorf("back on the form, %q is lost", want)
		}
	}
	good.Set("first_language", "British Sign Language")
	if r = council.post("/secure/referrals/new", "/secure/referrals/new", good); r.Status != http.StatusSeeOther {
		t.Fatalf("change: %d", r.Status)
	}
	if check = council.get("/secure/referrals/new/check"); !strings.Contains(check.Body, "British Sign Language") || strings.Contains(check.Body, ">Polish<") {
		t.Error("the changed answer is not on check your answers")
	}

	// Sending clears the kept form; another council cannot see the referral.
	r = council.post("/secure/referrals/new/check", "/secure/referrals/new/check", url.Values{})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/secure/referrals/") {
		t.Fatalf("send: %d to %q", r.Status, r.Location)
	}
	page := r.Location
	if got := council.get("/secure/referrals/new/check"); got.Status != http.StatusSeeOther || got.Location != "/secure/referrals/new" {
		t.Errorf("check your answers after sending: %d to %q", got.Status, got.Location)
	}
	if got := council.get("/secure/referrals/new"); strings.Contains(got.Body, "MCR-CYA-1") {
		t.Error("the sent referral is still on a new form")
	}
	if got := h.signIn("commissioner@liverpool.test").get(page); got.Status != http.StatusNotFound {
		t.Errorf("another council reads the referral: %d", got.Status)
	}
	if got := h.signIn("host@cumberland.test").get(page); got.Status != http.StatusForbidden {
		t.Errorf("a council outside the consortium reads the referral: %d", got.Status)
	}

	// The council and the SWCU see ethnicity and religion; a home asked to decide sees
	// what it needs (reason, plan, language) but not them.
	swcu := h.signIn("coordinator@swcu.test")
	for who, b := range map[string]*browser{"council": council, "SWCU": swcu} {
		got := html.UnescapeString(b.get(page).Body)
		if !strings.Contains(got, "Traveller of Irish heritage (DfE WIRT); religion: Catholic") || !strings.Contains(got, "British Sign Language") {
			t.Errorf("the %s does not see the child's identity", who)
		}
	}
	if got := swcu.post(page, page+"/circulate", url.Values{"home_ids": {fmt.Sprint(oak.ID)}}); got.Status != http.StatusSeeOther {
		t.Fatalf("circulate: %d", got.Status)
	}
	home := html.UnescapeString(h.signIn("manager@oakfield.test").get(page).Body)
	if strings.Contains(home, "Traveller of Irish heritage") || strings.Contains(home, "Catholic") || strings.Contains(home, "WIRT") {
		t.Error("a home deciding sees the child's ethnicity or religion")
	}
	for _, want := range []string{"History of absconding", "British Sign Language", `data-testid="referral-cp-plan">Yes`} {
		if !strings.Contains(home, want) {
			t.Errorf("a home deciding lacks %q", want)
		}
	}
}

// TestSecureReferralAPISANFields: the API takes the new fields, refuses bad ones all at
// once by JSON name, and gives them back (every response checked against openapi.json):
// in full to the council, without ethnicity and religion to a home deciding.
func TestSecureReferralAPISANFields(t *testing.T) {
	h := newHarness(t)
	oak, _ := h.withEstate(t)
	now := time.Now().In(london)
	council, other, swcu, oakTok := h.token("commissioner@manchester.test"), h.token("commissioner@liverpool.test"), h.token("coordinator@swcu.test"), h.token("manager@oakfield.test")
	body := func(san string) string {
		return fmt.Sprintf(`{"child_ref":"MCR-SAN-1","age_years":15,"birth_month":1,"birth_year":%d,"sex":"male","legal_position":"order_granted","order_start":"%s",
		"order_kind":"first","order_expiry":"%s","urgency":"emergency","current_outcode":"M14","preferred_miles":40,"social_worker":"SW","sanctioning_officer":"SO"%s}`,
			now.Year()-15, now.Format(time.DateOnly), now.AddDate(0, 1, 0).Format(time.DateOnly), san)
	}
	st, out := h.api("POST", "/api/v1/secure/referrals", council, body(`,"ethnicity":"White","religion":"`+strings.Repeat("r", 61)+`"`))
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("bad SAN fields: %d %v", st, out)
	}
	for _, f := range []string{"ethnicity", "religion", "child_protection_plan", "primary_reason"} {
		if !strings.Contains(fmt.Sprint(out), "field:"+f) {
			t.Errorf("no error for %s: %v", f, out)
		}
	}
	st, out = h.api("POST", "/api/v1/secure/referrals", council, body(`,"ethnicity":"AOTH","religion":"Sikh","first_language":"Punjabi","child_protection_plan":true,"primary_reason":"injure_others"`))
	if st != http.StatusCreated || out["ethnicity"] != "AOTH" || out["primary_reason"] != "injure_others" || out["child_protection_plan"] != true {
		t.Fatalf("submit: %d %v", st, out)
	}
	path := fmt.Sprintf("/api/v1/secure/referrals/%d", int64(out["id"].(float64)))
	if st, _ := h.api("GET", path, other, ""); st != http.StatusNotFound {
		t.Errorf("another council: %d", st)
	}
	if st, got := h.api("GET", path, swcu, ""); st != http.StatusOK || got["religion"] != "Sikh" {
		t.Errorf("the SWCU: %d %v", st, got)
	}
	if st, _ := h.api("POST", path+"/circulate", swcu, fmt.Sprintf(`{"home_ids":[%d]}`, oak.ID)); st != http.StatusOK {
		t.Fatalf("circulate: %d", st)
	}
	st, got := h.api("GET", path, oakTok, "")
	if st != http.StatusOK || got["ethnicity"] != "" || got["religion"] != "" || got["first_language"] != "Punjabi" || got["primary_reason"] != "injure_others" {
		t.Errorf("a home deciding: %d %v", st, got)
	}
}
