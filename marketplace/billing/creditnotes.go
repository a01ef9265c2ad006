package billing

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

// CreditNote is a credit against one invoice for nights of one placement that did not
// happen as billed.
type CreditNote struct {
	ID                 int64 `gorm:"primaryKey"`
	InvoiceID          int64
	PlacementID        int64
	CreditJobID        int64
	Memo               string
	TotalPence         int64
	LevyPence          int64
	Status             string
	StripeCreditNoteID *string
	CreatedAt          time.Time        `gorm:"->"`
	Lines              []CreditNoteLine `gorm:"foreignKey:CreditNoteID"`
}

// TableName is credit_notes.
func (CreditNote) TableName() string { return "credit_notes" }

// CreditNoteLine is a stored CreditLine.
type CreditNoteLine struct {
	ID               int64 `gorm:"primaryKey"`
	CreditNoteID     int64
	InvoiceLineID    int64
	Reason           string
	FromDate         time.Time
	ToDate           time.Time
	Days             int
	WeeklyPence      int64
	AmountPence      int64
	LevyPence        int64
	Description      string
	Netted           bool
	StripeReversalID *string
}

// TableName is credit_note_lines.
func (CreditNoteLine) TableName() string { return "credit_note_lines" }

// ProcessCredits works the credit jobs that changes to invoiced placements queued (the
// database queues one in the same transaction as the change), one at a time, claimed
// with SKIP LOCKED. It needs no Stripe: the credit notes it makes go to Stripe through
// the Stripe job queue.
func (s *Service) ProcessCredits(ctx context.Context) (int, error) {
	done := 0
	for {
		var job struct {
			ID, PlacementID int64
			Attempts        int
		}
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Raw(`SELECT id, placement_id, attempts FROM credit_jobs WHERE done_at IS NULL AND next_try_at <= now()
                ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`).Scan(&job).Error; err != nil || job.ID == 0 {
				return err
			}
			if err := tx.SavePoint("credit").Error; err != nil {
				return err
			}
			if _, err := s.creditPlacement(ctx, tx, job.PlacementID, job.ID); err != nil {
				// Kept for the admin to see, and tried again later, without holding up the rest.
				slog.ErrorContext(ctx, "credit job failed; will retry", "job", job.ID, "placement", job.PlacementID, "attempt", job.Attempts+1, "err", err)
				if err := tx.RollbackTo("credit").Error; err != nil {
					return err
				}
				backoff := min(1<<min(job.Attempts, 12), 3600)
				return tx.Exec("UPDATE credit_jobs SET attempts = attempts + 1, last_error = ?, next_try_at = now() + ? * interval '1 second' WHERE id = ?",
					err.Error(), backoff, job.ID).Error
			}
			done++
			return tx.Exec("UPDATE credit_jobs SET done_at = now() WHERE id = ?", job.ID).Error
		})
		if err != nil || job.ID == 0 {
			return done, err
		}
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
	}
}

// CreditPlacement compares what a placement's invoices still bill with what its terms
// now say and issues a credit note against each invoice that bills too much, for the
// credit job jobID. Running it again, or at the same time, credits nothing more.
func (s *Service) CreditPlacement(ctx context.Context, placementID, jobID int64) ([]CreditNote, error) {
	var notes []CreditNote
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		notes, err = s.creditPlacement(ctx, tx, placementID, jobID)
		return err
	})
	return notes, err
}

func (s *Service) creditPlacement(ctx context.Context, tx *gorm.DB, placementID, jobID int64) ([]CreditNote, error) {
	// The placement's row lock orders this after any change still being made to it, and
	// after any other credit for it.
	var locked int64
	if err := tx.Raw("SELECT id FROM placements WHERE id = ? FOR UPDATE", placementID).Scan(&locked).Error; err != nil {
		return nil, err
	}
	terms, err := s.terms(ctx, tx, "p.id = ?", placementID)
	if err != nil || len(terms) == 0 {
		return nil, err
	}
	t := terms[0].Terms
	var lines []struct {
		InvoiceLine
		InvoiceStatus string
	}
	if err := tx.Raw(`SELECT l.*, i.status AS invoice_status FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
        WHERE l.placement_id = ? AND i.status <> 'void' ORDER BY l.from_date`, placementID).Scan(&lines).Error; err != nil {
		return nil, err
	}
	byInvoice := map[int64][]CreditLine{}
	var invoices []int64
	for _, l := range lines {
		var done []CreditNoteLine
		if err := tx.Where("invoice_line_id = ?", l.ID).Find(&done).Error; err != nil {
			return nil, err
		}
		in := Invoiced{LineID: l.ID, From: l.FromDate, To: l.ToDate, WeeklyPence: l.WeeklyPence, AmountPence: l.AmountPence, LevyPence: l.LevyPence}
		for _, d := range done {
			in.Credited = append(in.Credited, CreditLine{From: d.FromDate, To: d.ToDate, WeeklyPence: d.WeeklyPence, AmountPence: d.AmountPence, LevyPence: d.LevyPence})
		}
		cs := Credits(t, in)
		if len(cs) == 0 {
			continue
		}
		if _, ok := byInvoice[l.InvoiceID]; !ok {
			invoices = append(invoices, l.InvoiceID)
		}
		byInvoice[l.InvoiceID] = append(byInvoice[l.InvoiceID], cs...)
	}
	var notes []CreditNote
	for _, invID := range invoices {
		cs := byInvoice[invID]
		cn := CreditNote{InvoiceID: invID, PlacementID: placementID, CreditJobID: jobID, Status: "pending"}
		reasons := map[string]bool{}
		var why []string
		for _, c := range cs {
			cn.TotalPence += c.AmountPence
			cn.LevyPence += c.LevyPence
			if !reasons[c.Reason] {
				reasons[c.Reason] = true
				why = append(why, CreditReasons[c.Reason])
			}
		}
		if cn.TotalPence <= 0 {
			continue
		}
		// The memo names the agreement, not the child: the consortium admin and Stripe see it.
		cn.Memo = fmt.Sprintf("%s: %s", t.Reference, strings.Join(why, "; "))
		res := tx.Omit("CreatedAt", "StripeCreditNoteID", "Lines").Clauses(onConflictNothing).Create(&cn)
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 0 {
			continue // this job credited this invoice already
		}
		for _, c := range cs {
			row := CreditNoteLine{CreditNoteID: cn.ID, InvoiceLineID: c.InvoiceLineID, Reason: c.Reason, FromDate: c.From, ToDate: c.To, Days: c.Days,
				WeeklyPence: c.WeeklyPence, AmountPence: c.AmountPence, LevyPence: c.LevyPence, Description: c.Description}
			if err := tx.Omit("Netted", "StripeReversalID").Create(&row).Error; err != nil {
				return nil, fmt.Errorf("credit line for invoice line %d: %w", c.InvoiceLineID, err)
			}
			cn.Lines = append(cn.Lines, row)
		}
		if err := s.queueStripeCalls(ctx, tx, "INSERT INTO stripe_jobs (kind, ref_id) VALUES ('credit_note', ?) ON CONFLICT DO NOTHING", cn.ID); err != nil {
			return nil, err
		}
		if err := audit.New(tx).Record(ctx, "billing.credit_note", "invoice", fmt.Sprint(invID), map[string]any{"credit_note_id": cn.ID,
			"placement_id": placementID, "total_pence": cn.TotalPence, "reasons": why}); err != nil {
			return nil, err
		}
		slog.InfoContext(ctx, "credit note", "credit_note", cn.ID, "invoice", invID, "placement", placementID, "pence", cn.TotalPence)
		notes = append(notes, cn)
	}
	return notes, nil
}

