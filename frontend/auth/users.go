// Package auth holds who may sign in to Hearth and how: users and their argon2id
// password hashes checked against a deny-list of common passwords, sign-in and
// credential-request throttling, TOTP second factors (seeds sealed with AES-GCM, each
// code accepted once), single-use password-reset tokens, API bearer tokens (stored
// hashed, shown once, expiring, revocable) and the register of signed-in sessions
// (stored by hash). Users are emailed when their credentials change.
package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// User is a person who signs in.
type User struct {
	ID             int64 `gorm:"primaryKey"`
	OrganisationID int64
	OrgKind        kernel.OrgKind
	Email          string
	Name           string
	Role           kernel.Role
	ManagedBy      *int64 // the consortium managing a host-council user; nil for every other role
	PasswordHash   *string
	TOTPSecret     *string    `gorm:"column:totp_secret"`
	TOTPEnabledAt  *time.Time `gorm:"column:totp_enabled_at"`
	DisabledAt     *time.Time
	LastLoginAt    *time.Time
	CreatedAt      time.Time
}

// TableName is the users table.
func (User) TableName() string { return "users" }

// MFAEnabled reports whether the user has enrolled a TOTP authenticator.
func (u User) MFAEnabled() bool { return u.TOTPEnabledAt != nil }

// Errors returned by the Service.
var (
	ErrBadCredentials = errors.New("enter a correct email address and password")
	ErrThrottled      = errors.New("too many failed sign-in attempts")
	ErrBadCode        = errors.New("the security code is wrong or has expired")
	ErrBadToken       = errors.New("this link is not valid: it may have been used or expired")
)

// MsgEmailTaken is the field error of an email address that already has an account.
const MsgEmailTaken = "A user with this email address already exists"

// Params are the argon2id parameters for new hashes; tests lower them.
var Params = argon2id.DefaultParams

// Service manages users and their credentials.
type Service struct {
	db  *gorm.DB
	Now func() time.Time
	// Keys seal TOTP seeds at rest; without them no one can enrol or use a second factor.
	Keys    *SeedKeys
	mail    *notify.Outbox
	baseURL string
	dummy   string // a hash to compare against when the email is unknown, to even out timing
}

// NewService returns a Service on db.
func NewService(db *gorm.DB) *Service {
	h, _ := argon2id.CreateHash("not a real password", Params)
	return &Service{db: db, Now: time.Now, dummy: h}
}

// NewUser is what it takes to create a user.
type NewUser struct {
	Email          string
	Name           string
	Role           kernel.Role
	OrganisationID int64
	Password       string // empty: the user sets one from an emailed link
	// ManagedBy is the consortium that invites and manages a host-council user; it is
	// required for that role and refused for every other.
	ManagedBy int64
}

func hashPassword(p string) (string, error) {
	h, err := argon2id.CreateHash(p, Params)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// CheckPassword returns why a new password is not acceptable, or "". Hearth follows
// NCSC guidance: length over complexity rules, and no password on the deny-list of
// common and breached ones (ASVS V2.1.1, V2.1.7).
func CheckPassword(password, email string) string {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return "Password must be 12 characters or more"
	case n > 200:
		return "Password must be 200 characters or fewer"
	case strings.EqualFold(password, email):
		return "Password must not be your email address"
	case IsCommonPassword(password):
		return "Password is too common: it is on a list of passwords that attackers try first. Choose another, like three random words"
	}
	return ""
}

