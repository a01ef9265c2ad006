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
// unset), applies migrations as the schema owner, syncs reference data, runs f as the
// application's role and cleans up.
func withApp(ctx context.Context, cfg Config, f func(*app) error) error {
	return withDatabase(ctx, cfg, func(conn databaseURLs) error {
		if err := migrateAndGrant(ctx, conn); err != nil {
			return err
		}
		db, err := migrations.Connect(ctx, conn.app)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := migrations.CheckAppRole(ctx, db.SQL); err != nil {
			if !cfg.AllowPrivilegedRole {
				return err
			}
			slog.Warn("running with a privileged database role", "err", err)
		}
		a := &app{cfg: cfg, db: db, orgs: commissioning.NewService(db.Gorm), users: auth.NewService(db.Gorm),
			audit: audit.New(db.Gorm), outbox: notify.NewOutbox(db.Gorm, cfg.SMTP.Addr != ""), market: marketplace.NewService(db.Gorm), secure: secure.NewService(db.Gorm), billing: billing.NewService(db.Gorm, cfg.Stripe)}
		if err := a.orgs.SyncCouncils(ctx); err != nil {
			return err
		}
		return f(a)
	})
}

// databaseURLs are the two connections Hearth uses: the schema owner's, which
// migrates, and the application's, which owns nothing.
type databaseURLs struct{ owner, app string }

// migrateAndGrant applies pending migrations as the owner, then grants the
// application's role its privileges on what they made.
func migrateAndGrant(ctx context.Context, conn databaseURLs) error {
	db, err := migrations.Connect(ctx, conn.owner)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Up(ctx, db.SQL); err != nil {
		return err
	}
	if appRole := migrations.UserOf(conn.app); conn.owner != conn.app && appRole != migrations.UserOf(conn.owner) {
		return migrations.GrantApp(ctx, db.SQL, appRole)
	}
	return nil
}

// withDatabase finds DATABASE_URL and MIGRATE_DATABASE_URL, or starts the embedded
// cluster with its two roles, which it stops cleanly afterwards.
func withDatabase(ctx context.Context, cfg Config, f func(databaseURLs) error) error {
	if cfg.DatabaseURL != "" {
		conn := databaseURLs{owner: cfg.MigrateURL, app: cfg.DatabaseURL}
		if conn.owner == "" {
			conn.owner = conn.app
		}
		return f(conn)
	}
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
	owner, err := cluster.EnsureDatabase(ctx, "hearth")
	if err != nil {
		return err
	}
	conn := databaseURLs{owner: owner, app: migrations.WithUser(owner, migrations.AppRole)}
	slog.Info("embedded PostgreSQL ready", "url", migrations.Redact(conn.app))
	return f(conn)
}

func migrate(ctx context.Context, cfg Config, action string, out io.Writer) error {
	return withDatabase(ctx, cfg, func(conn databaseURLs) error {
		if action == "up" {
			return migrateAndGrant(ctx, conn)
		}
		db, err := migrations.Connect(ctx, conn.owner)
		if err != nil {
			return err
		}
		defer db.Close()
		switch action {
		case "down":
			return migrations.Down(ctx, db.SQL)
		case "status":
			return migrations.Status(ctx, db.SQL, out)
		}
		return fmt.Errorf("migrate %q: want up, down or status", action)
	})
}
