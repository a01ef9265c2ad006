package billing_test

import (
	"testing"
	"time"

	"github.com/hearth-placements/hearth/marketplace/billing"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

func TestRounding(t *testing.T) {
	tests := []struct {
		days   int
		weekly int64
		want   int64
	}{
		{7, 420000, 420000},
		{1, 420000, 60000},
		{1, 100, 14},          // 14.2857 → 14
		{1, 350, 50},          // exactly 50
		{1, 3, 0},             // 0.43 → 0
		{1, 4, 1},             // 0.571 → 1
		{3, 7, 3},             // exact
		{1, 7_1_05, 1015},     // 1015.0
		{1, 7_1_04, 1015},     // 1014.857 → 1015
		{1, 7_0_98, 1014},     // 1014.0
		{1, 7_1_01, 1014},     // 1014.43 → 1014
		{1, 7_1_02, 1015},     // 1014.571 → 1015
		{2, 7_1_01, 2029},     // 2028.857 → 2029
		{31, 445000, 1970714}, // 1,970,714.29 → 1,970,714
	}
	for _, tt := range tests {
		if got := billing.Amount(tt.days, tt.weekly); got != tt.want {
			t.Errorf("Amount(%d, %d) = %d, want %d", tt.days, tt.weekly, got, tt.want)
		}
	}
	if got := billing.Levy(1970714, 150); got != 29561 { // 29,560.71 → 29,561
		t.Errorf("Levy = %d", got)
	}
	if got := billing.Levy(100, 150); got != 2 { // 1.5 → 2 (half up)
		t.Errorf("Levy half = %d", got)
	}
}

// TestAMonthWithAStartAnEndAndAFeeChange is November 2026 (30 days) for three placements.
func TestAMonthWithAStartAnEndAndAFeeChange(t *testing.T) {
	start, end := d("2026-11-01"), d("2026-12-01")
	tests := []struct {
		name  string
		terms billing.Terms
		want  [][3]int64 // days, weekly, amount
	}{
		{"StartsMidMonth", billing.Terms{StartedOn: d("2026-11-10"), Fees: []billing.Fee{{d("2026-11-10"), 420000}}, LevyBPS: 150},
			[][3]int64{{21, 420000, 1260000}}},
		{"EndsMidMonth", billing.Terms{StartedOn: d("2026-09-01"), EndedOn: ptr(d("2026-11-18")), Fees: []billing.Fee{{d("2026-09-01"), 510000}}, LevyBPS: 150},
			[][3]int64{{17, 510000, 1238571}}}, // 17 × 5,100 ÷ 7 = 12,385.714 → 12,385.71
		{"FeeChangesMidMonth", billing.Terms{StartedOn: d("2026-10-01"), Fees: []billing.Fee{{d("2026-10-01"), 445000}, {d("2026-11-15"), 430050}}, LevyBPS: 150},
			[][3]int64{{14, 445000, 890000}, {16, 430050, 982971}}}, // 16 × 4,300.50 ÷ 7 = 9,829.714 → 9,829.71
		{"EndedBeforeThePeriod", billing.Terms{StartedOn: d("2026-08-01"), EndedOn: ptr(d("2026-10-20")), Fees: []billing.Fee{{d("2026-08-01"), 400000}}}, nil},
		{"StartsAfterThePeriod", billing.Terms{StartedOn: d("2026-12-03"), Fees: []billing.Fee{{d("2026-12-03"), 400000}}}, nil},
		{"EndsOnTheFirstDay", billing.Terms{StartedOn: d("2026-10-01"), EndedOn: ptr(d("2026-11-01")), Fees: []billing.Fee{{d("2026-10-01"), 400000}}}, nil},
		{"StartsAndEndsSameDay", billing.Terms{StartedOn: d("2026-11-05"), EndedOn: ptr(d("2026-11-05")), Fees: []billing.Fee{{d("2026-11-05"), 400000}}}, nil},
		{"FeeChangeAfterTheEnd", billing.Terms{StartedOn: d("2026-11-01"), EndedOn: ptr(d("2026-11-08")), Fees: []billing.Fee{{d("2026-11-01"), 700000}, {d("2026-11-20"), 800000}}},
			[][3]int64{{7, 700000, 700000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := billing.Lines(tt.terms, start, end)
			if len(got) != len(tt.want) {
				t.Fatalf("%d lines %+v, want %d", len(got), got, len(tt.want))
			}
			for i, l := range got {
				if int64(l.Days) != tt.want[i][0] || l.WeeklyPence != tt.want[i][1] || l.AmountPence != tt.want[i][2] {
					t.Errorf("line %d: %d days at %d = %d, want %v", i, l.Days, l.WeeklyPence, l.AmountPence, tt.want[i])
				}
				if l.Days <= 0 || l.AmountPence <= 0 || l.LevyPence != billing.Levy(l.AmountPence, tt.terms.LevyBPS) {
					t.Errorf("line %d: %+v", i, l)
				}
			}
		})
	}
}
