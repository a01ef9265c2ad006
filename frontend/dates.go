package frontend

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
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
// now is the time by the injected clock (Deps.Clock): handlers never call time.Now.
func (s *Server) now() time.Time { return s.deps.Clock.Now() }

// today is the date in England by the injected clock.
func (s *Server) today() time.Time { return kernel.DateOf(s.now()) }

// setDateTimeParts fills a date input and its time field from t, in England's time.
func setDateTimeParts(form map[string]string, name string, t *time.Time) {
	if t == nil {
		return
	}
	d := t.In(london)
	setDateParts(form, name, &d)
	form[name+"_time"] = d.Format("15:04")
}

// dateTimeValue reads a GOV.UK date input (name-day, -month, -year) with its time box
// (name_time) as a time in England: nil and no problem when all four are empty, and
// otherwise a problem beside the box to fix (the day box for the date, the time box
// for the time).
func dateTimeValue(get func(string) string, name, label string) (*time.Time, *kernel.FieldError) {
	form := map[string]string{name + "-day": get(name + "-day"), name + "-month": get(name + "-month"), name + "-year": get(name + "-year")}
	clock := get(name + "_time")
	day, msg := dateParts(form, name, label)
	switch {
	case day == nil && msg == "" && clock == "":
		return nil, nil
	case day == nil:
		return nil, &kernel.FieldError{FormID: name + "-day", Code: kernel.CodeBadDate, Message: firstNonEmpty(msg, label+" must include a day, month and year")}
	}
	t, err := time.Parse("15:04", clock)
	if err != nil {
		return nil, &kernel.FieldError{FormID: name + "_time", Code: kernel.CodeBadTime, Message: "Enter the time like 17:30"}
	}
	d := time.Date(day.Year(), day.Month(), day.Day(), t.Hour(), t.Minute(), 0, 0, london)
	return &d, nil
}
