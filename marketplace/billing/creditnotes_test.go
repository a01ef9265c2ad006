package billing_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

// invoiceAhead invoices November and, in advance on 27 November, December, and sends
// both to Stripe (stripe-mock).
func (w *world) invoiceAhead(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	must(t, w.b.SetBillingContact(ctx, w.council.ID, "invoices@manchester.test"))
	for _, m := range []time.Time{november, december} {
		start, end := billing.MonthOf(m)
		res, err := w.b.Run(ctx, w.consortium.ID, start, end, 0)
		must(t, err)
		if res.Created != 1 {
			t.Fatalf("%s: %+v", start.Format("January"), res)
		}
	}
	_, err := w.b.ProcessJobs(ctx)
	must(t, err)
	w.mk.Now = func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) }
}

// credits returns, by invoice month, the pence credited to placement p.
func (w *world) credits(t *testing.T, p marketplace.Placement) map[string]int64 {
	t.Helper()
	invs, err := w.b.CouncilInvoices(context.Background(), w.council.ID)
	must(t, err)
	out := map[string]int64{}
	for _, inv := range invs {
		for _, cn := range inv.CreditNotes {
			if cn.PlacementID == p.ID {
				out[inv.PeriodStart.Format("Jan")] += cn.TotalPence
			}
		}
	}
	return out
}

func (w *world) pendingCreditJobs(t *testing.T) int64 {
	t.Helper()
	var n int64
	must(t, w.db.Gorm.Raw("SELECT count(*) FROM credit_jobs WHERE done_at IS NULL").Scan(&n).Error)
	return n
}

func endReason() string {
	for _, r := range marketplace.EndReasons {
		if r.Code != "did_not_start" {
			return r.Code
		}
	}
	return ""
}

// TestCreditNoteWhenAPlacementEndsEarly: placement A (from 10 November at £4,200 a week)
// is invoiced for November and, in advance, December; the child leaves on 20 November.
func TestCreditNoteWhenAPlacementEndsEarly(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.history(t)
	w.invoiceAhead(t)
	a := w.placements[0]
	_, err := w.mk.EndPlacement(ctx, a.ID, marketplace.Viewer{OrgID: w.council.ID, Kind: kernel.KindCouncil}, 0,
		marketplace.Ending{EndedOn: d("2026-11-20"), Reason: endReason(), Note: "Ended early"})
	must(t, err)
	if n := w.pendingCreditJobs(t); n != 1 {
		t.Fatalf("ending the placement queued %d credit jobs", n)
	}
	_, err = w.b.ProcessJobs(ctx)
	must(t, err)
	// November: 21 nights billed (£12,600), 10 happened (£6,000). December: all 31 nights.
	if got, want := fmt.Sprint(w.credits(t, a)), fmt.Sprint(map[string]int64{"Nov": 660000, "Dec": 1860000}); got != want {
		t.Fatalf("credited %s, want %s", got, want)
	}
	invs, _ := w.b.CouncilInvoices(ctx, w.council.ID)
	for _, inv := range invs {
		for _, cn := range inv.CreditNotes {
			if cn.Status != "issued" || cn.StripeCreditNoteID == nil || len(cn.Lines) != 1 || cn.Lines[0].Reason != billing.ReasonEndedEarly {
				t.Fatalf("credit note %+v", cn)
			}
		}
		if inv.PeriodStart.Equal(december) && inv.NetPence() != inv.TotalPence-1860000 {
			t.Fatalf("December nets %d of %d", inv.NetPence(), inv.TotalPence)
		}
	}
	if w.pendingCreditJobs(t) != 0 {
		t.Fatal("the credit job is still waiting")
	}
	// Working the queue again credits nothing more.
	_, err = w.b.ProcessJobs(ctx)
	must(t, err)
	var notes int64
	w.db.Gorm.Table("credit_notes").Count(&notes)
	if notes != 2 {
		t.Fatalf("%d credit notes", notes)
	}
}

