// Package police is what a police force's liaison officers see of a consortium's
// business (issue 16): the children's homes in the force's area run by providers the
// consortium admits, with each home's address and registered manager, and the missing
// and absent episodes of the children the consortium's councils placed there — by the
// council's child reference only. Never a child's profile, age or needs, a fee, a bid,
// an agreement or a request.
//
// A force sees only the business of the consortium that invited it (its tenant), and
// every read is audited with what it showed, whatever the channel (page, API, CSV).
// It reads the marketplace's tables through SQL, never its package.
package police

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// EpisodeWindow is how far back the missing episodes go: episodes that began in the
// last year, and any still open however old.
const EpisodeWindow = 365 * 24 * time.Hour

// Service reads the police view.
type Service struct {
	db  *gorm.DB
	Now func() time.Time
}

// New returns the service on db.
func New(db *gorm.DB) *Service { return &Service{db: db, Now: time.Now} }

// Home is a home in the force's area as the police see it.
type Home struct {
	ID           int64
	Name         string
	Address      string
	Postcode     string
	ManagerName  string
	ManagerPhone string
	ManagerEmail string
	OfstedURN    string `gorm:"column:ofsted_urn"`
	HomeType     string
	Provider     string
	HostCouncil  string
}

// Episode is a missing or absent episode as the police see it: whose child (the
// placing council's reference), where, what and when — nothing else.
type Episode struct {
	ID             int64
	ChildRef       string
	PlacingCouncil string
	HomeID         int64
	HomeName       string
	Postcode       string
	Kind           string // missing, absent
	StartedAt      time.Time
	EndedAt        *time.Time // the child's return
	PoliceRef      string     // the force's own reference, as the council or the home recorded it
	PoliceRisk     *string    // the risk grade the police gave: no_apparent_risk, low, medium, high
	EndedHow       *string    // found or returned
	FoundArea      string     // the council area where the child was found (never an address)
}

// area is the force's council ONS codes and its tenant, or ErrForbidden for any
// organisation that is not a police force managed by a consortium.
func area(force commissioning.Organisation) ([]string, int64, error) {
	if force.Kind != kernel.KindPolice || force.PFACode == nil || force.ManagedBy == nil {
		return nil, 0, fmt.Errorf("police view for a %s: %w", force.Kind, kernel.ErrForbidden)
	}
	f, ok := geo.PoliceForceByCode(*force.PFACode)
	if !ok {
		return nil, 0, fmt.Errorf("police force area %s: %w", *force.PFACode, kernel.ErrNotFound)
	}
	return f.Councils, *force.ManagedBy, nil
}

// Homes lists the homes (not fostering agencies, which have no children living at their
// address) in the force's area whose provider the force's consortium admits to a lot of
// its frameworks and has not suspended, by name. via names the channel ("/police",
// "api", "csv") for the audit entry it records; page is the page read (all of them are
// counted), and the entry names the homes on it.
func (s *Service) Homes(ctx context.Context, force commissioning.Organisation, via string, page kernel.Page) ([]Home, int64, error) {
	councils, consortium, err := area(force)
	if err != nil {
		return nil, 0, err
	}
	out, total, err := kernel.RawPage[Home](s.db.WithContext(ctx), page, `
SELECT h.id, h.name, h.address, h.postcode, h.manager_name, h.manager_phone, h.manager_email, h.ofsted_urn, h.home_type,
       pr.name AS provider, hc.name AS host_council
  FROM homes h
  JOIN organisations hc ON hc.id = h.host_council_id
  JOIN organisations pr ON pr.id = h.provider_id
 WHERE hc.ons_code IN @councils AND h.home_type <> 'fostering_agency'
   AND EXISTS (SELECT 1 FROM framework_applications a
                 JOIN admissions ad ON ad.application_id = a.id AND ad.status = 'admitted'
                 JOIN lots l ON l.id = ad.lot_id
                 JOIN frameworks f ON f.id = l.framework_id
                WHERE a.provider_id = h.provider_id AND a.suspended_at IS NULL AND f.consortium_id = @consortium)
 ORDER BY h.name, h.id`, map[string]any{"councils": councils, "consortium": consortium})
	if err != nil {
		return nil, 0, fmt.Errorf("police homes of %d: %w", force.ID, err)
	}
	ids := make([]int64, len(out))
	for i, h := range out {
		ids[i] = h.ID
	}
	if err := audit.New(s.db).Record(ctx, "police.homes_read", "organisation", fmt.Sprint(force.ID),
		map[string]any{"via": via, "home_ids": ids, "count": len(ids), "offset": page.Offset}); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// episodesIn is the FROM and WHERE of the episodes a force sees: placements by its
// consortium's councils (@consortium) into homes, not fostering agencies, whose host
// council is in its area (@councils).
const episodesIn = `
  FROM placement_incidents i
  JOIN placements p ON p.id = i.placement_id
  JOIN placement_requests r ON r.id = p.request_id
  JOIN organisations pc ON pc.id = p.council_id
  JOIN homes h ON h.id = p.home_id
  JOIN organisations hc ON hc.id = h.host_council_id
 WHERE pc.consortium_id = @consortium AND hc.ons_code IN @councils AND h.home_type <> 'fostering_agency'`

// StillMissing counts the force's episodes still open (the child not yet back), for
// the liaison officer's work list: a count, naming no child, so not audited.
func (s *Service) StillMissing(ctx context.Context, force commissioning.Organisation) (int64, error) {
	councils, consortium, err := area(force)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.WithContext(ctx).Raw(`SELECT count(*)`+episodesIn+` AND i.ended_at IS NULL`,
		map[string]any{"councils": councils, "consortium": consortium}).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("police open episodes of %d: %w", force.ID, err)
	}
	return n, nil
}

// MissingEpisodes lists the missing and absent episodes, newest first, of placements
// by the force's consortium's councils into homes in the force's area (as Homes, not
// fostering agencies, whose address is an office): those that began within
// EpisodeWindow and any still open. The read is audited as a read of
// each child's record (action child.read), with the references on the page read.
func (s *Service) MissingEpisodes(ctx context.Context, force commissioning.Organisation, via string, page kernel.Page) ([]Episode, int64, error) {
	councils, consortium, err := area(force)
	if err != nil {
		return nil, 0, err
	}
	out, total, err := kernel.RawPage[Episode](s.db.WithContext(ctx), page, `
SELECT i.id, r.child_ref, pc.name AS placing_council, h.id AS home_id, h.name AS home_name, h.postcode,
       i.kind, i.started_at, i.ended_at, i.police_ref, i.police_risk, i.ended_how,
       coalesce((SELECT o.name FROM organisations o WHERE o.kind = 'council' AND o.ons_code = i.found_area), '') AS found_area`+episodesIn+`
   AND (i.started_at >= @since OR i.ended_at IS NULL)
 ORDER BY i.started_at DESC, i.id DESC`, map[string]any{"councils": councils, "consortium": consortium, "since": s.Now().Add(-EpisodeWindow)})
	if err != nil {
		return nil, 0, fmt.Errorf("police missing episodes of %d: %w", force.ID, err)
	}
	ids, refs := make([]int64, len(out)), make([]string, len(out))
	for i, e := range out {
		ids[i], refs[i] = e.ID, e.ChildRef
	}
	if err := audit.New(s.db).Record(ctx, "child.read", "placement_incident", "",
		map[string]any{"list": "police missing episodes", "via": via, "force_id": force.ID, "ids": ids, "child_refs": refs, "count": len(ids), "offset": page.Offset}); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}
