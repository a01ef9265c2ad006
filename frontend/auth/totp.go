package auth

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"image/png"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/audit"
)

// Issuer names Hearth in authenticator apps.
const Issuer = "Hearth"

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

// ValidCode checks a 6-digit code against secret, allowing one 30-second step of skew.
func ValidCode(code, secret string, now time.Time) bool {
	ok, err := totp.ValidateCustom(code, secret, now.UTC(), totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return err == nil && ok
}

// EnableMFA confirms an enrolment with a code from the user's authenticator.
func (s *Service) EnableMFA(ctx context.Context, u User, secret, code string) error {
	if !ValidCode(code, secret, s.Now()) {
		return ErrBadCode
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Updates(map[string]any{"totp_secret": secret, "totp_enabled_at": s.Now()}).Error; err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "user.mfa_enable", "user", fmt.Sprint(u.ID), nil)
	})
}

// CheckMFA verifies a code for a user who has enrolled.
func (s *Service) CheckMFA(ctx context.Context, u User, code, ip string) error {
	if err := s.checkThrottle(ctx, u.Email, ip); err != nil {
		return err
	}
	ok := u.TOTPSecret != nil && ValidCode(code, *u.TOTPSecret, s.Now())
	if err := s.recordAttempt(ctx, u.Email, ip, ok); err != nil {
		return err
	}
	if !ok {
		return ErrBadCode
	}
	return nil
}
