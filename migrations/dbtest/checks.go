package dbtest

import (
	"regexp"
	"slices"
	"testing"

	"github.com/hearth-placements/hearth/migrations"
)

var quoted = regexp.MustCompile(`'((?:[^']|'')*)'::text`)

// CheckValues returns the values that table's CHECK constraint on column allows (the
// constraint PostgreSQL names <table>_<column>_check, as `column IN (…)` makes it),
// sorted, so a test can hold a Go list of statuses against the database's.
func CheckValues(tb testing.TB, db *migrations.DB, table, column string) []string {
	tb.Helper()
	var def string
	err := db.Gorm.Raw(`SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
        WHERE c.conrelid = ?::regclass AND c.contype = 'c' AND c.conname = ?`, table, table+"_"+column+"_check").Scan(&def).Error
	if err != nil {
		tb.Fatalf("CHECK on %s.%s: %v", table, column, err)
	}
	if def == "" {
		tb.Fatalf("no CHECK constraint %s_%s_check", table, column)
	}
	var out []string
	for _, m := range quoted.FindAllStringSubmatch(def, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}
