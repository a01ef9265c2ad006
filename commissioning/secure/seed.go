package secure

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// EstateHome is a secure home of the reference estate.
type EstateHome struct {
	Name             string
	Outcode          string  // England: a postcode district Hearth knows
	Country          string  // england, wales, scotland
	Lat, Lon         float64 // Wales and Scotland (no English district)
	Welfare, Justice int
	MinAge, MaxAge   int
	Sexes            string // any, male, female
}

// Estate is the demo's secure estate: clearly fictional names, placed where the real
// estate's homes broadly are — 14 homes in England (about 230 places, a little under half
// contracted for youth justice), one in Wales and three Scottish units that take English
// children across the border.
var Estate = []EstateHome{
	{Name: "Oakfield Secure Children's Home (demo)", Outcode: "BL1", Country: "england", Welfare: 10, Justice: 6, MinAge: 10, MaxAge: 17, Sexes: "any"},
	{Name: "Heron Court Secure Children's Home (demo)", Outcode: "LS6", Country: "england", Welfare: 8, Justice: 16, MinAge: 12, MaxAge: 17, Sexes: "any"},
	{Name: "Kestrel House Secure (demo)", Outcode: "DH1", Country: "england", Welfare: 6, Justice: 6, MinAge: 10, MaxAge: 17, Sexes: "any"},
	{Name: "Lindale Secure (demo)", Outcode: "TS5", Country: "england", Welfare: 5, Justice: 0, MinAge: 12, MaxAge: 17, Sexes: "female"},
	{Name: "Millbrook Secure Children's Home (demo)", Outcode: "DE22", Country: "england", Welfare: 12, Justice: 8, MinAge: 10, MaxAge: 17, Sexes: "any"},
	{Name: "Alder Grange Secure (demo)", Outcode: "ST4", Country: "england", Welfare: 8, Justice: 4, MinAge: 11, MaxAge: 17, Sexes: "any"},
	{Name: "Ashdown Secure Children's Home (demo)", Outcode: "SO23", Country: "england", Welfare: 6, Justice: 12, MinAge: 10, MaxAge: 17, Sexes: "any"},
	{Name: "Thornbury Lodge Secure (demo)", Outcode: "BS5", Country: "england", Welfare: 8, Justice: 10, MinAge: 10, MaxAge: 17, Sexes: "any"},
	{Name: "Fenwood Secure (demo)", Outcode: "PE29", Country: "england", Welfare: 6, Justice: 6, MinAge: 12, MaxAge: 17, Sexes: "any"},
	{Name: "Riverside Secure Children's Home (demo)", Outcode: "RM8", Country: "england", Welfare: 12, Justice: 16, MinAge: 10, MaxAge: 17, Sexes: "any"},
	{Name: "Marlow Vale Secure (demo)", Outcode: "HP19", Country: "england", Welfare: 8, Justice: 6, MinAge: 10, MaxAge: 17, Sexes: "any"},
	{Name: "Yew Tree Secure (demo)", Outcode: "HU5", Country: "england", Welfare: 8, Justice: 8, MinAge: 12, MaxAge: 17, Sexes: "male"},
	{Name: "Penrose Secure (demo)", Outcode: "EX1", Country: "england", Welfare: 8, Justice: 4, MinAge: 10, MaxAge: 17, Sexes: "any"},
	{Name: "Hollins Secure Children's Home (demo)", Outcode: "LE2", Country: "england", Welfare: 12, Justice: 4, MinAge: 10, MaxAge: 17, Sexes: "any"},
	{Name: "Bryn Secure Unit (demo)", Country: "wales", Lat: 51.66, Lon: -3.80, Welfare: 12, Justice: 10, MinAge: 12, MaxAge: 17, Sexes: "any"},
	{Name: "Glen Esk Secure Unit (demo)", Country: "scotland", Lat: 56.05, Lon: -3.20, Welfare: 18, Justice: 0, MinAge: 12, MaxAge: 17, Sexes: "any"},
	{Name: "Loch Ard Secure Unit (demo)", Country: "scotland", Lat: 55.86, Lon: -4.25, Welfare: 12, Justice: 0, MinAge: 12, MaxAge: 17, Sexes: "any"},
	{Name: "Carse View Secure Unit (demo)", Country: "scotland", Lat: 56.40, Lon: -3.45, Welfare: 10, Justice: 0, MinAge: 13, MaxAge: 17, Sexes: "any"},
}