// TestCreditNotesForABackdatedFeeAndAMovedStart: C's fee falls from £4,300.50 to £4,000
// from 25 November, agreed on the 27th; A's start is corrected from the 10th to the 12th
// (by whichever code: the database queues the credit).
func TestCreditNotesForABackdatedFeeAndAMovedStart(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.history(t)
	w.invoiceAhead(t)
	a, c := w.placements[0], w.placements[2]
	_, err := w.mk.ChangeFee(ctx, c.ID, w.council.ID, 0, marketplace.FeeChange{EffectiveFrom: d("2026-11-25"), CorePence: 400000, Reason: "Agreed reduction"})
	must(t, err)
	must(t, w.db.Gorm.Exec("UPDATE placements SET started_on = '2026-11-12' WHERE id = ?", a.ID).Error)
	if n := w.pendingCreditJobs(t); n != 2 {
		t.Fatalf("%d credit jobs queued", n)
	}
	n, err := w.b.ProcessCredits(ctx)
	must(t, err)
	if n != 2 {
		t.Fatalf("%d credit jobs worked", n)
	}
	// C, November: 16 nights at £4,300.50 = £9,829.71 billed; 10 at £4,300.50 + 6 at £4,000
	// = £9,572.14 owed. December: 31 × (£4,300.50 − £4,000) less rounding = £1,330.78.
	if got, want := fmt.Sprint(w.credits(t, c)), fmt.Sprint(map[string]int64{"Nov": 25757, "Dec": 133078}); got != want {
		t.Fatalf("fee change credited %s, want %s", got, want)
	}
	// A: 2 nights at £4,200 a week.
	if got, want := fmt.Sprint(w.credits(t, a)), fmt.Sprint(map[string]int64{"Nov": 120000}); got != want {
		t.Fatalf("start move credited %s, want %s", got, want)
	}
	// A higher fee backdated credits nothing.
	_, err = w.mk.ChangeFee(ctx, c.ID, w.council.ID, 0, marketplace.FeeChange{EffectiveFrom: d("2026-11-28"), CorePence: 500000, Reason: "Agreed increase"})
	must(t, err)
	_, err = w.b.ProcessCredits(ctx)
	must(t, err)
	if got, want := fmt.Sprint(w.credits(t, c)), fmt.Sprint(map[string]int64{"Nov": 25757, "Dec": 133078}); got != want {
		t.Fatalf("after an increase %s, want %s", got, want)
	}
}

// TestTwoCreditRunsForOneChangeMakeOneCreditNote works one change by several workers at
// once, with the same job and with another: each invoice is credited once.
func TestTwoCreditRunsForOneChangeMakeOneCreditNote(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.history(t)
	w.invoiceAhead(t)
	a := w.placements[0]
	must(t, w.db.Gorm.Exec("UPDATE placements SET status = 'ended', ended_on = '2026-11-20', end_reason = ? WHERE id = ?", endReason(), a.ID).Error)
	var jobs [2]int64
	must(t, w.db.Gorm.Raw("SELECT id FROM credit_jobs WHERE placement_id = ?", a.ID).Scan(&jobs[0]).Error)
	must(t, w.db.Gorm.Raw("INSERT INTO credit_jobs (placement_id, reason, done_at) VALUES (?, 'again', now()) RETURNING id", a.ID).Scan(&jobs[1]).Error)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.b.CreditPlacement(ctx, a.ID, jobs[i%2])
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	if got, want := fmt.Sprint(w.credits(t, a)), fmt.Sprint(map[string]int64{"Nov": 660000, "Dec": 1860000}); got != want {
		t.Fatalf("credited %s, want %s", got, want)
	}
	var notes int64
	w.db.Gorm.Table("credit_notes").Count(&notes)
	if notes != 2 {
		t.Fatalf("%d credit notes for two invoices", notes)
	}
}

