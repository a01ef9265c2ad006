// Package monitoring is what councils see of a home's quality beyond Ofsted: their own
// monitoring visits, scored against the published framework (framework.go), and the
// alerts of homes whose Ofsted rating fell.
//
// A visit belongs to the council that recorded it and to that council's consortium:
// the consortium's councils and admins read it, and so does the provider of the home;
// no one else. A visit is never changed or deleted: a correction is a new visit that
// amends it, and the earlier one stays in the home's history marked as amended.
//
// The marketplace writes each change of a home's Ofsted rating (a database trigger
// records it whatever the channel) and alerts a fall in the same transaction; this
// package lists those alerts for 90 days.
package monitoring

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

// SummaryMax is the longest summary note a visit keeps (the database's CHECK too).
const SummaryMax = 2000

// Service records and reads monitoring visits and rating alerts.
type Service struct {
	db  *gorm.DB
	Now func() time.Time
}

// New returns the service on db.
func New(db *gorm.DB) *Service { return &Service{db: db, Now: time.Now} }

// Visit is one monitoring visit to a home, with its scores by domain code.
type Visit struct {
	ID           int64 `gorm:"primaryKey"`
	HomeID       int64
	CouncilID    int64
	ConsortiumID int64
	RecordedBy   *int64
	VisitedOn    time.Time
	VisitType    string
	Overall      int
	Summary      string
	AmendsID     *int64
	RecordedAt   time.Time
	// Read with the visit, not stored in its row.
	Scores       map[string]int `gorm:"-"`
	Council      string         `gorm:"->;-:migration"`
	RecorderName string         `gorm:"->;-:migration"`
	HomeName     string         `gorm:"->;-:migration"`
	AmendedByID  *int64         `gorm:"->;-:migration"`
}

// TableName is the monitoring_visits table.
func (Visit) TableName() string { return "monitoring_visits" }

type visitScore struct {
	VisitID int64  `gorm:"primaryKey"`
	Domain  string `gorm:"primaryKey"`
	Score   int
}

func (visitScore) TableName() string { return "monitoring_visit_scores" }

// VisitInput is a visit as the record form and the API send it, checked once by its
// tags and Rules whichever sent it. Scores holds a score (1 to 4) for every domain of
// the framework, by domain code; the form names each "score_<code>".
type VisitInput struct {
	VisitedOn string         `json:"visited_on" form:"visited_on,date" label:"The date of the visit" validate:"required,datetime=2006-01-02" msg:"required=Enter the date of the visit|*=Enter the date of the visit like 2026-11-03"`
	VisitType string         `json:"visit_type" form:"visit_type" validate:"required,oneof=announced unannounced virtual" msg:"*=Select the type of visit: announced, unannounced or virtual"`
	Scores    map[string]int `json:"scores" form:"score_,prefix"`
	Overall   int            `json:"overall" form:"overall" validate:"required,min=1,max=4" msg:"*=Select the overall judgement, from 1 (serious concerns) to 4 (strong)"`
	Summary   string         `json:"summary" form:"summary" validate:"required,notblank,max=2000" msg:"max=The summary must be 2,000 characters or fewer|*=Enter a summary of what the visit found"`
	// AmendsID is the earlier visit this one corrects; 0 for a new visit.
	AmendsID int64 `json:"amends_id,omitempty" form:"amends_id"`
}

// ScoreField is the JSON name of a domain's score in field errors ("scores.<code>"),
// and ScoreFormID its form element.
func ScoreField(code string) string  { return "scores." + code }
func ScoreFormID(code string) string { return "score_" + code }

// Rules: the visit has happened (today or before, and not before 2000), and every
// domain of the framework, and only those, has a score from 1 to 4.
func (in VisitInput) Rules(now time.Time) kernel.FieldErrors {
	var fe kernel.FieldErrors
	if d, err := time.Parse(time.DateOnly, strings.TrimSpace(in.VisitedOn)); err == nil {
		switch {
		case d.After(kernel.DateOf(now)):
			fe = append(fe, kernel.FieldError{Field: "visited_on", FormID: "visited_on-day", Code: kernel.CodeInvalid, Message: "The date of the visit must be today or in the past"})
		case d.Year() < 2000:
			fe = append(fe, kernel.FieldError{Field: "visited_on", FormID: "visited_on-day", Code: kernel.CodeInvalid, Message: "The date of the visit must be in 2000 or later"})
		}
	}
	for _, d := range Domains {
		if s, ok := in.Scores[d.Code]; !ok || s < 1 || s > 4 {
			fe = append(fe, kernel.FieldError{Field: ScoreField(d.Code), FormID: ScoreFormID(d.Code), Code: kernel.CodeInvalid,
				Message: "Select a score from 1 to 4 for " + strings.ToLower(d.Title[:1]) + d.Title[1:]})
		}
	}
	for code := range in.Scores {
		if _, ok := DomainByCode(code); !ok {
			fe = append(fe, kernel.FieldError{Field: "scores", Code: kernel.CodeInvalid, Message: fmt.Sprintf("%q is not a domain of the framework", code)})
			break
		}
	}
	return fe
}

