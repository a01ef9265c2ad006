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
// suppresses its cells and totals; the cells in hidden start hidden, since another view
// hides the same count.
func newFlowMatrix(flows map[[2]string]int64, hidden map[[2]string]bool) FlowMatrix {
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
	pre := make([][]bool, len(froms))
	for i, from := range froms {
		pre[i] = make([]bool, len(m.Hosts))
		for j, host := range m.Hosts {
			pre[i][j] = hidden[[2]string{from, host}] && ns[i][j] > 0
		}
	}
	diag := make([]int, len(froms))
	for i, from := range froms {
		diag[i] = slices.Index(m.Hosts, from)
	}
	cells := suppressRows(ns, pre, diag)
	rowNs, colNs := make([]int64, len(froms)), make([]int64, len(m.Hosts))
	var total int64
	for i, from := range froms {
		for j, n := range ns[i] {
			rowNs[i] += n
			colNs[j] += n
			total += n
		}
		// A row's total is the council's placements, shown as the out-of-area table does.
		m.Rows = append(m.Rows, FlowRow{From: from, Cells: cells[i], Total: Suppressed(rowNs[i])})
	}
	// A column with one hidden cell would give it away through the column's total, so
	// that total is hidden instead of a second cell (column totals are shown nowhere
	// else); the column totals add up to the grand total, so they are a group too.
	m.HostTotals = make([]Count, len(m.Hosts))
	for j := range m.Hosts {
		hidden := 0
		for i := range froms {
			if cells[i][j].Suppressed {
				hidden++
			}
		}
		m.HostTotals[j] = Suppressed(colNs[j])
		if hidden == 1 && !m.HostTotals[j].Suppressed {
			m.HostTotals[j] = Count{Suppressed: true, Secondary: true}
		}
	}
	hideNext(colNs, m.HostTotals)
	m.Total = Suppressed(total)
	if hiddenIn(m.HostTotals) == 1 || hiddenIn(rowTotals(m.Rows)) == 1 {
		m.Total = Count{Suppressed: true, Secondary: true}
	}
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

// hides reports whether the matrix hides the flow from one council into another.
func (m FlowMatrix) hides(from, to string) bool {
	j := slices.Index(m.Hosts, to)
	for _, r := range m.Rows {
		if r.From == from && j >= 0 {
			return r.Cells[j].Suppressed
		}
	}
	return false
}

// suppressRows suppresses the cells of a table whose rows are each shown with their
// total: every cell under MinCell and every cell pre marks (pre may be nil), then in
// any row with exactly one hidden, a second: the smallest other non-zero cell, though
// not the row's cell at avoid[i] (its council's flow into itself, which is also its
// in-area count elsewhere) unless there is no other.
func suppressRows(ns [][]int64, pre [][]bool, avoid []int) [][]Count {
	out := make([][]Count, len(ns))
	for i, row := range ns {
		out[i] = make([]Count, len(row))
		for j, n := range row {
			out[i][j] = Suppressed(n)
			if pre != nil && pre[i][j] && !out[i][j].Suppressed {
				out[i][j] = Count{Suppressed: true, Secondary: true}
			}
		}
		if hiddenIn(out[i]) != 1 {
			continue
		}
		next := -1
		for j, n := range row {
			if n > 0 && !out[i][j].Suppressed && j != avoid[i] && (next < 0 || n < row[next]) {
				next = j
			}
		}
		if next < 0 && avoid[i] >= 0 && row[avoid[i]] > 0 && !out[i][avoid[i]].Suppressed {
			next = avoid[i]
		}
		if next >= 0 {
			out[i][next] = Count{Suppressed: true, Secondary: true}
		}
	}
	return out
}

// hiddenIn is how many of cs are suppressed.
func hiddenIn(cs []Count) int {
	n := 0
	for _, c := range cs {
		if c.Suppressed {
			n++
		}
	}
	return n
}

// rowTotals is the rows' totals.
func rowTotals(rows []FlowRow) []Count {
	out := make([]Count, len(rows))
	for i, r := range rows {
		out[i] = r.Total
	}
	return out
}
