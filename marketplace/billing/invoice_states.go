package billing

import (
	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// InvoiceStatus is where a council's monthly invoice stands. The database's CHECK on
// invoices.status allows exactly InvoiceMachine.States.
type InvoiceStatus string

// The statuses of an invoice.
const (
	InvoicePending       InvoiceStatus = "pending"        // drafted in Hearth and Stripe, not yet finalised
	InvoiceSent          InvoiceStatus = "sent"           // finalised by Hearth and sent to the council
	InvoiceOpen          InvoiceStatus = "open"           // finalised, as Stripe reported
	InvoicePaid          InvoiceStatus = "paid"           // the council paid it; providers' transfers are queued
	InvoicePaymentFailed InvoiceStatus = "payment_failed" // an attempt to collect failed; it may still be paid
	InvoiceVoid          InvoiceStatus = "void"           // cancelled in Stripe
)

// InvoiceMachine holds the legal changes of an invoice. Stripe's webhooks may arrive
// in any order, so every unfinished status may move to any later one; paid and void
// are final (a database trigger refuses any change to them too).
//
//	pending → sent                         Hearth finalises it
//	pending, sent, payment_failed → open   invoice.finalized
//	pending … open → paid, payment_failed, void   invoice.paid, invoice.payment_failed, invoice.voided
//
// As a Mermaid diagram (TestStateDiagramsMatchTables keeps it in step with Next):
//
//	stateDiagram-v2
//	    [*] --> pending
//	    pending --> sent
//	    pending --> open
//	    pending --> paid
//	    pending --> payment_failed
//	    pending --> void
//	    sent --> open
//	    sent --> paid
//	    sent --> payment_failed
//	    sent --> void
//	    open --> paid
//	    open --> payment_failed
//	    open --> void
//	    payment_failed --> open
//	    payment_failed --> paid
//	    payment_failed --> void
//	    paid --> [*]
//	    void --> [*]
var InvoiceMachine = kernel.Machine[InvoiceStatus]{
	Object: "invoice",
	States: []InvoiceStatus{InvoicePending, InvoiceSent, InvoiceOpen, InvoicePaid, InvoicePaymentFailed, InvoiceVoid},
	Next: map[InvoiceStatus][]InvoiceStatus{
		InvoicePending:       {InvoiceSent, InvoiceOpen, InvoicePaid, InvoicePaymentFailed, InvoiceVoid},
		InvoiceSent:          {InvoiceOpen, InvoicePaid, InvoicePaymentFailed, InvoiceVoid},
		InvoiceOpen:          {InvoicePaid, InvoicePaymentFailed, InvoiceVoid},
		InvoicePaymentFailed: {InvoiceOpen, InvoicePaid, InvoiceVoid},
	},
}

// CanTransition returns nil if an invoice may move from s to to, and an
// *kernel.IllegalTransition otherwise.
func (s InvoiceStatus) CanTransition(to InvoiceStatus) error { return InvoiceMachine.Check(s, to) }

// Transition moves inv to status to, or returns an *kernel.IllegalTransition.
func (inv *Invoice) Transition(to InvoiceStatus) error {
	if err := inv.Status.CanTransition(to); err != nil {
		return err
	}
	inv.Status = to
	return nil
}

// IsPending says whether the invoice is not finalised yet.
func (s InvoiceStatus) IsPending() bool { return s == InvoicePending }

// Paid says whether the council paid it.
func (s InvoiceStatus) Paid() bool { return s == InvoicePaid }

// Final says whether the invoice can no longer change: paid or void.
func (s InvoiceStatus) Final() bool { return InvoiceMachine.Final(s) }

// Transfer statuses of an invoice line: how the provider's share is paid over.
const (
	TransferAwaitingPayment   = "awaiting_payment"   // the council has not paid the invoice
	TransferWaitingOnboarding = "waiting_onboarding" // paid, but the provider cannot be paid yet
	TransferQueued            = "queued"             // the transfer is being made
	TransferSent              = "sent"               // paid over to the provider
	TransferCredited          = "credited"           // credited back to the council
)

// PaidOver says whether the provider has been paid the line.
func (l InvoiceLine) PaidOver() bool { return l.TransferStatus == TransferSent }

// WaitingOnboarding says whether the line waits for the provider's Stripe onboarding.
func (l InvoiceLine) WaitingOnboarding() bool { return l.TransferStatus == TransferWaitingOnboarding }

// BeingPaid says whether the transfer to the provider is queued.
func (l InvoiceLine) BeingPaid() bool { return l.TransferStatus == TransferQueued }

// Credit note statuses.
const (
	CreditNotePending = "pending" // waiting to be issued in Stripe
	CreditNoteIssued  = "issued"  // issued in Stripe
)

// Issued says whether the credit note was issued in Stripe.
func (cn CreditNote) Issued() bool { return cn.Status == CreditNoteIssued }

// Issued says whether the credit note was issued in Stripe.
func (cr CreditRow) Issued() bool { return cr.Status == CreditNoteIssued }
