package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

// ErrStripe is Stripe refusing or failing a call made while someone waits for it.
var ErrStripe = errors.New("the payment provider (Stripe) could not complete the request")

// ErrNotConfigured is returned when no Stripe key is set.
var ErrNotConfigured = fmt.Errorf("billing is not configured: set STRIPE_SECRET_KEY (and STRIPE_API_BASE for stripe-mock): %w", kernel.ErrConflict)

// Config is how Hearth reaches Stripe.
type Config struct {
	SecretKey     string // STRIPE_SECRET_KEY; empty: billing off
	APIBase       string // STRIPE_API_BASE, e.g. http://127.0.0.1:12111 for stripe-mock
	WebhookSecret string // STRIPE_WEBHOOK_SECRET
}

// Service is billing.
type Service struct {
	db     *gorm.DB
	stripe *client.API
	cfg    Config
	Now    func() time.Time
	queue  Enqueuer
}

// Enqueuer is told, in the transaction that queued them, that Stripe calls are waiting
// in stripe_jobs, so that a job to make them commits (or rolls back) with them. The
// stripe_jobs rows stay the source of truth: ProcessJobs works whatever is due.
type Enqueuer interface {
	EnqueueStripeCalls(ctx context.Context, tx *gorm.DB) error
}

// WithEnqueuer returns the Service telling q of the Stripe calls it queues.
func (s *Service) WithEnqueuer(q Enqueuer) *Service {
	c := *s
	c.queue = q
	return &c
}

// queueStripeCalls runs insert, a statement adding rows to stripe_jobs, in tx and tells
// the Enqueuer when it added any.
func (s *Service) queueStripeCalls(ctx context.Context, tx *gorm.DB, insert string, args ...any) error {
	res := tx.Exec(insert, args...)
	if res.Error != nil || res.RowsAffected == 0 || s.queue == nil {
		return res.Error
	}
	return s.queue.EnqueueStripeCalls(ctx, tx)
}

// NewService returns billing on db, talking to Stripe as cfg says (or not at all).
func NewService(db *gorm.DB, cfg Config) *Service {
	s := &Service{db: db, cfg: cfg, Now: time.Now}
	if cfg.SecretKey != "" {
		bc := &stripe.BackendConfig{HTTPClient: &http.Client{Timeout: 20 * time.Second}, MaxNetworkRetries: stripe.Int64(0),
			LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelError}}
		if cfg.APIBase != "" {
			bc.URL = stripe.String(cfg.APIBase)
		}
		s.stripe = client.New(cfg.SecretKey, &stripe.Backends{API: stripe.GetBackendWithConfig(stripe.APIBackend, bc),
			Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, bc), Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, bc)})
	}
	return s
}

// Configured reports whether Stripe is set up.
func (s *Service) Configured() bool { return s.stripe != nil }

// Account is a provider's Stripe Connect account as Hearth knows it.
type Account struct {
	OrganisationID   int64 `gorm:"primaryKey"`
	StripeAccountID  string
	DetailsSubmitted bool
	ChargesEnabled   bool
	PayoutsEnabled   bool
	UpdatedAt        time.Time
}

// TableName is billing_accounts.
func (Account) TableName() string { return "billing_accounts" }

// Ready reports whether the provider can be paid.
func (a Account) Ready() bool { return a.PayoutsEnabled }

// AccountOf returns a provider's account (ok false when it has not started onboarding).
func (s *Service) AccountOf(ctx context.Context, orgID int64) (Account, bool, error) {
	var a Account
	err := s.db.WithContext(ctx).First(&a, orgID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, false, nil
	}
	return a, err == nil, err
}

