package commissioning

import "time"

// London is England's time zone, in which Hearth's days begin and end.
var London = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return l
}()

// DateOf is the date it is in England at t, as midnight UTC (dates are stored as dates).
func DateOf(t time.Time) time.Time {
	n := t.In(London)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}
