package marketplace_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/marketplace"
)

func ptr[T any](v T) *T { return &v }

func TestMatchRules(t *testing.T) {
	start := time.Date(2027, 1, 10, 0, 0, 0, 0, time.UTC)
	req := marketplace.PlacementRequest{AgeYears: ptr(14), Sex: ptr("female"), Needs: kernel.StringArray{"cse_risk"},
		WithinMiles: ptr(20), AvoidCouncils: kernel.Int64Array{99}, StartDate: &start}
	fits := marketplace.Candidate{ServesLot: true, MinAge: 11, MaxAge: 17, AcceptsFemale: true, MeetsNeeds: true, Miles: 5, OfstedRating: "good", BedsFree: 1}
	tests := []struct {
		name string
		edit func(*marketplace.Candidate)
		rule string
	}{
		{"Fits", func(*marketplace.Candidate) {}, ""},
		{"ServesLot", func(c *marketplace.Candidate) { c.ServesLot = false }, marketplace.RuleServesLot},
		{"Age", func(c *marketplace.Candidate) { c.MinAge = 16 }, marketplace.RuleAge},
		{"Sex", func(c *marketplace.Candidate) { c.AcceptsFemale, c.AcceptsMale = false, true }, marketplace.RuleSex},
		{"Needs", func(c *marketplace.Candidate) { c.MeetsNeeds, c.MissingNeed, c.MissingCount = false, "cse_risk", 1 }, marketplace.RuleNeeds},
		{"Distance", func(c *marketplace.Candidate) { c.Miles = 20.5 }, marketplace.RuleDistance},
		{"Avoided", func(c *marketplace.Candidate) { c.HostCouncilID = ptr(int64(99)) }, marketplace.RuleAvoided},
		{"Rating", func(c *marketplace.Candidate) { c.OfstedRating = "inadequate" }, marketplace.RuleRating},
		{"NoBed", func(c *marketplace.Candidate) { c.BedsFree = 0 }, marketplace.RuleBed},
		{"BedByStart", func(c *marketplace.Candidate) { c.BedsFree, c.NextFreeDate = 0, &start }, ""},
		{"BedTooLate", func(c *marketplace.Candidate) { c.BedsFree, c.NextFreeDate = 0, ptr(start.AddDate(0, 0, 1)) }, marketplace.RuleBed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fits
			c.HomeID, c.ProviderID = 1, 7
			tt.edit(&c)
			res := marketplace.Match(req, []int64{7, 8}, []marketplace.Candidate{c})
			if tt.rule == "" {
				if len(res.Invited[7]) != 1 {
					t.Fatalf("not invited: %+v", res)
				}
			} else if res.Excluded[7].Rule != tt.rule {
				t.Fatalf("excluded by %q (%s), want %q", res.Excluded[7].Rule, res.Excluded[7].Detail, tt.rule)
			}
			if res.Excluded[8].Rule != marketplace.RuleServesLot {
				t.Fatalf("provider with no homes: %+v", res.Excluded[8])
			}
		})
	}
	t.Run("BestHomeGivesTheReason", func(t *testing.T) {
		near, far := fits, fits
		near.HomeID, near.ProviderID, near.MinAge = 1, 7, 16 // fails age (rule 2)
		far.HomeID, far.ProviderID, far.Miles = 2, 7, 80     // fails distance (rule 5)
		res := marketplace.Match(req, []int64{7}, []marketplace.Candidate{near, far})
		if res.Excluded[7].Rule != marketplace.RuleDistance {
			t.Fatalf("reason %q, want the rule the better home failed", res.Excluded[7].Rule)
		}
	})
}

