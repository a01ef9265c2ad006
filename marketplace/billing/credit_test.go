package billing_test

import (
	"testing"

	"github.com/hearth-placements/hearth/marketplace/billing"
)

// TestCreditsToThePenny credits invoice lines billed in advance for nights that did not
// happen as billed. Each case is one November line (30 nights at £4,200 a week, £18,000,
// levy 150 bp = £270) unless it says otherwise.
func TestCreditsToThePenny(t *testing.T) {
	nov := billing.Invoiced{LineID: 1, From: d("2026-11-01"), To: d("2026-12-01"), WeeklyPence: 420000, AmountPence: 1800000, LevyPence: 27000}
	fees := []billing.Fee{{From: d("2026-10-01"), WeeklyPence: 420000}}
	terms := func(started string, ended string, fees ...billing.Fee) billing.Terms {
		t := billing.Terms{StartedOn: d(started), Fees: fees, LevyBPS: 150}
		if ended != "" {
			t.EndedOn = ptr(d(ended))
		}
		return t
	}
	type credit struct {
		from, to       string
		weekly, amount int64
		levy           int64
		reason         string
	}
	tests := []struct {
		name  string
		terms billing.Terms
		line  billing.Invoiced
		want  []credit
	}{
		// Left on the 18th: nights 18–30 (13) credited; 17 nights stay billed, 17 × 4,200 ÷ 7 = 10,200.
		{"EndsMidMonth", terms("2026-10-01", "2026-11-18", fees...), nov,
			[]credit{{"2026-11-18", "2026-12-01", 420000, 780000, 11700, billing.ReasonEndedEarly}}},
		// Left on the 30th: the last night invoiced is credited.
		{"EndsOnTheLastInvoicedNight", terms("2026-10-01", "2026-11-30", fees...), nov,
			[]credit{{"2026-11-30", "2026-12-01", 420000, 60000, 900, billing.ReasonEndedEarly}}},
		// Left on 1 December: every November night happened.
		{"EndsTheDayAfterTheLastInvoicedNight", terms("2026-10-01", "2026-12-01", fees...), nov, nil},
		// December invoiced in advance, and the child left on 20 November: all of it back.
		{"EndsBeforeThePeriodStarts", terms("2026-10-01", "2026-11-20", fees...),
			billing.Invoiced{LineID: 2, From: d("2026-12-01"), To: d("2027-01-01"), WeeklyPence: 420000, AmountPence: 1860000, LevyPence: 27900},
			[]credit{{"2026-12-01", "2027-01-01", 420000, 1860000, 27900, billing.ReasonEndedEarly}}},
		// £3,500 from 15 November, agreed later: 16 nights at £700 a week less; 14 × 600 + 16 × 500 = 16,400 stays billed.
		{"LowerFeeBackdated", terms("2026-10-01", "", billing.Fee{From: d("2026-10-01"), WeeklyPence: 420000}, billing.Fee{From: d("2026-11-15"), WeeklyPence: 350000}), nov,
			[]credit{{"2026-11-15", "2026-12-01", 70000, 160000, 2400, billing.ReasonFeeBackdated}}},
		// A higher fee backdated is not credited: a credit note only takes away.
		{"HigherFeeBackdated", terms("2026-10-01", "", billing.Fee{From: d("2026-10-01"), WeeklyPence: 420000}, billing.Fee{From: d("2026-11-15"), WeeklyPence: 490000}), nov, nil},
		// Billed from 3 November; the child arrived on the 10th: 7 nights back.
		{"StartMovedLater", terms("2026-11-10", "", billing.Fee{From: d("2026-11-03"), WeeklyPence: 420000}),
			billing.Invoiced{LineID: 3, From: d("2026-11-03"), To: d("2026-12-01"), WeeklyPence: 420000, AmountPence: 1680000, LevyPence: 25200},
			[]credit{{"2026-11-03", "2026-11-10", 420000, 420000, 6300, billing.ReasonStartMoved}}},
		// Rounding: 30 nights at £4,450.02 = 19,071.51; 11 nights stay = 6,992.89 (what an invoice
		// run would bill now), so 19 nights give back 12,078.62, not 19 × 4,450.02 ÷ 7 = 12,078.63.
		{"RoundsToWhatStaysBilled", terms("2026-10-01", "2026-11-12", billing.Fee{From: d("2026-10-01"), WeeklyPence: 445002}),
			billing.Invoiced{LineID: 4, From: d("2026-11-01"), To: d("2026-12-01"), WeeklyPence: 445002, AmountPence: 1907151, LevyPence: billing.Levy(1907151, 150)},
			[]credit{{"2026-11-12", "2026-12-01", 445002, 1207862, billing.Levy(1907151, 150) - billing.Levy(699289, 150), billing.ReasonEndedEarly}}},
		// The lower fee was credited already; then the child left on the 20th: the rest of those nights.
		{"EndsAfterALowerFeeWasCredited", terms("2026-10-01", "2026-11-20", billing.Fee{From: d("2026-10-01"), WeeklyPence: 420000}, billing.Fee{From: d("2026-11-15"), WeeklyPence: 350000}),
			billing.Invoiced{LineID: 1, From: d("2026-11-01"), To: d("2026-12-01"), WeeklyPence: 420000, AmountPence: 1800000, LevyPence: 27000,
				Credited: []billing.CreditLine{{From: d("2026-11-15"), To: d("2026-12-01"), WeeklyPence: 70000, AmountPence: 160000, LevyPence: 2400}}},
			[]credit{{"2026-11-20", "2026-12-01", 350000, 550000, 8250, billing.ReasonEndedEarly}}}, // 16,400 − (14 × 600 + 5 × 500)
		// Credited in full already: nothing more, however it changes.
		{"AlreadyCreditedInFull", terms("2026-10-01", "2026-10-20", fees...),
			billing.Invoiced{LineID: 1, From: d("2026-11-01"), To: d("2026-12-01"), WeeklyPence: 420000, AmountPence: 1800000, LevyPence: 27000,
				Credited: []billing.CreditLine{{From: d("2026-11-01"), To: d("2026-12-01"), WeeklyPence: 420000, AmountPence: 1800000, LevyPence: 27000}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := billing.Credits(tt.terms, tt.line)
			if len(got) != len(tt.want) {
				t.Fatalf("%d credit lines %+v, want %d", len(got), got, len(tt.want))
			}
			for i, c := range got {
				w := tt.want[i]
				if !c.From.Equal(d(w.from)) || !c.To.Equal(d(w.to)) || c.WeeklyPence != w.weekly || c.AmountPence != w.amount || c.LevyPence != w.levy || c.Reason != w.reason {
					t.Errorf("credit %d: %s to %s at %d = %d (levy %d, %s), want %+v", i, c.From.Format("2 Jan"), c.To.Format("2 Jan"), c.WeeklyPence, c.AmountPence, c.LevyPence, c.Reason, w)
				}
				if c.Days != int(c.To.Sub(c.From).Hours()/24) || c.InvoiceLineID != tt.line.LineID || c.Description == "" {
					t.Errorf("credit %d: %+v", i, c)
				}
			}
		})
	}
}
