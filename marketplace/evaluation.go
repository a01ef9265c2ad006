package marketplace

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// ScoreFormula explains the evaluation to commissioners; the page shows it verbatim.
const ScoreFormula = `Each bid scores 0 to 100 on four criteria, weighted by the framework:
price = lowest total weekly cost ÷ this bid's total × 100;
quality = Ofsted rating (Outstanding 100, Good 75, Not yet inspected 50, Requires improvement 40, Inadequate 0);
distance = (1 − miles from the child's home ÷ the request's distance limit) × 100, at least 0;
fit = needs the home meets ÷ needs listed × 100 (100 when none are listed).
Score = (price × price weight + quality × quality weight + distance × distance weight + fit × fit weight) ÷ 100.
Ties go to the lower total cost, then the nearer home, then the earlier bid.`

var qualityPoints = map[string]float64{"outstanding": 100, "good": 75, "not_yet_inspected": 50, "requires_improvement": 40, "inadequate": 0}

// ScoreInput is one bid with what scoring needs to know about its home.
type ScoreInput struct {
	Bid         Bid
	HomeName    string
	Provider    string
	Rating      string
	Miles       float64
	NeedsMet    int
	NeedsListed int
	// HostCouncil is the council the home is in when it is not the placing council's
	// own, and HostHasMailbox whether that council has a notification mailbox: without
	// one its notice of the placement cannot be emailed.
	HostCouncil    string
	HostHasMailbox bool
	// LastVisit is the latest monitoring visit to the home by the placing council's
	// consortium (nil: none); it informs the commissioner, it does not score.
	LastVisit *LastVisit
}

// LastVisit is a home's latest current monitoring visit by a consortium (see
// commissioning/monitoring, whose table it reads): when, and its overall judgement
// on the framework's scale (1 to 4).
type LastVisit struct {
	ID        int64
	HomeID    int64
	VisitedOn time.Time
	Overall   int
}

// lastVisits returns the latest visit to each of homeIDs by council's consortium that
// no later visit amends, by home.
func lastVisits(ctx context.Context, db *gorm.DB, councilID int64, homeIDs []int64) (map[int64]*LastVisit, error) {
	out := map[int64]*LastVisit{}
	if len(homeIDs) == 0 {
		return out, nil
	}
	var rows []LastVisit
	err := db.WithContext(ctx).Raw(`SELECT DISTINCT ON (v.home_id) v.id, v.home_id, v.visited_on, v.overall
          FROM monitoring_visits v
         WHERE v.home_id IN ? AND v.consortium_id = (SELECT consortium_id FROM organisations WHERE id = ?)
           AND NOT EXISTS (SELECT 1 FROM monitoring_visits a WHERE a.amends_id = v.id)
         ORDER BY v.home_id, v.visited_on DESC, v.id DESC`, homeIDs, councilID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("last monitoring visits: %w", err)
	}
	for i := range rows {
		out[rows[i].HomeID] = &rows[i]
	}
	return out, nil
}

// HostWithoutMailbox reports whether awarding this bid would place a child in another
// council's area whose notice has nowhere to go.
func (x ScoreInput) HostWithoutMailbox() bool { return x.HostCouncil != "" && !x.HostHasMailbox }

