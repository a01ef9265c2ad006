package commissioning

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// Framework is a consortium's framework agreement or dynamic purchasing system.
type Framework struct {
	ID                  int64 `gorm:"primaryKey"`
	ConsortiumID        int64
	Name                string
	OpenForApplications bool
	WeightPrice         int
	WeightQuality       int
	WeightDistance      int
	WeightFit           int
	LevyBPS             int `gorm:"column:levy_bps"`
	// DistantMiles is the consortium's distance policy: an award further than this from
	// the child's home needs an approver (nil: no such policy).
	DistantMiles *float64
	CreatedAt    time.Time
	Lots         []Lot `gorm:"foreignKey:FrameworkID"`
}

// TableName is the frameworks table.
func (Framework) TableName() string { return "frameworks" }

// Lot is a category of service in a framework.
type Lot struct {
	ID            int64 `gorm:"primaryKey"`
	FrameworkID   int64
	Code          string
	Name          string
	PlacementType string
	Tiers         []LotTier `gorm:"foreignKey:LotID"`
}

// TableName is the lots table.
func (Lot) TableName() string { return "lots" }

// LotTier is the weekly price ceiling for a lot's needs tier.
type LotTier struct {
	LotID        int64  `gorm:"primaryKey"`
	Tier         string `gorm:"primaryKey"`
	CeilingPence kernel.Pence
}

// TableName is the lot_tiers table.
func (LotTier) TableName() string { return "lot_tiers" }

// Ceiling returns the lot's ceiling for tier.
func (l Lot) Ceiling(tier string) (kernel.Pence, bool) {
	for _, t := range l.Tiers {
		if t.Tier == tier {
			return t.CeilingPence, true
		}
	}
	return 0, false
}

// Frameworks is the consortium's commissioning of providers: its frameworks (lots,
// ceilings, award weights, levy, distance policy), providers' sign-up, their applications
// and the admissions, suspensions and reinstatements decided on them. The emails these
// decisions cause are queued in the decision's own transaction.
type Frameworks struct {
	db  *gorm.DB
	Now func() time.Time
	// notify writes the emails a decision causes in its transaction (nil: none), and
	// outbox those of a sign-up, with links to baseURL.
	notify  *notify.Notifier
	outbox  *notify.Outbox
	baseURL string
}

// NewFrameworks returns a Frameworks on db, on the wall clock until its Now is set.
func NewFrameworks(db *gorm.DB) *Frameworks { return &Frameworks{db: db, Now: time.Now} }

// WithMail returns a Frameworks that emails providers through outbox, with links to
// baseURL.
func (s *Frameworks) WithMail(outbox *notify.Outbox, baseURL string) *Frameworks {
	c := *s
	c.notify = notify.NewNotifier(outbox, baseURL)
	c.outbox, c.baseURL = outbox, strings.TrimRight(baseURL, "/")
	return &c
}

// WithoutMail returns a Frameworks that emails nobody, for setting up a world (the demo,
// tests) without mailing its people.
func (s *Frameworks) WithoutMail() *Frameworks {
	c := *s
	c.notify, c.outbox = nil, nil
	return &c
}

// WithTx returns a Frameworks working inside tx.
func (s *Frameworks) WithTx(tx *gorm.DB) *Frameworks {
	c := *s
	c.db = tx
	return &c
}

// PlacementTypes are what a lot buys, each with the SSDA903 placement type (PLACE) it
// reports as.
var PlacementTypes = kernel.Shown(PlacementTypeCodes)

// PlacementTypeCodes is the one list of placement types; the database's
// hearth_placement_type_codes() holds the same codes.
var PlacementTypeCodes = []kernel.Coded{
	{Code: "residential", Label: "Residential (children's homes)", DfE: kernel.DfE{Field: "PLACE", Code: "K2"}},
	{Code: "fostering", Label: "Fostering (not long term)", DfE: kernel.DfE{Field: "PLACE", Code: "U6"}},
	{Code: "fostering_long_term", Label: "Fostering (long term)", DfE: kernel.DfE{Field: "PLACE", Code: "U4"}},
	{Code: "supported_16_17", Label: "Registered supported accommodation 16 to 17", DfE: kernel.DfE{Field: "PLACE", Code: "K3"}},
	{Code: "secure_welfare", Label: "Secure children's home", DfE: kernel.DfE{Field: "PLACE", Code: "K1"}},
}

