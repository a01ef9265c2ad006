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
