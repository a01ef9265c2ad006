// Package ssda903 holds the Department for Education's code lists for the children looked
// after return (SSDA903), as data with their source (data/SOURCES.md), and its collection
// years. Valid says whether a code could be reported in a year: codes come and go (K3 from
// 2024-25, Z1 retired after 2024-25), so every check names the year.
//
// The codes and labels are Crown copyright, licensed under the Open Government Licence
// v3.0: wherever they are shown or exported, show Attribution.
package ssda903

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Attribution is the notice the Open Government Licence asks for wherever the codes or
// their labels are shown or exported.
const Attribution = "Contains public sector information licensed under the Open Government Licence v3.0. " +
	"Source: Department for Education, Children looked after return (SSDA903) guidance."

//go:embed data/codes.csv
var codesCSV string

// Code is one row of the DfE's code lists: a code of a field (the CSV column it goes in),
// its DfE label, and the collection years it could be reported in (zero: open-ended).
type Code struct {
	Field, Code, Label string
	From, To           Year // zero From: in use before 2016-17; zero To: still valid
	Notes              string
}

// codes are the rows of data/codes.csv, in its order.
var codes = func() []Code {
	rows, err := csv.NewReader(strings.NewReader(codesCSV)).ReadAll()
	if err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != "field,code,label,valid_from,valid_to,notes" {
		panic(fmt.Sprintf("ssda903: data/codes.csv is unreadable: %v", err))
	}
	out := make([]Code, 0, len(rows)-1)
	for i, r := range rows[1:] {
		c := Code{Field: r[0], Code: r[1], Label: r[2], Notes: r[5]}
		for _, y := range []struct {
			text string
			to   *Year
		}{{r[3], &c.From}, {r[4], &c.To}} {
			if y.text == "" {
				continue
			}
			if *y.to, err = ParseYear(y.text); err != nil {
				panic(fmt.Sprintf("ssda903: data/codes.csv row %d: %v", i+2, err))
			}
		}
		out = append(out, c)
	}
	return out
}()

// In reports whether the code could be reported in year y.
func (c Code) In(y Year) bool {
	return (c.From.IsZero() || y.Start >= c.From.Start) && (c.To.IsZero() || y.Start <= c.To.Start)
}

// Codes lists field's codes valid in year y, in the DfE's order.
func Codes(field string, y Year) []Code {
	var out []Code
	for _, c := range codes {
		if c.Field == field && c.In(y) {
			out = append(out, c)
		}
	}
	return out
}

// Valid reports whether code is one of field's codes in collection year y.
func Valid(field, code string, y Year) bool {
	for _, c := range codes {
		if c.Field == field && c.Code == code && c.In(y) {
			return true
		}
	}
	return false
}

// Label is the DfE's label of field's code, or "" when there is no such code.
func Label(field, code string) string {
	for _, c := range codes {
		if c.Field == field && c.Code == code {
			return c.Label
		}
	}
	return ""
}

// Year is a collection year: 1 April of Start to 31 March of the year after. The zero
// Year is no year.
type Year struct{ Start int }

// FirstYear is the earliest year the code lists were checked against (2016-17).
var FirstYear = Year{Start: 2016}

var yearPattern = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// ErrBadYear is returned by ParseYear for text that is not a collection year.
var ErrBadYear = fmt.Errorf("not a collection year: write it like 2025-26")

// ParseYear reads a year written as the DfE does, "2025-26". Returns ErrBadYear when it
// is not one (the second part must be the year after the first).
func ParseYear(s string) (Year, error) {
	m := yearPattern.FindStringSubmatch(s)
	if m == nil {
		return Year{}, fmt.Errorf("%q: %w", s, ErrBadYear)
	}
	start, _ := strconv.Atoi(m[1])
	end, _ := strconv.Atoi(m[2])
	if (start+1)%100 != end {
		return Year{}, fmt.Errorf("%q: %w", s, ErrBadYear)
	}
	return Year{Start: start}, nil
}

// YearOf is the collection year a day falls in.
func YearOf(day time.Time) Year {
	if day.Month() < time.April {
		return Year{Start: day.Year() - 1}
	}
	return Year{Start: day.Year()}
}

// IsZero reports whether y is no year.
func (y Year) IsZero() bool { return y.Start == 0 }

// String is the year as the DfE writes it, "2025-26".
func (y Year) String() string { return fmt.Sprintf("%d-%02d", y.Start, (y.Start+1)%100) }

// Label is the year for people: "1 April 2025 to 31 March 2026".
func (y Year) Label() string {
	return fmt.Sprintf("1 April %d to 31 March %d", y.Start, y.Start+1)
}

// First is the year's first day, 1 April (UTC midnight, a date).
func (y Year) First() time.Time { return time.Date(y.Start, time.April, 1, 0, 0, 0, 0, time.UTC) }

// Last is the year's last day, 31 March.
func (y Year) Last() time.Time { return time.Date(y.Start+1, time.March, 31, 0, 0, 0, 0, time.UTC) }

// Previous is the year before.
func (y Year) Previous() Year { return Year{Start: y.Start - 1} }

// DateFormat is how the return writes dates: dd/mm/yyyy.
const DateFormat = "02/01/2006"

// Date writes a day as the return does; the zero time is blank.
func Date(d time.Time) string {
	if d.IsZero() {
		return ""
	}
	return d.Format(DateFormat)
}

// childID is the DfE's rule for CHILD: at most 20 letters and digits.
var childID = regexp.MustCompile(`^[A-Za-z0-9]{1,20}$`)

// ValidChild reports whether ref may be reported as CHILD: 1 to 20 letters and digits.
func ValidChild(ref string) bool { return childID.MatchString(ref) }

// urn is an Ofsted URN as the return takes it: SC and 6 digits, 7 digits, or XXXXXXX
// (inspected by CQC or ISI, or a regional adoption agency).
var urn = regexp.MustCompile(`^(SC\d{6}|\d{7}|XXXXXXX)$`)

// ValidURN reports whether s is a URN the return takes.
func ValidURN(s string) bool { return urn.MatchString(s) }

// NoURN reports whether placement type place takes no URN in year y: the types Ofsted
// does not inspect (validator rules 222 and 230). H5 and P2 took none before 28/10/2023;
// from 2023-24 they are treated as needing one.
func NoURN(place string, y Year) bool {
	switch place {
	case "P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14":
		return true
	case "H5", "P2":
		return y.Start < 2023
	}
	return false
}

// NoProvider reports whether placement type place takes no PLACE_PROVIDER.
func NoProvider(place string) bool {
	switch place {
	case "T0", "T1", "T2", "T3", "T4", "Z1", "Z11", "Z12", "Z13", "Z14":
		return true
	}
	return false
}
