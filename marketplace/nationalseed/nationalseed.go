// Package nationalseed generates deterministic, synthetic national-scale data for
// benchmarks and load tests: a consortium per English region (every council a member),
// each with a framework of four lots; about one provider per six homes, admitted to
// every framework; and homes spread over every council's postcode districts with
// realistic ratings, needs and vacancies. The same seed always gives the same data.
package nationalseed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace"
)

// Summary says what was created.
type Summary struct {
	Consortia, Providers, Homes, Places, BedsFree int
}

var lots = []commissioning.NewLot{
	{Code: "residential", Name: "Residential", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 5_250_00, "complex": 6_500_00, "specialist": 8_000_00}},
	{Code: "residential_solo", Name: "Solo residential", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"complex": 9_500_00, "specialist": 14_000_00}},
	{Code: "fostering_ifa", Name: "Independent fostering", PlacementType: "fostering", Ceilings: map[string]kernel.Pence{"standard": 950_00, "complex": 1_200_00}},
	{Code: "supported_16_17", Name: "Supported 16 to 17", PlacementType: "supported_16_17", Ceilings: map[string]kernel.Pence{"standard": 1_800_00, "complex": 2_800_00}},
}

// Load creates the data in an empty database (councils must be synced). It refuses to
// run where consortia already exist. The caller should then ANALYZE as the schema owner
// (the application's role owns no table, so its ANALYZE would skip them all).
func Load(ctx context.Context, db *gorm.DB, homes int, seed uint64) (Summary, error) {
	var sum Summary
	var n int64
	if err := db.WithContext(ctx).Model(&commissioning.Organisation{}).Where("kind <> 'council'").Count(&n).Error; err != nil {
		return sum, err
	}
	if n > 0 {
		return sum, fmt.Errorf("the database already holds organisations other than councils; seed national needs an empty one")
	}
	orgs := commissioning.NewService(db)
	fw := commissioning.NewFrameworks(db)
	// A consortium and framework per region.
	var frameworks []commissioning.Framework
	for _, region := range geo.Regions() {
		cons, err := orgs.Create(ctx, kernel.KindConsortium, region+" consortium (synthetic)")
		if err != nil {
			return sum, err
		}
		var codes []string
		for _, c := range geo.Councils() {
			if c.Region == region {
				codes = append(codes, c.ONSCode)
			}
		}
		if err := orgs.JoinConsortium(ctx, cons.ID, codes); err != nil {
			return sum, err
		}
		terms := Terms
		terms.Name, terms.OpenForApplications = region+" DPS", true
		f, err := fw.CreateFramework(ctx, cons.ID, terms)
		if err != nil {
			return sum, err
		}
		for _, nl := range lots {
			l, err := fw.AddLot(ctx, f.ID, nl)
			if err != nil {
				return sum, err
			}
			f.Lots = append(f.Lots, l)
		}
		frameworks = append(frameworks, f)
		sum.Consortia++
	}
	// Providers, each admitted to every framework's lots.
	providers := max(homes/6, 1)
	providerIDs := make([]int64, providers)
	for i := range providers {
		p, err := orgs.Create(ctx, kernel.KindProvider, fmt.Sprintf("Synthetic Provider %04d", i+1))
		if err != nil {
			return sum, err
		}
		providerIDs[i] = p.ID
	}
	if err := admitAll(ctx, db, providerIDs, frameworks); err != nil {
		return sum, err
	}
	sum.Providers = providers
	// Homes.
	councilIDs := map[string]int64{}
	var rows []commissioning.Organisation
	if err := db.WithContext(ctx).Where("kind = 'council'").Find(&rows).Error; err != nil {
		return sum, err
	}
	for _, r := range rows {
		councilIDs[*r.ONSCode] = r.ID
	}
	lotIDs := map[string][]int64{} // lot code -> ids in every framework
	for _, f := range frameworks {
		for _, l := range f.Lots {
			lotIDs[l.Code] = append(lotIDs[l.Code], l.ID)
		}
	}
	type homeLot struct {
		HomeID, LotID int64
	}
	batch := make([]marketplace.Home, 0, 500)
	batchLots := make([][]string, 0, 500)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := db.WithContext(ctx).Omit("StaleRemindedAt", "CreatedAt", "UpdatedAt").CreateInBatches(&batch, 500).Error; err != nil {
			return err
		}
		var hls []homeLot
		var changes []marketplace.VacancyChange
		for i, h := range batch {
			for _, code := range batchLots[i] {
				for _, id := range lotIDs[code] {
					hls = append(hls, homeLot{h.ID, id})
				}
			}
			changes = append(changes, marketplace.VacancyChange{HomeID: h.ID, BedsFree: h.BedsFree, NextFreeDate: h.NextFreeDate, NextFreeBeds: h.NextFreeBeds, Source: "seed", ChangedAt: *h.VacancyConfirmedAt})
		}
		if err := db.WithContext(ctx).Table("home_lots").CreateInBatches(hls, 1000).Error; err != nil {
			return err
		}
		if err := db.WithContext(ctx).CreateInBatches(changes, 1000).Error; err != nil {
			return err
		}
		batch, batchLots = batch[:0], batchLots[:0]
		return nil
	}
	for _, g := range Generate(homes, seed, time.Now().UTC()) {
		h := g.Home
		h.ProviderID = providerIDs[g.Provider]
		host := councilIDs[g.Host] // the authority the district lies in
		h.HostCouncilID = &host
		batch = append(batch, h)
		batchLots = append(batchLots, g.Lots)
		sum.Homes++
		sum.Places += h.RegisteredPlaces
		sum.BedsFree += h.BedsFree
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	if err := flush(); err != nil {
		return sum, err
	}
	// The caller gathers fresh statistics as the schema's owner (see Load's doc):
	// ANALYZE as the application's role, which owns no table, would skip them all.
	return sum, nil
}

