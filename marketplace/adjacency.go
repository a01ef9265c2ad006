package marketplace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// AdjacencyOverride is a pair of councils a consortium treats as adjoining for the
// distant-placement rule (reg. 11) although their ONS boundaries do not meet, e.g.
// Liverpool and Wirral across the Mersey. The lower ONS code is ONSA.
type AdjacencyOverride struct {
	ID           int64 `gorm:"primaryKey"`
	ConsortiumID int64
	ONSA         string `gorm:"column:ons_a"`
	ONSB         string `gorm:"column:ons_b"`
	Reason       string
	CreatedBy    *int64
	CreatedAt    time.Time
}

// TableName is the adjacency_overrides table.
func (AdjacencyOverride) TableName() string { return "adjacency_overrides" }

// Names are the two councils' names, in the pair's order.
func (o AdjacencyOverride) Names() (string, string) {
	a, _ := geo.CouncilByONS(o.ONSA)
	b, _ := geo.CouncilByONS(o.ONSB)
	return a.Name, b.Name
}

// MaxOverrideReason is the longest reason for an override, in characters.
const MaxOverrideReason = 1000

// NewAdjacencyOverride is what a consortium admin asks for: two councils by ONS code,
// in either order, and why they count as adjoining.
type NewAdjacencyOverride struct {
	CouncilA string `json:"council_a" form:"council_a"`
	CouncilB string `json:"council_b" form:"council_b"`
	Reason   string `json:"reason" form:"reason"`
}

// Rules are every check of the override that needs no stored record, at once: two
// different councils by ONS code that do not already share a border, and a reason.
func (in NewAdjacencyOverride) Rules(time.Time) kernel.FieldErrors {
	in.CouncilA, in.CouncilB, in.Reason = strings.TrimSpace(in.CouncilA), strings.TrimSpace(in.CouncilB), strings.TrimSpace(in.Reason)
	var fe kernel.FieldErrors
	a, okA := geo.CouncilByONS(in.CouncilA)
	b, okB := geo.CouncilByONS(in.CouncilB)
	if !okA {
		fe.Add("council_a", "Select the first council")
	}
	switch {
	case !okB:
		fe.Add("council_b", "Select the second council")
	case okA && a.ONSCode == b.ONSCode:
		fe.Add("council_b", "Select a different council from the first")
	case okA && geo.Adjoining(a.ONSCode, b.ONSCode):
		fe.Add("council_b", fmt.Sprintf("%s and %s already share a border: no override is needed", a.Name, b.Name))
	}
	switch {
	case in.Reason == "":
		fe.Add("reason", "Enter why your consortium treats these councils as adjoining")
	case utf8.RuneCountInString(in.Reason) > MaxOverrideReason:
		fe.Add("reason", fmt.Sprintf("The reason must be %d characters or fewer", MaxOverrideReason))
	}
	return fe
}

// AdjacencyOverrides lists a consortium's overrides, by the first council's name.
func (s *Service) AdjacencyOverrides(ctx context.Context, consortiumID int64) ([]AdjacencyOverride, error) {
	var out []AdjacencyOverride
	if err := s.db.WithContext(ctx).Where("consortium_id = ?", consortiumID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("adjacency overrides of consortium %d: %w", consortiumID, err)
	}
	return out, nil
}

// Adjacency is the adjacency a consortium's awards are judged by: the ONS boundaries
// and its overrides.
func (s *Service) Adjacency(ctx context.Context, consortiumID int64) (geo.Adjacency, error) {
	return adjacencyOf(s.db.WithContext(ctx), consortiumID)
}

func adjacencyOf(db *gorm.DB, consortiumID int64) (geo.Adjacency, error) {
	var rows []AdjacencyOverride
	if err := db.Select("ons_a", "ons_b").Where("consortium_id = ?", consortiumID).Find(&rows).Error; err != nil {
		return geo.Adjacency{}, fmt.Errorf("adjacency overrides of consortium %d: %w", consortiumID, err)
	}
	pairs := make([]geo.Pair, len(rows))
	for i, r := range rows {
		pairs[i] = geo.Pair{r.ONSA, r.ONSB}
	}
	return geo.WithOverrides(pairs...), nil
}

