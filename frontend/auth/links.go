package auth

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// SendPasswordReset makes u a single-use reset link valid for ResetValidity and emails
// it, with its audit row, in one transaction: the link exists exactly when its email is
// queued. A Service without mail makes the link and sends nothing.
func (s *Service) SendPasswordReset(ctx context.Context, u User) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		body := fmt.Sprintf("Hello %s,\n\nSomeone asked to reset the password for your Hearth account. If it was you, open this link within 1 hour:\n\n%s/password/reset/%s\n\nThe link works once. If you did not ask, you can ignore this email: your password has not changed.\n\nHearth",
			u.Name, s.baseURL, notify.SecretPlaceholder)
		if err := s.WithTx(tx).mailResetLink(ctx, tx, u, ResetValidity, notify.Mail{To: u.Email, Subject: "Reset your Hearth password", Body: body, ToOrgID: u.OrganisationID}); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "user.password_reset_request", "user", fmt.Sprint(u.ID), nil)
	})
}

// InvitationValidity is how long the link in a new account's invitation works.
const InvitationValidity = 7 * 24 * time.Hour

// Invite creates a user and emails them a link to choose their password within
// InvitationValidity, in one transaction: an account never exists without its
// invitation. inviter names who gave the account; consortiumID is whose business the
// email is. Returns Create's errors.
func (s *Service) Invite(ctx context.Context, nu NewUser, inviter string, consortiumID int64) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		in := s.WithTx(tx)
		var err error
		if u, err = in.Create(ctx, nu); err != nil {
			return err
		}
		body := "Hello " + u.Name + ",\n\n" + inviter + " has given you a Hearth account (" + u.Role.Label() + ").\n\nChoose your password within 7 days here:\n\n" +
			s.baseURL + "/password/reset/" + notify.SecretPlaceholder + "\n\nHearth"
		return in.mailResetLink(ctx, tx, u, InvitationValidity, notify.Mail{To: u.Email, Subject: "Your Hearth account", Body: body, ToOrgID: u.OrganisationID, ConsortiumID: consortiumID})
	})
	return u, err
}

// mailResetLink makes a reset link for u valid for validity and queues m carrying it,
// both through tx.
func (s *Service) mailResetLink(ctx context.Context, tx *gorm.DB, u User, validity time.Duration, m notify.Mail) error {
	tok, err := s.CreatePasswordReset(ctx, u, validity)
	if err != nil {
		return err
	}
	if s.mail == nil {
		return nil
	}
	return s.mail.WithTx(tx).SendWithSecretLink(ctx, m, tok)
}
