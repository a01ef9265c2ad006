package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLoadConfig also proves the safe defaults: no demo accounts unless asked for, and a
// secret file that cannot be read stops the start (ASVS 4.0 V14.1.x secure build and
// deployment, V2.10.4 secrets from files, never silently skipped).
func TestLoadConfig(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	webhookKeyFile := filepath.Join(t.TempDir(), "webhook-key")
	if err := os.WriteFile(webhookKeyFile, []byte("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		check   func(t *testing.T, c Config)
		wantErr bool
	}{
		{name: "Defaults", check: func(t *testing.T, c Config) {
			if c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://localhost:8080" || c.DataDir != ".hearth/pg" || c.LoadDemo || c.SessionIdle != 30*time.Minute {
				t.Fatalf("defaults = %+v", c)
			}
		}},
		{name: "FlagsOverrideEnvironment", env: map[string]string{"HEARTH_ADDR": "127.0.0.1:9000"}, args: []string{"--addr", "127.0.0.1:9100", "--data-dir", "/tmp/x"},
			check: func(t *testing.T, c Config) {
				if c.Addr != "127.0.0.1:9100" || c.DataDir != "/tmp/x" || c.BaseURL != "http://localhost:9100" {
					t.Fatalf("got %+v", c)
				}
			}},
		{name: "SecretFromFile", env: map[string]string{"SMTP_PASSWORD_FILE": secret, "HEARTH_BASE_URL": "https://hearth.example.org/"},
			check: func(t *testing.T, c Config) {
				if c.SMTP.Password != "s3cret" || c.BaseURL != "https://hearth.example.org" {
					t.Fatalf("got %+v", c)
				}
			}},
		{name: "ErrUnreadableSecretFile", env: map[string]string{"SMTP_PASSWORD_FILE": filepath.Join(t.TempDir(), "missing")}, wantErr: true},
		{name: "ErrMigrateURLWithoutDatabaseURL", env: map[string]string{"MIGRATE_DATABASE_URL": "postgres://owner@db/hearth"}, wantErr: true},
		{name: "ErrReadURLWithoutDatabaseURL", env: map[string]string{"HEARTH_READ_DATABASE_URL": "postgres://app@db-ro/hearth"}, wantErr: true},
		{name: "ReadOnlyCopy", env: map[string]string{"DATABASE_URL": "postgres://app@db-rw/hearth", "HEARTH_READ_DATABASE_URL": "postgres://app@db-ro/hearth"},
			check: func(t *testing.T, c Config) {
				if c.ReadURL != "postgres://app@db-ro/hearth" || c.DatabaseURL != "postgres://app@db-rw/hearth" {
					t.Fatalf("got %+v", c)
				}
			}},
		{name: "OwnerAndApplicationRoles", env: map[string]string{"MIGRATE_DATABASE_URL": "postgres://owner@db/hearth", "DATABASE_URL": "postgres://app@db/hearth"},
			check: func(t *testing.T, c Config) {
				if c.MigrateURL != "postgres://owner@db/hearth" || c.DatabaseURL != "postgres://app@db/hearth" || c.AllowPrivilegedRole {
					t.Fatalf("got %+v", c)
				}
			}},
		// ASVS V6.4.1: the mail link key comes from configuration (or a _FILE secret).
		{name: "MailKey", env: map[string]string{"HEARTH_MAIL_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}, check: func(t *testing.T, c Config) {
			if c.SMTP.LinkKey == nil || c.MailKeyEphemeral {
				t.Fatalf("mail key not read: %+v", c)
			}
		}},
		{name: "MailKeyEphemeralWhenUnset", env: map[string]string{"HEARTH_MAIL_KEY": ""}, check: func(t *testing.T, c Config) {
			if c.SMTP.LinkKey == nil || !c.MailKeyEphemeral {
				t.Fatalf("no ephemeral mail key: %+v", c)
			}
		}},
		{name: "ErrShortMailKey", env: map[string]string{"HEARTH_MAIL_KEY": "c2hvcnQ="}, wantErr: true},
		// Webhook secrets are sealed with a configured key; only the demo has a default.
		{name: "WebhooksOffWithoutKey", check: func(t *testing.T, c Config) {
			if c.WebhookKey != nil || c.WebhookAllowLoopback {
				t.Fatalf("webhook key %v, loopback %v", c.WebhookKey, c.WebhookAllowLoopback)
			}
		}},
		{name: "WebhookKeyFromFile", env: map[string]string{"HEARTH_WEBHOOK_KEY_FILE": webhookKeyFile}, check: func(t *testing.T, c Config) {
			if c.WebhookKey == nil || c.WebhookKeyDemo {
				t.Fatalf("webhook key not read from its file: %+v", c)
			}
		}},
		{name: "DemoWebhookKey", env: map[string]string{"HEARTH_DEMO": "true", "HEARTH_WEBHOOK_ALLOW_LOOPBACK": "true"}, check: func(t *testing.T, c Config) {
			if c.WebhookKey == nil || !c.WebhookKeyDemo || !c.WebhookAllowLoopback {
				t.Fatalf("demo webhook key: %+v", c)
			}
		}},
		{name: "ErrShortWebhookKey", env: map[string]string{"HEARTH_WEBHOOK_KEY": "c2hvcnQ="}, wantErr: true},
		{name: "ErrBadBool", env: map[string]string{"HEARTH_DEMO": "perhaps"}, wantErr: true},
		{name: "ErrBadDuration", env: map[string]string{"HEARTH_SESSION_IDLE": "soon"}, wantErr: true},
		{name: "ErrBadLogFormat", env: map[string]string{"HEARTH_LOG_FORMAT": "xml"}, wantErr: true},
		// ASVS V7.1.x: no proxy is trusted unless configured.
		{name: "NoTrustedProxiesAndLoopbackMetricsByDefault", check: func(t *testing.T, c Config) {
			if len(c.TrustedProxies) != 0 || c.MetricsAddr != "127.0.0.1:9090" {
				t.Fatalf("trusted %v, metrics %q", c.TrustedProxies, c.MetricsAddr)
			}
		}},
		{name: "TrustedProxies", env: map[string]string{"HEARTH_TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32"}, check: func(t *testing.T, c Config) {
			if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].String() != "10.0.0.0/8" || c.TrustedProxies[1].String() != "2001:db8::/32" {
				t.Fatalf("trusted %v", c.TrustedProxies)
			}
		}},
		{name: "ErrBadTrustedProxy", env: map[string]string{"HEARTH_TRUSTED_PROXIES": "10.0.0.1"}, wantErr: true},
		// ASVS V14.3.x: metrics off the main port, or not served at all.
		{name: "MetricsDisabled", env: map[string]string{"HEARTH_METRICS_ADDR": ""}, check: func(t *testing.T, c Config) {
			if c.MetricsAddr != "" {
				t.Fatalf("metrics %q", c.MetricsAddr)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HEARTH_METRICS_ADDR", "") // restored afterwards
			os.Unsetenv("HEARTH_METRICS_ADDR")  // set but empty means off
			t.Setenv("HEARTH_TRUSTED_PROXIES", "")
			for _, k := range []string{"HEARTH_ADDR", "DATABASE_URL", "HEARTH_DATA_DIR", "HEARTH_BASE_URL", "HEARTH_LOG_FORMAT", "HEARTH_DEMO", "SMTP_PASSWORD", "SMTP_PASSWORD_FILE", "HEARTH_SESSION_IDLE", "MIGRATE_DATABASE_URL", "HEARTH_READ_DATABASE_URL", "HEARTH_ALLOW_PRIVILEGED_DB_ROLE",
				"HEARTH_WEBHOOK_KEY", "HEARTH_WEBHOOK_KEY_FILE", "HEARTH_WEBHOOK_ALLOW_LOOPBACK"} {
				t.Setenv(k, "")
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := loadConfig(flag.NewFlagSet("test", flag.ContinueOnError), tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}