// Onboard creates the provider's Express account in GB (once) and returns a fresh Account
// Link to Stripe's onboarding, which the provider can use to start or resume.
func (s *Service) Onboard(ctx context.Context, orgID int64, returnURL, refreshURL string) (string, error) {
	if !s.Configured() {
		return "", ErrNotConfigured
	}
	a, ok, err := s.AccountOf(ctx, orgID)
	if err != nil {
		return "", err
	}
	if !ok {
		p := &stripe.AccountParams{Type: stripe.String(string(stripe.AccountTypeExpress)), Country: stripe.String("GB"),
			Capabilities: &stripe.AccountCapabilitiesParams{Transfers: &stripe.AccountCapabilitiesTransfersParams{Requested: stripe.Bool(true)}}}
		p.SetIdempotencyKey(fmt.Sprintf("hearth-account-%d", orgID))
		p.AddMetadata("hearth_organisation_id", fmt.Sprint(orgID))
		acct, err := s.stripe.Accounts.New(p)
		if err != nil {
			return "", fmt.Errorf("%w: create connected account: %v", ErrStripe, err)
		}
		a = Account{OrganisationID: orgID, StripeAccountID: acct.ID, DetailsSubmitted: acct.DetailsSubmitted, ChargesEnabled: acct.ChargesEnabled, PayoutsEnabled: acct.PayoutsEnabled}
		if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Omit("UpdatedAt").Create(&a).Error; err != nil {
			return "", err
		}
		if err := audit.New(s.db).Record(ctx, "billing.onboard", "organisation", fmt.Sprint(orgID), map[string]any{"stripe_account": acct.ID}); err != nil {
			return "", err
		}
	}
	lp := &stripe.AccountLinkParams{Account: stripe.String(a.StripeAccountID), RefreshURL: stripe.String(refreshURL), ReturnURL: stripe.String(returnURL),
		Type: stripe.String("account_onboarding")}
	lp.SetIdempotencyKey(fmt.Sprintf("hearth-link-%d-%d", orgID, s.Now().UnixNano()))
	link, err := s.stripe.AccountLinks.New(lp)
	if err != nil {
		return "", fmt.Errorf("%w: create onboarding link: %v", ErrStripe, err)
	}
	return link.URL, nil
}

// SetBillingContact sets the email a council's invoices go to.
func (s *Service) SetBillingContact(ctx context.Context, councilID int64, email string) error {
	return s.db.WithContext(ctx).Exec(`INSERT INTO billing_customers (organisation_id, billing_email) VALUES (?, ?)
        ON CONFLICT (organisation_id) DO UPDATE SET billing_email = excluded.billing_email, updated_at = now()`, councilID, email).Error
}

// Invoice is one council's invoice for a period.
type Invoice struct {
	ID              int64 `gorm:"primaryKey"`
	ConsortiumID    int64
	CouncilID       int64
	PeriodStart     time.Time
	PeriodEnd       time.Time
	Status          InvoiceStatus
	TotalPence      int64
	LevyPence       int64
	StripeInvoiceID *string
	CreatedBy       *int64
	CreatedAt       time.Time `gorm:"->"`
	PaidAt          *time.Time
	Council         string        `gorm:"->;-:migration"`
	Lines           []InvoiceLine `gorm:"foreignKey:InvoiceID"`
	CreditNotes     []CreditNote  `gorm:"foreignKey:InvoiceID"`
}

// TableName is invoices.
func (Invoice) TableName() string { return "invoices" }

// CreditedPence is what the invoice's credit notes give back.
func (i Invoice) CreditedPence() int64 {
	var n int64
	for _, c := range i.CreditNotes {
		n += c.TotalPence
	}
	return n
}

// NetPence is what the invoice comes to after its credit notes.
func (i Invoice) NetPence() int64 { return i.TotalPence - i.CreditedPence() }

// InvoiceLine is a line of an invoice.
type InvoiceLine struct {
	ID               int64 `gorm:"primaryKey"`
	InvoiceID        int64
	PlacementID      int64
	ProviderID       int64
	LotID            *int64
	FromDate         time.Time
	ToDate           time.Time
	Days             int
	WeeklyPence      int64
	AmountPence      int64
	LevyPence        int64
	Description      string
	StripeItemID     *string
	TransferStatus   string
	StripeTransferID *string
}

// TableName is invoice_lines.
func (InvoiceLine) TableName() string { return "invoice_lines" }

