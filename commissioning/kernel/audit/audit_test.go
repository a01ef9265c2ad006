package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestLogIsAppendOnly proves that neither the application's role (no privilege) nor
// the schema's owner (the trigger) can change or remove an entry (ASVS 4.0 V7.3.3).
func TestLogIsAppendOnly(t *testing.T) {
	ctx := context.Background()
	appURL := dbtest.New(t)
	db, err := migrations.Connect(ctx, appURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	owner, err := migrations.Connect(ctx, dbtest.OwnerURL(appURL))
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	log := audit.New(db.Gorm)
	actx := audit.WithActor(ctx, audit.Actor{Label: "ann@council.test (commissioner)", IP: "192.0.2.7", RequestID: "req-1"})
	if err := log.Record(actx, "child.read", "child", "MCR-0042", map[string]any{"why": "placement request"}); err != nil {
		t.Fatal(err)
	}
	if err := log.Record(ctx, "request.close", "placement_request", "7", nil); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		"UPDATE audit_log SET actor = 'someone else'",
		"DELETE FROM audit_log",
		"TRUNCATE audit_log",
	} {
		t.Run(strings.Fields(stmt)[0], func(t *testing.T) {
			if _, err := db.Pool.Exec(ctx, stmt); err == nil || !strings.Contains(err.Error(), "permission denied") {
				t.Fatalf("%s as the application: err = %v, want permission denied", stmt, err)
			}
			if _, err := owner.Pool.Exec(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s as the owner: err = %v, want the append-only refusal", stmt, err)
			}
		})
	}
	entries, total, err := log.List(ctx, audit.AllEntries, audit.Filter{EntityType: "child"}, 0, 10)
	if err != nil || total != 1 {
		t.Fatalf("list = %v, %d, %v", entries, total, err)
	}
	e := entries[0]
	if e.Actor != "ann@council.test (commissioner)" || e.Action != "child.read" || e.EntityID != "MCR-0042" || e.IP == nil || *e.IP != "192.0.2.7" || e.RequestID != "req-1" {
		t.Fatalf("entry = %+v", e)
	}
	if sys, _, _ := log.List(ctx, audit.AllEntries, audit.Filter{Action: "request.close"}, 0, 1); sys[0].Actor != "system" {
		t.Fatalf("no actor in context should record the system: %+v", sys[0])
	}
	var b bytes.Buffer
	if err := log.WriteCSV(ctx, &b, audit.AllEntries, audit.Filter{ActorEmail: "ann@"}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][0] != "id" || rows[1][4] != "child.read" {
		t.Fatalf("csv = %v, %v", rows, err)
	}
}

func TestActionsMustBeNamespaced(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	if err := audit.New(db.Gorm).Record(ctx, "Bad Action", "x", "1", nil); err == nil {
		t.Fatal("an action not shaped entity.verb was accepted")
	}
}
