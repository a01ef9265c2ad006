package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAwardAsksWhyOutOfAreaOnlyWhenItIs: the confirmation asks why only for a home out
// of the council's area (Liverpool for Manchester), requires it then (with words for
// "other"), keeps what was typed, and stores the reason on the placement; a home in the
// council's area is not asked, and a reason sent for it is not kept.
func TestAwardAsksWhyOutOfAreaOnlyWhenItIs(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id, near, far := h.twoBids(t)
	b := h.signIn("commissioner@manchester.test")
	if r := b.get(fmt.Sprintf("/requests/%d/bids/%d/award", id, near.ID)); r.Status != http.StatusOK || strings.Contains(r.Body, `name="out_of_area_reason"`) {
		t.Fatalf("in area: status %d; asked why out of area: %v", r.Status, strings.Contains(r.Body, `name="out_of_area_reason"`))
	}
	page := fmt.Sprintf("/requests/%d/bids/%d/award", id, far.ID)
	if r := b.get(page); !strings.Contains(r.Body, `name="out_of_area_reason"`) || !strings.Contains(r.Body, "To keep brothers and sisters together") {
		t.Fatal("out of area: the page does not ask why")
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"ErrReasonRequired", url.Values{}, "Select why the child is placed out of your council&#39;s area"},
		{"ErrUnknownCode", url.Values{"out_of_area_reason": {"cheaper"}}, "Select one of the reasons listed"},
		{"ErrOtherNeedsWords", url.Values{"out_of_area_reason": {"other"}, "out_of_area_note": {"  "}}, "Enter why the child is placed out of your council&#39;s area"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("reason", "Her sister lives in Liverpool.")
			r := b.post(page, page, tc.form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tc.want) || !strings.Contains(r.Body, `id="out_of_area_`) {
				t.Fatalf("got %d, want 422 with %q", r.Status, tc.want)
			}
			if !strings.Contains(r.Body, "Her sister lives in Liverpool.</textarea>") {
				t.Error("what was typed was lost")
			}
			if p, _ := h.deps.Market.LiveAward(ctx, id); p.ID != 0 {
				t.Fatal("awarded without a reason for out of area")
			}
		})
	}
	r := b.post(page, page, url.Values{"reason": {"Her sister lives in Liverpool."}, "out_of_area_reason": {"near_family"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("award: %d", r.Status)
	}
	p, err := h.deps.Market.LiveAward(ctx, id)
	must(t, err)
	if p.OutOfAreaReason == nil || *p.OutOfAreaReason != "near_family" || p.OutOfAreaNote != "" {
		t.Fatalf("placement's out-of-area reason %v %q, want near_family", p.OutOfAreaReason, p.OutOfAreaNote)
	}
}

// TestOutOfAreaReasonIsChecked proves migration 00033: a code outside the list, "other"
// without words, and a reason on a placement in the council's own area are refused.
func TestOutOfAreaReasonIsChecked(t *testing.T) {
	h := newHarness(t)
	id, _, far := h.twoBids(t)
	b := h.signIn("commissioner@manchester.test")
	page := fmt.Sprintf("/requests/%d/bids/%d/award", id, far.ID)
	if r := b.post(page, page, url.Values{"reason": {"Near her sister."}, "out_of_area_reason": {"other"}, "out_of_area_note": {"Her sister is there."}}); r.Status != http.StatusSeeOther {
		t.Fatalf("award: %d", r.Status)
	}
	p, err := h.deps.Market.LiveAward(context.Background(), id)
	must(t, err)
	db := h.deps.DB.Gorm
	for _, tc := range []struct{ name, sql string }{
		{"UnknownCode", `UPDATE placements SET out_of_area_reason = 'cheaper', out_of_area_note = '' WHERE id = ?`},
		{"OtherWithoutWords", `UPDATE placements SET out_of_area_note = ' ' WHERE id = ?`},
		{"NoteWithoutOther", `UPDATE placements SET out_of_area_reason = 'near_family' WHERE id = ?`},
		{"InArea", `UPDATE placements SET host_council_id = council_id WHERE id = ?`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := db.Exec(tc.sql, p.ID).Error; err == nil || !strings.Contains(err.Error(), "out_of_area") {
				t.Fatalf("got %v, want a CHECK on out_of_area", err)
			}
		})
	}
}

// TestAPIAwardTakesTheOutOfAreaReason: POST /api/v1/requests/{id}/award requires the
// reason for a home out of the council's area, as the award page does (a 422 on
// out_of_area_reason without one, on out_of_area_note for "other" without words), and
// keeps it.
func TestAPIAwardTakesTheOutOfAreaReason(t *testing.T) {
	h := newHarness(t)
	id, _, far := h.twoBids(t)
	council := h.token("commissioner@manchester.test")
	path := fmt.Sprintf("/api/v1/requests/%d/award", id)
	for _, body := range []string{`{"bid_id": %d, "reason": "Near her sister."}`, `{"bid_id": %d, "reason": "Near her sister.", "out_of_area_reason": " "}`} {
		st, res := h.api(http.MethodPost, path, council, fmt.Sprintf(body, far.ID))
		if errs, _ := res["errors"].([]any); st != http.StatusUnprocessableEntity || len(errs) != 1 || errs[0].(map[string]any)["field"] != "out_of_area_reason" {
			t.Fatalf("no reason (%s): %d %v", body, st, res)
		}
	}
	if st, body := h.api(http.MethodPost, path, council, fmt.Sprintf(`{"bid_id": %d, "reason": "Near her sister.", "out_of_area_reason": "flying"}`, far.ID)); st != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body), "out_of_area_reason") {
		t.Fatalf("a reason not on the list: %d %v", st, body)
	}
	if st, body := h.api(http.MethodPost, path, council, fmt.Sprintf(`{"bid_id": %d, "reason": "Near her sister.", "out_of_area_reason": "other"}`, far.ID)); st != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body), "out_of_area_note") {
		t.Fatalf("other without words: %d %v", st, body)
	}
	if st, body := h.api(http.MethodPost, path, council, fmt.Sprintf(`{"bid_id": %d, "reason": "Near her sister.", "out_of_area_reason": "safeguarding"}`, far.ID)); st != http.StatusCreated {
		t.Fatalf("award: %d %v", st, body)
	}
	p, err := h.deps.Market.LiveAward(context.Background(), id)
	must(t, err)
	if p.OutOfAreaReason == nil || *p.OutOfAreaReason != "safeguarding" {
		t.Fatalf("placement's reason %v, want safeguarding", p.OutOfAreaReason)
	}
}
