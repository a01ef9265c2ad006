package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hearth-placements/hearth/frontend/auth"
)

// mfaRotateKey re-seals every TOTP seed under a new key, in one transaction. The old
// key defaults to the configured one (HEARTH_TOTP_KEY, HEARTH_TOTP_KEY_FILE or the
// embedded database's generated key file, which is then replaced by the new key).
// Afterwards the server must be started with the new key.
func mfaRotateKey(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("mfa rotate-key", flag.ContinueOnError)
	oldFile := fs.String("old-key-file", "", "file holding the key the seeds are sealed with now (default: the configured key)")
	newFile := fs.String("new-key-file", "", "file holding the new key (base64 of 32 bytes)")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *newFile == "" {
		return errors.New("mfa rotate-key needs --new-key-file")
	}
	setupLogging(cfg)
	newKey, err := readSeedKeyFile(*newFile)
	if err != nil {
		return fmt.Errorf("new key: %w", err)
	}
	next, err := auth.NewSeedKeys(newKey)
	if err != nil {
		return err
	}
	var old *auth.SeedKeys
	replaceGenerated := false
	if *oldFile != "" {
		k, err := readSeedKeyFile(*oldFile)
		if err != nil {
			return fmt.Errorf("old key: %w", err)
		}
		if old, err = auth.NewSeedKeys(k); err != nil {
			return err
		}
	} else {
		if old, err = seedKeys(cfg); err != nil {
			return fmt.Errorf("old key: %w", err)
		}
		replaceGenerated = cfg.TOTPKey == nil
	}
	return withDatabase(ctx, cfg, func(conn databaseURLs) error {
		db, err := openApp(ctx, cfg, conn)
		if err != nil {
			return err
		}
		defer db.Close()
		n, err := auth.RotateSeedKey(ctx, db.Gorm, old, next)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Re-sealed %d TOTP seeds from key %s to key %s.\n", n, old.CurrentID(), next.CurrentID())
		if replaceGenerated {
			if err := replaceKeyFile(cfg.TOTPKeyFile, *newFile); err != nil {
				return fmt.Errorf("the seeds are under the new key, but %s still holds the old one: copy %s over it: %w", cfg.TOTPKeyFile, *newFile, err)
			}
			fmt.Fprintf(out, "%s now holds the new key.\n", cfg.TOTPKeyFile)
		} else {
			fmt.Fprintln(out, "Now start Hearth with the new key in HEARTH_TOTP_KEY or HEARTH_TOTP_KEY_FILE.")
		}
		return nil
	})
}

// replaceKeyFile copies the key in src over dst atomically, keeping mode 0600.
func replaceKeyFile(dst, src string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".totp-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
