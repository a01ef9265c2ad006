package commissioning

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// ProviderRegistration is the one input of a provider's sign-up, from the web page and
// the API alike: the organisation and its first administrator.
type ProviderRegistration struct {
	OrganisationName   string `form:"organisation_name" json:"organisation_name"`
	RegistrationKind   string `form:"registration_kind" json:"registration_kind"`
	RegistrationNumber string `form:"registration_number" json:"registration_number"`
	ContactName        string `form:"contact_name" json:"contact_name"`
	ContactEmail       string `form:"contact_email" json:"contact_email"`
	ContactPhone       string `form:"contact_phone" json:"contact_phone"`
	AdminName          string `form:"admin_name" json:"admin_name" validate:"required,max=200" msg:"*=Enter your full name"`
	AdminEmail         string `form:"admin_email" json:"admin_email" validate:"required,email,max=254" msg:"required=Enter your email address|*=Enter an email address in the correct format, like name@example.com"`
	Password           string `form:"password" json:"password" validate:"required" msg:"required=Choose a password"`
}

// Organisation is the organisation part of the registration.
func (r ProviderRegistration) Organisation() ProviderSignUp {
	return ProviderSignUp{Name: r.OrganisationName, RegistrationKind: r.RegistrationKind, RegistrationNumber: r.RegistrationNumber,
		ContactName: r.ContactName, ContactEmail: r.ContactEmail, ContactPhone: r.ContactPhone}
}

// Accounts keeps people's sign-in accounts (frontend/auth's users): a sign-up creates
// the provider's first administrator through it, inside the sign-up's transaction.
type Accounts interface {
	// PasswordProblem says what is wrong with password for an account at email, or "".
	PasswordProblem(password, email string) string
	// Taken reports whether email has an account, read inside tx; when it has, it
	// spends the time a password check would, so the answer cannot be timed.
	Taken(ctx context.Context, tx *gorm.DB, email, password string) (bool, error)
	// CreateAdmin creates the administrator of organisation orgID inside tx. Its field
	// errors name the registration's fields (admin_email, admin_name, password); an
	// email that has an account by now (a sign-up at the same moment) is ErrEmailTaken.
	CreateAdmin(ctx context.Context, tx *gorm.DB, orgID int64, name, email, password string) error
}

// ErrEmailTaken is CreateAdmin's error when the address has an account: another
// sign-up took it at the same moment.
var ErrEmailTaken = errors.New("the email address has an account")

// Validate returns every problem with the registration at once: its fields', the
// organisation's and the password's (as accounts judges it).
func (r *ProviderRegistration) Validate(accounts Accounts) kernel.FieldErrors {
	p := r.Organisation()
	fe := p.Validate()
	for _, e := range kernel.Check(r) {
		if !fe.Has(e.Field) {
			fe = append(fe, e)
		}
	}
	if r.Password != "" {
		if msg := accounts.PasswordProblem(r.Password, r.AdminEmail); msg != "" {
			fe.Add("password", msg)
		}
	}
	return fe
}

// RegisterProvider registers a provider organisation and its first administrator in
// one transaction, or nothing: the organisation, its profile, the administrator's
// account and the email telling them so. It returns every field error at once. Its
// result does not tell whether the email already has an account (ASVS V2.2, V3.3):
// then nothing is registered and the address's owner is emailed that someone tried.
func (s *Frameworks) RegisterProvider(ctx context.Context, r ProviderRegistration, accounts Accounts) error {
	if fe := r.Validate(accounts); fe != nil {
		return fe
	}
	email := strings.TrimSpace(r.AdminEmail)
	taken := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if taken, err = accounts.Taken(ctx, tx, email, r.Password); err != nil || taken {
			return err
		}
		org, err := s.WithTx(tx).CreateProvider(ctx, r.Organisation())
		if err != nil {
			return err
		}
		if err := accounts.CreateAdmin(ctx, tx, org.ID, strings.TrimSpace(r.AdminName), email, r.Password); err != nil {
			return err
		}
		return s.mail(ctx, tx, notify.Mail{To: email, ToOrgID: org.ID, Subject: "Your organisation is registered on Hearth",
			Body: fmt.Sprintf("Hello %s,\n\n%s is registered on Hearth, with you as its administrator. Sign in with the password you chose to apply to join a framework:\n\n%s/sign-in\n\nHearth",
				strings.TrimSpace(r.AdminName), org.Name, s.baseURL)})
	})
	if errors.Is(err, ErrEmailTaken) {
		taken, err = true, nil // registered by someone else at the same moment
	}
	if err != nil || !taken {
		return err
	}
	return s.mail(ctx, s.db, notify.Mail{To: email, Subject: "Someone tried to register on Hearth with your email address",
		Body: fmt.Sprintf("Hello,\n\nSomeone tried to register an organisation on Hearth with this email address, which already has an account. If it was you, sign in at %s/sign-in, or reset your password at %s/password/forgot. If it was not you, you need do nothing: nothing was registered and your account has not changed.\n\nHearth", s.baseURL, s.baseURL)})
}

// mail queues m inside tx, unless s emails nobody.
func (s *Frameworks) mail(ctx context.Context, tx *gorm.DB, m notify.Mail) error {
	if s.outbox == nil {
		return nil
	}
	return s.outbox.WithTx(tx).Send(ctx, m)
}
