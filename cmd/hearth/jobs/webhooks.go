package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
)

// WebhookSweep enqueues a delivery job for every waiting webhook delivery without one.
const WebhookSweep = "webhook_sweep"

// webhookAttempts is how often a delivery is tried. River's default retry policy waits
// attempt⁴ seconds (plus jitter) before each retry: 1 s, 16 s, 81 s … about 38 hours
// from the first attempt to the last.
const webhookAttempts = webhook.MaxAttempts

// Deliverer sends one webhook delivery (webhook.Service.Deliver).
type Deliverer interface {
	Deliver(ctx context.Context, id int64, final bool) error
	PendingIDs(ctx context.Context, limit int) ([]int64, error)
	GiveUp(ctx context.Context) (int64, error)
}

// DeliverWebhooks has the Queue send webhook deliveries through d: the job
// EnqueueWebhook adds for each, and a sweep every sweep that gives up on deliveries
// pending too long and enqueues waiting ones without a job. Call it before Start.
func (q *Queue) DeliverWebhooks(d Deliverer, sweep time.Duration) error {
	q.mu.Lock()
	q.hooks = d
	q.mu.Unlock()
	return q.AddTask(Task{Name: WebhookSweep, Every: sweep, Run: q.sweepWebhooks})
}

// EnqueueWebhook adds a job sending delivery id, in tx, the transaction that made (or
// queued again, for a replay) the delivery. It implements webhook.Enqueuer.
func (q *Queue) EnqueueWebhook(ctx context.Context, tx *gorm.DB, id int64) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	if _, err := q.client.InsertTx(ctx, sqlTx, WebhookArgs{DeliveryID: id}, nil); err != nil {
		return fmt.Errorf("jobs: enqueue webhook delivery %d: %w", id, err)
	}
	return nil
}

var _ webhook.Enqueuer = (*Queue)(nil)

func (q *Queue) sweepWebhooks(ctx context.Context) error {
	q.mu.RLock()
	d := q.hooks
	q.mu.RUnlock()
	if d == nil {
		return nil
	}
	if _, err := d.GiveUp(ctx); err != nil {
		return err
	}
	ids, err := d.PendingIDs(ctx, 1000)
	if err != nil || len(ids) == 0 {
		return err
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: WebhookArgs{DeliveryID: id}}
	}
	if _, err := q.client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("jobs: sweep webhooks: %w", err)
	}
	return nil
}

// WebhookArgs are a webhook job's arguments: which delivery to send.
type WebhookArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Kind is the River job kind of webhook deliveries.
func (WebhookArgs) Kind() string { return "hearth_webhook" }

// InsertOpts makes a delivery's job unique while it waits or runs, and retries it with
// River's exponential backoff.
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: webhookAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waiting}}
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	q *Queue
}

func (w *webhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration { return time.Minute }

// Work sends the delivery; a failed attempt returns an error so that River retries it
// after its backoff, and the last attempt marks the delivery failed.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	w.q.mu.RLock()
	d := w.q.hooks
	w.q.mu.RUnlock()
	if d == nil {
		return river.JobSnooze(time.Minute) // a replica that does not send webhooks
	}
	return d.Deliver(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
}
