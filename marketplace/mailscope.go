package marketplace

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// tell sends m (notice and email) as the business of the consortium whose framework
// placement request requestID was made under, so that only that consortium's admin sees
// the email in their outbox, whoever it is to.
func (s *Service) tell(ctx context.Context, tx *gorm.DB, requestID int64, m notify.Message) error {
	var err error
	if m.ConsortiumID, err = requestConsortium(ctx, tx, requestID); err != nil {
		return err
	}
	return s.notify.Send(ctx, tx, m)
}

// tellUser emails m to one user as the business of request requestID's consortium.
func (s *Service) tellUser(ctx context.Context, tx *gorm.DB, requestID int64, userID *int64, m notify.Message) error {
	var err error
	if m.ConsortiumID, err = requestConsortium(ctx, tx, requestID); err != nil {
		return err
	}
	return s.notify.SendToUser(ctx, tx, userID, m)
}

// requestConsortium returns the consortium of a request's framework, or of its council
// while it has no lot yet; 0 when neither is known.
func requestConsortium(ctx context.Context, tx *gorm.DB, requestID int64) (int64, error) {
	var id *int64
	err := tx.WithContext(ctx).Raw(`SELECT coalesce(f.consortium_id, c.consortium_id)
          FROM placement_requests r
          JOIN organisations c ON c.id = r.council_id
          LEFT JOIN lots l ON l.id = r.lot_id
          LEFT JOIN frameworks f ON f.id = l.framework_id
         WHERE r.id = ?`, requestID).Scan(&id).Error
	if err != nil {
		return 0, fmt.Errorf("consortium of request %d: %w", requestID, err)
	}
	if id == nil {
		return 0, nil
	}
	return *id, nil
}