// SeedEstate creates the estate's homes (and their provider organisations, unless they
// exist already) with beds in a plausible state: nearly full, a few free welfare beds,
// some closed for staffing, some expected to free up this week. Each bed's state is in
// its history over the last month, ending in that state, so occupancy charts vary.
func SeedEstate(ctx context.Context, db *gorm.DB, now time.Time) error {
	orgs := commissioning.NewService(db)
	var councils []commissioning.Organisation
	if err := db.WithContext(ctx).Where("kind = 'council'").Find(&councils).Error; err != nil {
		return err
	}
	councilByONS := map[string]int64{}
	for _, c := range councils {
		councilByONS[*c.ONSCode] = c.ID
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	for hi, eh := range Estate {
		org, err := orgs.OrganisationByName(ctx, kernel.KindProvider, eh.Name)
		if err != nil {
			if org, err = orgs.Create(ctx, kernel.KindProvider, eh.Name); err != nil {
				return fmt.Errorf("secure home %s: %w", eh.Name, err)
			}
		}
		h := Home{ProviderID: org.ID, Name: eh.Name, Country: eh.Country, Lat: eh.Lat, Lon: eh.Lon, MinAge: eh.MinAge, MaxAge: eh.MaxAge,
			AcceptsMale: eh.Sexes != "female", AcceptsFemale: eh.Sexes != "male", Region: map[string]string{"wales": "Wales", "scotland": "Scotland"}[eh.Country]}
		if eh.Country == "england" {
			oc, err := geo.LookupOutcode(eh.Outcode)
			if err != nil {
				return fmt.Errorf("secure home %s: %w", eh.Name, err)
			}
			host := councilByONS[oc.ONSCode]
			h.Lat, h.Lon, h.HostCouncilID = oc.Centroid.Lat, oc.Centroid.Lon, &host
			for _, c := range geo.Councils() {
				if c.ONSCode == oc.ONSCode {
					h.Region = c.Region
				}
			}
		}
		if err := db.WithContext(ctx).Create(&h).Error; err != nil {
			return fmt.Errorf("secure home %s: %w", eh.Name, err)
		}
		var history []map[string]any
		for i := range eh.Welfare + eh.Justice {
			b := Bed{HomeID: h.ID, Label: fmt.Sprintf("%c%d", 'A'+i/8, i%8+1), Designation: "welfare", Status: "occupied", Version: 1}
			if i >= eh.Welfare {
				b.Designation = "youth_justice"
			}
			switch {
			case i == 0 && hi%3 == 0, i == eh.Welfare+1 && hi%2 == 1:
				b.Status = "free"
			case i == 1 && hi%4 == 1:
				reason, reopens := "staffing", today.AddDate(0, 0, 10+hi)
				b.Status, b.ClosedReason, b.ReopensOn = "closed", &reason, &reopens
			case i == 2 && hi%2 == 0:
				soon := today.AddDate(0, 0, 2+hi%5)
				b.ExpectedFreeOn = &soon
			}
			if err := db.WithContext(ctx).Omit("UpdatedAt", "UpdatedBy", "HeldFor").Create(&b).Error; err != nil {
				return err
			}
			for _, c := range bedHistory(rand.New(rand.NewPCG(uint64(hi), uint64(i))), b.Status, now, 30) {
				history = append(history, map[string]any{"bed_id": b.ID, "home_id": h.ID, "status": string(c.Status), "detail": "seed", "changed_at": c.At})
			}
		}
		if err := db.WithContext(ctx).Table("secure_bed_changes").Create(history).Error; err != nil {
			return fmt.Errorf("secure home %s: history: %w", eh.Name, err)
		}
	}
	return nil
}

// seededChange is a bed's state from a moment on, in a seeded history.
type seededChange struct {
	Status BedStatus
	At     time.Time
}

// bedHistory is a plausible month for a bed ending in its state now: it starts a number
// of days ago mostly occupied, and every few days a child leaves (the bed is free for a
// day or two, sometimes held first) or one arrives, the last change before now giving
// the bed its present state.
func bedHistory(r *rand.Rand, now BedStatus, at time.Time, days int) []seededChange {
	t := at.AddDate(0, 0, -days)
	state := BedStatus("occupied")
	if r.IntN(5) == 0 {
		state = "free"
	}
	out := []seededChange{{state, t}}
	end := at.Add(-time.Duration(1+r.IntN(36)) * time.Hour)
	for {
		stay := 24 * time.Hour * time.Duration(2+r.IntN(9))
		if state != "occupied" {
			stay = time.Duration(12+r.IntN(60)) * time.Hour
		}
		if t = t.Add(stay); !t.Before(end) {
			break
		}
		switch state {
		case "occupied":
			state = "free"
		case "free":
			state = "occupied"
			if r.IntN(3) == 0 {
				state = "held"
			}
		default:
			state = "occupied"
		}
		out = append(out, seededChange{state, t})
	}
	if state != now {
		out = append(out, seededChange{now, end})
	}
	return out
}
