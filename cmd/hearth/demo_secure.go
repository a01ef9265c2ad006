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
	if err := circulateDemoReferrals(ctx, a, ids, now); err != nil {
		return err
	}
	return loadPastReferrals(ctx, a, now)
}

// circulateDemoReferrals leaves the secure homes and the SWCU work: the urgent Liverpool
// referral and the Manchester emergency have gone to Oakfield and Heron Court (both to
// answer), and on the Liverpool one the first of them with a free welfare bed has
// offered it (for the SWCU to act on).
func circulateDemoReferrals(ctx context.Context, a *app, ids map[string]int64, now time.Time) error {
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
	when := now.AddDate(0, 0, 2).Truncate(24 * time.Hour)
	if err := a.secure.Respond(ctx, ids["LIV-S-0419"], offer.ProviderID, 0, secure.Response{Accept: true, BedID: offer.ID, EarliestAdmission: &when}); err != nil {
		return fmt.Errorf("demo offer: %w", err)
	}
	return nil
}

// pastReferral is a child placed in a secure bed in the last two months and since
// discharged: its wait, the homes that declined first and why.
type pastReferral struct {
	council  string
	daysAgo  int     // submitted
	waitDays float64 // to allocation
	home     string  // that offered the bed
	declines []string
}

var pastReferrals = []pastReferral{
	{"Manchester", 58, 1.5, "Oakfield Secure Children's Home (demo)", []string{"no_bed", "staffing"}},
	{"Liverpool", 55, 4, "Heron Court Secure Children's Home (demo)", []string{"no_bed"}},
	{"Salford", 51, 0.5, "Oakfield Secure Children's Home (demo)", nil},
	{"Bolton", 47, 9, "Millbrook Secure Children's Home (demo)", []string{"mix_of_children", "no_bed", "distance"}},
	{"Wigan", 44, 2, "Kestrel House Secure (demo)", []string{"no_bed"}},
	{"Manchester", 40, 6.5, "Riverside Secure Children's Home (demo)", []string{"needs_beyond_home", "no_bed"}},
	{"Stockport", 36, 1, "Alder Grange Secure (demo)", nil},
	{"Liverpool", 31, 3, "Hollins Secure Children's Home (demo)", []string{"staffing"}},
	{"Oldham", 27, 12, "Penrose Secure (demo)", []string{"no_bed", "mix_of_children", "staffing", "distance"}},
	{"Trafford", 22, 2.5, "Thornbury Lodge Secure (demo)", []string{"no_bed"}},
	{"Salford", 17, 5, "Heron Court Secure Children's Home (demo)", []string{"mix_of_children"}},
	{"Bolton", 12, 0.5, "Oakfield Secure Children's Home (demo)", nil},
	{"Wigan", 8, 3.5, "Millbrook Secure Children's Home (demo)", []string{"no_bed", "staffing"}},
}

// loadPastReferrals gives the SWCU's measures a history: children referred, offered a
// bed after some days (after other homes declined), admitted and since discharged.
func loadPastReferrals(ctx context.Context, a *app, now time.Time) error {
	db := a.db.Gorm.WithContext(ctx)
	var homes []secure.Home
	if err := db.Order("name").Find(&homes).Error; err != nil {
		return err
	}
	template := demoReferrals(now)[0].in
	for i, p := range pastReferrals {
		council, err := a.orgs.OrganisationByName(ctx, kernel.KindCouncil, p.council)
		if err != nil {
			return err
		}
		in := template
		in.ChildRef = fmt.Sprintf("PAST-S-%03d", i+1)
		r, err := a.secure.Submit(ctx, council.ID, 0, in)
		if err != nil {
			return fmt.Errorf("demo past referral %s: %w", in.ChildRef, err)
		}
		submitted := now.AddDate(0, 0, -p.daysAgo)
		allocated := submitted.Add(time.Duration(p.waitDays * float64(24*time.Hour)))
		var bed secure.Bed
		if err := db.Raw(`SELECT b.* FROM secure_beds b JOIN secure_homes h ON h.id = b.home_id
            WHERE h.name = ? AND b.designation = 'welfare' ORDER BY b.label OFFSET ? LIMIT 1`, p.home, i%3).Scan(&bed).Error; err != nil || bed.ID == 0 {
			return fmt.Errorf("demo past referral %s: no bed at %s: %v", in.ChildRef, p.home, err)
		}
		k := 0
		for _, h := range homes {
			response, reason := "", ""
			switch {
			case h.ID == bed.HomeID:
				response = "accepted"
			case k < len(p.declines) && h.Country == "england" && (int(h.ID)+i)%3 == 0:
				response, reason = "declined", p.declines[k]
				k++
			default:
				continue
			}
			if err := db.Exec(`INSERT INTO secure_circulations (referral_id, home_id, circulated_at, response, bed_id, earliest_admission, decline_reason, responded_at)
                VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?)`, r.ID, h.ID, submitted.Add(2*time.Hour), response,
				map[bool]any{true: bed.ID, false: nil}[response == "accepted"], map[bool]any{true: allocated, false: nil}[response == "accepted"], reason, allocated.Add(-time.Hour)).Error; err != nil {
				return fmt.Errorf("demo past referral %s: %w", in.ChildRef, err)
			}
		}
		discharged := allocated.AddDate(0, 0, 5+i%4)
		if discharged.After(now) {
			discharged = now.AddDate(0, 0, -1)
		}
		if err := db.Exec(`UPDATE secure_referrals SET status = 'placed', submitted_at = ?, updated_at = ?, reviewed_at = ?, allocated_bed_id = ?, allocated_at = ?, closed_at = ? WHERE id = ?`,
			submitted, submitted, submitted, bed.ID, allocated, allocated, r.ID).Error; err != nil {
			return fmt.Errorf("demo past referral %s: %w", in.ChildRef, err)
		}
		if err := db.Exec(`INSERT INTO secure_placements (referral_id, bed_id, admitted_on, discharged_on, discharge_reason) VALUES (?, ?, ?, ?, 'order_ended')`,
			r.ID, bed.ID, allocated, discharged).Error; err != nil {
			return fmt.Errorf("demo past referral %s: %w", in.ChildRef, err)
		}
	}
	return nil
}
