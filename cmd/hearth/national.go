package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
)

// seedNational loads deterministic synthetic national-scale data into an empty database.
func seedNational(ctx context.Context, fs *flag.FlagSet, args []string, out io.Writer) error {
	homes := fs.Int("homes", 3000, "number of homes")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same data")
	years := fs.Int("history-years", 3, "years of past trading to generate (0: none)")
	starts := fs.Int("starts-per-year", 30000, "placement starts a year in the history, nationally")
	today := fs.String("today", "", "the day history ends before, YYYY-MM-DD (default today, UTC); fix it for the same rows again")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *homes < 1 || *homes > 100000 {
		return fmt.Errorf("--homes must be between 1 and 100000")
	}
	if *years < 0 || *years > 10 || *starts < 0 || *starts > 200000 {
		return fmt.Errorf("--history-years must be 0 to 10 and --starts-per-year 0 to 200000")
	}
	end := time.Now().UTC()
	if *today != "" {
		if end, err = time.Parse(time.DateOnly, *today); err != nil || end.After(time.Now()) {
			return fmt.Errorf("--today must be a past date as YYYY-MM-DD")
		}
	}
	setupLogging(cfg)
	return withApp(ctx, cfg, func(a *app) error {
		start := time.Now()
		sum, err := nationalseed.Load(ctx, a.db.Gorm, *homes, *seed)
		if err != nil {
			return err
		}
		loaded := time.Since(start)
		var hist nationalseed.HistorySummary
		if *years > 0 && *starts > 0 {
			if hist, err = nationalseed.LoadHistory(ctx, a.db.Pool, nationalseed.HistoryOptions{Seed: *seed, Years: *years, StartsPerYear: *starts, Today: end}); err != nil {
				return fmt.Errorf("history: %w", err)
			}
		}
		history := time.Since(start) - loaded
		if err := a.analyze(ctx); err != nil {
			return err
		}
		fmt.Fprintf(out, "Loaded in %s: %d consortia, %d providers, %d homes, %d registered places, %d beds free now.\n",
			time.Since(start).Round(time.Millisecond), sum.Consortia, sum.Providers, sum.Homes, sum.Places, sum.BedsFree)
		fmt.Fprintf(out, "History (%d years, in %s): %d requests, %d invitations, %d bids, %d declines, %d placements (%d ended), %d fee changes, %d missing episodes.\n",
			*years, history.Round(time.Millisecond), hist.Requests, hist.Invitations, hist.Bids, hist.Declines, hist.Placements, hist.Ended, hist.FeeChanges, hist.Missing)
		return nil
	})
}

// typicalBoardQuery is the search the benchmark and load test use: the North West
// consortium's board, a girl of 14 with a CSE risk, beds free now, within 50 miles of M14.
func typicalBoardQuery(ctx context.Context, orgs *commissioning.Service) (marketplace.BoardQuery, error) {
	nw, err := orgs.OrganisationByName(ctx, kernel.KindConsortium, "North West consortium (synthetic)")
	if err != nil {
		return marketplace.BoardQuery{}, fmt.Errorf("run `hearth seed national` first: %w", err)
	}
	m14, _ := geo.LookupOutcode("M14")
	age := 14
	return marketplace.BoardQuery{ConsortiumID: nw.ID, Age: &age, Sex: "female", Needs: []string{"cse_risk"},
		Near: &m14.Centroid, WithinMiles: 50, FreeNow: true, Sort: "distance", Limit: 50}, nil
}

// benchSQL prints the board's SQL for the typical query with its values inlined, for
// pgbench -f; the API path /api/v1/vacancies?… runs exactly this query.
func benchSQL(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench sql", flag.ContinueOnError)
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	setupLogging(cfg)
	return withApp(ctx, cfg, func(a *app) error {
		q, err := typicalBoardQuery(ctx, a.orgs)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, marketplace.BoardSQLLiteral(q)+";")
		return nil
	})
}
