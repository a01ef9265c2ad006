package nationalseed

import (
	"math/rand/v2"
	"sort"
	"testing"
)

// TestSomeProvidersPriceCouncilsDifferently: a provider of the one in five that price by
// council asks different councils different fees for the same lot; the others do not.
func TestSomeProvidersPriceCouncilsDifferently(t *testing.T) {
	const seed = 1
	g := &historyGen{o: HistoryOptions{Seed: seed}, rng: rand.New(rand.NewPCG(1, 2))}
	lot := histLot{code: "residential", ptype: "residential"}
	median := func(provider, council int64) float64 {
		fees := make([]int64, 2001)
		for i := range fees {
			fees[i] = g.fee(lot, provider, council)
		}
		sort.Slice(fees, func(i, j int) bool { return fees[i] < fees[j] })
		return float64(fees[len(fees)/2])
	}
	var differs, uniform int
	for p := int64(1); p <= 60; p++ {
		spread := 0.0
		base := median(p, 1)
		for c := int64(2); c <= 6; c++ {
			spread = max(spread, abs(median(p, c)/base-1))
		}
		if unit(seed, p, 1) < 0.2 {
			if spread > 0.08 {
				differs++
			}
		} else {
			if spread > 0.06 {
				t.Errorf("provider %d prices councils %.0f%% apart but is not one that prices by council", p, spread*100)
			}
			uniform++
		}
	}
	if differs == 0 || uniform == 0 {
		t.Fatalf("%d providers price by council, %d do not: want some of each", differs, uniform)
	}
	t.Logf("%d of 60 providers price councils more than 8%% apart", differs)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