// RunResult says what an invoice run did.
type RunResult struct {
	Created  int      // invoices created by this run
	Existing int      // invoices the period already had
	Warnings []string // councils left out, and why
}

// MonthOf returns the calendar month [start, end) containing t.
func MonthOf(t time.Time) (time.Time, time.Time) {
	start := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0)
}

// Run invoices every council of a consortium for the period [start, end): one invoice
// per council with a line per placement (split at fee changes), written with the Stripe
// work queued in the same transaction. Running a period again creates nothing for a
// council already invoiced. A council without a billing contact is left out with a
// warning, not an error.
func (s *Service) Run(ctx context.Context, consortiumID int64, start, end time.Time, by int64) (RunResult, error) {
	var res RunResult
	if !end.After(start) {
		return res, kernel.Invalid("period", "The period must end after it starts")
	}
	terms, err := s.billable(ctx, consortiumID, start, end)
	if err != nil {
		return res, err
	}
	byCouncil := map[int64][]Line{}
	var councils []int64
	for _, t := range terms {
		ls := Lines(t.Terms, start, end)
		if len(ls) == 0 {
			continue
		}
		if _, ok := byCouncil[t.CouncilID]; !ok {
			councils = append(councils, t.CouncilID)
		}
		byCouncil[t.CouncilID] = append(byCouncil[t.CouncilID], ls...)
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, cid := range councils {
			var c struct {
				Name  string
				Email *string
			}
			if err := tx.Raw(`SELECT o.name, b.billing_email AS email FROM organisations o LEFT JOIN billing_customers b ON b.organisation_id = o.id WHERE o.id = ?`, cid).
				Scan(&c).Error; err != nil {
				return err
			}
			var have []Invoice
			if err := tx.Where("council_id = ? AND daterange(period_start, period_end) && daterange(CAST(? AS date), CAST(? AS date))", cid, start, end).
				Find(&have).Error; err != nil {
				return err
			}
			if len(have) > 0 {
				if have[0].PeriodStart.Equal(start) && have[0].PeriodEnd.Equal(end) {
					res.Existing++
				} else {
					res.Warnings = append(res.Warnings, fmt.Sprintf("%s is already invoiced for %s to %s, which overlaps this period: it was left out",
						c.Name, have[0].PeriodStart.Format("2 January 2006"), have[0].PeriodEnd.AddDate(0, 0, -1).Format("2 January 2006")))
				}
				continue
			}
			if c.Email == nil || *c.Email == "" {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s has no billing contact: add one, then run the period again to invoice it", c.Name))
				continue
			}
			inv := Invoice{ConsortiumID: consortiumID, CouncilID: cid, PeriodStart: start, PeriodEnd: end, Status: "pending", CreatedBy: nullID(by)}
			for _, l := range byCouncil[cid] {
				inv.TotalPence += l.AmountPence
				inv.LevyPence += l.LevyPence
			}
			if err := tx.Omit("CreatedAt", "PaidAt", "StripeInvoiceID", "Lines", "CreditNotes").Create(&inv).Error; err != nil {
				return err
			}
			for _, l := range byCouncil[cid] {
				row := InvoiceLine{InvoiceID: inv.ID, PlacementID: l.PlacementID, ProviderID: l.ProviderID, LotID: nullID(l.LotID), FromDate: l.From, ToDate: l.To,
					Days: l.Days, WeeklyPence: l.WeeklyPence, AmountPence: l.AmountPence, LevyPence: l.LevyPence, Description: l.Description, TransferStatus: "awaiting_payment"}
				if err := tx.Omit("StripeItemID", "StripeTransferID").Create(&row).Error; err != nil {
					return fmt.Errorf("line for placement %d: %w", l.PlacementID, err)
				}
			}
			if err := s.queueStripeCalls(ctx, tx, "INSERT INTO stripe_jobs (kind, ref_id) VALUES ('invoice', ?) ON CONFLICT DO NOTHING", inv.ID); err != nil {
				return err
			}
			res.Created++
		}
		return audit.New(tx).Record(ctx, "billing.run", "consortium", fmt.Sprint(consortiumID), map[string]any{"period_start": start.Format(time.DateOnly),
			"created": res.Created, "warnings": res.Warnings})
	})
	return res, err
}

