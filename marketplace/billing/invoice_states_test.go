package billing_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace/billing"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestInvoiceTransitions holds every pair of invoice statuses against the rules:
// Stripe's events may come in any order, so any unfinished status moves on to any
// later one; paid and void are final; nothing goes back to pending or sent.
func TestInvoiceTransitions(t *testing.T) {
	const (
		pending = billing.InvoicePending
		sent    = billing.InvoiceSent
		open    = billing.InvoiceOpen
		paid    = billing.InvoicePaid
		failed  = billing.InvoicePaymentFailed
		void    = billing.InvoiceVoid
	)
	legal := map[[2]billing.InvoiceStatus]bool{{pending, sent}: true}
	for _, from := range []billing.InvoiceStatus{pending, sent, open, failed} {
		for _, to := range []billing.InvoiceStatus{open, paid, failed, void} {
			if from != to {
				legal[[2]billing.InvoiceStatus{from, to}] = true
			}
		}
	}
	for _, from := range billing.InvoiceMachine.States {
		for _, to := range billing.InvoiceMachine.States {
			ok := legal[[2]billing.InvoiceStatus{from, to}]
			t.Run(string(from)+"_to_"+string(to), func(t *testing.T) {
				err := from.CanTransition(to)
				if ok != (err == nil) || (!ok && !errors.Is(err, kernel.ErrIllegalTransition)) {
					t.Errorf("CanTransition = %v, want legal %v", err, ok)
				}
				inv := billing.Invoice{Status: from}
				if err := inv.Transition(to); (err == nil) != ok || (!ok && inv.Status != from) {
					t.Errorf("Transition: %v, status %s", err, inv.Status)
				}
			})
		}
	}
	for _, s := range billing.InvoiceMachine.States {
		if want := s == paid || s == void; s.Final() != want {
			t.Errorf("%s: Final %v, want %v", s, s.Final(), want)
		}
	}
}

func TestInvoiceStatusesAgreeWithTheDatabase(t *testing.T) {
	var goSide []string
	for _, s := range billing.InvoiceMachine.States {
		goSide = append(goSide, string(s))
	}
	slices.Sort(goSide)
	if db := dbtest.CheckValues(t, dbtest.Open(t), "invoices", "status"); !slices.Equal(goSide, db) {
		t.Errorf("Go statuses %v, database CHECK %v", goSide, db)
	}
	transfers := []string{billing.TransferAwaitingPayment, billing.TransferWaitingOnboarding, billing.TransferQueued, billing.TransferSent, billing.TransferCredited}
	slices.Sort(transfers)
	if db := dbtest.CheckValues(t, dbtest.Open(t), "invoice_lines", "transfer_status"); !slices.Equal(transfers, db) {
		t.Errorf("Go transfer statuses %v, database CHECK %v", transfers, db)
	}
}
