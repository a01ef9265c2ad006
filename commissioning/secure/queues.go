package secure

import (
	"context"
	"fmt"
	"time"
)

// Work queues: the counts on the secure roles' and councils' home pages. Each counts
// what the list it links to shows.

func (s *Service) count(ctx context.Context, what, query string, args ...any) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Raw(query, args...).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count %s: %w", what, err)
	}
	return n, nil
}

// UpdateDueSoon is how far ahead a council is told that a referral's 14-day update falls due.
const UpdateDueSoon = 24 * time.Hour

// UpdatesDue counts the council's open referrals whose 14-day update is overdue or falls
// due within UpdateDueSoon.
func (s *Service) UpdatesDue(ctx context.Context, councilID int64) (int64, error) {
	return s.count(ctx, "referral updates due", `SELECT count(*) FROM secure_referrals
		WHERE council_id = ? AND status IN ('received', 'circulated', 'offers', 'allocated') AND updated_at < ?`,
		councilID, s.Now().Add(-UpdateEvery+UpdateDueSoon))
}

// WaitingByUrgency counts the children on the waiting list by urgency code.
func (s *Service) WaitingByUrgency(ctx context.Context) (map[string]int64, error) {
	var rows []struct {
		Urgency string
		N       int64
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT urgency, count(*) AS n FROM secure_referrals
		WHERE status IN ('received', 'circulated', 'offers') GROUP BY urgency`).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count waiting children: %w", err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Urgency] = r.N
	}
	return out, nil
}

// ReferralsWithOffers counts referrals where a home has offered a bed and the SWCU has
// yet to allocate one.
func (s *Service) ReferralsWithOffers(ctx context.Context) (int64, error) {
	return s.count(ctx, "referrals with offers", `SELECT count(*) FROM secure_referrals WHERE status = 'offers'`)
}

// BedsFreeingWithin counts welfare beds occupied, held or closed now that are expected
// free, or to reopen, within days.
func (s *Service) BedsFreeingWithin(ctx context.Context, days int) (int64, error) {
	return s.count(ctx, "beds freeing", `SELECT count(*) FROM secure_beds
		WHERE designation = 'welfare' AND (
		  (status IN ('occupied', 'held') AND expected_free_on <= (now() AT TIME ZONE 'Europe/London')::date + ?::int)
		  OR (status = 'closed' AND reopens_on <= (now() AT TIME ZONE 'Europe/London')::date + ?::int))`, days, days)
}

// ReferralsToAnswer counts open referrals circulated to the provider's secure home that
// it has not yet answered.
func (s *Service) ReferralsToAnswer(ctx context.Context, providerID int64) (int64, error) {
	return s.count(ctx, "referrals to answer", `SELECT count(*) FROM secure_circulations c
		JOIN secure_homes h ON h.id = c.home_id JOIN secure_referrals r ON r.id = c.referral_id
		WHERE h.provider_id = ? AND c.response IS NULL AND r.status IN ('circulated', 'offers')`, providerID)
}

// AdmissionsExpected counts children allocated a bed in the provider's secure home and
// not yet admitted.
func (s *Service) AdmissionsExpected(ctx context.Context, providerID int64) (int64, error) {
	return s.count(ctx, "admissions expected", `SELECT count(*) FROM secure_referrals r
		JOIN secure_beds b ON b.id = r.allocated_bed_id JOIN secure_homes h ON h.id = b.home_id
		WHERE h.provider_id = ? AND r.status = 'allocated'`, providerID)
}
