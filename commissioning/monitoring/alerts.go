package monitoring

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// AlertDays is how long an Ofsted fall stays on the alerts list.
const AlertDays = kernel.RatingFallAlertDays

// Alert is a fall of a home's Ofsted rating.
type Alert struct {
	ChangeID   int64
	HomeID     int64
	HomeName   string
	Provider   string
	FromRating string
	ToRating   string
	ChangedAt  time.Time
	// Placements is the viewer council's live placements in the home (0 for others).
	Placements int
}

// Alerts lists the Ofsted falls of the last AlertDays that viewer was alerted to,
// newest first: for a consortium, falls in the homes of providers it admits; for a
// council, those of its consortium's providers and of homes its children live in.
// Others have no alerts (ErrForbidden).
func (s *Service) Alerts(ctx context.Context, viewer commissioning.Organisation) ([]Alert, error) {
	var consortium, council int64
	switch {
	case viewer.Kind == kernel.KindConsortium:
		consortium = viewer.ID
	case viewer.Kind == kernel.KindCouncil:
		council = viewer.ID
		if viewer.ConsortiumID != nil {
			consortium = *viewer.ConsortiumID
		}
	default:
		return nil, fmt.Errorf("rating alerts for a %s: %w", viewer.Kind, kernel.ErrForbidden)
	}
	var out []Alert
	err := s.db.WithContext(ctx).Raw(`
SELECT rc.id AS change_id, h.id AS home_id, h.name AS home_name, pr.name AS provider, rc.from_rating, rc.to_rating, rc.changed_at,
       (SELECT count(*) FROM placements p WHERE p.home_id = h.id AND p.council_id = @council AND p.status IN ('awarded', 'started')) AS placements
  FROM home_rating_changes rc
  JOIN homes h ON h.id = rc.home_id
  JOIN organisations pr ON pr.id = h.provider_id
 WHERE rc.fall AND rc.changed_at >= @since
   AND (EXISTS (SELECT 1 FROM framework_applications a
                  JOIN admissions ad ON ad.application_id = a.id AND ad.status = 'admitted'
                  JOIN lots l ON l.id = ad.lot_id
                  JOIN frameworks f ON f.id = l.framework_id
                 WHERE a.provider_id = h.provider_id AND f.consortium_id = @consortium)
        OR EXISTS (SELECT 1 FROM placements p WHERE p.home_id = h.id AND p.council_id = @council AND p.status IN ('awarded', 'started')))
 ORDER BY rc.changed_at DESC, rc.id DESC
 LIMIT 200`, map[string]any{"consortium": consortium, "council": council, "since": s.Now().AddDate(0, 0, -AlertDays)}).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("rating alerts: %w", err)
	}
	return out, nil
}
