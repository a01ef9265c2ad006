package kernel

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// QueryPgx runs query, with @name parameters from args, and collects each row into a T
// by column name (snake_case columns match CamelCase fields; every column needs a
// field, a field with no column is left zero). It is for hot reads: on one of db's
// pooled connections pgx itself decodes PostgreSQL's binary format straight into the
// struct, with none of database/sql's and gorm's per-value reflection, and still uses
// the connection's cache of prepared statements. Inside a transaction (no pool
// underneath) gorm runs it.
func QueryPgx[T any](ctx context.Context, db *gorm.DB, query string, args map[string]any) ([]T, error) {
	var out []T
	ok, err := withPgx(ctx, db, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, pgx.NamedArgs(args))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByNameLax[T])
		return err
	})
	if !ok {
		err = db.WithContext(ctx).Raw(query, args).Scan(&out).Error
	}
	return out, err
}

// Scanner is one row being read, by pgx or by database/sql.
type Scanner interface{ Scan(dest ...any) error }

// EachRow runs query, with @name parameters from args, and calls scan on each row in
// turn: through pgx itself on one of db's pooled connections (see QueryPgx), through
// database/sql inside a transaction. For hot reads scanned by hand.
func EachRow(ctx context.Context, db *gorm.DB, query string, args map[string]any, scan func(Scanner) error) error {
	ok, err := withPgx(ctx, db, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, pgx.NamedArgs(args))
		if err != nil {
			return err
		}
		defer rows.Close()
		return eachOf(rows, scan)
	})
	if ok {
		return err
	}
	rows, err := db.WithContext(ctx).Raw(query, args).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	return eachOf(rows, scan)
}

// rowIterator is what pgx's rows and database/sql's have in common.
type rowIterator interface {
	Scanner
	Next() bool
	Err() error
}

// eachOf calls scan on every row of rows, then reports the rows' own error.
func eachOf(rows rowIterator, scan func(Scanner) error) error {
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// withPgx runs fn on one of db's pooled connections as pgx's own connection, and
// reports false (running nothing) when db has no pool of pgx connections underneath:
// inside a transaction, say.
func withPgx(ctx context.Context, db *gorm.DB, fn func(*pgx.Conn) error) (bool, error) {
	pool, ok := db.Statement.ConnPool.(*sql.DB)
	if !ok {
		return false, nil
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return true, fmt.Errorf("pgx connection: %w", err)
	}
	defer conn.Close()
	return true, conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("connection is a %T, not pgx's", dc)
		}
		return fn(c.Conn())
	})
}
