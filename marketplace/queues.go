package marketplace

import (
	"context"
	"fmt"
	"time"
)

// Work queues: the counts on each role's home page. Each counts exactly what the list
// it links to shows, scoped to the same organisation. Deadlines and today's date are
// the database's (Europe/London days), like the rules that close requests.

// londonToday is today's date in England, by the database clock.
const londonToday = "(now() AT TIME ZONE 'Europe/London')::date"

// count runs a COUNT(*) query.
func (s *Service) count(ctx context.Context, what, query string, args ...any) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Raw(query, args...).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("count %s: %w", what, err)
	}
	return n, nil
}

// RequestsClosingToday counts the council's open requests whose response deadline
// falls before the end of today.
func (s *Service) RequestsClosingToday(ctx context.Context, councilID int64) (int64, error) {
	return s.count(ctx, "requests closing today", `SELECT count(*) FROM placement_requests
		WHERE council_id = ? AND status = 'open' AND deadline >= now()
		  AND deadline < ((`+londonToday+` + 1)::timestamp AT TIME ZONE 'Europe/London')`, councilID)
}

// RequestsReadyToCompare counts the council's closed requests that have bids to compare
// and no award yet.
func (s *Service) RequestsReadyToCompare(ctx context.Context, councilID int64) (int64, error) {
	return s.count(ctx, "requests ready to compare", `SELECT count(*) FROM placement_requests r
		WHERE r.council_id = ? AND r.status = 'closed'
		  AND EXISTS (SELECT 1 FROM bids b WHERE b.request_id = r.id AND b.status = 'active')`, councilID)
}

// StartWindow is how far ahead "placements starting" looks: this week.
const StartWindow = 7

// PlacementsStarting counts awarded placements, not yet started, due to start within
// StartWindow days (or already due): the placing council's when provider is false, the
// provider's when it is true.
func (s *Service) PlacementsStarting(ctx context.Context, orgID int64, provider bool) (int64, error) {
	col := "council_id"
	if provider {
		col = "provider_id"
	}
	return s.count(ctx, "placements starting", `SELECT count(*) FROM placements
		WHERE `+col+` = ? AND status = 'awarded' AND start_date <= `+londonToday+` + ?::int`, orgID, StartWindow)
}

// ApprovalsWaiting counts the council's awards waiting for an approver, and says which
// has waited longest and since when (ID 0 and nil when none wait).
func (s *Service) ApprovalsWaiting(ctx context.Context, councilID int64) (Waiting, error) {
	var w Waiting
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) OVER () AS n, id AS oldest_id, awarded_at AS oldest FROM placements
		WHERE council_id = ? AND status = 'awaiting_approval' ORDER BY awarded_at, id LIMIT 1`, councilID).Scan(&w).Error
	if err != nil {
		return w, fmt.Errorf("count approvals waiting: %w", err)
	}
	return w, nil
}

// Waiting is how many things wait, and the one that has waited longest.
type Waiting struct {
	N        int64
	OldestID int64
	Oldest   *time.Time
}

// InvitationsAwaitingResponse counts the open requests the provider was invited to and
// has neither bid on nor declined, and the earliest of their deadlines (nil when none).
func (s *Service) InvitationsAwaitingResponse(ctx context.Context, providerID int64) (int64, *time.Time, error) {
	var row struct {
		N     int64
		First *time.Time
	}
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) AS n, min(r.deadline) AS first
		FROM request_invitations i JOIN placement_requests r ON r.id = i.request_id
		WHERE i.provider_id = ? AND r.status = 'open' AND r.deadline > now()
		  AND NOT EXISTS (SELECT 1 FROM bids b WHERE b.request_id = r.id AND b.provider_id = i.provider_id AND b.status = 'active')
		  AND NOT EXISTS (SELECT 1 FROM declines d WHERE d.request_id = r.id AND d.provider_id = i.provider_id)`, providerID).Scan(&row).Error
	if err != nil {
		return 0, nil, fmt.Errorf("count invitations awaiting a response: %w", err)
	}
	return row.N, row.First, nil
}

// StaleSoon is how long before going out of date a vacancy counts as "going out of date".
const StaleSoon = 24 * time.Hour

// VacanciesGoingStale counts the provider's homes whose vacancy is out of date (not
// confirmed for StaleAfter) or will be within StaleSoon.
func (s *Service) VacanciesGoingStale(ctx context.Context, providerID int64) (int64, error) {
	return s.count(ctx, "vacancies going out of date", `SELECT count(*) FROM homes
		WHERE provider_id = ? AND (vacancy_confirmed_at IS NULL OR vacancy_confirmed_at < ?)`,
		providerID, s.Now().Add(-StaleAfter+StaleSoon))
}

// ApplicationsToDecide counts submitted applications to the consortium's frameworks
// with a lot still to admit or reject.
func (s *Service) ApplicationsToDecide(ctx context.Context, consortiumID int64) (int64, error) {
	return s.count(ctx, "applications to decide", `SELECT count(*) FROM framework_applications a
		JOIN frameworks f ON f.id = a.framework_id
		WHERE f.consortium_id = ? AND a.submitted_at IS NOT NULL AND a.suspended_at IS NULL
		  AND EXISTS (SELECT 1 FROM admissions m WHERE m.application_id = a.id AND m.status = 'requested')`, consortiumID)
}