// TestTheDatabaseRefusesToCreditANightMoreThanItWasInvoiced writes credits with raw SQL
// as the application's role, past every check in Go.
func TestTheDatabaseRefusesToCreditANightMoreThanItWasInvoiced(t *testing.T) {
	w := newWorld(t)
	w.history(t)
	w.invoiceAhead(t)
	db := w.db.Gorm
	a := w.placements[0]
	var line billing.InvoiceLine // A, November: 10–30 November, 21 nights at £4,200, £12,600
	must(t, db.Raw("SELECT l.* FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE l.placement_id = ? AND i.period_start = '2026-11-01'", a.ID).Scan(&line).Error)
	var job, note int64
	must(t, db.Raw("INSERT INTO credit_jobs (placement_id, reason, done_at) VALUES (?, 'test', now()) RETURNING id", a.ID).Scan(&job).Error)
	must(t, db.Raw("INSERT INTO credit_notes (invoice_id, placement_id, credit_job_id, memo, total_pence, levy_pence) VALUES (?, ?, ?, 'test', 1, 0) RETURNING id",
		line.InvoiceID, a.ID, job).Scan(&note).Error)
	credit := func(from, to string, days int, weekly, amount int64) error {
		return db.Exec(`INSERT INTO credit_note_lines (credit_note_id, invoice_line_id, reason, from_date, to_date, days, weekly_pence, amount_pence, levy_pence, description)
            VALUES (?, ?, 'ended_early', ?, ?, ?, ?, ?, 0, 'test')`, note, line.ID, from, to, days, weekly, amount).Error
	}
	tests := []struct {
		name           string
		from, to       string
		days           int
		weekly, amount int64
		ok             bool
	}{
		{"MoreThanTheLine", "2026-11-10", "2026-12-01", 21, 420000, 1260001, false},
		{"NightsBeforeTheLine", "2026-11-09", "2026-11-11", 2, 420000, 120000, false},
		{"NightsAfterTheLine", "2026-11-30", "2026-12-02", 2, 420000, 120000, false},
		{"MoreAWeekThanTheFee", "2026-11-20", "2026-11-21", 1, 420001, 60000, false},
		{"HalfTheFeeForTenNights", "2026-11-20", "2026-11-30", 10, 210000, 300000, true},
		{"TheOtherHalf", "2026-11-20", "2026-11-30", 10, 210000, 300000, true},
		{"AThirdTimeForOneOfThoseNights", "2026-11-29", "2026-11-30", 1, 1, 0, false},
		{"TheRestOfTheLine", "2026-11-10", "2026-11-20", 10, 420000, 600000, true},
		{"APennyMore", "2026-11-30", "2026-12-01", 1, 420000, 60001, false},
		{"TheLastNight", "2026-11-30", "2026-12-01", 1, 420000, 60000, true},
	}
	for _, tt := range tests {
		err := credit(tt.from, tt.to, tt.days, tt.weekly, tt.amount)
		if (err == nil) != tt.ok {
			t.Fatalf("%s: err %v", tt.name, err)
		}
	}
	// Two credits of the whole December line at once: the database takes one.
	var dec billing.InvoiceLine
	must(t, db.Raw("SELECT l.* FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE l.placement_id = ? AND i.period_start = '2026-12-01'", a.ID).Scan(&dec).Error)
	var wg sync.WaitGroup
	results := make(chan error, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results <- db.Exec(`INSERT INTO credit_note_lines (credit_note_id, invoice_line_id, reason, from_date, to_date, days, weekly_pence, amount_pence, levy_pence, description)
                VALUES (?, ?, 'ended_early', ?, ?, ?, ?, ?, 0, 'race')`, note, dec.ID, dec.FromDate, dec.ToDate, dec.Days, dec.WeeklyPence, dec.AmountPence).Error
		}()
	}
	wg.Wait()
	close(results)
	ok := 0
	for err := range results {
		if err == nil {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d of two concurrent full credits stored", ok)
	}
}

// TestAnInvoiceIsPaidOnce: two distinct invoice.paid events for one invoice, one after the
// other and at once: the first applies, the rest are recorded as seen and change nothing.
func TestAnInvoiceIsPaidOnce(t *testing.T) {
	for _, concurrent := range []bool{false, true} {
		t.Run(map[bool]string{false: "OneAfterTheOther", true: "AtOnce"}[concurrent], func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t)
			w.history(t)
			must(t, w.b.SetBillingContact(ctx, w.council.ID, "invoices@manchester.test"))
			_, err := w.b.Run(ctx, w.consortium.ID, november, december, 0)
			must(t, err)
			_, err = w.b.ProcessJobs(ctx)
			must(t, err)
			invs, _ := w.b.CouncilInvoices(ctx, w.council.ID)
			inv := invs[0]
			event := func(i int) ([]byte, string) {
				return signed(t, map[string]any{"id": fmt.Sprintf("evt_paid_%d", i), "type": "invoice.paid", "data": map[string]any{"object": map[string]any{
					"id": "in_x", "object": "invoice", "metadata": map[string]string{"hearth_invoice_id": fmt.Sprint(inv.ID)}}}})
			}
			first := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
			w.b.Now = func() time.Time { return first }
			if concurrent {
				var wg sync.WaitGroup
				errs := make(chan error, 4)
				for i := range 4 {
					payload, header := event(i)
					wg.Add(1)
					go func() { defer wg.Done(); errs <- w.b.HandleWebhook(ctx, payload, header) }()
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					must(t, err)
				}
			} else {
				payload, header := event(1)
				must(t, w.b.HandleWebhook(ctx, payload, header))
				w.b.Now = func() time.Time { return first.Add(48 * time.Hour) }
				payload, header = event(2)
				must(t, w.b.HandleWebhook(ctx, payload, header))
			}
			invs, _ = w.b.CouncilInvoices(ctx, w.council.ID)
			if invs[0].Status != "paid" || invs[0].PaidAt == nil || !invs[0].PaidAt.Equal(first) {
				t.Fatalf("status %q paid at %v, want %v", invs[0].Status, invs[0].PaidAt, first)
			}
			if _, n, _ := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "billing.invoice_paid"}, 0, 5); n != 1 {
				t.Fatalf("paid applied %d times", n)
			}
			var seen, transfers int64
			w.db.Gorm.Table("stripe_events").Count(&seen)
			w.db.Gorm.Table("stripe_jobs").Where("kind = 'transfer'").Count(&transfers)
			if want := map[bool]int64{false: 2, true: 4}[concurrent]; seen != want || transfers != 4 {
				t.Fatalf("%d events seen (want %d), %d transfers queued", seen, want, transfers)
			}
			// The database refuses to change a paid invoice, whatever the code does.
			if err := w.db.Gorm.Exec("UPDATE invoices SET paid_at = now() WHERE id = ?", inv.ID).Error; err == nil {
				t.Fatal("paid_at was rewritten")
			}
			if err := w.db.Gorm.Exec("UPDATE invoices SET status = 'open' WHERE id = ?", inv.ID).Error; err == nil {
				t.Fatal("a paid invoice was reopened")
			}
		})
	}
}

