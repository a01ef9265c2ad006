package auth

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
)

var gormSession = gorm.Session{}

// randomToken returns a URL-safe random secret with prefix and the SHA-256 of it.
func randomToken(prefix string) (string, []byte, error) { return seal.NewToken(prefix) }

func hashToken(tok string) []byte { return seal.HashToken(tok) }

// APIToken is a bearer token's record (never its secret).
type APIToken struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	Name       string
	TokenHash  []byte
	Prefix     string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Expired reports whether the token has passed its expiry at now.
func (t APIToken) Expired(now time.Time) bool { return !now.Before(t.ExpiresAt) }

// TableName is the api_tokens table.
func (APIToken) TableName() string { return "api_tokens" }

const apiTokenPrefix = "hth_"

// TokenLifetimes are the lifetimes, in days, a new API token may have (ASVS V3.3); the
// default is DefaultTokenDays.
var TokenLifetimes = []int{30, 90, 180, 365}

// DefaultTokenDays is the lifetime of a token when none is chosen.
const DefaultTokenDays = 90

// NewAPIToken is what it takes to issue an API token.
type NewAPIToken struct {
	Name string
	Days int // one of TokenLifetimes; 0 means DefaultTokenDays
	// Code is a current TOTP code, required of roles that need a second factor: a
	// token outlives the session, so it takes a fresh proof of the second factor.
	Code string
	IP   string
	// Operator marks a token made with `hearth token create` by someone who holds the
	// server's configuration: no code is asked.
	Operator bool
}

// CreateAPIToken issues a bearer token for u and returns its secret, which is shown
// once. u is emailed that a token was made (never the token). Returns FieldErrors for
// a bad name, lifetime or code, and ErrThrottled after too many wrong codes.
func (s *Service) CreateAPIToken(ctx context.Context, u User, nt NewAPIToken) (string, APIToken, error) {
	var fe kernel.FieldErrors
	name := strings.TrimSpace(nt.Name)
	if name == "" || len(name) > 100 {
		fe.Add("name", "Enter a name for the token, like \"Case management system\" (100 characters or fewer)")
	}
	if nt.Days == 0 {
		nt.Days = DefaultTokenDays
	}
	if !slices.Contains(TokenLifetimes, nt.Days) {
		fe.Add("days", "Choose how long the token works: 30, 90, 180 or 365 days")
	}
	needCode := u.Role.RequiresMFA() && !nt.Operator
	if needCode && !codeFormat.MatchString(nt.Code) {
		fe.Add("code", "Enter the 6-digit security code from your authenticator app, like 123456")
	}
	if err := fe.Err(); err != nil {
		return "", APIToken{}, err
	}
	if needCode {
		switch err := s.CheckMFA(ctx, u, nt.Code, nt.IP); {
		case errors.Is(err, ErrBadCode):
			return "", APIToken{}, kernel.Invalid("code", "The security code is wrong or has expired: enter the code your app shows now")
		case err != nil:
			return "", APIToken{}, err
		}
	}
	tok, h, err := randomToken(apiTokenPrefix)
	if err != nil {
		return "", APIToken{}, err
	}
	now := s.Now()
	t := APIToken{UserID: u.ID, Name: name, TokenHash: h, Prefix: tok[:len(apiTokenPrefix)+6], CreatedAt: now, ExpiresAt: now.AddDate(0, 0, nt.Days)}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("LastUsedAt", "RevokedAt").Create(&t).Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "api_token.create", "api_token", fmt.Sprint(t.ID), map[string]any{"user_id": u.ID, "name": name, "expires_at": t.ExpiresAt}); err != nil {
			return err
		}
		return s.tell(ctx, tx, u, "A new API token was made for your Hearth account",
			fmt.Sprintf("An API token called %q was made for your Hearth account. It acts as you until %s, unless it is revoked. You can see and revoke your tokens at %s/account/tokens.", name, t.ExpiresAt.Format("2 January 2006"), s.baseURL))
	})
	if err != nil {
		return "", APIToken{}, fmt.Errorf("create API token: %w", err)
	}
	return tok, t, nil
}

var codeFormat = regexp.MustCompile(`^[0-9]{6}$`)

// APITokens lists u's tokens, newest first.
func (s *Service) APITokens(ctx context.Context, u User) ([]APIToken, error) {
	var out []APIToken
	err := s.db.WithContext(ctx).Where("user_id = ?", u.ID).Order("id DESC").Find(&out).Error
	return out, err
}

// RevokeAPIToken revokes one of u's tokens. Returns ErrNotFound for someone else's.
func (s *Service) RevokeAPIToken(ctx context.Context, u User, id int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&APIToken{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", id, u.ID).Update("revoked_at", s.Now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("API token %d: %w", id, kernel.ErrNotFound)
		}
		return audit.New(tx).Record(ctx, "api_token.revoke", "api_token", fmt.Sprint(id), nil)
	})
}

