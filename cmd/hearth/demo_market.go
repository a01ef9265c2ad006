package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// The demo framework: lots priced within DOMAIN.md's typical ranges (integer pence).
var demoLots = []commissioning.NewLot{
	{Code: "residential", Name: "Residential (shared homes)", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 5_250_00, "complex": 6_500_00, "specialist": 8_000_00}},
	{Code: "residential_solo", Name: "Solo and specialist residential", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"complex": 9_500_00, "specialist": 14_000_00}},
	{Code: "fostering_ifa", Name: "Independent fostering", PlacementType: "fostering", Ceilings: map[string]kernel.Pence{"standard": 950_00, "complex": 1_200_00}},
	{Code: "supported_16_17", Name: "Supported accommodation 16 to 17", PlacementType: "supported_16_17", Ceilings: map[string]kernel.Pence{"standard": 1_800_00, "complex": 2_800_00}},
}

type demoHome struct {
	provider, name, urn, typ, rating, inspected, places, minAge, maxAge, sexes, postcode string
	needs, lots                                                                          []string
	beds                                                                                 int
	soonDays, soonBeds                                                                   int
}

var demoHomes = []demoHome{
	{demoProviders[0], "Brightwater House", "SC500101", "childrens_home", "good", "2025-06-12", "4", "11", "17", "any", "M20 2AB", []string{"cse_risk", "missing_episodes", "self_harm", "trauma_therapeutic"}, []string{"residential"}, 1, 0, 0},
	{demoProviders[0], "Brightwater Lodge", "SC500102", "childrens_home", "outstanding", "2024-11-03", "3", "12", "17", "female", "SK4 3AA", []string{"cse_risk", "mental_health", "self_harm", "autism"}, []string{"residential", "residential_solo"}, 0, 14, 1},
	{demoProviders[0], "Brightwater Cottage", "SC500103", "childrens_home", "good", "2025-02-20", "2", "10", "16", "any", "WN1 2AB", []string{"autism", "learning_disability", "sen_ehcp"}, []string{"residential"}, 2, 0, 0},
	{demoProviders[0], "Fellside", "SC500104", "childrens_home", "requires_improvement", "2025-08-01", "4", "13", "17", "male", "LA9 4AA", []string{"offending", "cce_risk", "substance_misuse", "violence_aggression"}, []string{"residential"}, 1, 0, 0},
	{demoProviders[0], "Ribble View", "SC500105", "childrens_home", "good", "2025-04-15", "1", "8", "17", "any", "PR1 3AA", []string{"solo_placement", "harmful_sexual_behaviour", "trauma_therapeutic", "violence_aggression"}, []string{"residential_solo"}, 1, 0, 0},
	{demoProviders[1], "Pennine Fostering — Oldham carers", "2700101", "fostering_agency", "good", "2025-03-10", "6", "0", "17", "any", "OL8 1AA", []string{"sibling_group", "uasc", "sen_ehcp"}, []string{"fostering_ifa"}, 3, 0, 0}, // one reserved by demoWork
	{demoProviders[1], "Pennine Fostering — Bury carers", "2700102", "fostering_agency", "outstanding", "2024-09-18", "5", "0", "17", "any", "BL9 0AA", []string{"parent_and_child", "sibling_group"}, []string{"fostering_ifa"}, 0, 21, 2},
	{demoProviders[2], "Harbourside Flats", "1800101", "supported_accommodation", "not_yet_inspected", "", "6", "16", "17", "any", "L8 5AA", []string{"uasc", "missing_episodes", "substance_misuse"}, []string{"supported_16_17"}, 3, 0, 0},
	// Three more residential providers: one 35 miles away in Southport (Sefton), one in
	// Bolton, and one rated Inadequate (after a fall, see loadDemoMonitoring), which
	// matching never invites.
	{demoProviders[4], "Marine Lodge", "SC500201", "childrens_home", "good", "2025-05-02", "3", "11", "17", "any", "PR9 0AA", []string{"cse_risk", "missing_episodes", "self_harm", "mental_health"}, []string{"residential"}, 1, 0, 0},
	{demoProviders[5], "Northern Lights House", "SC500301", "childrens_home", "good", "2025-01-22", "4", "12", "17", "any", "BL1 4AA", []string{"cse_risk", "missing_episodes", "offending"}, []string{"residential"}, 2, 0, 0}, // one bed reserved by the demo's award (demoWork)
	{demoProviders[6], "Greenacre House", "SC500401", "childrens_home", "requires_improvement", "2024-03-14", "4", "11", "17", "any", "SK2 6AA", []string{"cse_risk", "missing_episodes", "self_harm"}, []string{"residential"}, 2, 0, 0},
	{demoProviders[2], "Harbourside Wirral", "1800102", "supported_accommodation", "good", "2025-07-07", "4", "16", "17", "any", "CH41 6AA", []string{"uasc", "mental_health"}, []string{"supported_16_17"}, 0, 0, 0},
}

