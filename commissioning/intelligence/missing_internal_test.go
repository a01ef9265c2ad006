package intelligence

import (
	"testing"
	"time"
)

// TestMissingRowsSuppressCellsAndTheirTotals: a council with fewer than 5 children is
// hidden, and so is the next smallest council in the same column, so that the hidden
// count cannot be worked out from the consortium's total beside them.
func TestMissingRowsSuppressCellsAndTheirTotals(t *testing.T) {
	may := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	rows := missingRows([]missingCell{
		{Month: may, Grp: "placing", Name: "Bolton", Episodes: 9, Children: 7, Ended: 9, Offered: 6, RepeatChildren: 0},
		{Month: may, Grp: "placing", Name: "Bury", Episodes: 3, Children: 3, Ended: 3, Offered: 3},
		{Month: may, Grp: "placing", Name: "Wigan", Episodes: 14, Children: 10, Ended: 12, Offered: 12, RepeatChildren: 1},
	})
	if len(rows) != 4 || !rows[3].Total || rows[3].Children.N != 20 {
		t.Fatalf("rows: %+v", rows)
	}
	bolton, bury, wigan := rows[0], rows[1], rows[2]
	if !bury.Children.Suppressed || !bolton.Children.Suppressed || !bolton.Children.Secondary || wigan.Children.Suppressed || wigan.Children.N != 10 {
		t.Fatalf("children: Bolton %+v, Bury %+v, Wigan %+v", bolton.Children, bury.Children, wigan.Children)
	}
	if bury.Rate != nil || wigan.Rate == nil || *wigan.Rate != 100 {
		t.Fatalf("rates: Bury %v, Wigan %v", bury.Rate, wigan.Rate)
	}
	if !wigan.RepeatChildren.Suppressed || rows[3].RepeatChildren.N != 0 || !rows[3].RepeatChildren.Suppressed {
		t.Fatalf("repeat children: Wigan %+v, all %+v", wigan.RepeatChildren, rows[3].RepeatChildren)
	}
}
