package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

// ErrBadSignature is a webhook whose signature does not verify: nothing is processed.
var ErrBadSignature = errors.New("the webhook's Stripe-Signature does not verify")

// HandleWebhook verifies a webhook with the endpoint secret and applies its event once:
// the event's ID is stored in the same transaction as its effect, so a replay is
// acknowledged and changes nothing. Unknown events, and events about objects Hearth does
// not know, are logged and acknowledged.
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, signature string) error {
	if s.cfg.WebhookSecret == "" {
		return ErrNotConfigured
	}
	ev, err := webhook.ConstructEvent(payload, signature, s.cfg.WebhookSecret)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("INSERT INTO stripe_events (id, type) VALUES (?, ?) ON CONFLICT DO NOTHING", ev.ID, string(ev.Type))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			slog.InfoContext(ctx, "stripe webhook replayed; already processed", "event", ev.ID, "type", ev.Type)
			return nil
		}
		switch ev.Type {
		case "invoice.finalized", "invoice.paid", "invoice.payment_failed", "invoice.voided":
			return s.invoiceEvent(ctx, tx, ev)
		case "account.updated":
			return s.accountEvent(ctx, tx, ev)
		default:
			slog.InfoContext(ctx, "stripe webhook ignored", "event", ev.ID, "type", ev.Type)
			return nil
		}
	})
}

func (s *Service) invoiceEvent(ctx context.Context, tx *gorm.DB, ev stripe.Event) error {
	var si stripe.Invoice
	if err := json.Unmarshal(ev.Data.Raw, &si); err != nil {
		return fmt.Errorf("event %s: %w", ev.ID, err)
	}
	var inv Invoice
	q := tx.Model(&Invoice{})
	if id, err := strconv.ParseInt(si.Metadata["hearth_invoice_id"], 10, 64); err == nil {
		q = q.Where("id = ?", id)
	} else {
		q = q.Where("stripe_invoice_id = ?", si.ID)
	}
	if err := q.First(&inv).Error; err != nil {
		slog.WarnContext(ctx, "stripe webhook for an invoice Hearth does not know", "event", ev.ID, "type", ev.Type, "invoice", si.ID)
		return nil
	}
	status := map[stripe.EventType]InvoiceStatus{"invoice.finalized": InvoiceOpen, "invoice.paid": InvoicePaid,
		"invoice.payment_failed": InvoicePaymentFailed, "invoice.voided": InvoiceVoid}[ev.Type]
	if inv.Status.Final() {
		slog.InfoContext(ctx, "stripe webhook for an invoice already final; no effect", "event", ev.ID, "type", ev.Type, "invoice", inv.ID)
		return nil
	}
	if status != inv.Status {
		if err := inv.Status.CanTransition(status); err != nil {
			return err
		}
	}
	upd := map[string]any{"status": status}
	if status.Paid() {
		upd["paid_at"] = s.Now()
	}
	// Paid and void are final. The condition is in the UPDATE, so of two events for one
	// invoice (even at once) only the first changes it; a later one is kept as seen, and
	// does nothing more. A database trigger refuses any change to a paid invoice too.
	res := tx.Model(&Invoice{}).Where("id = ? AND status NOT IN ('paid', 'void')", inv.ID).Updates(upd)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		slog.InfoContext(ctx, "stripe webhook for an invoice already final; no effect", "event", ev.ID, "type", ev.Type, "invoice", inv.ID)
		return nil
	}
	if status.Paid() {
		if err := tx.Exec(`UPDATE invoice_lines SET transfer_status = 'queued' WHERE invoice_id = ? AND transfer_status = 'awaiting_payment'`, inv.ID).Error; err != nil {
			return err
		}
		if err := s.queueStripeCalls(ctx, tx, `INSERT INTO stripe_jobs (kind, ref_id) SELECT 'transfer', id FROM invoice_lines WHERE invoice_id = ? ON CONFLICT DO NOTHING`, inv.ID); err != nil {
			return err
		}
	}
	return audit.New(tx).Record(ctx, "billing.invoice_"+string(status), "invoice", fmt.Sprint(inv.ID), map[string]any{"event": ev.ID})
}

func (s *Service) accountEvent(ctx context.Context, tx *gorm.DB, ev stripe.Event) error {
	var acct stripe.Account
	if err := json.Unmarshal(ev.Data.Raw, &acct); err != nil {
		return fmt.Errorf("event %s: %w", ev.ID, err)
	}
	var a Account
	q := tx.Model(&Account{})
	if id, err := strconv.ParseInt(acct.Metadata["hearth_organisation_id"], 10, 64); err == nil {
		q = q.Where("organisation_id = ?", id)
	} else {
		q = q.Where("stripe_account_id = ?", acct.ID)
	}
	if err := q.First(&a).Error; err != nil {
		slog.WarnContext(ctx, "stripe webhook for an account Hearth does not know", "event", ev.ID, "account", acct.ID)
		return nil
	}
	if err := tx.Model(&Account{}).Where("organisation_id = ?", a.OrganisationID).Updates(map[string]any{"details_submitted": acct.DetailsSubmitted,
		"charges_enabled": acct.ChargesEnabled, "payouts_enabled": acct.PayoutsEnabled, "updated_at": s.Now()}).Error; err != nil {
		return err
	}
	if acct.PayoutsEnabled {
		// Transfers that waited for onboarding go now.
		if err := tx.Exec(`UPDATE invoice_lines SET transfer_status = 'queued' WHERE provider_id = ? AND transfer_status = 'waiting_onboarding'`, a.OrganisationID).Error; err != nil {
			return err
		}
		if err := s.queueStripeCalls(ctx, tx, `INSERT INTO stripe_jobs (kind, ref_id) SELECT 'transfer', id FROM invoice_lines WHERE provider_id = ? AND transfer_status = 'queued'
            ON CONFLICT (kind, ref_id) DO UPDATE SET status = 'pending', next_try_at = now() WHERE stripe_jobs.status = 'done'`, a.OrganisationID); err != nil {
			return err
		}
	}
	return audit.New(tx).Record(ctx, "billing.account_updated", "organisation", fmt.Sprint(a.OrganisationID), map[string]any{"event": ev.ID,
		"payouts_enabled": acct.PayoutsEnabled, "charges_enabled": acct.ChargesEnabled})
}
