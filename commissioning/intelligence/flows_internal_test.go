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
		// Columns by inflow: B 28, C 24, A 18. A→B (3) is under 5: A→C (8) hides with it
		// in row A; in the columns C→B (5) and B→C (7); then in row B, B→A (6); in row C,
		// C→C (9); in column A, A→A (12). Only B→B is left; every total is 5 or more.
		m := newFlowMatrix(map[[2]string]int64{
			{"A", "A"}: 12, {"A", "B"}: 3, {"A", "C"}: 8,
			{"B", "B"}: 20, {"B", "A"}: 6, {"B", "C"}: 7,
			{"C", "C"}: 9, {"C", "B"}: 5,
		})
		want := FlowMatrix{Hosts: []string{"B", "C", "A"}, Rows: []FlowRow{
			{From: "A", Cells: []Count{hide, also, also}, Total: show(23)},
			{From: "B", Cells: []Count{show(20), also, also}, Total: show(33)},
			{From: "C", Cells: []Count{also, also, {}}, Total: show(14)},
		}, HostTotals: []Count{show(28), show(24), show(18)}, Total: show(70)}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("matrix\n got %+v\nwant %+v", m, want)
		}
	})
	t.Run("ASmallRowTotalHidesAnother", func(t *testing.T) {
		// B placed 2 children, both into A: B's cell and total are under 5. Column A then
		// hides A→A, row A hides A→B; the row totals hide A's (16) beside B's (2).
		raw := map[[2]string]int64{{"A", "A"}: 10, {"A", "B"}: 6, {"B", "A"}: 2}
		m := newFlowMatrix(raw)
		want := FlowMatrix{Hosts: []string{"A", "B"}, Rows: []FlowRow{
			{From: "A", Cells: []Count{also, also}, Total: also},
			{From: "B", Cells: []Count{hide, {}}, Total: hide},
		}, HostTotals: []Count{show(12), show(6)}, Total: show(18)}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("matrix\n got %+v\nwant %+v", m, want)
		}
		flows := []Flow{{"A", "A", also}, {"A", "B", also}, {"B", "A", hide}}
		if got := m.flows(raw); !reflect.DeepEqual(got, flows) {
			t.Errorf("flows = %+v, want %+v", got, flows)
		}
	})
	t.Run("OutsideEnglandIsTheLastColumn", func(t *testing.T) {
		m := newFlowMatrix(map[[2]string]int64{{"A", "A"}: 7, {"A", OutsideEngland}: 30})
		if want := []string{"A", OutsideEngland}; !reflect.DeepEqual(m.Hosts, want) {
			t.Errorf("hosts = %v, want %v", m.Hosts, want)
		}
		if want := []Count{show(7), show(30)}; !reflect.DeepEqual(m.Rows[0].Cells, want) {
			t.Errorf("cells = %v, want %v", m.Rows[0].Cells, want)
		}
	})
}
