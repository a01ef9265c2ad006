package kernel

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gb"
)

// workdays is England's working week: Monday to Friday, less England and Wales's bank
// holidays as the maintained calendar library lists them (substitute days included).
var workdays = func() *cal.BusinessCalendar {
	c := cal.NewBusinessCalendar()
	c.AddHoliday(gb.Holidays...)
	return c
}()

// IsWorkingDay reports whether the date d (its year, month and day) is a working day in
// England: not a Saturday, Sunday or bank holiday.
func IsWorkingDay(d time.Time) bool { return workdays.IsWorkday(dateUTC(d)) }

// AddWorkingDays is the date n working days after d (n >= 0); d itself never counts,
// so one working day after a Friday is the Monday, or the Tuesday on a bank holiday
// Monday.
func AddWorkingDays(d time.Time, n int) time.Time { return workdays.WorkdaysFrom(dateUTC(d), n) }

// AddMonths is the same day n months after d, or the last day of that month when it is
// shorter (30 November + 3 months is 28 or 29 February, not 2 March).
func AddMonths(d time.Time, n int) time.Time {
	d = dateUTC(d)
	first := time.Date(d.Year(), d.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d.Day(), last)-1)
}

func dateUTC(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}
