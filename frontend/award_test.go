package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// twoBids closes a Manchester request with two bids at the same fee: a near home in
// Manchester (rank 1) and a Liverpool home 31 miles away (rank 2, reg. 11 and the
// consortium's 20 miles). It returns the request and the near and far bids.
func (h *harness) twoBids(t *testing.T) (int64, marketplace.Bid, marketplace.Bid) {
	t.Helper()
	ctx := context.Background()
	h.admit(h.orgs["providery"].ID)
	near := h.addHome(h.orgs["providerx"].ID, "SC980001", "M20 2AB", 1)
	far := h.addHome(h.orgs["providery"].ID, "SC980002", "L1 8JQ", 1)
	now := time.Now()
	age, month, year, sex, legal, within, tier, weeks := 14, int(now.Month()), now.Year()-14, "female", "s31", 50, "standard", 26
	start, deadline := now.AddDate(0, 0, 7), now.Add(3*time.Hour)
	r := marketplace.PlacementRequest{CouncilID: h.orgs["manchester"].ID, ChildRef: "MCR-AWARD-1", AgeYears: &age, BirthMonth: &month, BirthYear: &year,
		Sex: &sex, Needs: kernel.StringArray{"autism"}, LegalStatus: &legal, WithinMiles: &within, LotID: &h.lot.ID, Tier: &tier,
		StartDate: &start, DurationWeeks: &weeks, Deadline: &deadline}
	must(t, r.SetHome("M14"))
	must(t, marketplace.NewRequests(h.deps.DB.Gorm).SaveDraft(ctx, &r))
	_, _, err := h.deps.Market.SubmitRequest(ctx, r.ID, h.orgs["manchester"].ID)
	must(t, err)
	nb, err := h.deps.Market.SubmitBid(ctx, r.ID, h.orgs["providerx"].ID, marketplace.BidInput{HomeID: near.ID, EarliestStart: start.Format(time.DateOnly),
		WeeklyFee: 450000, NoticeDays: 28, NeedNotes: map[string]string{"autism": "Two staff trained in the SPELL framework; a low-arousal room."}})
	must(t, err)
	fb, err := h.deps.Market.SubmitBid(ctx, r.ID, h.orgs["providery"].ID, marketplace.BidInput{HomeID: far.ID, EarliestStart: start.Format(time.DateOnly),
		WeeklyFee: 450000, NoticeDays: 56, NeedNotes: map[string]string{"autism": "Visual timetables and a sensory garden."}})
	must(t, err)
	h.passDeadline(t, r.ID)
	_, err = h.deps.Market.CloseDue(ctx)
	must(t, err)
	return r.ID, nb, fb
}

