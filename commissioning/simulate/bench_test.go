package simulate_test

import (
	"context"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/simulate"
)

// BenchmarkNorthWestYear runs a North West region-year under all three residential
// policies and both secure ones (issue 17's target: ≤ 30 s):
//
//	go test ./commissioning/simulate -run '^$' -bench NorthWest -benchtime 3x
func BenchmarkNorthWestYear(b *testing.B) {
	for range b.N {
		res, err := simulate.Run(context.Background(), simulate.Defaults(), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Children), "children")
	}
}
