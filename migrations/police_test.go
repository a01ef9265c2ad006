package migrations_test

import (
	"context"
	"testing"

	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestPoliceForcesAreManagedAndTheirUsersLiaise: the database, whatever the Go code
// does, keeps a police organisation to one consortium and a real force area, gives the
// police_liaison role to police staff only and no one else's role to them, and holds a
// home's contact lines to their bounds (migrations 00048 and 00049).
func TestPoliceForcesAreManagedAndTheirUsersLiaise(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	mustExec := func(sql string) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`INSERT INTO organisations (kind, name) VALUES ('provider', 'Prov'), ('consortium', 'Cons'), ('consortium', 'Cons B')`)
	mustExec(`INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon) VALUES ('council', 'Cumberland', 'E06000063', 'North West', 54.68, -3.19)`)
	cons, consB := `(SELECT id FROM organisations WHERE name = 'Cons')`, `(SELECT id FROM organisations WHERE name = 'Cons B')`
	force := func(name, pfa, managedBy string) string {
		return `INSERT INTO organisations (kind, name, pfa_code, managed_by) VALUES ('police', '` + name + `', ` + pfa + `, ` + managedBy + `)`
	}
	user := func(email, role, org string) string {
		return `INSERT INTO users (organisation_id, org_kind, email, name, role) SELECT o.id, o.kind, '` + email + `', 'U', '` + role + `' FROM organisations o WHERE o.name = '` + org + `' ORDER BY o.id LIMIT 1`
	}
	runSQLCases(t, db, []sqlCase{
		{"OK", force("Cumbria Police", "'E23000002'", cons), true},
		{"OKSameForceAnotherConsortium", force("Cumbria Police", "'E23000002'", consB), true},
		{"ErrSameForceTwiceInAConsortium", force("Cumbria Police 2", "'E23000002'", cons), false},
		{"ErrUnmanaged", force("Kent Police", "'E23000032'", "NULL"), false},
		{"ErrNoForceArea", force("Kent Police", "NULL", cons), false},
		{"ErrNotAForceArea", force("Kent Police", "'E23000040'", cons), false},
		{"ErrWelshCode", force("Gwent Police", "'W15000002'", cons), false},
		{"ErrManagedByAProvider", force("Kent Police", "'E23000032'", `(SELECT id FROM organisations WHERE name = 'Prov')`), false},
		{"ErrProviderWithForceArea", `INSERT INTO organisations (kind, name, pfa_code) VALUES ('provider', 'P2', 'E23000032')`, false},
		{"ErrCouncilManaged", `UPDATE organisations SET managed_by = ` + cons + ` WHERE name = 'Cumberland'`, false},
		{"OKLiaison", user("pc@cumbria.test", "police_liaison", "Cumbria Police"), true},
		{"ErrLiaisonAtCouncil", user("a@x.test", "police_liaison", "Cumberland"), false},
		{"ErrLiaisonAtProvider", user("b@x.test", "police_liaison", "Prov"), false},
		{"ErrCommissionerAtPolice", user("c@x.test", "commissioner", "Cumbria Police"), false},
		{"ErrBecomesAdmin", `UPDATE users SET role = 'consortium_admin' WHERE email = 'pc@cumbria.test'`, false},
		{"ErrHomeAddressTooLong", `INSERT INTO homes (provider_id, name, ofsted_urn, home_type, ofsted_rating, registered_places, min_age, max_age, accepts_male, accepts_female, postcode, outcode, lat, lon, address)
            SELECT id, 'Home', 'SC999001', 'childrens_home', 'not_yet_inspected', 2, 10, 17, true, true, 'CA1 1AA', 'CA1', 54.9, -2.9, repeat('x', 201) FROM organisations WHERE name = 'Prov'`, false},
		{"ErrHomeManagerEmail", `INSERT INTO homes (provider_id, name, ofsted_urn, home_type, ofsted_rating, registered_places, min_age, max_age, accepts_male, accepts_female, postcode, outcode, lat, lon, manager_email)
            SELECT id, 'Home', 'SC999002', 'childrens_home', 'not_yet_inspected', 2, 10, 17, true, true, 'CA1 1AA', 'CA1', 54.9, -2.9, 'not an email' FROM organisations WHERE name = 'Prov'`, false},
		{"ErrHomeManagerPhone", `INSERT INTO homes (provider_id, name, ofsted_urn, home_type, ofsted_rating, registered_places, min_age, max_age, accepts_male, accepts_female, postcode, outcode, lat, lon, manager_phone)
            SELECT id, 'Home', 'SC999003', 'childrens_home', 'not_yet_inspected', 2, 10, 17, true, true, 'CA1 1AA', 'CA1', 54.9, -2.9, 'call me' FROM organisations WHERE name = 'Prov'`, false},
		{"OKHomeContacts", `INSERT INTO homes (provider_id, name, ofsted_urn, home_type, ofsted_rating, registered_places, min_age, max_age, accepts_male, accepts_female, postcode, outcode, lat, lon, address, manager_name, manager_phone, manager_email)
            SELECT id, 'Home', 'SC999004', 'childrens_home', 'not_yet_inspected', 2, 10, 17, true, true, 'CA1 1AA', 'CA1', 54.9, -2.9, '1 Road', 'M', '+44 1228 496000', 'm@x.test' FROM organisations WHERE name = 'Prov'`, true},
	})
	// A force's reads are filed under its consortium in the audit log.
	mustExec(`INSERT INTO audit_log (actor_org_id, actor, action, entity_type, entity_id, detail)
        SELECT id, 'pc', 'police.homes_read', 'organisation', id::text, '{}' FROM organisations WHERE name = 'Cumbria Police' AND managed_by = ` + cons)
	var filed int64
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'police.homes_read' AND consortium_id = `+cons).Scan(&filed); err != nil || filed != 1 {
		t.Fatalf("audit entries filed under the force's consortium = %d (%v), want 1", filed, err)
	}
}

// TestRollingBackPoliceForcesRefusesWhileTheyExist: migration 00048's Down would leave
// police organisations and their liaison officers without a kind or role, so it refuses
// until they are gone.
func TestRollingBackPoliceForcesRefusesWhileTheyExist(t *testing.T) {
	rollbackRefusedWhile(t, `INSERT INTO organisations (kind, name) VALUES ('consortium', 'Cons');
        INSERT INTO organisations (kind, name, pfa_code, managed_by) SELECT 'police', 'Kent Police', 'E23000032', id FROM organisations WHERE name = 'Cons'`,
		`SELECT count(*) FROM organisations WHERE kind = 'police'`,
		`DELETE FROM organisations WHERE kind = 'police'`)
}
