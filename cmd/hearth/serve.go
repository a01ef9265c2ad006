package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
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
			SessionIdle: cfg.SessionIdle, SessionLifetime: cfg.SessionMax},
			frontend.Deps{DB: a.db, Orgs: a.orgs, Users: a.users, Audit: a.audit, Outbox: a.outbox, Market: a.market})
		if err != nil {
			return err
		}
		defer srv.Close()

		workers, stopWorkers := context.WithCancel(ctx)
		defer stopWorkers()
		if cfg.SMTP.Addr != "" {
			go notify.NewWorker(a.db.Gorm, cfg.SMTP).Run(workers, 2*time.Second)
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
