package intelligence

import (
	"reflect"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// TestPriceSpreads: one provider's prices on one lot and tier, council by council, with
// the spread between the councils' medians worked by hand; a council with fewer than
// five awards shows no prices and takes no part in the spread; a group only one council
// bought is left out.
func TestPriceSpreads(t *testing.T) {
	g := func(provider, council string, awards, lo, med, hi int64) priceGroup {
		return priceGroup{Provider: provider, Lot: "Residential", Tier: "standard", Council: council, Awards: awards, MinPence: lo, MedianPence: med, MaxPence: hi}
	}
	rows := []priceGroup{
		g("Oak", "Wigan", 6, 500000, 525000, 560000),
		g("Oak", "Bolton", 5, 400000, 420000, 440000),
		g("Oak", "Salford", 1, 900000, 900000, 900000), // one award: suppressed
		g("Elm", "Bolton", 5, 300000, 300000, 300000),  // Elm: one council only
	}
	// Spread: Wigan's median 525,000 less Bolton's 420,000.
	want := []ProviderPrice{{Provider: "Oak", Lot: "Residential", Tier: "standard", Spread: 105000, Councils: []CouncilPrice{
		{Council: "Bolton", Awards: Count{N: 5}, Min: 400000, Median: 420000, Max: 440000},
		{Council: "Salford", Awards: Count{Suppressed: true}},
		{Council: "Wigan", Awards: Count{N: 6}, Min: 500000, Median: 525000, Max: 560000},
	}}}
	if got := priceSpreads(rows); !reflect.DeepEqual(got, want) {
		t.Errorf("priceSpreads = %+v\nwant %+v", got, want)
	}
}

// TestMarketRowsWithhold: a month whose lots' placements include one under five hides
// that lot's spend and, so that it cannot be read off the month's total, the next
// smallest lot's too; a group of four awards shows no median, and the share of £10,000
// awards is shown only where both counts are.
func TestMarketRowsWithhold(t *testing.T) {
	may := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	med := int64(400000)
	groups := []marketGroup{
		{Lot: "Fostering", Month: &may, Placements: 3, SpendPence: 100, CeilingSpendPence: 200, Awards: 4, FeeMedianPence: &med, Awards10k: 0},
		{Lot: "Residential", Month: &may, Placements: 7, SpendPence: 700, CeilingSpendPence: 900, Awards: 20, FeeMedianPence: &med, Awards10k: 5},
		{Lot: "Supported", Month: &may, Placements: 30, SpendPence: 3000, CeilingSpendPence: 3100, Awards: 10, FeeMedianPence: &med, Awards10k: 2},
		{Month: &may, Placements: 40, SpendPence: 3800, CeilingSpendPence: 4200, LevyPence: 55},
	}
	tiers, lotMonths, months := marketRows(groups)
	if len(tiers) != 0 || len(lotMonths) != 3 || len(months) != 1 {
		t.Fatalf("tiers %d, lot months %d, months %d", len(tiers), len(lotMonths), len(months))
	}
	fost, res, sup := lotMonths[0], lotMonths[1], lotMonths[2]
	if !fost.Placements.Suppressed || !fost.SpendWithheld || fost.Spend != 0 || fost.MedianFee != 0 || !fost.Awards.Suppressed {
		t.Errorf("fostering (3 placements, 4 awards) shown: %+v", fost)
	}
	if !res.Placements.Suppressed || !res.SpendWithheld || res.MedianFee != kernel.Pence(med) || res.HighShare != 25 {
		t.Errorf("residential (secondary suppression; 5 of 20 awards at £10,000 = 25%%): %+v", res)
	}
	if sup.Placements != (Count{N: 30}) || sup.Spend != 3000 || sup.Savings != 100 || !sup.High.Suppressed || sup.HighShare != 0 {
		t.Errorf("supported: %+v", sup)
	}
	if m := months[0]; m.Who != "consortium" || m.Spend != 3800 || m.Savings != 400 || m.Levy != 55 || m.Placements != (Count{N: 40}) {
		t.Errorf("month: %+v", m)
	}
}
