package simulate

import (
	"container/heap"
	"math"
)

// Arc says child Child may take any of the first Slots beds of home Home (beds in the
// order they come free) at Cost (tenths of a mile).
type Arc struct {
	Child, Home, Slots int
	Cost               int64
}

// Assign solves the bound exactly: it chooses for each child at most one home, each bed
// of a home used at most once, minimising the total cost plus unplaced for each child
// left without one. It is a minimum-cost flow (successive shortest paths, Dijkstra with
// potentials) on a sparse network: source → child → the home's last bed the child may
// use → each earlier bed of that home → sink, so that a home's beds need not be copied
// per child. A flow of k has the least cost of any k placements, and the marginal cost
// of each further placement never falls, so stopping when it reaches unplaced is
// optimal. Returns each child's home, or -1.
func Assign(children int, bedsPerHome []int, arcs []Arc, unplaced int64) []int {
	// Nodes: 0 source, 1..children, then each home's beds, then the sink.
	first := make([]int, len(bedsPerHome)+1)
	n := 1 + children
	for h, k := range bedsPerHome {
		first[h] = n
		n += k
	}
	sink := n
	n++
	g := newGraph(n)
	for c := range children {
		g.add(0, 1+c, 1, 0)
	}
	arcEdge := make([]int, len(arcs))
	for k, a := range arcs {
		arcEdge[k] = len(g.to)
		g.add(1+a.Child, first[a.Home]+a.Slots-1, 1, a.Cost)
	}
	for h, k := range bedsPerHome {
		for s := range k {
			g.add(first[h]+s, sink, 1, 0)
			if s > 0 {
				g.add(first[h]+s, first[h]+s-1, children, 0)
			}
		}
	}
	g.run(0, sink, unplaced)
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
type pq []item

func (q pq) Len() int           { return len(q) }
func (q pq) Less(i, j int) bool { return q[i].d < q[j].d }
func (q pq) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *pq) Push(x any)        { *q = append(*q, x.(item)) }
func (q *pq) Pop() any          { o := *q; x := o[len(o)-1]; *q = o[:len(o)-1]; return x }

// run augments one unit at a time along shortest paths while a path costs less than
// limit. Costs start non-negative, so zero potentials are feasible; Dijkstra stops at the
// sink and caps every other distance at the sink's, which keeps reduced costs
// non-negative.
func (g *graph) run(s, t int, limit int64) {
	const inf = math.MaxInt64 / 4
	var q pq
	for {
		for i := range g.dist {
			g.dist[i], g.prev[i], g.done[i] = inf, -1, false
		}
		g.dist[s] = 0
		q = append(q[:0], item{0, s})
		for q.Len() > 0 {
			it := heap.Pop(&q).(item)
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
					g.dist[v], g.prev[v] = nd, e
					heap.Push(&q, item{nd, v})
				}
			}
		}
		if g.dist[t] >= inf {
			return
		}
		if real := g.dist[t] + g.pot[t] - g.pot[s]; real >= limit {
			return
		}
		dt := g.dist[t]
		for v := range g.pot {
			g.pot[v] += min(g.dist[v], dt)
		}
		for v := t; v != s; {
			e := g.prev[v]
			g.cap[e]--
			g.cap[e^1]++
			v = g.to[e^1]
		}
	}
}
