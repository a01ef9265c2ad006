package frontend

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// draftForm is a referral form with no problems, its religion a word found nowhere else.
func draftForm(ref string, now time.Time) url.Values {
	return merge(url.Values{"child_ref": {ref}, "age_years": {"15"}, "birth_month": {"1"}, "birth_year": {fmt.Sprint(now.Year() - 15)}, "sex": {"female"},
		"ethnicity": {"BAFR"}, "religion": {"DraftFaith"}, "child_protection_plan": {"yes"}, "primary_reason": {"injure_self"},
		"legal_position": {"hearing_listed"}, "court": {"Manchester"}, "urgency": {"emergency"}, "current_outcode": {"M14"}, "preferred_miles": {"40"},
		"social_worker": {"SW 0161"}, "sanctioning_officer": {"SO"}},
		formDate("hearing_date", now.AddDate(0, 0, 5)), formDate("order_expiry", now.AddDate(0, 1, 0)))
}

// referralsOf counts the referrals of a child's reference.
func (h *harness) referralsOf(t *testing.T, ref string) (n int) {
	t.Helper()
	must(t, h.deps.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM secure_referrals WHERE child_ref = $1`, ref).Scan(&n))
	return n
}

// TestReferralDraftKeptSafely: the referral form kept for check your answers is sealed
// (no special-category data in clear in the sessions table), holds only the form's
// fields, at most 16 KB, and belongs to the user and council who typed it: whoever signs
// in next in the same browser neither sees nor sends it. A fresh visit to the form
// starts again; check your answers' links come back to the kept answers.
func TestReferralDraftKeptSafely(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	now := time.Now().In(london)
	b := h.signIn("commissioner@manchester.test")

	f := draftForm("MCR-DRAFT-1", now)
	f.Set("junk", strings.Repeat("x", 1<<20)) // a field the form does not have
	if r := b.post("/secure/referrals/new", "/secure/referrals/new", f); r.Status != http.StatusSeeOther {
		t.Fatalf("step 1: %d", r.Status)
	}
	var size int
	var clear bool
	must(t, h.deps.DB.Pool.QueryRow(ctx, `SELECT coalesce(max(octet_length(data)), 0), coalesce(bool_or(position('DraftFaith'::bytea in data) > 0 OR position('MCR-DRAFT-1'::bytea in data) > 0), false) FROM sessions`).Scan(&size, &clear))
	if size > 16<<10 || clear {
		t.Errorf("the largest session is %d bytes, the draft in clear: %v; want it sealed and under 16 KB", size, clear)
	}

	t.Run("fresh visit starts again, Change comes back", func(t *testing.T) {
		if r := b.get("/secure/referrals/new?change=1"); !strings.Contains(r.Body, `value="MCR-DRAFT-1"`) || !strings.Contains(r.Body, `data-testid="start-again"`) {
			t.Error("Change does not come back to the kept answers with Start again")
		}
		if r := b.get("/secure/referrals/new"); strings.Contains(r.Body, "MCR-DRAFT-1") || strings.Contains(r.Body, `data-testid="start-again"`) {
			t.Error("a fresh form shows the old draft")
		}
		if r := b.get("/secure/referrals/new/check"); r.Status != http.StatusSeeOther || r.Location != "/secure/referrals/new" {
			t.Errorf("check your answers after starting again: %d to %q", r.Status, r.Location)
		}
	})

	t.Run("another user in the same browser", func(t *testing.T) {
		if r := b.post("/secure/referrals/new", "/secure/referrals/new", draftForm("MCR-DRAFT-1", now)); r.Status != http.StatusSeeOther {
			t.Fatalf("step 1: %d", r.Status)
		}
		kept := func() (k bool) {
			must(t, h.deps.DB.Pool.QueryRow(ctx, `SELECT coalesce(bool_or(position('`+sessReferralDraft+`'::bytea in data) > 0), false) FROM sessions`).Scan(&k))
			return k
		}
		if !kept() {
			t.Fatal("no draft kept before the next sign-in")
		}
		b.signInAs("commissioner@liverpool.test")
		if kept() {
			t.Error("signing in keeps the previous user's draft in the session")
		}
		if r := b.get("/secure/referrals/new/check"); r.Status != http.StatusSeeOther || strings.Contains(r.Body, "MCR-DRAFT-1") {
			t.Errorf("Liverpool's check your answers: %d, shows Manchester's child: %v", r.Status, strings.Contains(r.Body, "MCR-DRAFT-1"))
		}
		if r := b.get("/secure/referrals/new?change=1"); strings.Contains(r.Body, "MCR-DRAFT-1") || strings.Contains(r.Body, "DraftFaith") {
			t.Error("Liverpool's form shows Manchester's draft")
		}
		if r := b.post("/secure/referrals/new", "/secure/referrals/new/check", url.Values{}); r.Status != http.StatusSeeOther || r.Location != "/secure/referrals/new" {
			t.Errorf("Liverpool's send: %d to %q", r.Status, r.Location)
		}
		if n := h.referralsOf(t, "MCR-DRAFT-1"); n != 0 {
			t.Errorf("%d referrals of Manchester's child sent", n)
		}
	})

}

// TestReferralFormValues: the kept form holds the referral's own fields only (a date's
// three boxes each), and refuses more than 16 KB beside its longest answer. (The form's
// own limits keep a form that passes its checks well under it: this is the backstop.)
func TestReferralFormValues(t *testing.T) {
	tests := []struct {
		name    string
		in      url.Values
		keys    string // the kept keys, sorted, joined by ","
		errorAt string
	}{
		{"OnlyTheFormsFields", url.Values{"child_ref": {"A"}, "_csrf": {"x"}, "junk": {strings.Repeat("x", 1<<20)}, "needs": {"a", "b"},
			"order_expiry-day": {"1"}, "order_expiry-month": {"2"}, "order_expiry-year": {"2027"}, "order_expiry": {"2027-02-01"}},
			"child_ref,needs,order_expiry-day,order_expiry-month,order_expiry-year", ""},
		{"ErrOver16KB", url.Values{"child_ref": {"A"}, "needs_detail": {strings.Repeat("x", 16<<10)}}, "", "needs_detail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, fe := referralFormValues(tt.in)
			keys := slices.Sorted(maps.Keys(kept))
			if got := strings.Join(keys, ","); got != tt.keys {
				t.Errorf("kept %s, want %s", got, tt.keys)
			}
			if tt.errorAt == "" && fe != nil || tt.errorAt != "" && (len(fe) != 1 || fe[0].Field != tt.errorAt || !strings.Contains(fe[0].Text(), "16 KB")) {
				t.Errorf("errors %v, want one on %q", fe, tt.errorAt)
			}
		})
	}
}

// TestReferralSentOnce: sending the same referral four times at once (a double click,
// two tabs) makes one referral; a later send of an active child's referral is refused
// beside the child's reference on the form, and by the API with its code.
func TestReferralSentOnce(t *testing.T) {
	h := newHarness(t)
	now := time.Now().In(london)
	b := h.signIn("commissioner@manchester.test")
	if r := b.post("/secure/referrals/new", "/secure/referrals/new", draftForm("MCR-ONCE-1", now)); r.Status != http.StatusSeeOther {
		t.Fatalf("step 1: %d", r.Status)
	}
	m := csrfRe.FindStringSubmatch(b.get("/secure/referrals/new/check").Body)
	if m == nil {
		t.Fatal("no CSRF token on check your answers")
	}
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = b.do(http.MethodPost, "/secure/referrals/new/check", url.Values{"_csrf": {m[1]}}).Status
		}()
	}
	wg.Wait()
	if n := h.referralsOf(t, "MCR-ONCE-1"); n != 1 {
		t.Fatalf("%d referrals from four sends at once (%v), want 1", n, statuses)
	}
	for _, st := range statuses {
		if st != http.StatusSeeOther && st != http.StatusUnprocessableEntity {
			t.Errorf("a send at once: %d (%v)", st, statuses)
		}
	}

	r := b.sendReferral(draftForm("MCR-ONCE-1", now))
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#child_ref"`) || !strings.Contains(r.Body, `id="child_ref-error"`) ||
		!strings.Contains(r.Body, "already referred this child") || !strings.Contains(r.Body, `value="DraftFaith"`) {
		t.Errorf("a second referral of an active child: %d", r.Status)
	}
	tok := h.token("commissioner@manchester.test")
	body := fmt.Sprintf(`{"child_ref":"MCR-ONCE-1","age_years":15,"birth_month":1,"birth_year":%d,"sex":"male","legal_position":"applying","urgency":"planned",
		"current_outcode":"M14","preferred_miles":40,"social_worker":"SW","sanctioning_officer":"SO","ethnicity":"AOTH","child_protection_plan":false,"primary_reason":"injure_self"}`, now.Year()-15)
	st, out := h.api(http.MethodPost, "/api/v1/secure/referrals", tok, body)
	if st != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(out), "code:active_referral") || !strings.Contains(fmt.Sprint(out), "field:child_ref") {
		t.Errorf("the API's second referral: %d %v", st, out)
	}
	if n := h.referralsOf(t, "MCR-ONCE-1"); n != 1 {
		t.Errorf("%d referrals, want 1", n)
	}
}
