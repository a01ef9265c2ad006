package auth

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

// Issuer names Hearth in authenticator apps.
const Issuer = "Hearth"

// totpPeriod is the length of a TOTP time step in seconds.
const totpPeriod = 30

// Enrolment is a TOTP secret offered to a user, not yet confirmed.
type Enrolment struct {
	Secret string
	URL    string // otpauth:// URL
	QRPNG  string // data: URL of a QR code image, served inline (no external request)
}

// NewEnrolment generates a TOTP secret for u.
func NewEnrolment(u User) (Enrolment, error) {
	return enrol(totp.GenerateOpts{Issuer: Issuer, AccountName: u.Email})
}

// EnrolmentFor rebuilds the enrolment of a secret already offered to u.
func EnrolmentFor(u User, secret string) (Enrolment, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp secret: %w", err)
	}
	return enrol(totp.GenerateOpts{Issuer: Issuer, AccountName: u.Email, Secret: raw})
}

func enrol(opts totp.GenerateOpts) (Enrolment, error) {
	key, err := totp.Generate(opts)
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp: %w", err)
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return Enrolment{}, fmt.Errorf("totp qr: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return Enrolment{}, fmt.Errorf("totp qr: %w", err)
	}
	return Enrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())}, nil
}

// matchStep returns the time step whose code is code, trying the current step and one
// step either side for clock skew. It validates each step on its own (skew 0) so that
// the step that matched is known: that is what replay protection records.
func matchStep(code, secret string, now time.Time) (int64, bool) {
	step := now.Unix() / totpPeriod
	opts := totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
	for _, s := range []int64{step + 1, step, step - 1} {
		if ok, err := totp.ValidateCustom(code, secret, time.Unix(s*totpPeriod, 0).UTC(), opts); err == nil && ok {
			return s, true
		}
	}
	return 0, false
}

// SealEnrolment encrypts a secret offered to u for keeping in the session until u
// confirms it.
func (s *Service) SealEnrolment(u User, secret string) (string, error) {
	return s.Keys.Seal(secret, enrolmentContext(u.ID))
}

// OpenEnrolment decrypts a secret sealed by SealEnrolment for u.
func (s *Service) OpenEnrolment(u User, sealed string) (string, error) {
	return s.Keys.Open(sealed, enrolmentContext(u.ID))
}

// SealDraft encrypts a form u is filling in for orgID (special-category data, kept in
// the session until sent) with the key that seals TOTP seeds. It opens only for the same
// user and organisation: a session row copied, or a browser passed to another user,
// gives nothing.
func (s *Service) SealDraft(u User, orgID int64, plain string) (string, error) {
	return s.Keys.Seal(plain, draftContext(u.ID, orgID))
}

// OpenDraft decrypts a form sealed by SealDraft for u and orgID.
func (s *Service) OpenDraft(u User, orgID int64, sealed string) (string, error) {
	return s.Keys.Open(sealed, draftContext(u.ID, orgID))
}

// EnableMFA confirms an enrolment with a code from the user's authenticator. The seed
// is stored sealed, and the code's step is recorded so the same code cannot then sign
// in. The user is emailed (ASVS V2.5.5: an authenticator changed). Returns ErrBadCode
// for a wrong code and ErrNoSeedKey when no key is configured.
func (s *Service) EnableMFA(ctx context.Context, u User, secret, code string) error {
	step, ok := matchStep(code, secret, s.Now())
	if !ok {
		return ErrBadCode
	}
	sealed, err := s.Keys.Seal(secret, seedContext(u.ID))
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", u.ID).
			Updates(map[string]any{"totp_secret": sealed, "totp_enabled_at": s.Now(), "totp_last_step": step}).Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "user.mfa_enable", "user", fmt.Sprint(u.ID), nil); err != nil {
			return err
		}
		return s.tell(ctx, tx, u, "Two-factor authentication is on for your Hearth account",
			"Two-factor authentication was turned on for your Hearth account. From now on you sign in with your password and a code from your authenticator app.")
	})
}