// openRequest writes and submits a request from Manchester for a 14-year-old girl
// with a CSE risk, within 20 miles of M14, residential standard tier.
func (w *world) openRequest(t *testing.T, council commissioning.Organisation) (marketplace.PlacementRequest, marketplace.MatchResult) {
	t.Helper()
	ctx := context.Background()
	start := time.Now().AddDate(0, 0, 7).Truncate(24 * time.Hour)
	deadline := time.Now().Add(3 * time.Hour)
	now := time.Now()
	r := marketplace.PlacementRequest{CouncilID: council.ID, ChildRef: "MCR-00042", AgeYears: ptr(14), BirthMonth: ptr(int(now.Month())), BirthYear: ptr(now.Year() - 14),
		Sex: ptr("female"), Needs: kernel.StringArray{"cse_risk"}, LegalStatus: ptr("s31"), WithinMiles: ptr(20),
		LotID: &w.residential.ID, Tier: ptr("standard"), StartDate: &start, DurationWeeks: ptr(26), Deadline: &deadline}
	must(t, r.SetHome("M14"))
	reqs := marketplace.NewRequests(w.db.Gorm)
	must(t, reqs.SaveDraft(ctx, &r))
	got, res, err := w.mk.SubmitRequest(ctx, r.ID, council.ID)
	must(t, err)
	return got, res
}

func (w *world) member(t *testing.T, ons string) commissioning.Organisation {
	t.Helper()
	ctx := context.Background()
	var c commissioning.Organisation
	must(t, w.db.Gorm.Where("ons_code = ?", ons).First(&c).Error)
	must(t, w.orgs.JoinConsortium(ctx, w.consortium.ID, []string{ons}))
	c, _ = w.orgs.Organisation(ctx, c.ID)
	return c
}

func TestSubmitRequestInvitesAndExplainsExclusions(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	w.home(t, w.provider.ID, "SC900001", "M20 2AB", []string{"cse_risk"}, 1)  // fits
	w.home(t, w.provider.ID, "SC900002", "SK10 1AB", []string{"cse_risk"}, 1) // also fits, further
	far, _ := w.fw.CreateProvider(ctx, commissioning.ProviderSignUp{Name: "Far Away Care", RegistrationKind: "company", RegistrationNumber: "22222222", ContactName: "F", ContactEmail: "f@f.test", ContactPhone: "01614960000"})
	w.admit(t, far.ID, w.residential.ID)
	w.home(t, far.ID, "SC900003", "CA1 1AA", []string{"cse_risk"}, 1)
	noNeeds, _ := w.fw.CreateProvider(ctx, commissioning.ProviderSignUp{Name: "No Needs Care", RegistrationKind: "company", RegistrationNumber: "33333333", ContactName: "N", ContactEmail: "n@n.test", ContactPhone: "01614960000"})
	w.admit(t, noNeeds.ID, w.residential.ID)
	w.home(t, noNeeds.ID, "SC900004", "M1 1AE", []string{"autism"}, 1)

	r, res := w.openRequest(t, manchester)
	if r.Status != "open" || len(res.Invited) != 1 || len(res.Invited[w.provider.ID]) != 2 {
		t.Fatalf("invited %+v", res.Invited)
	}
	if res.Excluded[far.ID].Rule != marketplace.RuleDistance || res.Excluded[noNeeds.ID].Rule != marketplace.RuleNeeds {
		t.Fatalf("exclusions %+v", res.Excluded)
	}
	// Every exclusion is stored (in one statement) with the rule and detail matching gave.
	_, excluded, err := w.mk.Reach(ctx, r.ID)
	must(t, err)
	if len(excluded) != len(res.Excluded) {
		t.Fatalf("stored %d exclusions, matching made %d", len(excluded), len(res.Excluded))
	}
	for _, e := range excluded {
		if want := res.Excluded[e.ProviderID]; e.Rule != want.Rule || e.Detail != want.Detail {
			t.Fatalf("provider %d: stored %q %q, matching gave %+v", e.ProviderID, e.Rule, e.Detail, want)
		}
	}
	if _, _, err := w.mk.SubmitRequest(ctx, r.ID, manchester.ID); !errors.Is(err, marketplace.ErrNotDraft) {
		t.Fatalf("second submission: %v", err)
	}
	// Another council cannot read it; its own council's read is audited.
	reqs := marketplace.NewRequests(w.db.Gorm)
	if _, err := reqs.Request(ctx, r.ID, w.member(t, "E08000012").ID); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("another council read the request: %v", err)
	}
	_, err = reqs.Request(ctx, r.ID, manchester.ID)
	must(t, err)
	if entries, n, _ := audit.New(w.db.Gorm).List(ctx, audit.AllEntries, audit.Filter{Action: "child.read"}, 0, 5); n != 1 || entries[0].EntityID == "" {
		t.Fatalf("child reads audited: %d", n)
	}
}

func TestSubmitRequestRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	reqs := marketplace.NewRequests(w.db.Gorm)
	past := time.Now().Add(-time.Hour)
	soon := time.Now().Add(30 * time.Minute)
	yesterday := time.Now().AddDate(0, 0, -1)
	r := marketplace.PlacementRequest{CouncilID: manchester.ID, ChildRef: "MCR-1", AgeYears: ptr(14), BirthMonth: ptr(1), BirthYear: ptr(1990),
		Sex: ptr("female"), Needs: kernel.StringArray{"dragons"}, LegalStatus: ptr("s99"), WithinMiles: ptr(0),
		LotID: &w.residential.ID, Tier: ptr("standard"), StartDate: &yesterday, DurationWeeks: ptr(26), Deadline: &past}
	var fe kernel.FieldErrors
	if err := reqs.SaveDraft(ctx, &r); !errors.As(err, &fe) || !fe.Has("needs") || !fe.Has("legal_status") || !fe.Has("within_miles") {
		t.Fatalf("bad draft saved: %v", err)
	}
	r.Needs, r.LegalStatus, r.WithinMiles = kernel.StringArray{"cse_risk"}, ptr("s31"), ptr(20)
	must(t, reqs.SaveDraft(ctx, &r))
	r.Needs, r.LegalStatus, r.WithinMiles, r.HomeOutcode, r.HomeLat = nil, nil, nil, nil, nil
	_, err := w.db.Pool.Exec(ctx, "UPDATE placement_requests SET legal_status = NULL, within_miles = NULL WHERE id = $1", r.ID)
	must(t, err)
	_, _, err = w.mk.SubmitRequest(ctx, r.ID, manchester.ID)
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	for _, f := range []string{"birth_month", "legal_status", "home_outcode", "within_miles", "start_date", "deadline"} {
		if !fe.Has(f) {
			t.Errorf("no error for %s: %v", f, fe)
		}
	}
	// A deadline 30 minutes away is too soon, unless it is a same-day emergency (1 hour).
	got, _ := reqs.Request(ctx, r.ID, manchester.ID)
	got.Deadline = &soon
	got.Emergency = true
	must(t, reqs.SaveDraft(ctx, &got))
	_, _, err = w.mk.SubmitRequest(ctx, r.ID, manchester.ID)
	if !errors.As(err, &fe) || !fe.Has("deadline") {
		t.Fatalf("30-minute emergency deadline: %v", err)
	}
	// A lot of another consortium's framework is refused.
	other, err := w.orgs.Create(ctx, kernel.KindConsortium, "Other")
	must(t, err)
	f2, err := w.fw.CreateFramework(ctx, other.ID, commissioning.FrameworkTerms{Name: "Other DPS", WeightPrice: 25, WeightQuality: 25, WeightDistance: 25, WeightFit: 25})
	must(t, err)
	l2, err := w.fw.AddLot(ctx, f2.ID, commissioning.NewLot{Code: "residential", Name: "Residential", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 400000}})
	must(t, err)
	now := time.Now()
	ok := marketplace.PlacementRequest{CouncilID: manchester.ID, ChildRef: "MCR-2", AgeYears: ptr(14), BirthMonth: ptr(int(now.Month())), BirthYear: ptr(now.Year() - 14),
		Sex: ptr("male"), LegalStatus: ptr("s20"), WithinMiles: ptr(30), LotID: &l2.ID, Tier: ptr("standard"),
		StartDate: ptr(now.AddDate(0, 0, 3)), DurationWeeks: ptr(10), Deadline: ptr(now.Add(5 * time.Hour))}
	must(t, ok.SetHome("M1"))
	must(t, reqs.SaveDraft(ctx, &ok))
	if _, _, err := w.mk.SubmitRequest(ctx, ok.ID, manchester.ID); !errors.As(err, &fe) || !fe.Has("lot_id") {
		t.Fatalf("another consortium's lot: %v", err)
	}
}

