// Package billing invoices councils for their placements through Stripe Connect and pays
// providers, keeping the consortium's levy as the platform's fee.
//
// Money is integer pence throughout. A placement is billed by the night: from the day the
// child arrived up to (not including) the day the placement ended, and within a billing
// period from its first day up to (not including) the day after its last. A line's amount
// is days × weekly fee ÷ 7, rounded half up to the penny; a fee change splits the line at
// the day the new fee applies. The levy on a line is amount × basis points ÷ 10,000, also
// rounded half up. No line is ever for zero days or zero pence.
package billing

import (
	"fmt"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// Fee is a weekly fee from a date.
type Fee struct {
	From        time.Time
	WeeklyPence int64
}

// Terms are what a placement is billed by.
type Terms struct {
	PlacementID int64
	ProviderID  int64
	LotID       int64
	Reference   string // the agreement's reference, e.g. IPA-000042
	ChildRef    string
	StartedOn   time.Time
	EndedOn     *time.Time // exclusive
	Fees        []Fee      // in date order; the first applies from the start
	LevyBPS     int
}

// Line is one invoice line: a run of nights at one weekly fee.
type Line struct {
	PlacementID int64
	ProviderID  int64
	LotID       int64
	From, To    time.Time // To exclusive
	Days        int
	WeeklyPence int64
	AmountPence int64
	LevyPence   int64
	Description string
}

// Amount is days × weekly ÷ 7 rounded half up to the penny.
func Amount(days int, weeklyPence int64) int64 {
	return (int64(days)*weeklyPence*2 + 7) / 14
}

// Levy is amount × bps ÷ 10,000 rounded half up to the penny.
func Levy(amountPence int64, bps int) int64 {
	return (amountPence*int64(bps)*2 + 10_000) / 20_000
}

func days(from, to time.Time) int { return int(to.Sub(from).Hours()/24 + 0.5) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Lines bills a placement for the period [start, end): one line per fee in force, none
// for a placement that had ended before the period or starts after it.
func Lines(t Terms, start, end time.Time) []Line {
	from := later(t.StartedOn, start)
	to := end
	if t.EndedOn != nil {
		to = earlier(*t.EndedOn, end)
	}
	if !to.After(from) || len(t.Fees) == 0 {
		return nil
	}
	var out []Line
	for i, f := range t.Fees {
		segFrom := later(f.From, from)
		segTo := to
		if i+1 < len(t.Fees) {
			segTo = earlier(t.Fees[i+1].From, to)
		}
		if i == 0 {
			segFrom = from // the first fee applies from the start, whatever its date says
		}
		n := days(segFrom, segTo)
		if n <= 0 || f.WeeklyPence <= 0 {
			continue
		}
		amount := Amount(n, f.WeeklyPence)
		if amount <= 0 {
			continue
		}
		out = append(out, Line{PlacementID: t.PlacementID, ProviderID: t.ProviderID, LotID: t.LotID, From: segFrom, To: segTo, Days: n,
			WeeklyPence: f.WeeklyPence, AmountPence: amount, LevyPence: Levy(amount, t.LevyBPS),
			Description: fmt.Sprintf("%s (%s): %d nights %s to %s at %s a week", t.Reference, t.ChildRef, n,
				segFrom.Format("2 Jan"), segTo.AddDate(0, 0, -1).Format("2 Jan 2006"), kernel.Pence(f.WeeklyPence))})
	}
	return out
}