// CheckMFA verifies a code for a user who has enrolled, at most once per code: the
// step is accepted only if it is later than the last accepted one, by a conditional
// update, so two concurrent uses of one code cannot both pass (ASVS V2.8.4, V2.8.5).
// Attempts are throttled with sign-in failures. Returns ErrBadCode or ErrThrottled.
func (s *Service) CheckMFA(ctx context.Context, u User, code, ip string) error {
	if err := s.checkThrottle(ctx, u.Email, ip); err != nil {
		return err
	}
	ok, err := s.acceptCode(ctx, u, code)
	if err != nil {
		return err
	}
	if err := s.recordAttempt(ctx, u.Email, ip, ok); err != nil {
		return err
	}
	if !ok {
		return ErrBadCode
	}
	return nil
}

func (s *Service) acceptCode(ctx context.Context, u User, code string) (bool, error) {
	if u.TOTPSecret == nil {
		return false, nil
	}
	secret, err := s.Keys.Open(*u.TOTPSecret, seedContext(u.ID))
	if err != nil {
		return false, fmt.Errorf("TOTP seed of user %d: %w", u.ID, err)
	}
	step, ok := matchStep(code, secret, s.Now())
	if !ok {
		return false, nil
	}
	res := s.db.WithContext(ctx).Exec("UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)", step, u.ID, step)
	if res.Error != nil {
		return false, fmt.Errorf("record TOTP step: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	// A right code used again: refused, logged, and the holder told (ASVS V2.8.5).
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := audit.New(tx).Record(ctx, "user.mfa_code_reused", "user", fmt.Sprint(u.ID), map[string]any{"step": step}); err != nil {
			return err
		}
		return s.tell(ctx, tx, u, "A security code for your Hearth account was used twice",
			"Someone entered a security code for your Hearth account that had already been used, and it was refused. If you did not just sign in twice, someone may know your password and be watching your codes: change your password.")
	})
	return false, err
}

// SealPlaintextSeeds seals every TOTP seed still stored in clear (from before seeds
// were encrypted) under the current key, in one transaction. It returns how many.
func (s *Service) SealPlaintextSeeds(ctx context.Context) (int, error) {
	if s.Keys == nil {
		return 0, ErrNoSeedKey
	}
	n := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []struct {
			ID         int64
			TOTPSecret string `gorm:"column:totp_secret"`
		}
		if err := tx.Raw("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL AND totp_secret NOT LIKE 'v1:%' FOR UPDATE").Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			sealed, err := s.Keys.Seal(strings.TrimSpace(r.TOTPSecret), seedContext(r.ID))
			if err != nil {
				return err
			}
			if err := tx.Exec("UPDATE users SET totp_secret = ? WHERE id = ?", sealed, r.ID).Error; err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("seal plaintext TOTP seeds: %w", err)
	}
	return n, nil
}

// RotateSeedKey re-seals every TOTP seed under next, opening each with old (which may
// hold several keys), all in one transaction: either every seed moves to the new key
// or none does. Seeds already under next's current key are left as they are. It
// returns how many seeds were re-sealed.
func RotateSeedKey(ctx context.Context, db *gorm.DB, old, next *SeedKeys) (int, error) {
	if old == nil || next == nil {
		return 0, ErrNoSeedKey
	}
	n := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []struct {
			ID         int64
			TOTPSecret string `gorm:"column:totp_secret"`
		}
		if err := tx.Raw("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL ORDER BY id FOR UPDATE").Scan(&rows).Error; err != nil {
			return err
		}
		for _, r := range rows {
			if SealedKeyID(r.TOTPSecret) == next.CurrentID() {
				continue
			}
			plain := strings.TrimSpace(r.TOTPSecret)
			if IsSealed(r.TOTPSecret) {
				var err error
				if plain, err = old.Open(r.TOTPSecret, seedContext(r.ID)); err != nil {
					return fmt.Errorf("user %d: %w", r.ID, err)
				}
			}
			sealed, err := next.Seal(plain, seedContext(r.ID))
			if err != nil {
				return err
			}
			if err := tx.Exec("UPDATE users SET totp_secret = ? WHERE id = ?", sealed, r.ID).Error; err != nil {
				return err
			}
			n++
		}
		return audit.New(tx).Record(ctx, "mfa.rotate_key", "totp_key", next.CurrentID(), map[string]any{"seeds": n})
	})
	if err != nil {
		return 0, fmt.Errorf("rotate TOTP key: %w", err)
	}
	return n, nil
}
