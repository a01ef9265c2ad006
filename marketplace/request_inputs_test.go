package marketplace_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// The form's pages compare their own fields: the age with the month and year of birth
// (give or take a year), the response deadline with the start date (a day in England).
func TestRequestPagesCompareTheirFields(t *testing.T) {
	now := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	child := func(age, month, year int) marketplace.RequestChild {
		return marketplace.RequestChild{AgeYears: &age, BirthMonth: &month, BirthYear: &year}
	}
	place := func(start, deadline string) marketplace.RequestPlacement {
		return marketplace.RequestPlacement{StartDate: start, Deadline: deadline}
	}
	tests := []struct {
		name  string
		check func() []string
		want  []string
	}{
		{"AgeMatchesBirth", func() []string { return fields(child(14, 11, 2012).Check(now)) }, nil},
		{"AgeAYearOut", func() []string { return fields(child(13, 11, 2012).Check(now)) }, nil},
		{"ErrAged14Born5YearsAgo", func() []string { return fields(child(14, 11, 2021).Check(now)) }, []string{"birth_month"}},
		{"BirthNotGivenYet", func() []string { return fields(marketplace.RequestChild{}.Check(now)) }, nil},
		{"DeadlineBeforeStart", func() []string { return fields(place("2026-12-04", "2026-12-01T17:00:00Z").Check()) }, nil},
		{"DeadlineOnTheStartDay", func() []string { return fields(place("2026-12-04", "2026-12-04T16:00:00Z").Check()) }, nil},
		{"ErrDeadlineAfterStart", func() []string { return fields(place("2026-12-04", "2026-12-05T09:00:00Z").Check()) }, []string{"deadline"}},
		{"ErrDeadlineAfterMidnightInEngland", func() []string { return fields(place("2026-07-04", "2026-07-04T23:30:00Z").Check()) }, []string{"deadline"}},
		{"DatesNotGivenYet", func() []string { return fields(place("", "").Check()) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.check(); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("problems with %v, want %v", got, tt.want)
			}
		})
	}
}

// An invited provider reads the request's invited profile, a new column included
// (religion), and never the council's reference, the birth month and year or the home
// district; the database holds the length limits of the free text.
func TestTheInvitationIsTheInvitedProfile(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	manchester := w.member(t, "E08000003")
	w.home(t, w.provider.ID, "SC970101", "M20 2AB", []string{"cse_risk"}, 1)
	r, _ := w.openRequest(t, manchester)
	must(t, w.exec("UPDATE placement_requests SET religion = 'Muslim', first_language = 'Arabic' WHERE id = $1", r.ID))
	inv, err := w.mk.InvitationFor(ctx, r.ID, w.provider.ID)
	must(t, err)
	p := inv.Profile
	if p.Religion != "Muslim" || p.FirstLanguage != "Arabic" || p.AgeYears == nil || *p.AgeYears != 14 || p.Sex == nil || p.Tier == nil || len(p.Needs) != 1 {
		t.Fatalf("profile %+v", p)
	}
	if p.ChildRef != "" || p.BirthMonth != nil || p.BirthYear != nil || p.HomeOutcode != nil || p.ID != 0 || p.CouncilID != 0 {
		t.Fatalf("the profile shows more than invited providers may see: %+v", p)
	}
	if shown := inv.Shown(); shown["religion"] != "Muslim" || shown["first_language"] != "Arabic" {
		t.Fatalf("shown %v", shown)
	}
	for _, tt := range []struct{ name, sql string }{
		{"ErrRawReligionTooLong", "UPDATE placement_requests SET religion = repeat('x', 61) WHERE id = $1"},
		{"ErrRawNeedsDetailTooLong", "UPDATE placement_requests SET needs_detail = repeat('x', 4001) WHERE id = $1"},
		{"ErrRawFamilyDetailsTooLong", "UPDATE placement_requests SET family_details = repeat('x', 4001) WHERE id = $1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := w.exec(tt.sql, r.ID); sqlState(err) != "23514" {
				t.Fatalf("the database took it: %v", err)
			}
		})
	}
}

func fields(fe kernel.FieldErrors) []string {
	var out []string
	for _, e := range fe {
		out = append(out, e.Field)
	}
	return out
}