// Tiers are the needs tiers a lot is priced by.
var Tiers = []kernel.Option{
	{Code: "standard", Label: "Standard"},
	{Code: "complex", Label: "Complex"},
	{Code: "specialist", Label: "Specialist"},
}

// Frameworks lists a consortium's frameworks (0: every consortium's) with lots and tiers.
func (s *Frameworks) Frameworks(ctx context.Context, consortiumID int64) ([]Framework, error) {
	out, _, err := s.FrameworksPage(ctx, consortiumID, kernel.AllRows)
	return out, err
}

// FrameworksPage lists one page of a consortium's frameworks by name, with lots and
// tiers, and counts them all.
func (s *Frameworks) FrameworksPage(ctx context.Context, consortiumID int64, page kernel.Page) ([]Framework, int64, error) {
	q := s.db.WithContext(ctx).Model(&Framework{}).Order("name, id")
	if consortiumID != 0 {
		q = q.Where("consortium_id = ?", consortiumID)
	}
	out, total, err := kernel.FindPage[Framework](q, page, func(db *gorm.DB) *gorm.DB {
		return db.Preload("Lots", func(db *gorm.DB) *gorm.DB { return db.Order("code") }).Preload("Lots.Tiers")
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list frameworks: %w", err)
	}
	return out, total, nil
}

// Framework returns one framework with its lots and tiers.
func (s *Frameworks) Framework(ctx context.Context, id int64) (Framework, error) {
	var f Framework
	err := s.db.WithContext(ctx).Preload("Lots", func(db *gorm.DB) *gorm.DB { return db.Order("code") }).Preload("Lots.Tiers").First(&f, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return f, fmt.Errorf("framework %d: %w", id, kernel.ErrNotFound)
	}
	return f, err
}

// FrameworkTerms are the editable terms of a framework.
type FrameworkTerms struct {
	Name                                                  string
	OpenForApplications                                   bool
	WeightPrice, WeightQuality, WeightDistance, WeightFit int
	LevyBPS                                               int
	// DistantMiles is the consortium's distance policy in miles (0: DefaultDistantMiles),
	// unless NoDistancePolicy turns it off.
	DistantMiles     float64
	NoDistancePolicy bool
}

// DefaultDistantMiles is a new framework's distance policy: the yardstick ministers and
// statistics use for a distant placement. It is policy, not law (see RuleConsortiumMiles).
const DefaultDistantMiles = 20.0

// distantMiles is the policy the terms set, nil for none.
func (t FrameworkTerms) distantMiles() *float64 {
	switch {
	case t.NoDistancePolicy:
		return nil
	case t.DistantMiles == 0:
		m := DefaultDistantMiles
		return &m
	}
	return &t.DistantMiles
}

// Validate reports problems with the terms, by form field.
func (t FrameworkTerms) Validate() error {
	var fe kernel.FieldErrors
	if n := len(strings.TrimSpace(t.Name)); n < 3 || n > 200 {
		fe.Add("name", "Enter a framework name of 3 to 200 characters")
	}
	for field, w := range map[string]int{"weight_price": t.WeightPrice, "weight_quality": t.WeightQuality, "weight_distance": t.WeightDistance, "weight_fit": t.WeightFit} {
		if w < 0 || w > 100 {
			fe.Add(field, "Each weight must be between 0 and 100")
		}
	}
	if !fe.Has("weight_price") && t.WeightPrice+t.WeightQuality+t.WeightDistance+t.WeightFit != 100 {
		fe.Add("weight_price", fmt.Sprintf("The four weights must add up to 100 (they add up to %d)", t.WeightPrice+t.WeightQuality+t.WeightDistance+t.WeightFit))
	}
	if t.LevyBPS < 0 || t.LevyBPS > 2000 {
		fe.Add("levy_bps", "The levy must be between 0 and 2,000 basis points (0% to 20%)")
	}
	if !t.NoDistancePolicy && (t.DistantMiles < 0 || t.DistantMiles > 999) {
		fe.Add("distant_miles", "Distance policy must be more than 0 and at most 999 miles, or empty for none")
	}
	return fe.Err()
}

// CreateFramework adds a framework to a consortium.
func (s *Frameworks) CreateFramework(ctx context.Context, consortiumID int64, t FrameworkTerms) (Framework, error) {
	if err := t.Validate(); err != nil {
		return Framework{}, err
	}
	f := Framework{ConsortiumID: consortiumID, Name: strings.TrimSpace(t.Name), OpenForApplications: t.OpenForApplications,
		WeightPrice: t.WeightPrice, WeightQuality: t.WeightQuality, WeightDistance: t.WeightDistance, WeightFit: t.WeightFit, LevyBPS: t.LevyBPS, DistantMiles: t.distantMiles()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("CreatedAt", "Lots").Create(&f).Error; err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "framework.create", "framework", fmt.Sprint(f.ID), map[string]any{"name": f.Name})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return f, kernel.Invalid("name", "The consortium already has a framework with this name")
	}
	return f, err
}

