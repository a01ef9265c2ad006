package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/marketplace"
)

// TestDecodeFormReadsDateAndTime: a ",datetime" field reads a GOV.UK date input and its
// time box as a time in England; each problem is beside the box to fix; all empty is
// nothing (the required rule then speaks).
func TestDecodeFormReadsDateAndTime(t *testing.T) {
	vals := func(d, m, y, hm string) url.Values {
		return url.Values{"started_at-day": {d}, "started_at-month": {m}, "started_at-year": {y}, "started_at_time": {hm}, "kind": {"missing"}}
	}
	tests := []struct {
		name   string
		vals   url.Values
		want   time.Time
		formID string
		code   kernel.Code
	}{
		{"OK", vals("3", "4", "2026", "17:30"), time.Date(2026, 4, 3, 17, 30, 0, 0, london), "", ""},
		{"Empty", vals("", "", "", ""), time.Time{}, "", ""},
		{"ErrNotARealDate", vals("31", "2", "2026", "17:30"), time.Time{}, "started_at-day", kernel.CodeBadDate},
		{"ErrYearMissing", vals("3", "4", "", "17:30"), time.Time{}, "started_at-day", kernel.CodeBadDate},
		{"ErrTimeOnly", vals("", "", "", "17:30"), time.Time{}, "started_at-day", kernel.CodeBadDate},
		{"ErrNotATime", vals("3", "4", "2026", "25:99"), time.Time{}, "started_at_time", kernel.CodeBadTime},
		{"ErrTimeMissing", vals("3", "4", "2026", ""), time.Time{}, "started_at_time", kernel.CodeBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in marketplace.IncidentReport
			fe := decodeValues(tt.vals, &in, nil)
			if tt.formID == "" {
				if fe != nil || !in.StartedAt.Equal(tt.want) {
					t.Fatalf("got %v, problems %v", in.StartedAt, fe)
				}
				return
			}
			if len(fe) != 1 || fe[0].Field != "started_at" || fe[0].ID() != tt.formID || fe[0].Code != tt.code || fe[0].Text() == "" {
				t.Fatalf("problems %+v, want started_at at %s (%s)", fe, tt.formID, tt.code)
			}
		})
	}
	// A page with a form per item names its date-and-time boxes with the item.
	var end marketplace.IncidentEnd
	if fe := decodeValues(url.Values{"returned_7-day": {"3"}, "returned_7-month": {"4"}, "returned_7-year": {"2026"}, "returned_7_time": {"09:05"}}, &end, suffixed("_7")); fe != nil ||
		!end.EndedAt.Equal(time.Date(2026, 4, 3, 9, 5, 0, 0, london)) {
		t.Fatalf("suffixed: %v %v", end.EndedAt, fe)
	}
	// Whole-number lists (checkboxes of ids): a value that is not a number is a problem.
	var circ secure.CirculateInput
	if fe := decodeValues(url.Values{"home_ids": {"4", "x"}}, &circ, nil); len(fe) != 1 || fe[0].Field != "home_ids" {
		t.Fatalf("home ids: %v", fe)
	}
	if fe := decodeValues(url.Values{"home_ids": {"4", "9"}}, &circ, nil); fe != nil || len(circ.HomeIDs) != 2 || circ.HomeIDs[1] != 9 {
		t.Fatalf("home ids: %v %v", circ.HomeIDs, fe)
	}
}

// TestCutFormStillDecodes: a form cut at the body limit loses only the end of the field
// it was cut in, never a %-escape or a character split in two.
func TestCutFormStillDecodes(t *testing.T) {
	for _, raw := range []string{"_csrf=x&note=abc%2", "_csrf=x&note=abc%", "_csrf=x&note=caf%C3", "_csrf=x&note=caf%C3%A9", "_csrf=x&note=plain"} {
		got := cutForm([]byte(raw))
		vals, err := url.ParseQuery(string(got))
		if err != nil || vals.Get("_csrf") != "x" || !strings.HasPrefix(vals.Get("note"), map[bool]string{true: "caf", false: "abc"}[strings.Contains(raw, "caf")][:2]) &&
			!strings.HasPrefix(vals.Get("note"), "plain") {
			t.Errorf("%q cut to %q: %v %v", raw, got, vals, err)
		}
	}
}

