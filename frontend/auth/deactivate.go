package auth

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

// Errors of Deactivate.
var (
	ErrOwnAccess          = kernel.NewError(kernel.ErrForbidden, "own_access", "You cannot remove your own access.")
	ErrAlreadyDeactivated = kernel.NewError(kernel.ErrConflict, "already_deactivated", "This user's access has already been removed.")
)

// Deactivation is what removing a user's access ended.
type Deactivation struct {
	Sessions    int64
	Tokens      int64
	ResetLinks  int64
	Deactivated User
}

// Deactivate removes u's access in one audited transaction: the user is marked
// deactivated, every session ends, every API token is revoked and every outstanding
// invitation or password-reset link stops working. by is who removed it (0: the
// command line). Sign-in, sessions, tokens and links of a deactivated user are refused;
// the database refuses new sessions, tokens and links for them (migration 00053).
func (s *Service) Deactivate(ctx context.Context, u User, by int64) (Deactivation, error) {
	if by != 0 && by == u.ID {
		return Deactivation{}, ErrOwnAccess
	}
	var d Deactivation
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		// The conditional update makes removal happen once under concurrency.
		res := tx.Model(&User{}).Where("id = ? AND disabled_at IS NULL", u.ID).Update("disabled_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrAlreadyDeactivated
		}
		if err := tx.Raw("SELECT count(*) FROM user_sessions WHERE user_id = ?", u.ID).Row().Scan(&d.Sessions); err != nil {
			return err
		}
		if err := deleteSessions(tx, "user_id = ?", u.ID); err != nil {
			return err
		}
		res = tx.Model(&APIToken{}).Where("user_id = ? AND revoked_at IS NULL", u.ID).Update("revoked_at", now)
		if res.Error != nil {
			return res.Error
		}
		d.Tokens = res.RowsAffected
		res = tx.Model(&passwordReset{}).Where("user_id = ? AND used_at IS NULL", u.ID).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		d.ResetLinks = res.RowsAffected
		u.DisabledAt = &now
		d.Deactivated = u
		return audit.New(tx).Record(ctx, "user.deactivate", "user", fmt.Sprint(u.ID), map[string]any{
			"email": u.Email, "by": by, "sessions_ended": d.Sessions, "tokens_revoked": d.Tokens, "links_cancelled": d.ResetLinks})
	})
	if err != nil {
		return Deactivation{}, fmt.Errorf("deactivate user %d: %w", u.ID, err)
	}
	return d, nil
}

// Deactivated reports whether u's access has been removed.
func (u User) Deactivated() bool { return u.DisabledAt != nil }

// activeByID returns a user who still has access, or kernel.ErrNotFound.
func (s *Service) activeByID(ctx context.Context, id int64) (User, error) {
	u, err := s.ByID(ctx, id)
	if err == nil && u.Deactivated() {
		return User{}, fmt.Errorf("user %d is deactivated: %w", id, kernel.ErrNotFound)
	}
	return u, err
}
