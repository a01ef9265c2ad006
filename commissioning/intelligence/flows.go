package intelligence

import (
	"cmp"
	"slices"
)

// FlowMatrix is the flows between councils as a table: a row per placing council (by
// name), a column per council where the homes are (most placements first, homes
// outside England last), each row's total and each column's, and the grand total.
// Because the totals are shown beside the cells, a cell under MinCell is hidden with a
// second one in its row and in its column (secondary suppression, as SuppressGroup
// does), repeated until no row or column gives a hidden cell away.
type FlowMatrix struct {
	Hosts      []string
	Rows       []FlowRow
	HostTotals []Count // by Hosts
	Total      Count
}

// FlowRow is one placing council's placements by host (by FlowMatrix.Hosts; a zero
// Count where it placed none there) and their total.
type FlowRow struct {
	From  string
	Cells []Count
	Total Count
}

// newFlowMatrix lays out placements counted by placing council and host (names), and
// suppresses its cells and totals.
func newFlowMatrix(flows map[[2]string]int64) FlowMatrix {
	var m FlowMatrix
	inflow := map[string]int64{}
	rowOf := map[string]int{}
	var froms []string
	for k, n := range flows {
		if _, ok := inflow[k[1]]; !ok {
			m.Hosts = append(m.Hosts, k[1])
		}
		inflow[k[1]] += n
		if _, ok := rowOf[k[0]]; !ok {
			rowOf[k[0]] = 0
			froms = append(froms, k[0])
		}
	}
	slices.SortFunc(m.Hosts, func(a, b string) int {
		if (a == OutsideEngland) != (b == OutsideEngland) {
			if a == OutsideEngland {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(inflow[b], inflow[a]), cmp.Compare(a, b))
	})
	slices.Sort(froms)
	ns := make([][]int64, len(froms))
	for i, from := range froms {
		ns[i] = make([]int64, len(m.Hosts))
		for j, host := range m.Hosts {
			ns[i][j] = flows[[2]string{from, host}]
		}
	}
	cells := suppressTable(ns)
	rowNs, colNs := make([]int64, len(froms)), make([]int64, len(m.Hosts))
	var total int64
	for i, from := range froms {
		for j, n := range ns[i] {
			rowNs[i] += n
			colNs[j] += n
			total += n
		}
		m.Rows = append(m.Rows, FlowRow{From: from, Cells: cells[i]})
	}
	// The row totals and the column totals each add up to the grand total beside them.
	for i, c := range SuppressGroup(rowNs...) {
		m.Rows[i].Total = c
	}
	m.HostTotals = SuppressGroup(colNs...)
	m.Total = Suppressed(total)
	return m
}

// flows is the matrix's non-empty cells as a list, largest first, each as the matrix
// shows it.
func (m FlowMatrix) flows(raw map[[2]string]int64) []Flow {
	var out []Flow
	for _, r := range m.Rows {
		for j, c := range r.Cells {
			if n := raw[[2]string{r.From, m.Hosts[j]}]; n > 0 {
				out = append(out, Flow{From: r.From, To: m.Hosts[j], Count: c})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Flow) int {
		return cmp.Or(cmp.Compare(raw[[2]string{b.From, b.To}], raw[[2]string{a.From, a.To}]), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return out
}

// suppressTable suppresses the cells of a table whose rows and columns are each shown
// with their total: every cell under MinCell, then, round after round, a second cell in
// any row or column with exactly one hidden, until none has.
func suppressTable(ns [][]int64) [][]Count {
	out := make([][]Count, len(ns))
	cols := 0
	for i, row := range ns {
		out[i] = make([]Count, len(row))
		for j, n := range row {
			out[i][j] = Suppressed(n)
		}
		cols = max(cols, len(row))
	}
	for changed := true; changed; {
		changed = false
		for i := range ns {
			changed = hideNext(ns[i], out[i]) || changed
		}
		for j := range cols {
			colNs, colCs := make([]int64, len(ns)), make([]Count, len(ns))
			for i := range ns {
				colNs[i], colCs[i] = ns[i][j], out[i][j]
			}
			if hideNext(colNs, colCs) {
				for i := range ns {
					out[i][j] = colCs[i]
				}
				changed = true
			}
		}
	}
	return out
}
