package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/hearth-placements/hearth/commissioning/simulate"
)

// simulateCmd runs a region-year under each buying policy and prints the tables; progress
// goes to stderr. It needs no database: the national seed is generated in memory.
func simulateCmd(ctx context.Context, args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	p := simulate.Defaults()
	p.Bind(fs)
	sensitivity := fs.Bool("sensitivity", false, "also vary visibility, margin response and response time, one at a time")
	svg := fs.String("svg", "", "with --sensitivity, also write its chart to this SVG file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: hearth simulate [flags]\n\nRuns a region-year (or England's, with --region England) under councils alone, the consortium\non Hearth and the bound, and the secure stream first come first served and with Hearth's suggestion.\nEvery parameter, with its default and [source]:")
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\n"+simulate.Fixed)
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return errUsage
	}
	last := time.Time{}
	report := func(stage string, done, total int) {
		if time.Since(last) < 200*time.Millisecond && done != total {
			return
		}
		last = time.Now()
		fmt.Fprintf(progress, "\r%-40s %6d / %d", stage, done, total)
		if done == total {
			fmt.Fprintln(progress)
		}
	}
	res, err := simulate.Run(ctx, p, report)
	if err != nil {
		return err
	}
	scope := res.Params.Region
	if scope == "" {
		scope = "England"
	}
	fmt.Fprintf(out, "%s, one year, seed %d: %d children, %d beds coming free (%s).\n\n", scope, res.Params.Seed, res.Children, res.Beds, res.Elapsed.Round(time.Millisecond))
	if err := simulate.WriteTable(out, simulate.ResidentialRows(res.Residential, simulate.Text)); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nSecure welfare (national stream of s25 referrals):")
	if err := simulate.WriteTable(out, simulate.SecureRows(res.Secure, simulate.Text)); err != nil {
		return err
	}
	if *sensitivity {
		vs, err := simulate.Sensitivity(ctx, p, report)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "\nSensitivity (one parameter at a time, others at their values above):")
		if err := simulate.WriteTable(out, simulate.SensitivityRows(vs, simulate.Text)); err != nil {
			return err
		}
		if *svg != "" {
			return os.WriteFile(*svg, []byte(simulate.SensitivityChart(vs)), 0o644)
		}
	}
	return nil
}
