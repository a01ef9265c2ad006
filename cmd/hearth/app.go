package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-placements/hearth/cmd/hearth/jobs"
	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
	"github.com/hearth-placements/hearth/commissioning/monitoring"
	"github.com/hearth-placements/hearth/commissioning/police"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/commissioning/simulate"
	"github.com/hearth-placements/hearth/frontend"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/pgembed"
)

// app is Hearth wired together: the database and the domain services.
type app struct {
	cfg Config
	// ownerURL is the schema owner's connection, for maintenance the application's
	// role may not do (ANALYZE after a bulk load).
	ownerURL string
	db       *migrations.DB
	orgs     *commissioning.Service
	requests *marketplace.Requests
	inbox    *notify.Inbox
	users    *auth.Service
	audit    *audit.Log
	outbox   *notify.Outbox
	market   *marketplace.Service
	// frameworks is commissioning's frameworks, sign-up and admissions.
	frameworks *commissioning.Frameworks
	secure     *secure.Service
	intel      *intelligence.Service
	monitoring *monitoring.Service
	police     *police.Service
	sims       *simulate.Runs
	billing    *billing.Service
	// hooks manages webhook endpoints and delivers their events (on the queue).
	hooks *webhook.Service
	// queue is the job queue: the outbox and billing enqueue on it in their own
	// transactions; serve starts it (startJobs).
	queue *jobs.Queue
	// clock is the one clock every service and the web layer take (see
	// kernel.Clock); setClock hands it out.
	clock kernel.Clock
}

// setClock gives c to every service, so that they and the web layer (Deps.Clock) tell
// the same time. Deadlines stay on the database's clock.
func (a *app) setClock(c kernel.Clock) {
	a.clock = c
	a.users.Now, a.market.Now, a.frameworks.Now, a.secure.Now, a.billing.Now, a.intel.Now, a.monitoring.Now, a.police.Now, a.hooks.Now, a.sims.Now = c.Now, c.Now, c.Now, c.Now, c.Now, c.Now, c.Now, c.Now, c.Now, c.Now
}

// withApp opens the database (starting the embedded cluster when DATABASE_URL is
// unset), applies migrations as the schema owner, syncs reference data, runs f as the
// application's role and cleans up.
func withApp(ctx context.Context, cfg Config, f func(*app) error) error {
	keys, err := seedKeys(cfg)
	if err != nil {
		return err
	}
	return withDatabase(ctx, cfg, func(conn databaseURLs) error {
		db, err := openApp(ctx, cfg, conn)
		if err != nil {
			return err
		}
		defer db.Close()
		queue, err := jobs.New(db.SQL, db.Pool, jobs.Options{})
		if err != nil {
			return err
		}
		a := wire(cfg, db, keys, queue)
		a.ownerURL = conn.owner
		if err := a.orgs.SyncCouncils(ctx); err != nil {
			return err
		}
		if n, err := a.market.SyncHostCouncils(ctx); err != nil {
			return err
		} else if n > 0 {
			slog.Info("homes moved to the council their postcode district lies in", "count", n)
		}
		// Seeds stored before they were encrypted are sealed now, once.
		if n, err := a.users.SealPlaintextSeeds(ctx); err != nil {
			return err
		} else if n > 0 {
			slog.Info("sealed plaintext TOTP seeds", "count", n, "key_id", keys.CurrentID())
		}
		return f(a)
	})
}

// wire builds every domain service on db, each with its mail: the one place where
// Hearth's services are put together. The web server, the background jobs and the
// command-line tools all use what it builds, so a change sends the same notices and
// emails whichever of them makes it.
func wire(cfg Config, db *migrations.DB, keys *auth.SeedKeys, queue *jobs.Queue) *app {
	outbox := notify.NewOutbox(db.Gorm, cfg.SMTP.Addr != "").WithLinkKey(cfg.SMTP.LinkKey).WithEnqueuer(queue)
	users := auth.NewService(db.Gorm).WithMail(outbox, cfg.BaseURL)
	users.Keys = keys
	a := &app{cfg: cfg, db: db, users: users, audit: audit.New(db.Gorm), outbox: outbox,
		orgs:       commissioning.NewService(db.Gorm),
		requests:   marketplace.NewRequests(db.Gorm),
		inbox:      notify.NewInbox(db.Gorm),
		market:     marketplace.NewService(db.Gorm).WithMail(outbox, cfg.BaseURL).WithWebhooks(queue),
		frameworks: commissioning.NewFrameworks(db.Gorm).WithMail(outbox, cfg.BaseURL),
		secure:     secure.NewService(db.Gorm).WithMail(outbox, cfg.BaseURL).WithWebhooks(queue),
		intel:      intelligence.New(db.Gorm),
		monitoring: monitoring.New(db.Gorm),
		police:     police.New(db.Gorm),
		sims:       simulate.NewRuns(db.Gorm).WithEnqueuer(queue),
		billing:    billing.NewService(db.Gorm, cfg.Stripe).WithEnqueuer(queue),
		hooks:      webhook.New(db.Gorm, cfg.WebhookKey, webhook.Options{AllowLoopback: cfg.WebhookAllowLoopback}).WithEnqueuer(queue),
		queue:      queue}
	a.setClock(kernel.SystemClock)
	return a
}

