package nationalseed_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/migrations"
)

// TestMatchingDecidesAsOverEveryHome proves that matching decides exactly as Match over
// every home of every admitted provider serving the lot: the same providers invited with
// the same homes in the same order, and the same rule and detail for every provider
// excluded. It guards any change that has the database drop homes early (issue 18: at
// ten times national scale matching reads 16,711 homes to exclude 4,938 providers).
func TestMatchingDecidesAsOverEveryHome(t *testing.T) {
	ctx := context.Background()
	db, mk, _, nw, fw := loadDB(t, 1200, 3)
	fws, err := fw.Frameworks(ctx, nw)
	if err != nil || len(fws) != 1 {
		t.Fatalf("frameworks: %v", err)
	}
	var hosts []int64
	if err := db.Gorm.Raw("SELECT DISTINCT host_council_id FROM homes WHERE host_council_id IS NOT NULL ORDER BY 1 LIMIT 3").Scan(&hosts).Error; err != nil {
		t.Fatal(err)
	}
	start := time.Now().AddDate(0, 0, 14)
	cases := 0
	for _, lot := range fws[0].Lots {
		for _, c := range []struct {
			age         int
			sex, home   string
			needs       []string
			within      int
			avoid       []int64
			startInDays int
		}{
			{14, "female", "M14", []string{"cse_risk", "missing_episodes"}, 40, nil, 14},
			{9, "male", "LS1", nil, 20, hosts, 0},
			{17, "male", "B1", []string{"cse_risk"}, 150, nil, 60},
			{12, "female", "SW1A", []string{"missing_episodes"}, 5, hosts[:1], 1},
		} {
			age, sex, within, lotID, tier := c.age, c.sex, c.within, lot.ID, "standard"
			when := start.AddDate(0, 0, c.startInDays-14)
			r := marketplace.PlacementRequest{AgeYears: &age, Sex: &sex, Needs: kernel.StringArray(c.needs), WithinMiles: &within,
				LotID: &lotID, Tier: &tier, StartDate: &when, AvoidCouncils: kernel.Int64Array(c.avoid)}
			if err := r.SetHome(c.home); err != nil {
				t.Fatal(err)
			}
			got, err := mk.MatchRequest(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			admitted, every := everyCandidate(t, db, r)
			want := marketplace.Match(r, admitted, every)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("lot %s, %+v: matching decided differently from Match over every home:\n got %d invited, %d excluded\nwant %d invited, %d excluded\n%s",
					lot.Code, c, len(got.Invited), len(got.Excluded), len(want.Invited), len(want.Excluded), firstDifference(got, want))
			}
			cases++
		}
	}
	t.Logf("%d requests decided the same", cases)
}

// everyCandidate loads, without matching's shortcut, every home serving r's lot of every
// provider admitted to it.
func everyCandidate(t *testing.T, db *migrations.DB, r marketplace.PlacementRequest) ([]int64, []marketplace.Candidate) {
	t.Helper()
	var admitted []int64
	if err := db.Gorm.Raw(`SELECT a.provider_id FROM framework_applications a JOIN admissions ad ON ad.application_id = a.id
        WHERE ad.lot_id = ? AND ad.status = 'admitted' AND a.suspended_at IS NULL ORDER BY a.provider_id`, *r.LotID).Scan(&admitted).Error; err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		HomeID, ProviderID         int64
		MinAge, MaxAge             int
		AcceptsMale, AcceptsFemale bool
		Missing                    int64
		Lat, Lon                   float64
		HostCouncilID              *int64
		OfstedRating               string
		BedsFree                   int
		NextFreeDate               *time.Time
	}
	if err := db.Gorm.Raw(`SELECT h.id AS home_id, h.provider_id, h.min_age, h.max_age, h.accepts_male, h.accepts_female,
            CAST(? AS bigint) & ~h.needs_mask AS missing, h.lat, h.lon, h.host_council_id, h.ofsted_rating, h.beds_free, h.next_free_date
        FROM homes h JOIN home_lots hl ON hl.home_id = h.id AND hl.lot_id = ? ORDER BY h.id`, kernel.NeedsMask(r.Needs), *r.LotID).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]marketplace.Candidate, len(rows))
	for i, h := range rows {
		c := marketplace.Candidate{HomeID: h.HomeID, ProviderID: h.ProviderID, ServesLot: true, MinAge: h.MinAge, MaxAge: h.MaxAge,
			AcceptsMale: h.AcceptsMale, AcceptsFemale: h.AcceptsFemale, MeetsNeeds: h.Missing == 0, Lat: h.Lat, Lon: h.Lon,
			HostCouncilID: h.HostCouncilID, OfstedRating: h.OfstedRating, BedsFree: h.BedsFree, NextFreeDate: h.NextFreeDate,
			Miles: geo.Miles(geo.Point{Lat: *r.HomeLat, Lon: *r.HomeLon}, geo.Point{Lat: h.Lat, Lon: h.Lon})}
		if !c.MeetsNeeds {
			codes := kernel.NeedsFromMask(h.Missing)
			c.MissingNeed, c.MissingCount = codes[0], len(codes)
		}
		out[i] = c
	}
	return admitted, out
}

func firstDifference(got, want marketplace.MatchResult) string {
	for p, w := range want.Excluded {
		if g, ok := got.Excluded[p]; !ok || g != w {
			return fmt.Sprintf("provider %d: got %+v (invited %v), want %+v", p, g, got.Invited[p], w)
		}
	}
	for p, w := range want.Invited {
		if g := got.Invited[p]; !reflect.DeepEqual(g, w) {
			return fmt.Sprintf("provider %d: got homes %v, want %v", p, g, w)
		}
	}
	return "(extra providers in got)"
}