// Scored is a bid with its criterion scores, weighted score and rank (1 is best).
type Scored struct {
	ScoreInput
	Total                         kernel.Pence
	VsCeilingPct                  float64 // total as a percentage of the ceiling
	Price, Quality, Distance, Fit float64
	Score                         float64
	Rank                          int
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// Score evaluates bids with the framework's weights; a pure function.
func Score(in []ScoreInput, w commissioning.Framework, ceiling kernel.Pence, withinMiles int) []Scored {
	out := make([]Scored, len(in))
	lowest := kernel.Pence(math.MaxInt64)
	for _, x := range in {
		if t := x.Bid.TotalWeekly(); t < lowest {
			lowest = t
		}
	}
	for i, x := range in {
		s := Scored{ScoreInput: x, Total: x.Bid.TotalWeekly()}
		if ceiling > 0 {
			s.VsCeilingPct = round1(float64(s.Total) / float64(ceiling) * 100)
		}
		s.Price = round1(float64(lowest) / float64(s.Total) * 100)
		s.Quality = qualityPoints[x.Rating]
		if withinMiles > 0 {
			s.Distance = round1(math.Max(0, 1-x.Miles/float64(withinMiles)) * 100)
		}
		s.Fit = 100
		if x.NeedsListed > 0 {
			s.Fit = round1(float64(x.NeedsMet) / float64(x.NeedsListed) * 100)
		}
		s.Score = round1((s.Price*float64(w.WeightPrice) + s.Quality*float64(w.WeightQuality) + s.Distance*float64(w.WeightDistance) + s.Fit*float64(w.WeightFit)) / 100)
		out[i] = s
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Score != b.Score:
			return a.Score > b.Score
		case a.Total != b.Total:
			return a.Total < b.Total
		case a.Miles != b.Miles:
			return a.Miles < b.Miles
		case !a.Bid.CreatedAt.Equal(b.Bid.CreatedAt):
			return a.Bid.CreatedAt.Before(b.Bid.CreatedAt)
		}
		return a.Bid.ID < b.Bid.ID
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

// Evaluation is a closed request's bids, scored, with what the page shows beside them.
type Evaluation struct {
	Request   PlacementRequest
	Framework commissioning.Framework
	Ceiling   kernel.Pence
	Bids      []Scored
	Declines  int
}

// HostsWithoutMailbox names, once each, the host councils of bids whose notice of
// award could not be emailed for want of a notification mailbox.
func (ev Evaluation) HostsWithoutMailbox() []string {
	var out []string
	for _, b := range ev.Bids {
		if b.HostWithoutMailbox() && !slices.Contains(out, b.HostCouncil) {
			out = append(out, b.HostCouncil)
		}
	}
	return out
}

// Evaluate scores the bids on a council's request once it has closed (bids are sealed
// before). Returns ErrNotClosed while it is open.
func (s *Service) Evaluate(ctx context.Context, requestID, councilID int64) (Evaluation, error) {
	var ev Evaluation
	resp, err := s.ResponsesFor(ctx, requestID, councilID)
	if err != nil {
		return ev, err
	}
	if resp.Sealed {
		return ev, ErrNotClosed
	}
	if err := s.db.WithContext(ctx).First(&ev.Request, requestID).Error; err != nil {
		return ev, err
	}
	if ev.Framework, err = s.Framework(ctx, *ev.Request.FrameworkID); err != nil {
		return ev, err
	}
	for _, l := range ev.Framework.Lots {
		if l.ID == *ev.Request.LotID {
			ev.Ceiling, _ = l.Ceiling(*ev.Request.Tier)
		}
	}
	origin := geo.Point{Lat: *ev.Request.HomeLat, Lon: *ev.Request.HomeLon}
	var in []ScoreInput
	for _, b := range resp.List {
		h, err := s.Home(ctx, b.HomeID)
		if err != nil {
			return ev, err
		}
		var provider commissioning.Organisation
		if err := s.db.WithContext(ctx).First(&provider, b.ProviderID).Error; err != nil {
			return ev, fmt.Errorf("provider of bid %d: %w", b.ID, err)
		}
		met := 0
		for _, n := range ev.Request.Needs {
			if h.Needs.Has(n) {
				met++
			}
		}
		x := ScoreInput{Bid: b, HomeName: h.Name, Provider: provider.Name, Rating: h.OfstedRating,
			Miles: geo.Miles(origin, geo.Point{Lat: h.Lat, Lon: h.Lon}), NeedsMet: met, NeedsListed: len(ev.Request.Needs)}
		if h.HostCouncilID != nil && *h.HostCouncilID != councilID {
			var host commissioning.Organisation
			if err := s.db.WithContext(ctx).First(&host, *h.HostCouncilID).Error; err != nil {
				return ev, fmt.Errorf("host council of home %d: %w", h.ID, err)
			}
			has, err := hostMailboxes(ctx, s.db, []int64{host.ID})
			if err != nil {
				return ev, err
			}
			x.HostCouncil, x.HostHasMailbox = host.Name, has[host.ID]
		}
		in = append(in, x)
	}
	homeIDs := make([]int64, len(in))
	for i, x := range in {
		homeIDs[i] = x.Bid.HomeID
	}
	visits, err := lastVisits(ctx, s.db, councilID, homeIDs)
	if err != nil {
		return ev, err
	}
	for i := range in {
		in[i].LastVisit = visits[in[i].Bid.HomeID]
	}
	ev.Bids = Score(in, ev.Framework, ev.Ceiling, *ev.Request.WithinMiles)
	ev.Declines = resp.Declines
	return ev, nil
}
