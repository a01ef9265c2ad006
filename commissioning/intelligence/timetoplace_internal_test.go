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

// TestGroupTimes: each consortium's groups and each council's, by lot and urgency, with
// medians and 90th percentiles worked by hand; a second consortium's awards stay in
// its own groups.
func TestGroupTimes(t *testing.T) {
	const consA, mine, other, consB, theirs = 10, 1, 2, 20, 3
	var rows []placed
	// Fostering, planned: five of mine (2, 4, 6, 8, 10 hours; started 1..5 days after)
	// and one of the other council's (100 hours, not started).
	for i := 1; i <= 5; i++ {
		rows = append(rows, placed{ConsortiumID: consA, CouncilID: mine, Lot: "Fostering", AwardHours: float64(2 * i), StartDays: days(float64(i))})
	}
	rows = append(rows, placed{ConsortiumID: consA, CouncilID: other, Lot: "Fostering", AwardHours: 100},
		// Consortium B: one award of 1,000 hours, which must not move A's figures.
		placed{ConsortiumID: consB, CouncilID: theirs, Lot: "Fostering", AwardHours: 1000, StartDays: days(9)})
	f := func(v float64) *float64 { return &v }
	want := []timeGroup{
		// A: hours 2,4,6,8,10,100 → median (6+8)/2 = 7, p90 rank 4.5: 10 + 0.5*90 = 55;
		// started 1..5 → median 3, p90 rank 3.6: 4 + 0.6 = 4.6.
		{ConsortiumID: consA, Lot: "Fostering", Awards: 6, AwardMedianHours: 7, AwardP90Hours: 55, Started: 5, StartMedianDays: f(3), StartP90Days: f(4.6)},
		// Mine: hours 2..10 → median 6, p90 rank 3.6: 8 + 0.6*2 = 9.2.
		{ConsortiumID: consA, CouncilID: mine, Lot: "Fostering", Awards: 5, AwardMedianHours: 6, AwardP90Hours: 9.2, Started: 5, StartMedianDays: f(3), StartP90Days: f(4.6)},
		{ConsortiumID: consA, CouncilID: other, Lot: "Fostering", Awards: 1, AwardMedianHours: 100, AwardP90Hours: 100},
		{ConsortiumID: consB, Lot: "Fostering", Awards: 1, AwardMedianHours: 1000, AwardP90Hours: 1000, Started: 1, StartMedianDays: f(9), StartP90Days: f(9)},
		{ConsortiumID: consB, CouncilID: theirs, Lot: "Fostering", Awards: 1, AwardMedianHours: 1000, AwardP90Hours: 1000, Started: 1, StartMedianDays: f(9), StartP90Days: f(9)},
	}
	got := groupTimes(rows)
	if len(got) != len(want) {
		t.Fatalf("got %d groups %+v, want %d", len(got), got, len(want))
	}
	near := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || math.Abs(*a-*b) < 1e-9) }
	for i := range want {
		g, w := got[i], want[i]
		if g.ConsortiumID != w.ConsortiumID || g.CouncilID != w.CouncilID || g.Lot != w.Lot || g.Emergency != w.Emergency ||
			g.Awards != w.Awards || g.Started != w.Started || !near(&g.AwardMedianHours, &w.AwardMedianHours) || !near(&g.AwardP90Hours, &w.AwardP90Hours) ||
			!near(g.StartMedianDays, w.StartMedianDays) || !near(g.StartP90Days, w.StartP90Days) {
			t.Errorf("group %d = %+v, want %+v", i, g, w)
		}
	}
}

// TestPlaceTimeHidesStartedWhereTheAwardsGiveAwayTheRest checks each group by hand:
// the awards shown are the started plus those not started, so a count of fewer than 5
// not started hides the started count (and its percentiles) too.
func TestPlaceTimeHidesStartedWhereTheAwardsGiveAwayTheRest(t *testing.T) {
	med, p90 := 2.0, 6.0
	hide, also, show := Count{Suppressed: true}, Count{Suppressed: true, Secondary: true}, func(n int64) Count { return Count{N: n} }
	tests := []struct {
		name             string
		awards, started  int64
		wantAwards, want Count
		percentiles      bool
	}{
		{"AllStarted", 12, 12, show(12), show(12), true},
		{"FiveNotStarted", 12, 7, show(12), show(7), true},
		{"ThreeNotStartedHideTheStarted", 12, 9, show(12), also, false},
		{"FewStartedAreHiddenThemselves", 12, 3, show(12), hide, false},
		{"NoneStarted", 12, 0, show(12), show(0), false},
		{"FewAwards", 4, 4, hide, hide, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := timeGroup{Lot: "Residential", Awards: tt.awards, Started: tt.started, AwardMedianHours: 20, AwardP90Hours: 40}
			if tt.started > 0 {
				g.StartMedianDays, g.StartP90Days = &med, &p90
			}
			pt := g.placeTime()
			if pt.Awards != tt.wantAwards || pt.Started != tt.want {
				t.Errorf("awards %v started %v, want %v %v", pt.Awards, pt.Started, tt.wantAwards, tt.want)
			}
			if got := pt.StartMedian == med && pt.StartP90 == p90; got != tt.percentiles {
				t.Errorf("start percentiles %v, %v shown = %v, want %v", pt.StartMedian, pt.StartP90, got, tt.percentiles)
			}
		})
	}
}
