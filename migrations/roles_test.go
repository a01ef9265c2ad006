package migrations_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestAppRoleCannotTamperWithAudit proves the application's role owns nothing: it
// appends to and reads the audit log but cannot change, delete or truncate rows, nor
// disable the append-only trigger, nor change the schema (ASVS 4.0 V7.3.3 logs
// protected from modification; V1.2.1 least-privilege accounts for components).
func TestAppRoleCannotTamperWithAudit(t *testing.T) {
	ctx := context.Background()
	appURL := dbtest.New(t)
	app, err := migrations.Connect(ctx, appURL)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if _, err := app.SQL.ExecContext(ctx, `INSERT INTO audit_log (actor, action, entity_type) VALUES ('test', 'test.append', 'test')`); err != nil {
		t.Fatalf("the application must append to the audit log: %v", err)
	}
	var n int
	if err := app.SQL.QueryRowContext(ctx, `SELECT count(*) FROM audit_log`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the application must read the audit log: n=%d err=%v", n, err)
	}
	refused := []string{
		`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete`,
		`ALTER TABLE audit_log DISABLE TRIGGER ALL`,
		`UPDATE audit_log SET actor = 'someone else'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`DROP TABLE audit_log`,
		`CREATE TABLE mine (id int)`,
		`ALTER TABLE users ADD COLUMN x int`,
		`INSERT INTO goose_db_version (version_id, is_applied) VALUES (999999, true)`,
	}
	for _, stmt := range refused {
		t.Run(strings.Fields(stmt)[0]+"_"+strings.Fields(stmt)[1], func(t *testing.T) {
			_, err := app.SQL.ExecContext(ctx, stmt)
			if err == nil {
				t.Fatalf("%s: allowed for the application's role", stmt)
			}
			if !strings.Contains(err.Error(), "must be owner") && !strings.Contains(err.Error(), "permission denied") {
				t.Fatalf("%s: want a privilege error, got %v", stmt, err)
			}
		})
	}
	if err := migrations.CheckAppRole(ctx, app.SQL); err != nil {
		t.Fatalf("CheckAppRole(app) = %v, want nil", err)
	}
	owner, err := migrations.Connect(ctx, dbtest.OwnerURL(appURL))
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if err := migrations.CheckAppRole(ctx, owner.SQL); !errors.Is(err, migrations.ErrPrivilegedRole) {
		t.Fatalf("CheckAppRole(owner) = %v, want ErrPrivilegedRole", err)
	}
}
