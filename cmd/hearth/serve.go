package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hearth-placements/hearth/commissioning/notify"
	"github.com/hearth-placements/hearth/frontend"
)

// serve runs the web server and background workers until ctx ends.
func serve(ctx context.Context, cfg Config, out io.Writer) error {
	return withApp(ctx, cfg, func(a *app) error {
		if cfg.LoadDemo {
			loaded, err := loadDemo(ctx, a)
			if err != nil {
				return err
			}
			if loaded {
				slog.Info("demo consortium loaded into the empty database")
			}
		}
		srv, err := frontend.New(frontend.Config{BaseURL: cfg.BaseURL, SMTPConfigured: cfg.SMTP.Addr != "",
			SessionIdle: cfg.SessionIdle, SessionLifetime: cfg.SessionMax, ReportAt: cfg.ReportAt, TrustedProxies: cfg.TrustedProxies},
			a.deps())
		if err != nil {
			return err
		}
		defer srv.Close()

		workers, stopWorkers := context.WithCancel(ctx)
		defer stopWorkers()
		if cfg.SMTP.Addr != "" {
			if cfg.MailKeyEphemeral {
				slog.Warn("HEARTH_MAIL_KEY is unset: a random key seals reset and invitation links, so those queued before a restart are not sent")
			}
			mail := notify.NewWorker(a.db.Gorm, cfg.SMTP)
			go runEvery(workers, 2*time.Second, "mail delivery", func(ctx context.Context) error {
				_, err := mail.DeliverDue(ctx)
				return err
			})
		}
		go runEvery(workers, 15*time.Second, "close requests at their deadline", func(ctx context.Context) error {
			_, err := a.market.CloseDue(ctx)
			return err
		})
		go runEvery(workers, 5*time.Minute, "delete expired sessions", func(ctx context.Context) error {
			_, err := a.users.DeleteExpiredSessions(ctx)
			return err
		})
		go runEvery(workers, time.Hour, "delete expired idempotency keys", func(ctx context.Context) error {
			_, err := frontend.DeleteExpiredIdempotencyKeys(ctx, a.db.Gorm)
			return err
		})
		go runEvery(workers, time.Hour, "stale vacancy reminders", func(ctx context.Context) error {
			_, err := a.market.RemindStale(ctx)
			return err
		})

		go runEvery(workers, 5*time.Second, "stripe calls", func(ctx context.Context) error {
			_, err := a.billing.ProcessJobs(ctx)
			return err
		})
		go runEvery(workers, time.Minute, "daily secure welfare report", func(ctx context.Context) error {
			_, err := a.secure.SendDailyReport(ctx, cfg.ReportAt)
			return err
		})
		go runEvery(workers, time.Hour, "secure referral update reminders", func(ctx context.Context) error {
			_, err := a.secure.RemindDue(ctx)
			return err
		})

		if cfg.MetricsAddr != "" {
			go serveMetrics(workers, cfg.MetricsAddr, srv.MetricsHandler())
		}

		fmt.Fprintf(out, "\nHearth is running at %s\n", cfg.BaseURL)
		if hasDemo(ctx, a) {
			printDemoAccounts(out, cfg)
		}
		fmt.Fprintln(out, "Press Ctrl+C to stop.")
		slog.Info("listening", "addr", cfg.Addr)
		err = srv.Run(ctx, cfg.Addr)
		slog.Info("shutting down")
		return err
	})
}

// serveMetrics serves Prometheus metrics on their own address until ctx ends, so
// that they are never public on the main port.
func serveMetrics(ctx context.Context, addr string, h http.Handler) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	slog.Info("metrics listening", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		slog.Error("metrics listener", "addr", addr, "err", err)
	}
}

// runEvery runs f every interval until ctx ends, logging failures.
func runEvery(ctx context.Context, interval time.Duration, what string, f func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := f(ctx); err != nil && ctx.Err() == nil {
			slog.ErrorContext(ctx, what, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
