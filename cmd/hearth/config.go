package main

import (
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

// Config is all of Hearth's configuration, read from flags and environment in one place.
// Secrets can also be given as a file path in NAME_FILE (as Docker and Kubernetes mount them).
type Config struct {
	Addr        string // HEARTH_ADDR, --addr
	DatabaseURL string // DATABASE_URL: the application's role; empty: embedded PostgreSQL in DataDir
	// MigrateURL is the schema owner's connection (MIGRATE_DATABASE_URL). Migrations run
	// with it and grant DATABASE_URL's role only what the application needs. Empty: the
	// application's own connection migrates (a single-role deployment, which serve refuses
	// unless that role is neither superuser nor owner).
	MigrateURL string
	// ReadURL is a read-only copy of the database (HEARTH_READ_DATABASE_URL, e.g.
	// CloudNativePG's -ro service) that the regional intelligence reads from; empty: the
	// primary. Needs DATABASE_URL.
	ReadURL string
	// AllowPrivilegedRole lets the application run as a superuser or the schema's owner
	// (HEARTH_ALLOW_PRIVILEGED_DB_ROLE); by default that is refused at start.
	AllowPrivilegedRole bool
	DataDir             string // HEARTH_DATA_DIR, --data-dir
	BaseURL             string // HEARTH_BASE_URL, for links in email
	LogFormat           string // HEARTH_LOG_FORMAT: text or json
	LoadDemo            bool   // HEARTH_DEMO: load the demo consortium into an empty database
	DemoHistory         bool   // HEARTH_DEMO_HISTORY: with the demo, three years of past trading (default true)
	SMTP                notify.SMTPConfig
	SessionIdle         time.Duration // HEARTH_SESSION_IDLE
	SessionMax          time.Duration // HEARTH_SESSION_LIFETIME
	// ReportAt is when the daily secure welfare report is emailed, as time after
	// midnight in England (HEARTH_REPORT_AT, like 07:00).
	ReportAt time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is believed
	// (HEARTH_TRUSTED_PROXIES, comma-separated CIDRs like 10.0.0.0/8; default none).
	TrustedProxies []*net.IPNet
	// MetricsAddr is where /metrics is served, apart from the main listener
	// (HEARTH_METRICS_ADDR, default 127.0.0.1:9090; set but empty: not served).
	MetricsAddr string
	// Stripe: STRIPE_SECRET_KEY (unset: billing off), STRIPE_API_BASE (stripe-mock),
	// STRIPE_WEBHOOK_SECRET.
	Stripe billing.Config
	// TOTPKey seals users' TOTP seeds at rest (AES-256-GCM): HEARTH_TOTP_KEY, the base64
	// of 32 random bytes, or a file holding it named by HEARTH_TOTP_KEY_FILE. When
	// neither is set, the embedded database's Hearth keeps a key it generates once in
	// TOTPKeyFile (beside the data folder); with DATABASE_URL it refuses to start.
	TOTPKey     []byte
	TOTPKeyFile string
	// SMTP.LinkKey is HEARTH_MAIL_KEY (32 bytes, base64 or hex); MailKeyEphemeral says
	// it was unset and a random key is used.
	MailKeyEphemeral bool
	// WebhookKey seals webhook signing secrets at rest (AES-256-GCM): HEARTH_WEBHOOK_KEY
	// or the file HEARTH_WEBHOOK_KEY_FILE names, 32 bytes as base64 or hex. Unset: with
	// the demo, a published development key; otherwise none, and webhooks are off.
	WebhookKey *seal.Key
	// WebhookKeyDemo says WebhookKey is the published development key.
	WebhookKeyDemo bool
	// WebhookAllowLoopback lets webhook endpoints be http://localhost or loopback
	// addresses (HEARTH_WEBHOOK_ALLOW_LOOPBACK), for development and browser tests only.
	WebhookAllowLoopback bool
}

// demoWebhookKey is the development key sealing webhook secrets in a demo without
// HEARTH_WEBHOOK_KEY: it is published here, so it protects nothing.
var demoWebhookKey = sha256.Sum256([]byte("hearth demo webhook key: not for production"))

// envReader reads variables, or for secrets a file named by NAME_FILE, and collects
// every problem so that all are reported at once.
type envReader struct{ errs []error }

// get returns name's value, the contents of the file NAME_FILE names, or def. A
// NAME_FILE that cannot be read is an error, never silently skipped.
func (r *envReader) get(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	if path := os.Getenv(name + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			r.errs = append(r.errs, fmt.Errorf("%s_FILE: %w", name, err))
			return def
		}
		return strings.TrimSpace(string(b))
	}
	return def
}

