package simulate

import "math"

// Arc says child Child may take any of the first Slots beds of home Home (beds in the
// order they come free) at Cost (tenths of a mile).
type Arc struct {
	Child, Home, Slots int
	Cost               int64
}

// Assign solves the bound exactly: it chooses for each child at most one home, each bed
// of a home used at most once, minimising the total cost plus unplaced for each child
// left without one. It is a minimum-cost flow on a sparse network — child → the home's
// last bed the child may use → each earlier bed of that home → sink, and child → sink at
// the cost of leaving the child unplaced — so that a home's beds need not be copied per
// child. Children are added one at a time, each along a shortest augmenting path
// (Dijkstra with potentials), which may move earlier children: after each, the
// assignment is optimal for the children so far, as in the Hungarian method. Returns each
// child's home, or -1.
func Assign(children int, bedsPerHome []int, arcs []Arc, unplaced int64) []int {
	// Nodes: children, then each home's beds, then the sink.
	first := make([]int, len(bedsPerHome)+1)
	n := children
	for h, k := range bedsPerHome {
		first[h] = n
		n += k
	}
	sink := n
	n++
	g := newGraph(n)
	arcEdge := make([]int, len(arcs))
	for k, a := range arcs {
		arcEdge[k] = len(g.to)
		g.add(a.Child, first[a.Home]+a.Slots-1, 1, a.Cost)
	}
	for c := range children {
		g.add(c, sink, 1, unplaced)
	}
	for h, k := range bedsPerHome {
		for s := range k {
			g.add(first[h]+s, sink, 1, 0)
			if s > 0 {
				g.add(first[h]+s, first[h]+s-1, children, 0)
			}
		}
	}
	for c := range children {
		g.augment(c, sink)
	}
	out := make([]int, children)
	for c := range out {
		out[c] = -1
	}
	for k, a := range arcs {
		if g.cap[arcEdge[k]] == 0 {
			out[a.Child] = a.Home
		}
	}
	return out
}

type graph struct {
	head          []int
	next, to, cap []int
	cost          []int64
	pot, dist     []int64
	prev          []int
	done          []bool
	touched       []int
	q             heapq
}

func newGraph(n int) *graph {
	g := &graph{head: make([]int, n), pot: make([]int64, n), dist: make([]int64, n), prev: make([]int, n), done: make([]bool, n)}
	for i := range g.head {
		g.head[i] = -1
	}
	return g
}

// add adds an edge and its residual twin (edge e's twin is e^1).
func (g *graph) add(u, v, c int, w int64) {
	for _, x := range [2]struct {
		u, v, c int
		w       int64
	}{{u, v, c, w}, {v, u, 0, -w}} {
		g.next = append(g.next, g.head[x.u])
		g.to = append(g.to, x.v)
		g.cap = append(g.cap, x.c)
		g.cost = append(g.cost, x.w)
		g.head[x.u] = len(g.to) - 1
	}
}

type item struct {
	d int64
	v int
}

// heapq is a binary min-heap of items by distance.
type heapq []item

func (q *heapq) push(x item) {
	*q = append(*q, x)
	h := *q
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p].d <= h[i].d {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (q *heapq) pop() item {
	h := *q
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < n && h[l].d < h[m].d {
			m = l
		}
		if l+1 < n && h[l+1].d < h[m].d {
			m = l + 1
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	*q = h
	return top
}

// augment sends one unit from s (a child not yet assigned) to t along a shortest path.
// Reduced costs (cost + pot[u] − pot[v]) stay non-negative on every residual edge: s
// first takes a potential that makes its own edges so; then Dijkstra stops at t and
// every node reached is lowered by how much nearer it is than t (only differences of
// potentials matter), so each search costs what it touches, not the whole graph.
func (g *graph) augment(s, t int) {
	const inf = math.MaxInt64 / 4
	if g.touched == nil {
		for i := range g.dist {
			g.dist[i], g.prev[i] = inf, -1
		}
	}
	for _, v := range g.touched {
		g.dist[v], g.prev[v], g.done[v] = inf, -1, false
	}
	g.pot[s] = math.MinInt64 / 4
	for e := g.head[s]; e >= 0; e = g.next[e] {
		if g.cap[e] > 0 {
			g.pot[s] = max(g.pot[s], g.pot[g.to[e]]-g.cost[e])
		}
	}
	g.touched = append(g.touched[:0], s)
	g.dist[s] = 0
	q := append(g.q[:0], item{0, s})
	for len(q) > 0 {
		it := q.pop()
		u := it.v
		if g.done[u] || it.d > g.dist[u] {
			continue
		}
		g.done[u] = true
		if u == t {
			break
		}
		for e := g.head[u]; e >= 0; e = g.next[e] {
			if g.cap[e] == 0 {
				continue
			}
			v := g.to[e]
			if nd := g.dist[u] + g.cost[e] + g.pot[u] - g.pot[v]; nd < g.dist[v] {
				if g.dist[v] == inf {
					g.touched = append(g.touched, v)
				}
				g.dist[v], g.prev[v] = nd, e
				q.push(item{nd, v})
			}
		}
	}
	g.q = q
	dt := g.dist[t] // finite: s always reaches t by its own edge to it
	for _, v := range g.touched {
		if g.dist[v] < dt {
			g.pot[v] += g.dist[v] - dt
		}
	}
	for v := t; v != s; {
		e := g.prev[v]
		g.cap[e]--
		g.cap[e^1]++
		v = g.to[e^1]
	}
}
