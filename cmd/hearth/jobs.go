package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/hearth-placements/hearth/cmd/hearth/jobs"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/frontend"
)

// Periods of the frequent tasks (see tasks for all of them). Every replica registers
// them; River's elected leader enqueues each once per period (see package jobs).
const (
	mailSweepEvery   = 15 * time.Second
	closeDueEvery    = 15 * time.Second
	stripeCallsEvery = 5 * time.Second
	// webhookSweepEvery is how often waiting webhook deliveries without a job get one.
	webhookSweepEvery = time.Minute
	// intelligenceEvery is how often the regional intelligence summaries are refreshed.
	intelligenceEvery = 15 * time.Minute
)

// stopJobsTimeout is how long running jobs get to finish at shutdown.
const stopJobsTimeout = 30 * time.Second

// tasks is Hearth's periodic work, each a domain function.
func (a *app) tasks() []jobs.Task {
	mailed := a.secure.WithMail(a.outbox, a.cfg.BaseURL)
	discard := func(f func(context.Context) (int, error)) func(context.Context) error {
		return func(ctx context.Context) error { _, err := f(ctx); return err }
	}
	return []jobs.Task{
		{Name: "close_due_requests", Every: closeDueEvery, Run: func(ctx context.Context) error {
			_, err := a.market.CloseDue(ctx)
			return err
		}},
		// The session store's own cleanup goroutine raced with its StopCleanup
		// (alexedwards/scs#231); the job system runs the cleanup instead.
		{Name: "delete_expired_sessions", Every: 5 * time.Minute, Run: func(ctx context.Context) error {
			_, err := a.users.DeleteExpiredSessions(ctx)
			return err
		}},
		{Name: "delete_expired_idempotency_keys", Every: time.Hour, Run: func(ctx context.Context) error {
			_, err := frontend.DeleteExpiredIdempotencyKeys(ctx, a.db.Gorm)
			return err
		}},
		{Name: "stale_vacancy_reminders", Every: time.Hour, Run: func(ctx context.Context) error {
			_, err := a.market.RemindStale(ctx)
			return err
		}},
		// Each episode's return-home interview reminder goes once (rhi_reminded_at).
		{Name: "return_interview_reminders", Every: time.Hour, Run: func(ctx context.Context) error {
			_, err := a.market.RemindInterviews(ctx)
			return err
		}},
		// Also enqueued with every Stripe call queued (billing.Enqueuer); the period
		// retries failed calls after their backoff and picks up credit jobs, which a
		// database trigger queues.
		{Name: jobs.StripeCalls, Every: stripeCallsEvery, Run: discard(a.billing.ProcessJobs)},
		{Name: "daily_secure_report", Every: time.Minute, Run: func(ctx context.Context) error {
			_, err := mailed.SendDailyReport(ctx, a.cfg.ReportAt)
			return err
		}},
		{Name: "secure_referral_reminders", Every: time.Hour, Run: discard(mailed.RemindDue)},
		// Regional intelligence's summaries (issue 15): their pages show this refresh's time.
		{Name: "refresh_time_to_place", Every: intelligenceEvery, Run: a.intel.RefreshTimeToPlace},
		{Name: "refresh_sufficiency", Every: 10 * time.Minute, Run: a.intel.RefreshSufficiency},
		{Name: "refresh_quality", Every: intelligenceEvery, Run: a.intel.RefreshQuality},
		{Name: "refresh_market", Every: intelligenceEvery, Run: a.intel.RefreshMarket},
		{Name: "refresh_out_of_area", Every: intelligenceEvery, Run: a.intel.RefreshOutOfArea},
		// Simulations (issue 17): kicked when one is requested; the period is a backstop.
		{Name: jobs.RunSimulations, Every: time.Minute, Run: a.sims.RunQueued},
	}
}

// startJobs registers Hearth's tasks and, with SMTP configured, mail delivery on the
// app's queue and starts it. The returned function stops it gracefully: running jobs
// get stopJobsTimeout to finish before they are cancelled.
func (a *app) startJobs(ctx context.Context) (stop func(), err error) {
	for _, t := range a.tasks() {
		if err := a.queue.AddTask(t); err != nil {
			return nil, err
		}
	}
	if a.cfg.SMTP.Addr != "" {
		if a.cfg.MailKeyEphemeral {
			slog.Warn("HEARTH_MAIL_KEY is unset: a random key seals reset and invitation links, so those queued before a restart are not sent")
		}
		if err := a.queue.DeliverMail(notify.NewWorker(a.db.Gorm, a.cfg.SMTP).WithClock(a.clock), mailSweepEvery); err != nil {
			return nil, err
		}
	}
	if a.cfg.WebhookKey != nil {
		if a.cfg.WebhookKeyDemo {
			slog.Warn("HEARTH_WEBHOOK_KEY is unset: the demo's published development key seals webhook secrets")
		}
		if err := a.queue.DeliverWebhooks(a.hooks, webhookSweepEvery); err != nil {
			return nil, err
		}
	} else {
		slog.Info("webhooks are off: set HEARTH_WEBHOOK_KEY to seal their signing secrets")
	}
	if a.cfg.WebhookAllowLoopback {
		slog.Warn("HEARTH_WEBHOOK_ALLOW_LOOPBACK is on: webhook endpoints may be plain http on loopback (development only)")
	}
	if err := a.queue.Start(ctx); err != nil {
		return nil, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), stopJobsTimeout)
		defer cancel()
		if err := a.queue.Stop(ctx); err != nil {
			slog.Error("stop background jobs", "err", err)
			return
		}
		slog.Info("background jobs stopped")
	}, nil
}
