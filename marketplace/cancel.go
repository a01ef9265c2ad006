package marketplace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// Errors about cancelling a request.
var (
	ErrNotCancellable   = kernel.NewError(kernel.ErrConflict, "not_cancellable", "Only a request that has not been awarded can be cancelled.")
	ErrRequestCancelled = kernel.NewError(kernel.ErrConflict, "request_cancelled", "This request has been cancelled.")
)

// MaxCancelReason is the longest reason for cancelling a request, in characters.
const MaxCancelReason = 1000

// CancelInput is why a council cancels its request, as the cancel page and the API send
// it; the invited providers see it.
type CancelInput struct {
	Reason string `json:"reason" form:"reason" validate:"notblank,max=1000" msg:"notblank=Enter why you are cancelling the request; the invited providers will see it|*=The reason must be 1000 characters or fewer"`
}

// CancelRequest cancels a council's own request before award, with a reason every
// invited provider is told (a notice and an email, in the same transaction). The
// cancel is one conditional update, from draft, open or closed only, so a cancel racing
// an award cannot both win: the loser gets ErrNotCancellable or ErrRequestCancelled.
// Returns ErrNotFound for another council's request.
func (s *Service) CancelRequest(ctx context.Context, requestID, councilID, by int64, reason string) (PlacementRequest, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return PlacementRequest{}, kernel.Invalid("reason", "Enter why you are cancelling the request; the invited providers will see it")
	case utf8.RuneCountInString(reason) > MaxCancelReason:
		return PlacementRequest{}, kernel.Invalid("reason", fmt.Sprintf("The reason must be %d characters or fewer", MaxCancelReason))
	}
	var r PlacementRequest
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []PlacementRequest
		err := tx.Raw(`UPDATE placement_requests SET status = 'cancelled', cancel_reason = ?, cancelled_at = now(), cancelled_by = ?
            WHERE id = ? AND council_id = ? AND status IN ('draft', 'open', 'closed') RETURNING *`, reason, nullID(by), requestID, councilID).Scan(&rows).Error
		if err != nil {
			return fmt.Errorf("cancel placement request %d: %w", requestID, err)
		}
		if len(rows) == 0 {
			if err := tx.Where("id = ? AND council_id = ?", requestID, councilID).First(&r).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return fmt.Errorf("placement request %d: %w", requestID, kernel.ErrNotFound)
				}
				return err
			}
			if r.Status.Cancelled() {
				return ErrRequestCancelled
			}
			if r.Status.Cancellable() {
				// The table allows it but the UPDATE's condition did not: they disagree.
				return fmt.Errorf("cancel placement request %d from %s: %w", r.ID, r.Status, kernel.ErrConflict)
			}
			return ErrNotCancellable
		}
		r = rows[0]
		if err := audit.New(tx).Record(ctx, "request.cancel", "placement_request", fmt.Sprint(r.ID), map[string]any{"reason": reason}); err != nil {
			return err
		}
		var invited []int64
		if err := tx.Raw("SELECT provider_id FROM request_invitations WHERE request_id = ? ORDER BY provider_id", r.ID).Scan(&invited).Error; err != nil {
			return err
		}
		for _, pid := range invited {
			if err := s.tell(ctx, tx, r.ID, notify.Message{OrgID: pid, Kind: "request_cancelled", Inbox: true,
				Roles:   []kernel.Role{kernel.RoleProviderAdmin, kernel.RoleProviderUser},
				Subject: fmt.Sprintf("Placement request %d has been cancelled", r.ID), Path: fmt.Sprintf("/invitations/%d", r.ID),
				Body: fmt.Sprintf("The council has cancelled placement request %d. No bid will be awarded and no response is needed.\n\nReason: %s",
					r.ID, reason)}); err != nil {
				return err
			}
		}
		return nil
	})
	return r, err
}