type councilTerms struct {
	Terms
	CouncilID int64
}

// billable loads every placement of the consortium's councils that started before the
// period ends and had not ended before it began, with its fees and the framework's levy.
func (s *Service) billable(ctx context.Context, consortiumID int64, start, end time.Time) ([]councilTerms, error) {
	return s.terms(ctx, s.db, "c.consortium_id = ? AND p.started_on IS NOT NULL AND p.started_on < ? AND (p.ended_on IS NULL OR p.ended_on > ?)", consortiumID, end, start)
}

var onConflictNothing = clause.OnConflict{DoNothing: true}

// terms loads the billing terms of the placements where says.
func (s *Service) terms(ctx context.Context, db *gorm.DB, where string, args ...any) ([]councilTerms, error) {
	var rows []struct {
		ID, ProviderID, CouncilID, LotID int64
		ChildRef                         string
		StartedOn                        time.Time
		EndedOn                          *time.Time
		LevyBPS                          int
	}
	err := db.WithContext(ctx).Raw(`SELECT p.id, p.provider_id, p.council_id, coalesce(r.lot_id, 0) AS lot_id, r.child_ref, p.started_on, p.ended_on,
            coalesce(f.levy_bps, 0) AS levy_bps
        FROM placements p JOIN placement_requests r ON r.id = p.request_id JOIN organisations c ON c.id = p.council_id
        LEFT JOIN frameworks f ON f.id = r.framework_id
        WHERE `+where+`
        ORDER BY p.council_id, p.id`, args...).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]councilTerms, 0, len(rows))
	for _, r := range rows {
		var fees []struct {
			EffectiveFrom time.Time
			TotalPence    int64
		}
		if err := db.WithContext(ctx).Raw("SELECT effective_from, total_pence FROM placement_fees WHERE placement_id = ? ORDER BY effective_from", r.ID).Scan(&fees).Error; err != nil {
			return nil, err
		}
		t := Terms{PlacementID: r.ID, ProviderID: r.ProviderID, LotID: r.LotID, Reference: fmt.Sprintf("IPA-%06d", r.ID), ChildRef: r.ChildRef,
			StartedOn: r.StartedOn, EndedOn: r.EndedOn, LevyBPS: r.LevyBPS}
		for _, f := range fees {
			t.Fees = append(t.Fees, Fee{From: f.EffectiveFrom, WeeklyPence: f.TotalPence})
		}
		out = append(out, councilTerms{Terms: t, CouncilID: r.CouncilID})
	}
	return out, nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// ProcessJobs makes due Stripe calls, one job at a time, claimed with SKIP LOCKED so that
// several Hearth processes share the work. A failed job is retried with exponential
// backoff (at most 5 minutes apart), for as long as it takes: Stripe being away for an
// hour loses nothing, and idempotency keys mean a retried call creates nothing twice.
//
// Credit jobs are worked first, whether or not Stripe is configured (see ProcessCredits).
func (s *Service) ProcessJobs(ctx context.Context) (int, error) {
	if _, err := s.ProcessCredits(ctx); err != nil {
		slog.ErrorContext(ctx, "credit notes", "err", err)
	}
	if !s.Configured() {
		return 0, nil
	}
	done := 0
	for {
		var job struct {
			ID       int64
			Kind     string
			RefID    int64
			Attempts int
		}
		err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Raw(`SELECT id, kind, ref_id, attempts FROM stripe_jobs WHERE status = 'pending' AND next_try_at <= now()
                ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`).Scan(&job).Error; err != nil || job.ID == 0 {
				return err
			}
			var runErr error
			switch job.Kind {
			case "invoice":
				runErr = s.syncInvoice(ctx, tx, job.RefID)
			case "transfer":
				runErr = s.transfer(ctx, tx, job.RefID)
			case "credit_note":
				runErr = s.syncCreditNote(ctx, tx, job.RefID)
			}
			if runErr != nil {
				backoff := time.Duration(math.Min(math.Pow(2, float64(job.Attempts)), 300)) * time.Second
				slog.WarnContext(ctx, "stripe job failed; will retry", "job", job.ID, "kind", job.Kind, "ref", job.RefID, "attempt", job.Attempts+1, "err", runErr)
				return tx.Exec("UPDATE stripe_jobs SET attempts = attempts + 1, last_error = ?, next_try_at = now() + ? * interval '1 second' WHERE id = ?",
					runErr.Error(), int(backoff.Seconds()), job.ID).Error
			}
			done++
			return tx.Exec("UPDATE stripe_jobs SET status = 'done', attempts = attempts + 1, last_error = '', done_at = now() WHERE id = ?", job.ID).Error
		})
		if err != nil || job.ID == 0 {
			return done, err
		}
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
	}
}

