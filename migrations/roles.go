package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// AppRole is the role the application connects as when Hearth sets up the database
// itself (the embedded cluster and the tests). In other deployments it is the user
// named in DATABASE_URL.
const AppRole = "hearth_app"

// OwnerRole owns the schema in databases Hearth creates: migrations run as it.
const OwnerRole = "hearth_owner"

// Extensions are the PostgreSQL extensions the migrations use. Some (cube,
// earthdistance) only a superuser may create, so a database's administrator creates
// them before the schema owner migrates (the embedded cluster does it itself).
var Extensions = []string{"citext", "cube", "earthdistance", "btree_gist"}

// CreateExtensions creates every extension in Extensions, as a superuser.
func CreateExtensions(ctx context.Context, conn *pgx.Conn) error {
	for _, e := range Extensions {
		if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS "+pgx.Identifier{e}.Sanitize()); err != nil {
			return fmt.Errorf("create extension %s: %w", e, err)
		}
	}
	return nil
}

// ErrPrivilegedRole is returned by CheckAppRole when the application's role could
// change the schema or the audit log's protections.
var ErrPrivilegedRole = errors.New("the application's database role is a superuser or owns the schema")

// grants give the application's role what it needs and nothing more: it reads and
// writes rows, but owns nothing, so it cannot alter tables or disable triggers, and on
// the audit log it may only append and read.
var grants = []string{
	"GRANT CONNECT, TEMPORARY ON DATABASE %[2]s TO %[1]s",
	"GRANT USAGE ON SCHEMA public TO %[1]s",
	"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[1]s",
	"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %[1]s",
	"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log FROM %[1]s",
	"REVOKE ALL ON goose_db_version FROM %[1]s",
	"GRANT SELECT ON goose_db_version TO %[1]s",
}

// GrantApp gives role the application's privileges on every table the migrations
// made. It runs as the schema owner after every migration, and is idempotent.
func GrantApp(ctx context.Context, db *sql.DB, role string) error {
	if role == "" {
		return errors.New("grant: no application role")
	}
	var dbName string
	if err := db.QueryRowContext(ctx, "SELECT current_database()").Scan(&dbName); err != nil {
		return fmt.Errorf("grant %s: %w", role, err)
	}
	r, d := pgx.Identifier{role}.Sanitize(), pgx.Identifier{dbName}.Sanitize()
	// One transaction under an advisory lock: replicas starting at once would otherwise
	// fail with "tuple concurrently updated" granting on the same objects.
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("grant %s: %w", role, err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtext('hearth grants'))"); err != nil {
		return fmt.Errorf("grant %s: lock: %w", role, err)
	}
	for _, g := range grants {
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(g, r, d)); err != nil {
			return fmt.Errorf("grant %s: %s: %w", role, fmt.Sprintf(g, r, d), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("grant %s: %w", role, err)
	}
	return nil
}

// EnsureRole creates a login role unless it exists (on a server with trust or peer
// authentication, such as the embedded cluster and the tests').
func EnsureRole(ctx context.Context, conn *pgx.Conn, role string) error {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role).Scan(&exists); err != nil {
		return fmt.Errorf("role %s: %w", role, err)
	}
	if exists {
		return nil
	}
	_, err := conn.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
	if err != nil && !strings.Contains(err.Error(), "already exists") { // another process won the race
		return fmt.Errorf("create role %s: %w", role, err)
	}
	return nil
}

// CheckAppRole returns ErrPrivilegedRole when the connection's role is a superuser or
// owns the audit log, so that a deployment cannot run the application with the power
// to rewrite history.
func CheckAppRole(ctx context.Context, db *sql.DB) error {
	var role string
	var super, owner bool
	err := db.QueryRowContext(ctx, `SELECT current_user, r.rolsuper,
	        pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = 'audit_log'::regclass), 'USAGE')
	    FROM pg_roles r WHERE r.rolname = current_user`).Scan(&role, &super, &owner)
	if err != nil {
		return fmt.Errorf("check database role: %w", err)
	}
	if super || owner {
		return fmt.Errorf("%w: %s (connect as a role without ownership; see README, Security)", ErrPrivilegedRole, role)
	}
	return nil
}

// UserOf returns the user name in a PostgreSQL URL.
func UserOf(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return ""
	}
	return u.User.Username()
}

// WithUser returns dsn connecting as user instead (no password: trust authentication).
func WithUser(dsn, user string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	u.User = url.User(user)
	return u.String()
}
