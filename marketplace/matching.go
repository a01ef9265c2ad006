package marketplace

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// The matching rules, in the order they are applied. A provider admitted to the lot is
// invited when at least one of its homes passes them all; otherwise it is excluded
// with the rule its best home failed.
const (
	RuleServesLot = "serves_lot"
	RuleAge       = "age"
	RuleSex       = "sex"
	RuleNeeds     = "needs"
	RuleDistance  = "distance"
	RuleAvoided   = "avoided_area"
	RuleRating    = "rating"
	RuleBed       = "bed_by_start"
)

// RuleLabels describe the rules to people.
var RuleLabels = map[string]string{
	RuleServesLot: "No home serves this lot",
	RuleAge:       "No home takes a child of this age",
	RuleSex:       "No home takes a child of this sex",
	RuleNeeds:     "No home meets every listed need",
	RuleDistance:  "No home within the distance limit",
	RuleAvoided:   "Homes only in areas to avoid",
	RuleRating:    "Homes rated Inadequate",
	RuleBed:       "No bed free by the start date",
}

// Candidate is one home of a provider admitted to the request's lot. The database
// answers the needs question as a bitmask of the needs the home cannot meet, so that
// no array crosses the wire per home.
type Candidate struct {
	HomeID, ProviderID int64
	ServesLot          bool
	MinAge, MaxAge     int
	AcceptsMale        bool
	AcceptsFemale      bool
	MeetsNeeds         bool
	MissingNeed        string
	MissingCount       int
	Lat, Lon           float64
	Miles              float64 `gorm:"-"`
	HostCouncilID      *int64
	OfstedRating       string
	BedsFree           int
	NextFreeDate       *time.Time
}

// Exclusion is why a provider was not invited.
type Exclusion struct {
	Rule, Detail string
}

// MatchResult is who a request reaches.
type MatchResult struct {
	Invited  map[int64][]int64   // provider -> its homes that fit, nearest first
	Excluded map[int64]Exclusion // provider -> the rule that excluded it
}

// check returns how many rules h passes in order (8 when it fits) and, if it fails
// one, that rule.
func check(r PlacementRequest, avoid map[int64]bool, h Candidate) (int, string) {
	switch {
	case !h.ServesLot:
		return 0, RuleServesLot
	case *r.AgeYears < h.MinAge || *r.AgeYears > h.MaxAge:
		return 1, RuleAge
	case (*r.Sex == "male" && !h.AcceptsMale) || (*r.Sex == "female" && !h.AcceptsFemale):
		return 2, RuleSex
	case !h.MeetsNeeds:
		return 3, RuleNeeds
	case h.Miles > float64(*r.WithinMiles):
		return 4, RuleDistance
	case h.HostCouncilID != nil && avoid[*h.HostCouncilID]:
		return 5, RuleAvoided
	case h.OfstedRating == "inadequate":
		return 6, RuleRating
	case h.BedsFree == 0 && (h.NextFreeDate == nil || h.NextFreeDate.After(*r.StartDate)):
		return 7, RuleBed
	}
	return 8, ""
}

// detail explains why rule excluded home h.
func detail(r PlacementRequest, h Candidate, rule string) string {
	switch rule {
	case RuleServesLot:
		return "none of its homes serves the lot"
	case RuleAge:
		return fmt.Sprintf("its best home takes ages %d to %d", h.MinAge, h.MaxAge)
	case RuleSex:
		return "its best home does not take a " + map[string]string{"male": "boy", "female": "girl"}[*r.Sex]
	case RuleNeeds:
		d := "cannot meet: " + Label(Needs, h.MissingNeed)
		if h.MissingCount > 1 {
			d += fmt.Sprintf(" (and %d more)", h.MissingCount-1)
		}
		return d
	case RuleDistance:
		return fmt.Sprintf("its nearest suitable home is %.1f miles away (limit %d)", h.Miles, *r.WithinMiles)
	case RuleAvoided:
		return "its suitable homes are in areas to avoid"
	case RuleRating:
		return "its suitable homes are rated Inadequate by Ofsted"
	case RuleBed:
		return "no bed free by the start date"
	}
	return ""
}

