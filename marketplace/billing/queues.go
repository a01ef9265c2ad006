package billing

import (
	"context"
	"fmt"
)

// FailedStripeCalls counts the consortium's pending Stripe calls (invoices and
// transfers) whose last attempt failed and that are waiting to be retried.
func (s *Service) FailedStripeCalls(ctx context.Context, consortiumID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM stripe_jobs j
		LEFT JOIN invoice_lines l ON j.kind = 'transfer' AND l.id = j.ref_id
		JOIN invoices i ON i.id = CASE WHEN j.kind = 'invoice' THEN j.ref_id ELSE l.invoice_id END
		WHERE i.consortium_id = ? AND j.status = 'pending' AND j.last_error <> ''`, consortiumID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count failed Stripe calls: %w", err)
	}
	return n, nil
}

// CouncilsWithoutBillingContact counts the consortium's member councils with no billing
// email, to whom invoices cannot be sent.
func (s *Service) CouncilsWithoutBillingContact(ctx context.Context, consortiumID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) FROM organisations o
		WHERE o.consortium_id = ? AND NOT EXISTS (SELECT 1 FROM billing_customers c WHERE c.organisation_id = o.id AND c.billing_email IS NOT NULL)`, consortiumID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count councils without a billing contact: %w", err)
	}
	return n, nil
}