// SeedHome is one generated home before it is stored: the home (without provider or
// host council ids), the index of its provider among the homes/6 providers, the ONS code
// of the council its postcode district lies in, and the codes of the lots it serves.
type SeedHome struct {
	Home     marketplace.Home
	Provider int
	Host     string
	Lots     []string
}

// Generate makes the homes Load stores, in memory: the same homes, seed and now give the
// same homes, so a simulation can run on the national seed without a database.
func Generate(homes int, seed uint64, now time.Time) []SeedHome {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	providers := max(homes/6, 1)
	councils := geo.Councils()
	out := make([]SeedHome, 0, homes)
	for i := range homes {
		c := councils[rng.IntN(len(councils))]
		ocs := geo.OutcodesIn(c.ONSCode)
		oc := ocs[rng.IntN(len(ocs))]
		h, lotCodes := synthHome(rng, i, oc, now)
		out = append(out, SeedHome{Home: h, Provider: rng.IntN(providers), Host: oc.ONSCode, Lots: lotCodes})
	}
	return out
}

// Lots returns the lots, with their ceilings, of every framework Load creates.
func Lots() []commissioning.NewLot { return append([]commissioning.NewLot(nil), lots...) }

// Terms are the weights every framework Load creates scores bids with.
var Terms = commissioning.FrameworkTerms{WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 150}

func admitAll(ctx context.Context, db *gorm.DB, providers []int64, frameworks []commissioning.Framework) error {
	now := time.Now().UTC()
	yes := true
	ins, pol, ri := now.AddDate(1, 0, 0), now.AddDate(0, -2, 0), "Synthetic RI"
	for _, f := range frameworks {
		apps := make([]commissioning.Application, len(providers))
		for i, p := range providers {
			apps[i] = commissioning.Application{FrameworkID: f.ID, ProviderID: p, OfstedRegistered: &yes, InsuranceExpiry: &ins, SafeguardingPolicyDate: &pol, ResponsibleIndividual: &ri, SubmittedAt: &now}
		}
		if err := db.WithContext(ctx).Omit("CreatedAt", "Admissions", "SuspendedAt", "SuspensionReason").CreateInBatches(&apps, 500).Error; err != nil {
			return err
		}
		var ads []commissioning.Admission
		for _, a := range apps {
			for _, l := range f.Lots {
				ads = append(ads, commissioning.Admission{ApplicationID: a.ID, LotID: l.ID, Status: "admitted", Reason: "Synthetic admission", DecidedAt: &now})
			}
		}
		if err := db.WithContext(ctx).Omit("DecidedBy").CreateInBatches(&ads, 1000).Error; err != nil {
			return err
		}
	}
	return nil
}

