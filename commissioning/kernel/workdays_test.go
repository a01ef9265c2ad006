package kernel_test

import (
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// Working days skip weekends and England's bank holidays, substitute days included.
func TestAddWorkingDays(t *testing.T) {
	tests := []struct {
		name, from string
		n          int
		want       string
	}{
		{"zero is the same day", "2026-11-27", 0, "2026-11-27"},
		{"Friday to Monday", "2026-11-27", 1, "2026-11-30"},
		{"a plain week", "2026-11-23", 5, "2026-11-30"},
		{"Christmas and Boxing Day on Friday and Saturday: Boxing Day moves to Monday 28th", "2026-12-24", 1, "2026-12-29"},
		{"Christmas on a Sunday (2022): substitute Tuesday 27th", "2022-12-23", 1, "2022-12-28"},
		{"New Year's Day 2027 is a Friday", "2026-12-31", 1, "2027-01-04"},
		{"Easter 2027: Good Friday 26 March and Easter Monday 29 March", "2027-03-25", 1, "2027-03-30"},
		{"early May bank holiday Monday 2026", "2026-05-01", 1, "2026-05-05"},
		{"spring bank holiday Monday 2026", "2026-05-22", 1, "2026-05-26"},
		{"August bank holiday is England's last Monday, not Scotland's first", "2026-07-31", 1, "2026-08-03"},
		{"summer bank holiday Monday 2026", "2026-08-28", 1, "2026-09-01"},
		{"coronation bank holiday 2023", "2023-05-05", 1, "2023-05-09"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := kernel.AddWorkingDays(day(tt.from), tt.n).Format(time.DateOnly); got != tt.want {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestAddMonths(t *testing.T) {
	for _, tt := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-15", 3, "2026-04-15"},
		{"2026-11-30", 3, "2027-02-28"},
		{"2027-11-30", 3, "2028-02-29"},
		{"2026-08-31", 6, "2027-02-28"},
		{"2026-12-31", 6, "2027-06-30"},
	} {
		if got := kernel.AddMonths(day(tt.from), tt.n).Format(time.DateOnly); got != tt.want {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}
