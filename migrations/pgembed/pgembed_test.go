package pgembed

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestClusterSurvivesRestart starts a cluster, writes a row, stops it, starts it again
// from the same folder and reads the row back.
func TestClusterSurvivesRestart(t *testing.T) {
	if _, err := FindBinaries(); err != nil {
		t.Skip(err)
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "pgembed-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	exec := func(c *Cluster, sql string) string {
		t.Helper()
		url, err := c.EnsureDatabase(ctx, "hearth")
		if err != nil {
			t.Fatal(err)
		}
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var out string
		if !strings.HasPrefix(sql, "SELECT") {
			if _, err := conn.Exec(ctx, sql); err != nil {
				t.Fatal(err)
			}
			return ""
		}
		if err := conn.QueryRow(ctx, sql).Scan(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	c, err := Start(ctx, Options{Dir: dir, Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	exec(c, "CREATE TABLE kept AS SELECT 'still here'::text AS v")
	exec(c, "SELECT current_setting('listen_addresses')")
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	c, err = Start(ctx, Options{Dir: dir, Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if got := exec(c, "SELECT v FROM kept"); got != "still here" {
		t.Fatalf("after restart: %q", got)
	}
	if got := exec(c, "SELECT current_setting('listen_addresses')"); got != "127.0.0.1" {
		t.Fatalf("listens on %q, want loopback only", got)
	}
	// A second Start on the same folder, while the first runs, shares the server and
	// its Stop leaves it running for the first.
	second, err := Start(ctx, Options{Dir: dir, Ephemeral: true})
	if err != nil {
		t.Fatal(err)
	}
	if second.URL("x") != c.URL("x") {
		t.Fatalf("second start on %s, first on %s", second.URL("x"), c.URL("x"))
	}
	if err := second.Stop(); err != nil {
		t.Fatal(err)
	}
	if got := exec(c, "SELECT v FROM kept"); got != "still here" {
		t.Fatalf("after the sharer stopped: %q", got)
	}
}
