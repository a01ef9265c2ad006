package migrations_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestMigrationsAreReversible applies every migration, rolls them all back, and
// applies them again.
func TestMigrationsAreReversible(t *testing.T) {
	ctx := context.Background()
	db, err := migrations.Connect(ctx, dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, step := range []func(context.Context) error{
		func(ctx context.Context) error { return migrations.Up(ctx, db.SQL) },
		func(ctx context.Context) error { return migrations.Reset(ctx, db.SQL) },
		func(ctx context.Context) error { return migrations.Up(ctx, db.SQL) },
	} {
		if err := step(ctx); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	var b bytes.Buffer
	if err := migrations.Status(ctx, db.SQL, &b); err != nil || strings.Contains(b.String(), "pending") {
		t.Fatalf("status after up:\n%s%v", b.String(), err)
	}
}

// TestSchemaConstraints checks invariants the database keeps even if Go code is wrong.
func TestSchemaConstraints(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	mustExec := func(sql string, args ...any) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`INSERT INTO organisations (kind, name) VALUES ('provider', 'Prov'), ('consortium', 'Cons')`)
	mustExec(`INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon) VALUES ('council', 'Manchester', 'E08000003', 'North West', 53.46, -2.23)`)
	tests := []struct {
		name string
		sql  string
	}{
		{"ErrCommissionerAtProvider", `INSERT INTO users (organisation_id, org_kind, email, name, role) SELECT id, kind, 'a@x.test', 'A', 'commissioner' FROM organisations WHERE name = 'Prov'`},
		{"ErrOrgKindMismatch", `INSERT INTO users (organisation_id, org_kind, email, name, role) SELECT id, 'council', 'b@x.test', 'B', 'commissioner' FROM organisations WHERE name = 'Prov'`},
		{"ErrCouncilWithoutONSCode", `INSERT INTO organisations (kind, name) VALUES ('council', 'Nowhere')`},
		{"ErrBadONSCode", `INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon) VALUES ('council', 'X', 'W06000001', 'North West', 53, -2)`},
		{"ErrProviderInConsortium", `UPDATE organisations SET consortium_id = (SELECT id FROM organisations WHERE name = 'Cons') WHERE name = 'Prov'`},
		{"ErrCouncilJoinsAProvider", `UPDATE organisations SET consortium_id = (SELECT id FROM organisations WHERE name = 'Prov') WHERE name = 'Manchester'`},
		{"ErrPlainPasswordHash", `INSERT INTO users (organisation_id, org_kind, email, name, role, password_hash) SELECT id, kind, 'c@x.test', 'C', 'provider_user', 'hunter2' FROM organisations WHERE name = 'Prov'`},
		{"ErrDuplicateEmailAnyCase", `INSERT INTO users (organisation_id, org_kind, email, name, role) SELECT id, kind, e, 'D', 'provider_user' FROM organisations, (VALUES ('d@x.test'), ('D@X.test')) v(e) WHERE name = 'Prov'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := db.Pool.Exec(ctx, tt.sql); err == nil {
				t.Fatalf("accepted: %s", tt.sql)
			}
		})
	}
	mustExec(`UPDATE organisations SET consortium_id = (SELECT id FROM organisations WHERE name = 'Cons') WHERE name = 'Manchester'`)
}

// TestNeedsTaxonomyMatchesTheDatabase keeps Go's needs list and the database's
// hearth_need_codes() in the same order: needs bitmasks depend on it.
func TestNeedsTaxonomyMatchesTheDatabase(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	var codes []string
	if err := db.Pool.QueryRow(ctx, "SELECT hearth_need_codes()").Scan(&codes); err != nil {
		t.Fatal(err)
	}
	if len(codes) != len(kernel.Needs) {
		t.Fatalf("database has %d codes, Go %d", len(codes), len(kernel.Needs))
	}
	for i, o := range kernel.Needs {
		if codes[i] != o.Code {
			t.Fatalf("code %d: database %q, Go %q", i, codes[i], o.Code)
		}
	}
	var mask int64
	if err := db.Pool.QueryRow(ctx, "SELECT hearth_needs_mask(ARRAY['autism','cse_risk'])").Scan(&mask); err != nil {
		t.Fatal(err)
	}
	if want := kernel.NeedsMask([]string{"cse_risk", "autism"}); mask != want {
		t.Fatalf("mask %b, want %b", mask, want)
	}
}
