package billing_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"gorm.io/gorm"
)

// stripeKicks is a billing.Enqueuer that counts, as the job queue would enqueue, the
// transactions that queued Stripe calls.
type stripeKicks struct{ n int }

func (k *stripeKicks) EnqueueStripeCalls(ctx context.Context, tx *gorm.DB) error {
	if _, ok := tx.Statement.ConnPool.(*sql.Tx); !ok {
		return errors.New("told outside a transaction")
	}
	var pending int64
	if err := tx.Raw("SELECT count(*) FROM stripe_jobs WHERE status = 'pending'").Scan(&pending).Error; err != nil || pending == 0 {
		return errors.New("no pending Stripe call visible in the transaction that enqueues it")
	}
	k.n++
	return nil
}

// TestStripeCallsAreEnqueuedWithTheirTransaction: an invoice run that queues a Stripe
// call tells the Enqueuer in its own transaction; a run that queues nothing does not.
func TestStripeCallsAreEnqueuedWithTheirTransaction(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.history(t)
	kicks := &stripeKicks{}
	b := w.b.WithEnqueuer(kicks)
	must(t, b.SetBillingContact(ctx, w.council.ID, "invoices@manchester.test"))
	res, err := b.Run(ctx, w.consortium.ID, november, december, 0)
	must(t, err)
	if res.Created != 1 || kicks.n != 1 {
		t.Fatalf("first run: %+v, %d enqueued; want 1 invoice, 1 enqueued", res, kicks.n)
	}
	if _, err := b.Run(ctx, w.consortium.ID, november, december, 0); err != nil || kicks.n != 1 {
		t.Fatalf("second run: %v, %d enqueued; want still 1", err, kicks.n)
	}
}
