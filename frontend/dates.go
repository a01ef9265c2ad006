package frontend

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dateParts reads a GOV.UK date input (name-day, name-month, name-year). It returns
// nil and no message when all three are empty; a message says what to fix otherwise.
func dateParts(form map[string]string, name, label string) (*time.Time, string) {
	d, m, y := strings.TrimSpace(form[name+"-day"]), strings.TrimSpace(form[name+"-month"]), strings.TrimSpace(form[name+"-year"])
	if d == "" && m == "" && y == "" {
		return nil, ""
	}
	var missing []string
	for _, p := range []struct{ v, what string }{{d, "day"}, {m, "month"}, {y, "year"}} {
		if p.v == "" {
			missing = append(missing, p.what)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Sprintf("%s must include a %s", label, strings.Join(missing, " and "))
	}
	dn, e1 := strconv.Atoi(d)
	mn, e2 := strconv.Atoi(m)
	yn, e3 := strconv.Atoi(y)
	if e1 != nil || e2 != nil || e3 != nil || yn < 1900 || yn > 2200 {
		return nil, label + " must be a real date"
	}
	t := time.Date(yn, time.Month(mn), dn, 0, 0, 0, 0, time.UTC)
	if t.Day() != dn || int(t.Month()) != mn {
		return nil, label + " must be a real date"
	}
	return &t, ""
}

// setDateParts fills a form's date input fields from t.
func setDateParts(form map[string]string, name string, t *time.Time) {
	if t == nil {
		return
	}
	form[name+"-day"], form[name+"-month"], form[name+"-year"] = strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year())
}

// today is the current date in England, at midnight UTC, for comparing dates.
func today() time.Time {
	n := time.Now().In(london)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}
