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
	// born is the year of birth of a child aged age, born in month.
	born := func(age, month int) int {
		if int(now.Month()) >= month {
			return now.Year() - age
		}
		return now.Year() - age - 1
	}
	yes, no := true, false
	return []demoReferral{
		{"Liverpool", 6, secure.ReferralInput{ChildRef: "LIV-S-0419", AgeYears: 15, BirthMonth: 3, BirthYear: born(15, 3), Sex: "male",
			Ethnicity: "MWBC", Religion: "No religion", FirstLanguage: "English", PrimaryReason: "absconding_harm", ChildProtectionPlan: &no,
			LegalPosition: "order_granted", OrderStart: day(-20), OrderKind: "first", OrderExpiry: day(40), Urgency: "urgent", Needs: []string{"self_harm", "missing_episodes"}, CurrentOutcode: "L8",
			PreferredMiles: 60, SocialWorker: "Lee Social Worker, 0151 496 0000", SanctioningOfficer: "Head of Service, 0151 496 0001"}},
		{"Manchester", 1, secure.ReferralInput{ChildRef: "MCR-S-0388", AgeYears: 14, BirthMonth: 9, BirthYear: born(14, 9), Sex: "female",
			Ethnicity: "WBRI", FirstLanguage: "English", PrimaryReason: "injure_self", ChildProtectionPlan: &yes,
			LegalPosition: "hearing_listed", HearingDate: day(3), Court: "Manchester Family Court", Urgency: "emergency", Needs: []string{"cse_risk", "self_harm"},
			CurrentOutcode: "M14", PreferredMiles: 40, SocialWorker: "Chris Social Worker, 0161 496 0100", SanctioningOfficer: "Director's delegate, 0161 496 0101", Emergency72h: true}},
		{"Salford", 20, secure.ReferralInput{ChildRef: "SAL-S-0102", AgeYears: 12, BirthMonth: 1, BirthYear: born(12, 1), Sex: "female",
			Ethnicity: "BAFR", Religion: "Christian", FirstLanguage: "Somali", PrimaryReason: "injure_self_and_others", ChildProtectionPlan: &yes,
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
	}
	return nil
}
