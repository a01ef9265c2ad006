package intelligence

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// ProviderPrices is the same provider's weekly price across the consortium's councils
// for similar needs (one lot and tier), over the awards of the 12 months to AsOf: the
// CMA's concern that councils pay one provider different prices for the same thing.
type ProviderPrices struct {
	AsOf, From time.Time
	Rows       []ProviderPrice // the widest spread first
}

// ProviderPrice is one provider's prices on a lot and tier, council by council.
type ProviderPrice struct {
	Provider, Lot, Tier string
	Councils            []CouncilPrice // by council name
	// Spread is the highest council median less the lowest, over the councils shown;
	// zero unless two councils are.
	Spread kernel.Pence
}

// CouncilPrice is what one council paid: its awards counted, and the minimum, median
// and maximum weekly fee, withheld (zero) when Awards is suppressed (a single child's
// fee must not be read off a small group).
type CouncilPrice struct {
	Council          string
	Awards           Count
	Min, Median, Max kernel.Pence
}

// fee is one award's weekly fee as the query reads it.
type fee struct {
	Provider, Lot, Tier, Council string
	Pence                        int64
}

// ProviderPrices answers the provider price comparison for scope (the consortium's
// councils, whoever asks: the figures are aggregates, each council's under MinCell
// awards suppressed).
func (s *Service) ProviderPrices(ctx context.Context, scope Scope) (ProviderPrices, error) {
	now := s.Now()
	from := now.AddDate(-1, 0, 0)
	var rows []fee
	err := s.db.WithContext(ctx).Raw(`
		SELECT pr.name AS provider, l.name AS lot, r.tier, c.name AS council, p.weekly_fee_pence AS pence
		FROM placements p
		JOIN placement_requests r ON r.id = p.request_id
		JOIN lots l ON l.id = r.lot_id
		JOIN organisations c ON c.id = p.council_id
		JOIN organisations pr ON pr.id = p.provider_id
		WHERE c.consortium_id = ? AND p.status <> 'refused' AND p.awarded_at >= ? AND p.awarded_at < ?`,
		scope.Consortium, from, now).Scan(&rows).Error
	if err != nil {
		return ProviderPrices{}, err
	}
	return ProviderPrices{AsOf: now, From: from, Rows: priceSpreads(rows)}, nil
}

// priceSpreads groups fees by provider, lot and tier, and within each by council; it
// keeps the groups that two or more councils bought, widest spread first (then by
// provider, lot and tier).
func priceSpreads(rows []fee) []ProviderPrice {
	type key struct{ provider, lot, tier string }
	by := map[key]map[string][]float64{}
	for _, f := range rows {
		k := key{f.Provider, f.Lot, f.Tier}
		if by[k] == nil {
			by[k] = map[string][]float64{}
		}
		by[k][f.Council] = append(by[k][f.Council], float64(f.Pence))
	}
	var out []ProviderPrice
	for k, councils := range by {
		if len(councils) < 2 {
			continue
		}
		pp := ProviderPrice{Provider: k.provider, Lot: k.lot, Tier: k.tier}
		var lo, hi kernel.Pence
		shown := 0
		for name, fees := range councils {
			cp := CouncilPrice{Council: name, Awards: Suppressed(int64(len(fees)))}
			if !cp.Awards.Suppressed {
				cp.Min, cp.Max = kernel.Pence(slices.Min(fees)), kernel.Pence(slices.Max(fees))
				cp.Median = kernel.Pence(Percentile(fees, 0.5) + 0.5) // to the nearest penny
				if shown == 0 || cp.Median < lo {
					lo = cp.Median
				}
				if shown == 0 || cp.Median > hi {
					hi = cp.Median
				}
				shown++
			}
			pp.Councils = append(pp.Councils, cp)
		}
		if shown >= 2 {
			pp.Spread = hi - lo
		}
		slices.SortFunc(pp.Councils, func(a, b CouncilPrice) int { return cmp.Compare(a.Council, b.Council) })
		out = append(out, pp)
	}
	slices.SortFunc(out, func(a, b ProviderPrice) int {
		return cmp.Or(cmp.Compare(b.Spread, a.Spread), cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.Lot, b.Lot), cmp.Compare(a.Tier, b.Tier))
	})
	return out
}
