package intelligence_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
)

// BenchmarkQuality times the quality view (every provider and home) for the consortium
// with the most placements on national history (3,000 homes; 30,000 starts a year for
// three years): over the default period, which the refresh keeps worked out, and over
// another 12 months, summed from the monthly summary (the refresh's time is logged):
//
//	go test ./commissioning/intelligence/ -run '^$' -bench Quality -benchtime 200x
func BenchmarkQuality(b *testing.B) {
	ctx := context.Background()
	db, svc, _ := historyWorld(b, 3000, 30000, 3)
	start := time.Now()
	if err := svc.RefreshQuality(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("refresh took %s", time.Since(start).Round(time.Millisecond))
	biggest := biggestConsortium(b, db)
	q, err := svc.Quality(ctx, intelligence.Scope{Consortium: biggest}, intelligence.QualityPeriod{})
	if err != nil || len(q.Providers) == 0 {
		b.Fatalf("%d providers, %v", len(q.Providers), err)
	}
	b.Logf("%d providers; %d placements, %d nights, %v invitations", len(q.Providers), q.Placements.N, q.Nights, q.Invitations)
	b.Run("default", func(b *testing.B) {
		benchView(b, func() error {
			_, err := svc.Quality(ctx, intelligence.Scope{Consortium: biggest}, intelligence.QualityPeriod{})
			return err
		})
	})
	if len(q.Periods) < 2 {
		b.Fatalf("periods offered: %+v, want a whole financial year too", q.Periods)
	}
	other := q.Periods[len(q.Periods)-1] // the earliest whole financial year
	b.Run("financial-year", func(b *testing.B) {
		benchView(b, func() error {
			_, err := svc.Quality(ctx, intelligence.Scope{Consortium: biggest}, other)
			return err
		})
	})
}
