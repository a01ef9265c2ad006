package intelligence

import (
	"slices"
	"testing"
)

func TestSuppressGroup(t *testing.T) {
	hide, also, show := Count{Suppressed: true}, Count{Suppressed: true, Secondary: true}, func(n int64) Count { return Count{N: n} }
	tests := []struct {
		name string
		in   []int64
		want []Count
	}{
		{"NothingSmall", []int64{12, 0, 7}, []Count{show(12), show(0), show(7)}},
		{"OneSmallHidesTheNextSmallest", []int64{12, 3, 7, 9}, []Count{show(12), hide, also, show(9)}},
		{"ZerosAreNotHidden", []int64{0, 3, 0, 40}, []Count{show(0), hide, show(0), also}},
		{"TwoSmallNeedNoMore", []int64{2, 3, 7}, []Count{hide, hide, show(7)}},
		{"OneSmallAloneInItsGroup", []int64{3, 0}, []Count{hide, show(0)}},
		{"Empty", nil, []Count{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SuppressGroup(tt.in...); !slices.Equal(got, tt.want) {
				t.Errorf("SuppressGroup(%v) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