func TestBidsAreSealedAndRefusedAfterTheDeadline(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	home := w.home(t, w.provider.ID, "SC910001", "M20 2AB", []string{"cse_risk"}, 1)
	outsider, _ := w.fw.CreateProvider(ctx, commissioning.ProviderSignUp{Name: "Not Invited", RegistrationKind: "company", RegistrationNumber: "44444444", ContactName: "X", ContactEmail: "x@x.test", ContactPhone: "01614960000"})
	w.admit(t, outsider.ID, w.residential.ID)
	otherHome := w.home(t, outsider.ID, "SC910002", "CA1 1AA", nil, 1)
	r, _ := w.openRequest(t, manchester)
	bid := marketplace.BidInput{HomeID: home.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 480000, NoticeDays: 28, NeedNotes: map[string]string{"cse_risk": "Trained staff, CSE champion"}}

	if _, err := w.mk.SubmitBid(ctx, r.ID, outsider.ID, marketplace.BidInput{HomeID: otherHome.ID, WeeklyFee: 400000, NoticeDays: 28}); !errors.Is(err, marketplace.ErrNotInvited) {
		t.Fatalf("uninvited bid: %v", err)
	}
	bad := bid
	bad.HomeID = otherHome.ID
	if _, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, bad); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("bid with another provider's home: %v", err)
	}
	for _, fee := range []kernel.Pence{0, -5, 5_000_001} {
		bad = bid
		bad.WeeklyFee = fee
		if _, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, bad); !errors.Is(err, kernel.ErrInvalid) {
			t.Fatalf("fee %d accepted: %v", fee, err)
		}
	}
	over := bid
	over.WeeklyFee = 520000 // ceiling is £5,000
	if _, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, over); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("over the ceiling without justification: %v", err)
	}
	over.Justification = "Waking night staff needed for this child"
	b, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, over)
	must(t, err)
	b, err = w.mk.SubmitBid(ctx, r.ID, w.provider.ID, bid) // revise down
	must(t, err)
	if b.Revision != 2 || b.WeeklyFeePence != 480000 {
		t.Fatalf("revised bid = %+v", b)
	}
	resp, err := w.mk.ResponsesFor(ctx, r.ID, manchester.ID)
	must(t, err)
	if !resp.Sealed || resp.Bids != 1 || resp.List != nil {
		t.Fatalf("before the deadline the council saw %+v", resp)
	}
	// The deadline passes (by the database clock).
	_, err = w.db.Pool.Exec(ctx, "UPDATE placement_requests SET submitted_at = now() - interval '3 hours', deadline = now() - interval '1 second' WHERE id = $1", r.ID)
	must(t, err)
	if _, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, over); !errors.Is(err, marketplace.ErrBiddingClosed) {
		t.Fatalf("late revision: %v", err)
	}
	if err := w.mk.WithdrawBid(ctx, r.ID, w.provider.ID); !errors.Is(err, marketplace.ErrBiddingClosed) {
		t.Fatalf("late withdrawal: %v", err)
	}
	// Two processes close due requests at once: each request closes exactly once.
	var wg sync.WaitGroup
	var mu sync.Mutex
	closed := 0
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids, err := w.mk.CloseDue(ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			closed += len(ids)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if closed != 1 {
		t.Fatalf("closed %d times", closed)
	}
	resp, err = w.mk.ResponsesFor(ctx, r.ID, manchester.ID)
	must(t, err)
	if resp.Sealed || len(resp.List) != 1 || resp.List[0].WeeklyFeePence != 480000 {
		t.Fatalf("after close the council sees %+v", resp)
	}
}

