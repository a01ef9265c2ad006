package billing

import (
	"context"
	"io"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
)

// CouncilInvoices lists all of a council's invoices, newest first, with their lines.
func (s *Service) CouncilInvoices(ctx context.Context, councilID int64) ([]Invoice, error) {
	out, _, err := s.CouncilInvoicesPage(ctx, councilID, kernel.AllRows)
	return out, err
}

// CouncilInvoicesPage lists one page of a council's invoices, newest first, with their
// lines, and counts them all.
func (s *Service) CouncilInvoicesPage(ctx context.Context, councilID int64, page kernel.Page) ([]Invoice, int64, error) {
	q := s.db.WithContext(ctx).Model(&Invoice{}).Where("council_id = ?", councilID).Order("period_start DESC, id DESC")
	return kernel.FindPage[Invoice](q, page, func(db *gorm.DB) *gorm.DB {
		return db.Preload("Lines", func(db *gorm.DB) *gorm.DB { return db.Order("placement_id, from_date") }).
			Preload("CreditNotes", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
			Preload("CreditNotes.Lines", func(db *gorm.DB) *gorm.DB { return db.Order("invoice_line_id, from_date") })
	})
}

// WriteCSV writes a council's invoice lines as CSV.
func WriteCSV(w io.Writer, invs []Invoice) error {
	cw := csvsafe.NewWriter(w)
	if err := cw.Write("invoice", "period_start", "status", "placement", "from", "to_exclusive", "nights", "weekly_pence", "amount_pence", "description", "credit_note"); err != nil {
		return err
	}
	for _, inv := range invs {
		placement := map[int64]int64{}
		for _, l := range inv.Lines {
			placement[l.ID] = l.PlacementID
			if err := cw.Write(itoa(inv.ID), inv.PeriodStart.Format(time.DateOnly), string(inv.Status), itoa(l.PlacementID), l.FromDate.Format(time.DateOnly),
				l.ToDate.Format(time.DateOnly), itoa(int64(l.Days)), itoa(l.WeeklyPence), itoa(l.AmountPence), l.Description, ""); err != nil {
				return err
			}
		}
		// A credit note's lines follow the invoice's, as negative amounts.
		for _, cn := range inv.CreditNotes {
			for _, l := range cn.Lines {
				if err := cw.Write(itoa(inv.ID), inv.PeriodStart.Format(time.DateOnly), string(inv.Status), itoa(placement[l.InvoiceLineID]), l.FromDate.Format(time.DateOnly),
					l.ToDate.Format(time.DateOnly), itoa(int64(l.Days)), itoa(-l.WeeklyPence), itoa(-l.AmountPence), l.Description, itoa(cn.ID)); err != nil {
					return err
				}
			}
		}
	}
	return cw.Flush()
}

// Payment is a line as the provider paid for it sees it.
type Payment struct {
	InvoiceLine
	PeriodStart   time.Time
	InvoiceStatus string
	Council       string
}

// ProviderPayments lists all of a provider's lines: expected (not yet paid over) and received.
func (s *Service) ProviderPayments(ctx context.Context, providerID int64) ([]Payment, error) {
	out, _, err := s.ProviderPaymentsPage(ctx, providerID, kernel.AllRows)
	return out, err
}

// ProviderPaymentsPage lists one page of a provider's lines, newest period first, and
// counts them all.
func (s *Service) ProviderPaymentsPage(ctx context.Context, providerID int64, page kernel.Page) ([]Payment, int64, error) {
	q := s.db.WithContext(ctx).Table("invoice_lines l").Joins("JOIN invoices i ON i.id = l.invoice_id").Joins("JOIN organisations c ON c.id = i.council_id").
		Where("l.provider_id = ?", providerID).Order("i.period_start DESC, l.id")
	return kernel.FindPage[Payment](q, page, func(db *gorm.DB) *gorm.DB {
		return db.Select("l.*, i.period_start, i.status AS invoice_status, c.name AS council")
	})
}

// PaymentTotals are the provider's amounts after levy: to come and paid over.
func (s *Service) PaymentTotals(ctx context.Context, providerID int64) (expected, received int64, err error) {
	var row struct{ Expected, Received int64 }
	// Net of credit notes: kept back from a transfer, or reversed from one made.
	err = s.db.WithContext(ctx).Raw(`WITH net AS (
            SELECT l.transfer_status, l.amount_pence - l.levy_pence - coalesce((SELECT sum(c.amount_pence - c.levy_pence) FROM credit_note_lines c
                WHERE c.invoice_line_id = l.id), 0) AS pence
            FROM invoice_lines l WHERE l.provider_id = ?)
        SELECT coalesce(sum(pence) FILTER (WHERE transfer_status NOT IN ('sent', 'credited')), 0) AS expected,
            coalesce(sum(pence) FILTER (WHERE transfer_status = 'sent'), 0) AS received FROM net`, providerID).Scan(&row).Error
	return row.Expected, row.Received, err
}

// Overview is the consortium admin's billing page.
type Overview struct {
	Periods  []PeriodSummary
	Levy     []MonthAmount
	SpendLot []LotMonth
	Jobs     []JobRow
	Backlog  []BacklogRow
	Councils []CouncilContact
	Credits  []CreditRow
}

// CreditRow is a credit note as the consortium admin sees it.
type CreditRow struct {
	ID          int64
	Council     string
	PeriodStart time.Time
	Memo        string
	TotalPence  int64
	LevyPence   int64
	Status      string
	CreatedAt   time.Time
}

// PeriodSummary is one invoice run.
type PeriodSummary struct {
	PeriodStart time.Time
	Invoices    int
	TotalPence  int64
	LevyPence   int64
	Paid        int
	// What credit notes gave back of the period's invoices, and of their levy.
	CreditedPence     int64
	CreditedLevyPence int64
}

// MonthAmount is an amount for a month.
type MonthAmount struct {
	Month time.Time
	Pence int64
}

// LotMonth is spend on a lot in a month.
type LotMonth struct {
	Month time.Time
	Lot   string
	Pence int64
}

// JobRow is a Stripe call that has failed at least once.
type JobRow struct {
	ID        int64
	Kind      string
	RefID     int64
	Status    string
	Attempts  int
	LastError string
	NextTryAt time.Time
}

// BacklogRow is a provider's transfers waiting for onboarding.
type BacklogRow struct {
	Provider string
	Lines    int
	Pence    int64
}

// CouncilContact is a member council's billing contact.
type CouncilContact struct {
	ID    int64
	Name  string
	Email *string
}

// Overview gathers the consortium's billing: runs, levy income by month (paid invoices),
// spend by lot by month, Stripe calls that failed and are being retried, and transfers
// waiting for providers to finish onboarding.
func (s *Service) Overview(ctx context.Context, consortiumID int64) (Overview, error) {
	var o Overview
	db := s.db.WithContext(ctx)
	if err := db.Raw(`SELECT i.period_start, count(*) AS invoices, sum(i.total_pence) AS total_pence, sum(i.levy_pence) AS levy_pence,
            count(*) FILTER (WHERE i.status = 'paid') AS paid, coalesce(sum(c.pence), 0) AS credited_pence, coalesce(sum(c.levy), 0) AS credited_levy_pence
        FROM invoices i LEFT JOIN (SELECT invoice_id, sum(total_pence) AS pence, sum(levy_pence) AS levy FROM credit_notes GROUP BY invoice_id) c ON c.invoice_id = i.id
        WHERE i.consortium_id = ? GROUP BY i.period_start ORDER BY i.period_start DESC`, consortiumID).
		Scan(&o.Periods).Error; err != nil {
		return o, err
	}
	if err := db.Raw(`SELECT cn.id, o.name AS council, i.period_start, cn.memo, cn.total_pence, cn.levy_pence, cn.status, cn.created_at
        FROM credit_notes cn JOIN invoices i ON i.id = cn.invoice_id JOIN organisations o ON o.id = i.council_id
        WHERE i.consortium_id = ? ORDER BY cn.id DESC LIMIT 50`, consortiumID).Scan(&o.Credits).Error; err != nil {
		return o, err
	}
	if err := db.Raw(`SELECT i.period_start AS month, sum(i.levy_pence - coalesce((SELECT sum(c.levy_pence) FROM credit_notes c WHERE c.invoice_id = i.id), 0)) AS pence
            FROM invoices i WHERE i.consortium_id = ? AND i.status = 'paid'
            GROUP BY i.period_start ORDER BY i.period_start`, consortiumID).Scan(&o.Levy).Error; err != nil {
		return o, err
	}
	if err := db.Raw(`SELECT i.period_start AS month, coalesce(l2.name, 'Unknown lot') AS lot, sum(l.amount_pence) AS pence
            FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id LEFT JOIN lots l2 ON l2.id = l.lot_id
            WHERE i.consortium_id = ? GROUP BY i.period_start, l2.name ORDER BY i.period_start, lot`, consortiumID).Scan(&o.SpendLot).Error; err != nil {
		return o, err
	}
	if err := db.Raw(`SELECT j.id, j.kind, j.ref_id, j.status, j.attempts, j.last_error, j.next_try_at FROM stripe_jobs j
            WHERE (j.status = 'pending' AND j.attempts > 0)
        UNION ALL SELECT c.id, 'credit check' AS kind, c.placement_id AS ref_id, 'pending' AS status, c.attempts, c.last_error, c.next_try_at FROM credit_jobs c
            WHERE c.done_at IS NULL AND c.attempts > 0
        ORDER BY next_try_at DESC LIMIT 50`).Scan(&o.Jobs).Error; err != nil {
		return o, err
	}
	if err := db.Raw(`SELECT p.name AS provider, count(*) AS lines, sum(l.amount_pence - l.levy_pence) AS pence FROM invoice_lines l
            JOIN invoices i ON i.id = l.invoice_id JOIN organisations p ON p.id = l.provider_id
            WHERE i.consortium_id = ? AND l.transfer_status = 'waiting_onboarding' GROUP BY p.name ORDER BY p.name`, consortiumID).Scan(&o.Backlog).Error; err != nil {
		return o, err
	}
	err := db.Raw(`SELECT o.id, o.name, b.billing_email AS email FROM organisations o LEFT JOIN billing_customers b ON b.organisation_id = o.id
            WHERE o.consortium_id = ? ORDER BY o.name`, consortiumID).Scan(&o.Councils).Error
	return o, err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