// Create adds a user. Returns kernel.FieldErrors for bad input and ErrConflict
// when the email is taken.
func (s *Service) Create(ctx context.Context, nu NewUser) (User, error) {
	var fe kernel.FieldErrors
	nu.Email = strings.TrimSpace(nu.Email)
	if a, err := mail.ParseAddress(nu.Email); err != nil || a.Address != nu.Email {
		fe.Add("email", "Enter an email address in the correct format, like name@example.com")
	}
	if strings.TrimSpace(nu.Name) == "" {
		fe.Add("name", "Enter the user's full name")
	}
	if !nu.Role.Valid() {
		fe.Add("role", "Select a role")
	}
	if nu.Password != "" {
		if msg := CheckPassword(nu.Password, nu.Email); msg != "" {
			fe.Add("password", msg)
		}
	}
	if err := fe.Err(); err != nil {
		return User{}, err
	}
	var org commissioning.Organisation
	if err := s.db.WithContext(ctx).First(&org, nu.OrganisationID).Error; err != nil {
		return User{}, kernel.Invalid("organisation_id", "Select an organisation that exists")
	}
	if org.Kind != nu.Role.OrgKind() {
		return User{}, kernel.Invalid("role", fmt.Sprintf("A %s cannot belong to a %s organisation", nu.Role.Label(), org.Kind))
	}
	if (nu.Role == kernel.RoleHostCouncilUser) != (nu.ManagedBy != 0) {
		return User{}, kernel.Invalid("role", "Only a host council user is managed by a consortium")
	}
	u := User{OrganisationID: org.ID, OrgKind: org.Kind, Email: nu.Email, Name: strings.TrimSpace(nu.Name), Role: nu.Role}
	if nu.ManagedBy != 0 {
		u.ManagedBy = &nu.ManagedBy
	}
	if nu.Password != "" {
		h, err := hashPassword(nu.Password)
		if err != nil {
			return User{}, err
		}
		u.PasswordHash = &h
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("CreatedAt", "TOTPSecret", "TOTPEnabledAt", "DisabledAt", "LastLoginAt").Create(&u).Error; err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "user.create", "user", fmt.Sprint(u.ID), map[string]any{"email": u.Email, "role": u.Role, "organisation_id": u.OrganisationID, "managed_by": u.ManagedBy})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return User{}, kernel.Invalid("email", MsgEmailTaken)
	}
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", nu.Email, err)
	}
	return u, nil
}

// ByID returns a user. Returns kernel.ErrNotFound when there is none.
func (s *Service) ByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.db.WithContext(ctx).First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return u, fmt.Errorf("user %d: %w", id, kernel.ErrNotFound)
	}
	return u, err
}

// ByEmail returns a user by email address (case-insensitive).
func (s *Service) ByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("email = ?", strings.TrimSpace(email)).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return u, fmt.Errorf("user %q: %w", email, kernel.ErrNotFound)
	}
	return u, err
}

// ListByOrganisations returns the users of the given organisations, by email.
func (s *Service) ListByOrganisations(ctx context.Context, orgIDs []int64) ([]User, error) {
	var out []User
	err := s.db.WithContext(ctx).Where("organisation_id IN ?", orgIDs).Order("email").Find(&out).Error
	return out, err
}

// Authenticate checks an email and password. Throttling is applied per account and
// per IP address before the password is checked; every attempt is recorded.
func (s *Service) Authenticate(ctx context.Context, email, password, ip string) (User, error) {
	email = strings.TrimSpace(email)
	if err := s.checkThrottle(ctx, email, ip); err != nil {
		return User{}, err
	}
	u, err := s.ByEmail(ctx, email)
	ok := false
	switch {
	case err == nil && u.PasswordHash != nil && u.DisabledAt == nil:
		ok, err = argon2id.ComparePasswordAndHash(password, *u.PasswordHash)
		if err != nil {
			return User{}, fmt.Errorf("check password: %w", err)
		}
	case err == nil || errors.Is(err, kernel.ErrNotFound):
		_, _ = argon2id.ComparePasswordAndHash(password, s.dummy)
	default:
		return User{}, err
	}
	if rerr := s.recordAttempt(ctx, email, ip, ok); rerr != nil {
		return User{}, rerr
	}
	if !ok {
		return User{}, ErrBadCredentials
	}
	return u, nil
}

// SignedIn records a completed sign-in (after any second factor).
func (s *Service) SignedIn(ctx context.Context, u User) error {
	if err := s.db.WithContext(ctx).Model(&u).Update("last_login_at", s.Now()).Error; err != nil {
		return fmt.Errorf("record sign-in: %w", err)
	}
	return audit.New(s.db).Record(ctx, "user.sign_in", "user", fmt.Sprint(u.ID), nil)
}