// loadDemoMarket creates the consortium's framework, admits the demo providers and
// gives them homes with vacancies.
func loadDemoMarket(ctx context.Context, a *app, cons commissioning.Organisation) error {
	f, err := a.frameworks.CreateFramework(ctx, cons.ID, commissioning.FrameworkTerms{Name: "North West Placements DPS (demo)", OpenForApplications: true,
		WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 150})
	if err != nil {
		return err
	}
	lots := map[string]int64{}
	for _, nl := range demoLots {
		l, err := a.frameworks.AddLot(ctx, f.ID, nl)
		if err != nil {
			return err
		}
		lots[l.Code] = l.ID
	}
	admit := map[string][]string{
		demoProviders[0]: {"residential", "residential_solo"},
		demoProviders[1]: {"fostering_ifa"},
		demoProviders[2]: {"supported_16_17"},
		demoProviders[4]: {"residential"},
		demoProviders[5]: {"residential"},
		demoProviders[6]: {"residential"},
	}
	for _, p := range demoProviders {
		if _, ok := admit[p]; !ok {
			continue // the secure home is not on this framework
		}
		if err := a.createDemoProvider(ctx, p); err != nil {
			return err
		}
	}
	for name, codes := range admit {
		org, err := a.orgs.OrganisationByName(ctx, kernel.KindProvider, name)
		if err != nil {
			return err
		}
		if err := admitProvider(ctx, a.frameworks, f.ID, org.ID, codes, lots); err != nil {
			return err
		}
	}
	for _, dh := range demoHomes {
		org, fields, err := demoHomeFields(ctx, a, dh)
		if err != nil {
			return err
		}
		h, err := a.market.SaveHome(ctx, org.ID, 0, 0, fields)
		if err != nil {
			return err
		}
		v := marketplace.Vacancy{BedsFree: dh.beds}
		if dh.soonDays > 0 {
			d := time.Now().AddDate(0, 0, dh.soonDays).Truncate(24 * time.Hour)
			v.NextFreeDate, v.NextFreeBeds = &d, &dh.soonBeds
		}
		if _, err := a.market.SetVacancy(ctx, h, v, "seed", 0); err != nil {
			return err
		}
	}
	if err := loadDemoMonitoring(ctx, a); err != nil {
		return fmt.Errorf("demo monitoring: %w", err)
	}
	return loadDemoWork(ctx, a, lots)
}

// createDemoProvider gives a demo provider organisation (created by loadDemo) its profile.
func (a *app) createDemoProvider(ctx context.Context, name string) error {
	org, err := a.orgs.OrganisationByName(ctx, kernel.KindProvider, name)
	if err != nil {
		return err
	}
	return a.db.Gorm.WithContext(ctx).Create(&commissioning.ProviderProfile{OrganisationID: org.ID, RegistrationKind: "company",
		RegistrationNumber: fmt.Sprintf("%08d", 9000000+org.ID), ContactName: "Demo contact", ContactEmail: "contact@provider.example", ContactPhone: "0161 496 0000"}).Error
}

// admitProvider files a complete application and admits it to the lots of codes.
func admitProvider(ctx context.Context, fw *commissioning.Frameworks, frameworkID, providerID int64, codes []string, lots map[string]int64) error {
	var ids []int64
	for _, c := range codes {
		ids = append(ids, lots[c])
	}
	_, err := fw.AdmitOutright(ctx, frameworkID, providerID, ids, commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(1, 0, 0),
		SafeguardingPolicyDate: time.Now().AddDate(0, -3, 0), ResponsibleIndividual: "Demo Responsible Individual"}, "Meets the framework's quality and safeguarding criteria (demo)")
	return err
}

// demoContacts are some demo homes' street address and registered manager (name,
// phone in Ofcom's range for drama, email), by Ofsted URN, for the police view.
var demoContacts = map[string][4]string{
	"SC500101": {"14 Palatine Road\nWithington", "Alex Brightwater", "0161 496 0101", "brightwater.house@brightwater.example"},
	"SC500102": {"3 Lodge Lane\nHeaton Mersey", "Bea Lodge", "0161 496 0102", "lodge@brightwater.example"},
	"SC500103": {"27 Wigan Lane", "Cam Cottage", "01942 496010", "cottage@brightwater.example"},
	"SC500301": {"9 Chorley New Road", "Nia Northern", "01204 496030", "house@northernlights.example"},
}

// demoHomeFields is a demo home's provider and its fields, checked as a form's are.
func demoHomeFields(ctx context.Context, a *app, dh demoHome) (commissioning.Organisation, marketplace.HomeFields, error) {
	org, err := a.orgs.OrganisationByName(ctx, kernel.KindProvider, dh.provider)
	if err != nil {
		return org, marketplace.HomeFields{}, err
	}
	admitted, _, err := a.market.AdmittedLots(ctx, org.ID)
	if err != nil {
		return org, marketplace.HomeFields{}, err
	}
	c := demoContacts[dh.urn]
	fields, fe := marketplace.ParseHome(marketplace.HomeInput{Name: dh.name, OfstedURN: dh.urn, HomeType: dh.typ, OfstedRating: dh.rating, InspectionDate: dh.inspected,
		RegisteredPlaces: dh.places, MinAge: dh.minAge, MaxAge: dh.maxAge, Sexes: dh.sexes, Postcode: dh.postcode, Needs: dh.needs, Lots: dh.lots,
		Address: c[0], ManagerName: c[1], ManagerPhone: c[2], ManagerEmail: c[3]}, admitted, time.Now())
	if fe != nil {
		return org, fields, fmt.Errorf("demo home %s: %w", dh.name, fe)
	}
	return org, fields, nil
}