// Match decides, for every provider admitted to the lot, whether the request invites
// it (and with which homes) or which rule excluded it. It is a pure function.
func Match(r PlacementRequest, admitted []int64, cands []Candidate) MatchResult {
	res := MatchResult{Invited: map[int64][]int64{}, Excluded: map[int64]Exclusion{}}
	avoid := map[int64]bool{}
	for _, c := range r.AvoidCouncils {
		avoid[c] = true
	}
	type best struct {
		passed int
		home   int // index into cands; -1 for none
	}
	bests := make(map[int64]best, len(admitted))
	for _, p := range admitted {
		bests[p] = best{passed: -1, home: -1}
	}
	fits := map[int64][]int{} // provider -> indexes of homes that fit
	for i := range cands {
		h := &cands[i]
		b, ok := bests[h.ProviderID]
		if !ok {
			continue // not admitted to this lot
		}
		passed, _ := check(r, avoid, *h)
		if passed == 8 {
			fits[h.ProviderID] = append(fits[h.ProviderID], i)
		}
		// The best home got furthest through the rules; the nearer one on a tie.
		if passed > b.passed || (passed == b.passed && h.Miles < cands[b.home].Miles) {
			bests[h.ProviderID] = best{passed: passed, home: i}
		}
	}
	for p, idx := range fits {
		sort.Slice(idx, func(a, b int) bool { return cands[idx[a]].Miles < cands[idx[b]].Miles })
		homes := make([]int64, len(idx))
		for k, i := range idx {
			homes[k] = cands[i].HomeID
		}
		res.Invited[p] = homes
	}
	for _, p := range admitted {
		if _, invited := res.Invited[p]; invited {
			continue
		}
		b := bests[p]
		if b.home < 0 {
			res.Excluded[p] = Exclusion{Rule: RuleServesLot, Detail: "none of its homes serves this lot"}
			continue
		}
		h := cands[b.home]
		_, rule := check(r, avoid, h)
		res.Excluded[p] = Exclusion{Rule: rule, Detail: detail(r, h, rule)}
	}
	return res
}

// admittedTo lists the providers admitted to a lot and not suspended, in order. They
// come back as one array: at ten times national scale a lot admits 5,000 providers,
// and a row each cost more than finding them.
func (s *Service) admittedTo(ctx context.Context, tx *gorm.DB, lotID int64) ([]int64, error) {
	var ids kernel.Int64Array
	err := tx.WithContext(ctx).Raw(`SELECT coalesce(array_agg(a.provider_id ORDER BY a.provider_id), '{}') FROM framework_applications a
        JOIN admissions ad ON ad.application_id = a.id WHERE ad.lot_id = ? AND ad.status = 'admitted' AND a.suspended_at IS NULL`, lotID).Row().Scan(&ids)
	if err != nil {
		return nil, fmt.Errorf("providers admitted to lot %d: %w", lotID, err)
	}
	return ids, nil
}

// candidateColumns are what matching reads of a home; @mask is the request's needs,
// @lot its lot.
const candidateColumns = `h.id AS home_id, h.provider_id, EXISTS (SELECT 1 FROM home_lots hl WHERE hl.home_id = h.id AND hl.lot_id = @lot) AS serves_lot,
            h.min_age, h.max_age, h.accepts_male, h.accepts_female, CAST(@mask AS bigint) & ~h.needs_mask AS missing, h.lat, h.lon,
            h.host_council_id, h.ofsted_rating, h.beds_free, h.next_free_date`