// PasswordChange is a signed-in user's change of their own password.
type PasswordChange struct {
	Current string `form:"current_password"`
	New     string `form:"password"`
	Confirm string `form:"confirm"`
}

// ChangePassword sets u's password after checking the current one (ASVS V2.1.5, V2.1.6).
// Every problem is returned at once as kernel.FieldErrors. Wrong current
// passwords count as failed sign-ins, so they are throttled (ErrThrottled). On success
// every other session of u ends (keep is the current session's key) and u is emailed.
func (s *Service) ChangePassword(ctx context.Context, u User, pc PasswordChange, keep, ip string) error {
	var fe kernel.FieldErrors
	if pc.Current == "" {
		fe.Add("current_password", "Enter your current password")
	}
	switch {
	case pc.New == "":
		fe.Add("password", "Enter a new password")
	case CheckPassword(pc.New, u.Email) != "":
		fe.Add("password", CheckPassword(pc.New, u.Email))
	case pc.New == pc.Current:
		fe.Add("password", "Your new password must be different from your current one")
	}
	switch {
	case pc.Confirm == "":
		fe.Add("confirm", "Confirm your new password")
	case pc.New != "" && pc.Confirm != pc.New:
		fe.Add("confirm", "The passwords do not match")
	}
	if pc.Current != "" {
		if err := s.checkThrottle(ctx, u.Email, ip); err != nil {
			return err
		}
		ok := false
		if u.PasswordHash != nil {
			var err error
			if ok, err = argon2id.ComparePasswordAndHash(pc.Current, *u.PasswordHash); err != nil {
				return fmt.Errorf("check password: %w", err)
			}
		}
		if err := s.recordAttempt(ctx, u.Email, ip, ok); err != nil {
			return err
		}
		if !ok {
			fe = append(kernel.FieldErrors{{Field: "current_password", Message: "Your current password is wrong"}}, fe...)
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	h, err := hashPassword(pc.New)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Update("password_hash", h).Error; err != nil {
			return err
		}
		ended, err := endOtherSessions(tx, u.ID, keep)
		if err != nil {
			return err
		}
		if err := tx.Model(&passwordReset{}).Where("user_id = ? AND used_at IS NULL", u.ID).Update("used_at", s.Now()).Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "user.password_change", "user", fmt.Sprint(u.ID), map[string]any{"sessions_ended": ended}); err != nil {
			return err
		}
		return s.tell(ctx, tx, u, "Your Hearth password was changed", "The password of your Hearth account was changed, and every other session signed in to it was signed out.")
	})
}

// tell emails u about a change to their credentials, inside the change's transaction
// (ASVS V2.2.3, V2.5.5). The mail never holds a secret.
func (s *Service) tell(ctx context.Context, tx *gorm.DB, u User, subject, what string) error {
	if s.mail == nil {
		return nil
	}
	body := fmt.Sprintf("Hello %s,\n\n%s\n\nIf this was not you, reset your password now at %s/password/forgot and tell your organisation's Hearth administrator.\n\nHearth", u.Name, what, s.baseURL)
	return s.mail.WithTx(tx).Send(ctx, notify.Mail{To: u.Email, Subject: subject, Body: body, ToOrgID: u.OrganisationID})
}

// WithMail returns a Service that emails users about changes to their credentials
// through outbox, with links to baseURL.
func (s *Service) WithMail(outbox *notify.Outbox, baseURL string) *Service {
	c := *s
	c.mail, c.baseURL = outbox, strings.TrimRight(baseURL, "/")
	return &c
}

// WithoutMail returns a Service that emails nobody, for setting up users in tests.
func (s *Service) WithoutMail() *Service {
	c := *s
	c.mail = nil
	return &c
}

// SpendHashTime does the work of hashing a password without keeping anything, so that
// an answer that needs no hash (a sign-up with an email that is taken) takes as long
// as one that does.
func (s *Service) SpendHashTime(password string) {
	_, _ = argon2id.ComparePasswordAndHash(password, s.dummy)
}

func constantTimeEqual(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// WithTx returns a Service working inside tx, so user changes commit with others.
func (s *Service) WithTx(tx *gorm.DB) *Service {
	c := *s
	c.db = tx
	return &c
}
