package auth

import (
	"context"

	"github.com/hearth-placements/hearth/commissioning"
)

// UsersPage lists one page of the users of the given organisations, by email, and
// counts them all.
func (s *Service) UsersPage(ctx context.Context, orgIDs []int64, page commissioning.Page) ([]User, int64, error) {
	q := s.db.WithContext(ctx).Model(&User{}).Where("organisation_id IN ?", orgIDs).Order("email, id")
	return commissioning.FindPage[User](q, page)
}
