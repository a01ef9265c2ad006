package intelligence

import (
	"reflect"
	"testing"
)

// TestPriceSpreads: one provider's fees on one lot and tier, council by council, with
// the minimum, median, maximum and spread worked by hand; a council with fewer than five
// awards shows no prices and takes no part in the spread; a group only one council
// bought is left out.
func TestPriceSpreads(t *testing.T) {
	var rows []fee
	add := func(provider, council string, pence ...int64) {
		for _, p := range pence {
			rows = append(rows, fee{Provider: provider, Lot: "Residential", Tier: "standard", Council: council, Pence: p})
		}
	}
	add("Oak", "Bolton", 400000, 410000, 420000, 430000, 440000)        // median 420,000
	add("Oak", "Wigan", 500000, 520000, 510000, 530000, 560000, 540000) // sorted 500..560: median (520,000+530,000)/2 = 525,000
	add("Oak", "Salford", 900000)                                       // one award: suppressed
	add("Elm", "Bolton", 300000, 300000, 300000, 300000, 300000)        // Elm: one council only
	want := []ProviderPrice{{Provider: "Oak", Lot: "Residential", Tier: "standard", Spread: 105000, Councils: []CouncilPrice{
		{Council: "Bolton", Awards: Count{N: 5}, Min: 400000, Median: 420000, Max: 440000},
		{Council: "Salford", Awards: Count{Suppressed: true}},
		{Council: "Wigan", Awards: Count{N: 6}, Min: 500000, Median: 525000, Max: 560000},
	}}}
	if got := priceSpreads(rows); !reflect.DeepEqual(got, want) {
		t.Errorf("priceSpreads = %+v\nwant %+v", got, want)
	}
}
