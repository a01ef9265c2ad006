package marketplace_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// world is a consortium with one framework of two lots and an admitted provider.
type world struct {
	db          *migrations.DB
	mk          *marketplace.Service
	fw          *commissioning.Frameworks
	orgs        *commissioning.Service
	consortium  commissioning.Organisation
	framework   commissioning.Framework
	residential commissioning.Lot
	fostering   commissioning.Lot
	provider    commissioning.Organisation
	app         commissioning.Application
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t)
	w := &world{db: db, mk: marketplace.NewService(db.Gorm), fw: commissioning.NewFrameworks(db.Gorm), orgs: commissioning.NewService(db.Gorm)}
	must(t, w.orgs.SyncCouncils(ctx))
	var err error
	w.consortium, err = w.orgs.Create(ctx, kernel.KindConsortium, "NW")
	must(t, err)
	w.framework, err = w.fw.CreateFramework(ctx, w.consortium.ID, commissioning.FrameworkTerms{Name: "NW DPS", OpenForApplications: true, WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 150})
	must(t, err)
	w.residential, err = w.fw.AddLot(ctx, w.framework.ID, commissioning.NewLot{Code: "residential", Name: "Residential", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 500000, "complex": 750000}})
	must(t, err)
	w.fostering, err = w.fw.AddLot(ctx, w.framework.ID, commissioning.NewLot{Code: "fostering_ifa", Name: "Fostering", PlacementType: "fostering", Ceilings: map[string]kernel.Pence{"standard": 100000}})
	must(t, err)
	w.provider, err = w.fw.CreateProvider(ctx, commissioning.ProviderSignUp{Name: "Brightwater", RegistrationKind: "company", RegistrationNumber: "01234567", ContactName: "Pat", ContactEmail: "pat@bw.test", ContactPhone: "0161 496 0000"})
	must(t, err)
	w.app = w.admit(t, w.provider.ID, w.residential.ID)
	return w
}

func (w *world) admit(t *testing.T, providerID int64, lots ...int64) commissioning.Application {
	return w.admitTo(t, w.framework.ID, providerID, lots...)
}

func (w *world) admitTo(t *testing.T, frameworkID, providerID int64, lots ...int64) commissioning.Application {
	t.Helper()
	ctx := context.Background()
	a, err := w.fw.AdmitOutright(ctx, frameworkID, providerID, lots, commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(1, 0, 0),
		SafeguardingPolicyDate: time.Now().AddDate(0, -2, 0), ResponsibleIndividual: "Sam RI"}, "Meets the criteria")
	must(t, err)
	return a
}

