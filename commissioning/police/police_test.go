package police_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/police"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestOnlyAPoliceForceHasAPoliceView: the view refuses any organisation that is not a
// police force managed by a consortium (ErrForbidden), before reading anything.
func TestOnlyAPoliceForceHasAPoliceView(t *testing.T) {
	ctx := context.Background()
	svc := police.New(dbtest.Open(t).Gorm)
	cons := int64(1)
	pfa := "E23000005"
	for name, org := range map[string]commissioning.Organisation{
		"ErrConsortium":     {ID: 1, Kind: kernel.KindConsortium},
		"ErrCouncil":        {ID: 2, Kind: kernel.KindCouncil, ConsortiumID: &cons},
		"ErrUnmanagedForce": {ID: 3, Kind: kernel.KindPolice, PFACode: &pfa},
		"ErrForceNoArea":    {ID: 4, Kind: kernel.KindPolice, ManagedBy: &cons},
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := svc.Homes(ctx, org, "test", kernel.AllRows); !errors.Is(err, kernel.ErrForbidden) {
				t.Errorf("Homes: %v, want ErrForbidden", err)
			}
			if _, _, err := svc.MissingEpisodes(ctx, org, "test", kernel.AllRows); !errors.Is(err, kernel.ErrForbidden) {
				t.Errorf("MissingEpisodes: %v, want ErrForbidden", err)
			}
		})
	}
}
