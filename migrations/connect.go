package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DB is Hearth's connection to PostgreSQL: one pgx pool, shared by gorm (through
// database/sql) and by code that needs pgx itself (sessions, LISTEN/NOTIFY).
type DB struct {
	Gorm *gorm.DB
	SQL  *sql.DB
	Pool *pgxpool.Pool
}

// Connect opens a pool to dsn and checks the server answers within 10 seconds.
// Errors name the URL with its password masked.
func Connect(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database URL %s: %w", Redact(dsn), err)
	}
	cfg.MaxConns = 20
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", Redact(dsn), err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s: %w", Redact(dsn), err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		TranslateError: true,
		Logger: expectedErrorsFilter{logger.NewSlogLogger(slog.Default(),
			logger.Config{SlowThreshold: 200 * time.Millisecond, LogLevel: logger.Warn, IgnoreRecordNotFoundError: true})},
		NowFunc: func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("gorm: %w", err)
	}
	return &DB{Gorm: g, SQL: sqlDB, Pool: pool}, nil
}

// Close releases every connection.
func (db *DB) Close() {
	_ = db.SQL.Close()
	db.Pool.Close()
}

// Redact masks the password in a database URL for logs and error messages.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "(unparseable database URL)"
	}
	return u.Redacted()
}

// expectedErrorsFilter keeps gorm from logging errors the application expects and
// handles — constraint violations (SQLSTATE class 23, e.g. a duplicate email) and
// Hearth's own refusals (class HB, e.g. a bid after the deadline) — while still
// logging slow queries and every other failure.
type expectedErrorsFilter struct{ logger.Interface }

func (f expectedErrorsFilter) LogMode(l logger.LogLevel) logger.Interface {
	return expectedErrorsFilter{f.Interface.LogMode(l)}
}

func (f expectedErrorsFilter) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && (strings.HasPrefix(pg.Code, "23") || strings.HasPrefix(pg.Code, "HB")) {
		err = nil
	}
	f.Interface.Trace(ctx, begin, fc, err)
}
