package allocate_test

import (
	"math/rand/v2"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/secure/allocate"
)

func random(rng *rand.Rand, children, beds int, density float64) allocate.Problem {
	p := allocate.Problem{Beds: beds}
	for range children {
		p.Priority = append(p.Priority, int64(rng.IntN(4))*1000+int64(rng.IntN(50)))
	}
	for c := range children {
		for b := range beds {
			if rng.Float64() < density {
				p.Edges = append(p.Edges, allocate.Edge{Child: c, Bed: b, Miles: float64(rng.IntN(3000)) / 10})
			}
		}
	}
	return p
}

func valid(t *testing.T, p allocate.Problem, r allocate.Result) {
	t.Helper()
	allowed := map[[2]int]bool{}
	for _, e := range p.Edges {
		allowed[[2]int{e.Child, e.Bed}] = true
	}
	kids, beds := map[int]bool{}, map[int]bool{}
	for _, pr := range r.Pairs {
		if !allowed[[2]int{pr.Child, pr.Bed}] || kids[pr.Child] || beds[pr.Bed] {
			t.Fatalf("invalid pair %+v in %+v", pr, r.Pairs)
		}
		kids[pr.Child], beds[pr.Bed] = true, true
	}
}

// TestSolveMatchesBruteForce checks the Hungarian method against trying every
// assignment, on thousands of small random cases of every shape.
func TestSolveMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3000 {
		p := random(rng, 1+rng.IntN(6), 1+rng.IntN(6), rng.Float64())
		got, want := allocate.Solve(p), allocate.BruteForce(p)
		valid(t, p, got)
		if !got.Same(want) {
			t.Fatalf("case %d %+v:\nSolve      %+v\nBruteForce %+v", i, p, got, want)
		}
	}
}

func TestObjectiveOrder(t *testing.T) {
	tests := []struct {
		name string
		p    allocate.Problem
		want []allocate.Pair
	}{
		{"MorePlacedBeatsPriority", allocate.Problem{Priority: []int64{100, 1}, Beds: 2,
			Edges: []allocate.Edge{{0, 0, 5}, {0, 1, 5}, {1, 0, 5}}}, []allocate.Pair{{0, 1, 5}, {1, 0, 5}}},
		{"PriorityBeatsDistance", allocate.Problem{Priority: []int64{1, 9}, Beds: 1,
			Edges: []allocate.Edge{{0, 0, 1}, {1, 0, 200}}}, []allocate.Pair{{1, 0, 200}}},
		{"NearerWhenPriorityTies", allocate.Problem{Priority: []int64{5}, Beds: 2,
			Edges: []allocate.Edge{{0, 0, 80}, {0, 1, 12}}}, []allocate.Pair{{0, 1, 12}}},
		{"NoEdges", allocate.Problem{Priority: []int64{5}, Beds: 2}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := allocate.Solve(tt.p)
			if len(got.Pairs) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got.Pairs, tt.want)
			}
			for i := range got.Pairs {
				if got.Pairs[i] != tt.want[i] {
					t.Fatalf("got %+v, want %+v", got.Pairs, tt.want)
				}
			}
		})
	}
}

// BenchmarkSuggest60x250 is the national waiting list at its worst: 60 children, 250 beds.
func BenchmarkSuggest60x250(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	p := random(rng, 60, 250, 0.3)
	b.ResetTimer()
	for b.Loop() {
		allocate.Solve(p)
	}
}