// syncInvoice creates (or finishes creating) a council's Stripe invoice: the customer,
// the invoice, a line item per line, then finalises it. Each step's result is saved as
// it comes, and each call has an idempotency key, so a retry resumes where it stopped.
func (s *Service) syncInvoice(ctx context.Context, tx *gorm.DB, id int64) error {
	var inv Invoice
	if err := tx.Preload("Lines").First(&inv, id).Error; err != nil {
		return err
	}
	var cust struct {
		Name             string
		Email            *string
		StripeCustomerID *string
	}
	if err := tx.Raw(`SELECT o.name, b.billing_email AS email, b.stripe_customer_id FROM organisations o LEFT JOIN billing_customers b ON b.organisation_id = o.id
        WHERE o.id = ?`, inv.CouncilID).Scan(&cust).Error; err != nil {
		return err
	}
	if cust.StripeCustomerID == nil {
		p := &stripe.CustomerParams{Name: stripe.String(cust.Name), Email: cust.Email}
		p.SetIdempotencyKey(fmt.Sprintf("hearth-customer-%d", inv.CouncilID))
		p.AddMetadata("hearth_organisation_id", fmt.Sprint(inv.CouncilID))
		c, err := s.stripe.Customers.New(p)
		if err != nil {
			return fmt.Errorf("create customer: %w", err)
		}
		if err := tx.Exec("UPDATE billing_customers SET stripe_customer_id = ?, updated_at = now() WHERE organisation_id = ?", c.ID, inv.CouncilID).Error; err != nil {
			return err
		}
		cust.StripeCustomerID = &c.ID
	}
	if inv.StripeInvoiceID == nil {
		p := &stripe.InvoiceParams{Customer: cust.StripeCustomerID, CollectionMethod: stripe.String(string(stripe.InvoiceCollectionMethodSendInvoice)),
			DaysUntilDue: stripe.Int64(30), AutoAdvance: stripe.Bool(false), Currency: stripe.String(string(stripe.CurrencyGBP)),
			PendingInvoiceItemsBehavior: stripe.String("exclude"),
			Description:                 stripe.String(fmt.Sprintf("Placements %s to %s", inv.PeriodStart.Format("2 January 2006"), inv.PeriodEnd.AddDate(0, 0, -1).Format("2 January 2006")))}
		p.SetIdempotencyKey(fmt.Sprintf("hearth-invoice-%d", inv.ID))
		p.AddMetadata("hearth_invoice_id", fmt.Sprint(inv.ID))
		si, err := s.stripe.Invoices.New(p)
		if err != nil {
			return fmt.Errorf("create invoice: %w", err)
		}
		if err := tx.Model(&Invoice{}).Where("id = ?", inv.ID).Update("stripe_invoice_id", si.ID).Error; err != nil {
			return err
		}
		inv.StripeInvoiceID = &si.ID
	}
	for _, l := range inv.Lines {
		if l.StripeItemID != nil {
			continue
		}
		p := &stripe.InvoiceItemParams{Customer: cust.StripeCustomerID, Invoice: inv.StripeInvoiceID, Amount: stripe.Int64(l.AmountPence),
			Currency: stripe.String(string(stripe.CurrencyGBP)), Description: stripe.String(l.Description)}
		p.SetIdempotencyKey(fmt.Sprintf("hearth-line-%d", l.ID))
		p.AddMetadata("hearth_line_id", fmt.Sprint(l.ID))
		p.AddMetadata("hearth_placement_id", fmt.Sprint(l.PlacementID))
		item, err := s.stripe.InvoiceItems.New(p)
		if err != nil {
			return fmt.Errorf("add line %d: %w", l.ID, err)
		}
		if err := tx.Model(&InvoiceLine{}).Where("id = ?", l.ID).Update("stripe_item_id", item.ID).Error; err != nil {
			return err
		}
	}
	if inv.Status.IsPending() {
		p := &stripe.InvoiceFinalizeInvoiceParams{}
		p.SetIdempotencyKey(fmt.Sprintf("hearth-finalize-%d", inv.ID))
		if _, err := s.stripe.Invoices.FinalizeInvoice(*inv.StripeInvoiceID, p); err != nil {
			return fmt.Errorf("finalise invoice: %w", err)
		}
		if err := inv.Transition(InvoiceSent); err != nil {
			return err
		}
		return tx.Model(&Invoice{}).Where("id = ? AND status = 'pending'", inv.ID).Update("status", inv.Status).Error
	}
	return nil
}

