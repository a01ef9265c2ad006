package intelligence

import (
	"cmp"
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// HighFee is the weekly fee from which a placement counts as very high cost: £10,000.
// The council's own list reads it as a literal, 1000000, so that the partial index of
// migration 00037 (placements_high_fee_idx, the same literal) serves it.
const HighFee kernel.Pence = 1_000_000

// marketView names the market summary in intel_refreshes.
const marketView = "market"

// Market is the market and price view from its last refresh: over the window (the 12
// calendar months to AsOf, this one included) what the consortium's councils spent, at
// what weekly fees, against the framework's ceilings, how many placements cost £10,000 a
// week or more, the levy the consortium earned, and the same provider's price across
// councils. Rows are the consortium's (Who "consortium") and, in a council's scope, that
// council's beside them (Who "council"), the council's first.
type Market struct {
	AsOf, From time.Time
	Tiers      []MarketRow // by lot and tier over the window
	LotMonths  []MarketRow // by lot and month (every tier)
	Months     []MarketRow // by month (every lot and tier), with the levy
	Prices     []ProviderPrice
	// HighFees are the council's own placements at HighFee or more awarded in the
	// window (a council's scope only; the consortium's are counted, never listed).
	HighFees []HighFeePlacement
}

// MarketRow is one group's figures. Money that could show the fee of fewer than five
// children is withheld (zero, Withheld set): spend, savings and the median when the
// count they come from is suppressed.
type MarketRow struct {
	Who       string    // "council" or "consortium"
	Lot, Tier string    // "" in rows for every lot or tier
	Month     time.Time // zero in rows for the window
	// Placements with a night in the group; Spend is what those nights cost, AtCeiling
	// what they would have cost at the ceiling, and Savings the difference (negative
	// where fees above the ceiling outweigh those below). All withheld with Placements.
	Placements                Count
	Spend, AtCeiling, Savings kernel.Pence
	SpendWithheld             bool
	// Awards made in the group; their median weekly fee (withheld with Awards), how
	// many were above the ceiling, and how many at £10,000 a week or more, with that
	// count's share of the awards in percent (withheld with either count).
	Awards      Count
	MedianFee   kernel.Pence
	OverCeiling Count
	High        Count
	HighShare   float64
	Ceiling     kernel.Pence // the lot and tier's weekly ceiling (tier rows)
	Levy        kernel.Pence // levy income (month rows)
}

// HighFeePlacement is one of a council's own placements at £10,000 a week or more, as
// its own placement list names it: by the council's pseudonymised child reference.
type HighFeePlacement struct {
	ID        int64
	ChildRef  string
	Lot, Tier string
	Provider  string
	AwardedAt time.Time
	WeeklyFee kernel.Pence
	Ceiling   kernel.Pence // 0: the lot has no ceiling for the tier
}

// ProviderPrices is the same provider's weekly price across the consortium's councils
// for similar needs (one lot and tier), over the awards of the window: the CMA's concern
// that councils pay one provider different prices for the same thing.
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

// CouncilPrice is what one council paid: its awards counted and their median weekly
// fee, withheld (zero) when Awards is suppressed. The lowest and highest fee are not
// given: each is one child's actual fee at a named council.
type CouncilPrice struct {
	Council string
	Awards  Count
	Median  kernel.Pence
}

// priceGroup is a row of intel_provider_prices with its names: one provider's awards on
// a lot and tier by one council, counted whole.
type priceGroup struct {
	Provider, Lot, Tier, Council string
	Awards, MedianPence          int64
}

// marketGroup is a row of intel_market.
type marketGroup struct {
	CouncilID         int64
	Lot, Tier         string
	Month             *time.Time
	Placements        int64
	SpendPence        int64
	CeilingSpendPence int64
	Awards            int64
	FeeMedianPence    *int64
	AwardsOverCeiling int64
	Awards10k         int64 `gorm:"column:awards_10k"`
	CeilingPence      *int64
	LevyPence         int64
}

// Market answers the market and price view for scope from the last refresh (a database
// never refreshed is refreshed first). A council's own placements at £10,000 a week or
// more are read live (its own, few) and the caller audits them as a child-data read.
func (s *Service) Market(ctx context.Context, scope Scope) (Market, error) {
	var out Market
	at, err := s.marketAsOf(ctx)
	if err != nil {
		return out, err
	}
	out.AsOf, out.From = at.RefreshedAt, at.WindowFrom
	db := s.read.WithContext(ctx)
	var groups []marketGroup
	if err := db.Raw(`SELECT coalesce(council_id, 0) AS council_id, coalesce(lot, '') AS lot, coalesce(tier, '') AS tier, month,
			placements, spend_pence, ceiling_spend_pence, awards, fee_median_pence, awards_over_ceiling, awards_10k, ceiling_pence, levy_pence
		FROM intel_market WHERE consortium_id = ? AND (council_id IS NULL OR council_id = ?)
			AND ((lot IS NOT NULL AND month IS NULL AND tier IS NOT NULL) OR (lot IS NOT NULL AND tier IS NULL AND month IS NOT NULL) OR (lot IS NULL AND tier IS NULL AND month IS NOT NULL))
		ORDER BY council_id IS NULL, lot, tier, month`, scope.Consortium, scope.Council).Scan(&groups).Error; err != nil {
		return out, err
	}
	out.Tiers, out.LotMonths, out.Months = marketRows(groups)
	prices, err := s.providerPrices(ctx, scope)
	if err != nil {
		return out, err
	}
	out.Prices = prices
	if scope.Council != 0 {
		if err := db.Raw(`SELECT p.id, r.child_ref, l.name AS lot, r.tier, pr.name AS provider, p.awarded_at, p.weekly_fee_pence AS weekly_fee,
				coalesce(t.ceiling_pence, 0) AS ceiling
			FROM placements p JOIN placement_requests r ON r.id = p.request_id JOIN lots l ON l.id = r.lot_id
			JOIN organisations pr ON pr.id = p.provider_id LEFT JOIN lot_tiers t ON t.lot_id = r.lot_id AND t.tier = r.tier
			WHERE p.council_id = ? AND p.status <> 'refused' AND p.weekly_fee_pence >= 1000000 AND p.awarded_at >= ? AND p.awarded_at < ?
			ORDER BY p.weekly_fee_pence DESC, p.id`, scope.Council, out.From, out.AsOf).Scan(&out.HighFees).Error; err != nil {
			return out, err
		}
	}
	return out, nil
}

// ProviderPrices answers the provider price comparison for scope from the market
// summary (the consortium's councils, whoever asks: the figures are aggregates, each
// council's under MinCell awards suppressed).
func (s *Service) ProviderPrices(ctx context.Context, scope Scope) (ProviderPrices, error) {
	at, err := s.marketAsOf(ctx)
	if err != nil {
		return ProviderPrices{}, err
	}
	rows, err := s.providerPrices(ctx, scope)
	return ProviderPrices{AsOf: at.RefreshedAt, From: at.WindowFrom, Rows: rows}, err
}

func (s *Service) providerPrices(ctx context.Context, scope Scope) ([]ProviderPrice, error) {
	var groups []priceGroup
	err := s.read.WithContext(ctx).Raw(`SELECT provider, lot, tier, council, awards, median_pence
		FROM intel_provider_prices WHERE consortium_id = ?`, scope.Consortium).Scan(&groups).Error
	return priceSpreads(groups), err
}

// refreshed is a summary's row in intel_refreshes.
type refreshed struct{ RefreshedAt, WindowFrom time.Time }

// marketAsOf is when the market summary was last rebuilt and the window it covers; a
// database never rebuilt (a new demo, before the job's first run) is rebuilt now.
func (s *Service) marketAsOf(ctx context.Context) (refreshed, error) {
	var at []refreshed
	if err := s.read.WithContext(ctx).Raw(`SELECT refreshed_at, window_from FROM intel_refreshes WHERE view = ?`, marketView).Scan(&at).Error; err != nil {
		return refreshed{}, err
	}
	if len(at) == 1 {
		return at[0], nil
	}
	now := s.Now()
	if err := s.RefreshMarket(ctx); err != nil {
		return refreshed{}, err
	}
	return refreshed{RefreshedAt: now, WindowFrom: MarketFrom(now)}, nil
}

// MarketFrom is the start of the market view's window at now: the first of the month
// eleven months before now's in London, so that the window is twelve calendar months,
// this one included.
func MarketFrom(now time.Time) time.Time {
	l := now.In(london)
	return time.Date(l.Year(), l.Month()-11, 1, 0, 0, 0, 0, london)
}

// london is the time zone of the councils' months.
var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return l
}()

