package marketplace

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// ratingFall is a fall of a home's Ofsted rating that the database recorded
// (home_rating_changes, written by a trigger on every change of homes.ofsted_rating,
// migration 00039) and nobody has been alerted to yet.
type ratingFall struct {
	ID                   int64
	HomeID               int64
	HomeName             string
	ProviderID           int64
	Provider             string
	FromRating, ToRating string
	ChangedAt            time.Time
}

// alertRatingFalls alerts, inside tx, every Ofsted fall not yet alerted: by email to
// the consortium admins of each consortium that admits the home's provider, and to the
// commissioners and approvers of each council with a live placement in the home. It
// runs in the transaction of every change to a home (the home's page, the CSV import
// and the API all save through SaveHome), so an alert exists exactly when its fall
// does; a fall written some other way is alerted by the next change saved. Rows are
// claimed with SKIP LOCKED, so two transactions never alert one fall twice.
func (s *Service) alertRatingFalls(ctx context.Context, tx *gorm.DB) error {
	var falls []ratingFall
	err := tx.WithContext(ctx).Raw(`
SELECT rc.id, rc.home_id, h.name AS home_name, h.provider_id, pr.name AS provider, rc.from_rating, rc.to_rating, rc.changed_at
  FROM home_rating_changes rc
  JOIN homes h ON h.id = rc.home_id
  JOIN organisations pr ON pr.id = h.provider_id
 WHERE rc.fall AND rc.alerted_at IS NULL
 ORDER BY rc.id
   FOR UPDATE OF rc SKIP LOCKED`).Scan(&falls).Error
	if err != nil {
		return fmt.Errorf("rating falls to alert: %w", err)
	}
	for _, f := range falls {
		if err := s.alertRatingFall(ctx, tx, f); err != nil {
			return err
		}
		if err := tx.Exec("UPDATE home_rating_changes SET alerted_at = ? WHERE id = ?", s.Now(), f.ID).Error; err != nil {
			return fmt.Errorf("mark rating fall %d alerted: %w", f.ID, err)
		}
	}
	return nil
}

func (s *Service) alertRatingFall(ctx context.Context, tx *gorm.DB, f ratingFall) error {
	subject := fmt.Sprintf("Ofsted rating fell: %s is now %s", f.HomeName, Label(Ratings, f.ToRating))
	body := fmt.Sprintf("Ofsted's rating of %s, run by %s, fell from %s to %s on %s.\n\n"+
		"Hearth lists the fall under Alerts on the monitoring page for %d days: %s/monitoring\n"+
		"The home's monitoring visits: %s/monitoring/homes/%d",
		f.HomeName, f.Provider, Label(Ratings, f.FromRating), Label(Ratings, f.ToRating), f.ChangedAt.In(kernel.London).Format("2 January 2006"),
		kernel.RatingFallAlertDays, s.baseURL, s.baseURL, f.HomeID)
	var consortia []int64
	if err := tx.WithContext(ctx).Raw(`SELECT DISTINCT f.consortium_id FROM framework_applications a
          JOIN admissions ad ON ad.application_id = a.id AND ad.status = 'admitted'
          JOIN lots l ON l.id = ad.lot_id
          JOIN frameworks f ON f.id = l.framework_id
         WHERE a.provider_id = ? ORDER BY 1`, f.ProviderID).Scan(&consortia).Error; err != nil {
		return fmt.Errorf("consortia admitting provider %d: %w", f.ProviderID, err)
	}
	for _, c := range consortia {
		if err := s.notify.MailRoles(ctx, tx, c, c, []kernel.Role{kernel.RoleConsortiumAdmin}, subject, body); err != nil {
			return err
		}
	}
	var councils []struct {
		ID           int64
		ConsortiumID *int64
	}
	if err := tx.WithContext(ctx).Raw(`SELECT DISTINCT o.id, o.consortium_id FROM placements p JOIN organisations o ON o.id = p.council_id
         WHERE p.home_id = ? AND p.status IN ? ORDER BY o.id`, f.HomeID, []PlacementStatus{PlacementAwarded, PlacementStarted}).Scan(&councils).Error; err != nil {
		return fmt.Errorf("councils placing in home %d: %w", f.HomeID, err)
	}
	for _, c := range councils {
		var cons int64
		if c.ConsortiumID != nil {
			cons = *c.ConsortiumID
		}
		if err := s.notify.MailRoles(ctx, tx, c.ID, cons, []kernel.Role{kernel.RoleCommissioner, kernel.RoleApprover}, subject, body); err != nil {
			return err
		}
	}
	return nil
}
