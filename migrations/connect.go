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
			logger.Config{SlowThreshold: 200 * time.Millisecond, LogLevel: logger.Warn, IgnoreRecordNotFoundError: true,
				// Placeholders, never values: queries carry child data (ASVS V7.1.1).
				ParameterizedQueries: true})},
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
	// libpq also takes secrets as query parameters (?password=…).
	q := u.Query()
	for _, k := range []string{"password", "sslpassword", "sslkey"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}

// expectedErrorsFilter keeps gorm from logging errors the application expects and
// handles — constraint violations (SQLSTATE class 23, e.g. a duplicate email) and
// Hearth's own refusals (class HB, e.g. a bid after the deadline) — while still
// logging slow queries and every other failure. PostgreSQL's data exceptions (class
// 22) quote the value refused, so only their code and the column are logged.
type expectedErrorsFilter struct{ logger.Interface }

// ParamsFilter drops a query's values from what is logged when the logger is
// configured with ParameterizedQueries (gorm asks the logger itself).
func (f expectedErrorsFilter) ParamsFilter(ctx context.Context, sql string, params ...any) (string, []any) {
	if pf, ok := f.Interface.(gorm.ParamsFilter); ok {
		return pf.ParamsFilter(ctx, sql, params...)
	}
	return sql, params
}

// dataException is a class 22 error with the offending value left out.
type dataException struct{ pg *pgconn.PgError }

func (e dataException) Error() string {
	if e.pg.ColumnName != "" {
		return fmt.Sprintf("data exception (SQLSTATE %s) in %s.%s", e.pg.Code, e.pg.TableName, e.pg.ColumnName)
	}
	return fmt.Sprintf("data exception (SQLSTATE %s)", e.pg.Code)
}

func (e dataException) Unwrap() error { return e.pg }

func (f expectedErrorsFilter) LogMode(l logger.LogLevel) logger.Interface {
	return expectedErrorsFilter{f.Interface.LogMode(l)}
}

func (f expectedErrorsFilter) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && (strings.HasPrefix(pg.Code, "23") || strings.HasPrefix(pg.Code, "HB") || strings.HasPrefix(pg.Code, "HS")) {
		err = nil
	} else if pg != nil && strings.HasPrefix(pg.Code, "22") {
		err = dataException{pg}
	}
	f.Interface.Trace(ctx, begin, fc, err)
}
