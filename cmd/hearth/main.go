// Command hearth runs Hearth, the regional commissioning and dynamic purchasing
// marketplace for children's care placements, and its administrative tasks.
//
//	hearth serve [--addr 127.0.0.1:8080] [--data-dir DIR]
//	hearth migrate up|down|status
//	hearth seed demo
//	hearth user create --email E --role R --org NAME [--name N]
//	hearth token create --email E [--name N] [--days 90]
//	hearth mfa rotate-key [--old-key-file X] --new-key-file Y
//	hearth healthcheck [--addr HOST:PORT] [--path /readyz]
//
// With no DATABASE_URL, Hearth starts an embedded PostgreSQL from the system's
// server binaries in --data-dir (default ./.hearth/pg).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // Europe/London for dates on pages, even in a minimal container
)

const usage = `Usage:
  hearth serve [--addr 127.0.0.1:8080] [--data-dir DIR]   run the web server
  hearth migrate up|down|status [--data-dir DIR]           manage the schema
  hearth seed demo [--data-dir DIR]                        load the demo consortium
  hearth seed national [--homes 3000] [--seed 1] [--history-years 3] [--starts-per-year 30000] [--today YYYY-MM-DD]
                                                            synthetic national data and past trading for benchmarks
  hearth simulate [--region "North West"] [--seed 1] [--sensitivity] [--help: every parameter]
                                                            compare councils alone, the consortium on Hearth and the bound
  hearth bench sql                                         print the typical board query, for pgbench
  hearth user create --email E --role R --org NAME [--name N]
  hearth user deactivate --email E                          remove a user's access: sessions, tokens and links end
  hearth token create --email E [--name N] [--days 90]     print a new API token once
  hearth mfa rotate-key [--old-key-file X] --new-key-file Y re-seal every TOTP seed under a new key
  hearth healthcheck [--addr HOST:PORT] [--path /readyz]  exit 0 if the local server answers 200 (for containers)

Environment: DATABASE_URL, HEARTH_ADDR, HEARTH_DATA_DIR, HEARTH_BASE_URL, HEARTH_DEMO,
HEARTH_LOG_FORMAT, HEARTH_SESSION_IDLE, HEARTH_SESSION_LIFETIME, SMTP_ADDR, SMTP_USERNAME,
SMTP_PASSWORD, SMTP_FROM, SMTP_STARTTLS, HEARTH_TOTP_KEY, HEARTH_WEBHOOK_KEY,
HEARTH_WEBHOOK_ALLOW_LOOPBACK (secrets also as NAME_FILE).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if errors.Is(err, errUsage) {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		// One line, whatever the cause's formatting (pgx reports one line per address).
		fmt.Fprintln(os.Stderr, "hearth:", strings.Join(strings.Fields(err.Error()), " "))
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// run dispatches a subcommand. Output meant for people goes to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	cmd, rest := args[0], args[1:]
	sub := func(name string) (*flag.FlagSet, []string) {
		if len(rest) > 0 && len(rest[0]) > 0 && rest[0][0] != '-' {
			return flag.NewFlagSet(cmd+" "+rest[0], flag.ContinueOnError), rest[1:]
		}
		return flag.NewFlagSet(cmd, flag.ContinueOnError), rest
	}
	switch cmd {
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		cfg, err := loadConfig(fs, rest)
		if err != nil {
			return err
		}
		setupLogging(cfg)
		return serve(ctx, cfg, out)
	case "migrate":
		fs, tail := sub("migrate")
		if len(rest) == 0 {
			return errUsage
		}
		cfg, err := loadConfig(fs, tail)
		if err != nil {
			return err
		}
		setupLogging(cfg)
		return migrate(ctx, cfg, rest[0], out)
	case "seed":
		fs, tail := sub("seed")
		if len(rest) == 0 {
			return errUsage
		}
		if rest[0] == "national" {
			return seedNational(ctx, fs, tail, out)
		}
		if rest[0] != "demo" {
			return errUsage
		}
		cfg, err := loadConfig(fs, tail)
		if err != nil {
			return err
		}
		setupLogging(cfg)
		return withApp(ctx, cfg, func(a *app) error {
			loaded, err := loadDemo(ctx, a, cfg.DemoHistory)
			if err == nil && !loaded {
				fmt.Fprintln(out, "The database already holds data; the demo was not loaded.")
			} else if err == nil {
				printDemoAccounts(out, cfg)
			}
			return err
		})
	case "simulate":
		return simulateCmd(ctx, rest, out, os.Stderr)
	case "bench":
		if len(rest) == 0 || rest[0] != "sql" {
			return errUsage
		}
		return benchSQL(ctx, rest[1:], out)
	case "user":
		switch {
		case len(rest) > 0 && rest[0] == "create":
			return userCreate(ctx, rest[1:], out)
		case len(rest) > 0 && rest[0] == "deactivate":
			return userDeactivate(ctx, rest[1:], out)
		}
		return errUsage
	case "token":
		if len(rest) == 0 || rest[0] != "create" {
			return errUsage
		}
		return tokenCreate(ctx, rest[1:], out)
	case "mfa":
		if len(rest) == 0 || rest[0] != "rotate-key" {
			return errUsage
		}
		return mfaRotateKey(ctx, rest[1:], out)
	case "healthcheck":
		return healthcheck(ctx, rest, out)
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	}
	return errUsage
}

func setupLogging(cfg Config) {
	var h slog.Handler = slog.NewTextHandler(os.Stderr, nil)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, nil)
	}
	slog.SetDefault(slog.New(h))
}
