// Package dbtest gives each test its own migrated PostgreSQL database.
//
// A package's TestMain calls Main; tests call New. Databases are created on the server
// named by TEST_DATABASE_URL, or else on an embedded cluster started for the test binary
// (see pgembed). Each test's database is a copy of a migrated template and is dropped
// when the test ends.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/pgembed"
)

var (
	adminURL string // a connection to a maintenance database on the test server
	template string // migrated template database name
	counter  atomic.Int64
)

// Main prepares the test server and template, runs the tests and cleans up.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	var stop func()
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		adminURL = u
	} else {
		dir, err := os.MkdirTemp("", "hearth-test-pg-")
		if err != nil {
			log.Fatalf("dbtest: %v", err)
		}
		c, err := pgembed.Start(ctx, pgembed.Options{Dir: dir, Ephemeral: true})
		if err != nil {
			os.RemoveAll(dir)
			log.Fatalf("dbtest: %v", err)
		}
		adminURL = c.URL("postgres")
		stop = func() { _ = c.Stop(); os.RemoveAll(dir) }
	}
	template = fmt.Sprintf("hearth_tpl_%d", os.Getpid())
	if err := exec(ctx, adminURL, "CREATE DATABASE "+template); err != nil {
		log.Fatalf("dbtest: create template: %v", err)
	}
	if err := ensureAppRole(ctx); err != nil {
		log.Fatalf("dbtest: application role: %v", err)
	}
	if err := migrate(ctx, withDB(adminURL, template)); err != nil {
		log.Fatalf("dbtest: migrate template: %v", err)
	}
	code := m.Run()
	_ = exec(ctx, adminURL, "DROP DATABASE IF EXISTS "+template+" WITH (FORCE)")
	if stop != nil {
		stop()
	}
	return code
}

func migrate(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Up(ctx, db); err != nil {
		return err
	}
	return migrations.GrantApp(ctx, db, migrations.AppRole)
}

// ensureAppRole creates the application's role on the test server: tests connect as
// it, as Hearth does, so a privilege the application lacks fails a test.
func ensureAppRole(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return migrations.EnsureRole(ctx, conn, migrations.AppRole)
}

// New creates a fresh migrated database for tb and returns the URL of the
// application's role on it (see OwnerURL for the schema owner's). It is dropped when
// the test ends.
func New(tb testing.TB) string {
	tb.Helper()
	if template == "" {
		tb.Fatal("dbtest: call dbtest.Main from TestMain")
	}
	ctx := context.Background()
	name := fmt.Sprintf("hearth_t%d_%d", os.Getpid(), counter.Add(1))
	if err := exec(ctx, adminURL, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, template)); err != nil {
		tb.Fatalf("dbtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		if err := exec(context.Background(), adminURL, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("dbtest: drop %s: %v", name, err)
		}
	})
	return migrations.WithUser(withDB(adminURL, name), migrations.AppRole)
}

// OwnerURL returns the URL of a database made by New as the schema owner (the test
// server's administrator), for tests that must change what the application cannot.
func OwnerURL(appURL string) string {
	u, err := url.Parse(appURL)
	if err != nil {
		log.Fatalf("dbtest: %v", err)
	}
	return withDB(adminURL, strings.TrimPrefix(u.Path, "/"))
}

// Analyze gathers the planner's statistics on a database made by New, as its owner:
// the application's role owns no table, so its own ANALYZE skips them all.
func Analyze(tb testing.TB, appURL string) {
	tb.Helper()
	if err := exec(context.Background(), OwnerURL(appURL), "ANALYZE"); err != nil {
		tb.Fatalf("dbtest: analyze: %v", err)
	}
}

// Empty creates an unmigrated database, for tests of migrations themselves.
func Empty(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("hearth_e%d_%d", os.Getpid(), counter.Add(1))
	if err := exec(ctx, adminURL, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("dbtest: create database: %v", err)
	}
	tb.Cleanup(func() { _ = exec(context.Background(), adminURL, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return withDB(adminURL, name)
}

func exec(ctx context.Context, dsn, stmt string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}

func withDB(dsn, db string) string {
	u, err := url.Parse(dsn)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		log.Fatalf("dbtest: TEST_DATABASE_URL must be a postgres:// URL")
	}
	u.Path = "/" + db
	return u.String()
}

// Open connects to a fresh migrated database for tb, closed when the test ends.
func Open(tb testing.TB) *migrations.DB {
	tb.Helper()
	db, err := migrations.Connect(context.Background(), New(tb))
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	tb.Cleanup(db.Close)
	return db
}