func (w *world) home(t *testing.T, providerID int64, urn, postcode string, needs []string, beds int) marketplace.Home {
	t.Helper()
	ctx := context.Background()
	lots, _, err := w.mk.AdmittedLots(ctx, providerID)
	must(t, err)
	f, fe := marketplace.ParseHome(marketplace.HomeInput{Name: "Home " + urn, OfstedURN: urn, HomeType: "childrens_home", OfstedRating: "good", InspectionDate: "2025-01-10",
		RegisteredPlaces: "4", MinAge: "11", MaxAge: "17", Sexes: "any", Postcode: postcode, Needs: needs, Lots: []string{"residential"}}, lots, time.Now())
	if fe != nil {
		t.Fatalf("ParseHome: %v", fe)
	}
	h, err := w.mk.SaveHome(ctx, providerID, 0, 0, f)
	must(t, err)
	h, err = w.mk.SetVacancy(ctx, h, marketplace.Vacancy{BedsFree: beds}, "web", 0)
	must(t, err)
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ids(hs []marketplace.BoardHome) []int64 {
	var out []int64
	for _, h := range hs {
		out = append(out, h.ID)
	}
	return out
}

func TestBoardFilters(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.home(t, w.provider.ID, "SC100001", "M1 1AE", []string{"cse_risk", "missing_episodes"}, 2)
	wigan := w.home(t, w.provider.ID, "SC100002", "WN1 1AA", []string{"autism"}, 0)
	carlisle := w.home(t, w.provider.ID, "SC100003", "CA1 1AA", nil, 1)
	m1, _ := geo.LookupOutcode("M1")
	age := 14
	tests := []struct {
		name string
		q    marketplace.BoardQuery
		want []int64
	}{
		{"All", marketplace.BoardQuery{}, []int64{manchester.ID, wigan.ID, carlisle.ID}},
		{"Within30MilesOfM1ByDistance", marketplace.BoardQuery{Near: &m1.Centroid, WithinMiles: 30, Sort: "distance"}, []int64{manchester.ID, wigan.ID}},
		{"FreeNow", marketplace.BoardQuery{FreeNow: true}, []int64{manchester.ID, carlisle.ID}},
		{"Needs", marketplace.BoardQuery{Needs: []string{"cse_risk", "missing_episodes"}}, []int64{manchester.ID}},
		{"NeedNobodyMeets", marketplace.BoardQuery{Needs: []string{"uasc"}}, nil},
		{"Age", marketplace.BoardQuery{Age: &age, Sex: "female"}, []int64{manchester.ID, wigan.ID, carlisle.ID}},
		{"Lot", marketplace.BoardQuery{LotID: w.fostering.ID}, nil},
		{"Region", marketplace.BoardQuery{Region: "North West"}, []int64{manchester.ID, wigan.ID, carlisle.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.ConsortiumID = w.consortium.ID
			got, total, err := w.mk.Board(ctx, tt.q)
			must(t, err)
			if tt.q.Sort == "" {
				// name order: Home SC100001, SC100002, SC100003
			}
			if len(got) != len(tt.want) || total != len(tt.want) {
				t.Fatalf("got %v (total %d), want %v", ids(got), total, tt.want)
			}
			for i := range got {
				if got[i].ID != tt.want[i] {
					t.Fatalf("got %v, want %v", ids(got), tt.want)
				}
			}
		})
	}
	got, _, _ := w.mk.Board(ctx, marketplace.BoardQuery{ConsortiumID: w.consortium.ID, Near: &m1.Centroid, Sort: "distance"})
	if got[0].Miles == nil || *got[0].Miles > 1 || *got[2].Miles < 80 {
		t.Fatalf("distances: %v %v", *got[0].Miles, *got[2].Miles)
	}
	if got[0].HostCouncil != "Manchester" || got[0].Outcode != "M1" {
		t.Fatalf("host council %q outcode %q", got[0].HostCouncil, got[0].Outcode)
	}
	// The board page skips the lot codes, and nothing else.
	bare, _, err := w.mk.Board(ctx, marketplace.BoardQuery{ConsortiumID: w.consortium.ID, Near: &m1.Centroid, Sort: "distance", NoLotCodes: true})
	must(t, err)
	if len(bare) != len(got) || len(got[0].LotCodes) == 0 || len(bare[0].LotCodes) != 0 || bare[0].ID != got[0].ID || bare[0].Total != got[0].Total {
		t.Fatalf("without lot codes: %d homes (%v), with: %d (%v)", len(bare), bare[0].LotCodes, len(got), got[0].LotCodes)
	}
	lots, areas, err := w.mk.Totals(ctx, w.consortium.ID)
	must(t, err)
	if len(lots) != 1 || lots[0].BedsFree != 3 || lots[0].Homes != 3 || len(areas) != 3 {
		t.Fatalf("totals: %+v %+v", lots, areas)
	}

	t.Run("SuspendedProviderVanishes", func(t *testing.T) {
		must(t, w.fw.Suspend(ctx, w.app, "Ofsted inadequate judgement"))
		got, _, _ := w.mk.Board(ctx, marketplace.BoardQuery{ConsortiumID: w.consortium.ID})
		if len(got) != 0 {
			t.Fatalf("suspended provider's homes on the board: %v", ids(got))
		}
		if ok, _ := w.fw.ActiveOnAnyFramework(ctx, w.provider.ID); ok {
			t.Fatal("suspended provider still active")
		}
		must(t, w.fw.Reinstate(ctx, w.app))
		if got, _, _ := w.mk.Board(ctx, marketplace.BoardQuery{ConsortiumID: w.consortium.ID}); len(got) != 3 {
			t.Fatalf("after reinstatement: %v", ids(got))
		}
	})
	t.Run("OtherConsortiumSeesNothing", func(t *testing.T) {
		other, _ := w.orgs.Create(ctx, kernel.KindConsortium, "Elsewhere")
		if got, _, _ := w.mk.Board(ctx, marketplace.BoardQuery{ConsortiumID: other.ID}); len(got) != 0 {
			t.Fatalf("another consortium sees %v", ids(got))
		}
	})
}

func TestHomeRules(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	h := w.home(t, w.provider.ID, "SC200001", "SK10 1AB", nil, 1)
	lots, _, _ := w.mk.AdmittedLots(ctx, w.provider.ID)
	input := marketplace.HomeInput{Name: "Renamed", OfstedURN: "SC200001", HomeType: "childrens_home", OfstedRating: "good", InspectionDate: "2025-01-10",
		RegisteredPlaces: "4", MinAge: "11", MaxAge: "17", Sexes: "any", Postcode: "SK10 1AB", Lots: []string{"residential"}}
	f, _ := marketplace.ParseHome(input, lots, time.Now())

	t.Run("OptimisticLocking", func(t *testing.T) {
		if _, err := w.mk.SaveHome(ctx, w.provider.ID, h.ID, h.Version, f); err != nil {
			t.Fatal(err)
		}
		_, err := w.mk.SaveHome(ctx, w.provider.ID, h.ID, h.Version, f) // the second editor's stale version
		if !errors.Is(err, marketplace.ErrStale) {
			t.Fatalf("second save with the old version: %v", err)
		}
	})
	t.Run("BedsFreeCannotExceedPlaces", func(t *testing.T) {
		_, err := w.mk.SetVacancy(ctx, h, marketplace.Vacancy{BedsFree: 5}, "web", 0)
		if !errors.Is(err, kernel.ErrInvalid) {
			t.Fatalf("5 beds in a 4-place home: %v", err)
		}
	})
	t.Run("OtherProviderCannotReadOrEdit", func(t *testing.T) {
		other, _ := w.fw.CreateProvider(ctx, commissioning.ProviderSignUp{Name: "Other", RegistrationKind: "charity", RegistrationNumber: "1123456", ContactName: "O", ContactEmail: "o@o.test", ContactPhone: "01614960000"})
		if _, err := w.mk.ProviderHome(ctx, other.ID, h.ID); !errors.Is(err, kernel.ErrNotFound) {
			t.Fatalf("other provider read: %v", err)
		}
		cur, _ := w.mk.Home(ctx, h.ID)
		if _, err := w.mk.SaveHome(ctx, other.ID, h.ID, cur.Version, f); !errors.Is(err, kernel.ErrNotFound) {
			t.Fatalf("other provider save: %v", err)
		}
	})
	t.Run("ParseHomeErrors", func(t *testing.T) {
		bad := marketplace.HomeInput{Name: "=cmd|' /C calc'!A0", OfstedURN: "XX1", HomeType: "castle", OfstedRating: "good", RegisteredPlaces: "0", MinAge: "17", MaxAge: "11", Sexes: "", Postcode: "nowhere", Needs: []string{"dragons"}}
		_, fe := marketplace.ParseHome(bad, lots, time.Now())
		for _, field := range []string{"name", "ofsted_urn", "home_type", "inspection_date", "registered_places", "max_age", "sexes", "needs", "lots", "postcode"} {
			if !fe.Has(field) {
				t.Errorf("no error for %s (%v)", field, fe)
			}
		}
	})
	t.Run("HostCouncilDerived", func(t *testing.T) {
		cur, _ := w.mk.Home(ctx, h.ID)
		ce, _ := w.orgs.Organisation(ctx, *cur.HostCouncilID)
		if ce.Name != "Cheshire East" || cur.Outcode != "SK10" {
			t.Fatalf("host %q outcode %q", ce.Name, cur.Outcode)
		}
	})
	// A home's host council is the authority its postcode district lies in (ONS
	// boundaries), so Old Trafford (M16) is Trafford's and Southport (PR9) Sefton's.
	t.Run("HostCouncilIsTheDistrictsAuthority", func(t *testing.T) {
		for i, tt := range []struct{ postcode, council string }{{"M16 0RA", "Trafford"}, {"PR9 0AA", "Sefton"}, {"TD15 1AA", "Northumberland"}, {"SY1 1AA", "Shropshire"}} {
			home := w.home(t, w.provider.ID, fmt.Sprintf("SC20010%d", i), tt.postcode, nil, 1)
			host, _ := w.orgs.Organisation(ctx, *home.HostCouncilID)
			if host.Name != tt.council {
				t.Errorf("%s: host %q, want %q", tt.postcode, host.Name, tt.council)
			}
		}
	})
	t.Run("PostcodeOutsideEngland", func(t *testing.T) {
		for _, tt := range []struct{ postcode, want string }{
			{"CF10 1AA", "CF10 is in Wales: Hearth's homes and placements are in England"},
			{"SY23 1AA", "SY23 is in Wales: Hearth's homes and placements are in England"},
			{"EH1 1AA", "EH1 is in Scotland: Hearth's homes and placements are in England"},
			{"N1C 4AB", "We do not know postcode district N1C"},
		} {
			in := input
			in.Postcode = tt.postcode
			_, fe := marketplace.ParseHome(in, lots, time.Now())
			if len(fe) != 1 || fe[0].Field != "postcode" || !strings.HasPrefix(fe[0].Message, tt.want) {
				t.Errorf("%s: %v, want %q", tt.postcode, fe, tt.want)
			}
		}
	})
	t.Run("HistoryKept", func(t *testing.T) {
		cur, _ := w.mk.Home(ctx, h.ID)
		d := time.Now().AddDate(0, 0, 10)
		two := 2
		_, err := w.mk.SetVacancy(ctx, cur, marketplace.Vacancy{BedsFree: 0, NextFreeDate: &d, NextFreeBeds: &two}, "api", 0)
		must(t, err)
		hist, _ := w.mk.VacancyHistory(ctx, h.ID, 10)
		if len(hist) != 2 || hist[0].Source != "api" || hist[0].BedsFree != 0 {
			t.Fatalf("history = %+v", hist)
		}
	})
}

func TestApplicationRules(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	p, err := w.fw.CreateProvider(ctx, commissioning.ProviderSignUp{Name: "Newcomer", RegistrationKind: "company", RegistrationNumber: "SC123456", ContactName: "N", ContactEmail: "n@n.test", ContactPhone: "0161 496 0001"})
	must(t, err)
	a, _ := w.fw.ApplicationFor(ctx, w.framework.ID, p.ID)
	if err := w.fw.Submit(ctx, a); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("empty application submitted: %v", err)
	}
	if err := w.fw.Declare(ctx, a, commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(0, 0, -1), SafeguardingPolicyDate: time.Now().AddDate(0, 0, 1)}); err == nil {
		t.Fatal("expired insurance and future policy accepted")
	}
	if err := w.fw.ChooseLots(ctx, a, []int64{999999}); err == nil {
		t.Fatal("a lot of no framework accepted")
	}
	if _, err := w.fw.CreateProvider(ctx, commissioning.ProviderSignUp{Name: "Bad", RegistrationKind: "company", RegistrationNumber: "123", ContactName: "", ContactEmail: "x", ContactPhone: "12"}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("bad sign-up: %v", err)
	}
	if err := w.fw.Decide(ctx, a, w.residential.ID, true, "ok", 0); !errors.Is(err, kernel.ErrConflict) {
		t.Fatalf("deciding a draft: %v", err)
	}
	if _, err := w.fw.CreateFramework(ctx, w.consortium.ID, commissioning.FrameworkTerms{Name: "Bad weights", WeightPrice: 50, WeightQuality: 50, WeightDistance: 10, LevyBPS: 100}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("weights summing to 110: %v", err)
	}
}

