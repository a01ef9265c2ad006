package intelligence

import (
	"reflect"
	"testing"
)

// TestFlowMatrixSuppressesCellsATotalWouldGiveAway checks the flows matrix against
// tables worked out by hand.
func TestFlowMatrixSuppressesCellsATotalWouldGiveAway(t *testing.T) {
	hide, also, show := Count{Suppressed: true}, Count{Suppressed: true, Secondary: true}, func(n int64) Count { return Count{N: n} }
	t.Run("RoundsUntilNoRowOrColumnGivesACellAway", func(t *testing.T) {
		// Columns by inflow: B 28, C 24, A 18. A→B (3) is under 5: in row A, A→C (8) hides
		// with it (A→A, its flow into itself, is spared). Columns B and C then each have
		// one hidden cell, so their totals are hidden instead of more cells; the grand
		// total (70) stays, as two column totals are hidden. Row A's 23 less A→A's 12
		// leaves 11 for two hidden cells; nothing gives the 3 away.
		m := newFlowMatrix(map[[2]string]int64{
			{"A", "A"}: 12, {"A", "B"}: 3, {"A", "C"}: 8,
			{"B", "B"}: 20, {"B", "A"}: 6, {"B", "C"}: 7,
			{"C", "C"}: 9, {"C", "B"}: 5,
		}, nil)
		want := FlowMatrix{Hosts: []string{"B", "C", "A"}, Rows: []FlowRow{
			{From: "A", Cells: []Count{hide, also, show(12)}, Total: show(23)},
			{From: "B", Cells: []Count{show(20), show(7), show(6)}, Total: show(33)},
			{From: "C", Cells: []Count{show(5), show(9), {}}, Total: show(14)},
		}, HostTotals: []Count{also, also, show(18)}, Total: show(70)}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("matrix\n got %+v\nwant %+v", m, want)
		}
	})
	t.Run("ASmallRowTotalHidesAnother", func(t *testing.T) {
		// B placed 2 children, both into A: B's cell and total are under 5. Row B has no
		// other cell to hide; column A hides its total (12), and the column totals B's (6)
		// beside it; the grand total (18) is hidden, since it less A's 16 would give B's 2.
		raw := map[[2]string]int64{{"A", "A"}: 10, {"A", "B"}: 6, {"B", "A"}: 2}
		m := newFlowMatrix(raw, nil)
		want := FlowMatrix{Hosts: []string{"A", "B"}, Rows: []FlowRow{
			{From: "A", Cells: []Count{show(10), show(6)}, Total: show(16)},
			{From: "B", Cells: []Count{hide, {}}, Total: hide},
		}, HostTotals: []Count{also, also}, Total: also}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("matrix\n got %+v\nwant %+v", m, want)
		}
		flows := []Flow{{"A", "A", show(10)}, {"A", "B", show(6)}, {"B", "A", hide}}
		if got := m.flows(raw); !reflect.DeepEqual(got, flows) {
			t.Errorf("flows = %+v, want %+v", got, flows)
		}
	})
	t.Run("OutsideEnglandIsTheLastColumn", func(t *testing.T) {
		m := newFlowMatrix(map[[2]string]int64{{"A", "A"}: 7, {"A", OutsideEngland}: 30}, nil)
		if want := []string{"A", OutsideEngland}; !reflect.DeepEqual(m.Hosts, want) {
			t.Errorf("hosts = %v, want %v", m.Hosts, want)
		}
		if want := []Count{show(7), show(30)}; !reflect.DeepEqual(m.Rows[0].Cells, want) {
			t.Errorf("cells = %v, want %v", m.Rows[0].Cells, want)
		}
	})
}
