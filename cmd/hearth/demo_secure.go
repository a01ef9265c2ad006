package main

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
)

// demoReferral is a secure referral on the demo waiting list, received some days ago.
type demoReferral struct {
	council string
	daysAgo int
	in      secure.ReferralInput
}

func demoReferrals(now time.Time) []demoReferral {
	day := func(d int) *time.Time { t := now.AddDate(0, 0, d).Truncate(24 * time.Hour); return &t }
	return []demoReferral{
		{"Liverpool", 6, secure.ReferralInput{ChildRef: "LIV-S-0419", AgeYears: 15, BirthMonth: 3, BirthYear: now.Year() - 15, Sex: "male",
			LegalPosition: "order_granted", OrderStart: day(-20), OrderKind: "first", OrderExpiry: day(40), Urgency: "urgent", Needs: []string{"self_harm", "missing_episodes"}, CurrentOutcode: "L8",
			PreferredMiles: 60, SocialWorker: "Lee Social Worker, 0151 496 0000", SanctioningOfficer: "Head of Service, 0151 496 0001"}},
		{"Manchester", 1, secure.ReferralInput{ChildRef: "MCR-S-0388", AgeYears: 14, BirthMonth: 9, BirthYear: now.Year() - 15, Sex: "female",
			LegalPosition: "hearing_listed", HearingDate: day(3), Court: "Manchester Family Court", Urgency: "emergency", Needs: []string{"cse_risk", "self_harm"},
			CurrentOutcode: "M14", PreferredMiles: 40, SocialWorker: "Chris Social Worker, 0161 496 0100", SanctioningOfficer: "Director's delegate, 0161 496 0101", Emergency72h: true}},
		{"Salford", 20, secure.ReferralInput{ChildRef: "SAL-S-0102", AgeYears: 12, BirthMonth: 1, BirthYear: now.Year() - 12, Sex: "female",
			LegalPosition: "applying", Urgency: "planned", Needs: []string{"trauma_therapeutic"}, CurrentOutcode: "M6", PreferredMiles: 80,
			SocialWorker: "Sam Social Worker, 0161 496 0200", SanctioningOfficer: "Head of Service, 0161 496 0201", SOSRequestedOn: day(-18)}},
	}
}

// loadDemoSecure creates the secure estate and a waiting list of three children: one
// urgent, one an emergency, and one under 13 — the Secretary of State's approval asked
// for, not yet granted — whose search is paused because the council's update is overdue.
func loadDemoSecure(ctx context.Context, a *app) error {
	now := time.Now()
	if err := secure.SeedEstate(ctx, a.db.Gorm, now); err != nil {
		return fmt.Errorf("demo secure estate: %w", err)
	}
	ids := map[string]int64{}
	for _, d := range demoReferrals(now) {
		council, err := a.orgs.OrganisationByName(ctx, kernel.KindCouncil, d.council)
		if err != nil {
			return err
		}
		r, err := a.secure.Submit(ctx, council.ID, 0, d.in)
		if err != nil {
			return fmt.Errorf("demo referral %s: %w", d.in.ChildRef, err)
		}
		at := now.AddDate(0, 0, -d.daysAgo)
		if err := a.db.Gorm.WithContext(ctx).Exec("UPDATE secure_referrals SET submitted_at = ?, updated_at = ?, reviewed_at = ? WHERE id = ?", at, at, at, r.ID).Error; err != nil {
			return err
		}
		ids[d.in.ChildRef] = r.ID
	}
	return circulateDemoReferrals(ctx, a, ids)
}

// circulateDemoReferrals leaves the secure homes and the SWCU work: the urgent Liverpool
// referral and the Manchester emergency have gone to Oakfield and Heron Court (both to
// answer), and on the Liverpool one the first of them with a free welfare bed has
// offered it (for the SWCU to act on).
func circulateDemoReferrals(ctx context.Context, a *app, ids map[string]int64) error {
	var homes []secure.Home
	if err := a.db.Gorm.WithContext(ctx).Where("name IN ?", []string{secure.Estate[0].Name, secure.Estate[1].Name}).Order("id").Find(&homes).Error; err != nil {
		return err
	}
	homeIDs := []int64{}
	for _, h := range homes {
		homeIDs = append(homeIDs, h.ID)
	}
	for _, ref := range []string{"LIV-S-0419", "MCR-S-0388"} {
		if _, err := a.secure.Circulate(ctx, ids[ref], homeIDs, 0); err != nil {
			return fmt.Errorf("demo circulation of %s: %w", ref, err)
		}
	}
	var offer struct {
		ID, ProviderID int64
	}
	if err := a.db.Gorm.WithContext(ctx).Raw(`SELECT b.id, h.provider_id FROM secure_beds b JOIN secure_homes h ON h.id = b.home_id
        WHERE b.home_id IN ? AND b.designation = 'welfare' AND b.status = 'free' ORDER BY b.home_id, b.id LIMIT 1`, homeIDs).Scan(&offer).Error; err != nil {
		return err
	}
	if offer.ID == 0 {
		return nil // no free welfare bed to offer today
	}
	when := time.Now().AddDate(0, 0, 2).Truncate(24 * time.Hour)
	if err := a.secure.Respond(ctx, ids["LIV-S-0419"], offer.ProviderID, 0, secure.Response{Accept: true, BedID: offer.ID, EarliestAdmission: &when}); err != nil {
		return fmt.Errorf("demo offer: %w", err)
	}
	return nil
}