// TestConvertedFormsShowEveryErrorBesideItsField: each converted form, posted with
// several mistakes at once, answers 422 with every problem beside its field and what was
// typed kept; garbage is never a 500; and a text box far over the body limit is a field
// error with the text kept, not a "file too large" page.
func TestConvertedFormsShowEveryErrorBesideItsField(t *testing.T) {
	h := newHarness(t)
	pid := h.awardedIntoSalford(t)
	placement := fmt.Sprintf("/placements/%d", pid)
	prov := h.signIn("staff@providerx.test")
	now := time.Now().In(london)
	if r := prov.post(placement, placement+"/start", url.Values{"started_on-day": {fmt.Sprint(now.Day())}, "started_on-month": {fmt.Sprint(int(now.Month()))},
		"started_on-year": {fmt.Sprint(now.Year())}}); r.Status != http.StatusSeeOther {
		t.Fatalf("start: %d", r.Status)
	}
	request := fmt.Sprintf("/requests/%d", h.openRequestFor(t))
	council := h.signIn("commissioner@manchester.test")
	admin := h.signIn("admin@consortium.test")
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name       string
		b          *browser
		page, path string
		form       url.Values
		errors     []string // ids of the fields with an error
		kept       []string // what was typed, shown again
	}{
		{"IncidentAllAtOnce", prov, placement, placement + "/incidents",
			url.Values{"kind": {"lost"}, "started_at-day": {"31"}, "started_at-month": {"2"}, "started_at-year": {"2026"}, "started_at_time": {"17:00"}, "note": {long(2001)}},
			[]string{"kind", "started_at", "note"}, []string{`value="31"`, long(2001)}},
		{"IncidentRulesEndBeforeStart", prov, placement, placement + "/incidents",
			url.Values{"kind": {"missing"}, "started_at-day": {fmt.Sprint(now.Day())}, "started_at-month": {fmt.Sprint(int(now.Month()))}, "started_at-year": {fmt.Sprint(now.Year())},
				"started_at_time": {"00:01"}, "ended_at-day": {fmt.Sprint(now.Day())}, "ended_at-month": {fmt.Sprint(int(now.Month()))}, "ended_at-year": {fmt.Sprint(now.Year())},
				"ended_at_time": {"00:00"}, "note": {"Back before she left"}},
			[]string{"ended_at"}, []string{"Back before she left", `value="00:00"`}},
		{"IncidentGarbage", prov, placement, placement + "/incidents", url.Values{"kind": {"\u00e9"}, "started_at-day": {"x"}, "started_at-month": {"-1"}, "started_at_time": {"\x7f"}, "junk": {"1"}},
			[]string{"kind", "started_at"}, []string{`value="x"`}},
		{"AmendAllAtOnce", council, request, request + "/amend",
			url.Values{"start_date-day": {""}, "start_date-month": {""}, "start_date-year": {""}, "duration_weeks": {"six"}, "needs_detail": {long(4001)}, "reason": {"  "}},
			[]string{"start_date", "duration_weeks", "needs_detail", "reason"}, []string{`value="six"`, long(4001)}},
		{"CancelBlankReason", council, request, request + "/cancel", url.Values{"reason": {"   "}}, []string{"reason"}, nil},
		{"CancelFarOverTheBodyLimit", council, request, request + "/cancel", url.Values{"reason": {long(5 << 20)}}, []string{"reason"}, []string{long(10000)}},
		{"BillingPeriodBackwards", admin, "/admin/billing", "/admin/billing/run",
			url.Values{"month": {"2026-01"}, "from-day": {"10"}, "from-month": {"3"}, "from-year": {"2026"}, "to-day": {"1"}, "to-month": {"3"}, "to-year": {"2026"}},
			[]string{"to"}, []string{`value="10"`}},
		{"BillingContactAllAtOnce", admin, "/admin/billing", "/admin/billing/contacts", url.Values{"council_id": {"x"}, "billing_email": {"not an email"}},
			[]string{"council_id", "billing_email"}, []string{`value="not an email"`}},
		{"AdjacencyAllAtOnce", admin, "/admin/geography", "/admin/geography/overrides", url.Values{"council_a": {"nowhere"}, "council_b": {""}, "reason": {long(1001)}},
			[]string{"council_a", "council_b", "reason"}, []string{long(1001)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.b.post(tt.page, tt.path, tt.form)
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.Status)
			}
			for _, id := range tt.errors {
				if !strings.Contains(r.Body, fmt.Sprintf(`id="%s-error"`, id)) {
					t.Errorf("no error beside %s", id)
				}
			}
			if n := strings.Count(r.Body, `class="govuk-error-message"`); n != len(tt.errors) {
				t.Errorf("%d errors shown, want %d", n, len(tt.errors))
			}
			for _, k := range tt.kept {
				if !strings.Contains(r.Body, k) {
					t.Errorf("what was typed is lost: %.40s…", k)
				}
			}
		})
	}
}