// loadConfig reads the environment, then lets flags on fs override it.
func loadConfig(fs *flag.FlagSet, args []string) (Config, error) {
	r := &envReader{}
	env := r.get
	c := Config{
		Addr:        env("HEARTH_ADDR", "127.0.0.1:8080"),
		DatabaseURL: env("DATABASE_URL", ""),
		MigrateURL:  env("MIGRATE_DATABASE_URL", ""),
		ReadURL:     env("HEARTH_READ_DATABASE_URL", ""),
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
	// Off by default: a production database never gets accounts with published passwords.
	c.LoadDemo = boolEnv("HEARTH_DEMO", false)
	c.DemoHistory = boolEnv("HEARTH_DEMO_HISTORY", true)
	c.AllowPrivilegedRole = boolEnv("HEARTH_ALLOW_PRIVILEGED_DB_ROLE", false)
	c.WebhookAllowLoopback = boolEnv("HEARTH_WEBHOOK_ALLOW_LOOPBACK", false)
	if k := env("HEARTH_WEBHOOK_KEY", ""); k != "" {
		raw, err := seal.ParseKey(k, true)
		if err == nil {
			c.WebhookKey, err = seal.NewKey(raw)
		}
		if err != nil {
			errs = append(errs, errors.New("HEARTH_WEBHOOK_KEY must be 32 bytes written as base64 or hex (openssl rand -base64 32)"))
		}
	} else if c.LoadDemo {
		c.WebhookKey, _ = seal.NewKey(demoWebhookKey[:])
		c.WebhookKeyDemo = true
	}
	c.SMTP.StartTLS = boolEnv("SMTP_STARTTLS", true)
	c.SessionIdle = durEnv("HEARTH_SESSION_IDLE", 30*time.Minute)
	c.SessionMax = durEnv("HEARTH_SESSION_LIFETIME", 12*time.Hour)
	if at, err := time.Parse("15:04", env("HEARTH_REPORT_AT", "07:00")); err != nil {
		errs = append(errs, errors.New("HEARTH_REPORT_AT must be a time like 07:00"))
	} else {
		c.ReportAt = time.Duration(at.Hour())*time.Hour + time.Duration(at.Minute())*time.Minute
	}
	c.MetricsAddr = "127.0.0.1:9090"
	if v, ok := os.LookupEnv("HEARTH_METRICS_ADDR"); ok {
		c.MetricsAddr = strings.TrimSpace(v)
	}
	for _, cidr := range strings.Split(env("HEARTH_TRUSTED_PROXIES", ""), ",") {
		if cidr = strings.TrimSpace(cidr); cidr == "" {
			continue
		}
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			errs = append(errs, fmt.Errorf("HEARTH_TRUSTED_PROXIES: %q is not a CIDR range like 10.0.0.0/8", cidr))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	var err error
	if fs != nil {
		fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on (HEARTH_ADDR)")
		fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder of the embedded PostgreSQL cluster, used when DATABASE_URL is unset (HEARTH_DATA_DIR)")
		if err = fs.Parse(args); err != nil {
			return c, err
		}
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + strings.Replace(c.Addr, "127.0.0.1", "localhost", 1)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	c.TOTPKey, c.TOTPKeyFile, err = totpKeyConfig(c.DataDir)
	if err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, errors.New("HEARTH_LOG_FORMAT must be text or json"))
	}
	if c.MigrateURL != "" && c.DatabaseURL == "" {
		errs = append(errs, errors.New("MIGRATE_DATABASE_URL needs DATABASE_URL (the application's own role) too"))
	}
	if c.ReadURL != "" && c.DatabaseURL == "" {
		errs = append(errs, errors.New("HEARTH_READ_DATABASE_URL needs DATABASE_URL (the primary) too"))
	}
	return c, errors.Join(append(r.errs, errs...)...)
}

// totpKeyConfig reads HEARTH_TOTP_KEY or the file HEARTH_TOTP_KEY_FILE names. A file
// that cannot be read, or a key that is not base64 of 32 bytes, is an error. With
// neither, it returns no key and the file beside dataDir where a generated key is kept.
func totpKeyConfig(dataDir string) ([]byte, string, error) {
	if v := os.Getenv("HEARTH_TOTP_KEY"); v != "" {
		k, err := auth.ParseSeedKey(v)
		if err != nil {
			return nil, "", fmt.Errorf("HEARTH_TOTP_KEY: %w", err)
		}
		return k, "", nil
	}
	if path := os.Getenv("HEARTH_TOTP_KEY_FILE"); path != "" {
		k, err := readSeedKeyFile(path)
		if err != nil {
			return nil, "", fmt.Errorf("HEARTH_TOTP_KEY_FILE: %w", err)
		}
		return k, path, nil
	}
	return nil, filepath.Join(filepath.Dir(filepath.Clean(dataDir)), "totp.key"), nil
}

func readSeedKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := auth.ParseSeedKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}
