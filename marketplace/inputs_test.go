package marketplace_test

import (
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// codes returns each field's code.
func codes(fe kernel.FieldErrors) map[string]kernel.Code {
	out := map[string]kernel.Code{}
	for _, e := range fe {
		out[e.Field] = e.Code
	}
	return out
}

func sameCodes(t *testing.T, got kernel.FieldErrors, want map[string]kernel.Code) {
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
		want   map[string]kernel.Code
	}{
		{"OK", func(*marketplace.FeeInput) {}, nil},
		{"ErrEffectiveFromRequired", func(in *marketplace.FeeInput) { in.EffectiveFrom = "" }, map[string]kernel.Code{"effective_from": kernel.CodeRequired}},
		{"ErrEffectiveFromNotADate", func(in *marketplace.FeeInput) { in.EffectiveFrom = "2026-02-30" }, map[string]kernel.Code{"effective_from": kernel.CodeBadDate}},
		{"ErrCoreRequired", func(in *marketplace.FeeInput) { in.CorePence = 0 }, map[string]kernel.Code{"core_pence": kernel.CodeRequired}},
		{"ErrCoreTooHigh", func(in *marketplace.FeeInput) { in.CorePence = 5_000_001 }, map[string]kernel.Code{"core_pence": kernel.CodeOutOfRange}},
		{"ErrReasonRequired", func(in *marketplace.FeeInput) { in.Reason = "" }, map[string]kernel.Code{"reason": kernel.CodeRequired}},
		{"ErrEverythingAtOnce", func(in *marketplace.FeeInput) {
			in.EffectiveFrom, in.CorePence, in.OneToOneHours, in.Reason = "", -1, 200, ""
		},
			map[string]kernel.Code{"effective_from": kernel.CodeRequired, "core_pence": kernel.CodeOutOfRange,
				"one_to_one_hours": kernel.CodeOutOfRange, "reason": kernel.CodeRequired}},
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
		want map[string]kernel.Code
	}{
		{"OK", marketplace.EndInput{EndedOn: "2026-04-01", Reason: "planned"}, nil},
		{"ErrEndedOnRequired", marketplace.EndInput{Reason: "planned"}, map[string]kernel.Code{"ended_on": kernel.CodeRequired}},
		{"ErrReasonRequired", marketplace.EndInput{EndedOn: "2026-04-01"}, map[string]kernel.Code{"reason": kernel.CodeRequired}},
		{"ErrEndedOnNotADate", marketplace.EndInput{EndedOn: "1/4/2026", Reason: "planned"}, map[string]kernel.Code{"ended_on": kernel.CodeBadDate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, fe := tt.in.Ending()
			sameCodes(t, fe, tt.want)
		})
	}
}