// candidates loads the homes serving the request's lot of the providers admitted to
// it (a provider with none is excluded by the first rule), and
// measures its distance from the child's home (haversine, in Go: cheaper than asking
// PostgreSQL for thousands of distances).
func (s *Service) candidates(ctx context.Context, tx *gorm.DB, r PlacementRequest) ([]Candidate, error) {
	// Scanned by hand, by pgx itself where it can (kernel.EachRow): this is the hot
	// path of matching, thousands of rows, and gorm's reflection doubled its cost.
	out := make([]Candidate, 0, 1024)
	err := kernel.EachRow(ctx, tx, `SELECT h.id AS home_id, h.provider_id, hl.home_id IS NOT NULL AS serves_lot,
            h.min_age, h.max_age, h.accepts_male, h.accepts_female, CAST(@mask AS bigint) & ~h.needs_mask AS missing, h.lat, h.lon,
            h.host_council_id, h.ofsted_rating, h.beds_free, h.next_free_date
        FROM homes h
        JOIN (SELECT a.provider_id FROM framework_applications a
              JOIN admissions ad ON ad.application_id = a.id AND ad.lot_id = @lot AND ad.status = 'admitted'
              WHERE a.suspended_at IS NULL) ap ON ap.provider_id = h.provider_id
        JOIN home_lots hl ON hl.home_id = h.id AND hl.lot_id = @lot`, map[string]any{"lot": *r.LotID, "mask": kernel.NeedsMask(r.Needs)},
		func(row kernel.Scanner) error {
			c, err := scanCandidate(row, r)
			out = append(out, c)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("matching candidates: %w", err)
	}
	return out, nil
}

func scanCandidate(rows interface{ Scan(...any) error }, r PlacementRequest) (Candidate, error) {
	var c Candidate
	// Whole numbers are scanned as the int64 the driver gives: into an int,
	// database/sql would format each as text and parse it back.
	var missing, minAge, maxAge, bedsFree int64
	if err := rows.Scan(&c.HomeID, &c.ProviderID, &c.ServesLot, &minAge, &maxAge, &c.AcceptsMale, &c.AcceptsFemale,
		&missing, &c.Lat, &c.Lon, &c.HostCouncilID, &c.OfstedRating, &bedsFree, &c.NextFreeDate); err != nil {
		return c, err
	}
	c.MinAge, c.MaxAge, c.BedsFree = int(minAge), int(maxAge), int(bedsFree)
	c.MeetsNeeds = missing == 0
	if !c.MeetsNeeds {
		codes := kernel.NeedsFromMask(missing)
		c.MissingNeed, c.MissingCount = codes[0], len(codes)
	}
	c.Miles = geo.Miles(geo.Point{Lat: *r.HomeLat, Lon: *r.HomeLon}, geo.Point{Lat: c.Lat, Lon: c.Lon})
	return c, nil
}

// providerCandidates loads every home of a provider as matching sees it for request r,
// whether or not it serves the lot.
func (s *Service) providerCandidates(ctx context.Context, tx *gorm.DB, r PlacementRequest, providerID int64) ([]Candidate, error) {
	rows, err := tx.WithContext(ctx).Raw(`SELECT `+candidateColumns+` FROM homes h WHERE h.provider_id = @provider ORDER BY h.name, h.id`,
		map[string]any{"lot": *r.LotID, "mask": kernel.NeedsMask(r.Needs), "provider": providerID}).Rows()
	if err != nil {
		return nil, fmt.Errorf("homes of provider %d: %w", providerID, err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		c, err := scanCandidate(rows, r)
		if err != nil {
			return nil, fmt.Errorf("homes of provider %d: %w", providerID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Failure is one matching rule a home fails, with what it means for that home.
type Failure struct {
	Rule, Detail string
}

// RuleNotMatched is the failure of a home that passes every rule now but was not among
// the homes matched when the request was sent (registered or freed since).
const RuleNotMatched = "not_matched"

// Failures lists every matching rule home h fails for request r, in the rules' order;
// none when the home fits.
func Failures(r PlacementRequest, h Candidate) []Failure {
	avoid := map[int64]bool{}
	for _, c := range r.AvoidCouncils {
		avoid[c] = true
	}
	var out []Failure
	add := func(rule, format string, args ...any) { out = append(out, Failure{rule, fmt.Sprintf(format, args...)}) }
	if !h.ServesLot {
		add(RuleServesLot, "it does not serve this lot")
	}
	if *r.AgeYears < h.MinAge || *r.AgeYears > h.MaxAge {
		add(RuleAge, "it takes ages %d to %d; the child is %d", h.MinAge, h.MaxAge, *r.AgeYears)
	}
	if (*r.Sex == "male" && !h.AcceptsMale) || (*r.Sex == "female" && !h.AcceptsFemale) {
		add(RuleSex, "it does not take %s", map[string]string{"male": "boys", "female": "girls"}[*r.Sex])
	}
	if !h.MeetsNeeds {
		d := "it cannot meet: " + Label(Needs, h.MissingNeed)
		if h.MissingCount > 1 {
			d += fmt.Sprintf(" (and %d more)", h.MissingCount-1)
		}
		add(RuleNeeds, "%s", d)
	}
	if h.Miles > float64(*r.WithinMiles) {
		add(RuleDistance, "it is %.1f miles from the child's home (limit %d)", h.Miles, *r.WithinMiles)
	}
	if h.HostCouncilID != nil && avoid[*h.HostCouncilID] {
		add(RuleAvoided, "it is in an area the council asked to avoid")
	}
	if h.OfstedRating == "inadequate" {
		add(RuleRating, "it is rated Inadequate by Ofsted")
	}
	if h.BedsFree == 0 && (h.NextFreeDate == nil || h.NextFreeDate.After(*r.StartDate)) {
		add(RuleBed, "it has no bed free by the start date")
	}
	return out
}

// BidHome is one of a provider's homes on its bid form: matched to the request, or not
// and why.
type BidHome struct {
	HomeID   int64
	Name     string
	Outcode  string
	Miles    float64
	Matched  bool
	Failures []Failure // when not matched
}

// Why says, for an unmatched home, which rules it fails.
func (h BidHome) Why() string { return failureText(h.Failures) }

func failureText(fs []Failure) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Detail
	}
	return strings.Join(parts, "; ")
}

// BidHomes lists the provider's homes for its bid on a request: the matched ones
// first, nearest first, then the others with the rules they fail (they can be offered
// only as an alternative). Returns ErrNotInvited if the provider was not invited.
func (s *Service) BidHomes(ctx context.Context, requestID, providerID int64) ([]BidHome, error) {
	r, err := s.invitation(ctx, s.db, requestID, providerID)
	if err != nil {
		return nil, err
	}
	return s.bidHomes(ctx, s.db, r, providerID)
}

func (s *Service) bidHomes(ctx context.Context, tx *gorm.DB, r PlacementRequest, providerID int64) ([]BidHome, error) {
	var matched []struct{ HomeID int64 }
	if err := tx.WithContext(ctx).Raw("SELECT home_id FROM invitation_homes WHERE request_id = ? AND provider_id = ? ORDER BY rank", r.ID, providerID).
		Scan(&matched).Error; err != nil {
		return nil, err
	}
	cands, err := s.providerCandidates(ctx, tx, r, providerID)
	if err != nil {
		return nil, err
	}
	var names []struct {
		ID            int64
		Name, Outcode string
	}
	if err := tx.WithContext(ctx).Raw("SELECT id, name, outcode FROM homes WHERE provider_id = ?", providerID).Scan(&names).Error; err != nil {
		return nil, err
	}
	byID := map[int64]BidHome{}
	for _, c := range cands {
		byID[c.HomeID] = BidHome{HomeID: c.HomeID, Miles: c.Miles, Failures: Failures(r, c)}
	}
	for _, n := range names {
		h := byID[n.ID]
		h.Name, h.Outcode = n.Name, n.Outcode
		byID[n.ID] = h
	}
	var out []BidHome
	for _, m := range matched {
		h := byID[m.HomeID]
		h.Matched, h.Failures = true, nil
		out = append(out, h)
		delete(byID, m.HomeID)
	}
	for _, c := range cands { // by name
		if h, ok := byID[c.HomeID]; ok {
			if len(h.Failures) == 0 {
				h.Failures = []Failure{{RuleNotMatched, "it was not among the homes matched when the request was sent"}}
			}
			out = append(out, h)
		}
	}
	return out, nil
}

// MatchRequest runs matching for a request without saving anything (for benchmarks
// and previews).
func (s *Service) MatchRequest(ctx context.Context, r PlacementRequest) (MatchResult, error) {
	admitted, err := s.admittedTo(ctx, s.db, *r.LotID)
	if err != nil {
		return MatchResult{}, err
	}
	cands, err := s.candidates(ctx, s.db, r)
	if err != nil {
		return MatchResult{}, err
	}
	return Match(r, admitted, cands), nil
}

// SubmitRequest sends a council's draft: it checks the request is complete (deadlines
// by the database clock), that its lot belongs to a framework of the council's
// consortium, opens it, and invites every eligible provider at once — one invitation
// per provider, however many of its homes fit — recording why each other provider
// admitted to the lot was excluded. All in one transaction.
func (s *Service) SubmitRequest(ctx context.Context, requestID, councilID int64) (PlacementRequest, MatchResult, error) {
	var r PlacementRequest
	var res MatchResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND council_id = ?", requestID, councilID).First(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("placement request %d: %w", requestID, kernel.ErrNotFound)
			}
			return err
		}
		if r.Status.CanTransition(RequestOpen) != nil {
			return ErrNotDraft
		}
		var now time.Time
		if err := tx.Raw("SELECT now()").Scan(&now).Error; err != nil {
			return err
		}
		fe := r.ValidateForSubmission(now)
		if fe == nil {
			var lot commissioning.Lot
			var council commissioning.Organisation
			if err := tx.Preload("Tiers").First(&lot, *r.LotID).Error; err != nil {
				fe.Add("lot_id", "Select a lot of your consortium's framework")
			} else if err := tx.First(&council, councilID).Error; err != nil {
				return err
			} else if ok, err := s.lotOfConsortium(ctx, tx, lot, council.ConsortiumID); err != nil {
				return err
			} else if !ok {
				fe.Add("lot_id", "Select a lot of your consortium's framework")
			} else if _, priced := lot.Ceiling(*r.Tier); !priced {
				fe.Add("tier", "This lot has no price ceiling for that needs tier; choose another tier")
			}
			if *r.LegalStatus == "s25" && lot.PlacementType != "secure_welfare" {
				fe.Add("legal_status", S25NeedsSecure)
			}
			r.FrameworkID = &lot.FrameworkID
		}
		if fe != nil {
			return fe
		}
		if err := tx.Model(&PlacementRequest{}).Where("id = ?", r.ID).
			Updates(map[string]any{"status": RequestOpen, "submitted_at": now, "framework_id": r.FrameworkID}).Error; err != nil {
			return s25Err(err)
		}
		admitted, err := s.admittedTo(ctx, tx, *r.LotID)
		if err != nil {
			return err
		}
		cands, err := s.candidates(ctx, tx, r)
		if err != nil {
			return err
		}
		res = Match(r, admitted, cands)
		log := audit.New(tx)
		if err := log.Record(ctx, "request.submit", "placement_request", fmt.Sprint(r.ID), map[string]any{"child_ref": r.ChildRef, "invited": len(res.Invited), "excluded": len(res.Excluded)}); err != nil {
			return err
		}
		for p, homes := range res.Invited {
			if err := tx.Exec("INSERT INTO request_invitations (request_id, provider_id) VALUES (?, ?)", r.ID, p).Error; err != nil {
				return err
			}
			// The matched homes, nearest first: the only homes a bid may name.
			if err := tx.Exec(`INSERT INTO invitation_homes (request_id, provider_id, home_id, rank)
                SELECT ?, ?, m.home_id, m.rank FROM unnest(CAST(? AS bigint[])) WITH ORDINALITY AS m(home_id, rank)`, r.ID, p, kernel.Int64Array(homes)).Error; err != nil {
				return err
			}
			if err := log.Record(ctx, "request.invite", "placement_request", fmt.Sprint(r.ID), map[string]any{"provider_id": p, "homes": homes}); err != nil {
				return err
			}
			if err := s.tellInvited(ctx, tx, r, p); err != nil {
				return err
			}
		}
		if err := s.recordExclusions(ctx, tx, r.ID, res.Excluded); err != nil {
			return err
		}
		r.Status, r.SubmittedAt = "open", &now
		return nil
	})
	return r, res, err
}

