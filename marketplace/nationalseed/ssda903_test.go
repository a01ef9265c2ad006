package nationalseed_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/ssda903"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

var update = flag.Bool("update", false, "rewrite the SSDA903 fixtures in testdata/")

// demoHistory loads the demo's history as the demo does (cmd/hearth loadDemoHistory:
// seed 1, three years, 20 starts a year per council, every placement ended by Today) for
// the North West consortium, on a fixed Today so that it is the same every run. The
// homes are nationalseed's rather than the demo's hand-made ones.
func demoHistory(t *testing.T) (*marketplace.Service, commissioning.Organisation, []commissioning.Organisation) {
	t.Helper()
	ctx := context.Background()
	db, err := migrations.Connect(ctx, dbtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	orgs := commissioning.NewService(db.Gorm)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(orgs.SyncCouncils(ctx))
	_, err = nationalseed.Load(ctx, db.Gorm, 600, 1)
	must(err)
	nw, err := orgs.OrganisationByName(ctx, kernel.KindConsortium, "North West consortium (synthetic)")
	must(err)
	var councils []commissioning.Organisation
	must(db.Gorm.Where("consortium_id = ?", nw.ID).Order("id").Find(&councils).Error)
	_, err = nationalseed.LoadHistory(ctx, db.Pool, nationalseed.HistoryOptions{Seed: 1, Years: 3, StartsPerYear: 20 * len(councils),
		Consortia: []int64{nw.ID}, Today: historyToday, AllEnded: true})
	must(err)
	mk := marketplace.NewService(db.Gorm)
	mk.Now = func() time.Time { return historyToday }
	manchester, err := orgs.OrganisationByName(ctx, kernel.KindCouncil, "Manchester")
	must(err)
	return mk, manchester, councils
}

// TestSSDA903OnTheDemoHistory: (a) every code every council's return exports, in each
// year of the history, is one the DfE's list has for that year, and every date reads as
// dd/mm/yyyy; (b) Manchester's 2025-26 files are the hand-checked fixtures in testdata/.
func TestSSDA903OnTheDemoHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo history")
	}
	ctx := context.Background()
	mk, manchester, councils := demoHistory(t)
	coded := map[int]string{2: "RNE", 3: "LS", 4: "CIN", 5: "PLACE", 6: "PLACE_PROVIDER", 8: "REC", 9: "REASON_PLACE_CHANGE"}
	rows := 0
	for _, c := range councils {
		for _, y := range []ssda903.Year{{Start: 2023}, {Start: 2024}, {Start: 2025}, {Start: 2026}} {
			r, err := mk.SSDA903(ctx, c.ID, y)
			if err != nil {
				t.Fatalf("%s %s: %v", c.Name, y, err)
			}
			for _, e := range r.Episodes {
				row := e.Row()
				rows++
				for i, field := range coded {
					if row[i] != "" && !ssda903.Valid(field, row[i], y) {
						t.Errorf("%s %s episode %v: %s %q is not valid in %s", c.Name, y, row, field, row[i], y)
					}
				}
				for _, i := range []int{1, 7} {
					if d, err := time.Parse(ssda903.DateFormat, row[i]); (row[i] != "" || i == 1) && (err != nil || d.Before(y.First().AddDate(-4, 0, 0)) || d.After(y.Last())) {
						t.Errorf("%s %s episode %v: date %q", c.Name, y, row, row[i])
					}
				}
				if row[8] == "X1" && row[9] == "" || row[8] != "X1" && row[9] != "" {
					t.Errorf("%s %s episode %v: REASON_PLACE_CHANGE goes with X1 alone", c.Name, y, row)
				}
			}
			for _, m := range r.Missing {
				if !ssda903.Valid("MISSING", m.Missing, y) || m.Start.After(y.Last()) {
					t.Errorf("%s %s missing %v", c.Name, y, m.Row())
				}
			}
		}
	}
	if rows < 100 {
		t.Fatalf("only %d episodes across the consortium's returns", rows)
	}

	r, err := mk.SSDA903(ctx, manchester.ID, ssda903.Year{Start: 2025})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range marketplace.ReturnFiles {
		var buf bytes.Buffer
		if err := r.WriteFile(&buf, name); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "ssda903_manchester_2025-26_"+name)
		if *update {
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s differs from %s (go test -run TestSSDA903OnTheDemoHistory -update rewrites it; check it by hand)", name, path)
		}
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff")))).ReadAll()
		if err != nil || len(recs) < 2 {
			t.Fatalf("%s: %d rows, %v", name, len(recs), err)
		}
		if name != marketplace.ValidationFile && strings.Join(recs[0], ",") != strings.Join(map[string][]string{marketplace.EpisodesFile: marketplace.EpisodesHeader, marketplace.MissingFile: marketplace.MissingHeader}[name], ",") {
			t.Errorf("%s header %v", name, recs[0])
		}
	}
}