// UpdateFramework changes a framework's terms.
func (s *Frameworks) UpdateFramework(ctx context.Context, id int64, t FrameworkTerms) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Framework{}).Where("id = ?", id).Updates(map[string]any{"name": strings.TrimSpace(t.Name), "open_for_applications": t.OpenForApplications,
			"weight_price": t.WeightPrice, "weight_quality": t.WeightQuality, "weight_distance": t.WeightDistance, "weight_fit": t.WeightFit, "levy_bps": t.LevyBPS, "distant_miles": t.distantMiles()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return kernel.ErrNotFound
		}
		return audit.New(tx).Record(ctx, "framework.update", "framework", fmt.Sprint(id), map[string]any{"terms": t})
	})
}

// NewLot is a lot to add, with ceilings (pence) for the tiers it prices.
type NewLot struct {
	Code, Name, PlacementType string
	Ceilings                  map[string]kernel.Pence
}

// AddLot adds a lot with its tiers' ceilings to a framework.
func (s *Frameworks) AddLot(ctx context.Context, frameworkID int64, nl NewLot) (Lot, error) {
	var fe kernel.FieldErrors
	nl.Code = strings.TrimSpace(strings.ToLower(nl.Code))
	if !lotCode.MatchString(nl.Code) {
		fe.Add("code", "Enter a code of 2 to 40 lower-case letters, digits or underscores, like residential_solo")
	}
	if n := len(strings.TrimSpace(nl.Name)); n < 2 || n > 200 {
		fe.Add("name", "Enter the lot's name")
	}
	if !kernel.ValidCode(PlacementTypes, nl.PlacementType) {
		fe.Add("placement_type", "Select a placement type")
	}
	if len(nl.Ceilings) == 0 {
		fe.Add("ceiling_standard", "Enter a weekly price ceiling for at least one needs tier")
	}
	for tier, p := range nl.Ceilings {
		if !kernel.ValidCode(Tiers, tier) {
			fe.Add("ceiling_"+tier, "Unknown needs tier")
		} else if p < 100 || p > 5_000_000 {
			fe.Add("ceiling_"+tier, "A weekly ceiling must be between £1 and £50,000")
		}
	}
	if err := fe.Err(); err != nil {
		return Lot{}, err
	}
	l := Lot{FrameworkID: frameworkID, Code: nl.Code, Name: strings.TrimSpace(nl.Name), PlacementType: nl.PlacementType}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("Tiers").Create(&l).Error; err != nil {
			return err
		}
		for tier, p := range nl.Ceilings {
			l.Tiers = append(l.Tiers, LotTier{LotID: l.ID, Tier: tier, CeilingPence: p})
		}
		if err := tx.Create(&l.Tiers).Error; err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "lot.create", "lot", fmt.Sprint(l.ID), map[string]any{"framework_id": frameworkID, "code": l.Code, "ceilings": nl.Ceilings})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return l, kernel.Invalid("code", "The framework already has a lot with this code")
	}
	return l, err
}

// SetCeilings replaces a lot's weekly price ceilings.
func (s *Frameworks) SetCeilings(ctx context.Context, lotID int64, ceilings map[string]kernel.Pence) error {
	var fe kernel.FieldErrors
	for tier, p := range ceilings {
		if !kernel.ValidCode(Tiers, tier) || p < 100 || p > 5_000_000 {
			fe.Add("ceiling_"+tier, "A weekly ceiling must be between £1 and £50,000")
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for tier, p := range ceilings {
			if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "lot_id"}, {Name: "tier"}}, DoUpdates: clause.AssignmentColumns([]string{"ceiling_pence"})}).
				Create(&LotTier{LotID: lotID, Tier: tier, CeilingPence: p}).Error; err != nil {
				return err
			}
		}
		return audit.New(tx).Record(ctx, "lot.set_ceilings", "lot", fmt.Sprint(lotID), map[string]any{"ceilings": ceilings})
	})
}
