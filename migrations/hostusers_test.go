package migrations_test

import (
	"context"
	"testing"

	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestHostCouncilUsersBelongToCouncils: the database, as the app role and whatever the
// Go code does, gives the host-council user role only to a council's staff, always
// with the consortium that manages the account, and never a managing consortium to
// anyone else (migration 00017).
func TestHostCouncilUsersBelongToCouncils(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	mustExec := func(sql string) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`INSERT INTO organisations (kind, name) VALUES ('provider', 'Prov'), ('consortium', 'Cons'), ('swcu', 'Unit')`)
	mustExec(`INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon) VALUES ('council', 'Cumberland', 'E06000063', 'North West', 54.68, -3.19)`)
	insert := func(email, role, org, managedBy string) string {
		return `INSERT INTO users (organisation_id, org_kind, email, name, role, managed_by) SELECT o.id, o.kind, '` + email + `', 'U', '` + role + `', ` + managedBy +
			` FROM organisations o WHERE o.name = '` + org + `'`
	}
	cons := `(SELECT id FROM organisations WHERE name = 'Cons')`
	tests := []sqlCase{
		{"OK", insert("host@cumberland.test", "host_council_user", "Cumberland", cons), true},
		{"ErrAtProvider", insert("a@x.test", "host_council_user", "Prov", cons), false},
		{"ErrAtConsortium", insert("b@x.test", "host_council_user", "Cons", cons), false},
		{"ErrAtSWCU", insert("c@x.test", "host_council_user", "Unit", cons), false},
		{"ErrUnmanaged", insert("d@x.test", "host_council_user", "Cumberland", "NULL"), false},
		{"ErrManagedByACouncil", insert("e@x.test", "host_council_user", "Cumberland", `(SELECT id FROM organisations WHERE name = 'Cumberland')`), false},
		{"ErrManagedByAProvider", insert("f@x.test", "host_council_user", "Cumberland", `(SELECT id FROM organisations WHERE name = 'Prov')`), false},
		{"ErrCommissionerManaged", insert("g@x.test", "commissioner", "Cumberland", cons), false},
		{"ErrBecomesCommissioner", `UPDATE users SET role = 'commissioner' WHERE email = 'host@cumberland.test'`, false},
		{"ErrMovesToAProvider", `UPDATE users SET (organisation_id, org_kind) = (SELECT id, kind FROM organisations WHERE name = 'Prov') WHERE email = 'host@cumberland.test'`, false},
	}
	runSQLCases(t, db, tests)
}

// sqlCase is a statement the database must accept (ok) or refuse.
type sqlCase struct {
	name string
	sql  string
	ok   bool
}

// runSQLCases runs each case in turn, as the application role, in a subtest.
func runSQLCases(t *testing.T, db *migrations.DB, tests []sqlCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.Pool.Exec(context.Background(), tt.sql)
			if tt.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.ok && err == nil {
				t.Fatalf("accepted: %s", tt.sql)
			}
		})
	}
}

// TestRollingBackHostCouncilUsersRefusesWhileTheyExist: migration 00017's Down would
// have to turn host-council users into a wider role, so it refuses until they are gone.
func TestRollingBackHostCouncilUsersRefusesWhileTheyExist(t *testing.T) {
	rollbackRefusedWhile(t, `INSERT INTO organisations (kind, name) VALUES ('consortium', 'Cons');
        INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon) VALUES ('council', 'Cumberland', 'E06000063', 'North West', 54.68, -3.19);
        INSERT INTO users (organisation_id, org_kind, email, name, role, managed_by)
        SELECT o.id, o.kind, 'host@x.test', 'H', 'host_council_user', (SELECT id FROM organisations WHERE name = 'Cons')
        FROM organisations o WHERE o.kind = 'council' AND o.ons_code = 'E06000063'`,
		`SELECT count(*) FROM users WHERE role = 'host_council_user'`,
		`DELETE FROM users WHERE role = 'host_council_user'`)
}

// rollbackRefusedWhile migrates a new database up, writes rows with, checks that count
// finds one, and expects rolling every migration back to fail until without removes them.
func rollbackRefusedWhile(t *testing.T, with, count, without string) {
	t.Helper()
	ctx := context.Background()
	db, err := migrations.Connect(ctx, dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(migrations.Up(ctx, db.SQL))
	_, err = db.SQL.ExecContext(ctx, with)
	must(err)
	var n int
	must(db.SQL.QueryRowContext(ctx, count).Scan(&n))
	if n != 1 {
		t.Fatalf("%s: %d, want 1", count, n)
	}
	if err := migrations.Reset(ctx, db.SQL); err == nil {
		t.Fatal("rolled back with them in place")
	}
	_, err = db.SQL.ExecContext(ctx, without)
	must(err)
	must(migrations.Reset(ctx, db.SQL))
}