func TestStaleReminderRunsOncePerHomePerWeek(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	fresh := w.home(t, w.provider.ID, "SC600001", "M1 1AE", nil, 1)
	stale := w.home(t, w.provider.ID, "SC600002", "M2 1AA", nil, 1)
	_ = fresh
	now := time.Now()
	w.mk.Now = func() time.Time { return now.Add(8 * 24 * time.Hour) }
	// Confirm one home "today" (8 days on), leaving the other stale.
	cur, _ := w.mk.Home(ctx, fresh.ID)
	_, err := w.mk.SetVacancy(ctx, cur, marketplace.Vacancy{BedsFree: 1}, "web", 0)
	must(t, err)
	w.providerAdmin(t, "pat@bw.test")
	w.mk = w.mailed()
	// Two "processes" at once: exactly one run reminds.
	done := make(chan int, 2)
	for i := 0; i < 2; i++ {
		go func() { n, _ := w.mk.RemindStale(ctx); done <- n }()
	}
	total := <-done + <-done
	var bodies []string
	must(t, w.db.Gorm.Raw("SELECT body FROM emails WHERE to_address = 'pat@bw.test' AND subject = 'Confirm the vacancies of 1 of your homes'").Scan(&bodies).Error)
	if total != 1 || len(bodies) != 1 || !strings.Contains(bodies[0], fmt.Sprintf("https://hearth.test/homes/%d", stale.ID)) || strings.Contains(bodies[0], fmt.Sprintf("/homes/%d", fresh.ID)) {
		t.Fatalf("reminded %d times: %q", total, bodies)
	}
	if n, _ := w.mk.RemindStale(ctx); n != 0 {
		t.Fatalf("reminded again the same week: %d", n)
	}
}

