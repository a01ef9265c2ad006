package marketplace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

// The review timetable of the Care Planning, Placement and Case Review (England)
// Regulations 2010, reg. 33: the first review within 20 working days of the child
// becoming looked after, the second within 3 months of the first, and each later one
// within 6 months of the one before.
const (
	FirstReviewWorkingDays = 20
	SecondReviewMonths     = 3
	LaterReviewMonths      = 6
)

// NextReviewDue is when the next statutory review of a placement falls due, given the
// day the child came into it and the days reviews were held (in any order). It is the
// one place the timetable is computed; pages, the API and the agreement all use it.
func NextReviewDue(from time.Time, held []time.Time) time.Time {
	if len(held) == 0 {
		return kernel.AddWorkingDays(from, FirstReviewWorkingDays)
	}
	last := slices.MaxFunc(held, func(a, b time.Time) int { return a.Compare(b) })
	if len(held) == 1 {
		return kernel.AddMonths(last, SecondReviewMonths)
	}
	return kernel.AddMonths(last, LaterReviewMonths)
}

// Review is a statutory review of the child's care plan that the placing council held.
type Review struct {
	ID          int64 `gorm:"primaryKey"`
	PlacementID int64
	StartedOn   time.Time // the placement's, kept by a foreign key so a CHECK can compare
	HeldOn      time.Time
	Notes       string
	RecordedBy  *int64
	RecordedAt  time.Time `gorm:"->"`
}

// TableName is the placement_reviews table.
func (Review) TableName() string { return "placement_reviews" }

// ReviewsFrom is the day the review timetable runs from: the day the child arrived, or
// the agreed start while they have not.
func (p Placement) ReviewsFrom() time.Time {
	if p.StartedOn != nil {
		return *p.StartedOn
	}
	return p.StartDate
}

// NewReview is a review the council records as held: the review's one input, for the
// placement page and the API. RecordReview checks it against the placement, every
// problem at once.
type NewReview struct {
	HeldOn string `json:"held_on" form:"held_on,date" label:"Date the review was held"` // YYYY-MM-DD
	Notes  string `json:"notes" form:"notes"`
}

// Reviews lists the reviews held for a placement, oldest first.
func (s *Service) Reviews(ctx context.Context, placementID int64) ([]Review, error) {
	var out []Review
	err := s.db.WithContext(ctx).Where("placement_id = ?", placementID).Order("held_on").Find(&out).Error
	return out, err
}

// NextReview is the placement's next review due date, from the reviews held so far;
// nil once the placement is over or never began.
func (s *Service) NextReview(ctx context.Context, p Placement) (*time.Time, []Review, error) {
	rs, err := s.Reviews(ctx, p.ID)
	if err != nil || !p.Status.Live() {
		return nil, rs, err
	}
	held := make([]time.Time, len(rs))
	for i, r := range rs {
		held[i] = r.HeldOn
	}
	due := NextReviewDue(p.ReviewsFrom(), held)
	return &due, rs, nil
}

// RecordReview records that the placing council held a review of the child in a
// started (or ended) placement. The date is required, on or after the child arrived and
// not in the future; notes are optional. The database refuses the same things (and a
// second review on the same day) whatever the caller. Returns FieldErrors (held_on,
// notes), ErrNotFound for another council's placement.
func (s *Service) RecordReview(ctx context.Context, placementID, councilID, by int64, nr NewReview) (Review, error) {
	var r Review
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := lockPlacement(ctx, tx, placementID, Viewer{OrgID: councilID, Kind: kernel.KindCouncil})
		if err != nil {
			return err
		}
		var fe kernel.FieldErrors
		held, perr := time.Parse(time.DateOnly, strings.TrimSpace(nr.HeldOn))
		switch {
		case strings.TrimSpace(nr.HeldOn) == "":
			fe.Add("held_on", "Enter the date the review was held")
		case perr != nil:
			fe.Add("held_on", "Date the review was held must be a real date")
		case p.StartedOn == nil:
			fe.Add("held_on", "The child has not arrived yet: record reviews once the start is confirmed")
		case held.Before(*p.StartedOn):
			fe.Add("held_on", "Date the review was held must be on or after the child arrived, "+p.StartedOn.Format(day))
		case held.After(s.today()):
			fe.Add("held_on", "Date the review was held must be today or in the past")
		case p.EndedOn != nil && held.After(*p.EndedOn):
			fe.Add("held_on", "Date the review was held must be before the placement ended, "+p.EndedOn.Format(day))
		}
		notes := strings.TrimSpace(nr.Notes)
		if len(notes) > 4000 {
			fe.Add("notes", "Notes must be 4,000 characters or fewer")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		r = Review{PlacementID: p.ID, StartedOn: *p.StartedOn, HeldOn: held, Notes: notes, RecordedBy: nullID(by)}
		if err := tx.Omit("RecordedAt").Create(&r).Error; err != nil {
			return reviewRefused(err)
		}
		return audit.New(tx).Record(ctx, "placement.review", "placement", fmt.Sprint(p.ID), map[string]any{"held_on": held.Format(time.DateOnly)})
	})
	return r, err
}

// reviewRefused words the database's refusals of a review as field errors.
func reviewRefused(err error) error {
	var pg *pgconn.PgError
	switch {
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return kernel.Invalid("held_on", "A review on that date is already recorded")
	case errors.As(err, &pg) && pg.Code == "23514":
		return fmt.Errorf("%w (%s)", kernel.Invalid("held_on", "Date the review was held must be between the child's arrival and today"), pg.ConstraintName)
	}
	return err
}
