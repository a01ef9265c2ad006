package marketplace

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// reminderLock is the advisory-lock key of the stale-vacancy reminder job.
const reminderLock = 7_301_001

// RemindStale finds homes whose vacancy has not been confirmed for StaleAfter and that
// have not been reminded about in that time, marks them reminded and emails each
// provider's users once about theirs, all in one transaction (a reminder that cannot be
// queued undoes the run). It returns how many providers it reminded. A transaction-scoped advisory lock makes the
// job run once even when several Hearth processes start it together; a process that
// does not get the lock returns at once.
func (s *Service) RemindStale(ctx context.Context) (int, error) {
	sent := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var got bool
		if err := tx.Raw("SELECT pg_try_advisory_xact_lock(?)", reminderLock).Scan(&got).Error; err != nil {
			return err
		}
		if !got {
			return nil
		}
		cutoff := s.Now().Add(-StaleAfter)
		var homes []Home
		err := tx.Where("(vacancy_confirmed_at IS NULL OR vacancy_confirmed_at < ?) AND (stale_reminded_at IS NULL OR stale_reminded_at < ?)", cutoff, cutoff).
			Order("provider_id, name").Find(&homes).Error
		if err != nil {
			return err
		}
		by := map[int64][]Home{}
		var order []int64
		for _, h := range homes {
			if _, ok := by[h.ProviderID]; !ok {
				order = append(order, h.ProviderID)
			}
			by[h.ProviderID] = append(by[h.ProviderID], h)
		}
		for _, p := range order {
			ids := make([]int64, len(by[p]))
			for i, h := range by[p] {
				ids[i] = h.ID
			}
			if err := tx.Model(&Home{}).Where("id IN ?", ids).Update("stale_reminded_at", s.Now()).Error; err != nil {
				return err
			}
			if err := s.notify.MailRoles(ctx, tx, p, 0, []kernel.Role{kernel.RoleProviderAdmin, kernel.RoleProviderUser},
				fmt.Sprintf("Confirm the vacancies of %d of your homes", len(by[p])), ReminderText(by[p], s.baseURL)); err != nil {
				return fmt.Errorf("remind provider %d: %w", p, err)
			}
			sent++
		}
		return nil
	})
	return sent, err
}

// ReminderText is the body of a stale-vacancy reminder.
func ReminderText(homes []Home, baseURL string) string {
	var b strings.Builder
	b.WriteString("Councils in your consortium see these homes' vacancies as out of date because they have not been confirmed for 7 days:\n\n")
	for _, h := range homes {
		when := "never"
		if h.VacancyConfirmedAt != nil {
			when = h.VacancyConfirmedAt.Format("2 January 2006")
		}
		fmt.Fprintf(&b, "- %s (last confirmed %s): %s/homes/%d\n", h.Name, when, baseURL, h.ID)
	}
	b.WriteString("\nOpen each home and confirm or change its vacancy, or upload a vacancies CSV.")
	return b.String()
}