// RefreshMarket rebuilds the market summary over the window to now, in one transaction
// (readers see the old figures or the new): spend night by night from each placement's
// fees (placement_fees, as billing reads them) against the ceiling of its lot and tier,
// the awards' fees, the paid invoices' levy, and each provider's prices by council.
func (s *Service) RefreshMarket(ctx context.Context) error {
	now := s.Now()
	from := MarketFrom(now)
	fromDay, today := from.Format(time.DateOnly), now.In(london).Format(time.DateOnly)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// One rebuild at a time (the job and a first read may race): a second waits, then
		// replaces the first's rows instead of colliding with them.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('intel_market'))`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM intel_market`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM intel_provider_prices`).Error; err != nil {
			return err
		}
		if err := tx.Exec(marketRefreshSQL, map[string]any{"from_day": fromDay, "today": today, "from": from, "now": now, "high": int64(HighFee)}).Error; err != nil {
			return err
		}
		if err := tx.Exec(`INSERT INTO intel_provider_prices (consortium_id, provider_id, provider, lot, tier, council_id, council, awards, min_pence, median_pence, max_pence)
			SELECT g.consortium_id, g.provider_id, pr.name, g.lot, g.tier, g.council_id, c.name, g.awards, g.min_pence, g.median_pence, g.max_pence FROM (
				SELECT c.consortium_id, p.provider_id, l.name AS lot, r.tier, p.council_id, count(*) AS awards, min(p.weekly_fee_pence) AS min_pence,
					floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY p.weekly_fee_pence) + 0.5)::bigint AS median_pence, max(p.weekly_fee_pence) AS max_pence,
					count(*) OVER (PARTITION BY c.consortium_id, p.provider_id, l.name, r.tier) AS councils
				FROM placements p JOIN placement_requests r ON r.id = p.request_id JOIN lots l ON l.id = r.lot_id
				JOIN organisations c ON c.id = p.council_id
				WHERE c.consortium_id IS NOT NULL AND r.tier IS NOT NULL AND p.status <> 'refused' AND p.awarded_at >= ? AND p.awarded_at < ?
				GROUP BY c.consortium_id, p.provider_id, l.name, r.tier, p.council_id) g
			JOIN organisations pr ON pr.id = g.provider_id JOIN organisations c ON c.id = g.council_id
			WHERE g.councils >= 2`, from, now).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO intel_refreshes (view, refreshed_at, window_from) VALUES (?, ?, ?)
			ON CONFLICT (view) DO UPDATE SET refreshed_at = excluded.refreshed_at, window_from = excluded.window_from`,
			marketView, now, from).Error
	})
}

// marketRefreshSQL fills intel_market: three aggregates over the window, each a CUBE of
// council, lot, tier and month within a consortium, joined on those keys (NULL: every).
//
//   - nights: each run of a placement's fee (from its effective date, or the start, to
//     the next change, the end or today, exclusive; nights as billing counts them) cut by
//     month, so spend is a seventh of the weekly fee a night; a lot and tier without a
//     ceiling counts at its fee (no saving).
//   - awards: the placements awarded (not refused) in the window, by the month of award.
//   - levy: paid invoices by their period's month, less their credit notes' levy.
const marketRefreshSQL = `
WITH runs AS (
	SELECT p.id, c.consortium_id, p.council_id, l.name AS lot, r.tier, f.total_pence, coalesce(t.ceiling_pence, f.total_pence) AS ceiling_pence,
		greatest(f.effective_from, p.started_on, CAST(@from_day AS date)) AS from_d,
		least(coalesce(lead(f.effective_from) OVER w, 'infinity'::date), coalesce(p.ended_on, 'infinity'::date), CAST(@today AS date)) AS to_d
	FROM placements p JOIN organisations c ON c.id = p.council_id
	JOIN placement_requests r ON r.id = p.request_id JOIN lots l ON l.id = r.lot_id
	LEFT JOIN lot_tiers t ON t.lot_id = r.lot_id AND t.tier = r.tier
	JOIN placement_fees f ON f.placement_id = p.id
	WHERE c.consortium_id IS NOT NULL AND r.tier IS NOT NULL AND p.started_on IS NOT NULL
		AND p.started_on < CAST(@today AS date) AND (p.ended_on IS NULL OR p.ended_on > CAST(@from_day AS date))
	WINDOW w AS (PARTITION BY f.placement_id ORDER BY f.effective_from)
), nights AS (
	SELECT r.id, r.consortium_id, r.council_id, r.lot, r.tier, m::date AS month,
		least(r.to_d, (m + interval '1 month')::date) - greatest(r.from_d, m::date) AS nights, r.total_pence, r.ceiling_pence
	FROM runs r, generate_series(date_trunc('month', r.from_d::timestamp), (r.to_d - 1)::timestamp, interval '1 month') m
	WHERE r.to_d > r.from_d
), spent AS (
	SELECT consortium_id, council_id, lot, tier, month, count(DISTINCT id) AS placements, sum(nights) AS nights,
		floor(sum(nights * total_pence) / 7.0 + 0.5)::bigint AS spend_pence, floor(sum(nights * ceiling_pence) / 7.0 + 0.5)::bigint AS ceiling_spend_pence
	FROM nights GROUP BY consortium_id, CUBE (council_id, lot, tier, month)
), awarded AS (
	SELECT c.consortium_id, p.council_id, l.name AS lot, r.tier, date_trunc('month', p.awarded_at AT TIME ZONE 'Europe/London')::date AS month,
		p.weekly_fee_pence AS fee, t.ceiling_pence
	FROM placements p JOIN organisations c ON c.id = p.council_id
	JOIN placement_requests r ON r.id = p.request_id JOIN lots l ON l.id = r.lot_id
	LEFT JOIN lot_tiers t ON t.lot_id = r.lot_id AND t.tier = r.tier
	WHERE c.consortium_id IS NOT NULL AND r.tier IS NOT NULL AND p.status <> 'refused' AND p.awarded_at >= @from AND p.awarded_at < @now
), awards AS (
	SELECT consortium_id, council_id, lot, tier, month, count(*) AS awards,
		floor(percentile_cont(0.5) WITHIN GROUP (ORDER BY fee) + 0.5)::bigint AS fee_median_pence,
		count(*) FILTER (WHERE fee > ceiling_pence) AS awards_over_ceiling, count(*) FILTER (WHERE fee >= @high) AS awards_10k,
		CASE WHEN GROUPING(lot, tier) = 0 THEN max(ceiling_pence) END AS ceiling_pence
	FROM awarded GROUP BY consortium_id, CUBE (council_id, lot, tier, month)
), levy AS (
	SELECT i.consortium_id, i.council_id, date_trunc('month', i.period_start::timestamp)::date AS month,
		sum(i.levy_pence - coalesce((SELECT sum(cn.levy_pence) FROM credit_notes cn WHERE cn.invoice_id = i.id), 0))::bigint AS levy_pence
	FROM invoices i
	WHERE i.status = 'paid' AND i.period_start >= CAST(@from_day AS date) AND i.period_start < CAST(@today AS date)
	GROUP BY i.consortium_id, CUBE (i.council_id, date_trunc('month', i.period_start::timestamp)::date)
), money AS (
	SELECT coalesce(s.consortium_id, a.consortium_id) AS consortium_id, coalesce(s.council_id, a.council_id) AS council_id,
		coalesce(s.lot, a.lot) AS lot, coalesce(s.tier, a.tier) AS tier, coalesce(s.month, a.month) AS month,
		coalesce(s.placements, 0) AS placements, coalesce(s.nights, 0) AS nights, coalesce(s.spend_pence, 0) AS spend_pence,
		coalesce(s.ceiling_spend_pence, 0) AS ceiling_spend_pence, coalesce(a.awards, 0) AS awards, a.fee_median_pence,
		coalesce(a.awards_over_ceiling, 0) AS awards_over_ceiling, coalesce(a.awards_10k, 0) AS awards_10k, a.ceiling_pence
	FROM spent s FULL JOIN awards a ON a.consortium_id = s.consortium_id AND coalesce(a.council_id, 0) = coalesce(s.council_id, 0)
		AND coalesce(a.lot, '') = coalesce(s.lot, '') AND coalesce(a.tier, '') = coalesce(s.tier, '') AND coalesce(a.month, '-infinity') = coalesce(s.month, '-infinity')
)
INSERT INTO intel_market (consortium_id, council_id, lot, tier, month, placements, nights, spend_pence, ceiling_spend_pence,
	awards, fee_median_pence, awards_over_ceiling, awards_10k, ceiling_pence, levy_pence)
