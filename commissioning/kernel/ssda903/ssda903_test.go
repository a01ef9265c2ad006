package ssda903_test

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel/ssda903"
)

func TestValidHonoursTheCollectionYears(t *testing.T) {
	y := func(s string) ssda903.Year {
		v, err := ssda903.ParseYear(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		field, code, year string
		want              bool
	}{
		{"PLACE", "K2", "2025-26", true},
		{"PLACE", "K3", "2023-24", false},
		{"PLACE", "K3", "2024-25", true},
		{"PLACE", "H5", "2023-24", true},
		{"PLACE", "H5", "2024-25", false},
		{"PLACE", "Z1", "2024-25", true},
		{"PLACE", "Z1", "2025-26", false},
		{"PLACE", "Z11", "2025-26", true},
		{"PLACE", "Z11", "2024-25", false},
		{"REC", "E45", "2025-26", true},
		{"REC", "X1", "2016-17", true},
		{"REC", "K2", "2025-26", false},
		{"MISSING", "M", "2025-26", true},
		{"LS", "C2", "2025-26", true},
		{"RNE", "P", "2025-26", true},
		{"NOPE", "P", "2025-26", false},
	}
	for _, tt := range tests {
		if got := ssda903.Valid(tt.field, tt.code, y(tt.year)); got != tt.want {
			t.Errorf("Valid(%s, %s, %s) = %v, want %v", tt.field, tt.code, tt.year, got, tt.want)
		}
	}
	if n := len(ssda903.Codes("PLACE", y("2025-26"))); n != 29 {
		t.Errorf("%d PLACE codes in 2025-26, want 29", n)
	}
	if l := ssda903.Label("REC", "X1"); l == "" {
		t.Error("no label for REC X1")
	}
}

func TestParseYear(t *testing.T) {
	for _, ok := range []string{"2025-26", "1999-00", "2016-17"} {
		if y, err := ssda903.ParseYear(ok); err != nil || y.String() != ok {
			t.Errorf("ParseYear(%q) = %v, %v", ok, y, err)
		}
	}
	for _, bad := range []string{"", "2025", "2025-27", "2025/26", "25-26", "2025-2026", " 2025-26"} {
		if _, err := ssda903.ParseYear(bad); !errors.Is(err, ssda903.ErrBadYear) {
			t.Errorf("ParseYear(%q): %v, want ErrBadYear", bad, err)
		}
	}
	y := ssda903.YearOf(time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC))
	if y.String() != "2025-26" || ssda903.YearOf(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)).String() != "2026-27" {
		t.Errorf("YearOf: %s", y)
	}
	if ssda903.Date(y.First()) != "01/04/2025" || ssda903.Date(y.Last()) != "31/03/2026" {
		t.Errorf("%s runs %s to %s", y, ssda903.Date(y.First()), ssda903.Date(y.Last()))
	}
}

func TestChildAndURN(t *testing.T) {
	for ref, want := range map[string]bool{"A1": true, "MCR00911": true, "12345678901234567890": true, "123456789012345678901": false, "H12-00001": false, "MCR/2026/0042": false, "": false} {
		if ssda903.ValidChild(ref) != want {
			t.Errorf("ValidChild(%q) = %v", ref, !want)
		}
	}
	for urn, want := range map[string]bool{"SC123456": true, "1234567": true, "XXXXXXX": true, "SC12345": false, "sc123456": false, "": false} {
		if ssda903.ValidURN(urn) != want {
			t.Errorf("ValidURN(%q) = %v", urn, !want)
		}
	}
}

// TestCodesAreTheSharedCopy keeps data/codes.csv a byte-for-byte copy of the compiled
// list beside the checkout (skipped where it is not there).
func TestCodesAreTheSharedCopy(t *testing.T) {
	shared, err := os.ReadFile("../../../../shared/data/ssda903/codes.csv")
	if err != nil {
		t.Skip("no shared/data/ssda903 beside the checkout")
	}
	ours, err := os.ReadFile("data/codes.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, ours) {
		t.Error("data/codes.csv differs from shared/data/ssda903/codes.csv: copy it again and check the tests")
	}
}