// TestSecureFormsShowEveryErrorBesideItsField: the referral page's action forms, posted
// with mistakes, answer 422 with each problem beside its field and what was typed kept.
func TestSecureFormsShowEveryErrorBesideItsField(t *testing.T) {
	h := newHarness(t)
	h.withEstate(t)
	now := time.Now().In(london)
	council := h.signIn("commissioner@manchester.test")
	form := merge(url.Values{"child_ref": {"MCR-SEC-2"}, "age_years": {"12"}, "birth_month": {"2"}, "birth_year": {fmt.Sprint(now.Year() - 12)}, "sex": {"female"},
		"legal_position": {"order_granted"}, "urgency": {"urgent"}, "current_outcode": {"M14"}, "preferred_miles": {"50"}, "order_kind": {"first"},
		"social_worker": {"Sam Worker 0161 496 0000"}, "sanctioning_officer": {"Head of Service"},
		"ethnicity": {"WBRI"}, "child_protection_plan": {"no"}, "primary_reason": {"absconding_harm"}}, formDate("order_start", now), formDate("order_expiry", now.AddDate(0, 2, 0)),
		formDate("sos_requested_on", now))
	r := council.sendReferral(form)
	if r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.Status)
	}
	page := r.Location
	swcu := h.signIn("coordinator@swcu.test")
	hour := func(d time.Duration) url.Values {
		at := now.Add(d)
		return url.Values{"-day": {fmt.Sprint(at.Day())}, "-month": {fmt.Sprint(int(at.Month()))}, "-year": {fmt.Sprint(at.Year())}, "_time": {at.Format("15:04")}}
	}
	named := func(name string, v url.Values) url.Values {
		out := url.Values{}
		for k, x := range v {
			out[name+k] = x
		}
		return out
	}
	tests := []struct {
		name   string
		b      *browser
		path   string
		form   url.Values
		errors []string
		kept   []string
	}{
		{"UpdateBlankNote", council, "/update", url.Values{"note": {"   "}, "reviewed": {"yes"}}, []string{"note"}, nil},
		{"WithdrawLongReason", council, "/withdraw", url.Values{"reason": {strings.Repeat("w", 2001)}}, []string{"reason"}, []string{strings.Repeat("w", 2001)}},
		{"HoldBadTime", council, "/holds", merge(named("held_from", hour(-time.Hour)), url.Values{"held_from_time": {"25:00"}}), []string{"held_from_time"}, []string{`value="25:00"`}},
		{"HoldEndsBeforeItBegins", council, "/holds", merge(named("held_from", hour(-time.Hour)), named("held_until", hour(-2*time.Hour))), []string{"held_until"}, nil},
		{"ApprovalAllAtOnce", council, "/approvals", merge(url.Values{"kind": {"sos"}, "reference": {""}}, formDate("granted_on", now.AddDate(0, 0, 3))),
			[]string{"granted_on", "reference"}, nil},
		{"CirculateNotAHome", swcu, "/circulate", url.Values{"home_ids": {"x"}}, []string{"home_ids"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.b.post(page, page+tt.path, tt.form)
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.Status)
			}
			for _, id := range tt.errors {
				if !strings.Contains(r.Body, fmt.Sprintf(`id="%s-error"`, id)) {
					t.Errorf("no error beside %s", id)
				}
			}
			if n := strings.Count(r.Body, `class="govuk-error-message"`); n != len(tt.errors) {
				t.Errorf("%d errors shown, want %d", n, len(tt.errors))
			}
			for _, k := range tt.kept {
				if !strings.Contains(r.Body, k) {
					t.Errorf("what was typed is lost: %.40s…", k)
				}
			}
		})
	}
}
