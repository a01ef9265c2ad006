package migrations_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestConcurrentUpAppliesOnce starts two migrations on one empty database at once,
// as replicas or a migration Job and a replica do: goose's session locker makes
// them take turns, so both succeed and every migration is recorded exactly once.
func TestConcurrentUpAppliesOnce(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.Empty(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		db, err := migrations.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		wg.Go(func() { errs[i] = migrations.Up(ctx, db.SQL) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent up: %v", err)
	}
	db, err := migrations.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows, versions int
	if err := db.SQL.QueryRowContext(ctx,
		`SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0 AND is_applied`,
	).Scan(&rows, &versions); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(files) || versions != len(files) {
		t.Fatalf("goose_db_version holds %d rows for %d versions; want each of the %d migrations once (%s…)",
			rows, versions, len(files), filepath.Base(files[0]))
	}
}
