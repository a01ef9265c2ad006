package main

import (
	"context"
	"testing"
	"time"
)

// TestSmallStorm runs the storm end to end with 5 providers over a 4-second window, so
// that `make bidstorm` cannot break unseen (it once stopped starting when the web
// layer gained dependencies the command did not give it).
func TestSmallStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL and runs for several seconds")
	}
	if err := run(context.Background(), 5, 4*time.Second, ""); err != nil {
		t.Fatal(err)
	}
}