// AddAdjacencyOverride records that a consortium treats two councils as adjoining, with
// the reason, and audits it. At least one of the two must be a member council; a pair
// that already shares a border, or is already an override, is refused beside the field.
func (s *Service) AddAdjacencyOverride(ctx context.Context, consortiumID, by int64, in NewAdjacencyOverride) (AdjacencyOverride, error) {
	fe := in.Rules(time.Time{})
	if fe.Has("council_a") || fe.Has("council_b") {
		return AdjacencyOverride{}, fe
	}
	in.CouncilA, in.CouncilB, in.Reason = strings.TrimSpace(in.CouncilA), strings.TrimSpace(in.CouncilB), strings.TrimSpace(in.Reason)
	a, _ := geo.CouncilByONS(in.CouncilA)
	b, _ := geo.CouncilByONS(in.CouncilB)
	var members int64
	if err := s.db.WithContext(ctx).Model(&commissioning.Organisation{}).
		Where("kind = 'council' AND consortium_id = ? AND ons_code IN ?", consortiumID, []string{a.ONSCode, b.ONSCode}).Count(&members).Error; err != nil {
		return AdjacencyOverride{}, fmt.Errorf("override members: %w", err)
	}
	if members == 0 {
		fe.Add("council_a", "At least one of the two councils must be a member of your consortium")
	}
	if err := fe.Err(); err != nil {
		return AdjacencyOverride{}, err
	}
	pair := geo.PairOf(a.ONSCode, b.ONSCode)
	o := AdjacencyOverride{ConsortiumID: consortiumID, ONSA: pair[0], ONSB: pair[1], Reason: in.Reason, CreatedBy: nullID(by)}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("ID", "CreatedAt").Create(&o).Error; err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "adjacency_override.create", "consortium", fmt.Sprint(consortiumID),
			map[string]any{"override_id": o.ID, "ons_a": o.ONSA, "ons_b": o.ONSB, "reason": o.Reason})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return AdjacencyOverride{}, kernel.Invalid("council_b", fmt.Sprintf("Your consortium already treats %s and %s as adjoining", a.Name, b.Name))
	}
	if err != nil {
		return AdjacencyOverride{}, fmt.Errorf("add adjacency override: %w", err)
	}
	return o, nil
}

// RemoveAdjacencyOverride deletes one of a consortium's overrides and audits it, with
// the pair and reason it had. Another consortium's override is ErrNotFound.
func (s *Service) RemoveAdjacencyOverride(ctx context.Context, consortiumID, id int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []AdjacencyOverride
		if err := tx.Raw("DELETE FROM adjacency_overrides WHERE id = ? AND consortium_id = ? RETURNING *", id, consortiumID).Scan(&rows).Error; err != nil {
			return fmt.Errorf("remove adjacency override %d: %w", id, err)
		}
		if len(rows) == 0 {
			return fmt.Errorf("adjacency override %d: %w", id, kernel.ErrNotFound)
		}
		o := rows[0]
		return audit.New(tx).Record(ctx, "adjacency_override.delete", "consortium", fmt.Sprint(consortiumID),
			map[string]any{"override_id": o.ID, "ons_a": o.ONSA, "ons_b": o.ONSB, "reason": o.Reason})
	})
}

// SyncHostCouncils sets every home's host council to the authority its postcode
// district lies in, so a correction to the geography data reaches homes saved before
// it. It runs at start, after the councils are synced, and returns how many homes
// changed.
func (s *Service) SyncHostCouncils(ctx context.Context) (int64, error) {
	var codes, councils []string
	for _, c := range geo.Councils() {
		for _, oc := range geo.OutcodesIn(c.ONSCode) {
			codes, councils = append(codes, oc.Code), append(councils, c.ONSCode)
		}
	}
	res := s.db.WithContext(ctx).Exec(`UPDATE homes h SET host_council_id = o.id, updated_at = now()
        FROM unnest(?::text[], ?::text[]) AS m(outcode, ons_code) JOIN organisations o ON o.ons_code = m.ons_code
        WHERE h.outcode = m.outcode AND h.host_council_id IS DISTINCT FROM o.id`, kernel.StringArray(codes), kernel.StringArray(councils))
	if res.Error != nil {
		return 0, fmt.Errorf("sync host councils: %w", res.Error)
	}
	return res.RowsAffected, nil
}
