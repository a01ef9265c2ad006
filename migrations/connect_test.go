package migrations_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestQueryLogsHoldNoValues: a failed query is logged with placeholders, never with
// the values it carried, which can be a child's details. ASVS V7.1.1, V7.1.2.
func TestQueryLogsHoldNoValues(t *testing.T) {
	const secret = "Jessica-Child-Name-1234"
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	ctx := context.Background()
	db, err := migrations.Connect(ctx, dbtest.Empty(t)) // the logger is made here, with the buffer
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tests := []struct {
		name string
		sql  string
	}{
		{"UnknownTable", "SELECT * FROM no_such_table WHERE name = ?"},
		{"DataException", "SELECT ?::int"}, // PostgreSQL quotes the refused value
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf.Reset()
			if err := db.Gorm.WithContext(ctx).Exec(tt.sql, secret).Error; err == nil {
				t.Fatal("the query should fail")
			}
			out := buf.String()
			if out == "" {
				t.Fatal("the failed query was not logged at all")
			}
			if strings.Contains(out, secret) {
				t.Fatalf("the log holds the query's value:\n%s", out)
			}
			if !strings.Contains(out, "$1") {
				t.Fatalf("the log should show the placeholder:\n%s", out)
			}
		})
	}
}