// Errors the service returns.
var (
	// ErrNotCouncil: only a council in a consortium records visits.
	ErrNotCouncil = fmt.Errorf("only a council in a consortium records monitoring visits: %w", kernel.ErrForbidden)
	// ErrAlreadyAmended: a visit is amended once; amend the latest amendment instead.
	ErrAlreadyAmended = fmt.Errorf("that visit has already been amended: amend the latest version: %w", kernel.ErrConflict)
)

// Record stores a visit that council made to home homeID, recorded by user by. It
// checks in (every problem at once, as FieldErrors), that the council belongs to a
// consortium (ErrNotCouncil), that the home exists (ErrNotFound) and, for an
// amendment, that the earlier visit is its own council's visit to the same home
// (ErrNotFound) not already amended (ErrAlreadyAmended).
func (s *Service) Record(ctx context.Context, council commissioning.Organisation, by, homeID int64, in VisitInput) (Visit, error) {
	now := s.Now()
	if fe := kernel.Check(&in).With(in.Rules(now)); fe != nil {
		return Visit{}, fe
	}
	if council.Kind != kernel.KindCouncil || council.ConsortiumID == nil {
		return Visit{}, ErrNotCouncil
	}
	visited, _ := time.Parse(time.DateOnly, strings.TrimSpace(in.VisitedOn))
	v := Visit{HomeID: homeID, CouncilID: council.ID, ConsortiumID: *council.ConsortiumID, VisitedOn: visited,
		VisitType: in.VisitType, Overall: in.Overall, Summary: strings.TrimSpace(in.Summary), RecordedAt: now}
	if by != 0 {
		v.RecordedBy = &by
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Table("homes").Where("id = ?", homeID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("home %d: %w", homeID, kernel.ErrNotFound)
		}
		if in.AmendsID != 0 {
			var prev Visit
			err := tx.Select("id").Where("id = ? AND home_id = ? AND council_id = ?", in.AmendsID, homeID, council.ID).First(&prev).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("visit %d to home %d by council %d: %w", in.AmendsID, homeID, council.ID, kernel.ErrNotFound)
			} else if err != nil {
				return err
			}
			v.AmendsID = &in.AmendsID
		}
		if err := tx.Omit("Scores").Create(&v).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrAlreadyAmended
			}
			return fmt.Errorf("record visit: %w", err)
		}
		v.Scores = map[string]int{}
		for _, d := range Domains {
			v.Scores[d.Code] = in.Scores[d.Code]
			if err := tx.Create(&visitScore{VisitID: v.ID, Domain: d.Code, Score: in.Scores[d.Code]}).Error; err != nil {
				return fmt.Errorf("score %s of visit %d: %w", d.Code, v.ID, err)
			}
		}
		return audit.New(tx).Record(ctx, "monitoring.visit", "home", fmt.Sprint(homeID),
			map[string]any{"visit": v.ID, "visited_on": in.VisitedOn, "overall": v.Overall, "amends": in.AmendsID})
	})
	return v, err
}

// scope narrows a query on monitoring_visits v to what viewer may read: its
// consortium's visits for a council or consortium, visits to its own homes for a
// provider. Others read nothing (ErrForbidden).
func scope(q *gorm.DB, viewer commissioning.Organisation) (*gorm.DB, error) {
	switch {
	case viewer.Kind == kernel.KindConsortium:
		return q.Where("v.consortium_id = ?", viewer.ID), nil
	case viewer.Kind == kernel.KindCouncil && viewer.ConsortiumID != nil:
		return q.Where("v.consortium_id = ?", *viewer.ConsortiumID), nil
	case viewer.Kind == kernel.KindProvider:
		return q.Where("EXISTS (SELECT 1 FROM homes h WHERE h.id = v.home_id AND h.provider_id = ?)", viewer.ID), nil
	}
	return nil, fmt.Errorf("monitoring visits for a %s: %w", viewer.Kind, kernel.ErrForbidden)
}

