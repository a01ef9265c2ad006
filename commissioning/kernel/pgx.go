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
// field, a field with no column is left zero). It is for hot reads: on one of db's pooled connections pgx itself decodes
// PostgreSQL's binary format straight into the struct, with none of database/sql's and
// gorm's per-value reflection, and still uses the connection's cache of prepared
// statements. Inside a transaction (no pool underneath) gorm runs it.
func QueryPgx[T any](ctx context.Context, db *gorm.DB, query string, args map[string]any) ([]T, error) {
	var out []T
	pool, ok := db.Statement.ConnPool.(*sql.DB)
	if !ok {
		err := db.WithContext(ctx).Raw(query, args).Scan(&out).Error
		return out, err
	}
	conn, err := pool.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgx connection: %w", err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("connection is a %T, not pgx's", dc)
		}
		rows, err := c.Conn().Query(ctx, query, pgx.NamedArgs(args))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByNameLax[T])
		return err
	})
	return out, err
}
