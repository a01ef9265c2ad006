package marketplace_test

import (
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/marketplace"
)

// codes returns each field's code.
func codes(fe commissioning.FieldErrors) map[string]commissioning.Code {
	out := map[string]commissioning.Code{}
	for _, e := range fe {
		out[e.Field] = e.Code
	}
	return out
}

func sameCodes(t *testing.T, got commissioning.FieldErrors, want map[string]commissioning.Code) {
	t.Helper()
	g := codes(got)
	if len(g) != len(want) {
		t.Fatalf("problems %v, want %v", got, want)
	}
	for f, c := range want {
		if g[f] != c {
			t.Errorf("%s: code %q, want %q (all: %v)", f, g[f], c, got)
		}
	}
}

// TestFeeInput: a fee change is checked once, every problem at once, by JSON name.
func TestFeeInput(t *testing.T) {
	ok := marketplace.FeeInput{EffectiveFrom: "2026-04-01", CorePence: 450000, OneToOneHours: 10, OneToOneRatePence: 2500, Reason: "Agreed at review"}
	tests := []struct {
		name   string
		change func(*marketplace.FeeInput)
		want   map[string]commissioning.Code
	}{
		{"OK", func(*marketplace.FeeInput) {}, nil},
		{"ErrEffectiveFromRequired", func(in *marketplace.FeeInput) { in.EffectiveFrom = "" }, map[string]commissioning.Code{"effective_from": commissioning.CodeRequired}},
		{"ErrEffectiveFromNotADate", func(in *marketplace.FeeInput) { in.EffectiveFrom = "2026-02-30" }, map[string]commissioning.Code{"effective_from": commissioning.CodeBadDate}},
		{"ErrCoreRequired", func(in *marketplace.FeeInput) { in.CorePence = 0 }, map[string]commissioning.Code{"core_pence": commissioning.CodeRequired}},
		{"ErrCoreTooHigh", func(in *marketplace.FeeInput) { in.CorePence = 5_000_001 }, map[string]commissioning.Code{"core_pence": commissioning.CodeOutOfRange}},
		{"ErrReasonRequired", func(in *marketplace.FeeInput) { in.Reason = "" }, map[string]commissioning.Code{"reason": commissioning.CodeRequired}},
		{"ErrEverythingAtOnce", func(in *marketplace.FeeInput) {
			in.EffectiveFrom, in.CorePence, in.OneToOneHours, in.Reason = "", -1, 200, ""
		},
			map[string]commissioning.Code{"effective_from": commissioning.CodeRequired, "core_pence": commissioning.CodeOutOfRange,
				"one_to_one_hours": commissioning.CodeOutOfRange, "reason": commissioning.CodeRequired}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.change(&in)
			ch, fe := in.Change()
			sameCodes(t, fe, tt.want)
			if fe == nil && (ch.EffectiveFrom.Format("2006-01-02") != in.EffectiveFrom || ch.CorePence != in.CorePence) {
				t.Fatalf("change = %+v", ch)
			}
		})
	}
}

// TestEndInput: the end of a placement, checked before the placement's own rules.
func TestEndInput(t *testing.T) {
	tests := []struct {
		name string
		in   marketplace.EndInput
		want map[string]commissioning.Code
	}{
		{"OK", marketplace.EndInput{EndedOn: "2026-04-01", Reason: "planned"}, nil},
		{"ErrEndedOnRequired", marketplace.EndInput{Reason: "planned"}, map[string]commissioning.Code{"ended_on": commissioning.CodeRequired}},
		{"ErrReasonRequired", marketplace.EndInput{EndedOn: "2026-04-01"}, map[string]commissioning.Code{"reason": commissioning.CodeRequired}},
		{"ErrEndedOnNotADate", marketplace.EndInput{EndedOn: "1/4/2026", Reason: "planned"}, map[string]commissioning.Code{"ended_on": commissioning.CodeBadDate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fe := tt.in.Ending()
			sameCodes(t, fe, tt.want)
		})
	}
}
