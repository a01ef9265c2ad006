package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-placements/hearth/commissioning/notify"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

// Config is all of Hearth's configuration, read from flags and environment in one place.
// Secrets can also be given as a file path in NAME_FILE (as Docker and Kubernetes mount them).
type Config struct {
	Addr        string // HEARTH_ADDR, --addr
	DatabaseURL string // DATABASE_URL; empty: embedded PostgreSQL in DataDir
	DataDir     string // HEARTH_DATA_DIR, --data-dir
	BaseURL     string // HEARTH_BASE_URL, for links in email
	LogFormat   string // HEARTH_LOG_FORMAT: text or json
	LoadDemo    bool   // HEARTH_DEMO: load the demo consortium into an empty database
	SMTP        notify.SMTPConfig
	SessionIdle time.Duration // HEARTH_SESSION_IDLE
	SessionMax  time.Duration // HEARTH_SESSION_LIFETIME
	// ReportAt is when the daily secure welfare report is emailed, as time after
	// midnight in England (HEARTH_REPORT_AT, like 07:00).
	ReportAt time.Duration
	// Stripe: STRIPE_SECRET_KEY (unset: billing off), STRIPE_API_BASE (stripe-mock),
	// STRIPE_WEBHOOK_SECRET.
	Stripe billing.Config
	// SMTP.LinkKey is HEARTH_MAIL_KEY (32 bytes, base64 or hex); MailKeyEphemeral says
	// it was unset and a random key is used.
	MailKeyEphemeral bool
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	if path := os.Getenv(name + "_FILE"); path != "" {
		if b, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return def
}

// loadConfig reads the environment, then lets flags on fs override it.
func loadConfig(fs *flag.FlagSet, args []string) (Config, error) {
	c := Config{
		Addr:        env("HEARTH_ADDR", "127.0.0.1:8080"),
		DatabaseURL: env("DATABASE_URL", ""),
		DataDir:     env("HEARTH_DATA_DIR", ".hearth/pg"),
		BaseURL:     env("HEARTH_BASE_URL", ""),
		LogFormat:   env("HEARTH_LOG_FORMAT", "text"),
		Stripe:      billing.Config{SecretKey: env("STRIPE_SECRET_KEY", ""), APIBase: env("STRIPE_API_BASE", ""), WebhookSecret: env("STRIPE_WEBHOOK_SECRET", "")},
		SMTP: notify.SMTPConfig{
			Addr: env("SMTP_ADDR", ""), Username: env("SMTP_USERNAME", ""), Password: env("SMTP_PASSWORD", ""),
			From: env("SMTP_FROM", "Hearth <no-reply@hearth.example>"),
		},
	}
	var errs []error
	boolEnv := func(name string, def bool) bool {
		v, err := strconv.ParseBool(env(name, strconv.FormatBool(def)))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s must be true or false", name))
		}
		return v
	}
	durEnv := func(name string, def time.Duration) time.Duration {
		v, err := time.ParseDuration(env(name, def.String()))
		if err != nil || v <= 0 {
			errs = append(errs, fmt.Errorf("%s must be a duration like 30m", name))
		}
		return v
	}
	// HEARTH_MAIL_KEY seals password-reset and invitation links while their email waits
	// in the outbox. Unset: a random key for this process (links queued before a restart fail).
	if k := env("HEARTH_MAIL_KEY", ""); k != "" {
		var err error
		if c.SMTP.LinkKey, err = notify.ParseLinkKey(k); err != nil {
			errs = append(errs, fmt.Errorf("HEARTH_MAIL_KEY: %w", err))
		}
	} else {
		c.SMTP.LinkKey, c.MailKeyEphemeral = notify.RandomLinkKey(), true
	}
	c.LoadDemo = boolEnv("HEARTH_DEMO", true)
	c.SMTP.StartTLS = boolEnv("SMTP_STARTTLS", true)
	c.SessionIdle = durEnv("HEARTH_SESSION_IDLE", 30*time.Minute)
	c.SessionMax = durEnv("HEARTH_SESSION_LIFETIME", 12*time.Hour)
	if at, err := time.Parse("15:04", env("HEARTH_REPORT_AT", "07:00")); err != nil {
		errs = append(errs, errors.New("HEARTH_REPORT_AT must be a time like 07:00"))
	} else {
		c.ReportAt = time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute
	}
	if fs != nil {
		fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (HEARTH_ADDR)")
		fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder of the embedded PostgreSQL cluster, used when DATABASE_URL is unset (HEARTH_DATA_DIR)")
		if err := fs.Parse(args); err != nil {
			return c, err
		}
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + strings.Replace(c.Addr, "127.0.0.1", "localhost", 1)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, errors.New("HEARTH_LOG_FORMAT must be text or json"))
	}
	return c, errors.Join(errs...)
}
