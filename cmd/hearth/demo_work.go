package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// The demo's work in progress, so that each role's home page has something to do:
// Manchester has a request closing today (the invited providers have it to answer), one
// whose bids are ready to compare, an award of a distant, over-ceiling bid waiting for
// its approver, and a fostering placement starting this week. Homes whose bed an award
// reserves have one more bed in demoHomes, so the demo's free beds are as before.

// demoRequest is a Manchester request for the demo's work, with the bids it receives
// (home name: weekly fee and, above the ceiling, why) and the providers that decline.
type demoRequest struct {
	ref, sex, lot, tier, outcode string
	age, within, startInDays     int
	needs                        []string
	bids                         []demoBid
	declines                     []string // provider names
	close                        bool     // move the deadline into the past and close it
	award                        string   // the home whose bid is awarded, once closed
	reason                       string   // why, when it is not the top score
}

type demoBid struct {
	home          string
	fee           kernel.Pence
	justification string
	notes         map[string]string
}

func demoWork() []demoRequest {
	return []demoRequest{
		{ref: "MCR-DEMO-0412", sex: "male", lot: "residential", tier: "standard", outcode: "M14", age: 15, within: 40, startInDays: 10,
			needs: []string{"missing_episodes"}},
		{ref: "MCR-DEMO-0398", sex: "female", lot: "residential", tier: "standard", outcode: "M14", age: 14, within: 40, startInDays: 9,
			needs: []string{"cse_risk"}, close: true,
			bids: []demoBid{
				{home: "Brightwater House", fee: 4_950_00, notes: map[string]string{"cse_risk": "Staff trained with the Children's Society; a CSE lead in the home."}},
				{home: "Marine Lodge", fee: 5_100_00, notes: map[string]string{"cse_risk": "Away from the networks around her current address; weekly direct work."}},
			},
			declines: []string{demoProviders[5]}},
		{ref: "MCR-DEMO-0377", sex: "female", lot: "residential", tier: "standard", outcode: "M14", age: 15, within: 40, startInDays: 7,
			needs: []string{"missing_episodes"}, close: true,
			bids: []demoBid{
				{home: "Brightwater House", fee: 4_900_00, notes: map[string]string{"missing_episodes": "Return-home interviews by a keyworker she knows."}},
				{home: "Northern Lights House", fee: 5_450_00, justification: "Waking night staff and a missing-from-care worker shared with the police.",
					notes: map[string]string{"missing_episodes": "A missing-from-care worker and waking nights."}},
			},
			award: "Northern Lights House", reason: "Away from the adults who have exploited her in south Manchester; her school can keep her place with transport."},
		{ref: "MCR-DEMO-0351", sex: "male", lot: "fostering_ifa", tier: "standard", outcode: "M14", age: 9, within: 20, startInDays: 3,
			close: true,
			bids:  []demoBid{{home: "Pennine Fostering — Oldham carers", fee: 880_00}},
			award: "Pennine Fostering — Oldham carers"},
	}
}

// loadDemoWork makes the demo's work in progress (see demoWork) through the same calls
// the pages make; lots are the framework's lot ids by code.
func loadDemoWork(ctx context.Context, a *app, lots map[string]int64) error {
	manchester, err := a.orgs.OrganisationByName(ctx, kernel.KindCouncil, "Manchester")
	if err != nil {
		return err
	}
	now := time.Now()
	endOfToday := time.Date(now.In(kernel.London).Year(), now.In(kernel.London).Month(), now.In(kernel.London).Day()+1, 0, 0, 0, 0, kernel.London).Add(-5 * time.Minute)
	for _, d := range demoWork() {
		age, month, year, sex, legal, within, tier, weeks := d.age, int(now.Month()), now.Year()-d.age, d.sex, "s31", d.within, d.tier, 26
		start := now.AddDate(0, 0, d.startInDays).Truncate(24 * time.Hour)
		// Closing today when there is time for it; never less than the 2 hours providers get.
		deadline := now.Add(3 * time.Hour)
		if endOfToday.Before(deadline) {
			deadline = endOfToday
		}
		if deadline.Sub(now) < 2*time.Hour+time.Minute {
			deadline = now.Add(2*time.Hour + time.Minute)
		}
		lot := lots[d.lot]
		r := marketplace.PlacementRequest{CouncilID: manchester.ID, ChildRef: d.ref, AgeYears: &age, BirthMonth: &month, BirthYear: &year, Sex: &sex,
			Needs: d.needs, LegalStatus: &legal, WithinMiles: &within, LotID: &lot, Tier: &tier, StartDate: &start, DurationWeeks: &weeks, Deadline: &deadline}
		if err := r.SetHome(d.outcode); err != nil {
			return err
		}
		if err := a.requests.SaveDraft(ctx, &r); err != nil {
			return fmt.Errorf("demo request %s: %w", d.ref, err)
		}
		if _, _, err := a.market.SubmitRequest(ctx, r.ID, manchester.ID); err != nil {
			return fmt.Errorf("demo request %s: %w", d.ref, err)
		}
		bids := map[string]int64{}
		for _, b := range d.bids {
			var h marketplace.Home
			if err := a.db.Gorm.WithContext(ctx).Where("name = ?", b.home).Take(&h).Error; err != nil {
				return fmt.Errorf("demo home %s: %w", b.home, err)
			}
			bid, err := a.market.SubmitBid(ctx, r.ID, h.ProviderID, marketplace.BidInput{HomeID: h.ID, EarliestStart: start.Format(time.DateOnly),
				WeeklyFee: b.fee, NoticeDays: 28, Justification: b.justification, NeedNotes: b.notes})
			if err != nil {
				return fmt.Errorf("demo bid of %s on %s: %w", b.home, d.ref, err)
			}
			bids[b.home] = bid.ID
		}
		for _, p := range d.declines {
			org, err := a.orgs.OrganisationByName(ctx, kernel.KindProvider, p)
			if err != nil {
				return err
			}
			if err := a.market.Decline(ctx, r.ID, org.ID, marketplace.DeclineInput{Reason: "no_vacancy"}); err != nil {
				return fmt.Errorf("demo decline of %s on %s: %w", p, d.ref, err)
			}
		}
		if !d.close {
			continue
		}
		// The response time runs out: the deadline moves into the past and the close job runs.
		if err := a.db.Gorm.WithContext(ctx).Exec(`UPDATE placement_requests SET submitted_at = now() - interval '1 day', deadline = now() - interval '1 hour' WHERE id = ?`, r.ID).Error; err != nil {
			return err
		}
		if _, err := a.market.CloseDue(ctx); err != nil {
			return err
		}
		if d.award == "" {
			continue
		}
		if _, err := a.market.AwardConfirmed(ctx, r.ID, manchester.ID, 0,
			marketplace.AwardInput{BidID: bids[d.award], Reason: d.reason, OutOfAreaReason: "no_suitable_in_area"}); err != nil { // the reason is kept only when out of area
			return fmt.Errorf("demo award on %s: %w", d.ref, err)
		}
	}
	return nil
}