// recordExclusions stores why each provider excluded from request requestID was, in one
// statement: at ten times national scale a request excludes thousands (issue 18), and a
// statement each made submitting a request take seconds.
func (s *Service) recordExclusions(ctx context.Context, tx *gorm.DB, requestID int64, excluded map[int64]Exclusion) error {
	providers := make([]int64, 0, len(excluded))
	for p := range excluded {
		providers = append(providers, p)
	}
	sort.Slice(providers, func(i, j int) bool { return providers[i] < providers[j] })
	rules, details := make([]string, len(providers)), make([]string, len(providers))
	for i, p := range providers {
		rules[i], details[i] = excluded[p].Rule, excluded[p].Detail
	}
	err := tx.WithContext(ctx).Exec(`INSERT INTO request_exclusions (request_id, provider_id, rule, detail)
        SELECT ?, e.provider_id, e.rule, e.detail FROM unnest(CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[])) AS e(provider_id, rule, detail)`,
		requestID, kernel.Int64Array(providers), kernel.StringArray(rules), kernel.StringArray(details)).Error
	if err != nil {
		return fmt.Errorf("exclusions of request %d: %w", requestID, err)
	}
	return nil
}

// tellInvited emails a provider's administrators that it is invited to respond to
// request r, inside the submission's transaction: whichever channel submitted it.
func (s *Service) tellInvited(ctx context.Context, tx *gorm.DB, r PlacementRequest, providerID int64) error {
	var council string
	if err := tx.WithContext(ctx).Raw("SELECT name FROM organisations WHERE id = ?", r.CouncilID).Scan(&council).Error; err != nil {
		return fmt.Errorf("council of request %d: %w", r.ID, err)
	}
	return s.tell(ctx, tx, r.ID, notify.Message{OrgID: providerID, Roles: []kernel.Role{kernel.RoleProviderAdmin},
		Subject: "New placement request from " + council,
		Body:    "You have been invited to respond to a placement request. Respond by " + r.Deadline.In(london).Format("2 January 2006 at 15:04") + ".",
		Path:    fmt.Sprintf("/invitations/%d", r.ID)})
}