// syncCreditNote issues a credit note in Stripe against its invoice (once the invoice is
// there), and reverses the provider's share of any line whose transfer was already made.
// A credit on an invoice already paid goes to the council's balance, for its next invoice.
func (s *Service) syncCreditNote(ctx context.Context, tx *gorm.DB, id int64) error {
	var cn CreditNote
	if err := tx.Preload("Lines").First(&cn, id).Error; err != nil {
		return err
	}
	var inv Invoice
	if err := tx.First(&inv, cn.InvoiceID).Error; err != nil {
		return err
	}
	if cn.StripeCreditNoteID == nil {
		if inv.StripeInvoiceID == nil || inv.Status.IsPending() {
			return fmt.Errorf("credit note %d: invoice %d is not in Stripe yet", cn.ID, inv.ID)
		}
		p := &stripe.CreditNoteParams{Invoice: inv.StripeInvoiceID, Memo: stripe.String(cn.Memo), Reason: stripe.String(string(stripe.CreditNoteReasonOrderChange))}
		for _, l := range cn.Lines {
			p.Lines = append(p.Lines, &stripe.CreditNoteLineParams{Type: stripe.String("custom_line_item"), Description: stripe.String(l.Description),
				Quantity: stripe.Int64(1), UnitAmount: stripe.Int64(l.AmountPence)})
		}
		if inv.Status.Paid() {
			p.CreditAmount = stripe.Int64(cn.TotalPence)
		}
		p.SetIdempotencyKey(fmt.Sprintf("hearth-credit-note-%d", cn.ID))
		p.AddMetadata("hearth_credit_note_id", fmt.Sprint(cn.ID))
		p.AddMetadata("hearth_invoice_id", fmt.Sprint(inv.ID))
		note, err := s.stripe.CreditNotes.New(p)
		if err != nil {
			return fmt.Errorf("create credit note %d: %w", cn.ID, err)
		}
		if err := tx.Model(&CreditNote{}).Where("id = ?", cn.ID).Updates(map[string]any{"stripe_credit_note_id": note.ID, "status": "issued"}).Error; err != nil {
			return err
		}
	}
	for _, l := range cn.Lines {
		var line InvoiceLine
		if err := tx.First(&line, l.InvoiceLineID).Error; err != nil {
			return err
		}
		share := l.AmountPence - l.LevyPence
		if l.Netted || l.StripeReversalID != nil || line.StripeTransferID == nil || share <= 0 {
			continue
		}
		p := &stripe.TransferReversalParams{ID: line.StripeTransferID, Amount: stripe.Int64(share), Description: stripe.String(l.Description)}
		p.SetIdempotencyKey(fmt.Sprintf("hearth-reversal-%d", l.ID))
		p.AddMetadata("hearth_credit_note_line_id", fmt.Sprint(l.ID))
		rev, err := s.stripe.TransferReversals.New(p)
		if err != nil {
			return fmt.Errorf("reverse transfer for credit line %d: %w", l.ID, err)
		}
		if err := tx.Model(&CreditNoteLine{}).Where("id = ?", l.ID).Update("stripe_reversal_id", rev.ID).Error; err != nil {
			return err
		}
	}
	return nil
}

// creditedShare is the provider's share of the credits on an invoice line not yet
// settled, which its transfer keeps back, and the credit lines it is.
func creditedShare(tx *gorm.DB, lineID int64) (int64, []int64, error) {
	var rows []CreditNoteLine
	if err := tx.Where("invoice_line_id = ? AND NOT netted AND stripe_reversal_id IS NULL", lineID).Find(&rows).Error; err != nil {
		return 0, nil, err
	}
	var n int64
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		n += r.AmountPence - r.LevyPence
		ids = append(ids, r.ID)
	}
	return n, ids, nil
}
