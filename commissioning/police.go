package commissioning

import (
	"context"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// PoliceForceName is the name Hearth gives a police force organisation: the force as
// people call it, from its ONS police force area name.
func PoliceForceName(f geo.PoliceForce) string {
	switch f.Name {
	case "London, City of":
		return "City of London Police"
	case "Metropolitan Police":
		return "Metropolitan Police Service"
	}
	return f.Name + " Police"
}

// InvitePoliceForce returns consortiumID's organisation for the police force area
// pfaCode, creating it the first time. Two invitations at once both get the one
// organisation: the insert does nothing on conflict with the unique (managed_by,
// pfa_code) and the row is then read. Returns kernel.FieldErrors on "pfa_code" when
// the code is not one of England's 39 force areas, and ErrNotFound when consortiumID
// is not a consortium.
func (s *Service) InvitePoliceForce(ctx context.Context, consortiumID int64, pfaCode string) (Organisation, error) {
	f, ok := geo.PoliceForceByCode(pfaCode)
	if !ok {
		return Organisation{}, kernel.Invalid("pfa_code", "Select a police force")
	}
	var o Organisation
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cons Organisation
		if err := tx.Where("id = ? AND kind = ?", consortiumID, kernel.KindConsortium).First(&cons).Error; err != nil {
			return fmt.Errorf("consortium %d: %w", consortiumID, kernel.ErrNotFound)
		}
		o = Organisation{Kind: kernel.KindPolice, Name: PoliceForceName(f), PFACode: &f.Code, ManagedBy: &consortiumID}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Omit("ONSCode", "Region", "CentroidLat", "CentroidLon", "ConsortiumID", "CreatedAt").Create(&o)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 { // invited before, or a moment ago by another request
			o = Organisation{}
			return tx.Where("kind = ? AND managed_by = ? AND pfa_code = ?", kernel.KindPolice, consortiumID, pfaCode).First(&o).Error
		}
		return audit.New(tx).Record(ctx, "organisation.create", "organisation", fmt.Sprint(o.ID), map[string]any{"kind": o.Kind, "pfa_code": f.Code, "managed_by": consortiumID})
	})
	if err != nil {
		return Organisation{}, fmt.Errorf("invite police force %s: %w", pfaCode, err)
	}
	return o, nil
}

// PoliceForces lists the police forces consortiumID has invited, by name.
func (s *Service) PoliceForces(ctx context.Context, consortiumID int64) ([]Organisation, error) {
	var out []Organisation
	if err := s.db.WithContext(ctx).Where("kind = ? AND managed_by = ?", kernel.KindPolice, consortiumID).Order("name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("police forces of %d: %w", consortiumID, err)
	}
	return out, nil
}
