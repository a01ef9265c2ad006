package intelligence_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/migrations"
)

// TestViewsReadFromTheReadOnlyCopy proves that with ReadFrom every view of a summary
// reads only there: the summaries are rebuilt on the primary first, then the primary's
// pool is closed, and each view still answers from a read-only connection (which would
// refuse any write). The missing-episode view counts live episodes, so it stays on the
// primary, where a lagging standby cannot show it an out-of-date count.
func TestViewsReadFromTheReadOnlyCopy(t *testing.T) {
	ctx := context.Background()
	db, svc, ids := historyWorld(t, 300, 400, 1, northWest)
	for name, refresh := range map[string]func(context.Context) error{
		"market": svc.RefreshMarket, "out of area": svc.RefreshOutOfArea, "quality": svc.RefreshQuality,
		"sufficiency": svc.RefreshSufficiency, "time to place": svc.RefreshTimeToPlace,
	} {
		if err := refresh(ctx); err != nil {
			t.Fatalf("refresh %s: %v", name, err)
		}
	}
	url := db.Pool.Config().ConnString()
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	ro, err := migrations.Connect(ctx, url+sep+"default_transaction_read_only=on")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.Gorm.Exec("CREATE TEMP TABLE written (x int)").Error; err == nil {
		t.Fatal("the read-only connection accepted a write")
	}
	primary, err := migrations.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	primary.Close() // every use of the primary now fails
	views := intelligence.New(primary.Gorm).ReadFrom(ro.Gorm)
	views.Now = svc.Now
	sc := intelligence.Scope{Consortium: ids[northWest]}
	for name, read := range map[string]func() error{
		"market":          func() error { _, err := views.Market(ctx, sc); return err },
		"provider prices": func() error { _, err := views.ProviderPrices(ctx, sc); return err },
		"out of area":     func() error { _, err := views.OutOfArea(ctx, sc); return err },
		"annual return":   func() error { _, err := views.OutOfAreaReturn(ctx, sc, today.Year()-1); return err },
		"quality":         func() error { _, err := views.Quality(ctx, sc, intelligence.QualityPeriodFor(today)); return err },
		"sufficiency":     func() error { _, err := views.Sufficiency(ctx, sc, intelligence.SufficiencyFilter{}); return err },
		"time to place":   func() error { _, err := views.TimeToPlace(ctx, sc); return err },
		"lots":            func() error { _, err := views.LotNames(ctx, sc.Consortium); return err },
	} {
		if err := read(); err != nil {
			t.Errorf("%s from the read-only copy: %v", name, err)
		}
	}
}