// transfer pays a provider its share of one paid line (the amount less the levy, which
// the platform keeps as its fee), once its connected account can receive payouts.
func (s *Service) transfer(ctx context.Context, tx *gorm.DB, lineID int64) error {
	var l InvoiceLine
	// Locked, so that a credit on the line (whose check locks it too) comes wholly before
	// or after the transfer: kept back from it, or reversed afterwards.
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&l, lineID).Error; err != nil {
		return err
	}
	if l.StripeTransferID != nil || l.TransferStatus == TransferCredited {
		return nil
	}
	var a Account
	if err := tx.First(&a, l.ProviderID).Error; err != nil || !a.Ready() {
		return tx.Model(&InvoiceLine{}).Where("id = ?", l.ID).Update("transfer_status", "waiting_onboarding").Error
	}
	credited, creditLines, err := creditedShare(tx, l.ID)
	if err != nil {
		return err
	}
	amount := l.AmountPence - l.LevyPence - credited
	if amount <= 0 { // credited in full: nothing to pay over
		if err := tx.Model(&CreditNoteLine{}).Where("id IN ?", creditLines).Update("netted", true).Error; err != nil {
			return err
		}
		return tx.Model(&InvoiceLine{}).Where("id = ?", l.ID).Update("transfer_status", "credited").Error
	}
	p := &stripe.TransferParams{Amount: stripe.Int64(amount), Currency: stripe.String(string(stripe.CurrencyGBP)),
		Destination: stripe.String(a.StripeAccountID), TransferGroup: stripe.String(fmt.Sprintf("hearth-invoice-%d", l.InvoiceID))}
	key := fmt.Sprintf("hearth-transfer-%d", l.ID)
	if credited > 0 {
		key += fmt.Sprintf("-less-%d", credited)
	}
	p.SetIdempotencyKey(key)
	p.AddMetadata("hearth_line_id", fmt.Sprint(l.ID))
	tr, err := s.stripe.Transfers.New(p)
	if err != nil {
		return fmt.Errorf("transfer for line %d: %w", l.ID, err)
	}
	if len(creditLines) > 0 {
		if err := tx.Model(&CreditNoteLine{}).Where("id IN ?", creditLines).Update("netted", true).Error; err != nil {
			return err
		}
	}
	return tx.Model(&InvoiceLine{}).Where("id = ?", l.ID).Updates(map[string]any{"stripe_transfer_id": tr.ID, "transfer_status": "sent"}).Error
}
