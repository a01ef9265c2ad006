package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/pquerna/otp/totp"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) {
	auth.Params = &argon2id.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	dbtest.Main(m)
}

// writeKey writes a new base64 key to a file in dir and returns the path and key.
func writeKey(t *testing.T, dir, name string) (string, []byte) {
	t.Helper()
	enc, err := auth.NewSeedKey()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(enc+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, _ := auth.ParseSeedKey(enc)
	return path, k
}

// ASVS V6.4.1, V2.8: the TOTP key comes from HEARTH_TOTP_KEY or HEARTH_TOTP_KEY_FILE;
// a bad or unreadable one stops Hearth; with DATABASE_URL and no key Hearth refuses to
// start; with the embedded database a key is generated once, 0600, and kept.
func TestTOTPKeyConfig(t *testing.T) {
	dir := t.TempDir()
	keyFile, key := writeKey(t, dir, "totp.key")
	short := filepath.Join(dir, "short.key")
	must(t, os.WriteFile(short, []byte("c2hvcnQ="), 0o600))
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string // in loadConfig or seedKeys
		check   func(t *testing.T, c Config, k *auth.SeedKeys)
	}{
		{name: "KeyFromEnvironment", env: map[string]string{"HEARTH_TOTP_KEY": strings.TrimSpace(mustRead(t, keyFile)), "DATABASE_URL": "postgres://db/hearth"},
			check: func(t *testing.T, c Config, k *auth.SeedKeys) {
				if k.CurrentID() != auth.KeyID(key) {
					t.Fatalf("key id %s, want %s", k.CurrentID(), auth.KeyID(key))
				}
			}},
		{name: "KeyFromFile", env: map[string]string{"HEARTH_TOTP_KEY_FILE": keyFile, "DATABASE_URL": "postgres://db/hearth"},
			check: func(t *testing.T, c Config, k *auth.SeedKeys) {
				if k.CurrentID() != auth.KeyID(key) {
					t.Fatalf("key id %s, want %s", k.CurrentID(), auth.KeyID(key))
				}
			}},
		{name: "ErrNotBase64", env: map[string]string{"HEARTH_TOTP_KEY": "not a key!"}, wantErr: "HEARTH_TOTP_KEY"},
		{name: "ErrWrongLength", env: map[string]string{"HEARTH_TOTP_KEY_FILE": short}, wantErr: "5 bytes"},
		{name: "ErrUnreadableFile", env: map[string]string{"HEARTH_TOTP_KEY_FILE": filepath.Join(dir, "missing.key")}, wantErr: "HEARTH_TOTP_KEY_FILE"},
		{name: "ErrNoKeyWithDatabaseURL", env: map[string]string{"DATABASE_URL": "postgres://db/hearth"}, wantErr: "HEARTH_TOTP_KEY"},
		{name: "EmbeddedGeneratesAndKeeps", args: []string{"--data-dir", filepath.Join(dir, "embedded", "pg")},
			check: func(t *testing.T, c Config, k *auth.SeedKeys) {
				want := filepath.Join(dir, "embedded", "totp.key")
				if c.TOTPKeyFile != want {
					t.Fatalf("key file %s, want %s", c.TOTPKeyFile, want)
				}
				st, err := os.Stat(want)
				if err != nil || st.Mode().Perm() != 0o600 {
					t.Fatalf("generated key file: %v %v", st, err)
				}
				again, err := seedKeys(c)
				if err != nil || again.CurrentID() != k.CurrentID() {
					t.Fatalf("second start: key %v, %v; want the same key", again, err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"DATABASE_URL", "DATABASE_URL_FILE", "HEARTH_TOTP_KEY", "HEARTH_TOTP_KEY_FILE", "HEARTH_DATA_DIR"} {
				t.Setenv(k, "")
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := loadConfig(flag.NewFlagSet("test", flag.ContinueOnError), tt.args)
			var k *auth.SeedKeys
			if err == nil {
				k, err = seedKeys(c)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c, k)
		})
	}
	if !errors.Is(func() error { _, err := seedKeys(Config{DatabaseURL: "postgres://x"}); return err }(), ErrNoTOTPKey) {
		t.Fatal("seedKeys without a key on DATABASE_URL is not ErrNoTOTPKey")
	}
}

// ASVS V6.4.1: `hearth mfa rotate-key` re-seals every seed under the new key, after
// which codes check with the new key only.
func TestMFARotateKeyCommand(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.New(t)
	dir := t.TempDir()
	oldFile, oldKey := writeKey(t, dir, "old.key")
	newFile, newKey := writeKey(t, dir, "new.key")
	for _, k := range []string{"HEARTH_TOTP_KEY", "HEARTH_TOTP_KEY_FILE", "DATABASE_URL_FILE"} {
		t.Setenv(k, "")
	}
	t.Setenv("DATABASE_URL", dsn)

	db, err := migrations.Connect(ctx, dsn)
	must(t, err)
	defer db.Close()
	users := auth.NewService(db.Gorm)
	users.Keys, err = auth.NewSeedKeys(oldKey)
	must(t, err)
	org, err := commissioning.NewService(db.Gorm).Create(ctx, kernel.KindProvider, "Provider")
	must(t, err)
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	var ids []int64
	for _, email := range []string{"a@p.test", "b@p.test"} {
		u, err := users.Create(ctx, auth.NewUser{Email: email, Name: "T", Role: kernel.RoleProviderAdmin, OrganisationID: org.ID, Password: "correct horse battery"})
		must(t, err)
		code, _ := totp.GenerateCode(secret, time.Now().Add(-30*time.Second))
		must(t, users.EnableMFA(ctx, u, secret, code))
		ids = append(ids, u.ID)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"mfa", "rotate-key", "--old-key-file", oldFile, "--new-key-file", newFile}, &out); err != nil {
		t.Fatalf("rotate-key: %v", err)
	}
	if !strings.Contains(out.String(), "Re-sealed 2 TOTP seeds") {
		t.Fatalf("output %q", out.String())
	}
	users.Keys, _ = auth.NewSeedKeys(newKey)
	for _, id := range ids {
		u, err := users.ByID(ctx, id)
		must(t, err)
		if auth.SealedKeyID(*u.TOTPSecret) != auth.KeyID(newKey) {
			t.Fatalf("user %d's seed under key %s, want %s", id, auth.SealedKeyID(*u.TOTPSecret), auth.KeyID(newKey))
		}
		code, _ := totp.GenerateCode(secret, time.Now())
		must(t, users.CheckMFA(ctx, u, code, ""))
	}
	if err := run(ctx, []string{"mfa", "rotate-key", "--old-key-file", oldFile}, &out); err == nil {
		t.Fatal("rotate-key without --new-key-file succeeded")
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
