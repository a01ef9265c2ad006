package marketplace

import (
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
)

func TestScore(t *testing.T) {
	w := commissioning.Framework{WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10}
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	in := []ScoreInput{
		{Bid: Bid{ID: 1, WeeklyFeePence: 500000, CreatedAt: t0}, Rating: "good", Miles: 10, NeedsMet: 2, NeedsListed: 2},
		{Bid: Bid{ID: 2, WeeklyFeePence: 400000, CreatedAt: t0}, Rating: "requires_improvement", Miles: 2, NeedsMet: 1, NeedsListed: 2},
		{Bid: Bid{ID: 3, WeeklyFeePence: 450000, OneToOneHours: 10, OneToOneRatePence: 2500, CreatedAt: t0}, Rating: "outstanding", Miles: 25, NeedsMet: 2, NeedsListed: 2},
	}
	got := Score(in, w, 500000, 20)
	// Bid 1: price 400000/500000=80, quality 75, distance 50, fit 100 -> 32+22.5+10+10 = 74.5
	// Bid 2: price 100, quality 40, distance 90, fit 50 -> 40+12+18+5 = 75
	// Bid 3: total 475000; price 84.2, quality 100, distance 0 (beyond the limit), fit 100 -> 33.68+30+0+10 = 73.7
	want := []struct {
		id    int64
		score float64
		pct   float64
	}{{2, 75, 80}, {1, 74.5, 100}, {3, 73.7, 95}}
	for i, w := range want {
		if got[i].Bid.ID != w.id || got[i].Score != w.score || got[i].Rank != i+1 || got[i].VsCeilingPct != w.pct {
			t.Fatalf("rank %d: bid %d score %v (%v%% of ceiling); want bid %d score %v (%v%%)", i+1, got[i].Bid.ID, got[i].Score, got[i].VsCeilingPct, w.id, w.score, w.pct)
		}
	}
	t.Run("TiesBreakDeterministically", func(t *testing.T) {
		same := []ScoreInput{
			{Bid: Bid{ID: 9, WeeklyFeePence: 400000, CreatedAt: t0.Add(time.Minute)}, Rating: "good", Miles: 5},
			{Bid: Bid{ID: 8, WeeklyFeePence: 400000, CreatedAt: t0}, Rating: "good", Miles: 5},
			{Bid: Bid{ID: 7, WeeklyFeePence: 400000, CreatedAt: t0}, Rating: "good", Miles: 5},
		}
		for range 5 {
			got := Score(same, w, 0, 10)
			if got[0].Bid.ID != 7 || got[1].Bid.ID != 8 || got[2].Bid.ID != 9 {
				t.Fatalf("order %d %d %d", got[0].Bid.ID, got[1].Bid.ID, got[2].Bid.ID)
			}
		}
	})
}
