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
	g := func(provider, council string, awards, med int64) priceGroup {
		return priceGroup{Provider: provider, Lot: "Residential", Tier: "standard", Council: council, Awards: awards, MedianPence: med}
	}
	rows := []priceGroup{
		g("Oak", "Wigan", 6, 525000),
		g("Oak", "Bolton", 5, 420000),
		g("Oak", "Salford", 1, 900000), // one award: suppressed
		g("Elm", "Bolton", 5, 300000),  // Elm: one council only
	}
	// Spread: Wigan's median 525,000 less Bolton's 420,000.
	want := []ProviderPrice{{Provider: "Oak", Lot: "Residential", Tier: "standard", Spread: 105000, Councils: []CouncilPrice{
		{Council: "Bolton", Awards: Count{N: 5}, Median: 420000},
		{Council: "Salford", Awards: Count{Suppressed: true}},
		{Council: "Wigan", Awards: Count{N: 6}, Median: 525000},
	}}}
	if got := priceSpreads(rows); !reflect.DeepEqual(got, want) {
		t.Errorf("priceSpreads = %+v\nwant %+v", got, want)
	}
}

// TestMarketRowsWithhold: a month whose lots' placements include one under five hides
// that lot's spend and, so that it cannot be read off the month's total, the next
// smallest lot's too; a group of four awards shows no median, and the share of £10,000
// awards is shown only where both counts are (here neither: Supported's 2 hide
// Residential's 5).
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
	// Supported's 2 £10,000 awards are hidden, so Residential's 5 are too (the month's
	// count adds them up), and with them the share.
	if !res.Placements.Suppressed || !res.SpendWithheld || res.MedianFee != kernel.Pence(med) || !res.High.Secondary || res.HighShare != 0 {
		t.Errorf("residential (secondary suppression of placements and £10,000 awards): %+v", res)
	}
	if sup.Placements != (Count{N: 30}) || sup.Spend != 3000 || sup.Savings != 100 || !sup.High.Suppressed || sup.HighShare != 0 {
		t.Errorf("supported: %+v", sup)
	}
	if m := months[0]; m.Who != "consortium" || m.Spend != 3800 || m.Savings != 400 || m.Levy != 55 || m.Placements != (Count{N: 40}) {
		t.Errorf("month: %+v", m)
	}
}

// TestMarketAwardsSuppressedAsGroups: the month's 9 awards are lot A's 6 and lot B's 3.
// B's 3 are hidden, so A's 6 (9 − 6 would give 3) and with them A's median; A's only
// tier over the window adds up A's months, so it is hidden too (6 − 0 = the month
// cell), and so B's. The same holds for awards above the ceiling.
func TestMarketAwardsSuppressedAsGroups(t *testing.T) {
	may := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	med := int64(400000)
	groups := []marketGroup{
		{Lot: "A", Tier: "standard", Awards: 6, AwardsOverCeiling: 6, FeeMedianPence: &med},
		{Lot: "B", Tier: "standard", Awards: 3, AwardsOverCeiling: 3, FeeMedianPence: &med},
		{Lot: "A", Month: &may, Awards: 6, AwardsOverCeiling: 6, FeeMedianPence: &med},
		{Lot: "B", Month: &may, Awards: 3, AwardsOverCeiling: 3, FeeMedianPence: &med},
		{Month: &may, Awards: 9, AwardsOverCeiling: 9, FeeMedianPence: &med},
	}
	tiers, lotMonths, months := marketRows(groups)
	hidden := Count{Suppressed: true, Secondary: true}
	for _, r := range []MarketRow{tiers[0], lotMonths[0]} {
		if r.Awards != hidden || r.OverCeiling != hidden || r.MedianFee != 0 {
			t.Errorf("lot A %v shown beside B's 3: %+v", r.Month, r)
		}
	}
	for _, r := range []MarketRow{tiers[1], lotMonths[1]} {
		if !r.Awards.Suppressed || !r.OverCeiling.Suppressed || r.MedianFee != 0 {
			t.Errorf("lot B %v shown: %+v", r.Month, r)
		}
	}
	if m := months[0]; m.Awards != (Count{N: 9}) || m.MedianFee != kernel.Pence(med) {
		t.Errorf("month: %+v", m)
	}
}

// TestMarketOtherCouncilsHidden: in May the consortium made 6 placements and 6 awards
// in lot A, the council 5 of each: the other councils' 1 would be the consortium's less
// the council's, so the consortium's figures for the cell are hidden (and so its lot A
// over the window, the same 6, and lot B's May, added up with A's in the month), while
// the council's own are shown; in June the others' 15 in lot C leave the consortium's 20
// shown.
func TestMarketOtherCouncilsHidden(t *testing.T) {
	may, june := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	groups := []marketGroup{
		{CouncilID: 7, Lot: "A", Tier: "standard", Placements: 5, SpendPence: 5000, Awards: 5},
		{CouncilID: 7, Lot: "C", Tier: "standard", Placements: 5, SpendPence: 5000, Awards: 5},
		{CouncilID: 7, Lot: "A", Month: &may, Placements: 5, SpendPence: 5000, Awards: 5},
		{CouncilID: 7, Lot: "C", Month: &june, Placements: 5, SpendPence: 5000, Awards: 5},
		{CouncilID: 7, Month: &may, Placements: 5, SpendPence: 5000, Awards: 5},
		{CouncilID: 7, Month: &june, Placements: 5, SpendPence: 5000, Awards: 5},
		{Lot: "A", Tier: "standard", Placements: 6, SpendPence: 7000, Awards: 6},
		{Lot: "B", Tier: "standard", Placements: 8, SpendPence: 8000, Awards: 8},
		{Lot: "C", Tier: "standard", Placements: 20, SpendPence: 20000, Awards: 20},
		{Lot: "A", Month: &may, Placements: 6, SpendPence: 7000, Awards: 6},
		{Lot: "B", Month: &may, Placements: 8, SpendPence: 8000, Awards: 8},
		{Lot: "C", Month: &june, Placements: 20, SpendPence: 20000, Awards: 20},
		{Month: &may, Placements: 14, SpendPence: 15000, Awards: 14},
		{Month: &june, Placements: 20, SpendPence: 20000, Awards: 20},
	}
	tiers, lotMonths, months := marketRows(groups)
	own, mayA, mayB, juneC := lotMonths[0], lotMonths[2], lotMonths[3], lotMonths[4]
	if own.Placements != (Count{N: 5}) || own.Spend != 5000 || own.Awards != (Count{N: 5}) {
		t.Errorf("council's own May: %+v", own)
	}
	for _, r := range []MarketRow{mayA, tiers[2], mayB} {
		if !r.Placements.Suppressed || !r.SpendWithheld || r.Spend != 0 || !r.Awards.Suppressed {
			t.Errorf("consortium's lot %s %v (others 1, or added up with it): %+v", r.Lot, r.Month, r)
		}
	}
	if juneC.Placements != (Count{N: 20}) || juneC.Spend != 20000 || juneC.Awards != (Count{N: 20}) {
		t.Errorf("consortium's June lot C (others 15): %+v", juneC)
	}
	if m := months[2]; m.Who != "consortium" || m.Placements != (Count{N: 14}) || m.Spend != 15000 {
		t.Errorf("consortium's May (others 9): %+v", m)
	}
}
