package billing

import (
	"fmt"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// Invoices bill a period in advance, so some nights invoiced may not happen as billed: the
// placement ends early, its start moves later, or a lower fee is backdated. Each is put
// right by a credit note for the difference, worked out per invoice line:
//
//   - On each night of the line, what is still billed (the line's weekly fee less the
//     weekly amounts already credited for that night) is compared with what the
//     placement's terms now say (nothing outside its dates, else the fee in force). A
//     night billed more than it should be is credited the difference; a night now owed
//     more (a backdated increase) is not, as a credit note can only take away.
//   - In pence, the credit is what the line still bills less what it should bill, each
//     rounded as an invoice line is (nights × weekly ÷ 7, half up), so a line credited in
//     full gives back exactly its amount, and after any number of credits it bills what
//     an invoice run would bill today.
//   - The levy credited is likewise the levy still charged less the levy on what the line
//     should bill.

// Invoiced is an invoice line as billed, with the credits already made against it.
type Invoiced struct {
	LineID      int64
	From, To    time.Time // To exclusive
	WeeklyPence int64
	AmountPence int64
	LevyPence   int64
	Credited    []CreditLine
}

// CreditLine is a run of nights of one invoice line credited at WeeklyPence a week.
type CreditLine struct {
	InvoiceLineID int64
	Reason        string // ended_early, start_moved or fee_backdated
	From, To      time.Time
	Days          int
	WeeklyPence   int64
	AmountPence   int64
	LevyPence     int64
	Description   string
}

// Credit reasons.
const (
	ReasonEndedEarly   = "ended_early"
	ReasonStartMoved   = "start_moved"
	ReasonFeeBackdated = "fee_backdated"
)

// CreditReasons label the reasons for people.
var CreditReasons = map[string]string{
	ReasonEndedEarly:   "placement ended early",
	ReasonStartMoved:   "start moved later",
	ReasonFeeBackdated: "lower fee backdated",
}

// Credits returns what to credit on one invoice line now that the placement's terms are
// t: nothing when the line bills no more than it should.
func Credits(t Terms, l Invoiced) []CreditLine {
	n := days(l.From, l.To)
	if n <= 0 {
		return nil
	}
	// What each night is still billed at, and what it should be.
	billed := make([]int64, n)
	should := make([]int64, n)
	for i := range n {
		billed[i] = l.WeeklyPence
	}
	for _, c := range l.Credited {
		for i := range n {
			night := l.From.AddDate(0, 0, i)
			if !night.Before(c.From) && night.Before(c.To) {
				billed[i] -= c.WeeklyPence
			}
		}
	}
	for _, seg := range Lines(t, l.From, l.To) {
		for i := days(l.From, seg.From); i < days(l.From, seg.To); i++ {
			should[i] = seg.WeeklyPence
		}
	}
	reason := func(i int) string {
		night := l.From.AddDate(0, 0, i)
		switch {
		case night.Before(t.StartedOn):
			return ReasonStartMoved
		case t.EndedOn != nil && !night.Before(*t.EndedOn):
			return ReasonEndedEarly
		}
		return ReasonFeeBackdated
	}
	// The runs of nights to credit, and what the line should bill after them.
	var out []CreditLine
	var shouldPence int64
	for i := 0; i < n; {
		target := min(billed[i], should[i])
		cut := billed[i] - target
		j := i + 1
		for j < n && min(billed[j], should[j]) == target && billed[j]-min(billed[j], should[j]) == cut && (cut == 0 || reason(j) == reason(i)) {
			j++
		}
		shouldPence += Amount(j-i, target)
		if cut > 0 {
			from := l.From.AddDate(0, 0, i)
			to := l.From.AddDate(0, 0, j)
			out = append(out, CreditLine{InvoiceLineID: l.LineID, Reason: reason(i), From: from, To: to, Days: j - i, WeeklyPence: cut,
				AmountPence: Amount(j-i, cut)})
		}
		i = j
	}
	stillBilled, stillLevy := l.AmountPence, l.LevyPence
	for _, c := range l.Credited {
		stillBilled -= c.AmountPence
		stillLevy -= c.LevyPence
	}
	total := stillBilled - shouldPence
	if total <= 0 || len(out) == 0 {
		return nil
	}
	levy := max(min(stillLevy-Levy(shouldPence, t.LevyBPS), total), 0)
	spread(out, total, levy, t.LevyBPS)
	for i, c := range out {
		out[i].Description = fmt.Sprintf("%s (%s): credit for %d %s %s to %s at %s a week (%s)", t.Reference, t.ChildRef, c.Days, plural(c.Days, "night", "nights"),
			c.From.Format("2 Jan"), c.To.AddDate(0, 0, -1).Format("2 Jan 2006"), kernel.Pence(c.WeeklyPence), CreditReasons[c.Reason])
	}
	return out
}

// spread shares the pence and the levy credited among the runs: each run its own share
// (its nights at its weekly amount, and the levy on that), the last the remainder. Should
// rounding leave the last run's levy above its amount, the levy fills each run in turn.
func spread(out []CreditLine, total, levy int64, bps int) {
	last := len(out) - 1
	for i := range out {
		out[i].AmountPence = min(out[i].AmountPence, total)
		if i == last {
			out[i].AmountPence = total
		}
		total -= out[i].AmountPence
	}
	rest := levy
	for i := range out {
		out[i].LevyPence = min(Levy(out[i].AmountPence, bps), rest)
		if i == last {
			out[i].LevyPence = rest
		}
		rest -= out[i].LevyPence
	}
	if out[last].LevyPence <= out[last].AmountPence {
		return
	}
	rest = levy
	for i := range out {
		out[i].LevyPence = min(out[i].AmountPence, rest)
		rest -= out[i].LevyPence
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