func TestBidDetailShowsTheProvidersNotesBesideEachNeed(t *testing.T) {
	h := newHarness(t)
	id, near, far := h.twoBids(t)
	b := h.signIn("commissioner@manchester.test")
	if r := b.get(fmt.Sprintf("/requests/%d", id)); !strings.Contains(r.Body, fmt.Sprintf(`href="/requests/%d/bids/%d"`, id, far.ID)) {
		t.Fatal("the bids table does not link a bid to its detail")
	}
	r := b.get(fmt.Sprintf("/requests/%d/bids/%d", id, far.ID))
	if r.Status != http.StatusOK {
		t.Fatalf("bid detail: %d", r.Status)
	}
	for _, want := range []string{"Autism spectrum condition", "Visual timetables and a sensory garden.", "56 days", "£4,500.00", `data-testid="rank">2 of 2`, "Liverpool", `data-testid="breakdown"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("bid detail lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "SPELL") {
		t.Error("the detail of one bid shows another bid's notes")
	}
	for _, tc := range []struct {
		name, who, path string
	}{
		{"OtherCouncil", "commissioner@liverpool.test", fmt.Sprintf("/requests/%d/bids/%d", id, near.ID)},
		{"OtherCouncilConfirmation", "commissioner@liverpool.test", fmt.Sprintf("/requests/%d/bids/%d/award", id, near.ID)},
		{"BidNotOnRequest", "commissioner@manchester.test", fmt.Sprintf("/requests/%d/bids/%d", id, far.ID+1000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := h.signIn(tc.who).get(tc.path); r.Status != http.StatusNotFound {
				t.Fatalf("got %d, want 404", r.Status)
			}
		})
	}
}

func TestAwardConfirmationSaysBeforehandWhetherApprovalIsNeeded(t *testing.T) {
	h := newHarness(t)
	id, near, far := h.twoBids(t)
	b := h.signIn("commissioner@manchester.test")
	for _, tc := range []struct {
		name      string
		bid       int64
		want, not []string
	}{
		{"Distant", far.ID, []string{"will need your council's approver", "Regulation 11: out of area and not adjoining", "Consortium policy: more than 20 miles", "not the top score"}, []string{"No approval is needed"}},
		{"Near", near.ID, []string{"No approval is needed"}, []string{"will need your council", "Regulation 11", "not the top score"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.get(fmt.Sprintf("/requests/%d/bids/%d/award", id, tc.bid))
			if r.Status != http.StatusOK {
				t.Fatalf("confirmation: %d", r.Status)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(r.Body, w) {
					t.Errorf("says %q", w)
				}
			}
		})
	}
	if p, err := h.deps.Market.LiveAward(context.Background(), id); err != nil || p.ID != 0 {
		t.Fatalf("a GET awarded: placement %d, %v", p.ID, err)
	}
}

func TestAwardingANonTopBidNeedsAReasonAndWaitsForApproval(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	id, _, far := h.twoBids(t)
	b := h.signIn("commissioner@manchester.test")
	page := fmt.Sprintf("/requests/%d/bids/%d/award", id, far.ID)
	long := strings.Repeat("Near her school. ", 200)
	for _, tc := range []struct {
		name, reason, want string
	}{
		{"ErrReasonRequired", "  ", "Enter why you are awarding this bid"},
		{"ErrReasonTooLong", long, "2,000 characters or fewer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.post(page, page, url.Values{"reason": {tc.reason}, "out_of_area_reason": {"no_suitable_in_area"}})
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "govuk-error-summary") || !strings.Contains(r.Body, tc.want) {
				t.Fatalf("got %d, want 422 with %q", r.Status, tc.want)
			}
			if !strings.Contains(r.Body, tc.reason+"</textarea>") {
				t.Error("the reason typed was lost")
			}
			if p, _ := h.deps.Market.LiveAward(ctx, id); p.ID != 0 {
				t.Fatal("awarded without a reason")
			}
		})
	}
	need, err := h.deps.Market.AwardNeeds(ctx, id, h.orgs["manchester"].ID, far.ID)
	must(t, err)
	r := b.post(page, page, url.Values{"reason": {"Her sister lives in Liverpool."}, "out_of_area_reason": {"no_suitable_in_area"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("award: %d", r.Status)
	}
	p, err := h.deps.Market.LiveAward(ctx, id)
	must(t, err)
	if p.BidID != far.ID || !p.Status.AwaitingApproval() || p.AwardReason != "Her sister lives in Liverpool." {
		t.Fatalf("placement: bid %d, %s, reason %q", p.BidID, p.Status, p.AwardReason)
	}
	if !slices.Equal(need.Rules, p.ApprovalReasons) || need.Miles != p.Miles {
		t.Fatalf("the confirmation said %v at %.1f miles; the award applied %v at %.1f", need.Rules, need.Miles, p.ApprovalReasons, p.Miles)
	}
	rp := b.get(fmt.Sprintf("/requests/%d", id))
	if !strings.Contains(rp.Body, `data-testid="request-status">Awaiting approval`) {
		t.Fatal("the request does not read awaiting approval")
	}
}