// S25NeedsSecure says why: a section 25 order authorises only secure accommodation (Children
// Act 1989, s25), so a child on one is referred to the SWCU, never tendered to open homes.
// The message names the secure referral form, which the request pages link to.
const S25NeedsSecure = "A section 25 order authorises only secure accommodation, so this child cannot be placed in an open children's home: send a secure referral to the Secure Welfare Coordination Unit instead, at /secure/referrals/new"

// s25Err turns the database's refusal of a section 25 request on an open lot (SQLSTATE
// HS006, migration 00013) into the same field error the Go check gives.
func s25Err(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "HS006" {
		return kernel.Invalid("legal_status", S25NeedsSecure)
	}
	return err
}

func (s *Service) lotOfConsortium(ctx context.Context, tx *gorm.DB, lot commissioning.Lot, consortiumID *int64) (bool, error) {
	if consortiumID == nil {
		return false, nil
	}
	var n int64
	err := tx.WithContext(ctx).Model(&commissioning.Framework{}).Where("id = ? AND consortium_id = ?", lot.FrameworkID, *consortiumID).Count(&n).Error
	return n == 1, err
}

// Reached is one provider a request invited or excluded.
type Reached struct {
	ProviderID int64
	Provider   string
	Homes      int    // invited homes
	Rule       string // for an exclusion
	Detail     string
}

// Reach lists whom a submitted request invited and whom it excluded, and why.
func (s *Service) Reach(ctx context.Context, requestID int64) (invited, excluded []Reached, err error) {
	err = s.db.WithContext(ctx).Raw(`SELECT i.provider_id, o.name AS provider,
            (SELECT count(*) FROM invitation_homes ih WHERE ih.request_id = i.request_id AND ih.provider_id = i.provider_id) AS homes
        FROM request_invitations i JOIN organisations o ON o.id = i.provider_id WHERE i.request_id = ? ORDER BY o.name`, requestID).Scan(&invited).Error
	if err != nil {
		return nil, nil, err
	}
	err = s.db.WithContext(ctx).Raw(`SELECT e.provider_id, o.name AS provider, e.rule, e.detail
        FROM request_exclusions e JOIN organisations o ON o.id = e.provider_id WHERE e.request_id = ? ORDER BY o.name`, requestID).Scan(&excluded).Error
	return invited, excluded, err
}
