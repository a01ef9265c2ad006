// Package commissioning holds what a consortium does as commissioner: its organisations
// (consortia, councils, providers, the SWCU) and the people who act for them, councils'
// notification mailboxes, and (Frameworks) its frameworks with their lots and ceilings,
// providers' sign-up, applications and admissions; secure welfare coordination is in
// commissioning/secure. The
// shared kernel beneath every process is commissioning/kernel. It never imports the
// marketplace (cmd/hearth/architecture_test.go).
package commissioning

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// Organisation is a consortium, council, provider, police force or the SWCU.
type Organisation struct {
	ID           int64 `gorm:"primaryKey"`
	Kind         kernel.OrgKind
	Name         string
	ONSCode      *string `gorm:"column:ons_code"`
	Region       *string
	CentroidLat  *float64
	CentroidLon  *float64
	ConsortiumID *int64
	// PFACode is a police force's ONS police force area; ManagedBy the consortium that
	// invited it and is its tenant. Both nil for every other kind.
	PFACode   *string `gorm:"column:pfa_code"`
	ManagedBy *int64
	CreatedAt time.Time
}

// Tenant is the consortium whose business the organisation is: a consortium itself,
// a member council's consortium, a police force's managing consortium; 0 for others.
func (o Organisation) Tenant() int64 {
	switch {
	case o.Kind == kernel.KindConsortium:
		return o.ID
	case o.Kind == kernel.KindPolice && o.ManagedBy != nil:
		return *o.ManagedBy
	case o.ConsortiumID != nil:
		return *o.ConsortiumID
	}
	return 0
}

// TableName is the organisations table.
func (Organisation) TableName() string { return "organisations" }

// Service reads and changes organisations.
type Service struct {
	db *gorm.DB
	// cache holds organisations recently read by id, for every request's principal; nil
	// inside a transaction, which must read its own writes.
	cache *orgCache
	// forgets is told when organisations change (the parent's cache inside a transaction).
	forgets *orgCache
}

// NewService returns a Service on db.
func NewService(db *gorm.DB) *Service {
	c := &orgCache{}
	return &Service{db: db, cache: c, forgets: c}
}

// WithTx returns a Service working inside tx, so its changes commit with others (a
// police force with its first officer's invitation).
func (s *Service) WithTx(tx *gorm.DB) *Service { return &Service{db: tx, forgets: s.forgets} }

// OrganisationCacheFor is how long an organisation read by id is served from memory.
// Every signed-in request reads its user's organisation; organisations change rarely
// (a council joining a consortium), and a change made here clears the cache at once, so
// only another replica's change — or, for a change inside a transaction, a read between
// the clearing and the commit — can take this long to be seen. Membership only grows,
// so a stale entry refuses access, never grants it.
var OrganisationCacheFor = 5 * time.Second

// orgCache is a map of organisations by id, each kept OrganisationCacheFor. Its
// generation moves on whenever it is cleared, so a read that began before a change
// never stores what it read after the change cleared the map.
type orgCache struct {
	m   sync.Map
	gen atomic.Uint64
}

type cachedOrg struct {
	org   Organisation
	until time.Time
}

// generation is the cache's generation now, 0 for no cache.
func (c *orgCache) generation() uint64 {
	if c == nil {
		return 0
	}
	return c.gen.Load()
}

func (c *orgCache) get(id int64) (Organisation, bool) {
	if c == nil {
		return Organisation{}, false
	}
	v, ok := c.m.Load(id)
	if !ok || time.Now().After(v.(cachedOrg).until) {
		return Organisation{}, false
	}
	return v.(cachedOrg).org.clone(), true
}

// put keeps o, read when the cache was at generation gen, unless it has been cleared
// since.
func (c *orgCache) put(o Organisation, gen uint64) {
	if c != nil && c.gen.Load() == gen {
		c.m.Store(o.ID, cachedOrg{org: o.clone(), until: time.Now().Add(OrganisationCacheFor)})
	}
}

func (c *orgCache) forget() {
	if c != nil {
		c.gen.Add(1)
		c.m.Clear()
	}
}

// clone copies o with pointers of its own, so that no caller can change another's
// organisation (its consortium, say) through a shared pointer.
func (o Organisation) clone() Organisation {
	o.ONSCode, o.Region, o.PFACode = clonePtr(o.ONSCode), clonePtr(o.Region), clonePtr(o.PFACode)
	o.CentroidLat, o.CentroidLon = clonePtr(o.CentroidLat), clonePtr(o.CentroidLon)
	o.ConsortiumID, o.ManagedBy = clonePtr(o.ConsortiumID), clonePtr(o.ManagedBy)
	return o
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// Organisation returns one organisation. Returns ErrNotFound if there is none.
func (s *Service) Organisation(ctx context.Context, id int64) (Organisation, error) {
	if o, ok := s.cache.get(id); ok {
		return o, nil
	}
	gen := s.cache.generation()
	var o Organisation
	err := s.db.WithContext(ctx).First(&o, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return o, fmt.Errorf("organisation %d: %w", id, kernel.ErrNotFound)
	}
	if err != nil {
		return o, fmt.Errorf("organisation %d: %w", id, err)
	}
	s.cache.put(o, gen)
	return o, nil
}

// OrganisationByName returns the organisation of kind with the given name.
func (s *Service) OrganisationByName(ctx context.Context, kind kernel.OrgKind, name string) (Organisation, error) {
	var o Organisation
	err := s.db.WithContext(ctx).Where("kind = ? AND name = ?", kind, name).First(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return o, fmt.Errorf("%s %q: %w", kind, name, kernel.ErrNotFound)
	}
	return o, err
}

// Create adds an organisation of any kind but council (councils are reference data).
func (s *Service) Create(ctx context.Context, kind kernel.OrgKind, name string) (Organisation, error) {
	o := Organisation{Kind: kind, Name: name}
	switch kind {
	case kernel.KindCouncil:
		return o, kernel.Invalid("kind", "councils are reference data; they cannot be created")
	case kernel.KindPolice:
		return o, kernel.Invalid("kind", "a consortium invites police forces (InvitePoliceForce)")
	}
	if err := s.db.WithContext(ctx).Omit("ONSCode", "Region", "CentroidLat", "CentroidLon", "ConsortiumID", "PFACode", "ManagedBy", "CreatedAt").Create(&o).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return o, fmt.Errorf("%s %q already exists: %w", kind, name, kernel.ErrConflict)
		}
		return o, fmt.Errorf("create %s %q: %w", kind, name, err)
	}
	return o, nil
}

