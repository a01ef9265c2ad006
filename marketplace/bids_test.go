package marketplace_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// TestBidInput: a bid is checked once, by its input's rules and the request's, and
// every problem comes back at once, by JSON name and code.
func TestBidInput(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	home := w.home(t, w.provider.ID, "SC910001", "M20 2AB", []string{"cse_risk"}, 1)
	r, _ := w.openRequest(t, manchester)
	ok := marketplace.BidInput{HomeID: home.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 480000, NoticeDays: 28,
		NeedNotes: map[string]string{"cse_risk": "Trained staff"}}
	tests := []struct {
		name   string
		change func(*marketplace.BidInput)
		want   map[string]kernel.Code // field → code; none for OK
	}{
		{"OK", func(*marketplace.BidInput) {}, nil},
		{"ErrHomeRequired", func(in *marketplace.BidInput) { in.HomeID = 0 }, map[string]kernel.Code{"home_id": kernel.CodeRequired}},
		{"ErrEarliestStartRequired", func(in *marketplace.BidInput) { in.EarliestStart = "" }, map[string]kernel.Code{"earliest_start": kernel.CodeRequired}},
		{"ErrEarliestStartNotADate", func(in *marketplace.BidInput) { in.EarliestStart = "2026-02-30" }, map[string]kernel.Code{"earliest_start": kernel.CodeBadDate}},
		{"ErrWeeklyFeeRequired", func(in *marketplace.BidInput) { in.WeeklyFee = 0 }, map[string]kernel.Code{"weekly_fee_pence": kernel.CodeRequired}},
		{"ErrWeeklyFeeTooHigh", func(in *marketplace.BidInput) { in.WeeklyFee = 5_000_001 }, map[string]kernel.Code{"weekly_fee_pence": kernel.CodeOutOfRange}},
		{"ErrOneToOneRateRequired", func(in *marketplace.BidInput) { in.OneToOneHours = 10 }, map[string]kernel.Code{"one_to_one_rate_pence": kernel.CodeRequired}},
		{"ErrNoteForANeedTheChildDoesNotHave", func(in *marketplace.BidInput) { in.NeedNotes = map[string]string{"autism": "x"} }, map[string]kernel.Code{"need_notes": kernel.CodeNotInList}},
		{"ErrOverCeiling", func(in *marketplace.BidInput) { in.WeeklyFee = 520000 }, map[string]kernel.Code{"justification": marketplace.CodeOverCeiling}},
		{"ErrEverythingAtOnce", func(in *marketplace.BidInput) { in.HomeID, in.EarliestStart, in.NoticeDays = 0, "", 400 },
			map[string]kernel.Code{"home_id": kernel.CodeRequired, "earliest_start": kernel.CodeRequired, "notice_days": kernel.CodeOutOfRange}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.change(&in)
			_, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, in)
			var fe kernel.FieldErrors
			if tt.want == nil {
				must(t, err)
				return
			}
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want field errors", err)
			}
			got := map[string]kernel.Code{}
			for _, e := range fe {
				got[e.Field] = e.Code
				if e.FormID != "" || e.Text() == "" {
					t.Errorf("%s: form id %q, text %q: the domain names fields by JSON name, with words", e.Field, e.FormID, e.Text())
				}
			}
			for f, code := range tt.want {
				if got[f] != code {
					t.Errorf("%s: code %q, want %q (all: %v)", f, got[f], code, fe)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("problems %v, want %v", got, tt.want)
			}
		})
	}
}