func TestDatabaseKeepsBedsWithinPlaces(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	h := w.home(t, w.provider.ID, "SC700001", "M1 1AE", nil, 1)
	db := w.db
	for _, stmt := range []string{
		"UPDATE homes SET beds_free = registered_places + 1 WHERE id = $1",
		"UPDATE homes SET beds_free = -1 WHERE id = $1",
		"UPDATE homes SET min_age = 17, max_age = 11 WHERE id = $1",
		"UPDATE homes SET needs = ARRAY['dragons'] WHERE id = $1",
		"UPDATE homes SET accepts_male = false, accepts_female = false WHERE id = $1",
		"UPDATE homes SET next_free_date = now()::date WHERE id = $1",
	} {
		if _, err := db.Pool.Exec(ctx, stmt, h.ID); err == nil {
			t.Errorf("accepted: %s", stmt)
		}
	}
}

func TestALotCodeMeansThatLotInEveryFramework(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	other, _ := w.orgs.Create(ctx, kernel.KindConsortium, "Yorkshire")
	f2, err := w.fw.CreateFramework(ctx, other.ID, commissioning.FrameworkTerms{Name: "Y DPS", WeightPrice: 25, WeightQuality: 25, WeightDistance: 25, WeightFit: 25, LevyBPS: 100})
	must(t, err)
	res2, err := w.fw.AddLot(ctx, f2.ID, commissioning.NewLot{Code: "residential", Name: "Residential", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 480000}})
	must(t, err)
	a, _ := w.fw.ApplicationFor(ctx, f2.ID, w.provider.ID)
	must(t, w.fw.ChooseLots(ctx, a, []int64{res2.ID}))
	must(t, w.fw.Declare(ctx, a, commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(1, 0, 0), SafeguardingPolicyDate: time.Now().AddDate(0, -1, 0), ResponsibleIndividual: "R"}))
	a, _ = w.fw.Application(ctx, a.ID)
	must(t, w.fw.Submit(ctx, a))
	a, _ = w.fw.Application(ctx, a.ID)
	must(t, w.fw.Decide(ctx, a, res2.ID, true, "ok", 0))
	h := w.home(t, w.provider.ID, "SC800001", "LS1 1AA", nil, 1)
	full, _ := w.mk.Home(ctx, h.ID)
	if len(full.LotIDs) != 2 {
		t.Fatalf("home serves lots %v, want residential in both frameworks", full.LotIDs)
	}
	for _, c := range []int64{w.consortium.ID, other.ID} {
		if got, _, _ := w.mk.Board(ctx, marketplace.BoardQuery{ConsortiumID: c}); len(got) != 1 {
			t.Fatalf("consortium %d board: %d homes", c, len(got))
		}
	}
}
