package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
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
			if c.Addr != "127.0.0.1:8080" || c.BaseURL != "http://localhost:8080" || c.DataDir != ".hearth/pg" || !c.LoadDemo || c.SessionIdle != 30*time.Minute {
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
		{name: "ErrBadBool", env: map[string]string{"HEARTH_DEMO": "perhaps"}, wantErr: true},
		{name: "ErrBadDuration", env: map[string]string{"HEARTH_SESSION_IDLE": "soon"}, wantErr: true},
		{name: "ErrBadLogFormat", env: map[string]string{"HEARTH_LOG_FORMAT": "xml"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"HEARTH_ADDR", "DATABASE_URL", "HEARTH_DATA_DIR", "HEARTH_BASE_URL", "HEARTH_LOG_FORMAT", "HEARTH_DEMO", "SMTP_PASSWORD", "SMTP_PASSWORD_FILE", "HEARTH_SESSION_IDLE"} {
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
