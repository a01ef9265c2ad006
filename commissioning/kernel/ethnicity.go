package kernel

import (
	_ "embed"
	"encoding/csv"
	"strings"
)

// The SSDA903 ethnicity codes, as data with their source (data/SOURCES.md).
//
//go:embed data/ethnicity.csv
var ethnicityCSV string

// Ethnicities are the DfE's SSDA903 ethnicity codes (ETHNIC), in the DfE's order. Crown
// copyright, Open Government Licence v3.0: wherever they are shown, say "Contains public
// sector information licensed under the Open Government Licence v3.0".
var Ethnicities = func() []Option {
	rows, err := csv.NewReader(strings.NewReader(ethnicityCSV)).ReadAll()
	if err != nil || len(rows) < 2 {
		panic("kernel: data/ethnicity.csv is unreadable")
	}
	out := make([]Option, 0, len(rows)-1)
	for _, r := range rows[1:] {
		out = append(out, Option{Code: r[0], Label: r[1]})
	}
	return out
}()