// ErrNoToken is returned for a missing, unknown, revoked, expired or disabled user's token.
var ErrNoToken = errors.New("missing, unknown or revoked API token")

// tokenUser is a live token's user, read with the token in one round trip.
type tokenUser struct {
	User      `gorm:"embedded"`
	TokenID   int64
	TokenHash []byte
	TokenUsed *time.Time
}

// AuthenticateAPIToken returns the user a bearer token belongs to: one query reads the
// token (live: not revoked, not expired) with its user (not deactivated). It runs on
// every API request, so pgx reads it (kernel.QueryPgx).
func (s *Service) AuthenticateAPIToken(ctx context.Context, tok string) (User, error) {
	if !strings.HasPrefix(tok, apiTokenPrefix) {
		return User{}, ErrNoToken
	}
	now, h := s.Now(), hashToken(tok)
	rows, err := kernel.QueryPgx[tokenUser](ctx, s.db, `SELECT u.id, u.organisation_id, u.org_kind, u.email, u.name, u.role, u.managed_by,
			u.password_hash, u.totp_secret, u.totp_enabled_at, u.disabled_at, u.last_login_at, u.created_at,
			t.id AS token_id, t.token_hash, t.last_used_at AS token_used
		FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = @hash AND t.revoked_at IS NULL AND t.expires_at > @now AND u.disabled_at IS NULL`,
		map[string]any{"hash": h, "now": now})
	if err != nil {
		// The database failing is not a bad token: the client must retry, not drop it.
		return User{}, fmt.Errorf("API token: %w", err)
	}
	if len(rows) != 1 || !constantTimeEqual(rows[0].TokenHash, h) {
		return User{}, ErrNoToken
	}
	tu := rows[0]
	// Last use is advisory; at most one write a minute per token. The token row just
	// read says whether one is due, so a busy token's requests make no write (gorm would
	// wrap even an UPDATE of no row in BEGIN and COMMIT: three round trips).
	if tu.TokenUsed == nil || tu.TokenUsed.Before(now.Add(-time.Minute)) {
		s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", tu.TokenID, now.Add(-time.Minute)).
			Update("last_used_at", now)
	}
	return tu.User, nil
}

// passwordReset is a row of password_resets.
type passwordReset struct {
	TokenHash []byte
	UserID    int64
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (passwordReset) TableName() string { return "password_resets" }

// ResetValidity is how long a password-reset link works.
var ResetValidity = time.Hour

// CreatePasswordReset issues a single-use reset token for u (also used to invite a new
// user to set a first password).
func (s *Service) CreatePasswordReset(ctx context.Context, u User, validity time.Duration) (string, error) {
	tok, h, err := randomToken("")
	if err != nil {
		return "", err
	}
	r := passwordReset{TokenHash: h, UserID: u.ID, ExpiresAt: s.Now().Add(validity)}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return "", fmt.Errorf("create password reset: %w", err)
	}
	return tok, nil
}

// CheckPasswordReset returns the user a reset token is valid for, without using it.
func (s *Service) CheckPasswordReset(ctx context.Context, tok string) (User, error) {
	var r passwordReset
	err := s.db.WithContext(ctx).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(tok), s.Now()).First(&r).Error
	if err != nil {
		return User{}, ErrBadToken
	}
	u, err := s.activeByID(ctx, r.UserID)
	if err != nil {
		return User{}, ErrBadToken
	}
	return u, nil
}

// ResetPassword uses a reset token once to set a new password. Every other reset link
// of the user stops working and every session of the user but keep (the key of the
// session the reset came from, or "") ends (ASVS V3.3.3); the user is emailed.
func (s *Service) ResetPassword(ctx context.Context, tok, password, keep string) (User, error) {
	u, err := s.CheckPasswordReset(ctx, tok)
	if err != nil {
		return User{}, err
	}
	if msg := CheckPassword(password, u.Email); msg != "" {
		return User{}, kernel.Invalid("password", msg)
	}
	h, err := hashPassword(password)
	if err != nil {
		return User{}, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The conditional update is what makes the token single-use under concurrency.
		res := tx.Model(&passwordReset{}).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", hashToken(tok), s.Now()).Update("used_at", s.Now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrBadToken
		}
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Update("password_hash", h).Error; err != nil {
			return err
		}
		if err := tx.Model(&passwordReset{}).Where("user_id = ? AND used_at IS NULL", u.ID).Update("used_at", s.Now()).Error; err != nil {
			return err
		}
		ended, err := endOtherSessions(tx, u.ID, keep)
		if err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "user.password_reset", "user", fmt.Sprint(u.ID), map[string]any{"sessions_ended": ended}); err != nil {
			return err
		}
		return s.tell(ctx, tx, u, "Your Hearth password was changed", "The password of your Hearth account was reset with a link sent to this address, and every session signed in to it was signed out.")
	})
	if err != nil {
		return User{}, fmt.Errorf("reset password: %w", err)
	}
	return u, nil
}