// withoutMail returns a copy of a whose marketplace and secure services write notices
// but send no email: the demo loads its world without mailing its fictional people.
func (a *app) withoutMail() *app {
	c := *a
	c.market = a.market.WithoutMail()
	c.frameworks = a.frameworks.WithoutMail()
	c.secure = secure.NewService(a.db.Gorm).WithWebhooks(a.queue)
	return &c
}

// deps are the services the web layer calls, as wire built them.
func (a *app) deps() frontend.Deps {
	return frontend.Deps{DB: a.db, Orgs: a.orgs, Requests: a.requests, Inbox: a.inbox, Users: a.users, Audit: a.audit, Outbox: a.outbox, Market: a.market, Frameworks: a.frameworks, Secure: a.secure, Billing: a.billing, Intelligence: a.intel, Monitoring: a.monitoring, Police: a.police, Simulations: a.sims, Webhooks: a.hooks, Clock: a.clock}
}

// analyze gathers fresh planner statistics as the schema's owner, after a bulk load.
func (a *app) analyze(ctx context.Context) error {
	db, err := migrations.Connect(ctx, a.ownerURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// openApp migrates as the owner, then connects as the application's role and checks
// that it owns nothing (unless cfg allows a privileged role).
func openApp(ctx context.Context, cfg Config, conn databaseURLs) (*migrations.DB, error) {
	if err := migrateAndGrant(ctx, conn); err != nil {
		return nil, err
	}
	db, err := migrations.Connect(ctx, conn.app)
	if err != nil {
		return nil, err
	}
	if err := migrations.CheckAppRole(ctx, db.SQL); err != nil {
		if !cfg.AllowPrivilegedRole {
			db.Close()
			return nil, err
		}
		slog.Warn("running with a privileged database role", "err", err)
	}
	return db, nil
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

// ErrNoTOTPKey is returned when Hearth runs on DATABASE_URL without a TOTP key.
var ErrNoTOTPKey = errors.New("set HEARTH_TOTP_KEY or HEARTH_TOTP_KEY_FILE (the base64 of 32 random bytes, e.g. from `head -c 32 /dev/urandom | base64`): with DATABASE_URL Hearth does not make a key itself")

// seedKeys returns the keys that seal TOTP seeds. With a configured key, that key. With
// none and the embedded database, the key kept in cfg.TOTPKeyFile, generated there
// (mode 0600) the first time. With none and DATABASE_URL, ErrNoTOTPKey: a key made up
// by one server would leave every other server, and the next deployment, unable to
// read the seeds.
func seedKeys(cfg Config) (*auth.SeedKeys, error) {
	if cfg.TOTPKey != nil {
		return auth.NewSeedKeys(cfg.TOTPKey)
	}
	if cfg.DatabaseURL != "" {
		return nil, ErrNoTOTPKey
	}
	k, err := readSeedKeyFile(cfg.TOTPKeyFile)
	if errors.Is(err, os.ErrNotExist) {
		if k, err = generateSeedKeyFile(cfg.TOTPKeyFile); err == nil {
			slog.Warn("generated a TOTP key for the embedded database; back it up with the data folder", "file", cfg.TOTPKeyFile)
		} else if errors.Is(err, os.ErrExist) { // another hearth made it first
			k, err = readSeedKeyFile(cfg.TOTPKeyFile)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("TOTP key: %w", err)
	}
	return auth.NewSeedKeys(k)
}

func generateSeedKeyFile(path string) ([]byte, error) {
	enc, err := auth.NewSeedKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(enc + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return auth.ParseSeedKey(enc)
}