// SyncCouncils upserts every English council from the geography reference data. It is
// idempotent and runs at every start, so reference data fixes reach existing databases.
func (s *Service) SyncCouncils(ctx context.Context) error {
	var rows []Organisation
	for _, c := range geo.Councils() {
		c := c
		rows = append(rows, Organisation{Kind: kernel.KindCouncil, Name: c.Name, ONSCode: &c.ONSCode, Region: &c.Region,
			CentroidLat: &c.Centroid.Lat, CentroidLon: &c.Centroid.Lon})
	}
	err := s.db.WithContext(ctx).Omit("ConsortiumID", "PFACode", "ManagedBy", "CreatedAt", "ID").Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "ons_code"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "region", "centroid_lat", "centroid_lon"}),
	}).Create(&rows).Error
	s.forgets.forget()
	if err != nil {
		return fmt.Errorf("sync councils: %w", err)
	}
	return nil
}

// JoinConsortium makes the councils with the given ONS codes members of consortium.
func (s *Service) JoinConsortium(ctx context.Context, consortiumID int64, onsCodes []string) error {
	res := s.db.WithContext(ctx).Model(&Organisation{}).Where("kind = 'council' AND ons_code IN ?", onsCodes).
		Update("consortium_id", consortiumID)
	s.forgets.forget()
	if res.Error != nil {
		return fmt.Errorf("join consortium %d: %w", consortiumID, res.Error)
	}
	if int(res.RowsAffected) != len(onsCodes) {
		return fmt.Errorf("join consortium: %d of %d councils found: %w", res.RowsAffected, len(onsCodes), kernel.ErrNotFound)
	}
	return nil
}

// Councils lists councils, the members of consortiumID only when it is not zero.
func (s *Service) Councils(ctx context.Context, consortiumID int64) ([]Organisation, error) {
	q := s.db.WithContext(ctx).Where("kind = 'council'").Order("name")
	if consortiumID != 0 {
		q = q.Where("consortium_id = ?", consortiumID)
	}
	var out []Organisation
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list councils: %w", err)
	}
	return out, nil
}

// Organisations lists organisations of a kind, by name.
func (s *Service) Organisations(ctx context.Context, kind kernel.OrgKind) ([]Organisation, error) {
	var out []Organisation
	if err := s.db.WithContext(ctx).Where("kind = ?", kind).Order("name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list %s organisations: %w", kind, err)
	}
	return out, nil
}

// CanView reports whether a user of viewer's organisation, in role, may see target's
// details and users: their own organisation always; a consortium admin also the
// consortium's member councils and the police forces it invited. Everyone else's
// organisation is another tenant.
func CanView(role kernel.Role, viewer, target Organisation) bool {
	if viewer.ID == target.ID {
		return true
	}
	if role != kernel.RoleConsortiumAdmin {
		return false
	}
	switch target.Kind {
	case kernel.KindCouncil:
		return target.ConsortiumID != nil && *target.ConsortiumID == viewer.ID
	case kernel.KindPolice:
		return target.ManagedBy != nil && *target.ManagedBy == viewer.ID
	}
	return false
}

// HostCouncils lists the councils whose staff consortiumID's admin may invite as
// host-council users, by name: every English council that is one of its members or in
// no consortium. A council in another consortium is that consortium's to manage.
func (s *Service) HostCouncils(ctx context.Context, consortiumID int64) ([]Organisation, error) {
	var out []Organisation
	err := s.db.WithContext(ctx).Where("kind = 'council' AND ons_code LIKE 'E%' AND (consortium_id IS NULL OR consortium_id = ?)", consortiumID).
		Order("name").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list host councils of %d: %w", consortiumID, err)
	}
	return out, nil
}

// CanHostUsers reports whether consortium's admin may give council's staff the
// host-council user role (see HostCouncils).
func CanHostUsers(consortium, council Organisation) bool {
	return consortium.Kind == kernel.KindConsortium && council.Kind == kernel.KindCouncil && council.ONSCode != nil && (*council.ONSCode)[0] == 'E' &&
		(council.ConsortiumID == nil || *council.ConsortiumID == consortium.ID)
}