var ratings = []struct {
	code   string
	weight int
}{{"outstanding", 15}, {"good", 63}, {"requires_improvement", 17}, {"inadequate", 2}, {"not_yet_inspected", 3}}

func pickRating(rng *rand.Rand) string {
	n := rng.IntN(100)
	for _, r := range ratings {
		if n < r.weight {
			return r.code
		}
		n -= r.weight
	}
	return "good"
}

// synthHome makes one home of a realistic type, size and vacancy.
func synthHome(rng *rand.Rand, i int, oc geo.Outcode, now time.Time) (marketplace.Home, []string) {
	h := marketplace.Home{Name: fmt.Sprintf("Synthetic Home %05d", i+1), OfstedURN: fmt.Sprintf("SC%06d", 100000+i),
		Outcode: oc.Code, Postcode: fmt.Sprintf("%s %d%c%c", oc.Code, rng.IntN(10), 'A'+rune(rng.IntN(26)), 'A'+rune(rng.IntN(26))),
		Lat: oc.Centroid.Lat + (rng.Float64()-0.5)*0.02, Lon: oc.Centroid.Lon + (rng.Float64()-0.5)*0.03,
		OfstedRating: pickRating(rng), AcceptsMale: true, AcceptsFemale: true, Version: 1}
	var lotCodes []string
	switch k := rng.IntN(100); {
	case k < 70: // children's homes, most of the market
		h.HomeType, h.RegisteredPlaces, h.MinAge, h.MaxAge = "childrens_home", 1+rng.IntN(5), 8+rng.IntN(4), 17
		lotCodes = []string{"residential"}
		if h.RegisteredPlaces == 1 {
			lotCodes = []string{"residential_solo"}
		}
	case k < 85:
		h.HomeType, h.RegisteredPlaces, h.MinAge, h.MaxAge = "fostering_agency", 4+rng.IntN(8), 0, 17
		lotCodes = []string{"fostering_ifa"}
	default:
		h.HomeType, h.RegisteredPlaces, h.MinAge, h.MaxAge = "supported_accommodation", 2+rng.IntN(6), 16, 17
		lotCodes = []string{"supported_16_17"}
	}
	switch rng.IntN(6) {
	case 0:
		h.AcceptsMale = false
	case 1:
		h.AcceptsFemale = false
	}
	needs := map[string]bool{}
	for range 2 + rng.IntN(6) {
		needs[kernel.Needs[rng.IntN(len(kernel.Needs))].Code] = true
	}
	for n := range needs {
		h.Needs = append(h.Needs, n)
	}
	sort.Strings(h.Needs)
	if h.OfstedRating != "not_yet_inspected" {
		d := now.AddDate(0, 0, -rng.IntN(900)).Truncate(24 * time.Hour)
		h.InspectionDate = &d
	}
	if rng.IntN(100) < 35 {
		h.BedsFree = 1 + rng.IntN(h.RegisteredPlaces)
	} else if rng.IntN(100) < 30 {
		d := now.AddDate(0, 0, 1+rng.IntN(60)).Truncate(24 * time.Hour)
		b := 1
		h.NextFreeDate, h.NextFreeBeds = &d, &b
	}
	confirmed := now.Add(-time.Duration(rng.IntN(14*24)) * time.Hour)
	h.VacancyConfirmedAt = &confirmed
	return h, lotCodes
}
