package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hearth-placements/hearth/frontend"
	"github.com/hearth-placements/hearth/migrations"
)

// serve runs the web server and the background jobs until ctx ends.
func serve(ctx context.Context, cfg Config, out io.Writer) error {
	return withApp(ctx, cfg, func(a *app) error {
		if cfg.LoadDemo {
			loaded, err := loadDemo(ctx, a, cfg.DemoHistory)
			if err != nil {
				return err
			}
			if loaded {
				slog.Info("demo consortium loaded into the empty database")
			}
		}
		if cfg.ReadURL != "" {
			// No standby at start (all being replaced, say) must not stop Hearth serving.
			if ro, err := connectReader(ctx, cfg.ReadURL); err != nil {
				slog.Warn("the read-only copy cannot be reached: the intelligence views read from the primary", "err", err)
			} else {
				defer ro.Close()
				a.intel = a.intel.ReadFrom(ro.Gorm)
			}
		}
		srv, err := frontend.New(frontend.Config{BaseURL: cfg.BaseURL, SMTPConfigured: cfg.SMTP.Addr != "",
			SessionIdle: cfg.SessionIdle, SessionLifetime: cfg.SessionMax, ReportAt: cfg.ReportAt, TrustedProxies: cfg.TrustedProxies},
			a.deps())
		if err != nil {
			return err
		}
		defer srv.Close()

		stopJobs, err := a.startJobs(ctx)
		if err != nil {
			return err
		}
		defer stopJobs()

		if cfg.MetricsAddr != "" {
			if err := srv.RegisterMetrics(a.queue.Collector()); err != nil {
				return err
			}
			metrics, stopMetrics := context.WithCancel(ctx)
			defer stopMetrics()
			go serveMetrics(metrics, cfg.MetricsAddr, srv.MetricsHandler())
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

// connectReader opens the read-only copy the regional intelligence reads from, as the
// application's role, and checks that it is one: a URL that reaches the primary by
// mistake would still work, but would not take the load off it.
func connectReader(ctx context.Context, url string) (*migrations.DB, error) {
	ro, err := migrations.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("HEARTH_READ_DATABASE_URL: %w", err)
	}
	if err := migrations.CheckAppRole(ctx, ro.SQL); err != nil {
		ro.Close()
		return nil, fmt.Errorf("HEARTH_READ_DATABASE_URL: %w", err)
	}
	var standby bool
	if err := ro.Pool.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&standby); err != nil {
		ro.Close()
		return nil, fmt.Errorf("HEARTH_READ_DATABASE_URL: %w", err)
	}
	if !standby {
		slog.Warn("HEARTH_READ_DATABASE_URL reaches a primary, not a standby: the intelligence views read there all the same")
	}
	slog.Info("regional intelligence reads from a read-only copy", "url", migrations.Redact(url))
	return ro, nil
}
