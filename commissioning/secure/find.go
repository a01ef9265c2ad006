package secure

import (
	"context"
	"fmt"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// FindChild is a council's secure referrals whose child's reference contains search
// (at most kernel.MaxChildMatches), by reference then newest first. Only the council's
// own referrals are searched; the caller audits what it shows.
func (s *Service) FindChild(ctx context.Context, councilID int64, search string) ([]kernel.ChildMatch, error) {
	like := kernel.ListQuery{Search: search}.Like()
	if like == "" {
		return nil, nil
	}
	var out []kernel.ChildMatch
	err := s.db.WithContext(ctx).Raw(`SELECT 'secure_referral' AS kind, id, child_ref, status::text AS status, submitted_at AS at
        FROM secure_referrals WHERE council_id = ? AND child_ref ILIKE ? ORDER BY child_ref, submitted_at DESC, id DESC LIMIT ?`,
		councilID, like, kernel.MaxChildMatches).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("find child: %w", err)
	}
	return out, nil
}
