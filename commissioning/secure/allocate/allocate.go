// Package allocate suggests which waiting children should go to which secure beds.
//
// The objective is lexicographic: place as many children as possible; among those
// assignments, maximise the total priority of the children placed; among those, minimise
// the total distance. Solve folds the three into one integer cost per pair — a placement
// is worth more than any difference in priority, and a unit of priority more than any
// difference in distance — and finds the minimum-cost assignment exactly with the
// Hungarian method (Kuhn–Munkres, O(n²m)). BruteForce enumerates every assignment and
// exists to check Solve on small cases.
package allocate

import (
	"math"
	"sort"
)

// Edge says child Child may take bed Bed, Miles away.
type Edge struct {
	Child, Bed int
	Miles      float64
}

// Problem is the waiting children (by index, with their priorities: higher is more
// pressing), the number of beds, and the allowed pairs.
type Problem struct {
	Priority []int64 // one per child, each ≥ 0
	Beds     int
	Edges    []Edge
}

// Pair is one suggested child–bed pair (indexes into the problem).
type Pair struct {
	Child, Bed int
	Miles      float64
}

// Result is an assignment and its objective.
type Result struct {
	Pairs    []Pair // ordered by child
	Placed   int
	Priority int64
	Tenths   int64 // total distance in tenths of a mile
}

// Better reports whether r beats o on the objective.
func (r Result) Better(o Result) bool {
	if r.Placed != o.Placed {
		return r.Placed > o.Placed
	}
	if r.Priority != o.Priority {
		return r.Priority > o.Priority
	}
	return r.Tenths < o.Tenths
}

// Same reports whether two results are equally good.
func (r Result) Same(o Result) bool {
	return r.Placed == o.Placed && r.Priority == o.Priority && r.Tenths == o.Tenths
}

func tenths(miles float64) int64 { return int64(math.Round(miles * 10)) }

// Solve returns an optimal assignment.
func Solve(p Problem) Result {
	n, m := len(p.Priority), p.Beds
	if n == 0 || m == 0 || len(p.Edges) == 0 {
		return Result{}
	}
	// Weights: M2 exceeds any total distance; M1 exceeds any total of priority·M2 plus
	// distance, so a placement outweighs everything after it.
	var maxTenths, totalPriority int64
	for _, e := range p.Edges {
		maxTenths = max(maxTenths, tenths(e.Miles))
	}
	for _, pr := range p.Priority {
		totalPriority += pr
	}
	m2 := maxTenths*int64(min(n, m)) + 1
	m1 := (totalPriority+1)*m2 + 1
	// Rows are the smaller side so that rows ≤ columns.
	rows, cols, transposed := n, m, false
	if n > m {
		rows, cols, transposed = m, n, true
	}
	cost := make([][]int64, rows)
	miles := make([][]float64, rows)
	edge := make([][]bool, rows)
	for i := range cost {
		cost[i], miles[i], edge[i] = make([]int64, cols), make([]float64, cols), make([]bool, cols)
	}
	for _, e := range p.Edges {
		r, c := e.Child, e.Bed
		if transposed {
			r, c = e.Bed, e.Child
		}
		w := -(m1 + p.Priority[e.Child]*m2) + tenths(e.Miles)
		if !edge[r][c] || w < cost[r][c] {
			cost[r][c], miles[r][c], edge[r][c] = w, e.Miles, true
		}
	}
	match := hungarian(cost, rows, cols)
	var res Result
	for r, c := range match {
		if c < 0 || !edge[r][c] {
			continue
		}
		child, bed := r, c
		if transposed {
			child, bed = c, r
		}
		res.Pairs = append(res.Pairs, Pair{Child: child, Bed: bed, Miles: miles[r][c]})
		res.Placed++
		res.Priority += p.Priority[child]
		res.Tenths += tenths(miles[r][c])
	}
	sort.Slice(res.Pairs, func(i, j int) bool { return res.Pairs[i].Child < res.Pairs[j].Child })
	return res
}

// hungarian assigns every row (rows ≤ cols) a distinct column at minimum total cost and
// returns each row's column. It is the potentials form of the Hungarian method.
func hungarian(a [][]int64, n, m int) []int {
	const inf = math.MaxInt64 / 4
	u := make([]int64, n+1)
	v := make([]int64, m+1)
	p := make([]int, m+1) // p[j]: the row matched to column j (1-based; 0 = none)
	way := make([]int, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]int64, m+1)
		used := make([]bool, m+1)
		for j := range minv {
			minv[j] = inf
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], int64(inf), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				cur := a[i0-1][j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	match := make([]int, n)
	for i := range match {
		match[i] = -1
	}
	for j := 1; j <= m; j++ {
		if p[j] > 0 {
			match[p[j]-1] = j - 1
		}
	}
	return match
}

// BruteForce tries every assignment. Exponential: for tests on small problems only.
func BruteForce(p Problem) Result {
	n := len(p.Priority)
	byChild := make([][]Edge, n)
	for _, e := range p.Edges {
		byChild[e.Child] = append(byChild[e.Child], e)
	}
	used := make([]bool, p.Beds)
	var best, cur Result
	var walk func(c int)
	walk = func(c int) {
		if c == n {
			if cur.Better(best) {
				best = cur
				best.Pairs = append([]Pair(nil), cur.Pairs...)
			}
			return
		}
		walk(c + 1) // this child not placed
		for _, e := range byChild[c] {
			if used[e.Bed] {
				continue
			}
			used[e.Bed] = true
			cur.Pairs = append(cur.Pairs, Pair{Child: c, Bed: e.Bed, Miles: e.Miles})
			cur.Placed++
			cur.Priority += p.Priority[c]
			cur.Tenths += tenths(e.Miles)
			walk(c + 1)
			cur.Pairs = cur.Pairs[:len(cur.Pairs)-1]
			cur.Placed--
			cur.Priority -= p.Priority[c]
			cur.Tenths -= tenths(e.Miles)
			used[e.Bed] = false
		}
	}
	walk(0)
	return best
}
