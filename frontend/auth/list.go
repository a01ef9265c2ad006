package auth

import (
	"context"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// UsersPage lists one page of the users of the given organisations, and the
// host-council users managed by consortium (0: none), by email, and counts them all.
func (s *Service) UsersPage(ctx context.Context, orgIDs []int64, consortium int64, page kernel.Page) ([]User, int64, error) {
	q := s.db.WithContext(ctx).Model(&User{}).Where("organisation_id IN ? OR managed_by = ?", orgIDs, consortium).Order("email, id")
	return kernel.FindPage[User](q, page)
}
