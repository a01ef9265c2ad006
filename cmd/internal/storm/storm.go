// Package storm sets up a bid storm: a consortium, n admitted providers each with a
// home and an API token, and one open request inviting them all. The bid storm load
// test and the local rig's chaos scenarios share it.
package storm

import (
	"context"
	"fmt"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/frontend"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/migrations"
)

// Services builds, on db, the services SetUp uses, as cmd/hearth wires them (mail is
// stored in the outbox, never sent; links point at baseURL), with argon2 made cheap:
// the storm's users are test users.
func Services(db *migrations.DB, baseURL string) frontend.Deps {
	auth.Params = &argon2id.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	outbox := notify.NewOutbox(db.Gorm, false)
	return frontend.Deps{DB: db, Orgs: commissioning.NewService(db.Gorm), Frameworks: commissioning.NewFrameworks(db.Gorm),
		Requests: marketplace.NewRequests(db.Gorm), Inbox: notify.NewInbox(db.Gorm), Users: auth.NewService(db.Gorm).WithMail(outbox, baseURL),
		Audit: audit.New(db.Gorm), Outbox: outbox, Market: marketplace.NewService(db.Gorm).WithMail(outbox, baseURL)}
}

// Bidder is one invited provider: its id, its API token and its home.
type Bidder struct {
	Provider int
	Token    string
	HomeID   int64
}

// SetUp creates a consortium with Manchester, a framework lot, n admitted providers each
// with a home near the child and an API token, and one open request inviting them all.
func SetUp(ctx context.Context, d frontend.Deps, n int) (int64, []Bidder, int64, error) {
	if err := d.Orgs.SyncCouncils(ctx); err != nil {
		return 0, nil, 0, err
	}
	cons, err := d.Orgs.Create(ctx, kernel.KindConsortium, "Storm consortium")
	if err != nil {
		return 0, nil, 0, err
	}
	if err := d.Orgs.JoinConsortium(ctx, cons.ID, []string{"E08000003"}); err != nil {
		return 0, nil, 0, err
	}
	manchester, err := d.Orgs.OrganisationByName(ctx, kernel.KindCouncil, "Manchester")
	if err != nil {
		return 0, nil, 0, err
	}
	f, err := d.Frameworks.CreateFramework(ctx, cons.ID, commissioning.FrameworkTerms{Name: "Storm DPS", OpenForApplications: true, WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 150})
	if err != nil {
		return 0, nil, 0, err
	}
	lot, err := d.Frameworks.AddLot(ctx, f.ID, commissioning.NewLot{Code: "residential", Name: "Residential", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 600000}})
	if err != nil {
		return 0, nil, 0, err
	}
	results := make([]Bidder, n)
	for i := range n {
		p, err := d.Frameworks.CreateProvider(ctx, commissioning.ProviderSignUp{Name: fmt.Sprintf("Storm Provider %04d", i+1), RegistrationKind: "company",
			RegistrationNumber: fmt.Sprintf("%08d", 10000000+i), ContactName: "C", ContactEmail: fmt.Sprintf("c%d@storm.example", i), ContactPhone: "0161 496 0000"})
		if err != nil {
			return 0, nil, 0, err
		}
		if _, err := d.Frameworks.AdmitOutright(ctx, f.ID, p.ID, []int64{lot.ID}, commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(1, 0, 0),
			SafeguardingPolicyDate: time.Now().AddDate(0, -1, 0), ResponsibleIndividual: "R"}, "storm"); err != nil {
			return 0, nil, 0, err
		}
		lots, _, err := d.Market.AdmittedLots(ctx, p.ID)
		if err != nil {
			return 0, nil, 0, err
		}
		fields, fe := marketplace.ParseHome(marketplace.HomeInput{Name: fmt.Sprintf("Storm Home %04d", i+1), OfstedURN: fmt.Sprintf("SC%06d", 200000+i), HomeType: "childrens_home",
			OfstedRating: "good", InspectionDate: "2025-01-01", RegisteredPlaces: "3", MinAge: "10", MaxAge: "17", Sexes: "any", Postcode: "M20 2AB", Lots: []string{"residential"}}, lots, time.Now())
		if fe != nil {
			return 0, nil, 0, fe
		}
		h, err := d.Market.SaveHome(ctx, p.ID, 0, 0, fields)
		if err != nil {
			return 0, nil, 0, err
		}
		if _, err := d.Market.SetVacancy(ctx, h, marketplace.Vacancy{BedsFree: 1}, "seed", 0); err != nil {
			return 0, nil, 0, err
		}
		u, err := d.Users.Create(ctx, auth.NewUser{Email: fmt.Sprintf("bidder%d@storm.example", i), Name: "Bidder", Role: kernel.RoleProviderUser, OrganisationID: p.ID})
		if err != nil {
			return 0, nil, 0, err
		}
		tok, _, err := d.Users.CreateAPIToken(ctx, u, auth.NewAPIToken{Name: "storm", Operator: true})
		if err != nil {
			return 0, nil, 0, err
		}
		results[i] = Bidder{Provider: int(p.ID), Token: tok, HomeID: h.ID}
	}
	now := time.Now()
	age, month, year, sex, legal, within, tier, weeks := 14, int(now.Month()), now.Year()-14, "female", "s31", 20, "standard", 26
	start, deadline := now.AddDate(0, 0, 7), now.Add(3*time.Hour)
	r := marketplace.PlacementRequest{CouncilID: manchester.ID, ChildRef: "STORM-1", AgeYears: &age, BirthMonth: &month, BirthYear: &year, Sex: &sex,
		LegalStatus: &legal, WithinMiles: &within, LotID: &lot.ID, Tier: &tier, StartDate: &start, DurationWeeks: &weeks, Deadline: &deadline}
	if err := r.SetHome("M14"); err != nil {
		return 0, nil, 0, err
	}
	if err := marketplace.NewRequests(d.DB.Gorm).SaveDraft(ctx, &r); err != nil {
		return 0, nil, 0, err
	}
	_, res, err := d.Market.SubmitRequest(ctx, r.ID, manchester.ID)
	if err != nil {
		return 0, nil, 0, err
	}
	if len(res.Invited) != n {
		return 0, nil, 0, fmt.Errorf("%d providers invited, want %d", len(res.Invited), n)
	}
	return r.ID, results, manchester.ID, nil
}