// TestTheProviderGivesBackItsShareOfACredit: November is paid and transferred before A
// ends, so its share is reversed; December is paid after, so its transfer keeps it back.
func TestTheProviderGivesBackItsShareOfACredit(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.history(t)
	w.invoiceAhead(t)
	_, err := w.b.Onboard(ctx, w.provider.ID, "https://hearth.test/billing", "https://hearth.test/billing")
	must(t, err)
	must(t, w.db.Gorm.Exec("UPDATE billing_accounts SET payouts_enabled = true").Error)
	invs, _ := w.b.CouncilInvoices(ctx, w.council.ID)
	byMonth := map[string]billing.Invoice{}
	for _, inv := range invs {
		byMonth[inv.PeriodStart.Format("Jan")] = inv
	}
	pay := func(inv billing.Invoice) {
		payload, header := signed(t, map[string]any{"id": fmt.Sprintf("evt_pay_%d", inv.ID), "type": "invoice.paid", "data": map[string]any{"object": map[string]any{
			"id": "in_x", "object": "invoice", "metadata": map[string]string{"hearth_invoice_id": fmt.Sprint(inv.ID)}}}})
		must(t, w.b.HandleWebhook(ctx, payload, header))
		_, err := w.b.ProcessJobs(ctx)
		must(t, err)
	}
	pay(byMonth["Nov"])
	a := w.placements[0]
	_, err = w.mk.EndPlacement(ctx, a.ID, marketplace.Viewer{OrgID: w.council.ID, Kind: kernel.KindCouncil}, 0,
		marketplace.Ending{EndedOn: d("2026-11-20"), Reason: endReason(), Note: "Ended early"})
	must(t, err)
	_, err = w.b.ProcessJobs(ctx)
	must(t, err)
	pay(byMonth["Dec"])
	var nov, dec struct {
		TransferStatus   string
		StripeReversalID *string
		Netted           bool
	}
	q := `SELECT l.transfer_status, c.stripe_reversal_id, c.netted FROM credit_note_lines c JOIN invoice_lines l ON l.id = c.invoice_line_id
        JOIN invoices i ON i.id = l.invoice_id WHERE i.period_start = ?`
	must(t, w.db.Gorm.Raw(q, november).Scan(&nov).Error)
	must(t, w.db.Gorm.Raw(q, december).Scan(&dec).Error)
	if nov.TransferStatus != "sent" || nov.StripeReversalID == nil || nov.Netted {
		t.Fatalf("November: %+v", nov)
	}
	if dec.TransferStatus != "credited" || dec.StripeReversalID != nil || !dec.Netted {
		t.Fatalf("December: %+v", dec)
	}
	// A's November share after the credit: 10 nights, £6,000 less 1.5% levy (£90).
	pays, err := w.b.ProviderPayments(ctx, w.provider.ID)
	must(t, err)
	_, received, err := w.b.PaymentTotals(ctx, w.provider.ID)
	must(t, err)
	var want int64
	for _, p := range pays {
		if p.TransferStatus == "sent" {
			want += p.AmountPence - p.LevyPence
		}
	}
	if want-received != 660000-9900 {
		t.Fatalf("received %d of %d transferred: credit share %d", received, want, want-received)
	}
}
