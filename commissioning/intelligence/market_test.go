package intelligence_test

import (
	"context"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
)

// TestProviderPricesTwoConsortia: the North West's price comparison names only its own
// councils, each with no more awards than it made, and the history's providers that
// price differently for different councils show a spread.
func TestProviderPricesTwoConsortia(t *testing.T) {
	ctx := context.Background()
	db, svc, ids := historyWorld(t, 300, 8000, 1, northWest, london)
	nw := ids[northWest]
	got, err := svc.ProviderPrices(ctx, intelligence.Scope{Consortium: nw})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Rows) == 0 {
		t.Fatal("no provider bought by two North West councils")
	}
	awards := map[string]int64{}
	rows, err := db.Pool.Query(ctx, `SELECT c.name, count(*) FROM placements p JOIN organisations c ON c.id = p.council_id
		WHERE c.consortium_id = $1 AND p.status <> 'refused' AND p.awarded_at >= $2 GROUP BY 1`, nw, got.From)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		awards[name] = n
	}
	rows.Close()
	spread := false
	counted := map[string]int64{}
	for _, r := range got.Rows {
		spread = spread || r.Spread > 0
		for _, c := range r.Councils {
			if _, ok := awards[c.Council]; !ok {
				t.Errorf("%s's price for %s: not a North West council", c.Council, r.Provider)
			}
			if c.Awards.Suppressed != (c.Median == 0) {
				t.Errorf("%s at %s: awards %+v, median %d", r.Provider, c.Council, c.Awards, c.Median)
			}
			counted[c.Council] += c.Awards.N
		}
	}
	for name, n := range counted {
		if n > awards[name] {
			t.Errorf("%s: %d awards counted, %d made", name, n, awards[name])
		}
	}
	if !spread {
		t.Error("no provider priced differently across councils")
	}
}

// BenchmarkProviderPrices times the price comparison for the consortium with the most
// placements on national history (3,000 homes; 30,000 starts a year for three years),
// read from the market summary (the refresh's time is logged):
//
//	go test ./commissioning/intelligence/ -run '^$' -bench 'ProviderPrices|Market' -benchtime 200x
func BenchmarkProviderPrices(b *testing.B) {
	ctx := context.Background()
	db, svc, _ := historyWorld(b, 3000, 30000, 3)
	refreshMarket(b, svc)
	biggest := biggestConsortium(b, db)
	benchView(b, func() error {
		_, err := svc.ProviderPrices(ctx, intelligence.Scope{Consortium: biggest})
		return err
	})
}

// BenchmarkMarket times the whole market view (spend, fees, ceilings, savings, levy,
// the price comparison and the council's own placements at £10,000 a week or more) for
// the council with the most placements, beside its consortium, on national history.
func BenchmarkMarket(b *testing.B) {
	ctx := context.Background()
	db, svc, _ := historyWorld(b, 3000, 30000, 3)
	refreshMarket(b, svc)
	var scope intelligence.Scope
	if err := db.Pool.QueryRow(ctx, `SELECT c.consortium_id, c.id FROM placements p JOIN organisations c ON c.id = p.council_id
		WHERE c.consortium_id IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`).Scan(&scope.Consortium, &scope.Council); err != nil {
		b.Fatal(err)
	}
	benchView(b, func() error {
		_, err := svc.Market(ctx, scope)
		return err
	})
}

// refreshMarket rebuilds the market summary, logging how long it took.
func refreshMarket(b *testing.B, svc *intelligence.Service) {
	b.Helper()
	start := time.Now()
	if err := svc.RefreshMarket(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Logf("refresh took %s", time.Since(start).Round(time.Millisecond))
}