func TestDeclineAndWithdraw(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	home := w.home(t, w.provider.ID, "SC920001", "M20 2AB", []string{"cse_risk"}, 1)
	r, _ := w.openRequest(t, manchester)
	if err := w.mk.Decline(ctx, r.ID, w.provider.ID, marketplace.DeclineInput{Reason: "whatever", Detail: ""}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("unknown reason: %v", err)
	}
	if err := w.mk.Decline(ctx, r.ID, w.provider.ID, marketplace.DeclineInput{Reason: "other", Detail: " "}); !errors.Is(err, kernel.ErrInvalid) {
		t.Fatalf("other without detail: %v", err)
	}
	_, err := w.mk.SubmitBid(ctx, r.ID, w.provider.ID, marketplace.BidInput{HomeID: home.ID, EarliestStart: r.StartDate.Format(time.DateOnly), WeeklyFee: 450000, NoticeDays: 28})
	must(t, err)
	must(t, w.mk.WithdrawBid(ctx, r.ID, w.provider.ID))
	if err := w.mk.WithdrawBid(ctx, r.ID, w.provider.ID); !errors.Is(err, marketplace.ErrNoBid) {
		t.Fatalf("second withdrawal: %v", err)
	}
	must(t, w.mk.Decline(ctx, r.ID, w.provider.ID, marketplace.DeclineInput{Reason: "risk_to_others", Detail: "Two boys with HSB in the home"}))
	resp, _ := w.mk.ResponsesFor(ctx, r.ID, manchester.ID)
	if resp.Bids != 0 || resp.Declines != 1 {
		t.Fatalf("responses %+v", resp)
	}
}

// Children Act 1989, s25: a secure accommodation order authorises only secure
// accommodation, so a section 25 child is never tendered to open children's homes —
// refused at submission, and by the database if the Go check is bypassed.
func TestSection25ChildIsNotTenderedToOpenHomes(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	w.home(t, w.provider.ID, "SC900001", "M20 2AB", []string{"cse_risk"}, 1)
	start := time.Now().AddDate(0, 0, 7).Truncate(24 * time.Hour)
	deadline := time.Now().Add(3 * time.Hour)
	now := time.Now()
	r := marketplace.PlacementRequest{CouncilID: manchester.ID, ChildRef: "MCR-S25", AgeYears: ptr(14), BirthMonth: ptr(int(now.Month())), BirthYear: ptr(now.Year() - 14),
		Sex: ptr("female"), Needs: kernel.StringArray{"cse_risk"}, LegalStatus: ptr("s25"), WithinMiles: ptr(20),
		LotID: &w.residential.ID, Tier: ptr("standard"), StartDate: &start, DurationWeeks: ptr(26), Deadline: &deadline}
	must(t, r.SetHome("M14"))
	reqs := marketplace.NewRequests(w.db.Gorm)
	must(t, reqs.SaveDraft(ctx, &r))
	var fe kernel.FieldErrors
	if _, _, err := w.mk.SubmitRequest(ctx, r.ID, manchester.ID); !errors.As(err, &fe) || !fe.Has("legal_status") || !strings.Contains(fe.Error(), "/secure/referrals/new") {
		t.Fatalf("s25 on the residential lot: %v", err)
	}
	var invited int64
	w.db.Gorm.Table("request_invitations").Where("request_id = ?", r.ID).Count(&invited)
	if invited != 0 {
		t.Fatalf("%d providers invited", invited)
	}
	// As the application's role, straight to the database.
	_, err := w.db.Pool.Exec(ctx, "UPDATE placement_requests SET status = 'open', submitted_at = now() WHERE id = $1", r.ID)
	var pg *pgconn.PgError
	if !errors.As(err, &pg) || pg.Code != "HS006" {
		t.Fatalf("database opened an s25 request on an open lot: %v", err)
	}
	// The same child on a secure welfare lot is another matter.
	secureLot, err := w.fw.AddLot(ctx, w.framework.ID, commissioning.NewLot{Code: "secure", Name: "Secure welfare", PlacementType: "secure_welfare", Ceilings: map[string]kernel.Pence{"standard": 900000}})
	must(t, err)
	_, err = w.db.Pool.Exec(ctx, "UPDATE placement_requests SET lot_id = $1, status = 'open', submitted_at = now() WHERE id = $2", secureLot.ID, r.ID)
	must(t, err)
}
