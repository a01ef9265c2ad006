package intelligence

import (
	"math"
	"testing"
)

func days(d float64) *float64 { return &d }

// TestPercentile: the median and 90th percentile by linear interpolation, worked by hand.
func TestPercentile(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		p    float64
		want float64
	}{
		{nil, 0.5, 0},
		{[]float64{7}, 0.9, 7},
		{[]float64{4, 1, 3, 2}, 0.5, 2.5},        // (2+3)/2
		{[]float64{10, 20, 30, 40, 50}, 0.5, 30}, // the middle one
		{[]float64{10, 20, 30, 40, 50}, 0.9, 46}, // rank 3.6: 40 + 0.6*10
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 0.9, 9.1},
	} {
		if got := Percentile(tc.xs, tc.p); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("Percentile(%v, %v) = %v, want %v", tc.xs, tc.p, got, tc.want)
		}
	}
}

// TestSummariseTimes: a council's figures beside the consortium's, by lot and urgency,
// with groups of fewer than five suppressed and their percentiles withheld.
func TestSummariseTimes(t *testing.T) {
	const mine, other = 1, 2
	var rows []placed
	// Fostering, planned: five of mine (2, 4, 6, 8, 10 hours; started 1..5 days after)
	// and one of the other council's (100 hours, not started).
	for i := 1; i <= 5; i++ {
		rows = append(rows, placed{CouncilID: mine, Lot: "Fostering", AwardHours: float64(2 * i), StartDays: days(float64(i))})
	}
	rows = append(rows, placed{CouncilID: other, Lot: "Fostering", AwardHours: 100})
	// Fostering, emergency: two, the other council's.
	rows = append(rows, placed{CouncilID: other, Lot: "Fostering", Emergency: true, AwardHours: 1, StartDays: days(0)},
		placed{CouncilID: other, Lot: "Fostering", Emergency: true, AwardHours: 3, StartDays: days(0)})
	got := summariseTimes(rows, mine)
	want := []PlaceTime{
		// Consortium planned: hours 2,4,6,8,10,100 → median (6+8)/2 = 7, p90 rank 4.5: 10 + 0.5*90 = 55;
		// started 1..5 → median 3, p90 rank 3.6: 4 + 0.6 = 4.6.
		{Who: "consortium", Lot: "Fostering", Awards: Count{N: 6}, AwardMedian: 7, AwardP90: 55, Started: Count{N: 5}, StartMedian: 3, StartP90: 4.6},
		{Who: "consortium", Lot: "Fostering", Emergency: true, Awards: Count{Suppressed: true}, Started: Count{Suppressed: true}},
		// Mine: hours 2..10 → median 6, p90 rank 3.6: 8 + 0.6*2 = 9.2.
		{Who: "council", Lot: "Fostering", Awards: Count{N: 5}, AwardMedian: 6, AwardP90: 9.2, Started: Count{N: 5}, StartMedian: 3, StartP90: 4.6},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Who != w.Who || g.Lot != w.Lot || g.Emergency != w.Emergency || g.Awards != w.Awards || g.Started != w.Started ||
			math.Abs(g.AwardMedian-w.AwardMedian) > 1e-9 || math.Abs(g.AwardP90-w.AwardP90) > 1e-9 ||
			math.Abs(g.StartMedian-w.StartMedian) > 1e-9 || math.Abs(g.StartP90-w.StartP90) > 1e-9 {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
	// The consortium's own scope has no council rows.
	if got := summariseTimes(rows, 0); len(got) != 2 {
		t.Errorf("consortium scope: %d rows, want 2", len(got))
	}
}
