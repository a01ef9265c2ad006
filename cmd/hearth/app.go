package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/audit"
	"github.com/hearth-placements/hearth/commissioning/notify"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/pgembed"
)

// app is Hearth wired together: the database and the domain services.
type app struct {
	cfg     Config
	db      *migrations.DB
	orgs    *commissioning.Service
	users   *auth.Service
	audit   *audit.Log
	outbox  *notify.Outbox
	market  *marketplace.Service
	secure  *secure.Service
	billing *billing.Service
}

// withApp opens the database (starting the embedded cluster when DATABASE_URL is
// unset), applies migrations, syncs reference data, runs f and cleans up.
func withApp(ctx context.Context, cfg Config, f func(*app) error) error {
	return withDatabase(ctx, cfg, func(db *migrations.DB) error {
		if err := migrations.Up(ctx, db.SQL); err != nil {
			return err
		}
		a := &app{cfg: cfg, db: db, orgs: commissioning.NewService(db.Gorm), users: auth.NewService(db.Gorm),
			audit: audit.New(db.Gorm), outbox: notify.NewOutbox(db.Gorm, cfg.SMTP.Addr != "").WithLinkKey(cfg.SMTP.LinkKey), market: marketplace.NewService(db.Gorm), secure: secure.NewService(db.Gorm), billing: billing.NewService(db.Gorm, cfg.Stripe)}
		if err := a.orgs.SyncCouncils(ctx); err != nil {
			return err
		}
		return f(a)
	})
}

// withDatabase connects to DATABASE_URL or to the embedded cluster, which it stops
// cleanly afterwards.
func withDatabase(ctx context.Context, cfg Config, f func(*migrations.DB) error) error {
	dsn := cfg.DatabaseURL
	if dsn == "" {
		dir, err := filepath.Abs(cfg.DataDir)
		if err != nil {
			return err
		}
		slog.Info("starting embedded PostgreSQL", "data_dir", dir)
		cluster, err := pgembed.Start(ctx, pgembed.Options{Dir: dir})
		if errors.Is(err, pgembed.ErrUnreachable) {
			// Running as root from a checkout the postgres user cannot reach (under
			// /root, say): keep this checkout's cluster in a folder of its own instead.
			dir = filepath.Join("/var/lib/hearth", strings.Trim(strings.ReplaceAll(dir, "/", "_"), "_"))
			slog.Warn("data folder unreachable for the postgres user; using another", "reason", err, "data_dir", dir)
			cluster, err = pgembed.Start(ctx, pgembed.Options{Dir: dir})
		}
		if err != nil {
			return err
		}
		defer func() {
			if err := cluster.Stop(); err != nil {
				slog.Error("stop embedded PostgreSQL", "err", err)
			} else {
				slog.Info("embedded PostgreSQL stopped")
			}
		}()
		if dsn, err = cluster.EnsureDatabase(ctx, "hearth"); err != nil {
			return err
		}
		slog.Info("embedded PostgreSQL ready", "url", dsn)
	}
	db, err := migrations.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return f(db)
}

func migrate(ctx context.Context, cfg Config, action string, out io.Writer) error {
	return withDatabase(ctx, cfg, func(db *migrations.DB) error {
		switch action {
		case "up":
			return migrations.Up(ctx, db.SQL)
		case "down":
			return migrations.Down(ctx, db.SQL)
		case "status":
			return migrations.Status(ctx, db.SQL, out)
		}
		return fmt.Errorf("migrate %q: want up, down or status", action)
	})
}