// Visits is a home's history of visits that viewer may read, newest visit first, each
// with its scores, council, recorder and the visit that amended it (if any).
func (s *Service) Visits(ctx context.Context, viewer commissioning.Organisation, homeID int64) ([]Visit, error) {
	q, err := scope(s.db.WithContext(ctx).Table("monitoring_visits v"), viewer)
	if err != nil {
		return nil, err
	}
	var out []Visit
	err = q.Select(`v.*, c.name AS council, coalesce(u.name, '') AS recorder_name, h.name AS home_name,
	        (SELECT a.id FROM monitoring_visits a WHERE a.amends_id = v.id) AS amended_by_id`).
		Joins("JOIN organisations c ON c.id = v.council_id").
		Joins("JOIN homes h ON h.id = v.home_id").
		Joins("LEFT JOIN users u ON u.id = v.recorded_by").
		Where("v.home_id = ?", homeID).Order("v.visited_on DESC, v.id DESC").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("visits to home %d: %w", homeID, err)
	}
	if len(out) == 0 {
		return out, nil
	}
	ids := make([]int64, len(out))
	at := map[int64]int{}
	for i, v := range out {
		ids[i], at[v.ID] = v.ID, i
		out[i].Scores = map[string]int{}
	}
	var scores []visitScore
	if err := s.db.WithContext(ctx).Where("visit_id IN ?", ids).Find(&scores).Error; err != nil {
		return nil, fmt.Errorf("scores of visits to home %d: %w", homeID, err)
	}
	for _, sc := range scores {
		out[at[sc.VisitID]].Scores[sc.Domain] = sc.Score
	}
	return out, nil
}

// Current reports whether no later visit amends v.
func (v Visit) Current() bool { return v.AmendedByID == nil }

// HomeRow is a home on the monitoring page with its latest current visit by the
// viewer's consortium, if any.
type HomeRow struct {
	HomeID       int64
	Name         string
	Provider     string
	OfstedRating string
	Placements   int // the viewer council's live placements in the home
	LastVisitID  *int64
	LastVisitOn  *time.Time
	LastOverall  *int
}

// Homes lists the homes a viewer monitors, by name: for a council, those its children
// live in now and those its consortium has visited; for a consortium, those its
// councils' children live in and those it has visited; for a provider, its homes
// that have been visited.
func (s *Service) Homes(ctx context.Context, viewer commissioning.Organisation) ([]HomeRow, error) {
	var consortium, council int64
	switch {
	case viewer.Kind == kernel.KindConsortium:
		consortium = viewer.ID
	case viewer.Kind == kernel.KindCouncil && viewer.ConsortiumID != nil:
		consortium, council = *viewer.ConsortiumID, viewer.ID
	case viewer.Kind == kernel.KindProvider:
	default:
		return nil, fmt.Errorf("monitored homes for a %s: %w", viewer.Kind, kernel.ErrForbidden)
	}
	var out []HomeRow
	err := s.db.WithContext(ctx).Raw(`
WITH live AS (
    SELECT p.home_id, count(*) FILTER (WHERE p.council_id = @council) AS mine
      FROM placements p JOIN organisations c ON c.id = p.council_id
     WHERE p.status IN ('awarded', 'started') AND c.consortium_id = @consortium
     GROUP BY p.home_id),
last AS (
    SELECT DISTINCT ON (v.home_id) v.home_id, v.id, v.visited_on, v.overall
      FROM monitoring_visits v
     WHERE (v.consortium_id = @consortium OR @provider > 0)
       AND NOT EXISTS (SELECT 1 FROM monitoring_visits a WHERE a.amends_id = v.id)
     ORDER BY v.home_id, v.visited_on DESC, v.id DESC)
SELECT h.id AS home_id, h.name, pr.name AS provider, h.ofsted_rating, coalesce(live.mine, 0) AS placements,
       last.id AS last_visit_id, last.visited_on AS last_visit_on, last.overall AS last_overall
  FROM homes h
  JOIN organisations pr ON pr.id = h.provider_id
  LEFT JOIN live ON live.home_id = h.id
  LEFT JOIN last ON last.home_id = h.id
 WHERE CASE WHEN @provider > 0 THEN h.provider_id = @provider AND last.id IS NOT NULL
            WHEN @council > 0 THEN live.mine > 0 OR last.id IS NOT NULL
            ELSE live.home_id IS NOT NULL OR last.id IS NOT NULL END
 ORDER BY h.name, h.id
 LIMIT 500`, map[string]any{"consortium": consortium, "council": council, "provider": providerOf(viewer)}).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("monitored homes: %w", err)
	}
	return out, nil
}

func providerOf(o commissioning.Organisation) int64 {
	if o.Kind == kernel.KindProvider {
		return o.ID
	}
	return 0
}

// HomeName returns a home's name and its provider's, or ErrNotFound.
func (s *Service) HomeName(ctx context.Context, homeID int64) (home, provider string, providerID int64, err error) {
	var row struct {
		Name, Provider string
		ProviderID     int64
	}
	err = s.db.WithContext(ctx).Raw(`SELECT h.name, o.name AS provider, h.provider_id FROM homes h JOIN organisations o ON o.id = h.provider_id WHERE h.id = ?`, homeID).Scan(&row).Error
	if err == nil && row.Name == "" {
		err = fmt.Errorf("home %d: %w", homeID, kernel.ErrNotFound)
	}
	return row.Name, row.Provider, row.ProviderID, err
}