SELECT coalesce(m.consortium_id, v.consortium_id), coalesce(m.council_id, v.council_id), m.lot, m.tier, coalesce(m.month, v.month),
	coalesce(m.placements, 0), coalesce(m.nights, 0), coalesce(m.spend_pence, 0), coalesce(m.ceiling_spend_pence, 0),
	coalesce(m.awards, 0), m.fee_median_pence, coalesce(m.awards_over_ceiling, 0), coalesce(m.awards_10k, 0), m.ceiling_pence, coalesce(v.levy_pence, 0)
FROM money m FULL JOIN (SELECT *, '' AS lot, '' AS tier FROM levy) v ON v.consortium_id = m.consortium_id AND coalesce(v.council_id, 0) = coalesce(m.council_id, 0)
	AND coalesce(m.lot, '') = v.lot AND coalesce(m.tier, '') = v.tier AND coalesce(v.month, '-infinity') = coalesce(m.month, '-infinity')`

// marketRows turns the summary's groups (the council's first, as read) into the view's
// rows, suppressing small counts and withholding the money and medians they would show.
// Every count (placements, awards, awards above the ceiling, £10,000 awards) is
// suppressed against every total it adds up to (suppressLinked): a month's lots add up
// to the month; a lot's months add up to its tiers over the window; the months add up to
// the tiers. In a council's scope the other councils' figures (the consortium's less the
// council's) are suppressed the same way, and a consortium cell whose other councils'
// count is hidden is hidden with it, so that it cannot be read off against the council's.
func marketRows(groups []marketGroup) (tiers, lotMonths, months []MarketRow) {
	var rows []MarketRow
	var raw [][4]int64 // placements, awards, over the ceiling, £10,000, by row
	for _, g := range groups {
		r := MarketRow{Who: "consortium", Lot: g.Lot, Tier: g.Tier,
			Spend: kernel.Pence(g.SpendPence), AtCeiling: kernel.Pence(g.CeilingSpendPence), Savings: kernel.Pence(g.CeilingSpendPence - g.SpendPence),
			Levy: kernel.Pence(g.LevyPence)}
		if g.CouncilID != 0 {
			r.Who = "council"
		}
		if g.Month != nil {
			r.Month = *g.Month
		}
		if g.CeilingPence != nil {
			r.Ceiling = kernel.Pence(*g.CeilingPence)
		}
		if g.FeeMedianPence != nil {
			r.MedianFee = kernel.Pence(*g.FeeMedianPence)
		}
		rows = append(rows, r)
		raw = append(raw, [4]int64{g.Placements, g.Awards, g.AwardsOverCeiling, g.Awards10k})
	}
	cells, links := marketCells(rows)
	var counts [4][]Count
	for k := range counts {
		ns := make([]int64, len(cells))
		for i, c := range cells {
			if c.row >= 0 {
				ns[i] = raw[c.row][k]
			} else if ns[i] = raw[c.cons][k]; c.council >= 0 {
				ns[i] -= raw[c.council][k]
			}
		}
		counts[k] = suppressLinked(ns, links)
	}
	for i := range rows {
		r := &rows[i]
		r.Placements, r.Awards, r.OverCeiling, r.High = counts[0][i], counts[1][i], counts[2][i], counts[3][i]
		if r.Placements.Suppressed {
			r.Spend, r.AtCeiling, r.Savings, r.SpendWithheld = 0, 0, 0, true
		}
		if r.Awards.Suppressed {
			r.MedianFee = 0
		}
		if !r.Awards.Suppressed && !r.High.Suppressed && raw[i][1] > 0 {
			r.HighShare = 100 * float64(raw[i][3]) / float64(raw[i][1])
		}
		switch {
		case r.Month.IsZero():
			tiers = append(tiers, *r)
		case r.Lot != "":
			lotMonths = append(lotMonths, *r)
		default:
			months = append(months, *r)
		}
	}
	return tiers, lotMonths, months
}

// marketCell is a count suppressed in the market view: one row's (row its index), or
// the other councils' beside a consortium row (row -1: rows[cons] less rows[council],
// council -1 where the council has no such row).
type marketCell struct{ row, cons, council int }

// marketCells is the cells of rows (the first len(rows), in order) and, where a council
// has rows, the other councils' behind each consortium row; and the groups of cells
// that add up (each suppressed as SuppressGroup does) or must be hidden together.
func marketCells(rows []MarketRow) ([]marketCell, [][]int) {
	cells := make([]marketCell, len(rows))
	councilAt := map[string]int{}
	for i, r := range rows {
		cells[i] = marketCell{row: i, cons: -1, council: -1}
		if r.Who == "council" {
			councilAt[marketKey(r)] = i
		}
	}
	who := map[int]string{} // cell: whose table it is in
	for i, r := range rows {
		who[i] = r.Who
	}
	var links [][]int
	if len(councilAt) > 0 {
		for i, r := range rows {
			if r.Who != "consortium" {
				continue
			}
			c, ok := councilAt[marketKey(r)]
			if !ok {
				c = -1
			}
			cells = append(cells, marketCell{row: -1, cons: i, council: c})
			who[len(cells)-1] = "others"
			links = append(links, []int{i, len(cells) - 1})
		}
	}
	add := map[string][]int{}
	var keys []string
	for i, c := range cells {
		r := rows[max(c.row, c.cons)]
		var ks []string
		switch {
		case r.Month.IsZero():
			ks = []string{"lot " + r.Lot, "window"}
		case r.Lot != "":
			ks = []string{"month " + r.Month.String(), "lot " + r.Lot}
		default:
			ks = []string{"month " + r.Month.String(), "window"}
		}
		for _, k := range ks {
			k = who[i] + " " + k
			if _, ok := add[k]; !ok {
				keys = append(keys, k)
			}
			add[k] = append(add[k], i)
		}
	}
	for _, k := range keys {
		links = append(links, add[k])
	}
	return cells, links
}

// marketKey is a row's lot, tier and month, which a council's row shares with the
// consortium's.
func marketKey(r MarketRow) string { return r.Lot + "\x00" + r.Tier + "\x00" + r.Month.String() }

// suppressLinked is ns suppressed (Suppressed), then, until nothing changes, each group
// of cells that adds up to a total shown with exactly one hidden has the next hidden too
// (hideNext): secondary suppression across overlapping groups.
func suppressLinked(ns []int64, groups [][]int) []Count {
	out := make([]Count, len(ns))
	for i, n := range ns {
		out[i] = Suppressed(n)
	}
	for changed := true; changed; {
		changed = false
		for _, g := range groups {
			gn, gc := make([]int64, len(g)), make([]Count, len(g))
			for j, i := range g {
				gn[j], gc[j] = ns[i], out[i]
			}
			if hideNext(gn, gc) {
				for j, i := range g {
					out[i] = gc[j]
				}
				changed = true
			}
		}
	}
	return out
}

// priceSpreads takes each provider's, lot's and tier's council groups (whole counts),
// suppresses the councils' small counts and withholds their prices, and works out the
// spread between the councils shown; it keeps the groups that two or more councils
// bought, widest spread first (then by provider, lot and tier).
func priceSpreads(rows []priceGroup) []ProviderPrice {
	type key struct{ provider, lot, tier string }
	by := map[key][]priceGroup{}
	for _, g := range rows {
		k := key{g.Provider, g.Lot, g.Tier}
		by[k] = append(by[k], g)
	}
	var out []ProviderPrice
	for k, councils := range by {
		if len(councils) < 2 {
			continue
		}
		pp := ProviderPrice{Provider: k.provider, Lot: k.lot, Tier: k.tier}
		var lo, hi kernel.Pence
		shown := 0
		for _, g := range councils {
			cp := CouncilPrice{Council: g.Council, Awards: Suppressed(g.Awards)}
			if !cp.Awards.Suppressed {
				cp.Median = kernel.Pence(g.MedianPence)
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
