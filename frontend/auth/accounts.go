package auth

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// Users keep the accounts that commissioning's provider sign-up creates.
var _ commissioning.Accounts = (*Service)(nil)

// PasswordProblem is CheckPassword, for commissioning.Accounts.
func (s *Service) PasswordProblem(password, email string) string {
	return CheckPassword(password, email)
}

// Taken reports whether email has an account, read inside tx; when it has, it spends
// the time a password check would, so that a sign-up cannot be timed to tell.
func (s *Service) Taken(ctx context.Context, tx *gorm.DB, email, password string) (bool, error) {
	users := s.WithTx(tx)
	_, err := users.ByEmail(ctx, email)
	switch {
	case err == nil:
		users.SpendHashTime(password)
		return true, nil
	case errors.Is(err, kernel.ErrNotFound):
		return false, nil
	}
	return false, err
}

// CreateAdmin creates organisation orgID's provider administrator inside tx, its field
// errors named as the sign-up names them; an address taken meanwhile is
// commissioning.ErrEmailTaken.
func (s *Service) CreateAdmin(ctx context.Context, tx *gorm.DB, orgID int64, name, email, password string) error {
	_, err := s.WithTx(tx).Create(ctx, NewUser{Email: email, Name: name, Role: kernel.RoleProviderAdmin, OrganisationID: orgID, Password: password})
	var fe kernel.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	if len(fe) == 1 && fe[0].Field == "email" && fe[0].Message == MsgEmailTaken {
		return commissioning.ErrEmailTaken
	}
	rename := map[string]string{"email": "admin_email", "name": "admin_name"}
	out := make(kernel.FieldErrors, len(fe))
	for i, e := range fe {
		if r, ok := rename[e.Field]; ok {
			e.Field = r
		}
		out[i] = e
	}
	return out
}
