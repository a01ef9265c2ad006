package secure_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
)

// TestNewReferralInput: a referral from the form or the API is checked once, by its
// tags and the referral rules, every problem at once, each by its JSON name and code.
func TestNewReferralInput(t *testing.T) {
	today := kernel.DateOf(time.Now())
	day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }
	no := false
	month := int(today.Month()) // born this month: 15 or 14 today
	ok := secure.NewReferral{ChildRef: "MCR-S-1", AgeYears: 15, BirthMonth: month, BirthYear: today.Year() - 15, Sex: "male", LegalPosition: "hearing_listed",
		Ethnicity: "WBRI", Religion: "", FirstLanguage: "English", ChildProtectionPlan: &no, PrimaryReason: "absconding_harm",
		HearingDate: day(5), OrderExpiry: day(30), Court: "Manchester", Urgency: "urgent", CurrentOutcode: "M14", PreferredMiles: 40,
		SocialWorker: "SW", SanctioningOfficer: "SO"}
	granted := func(n *secure.NewReferral) {
		n.LegalPosition, n.OrderKind, n.HearingDate, n.Court = "order_granted", "first", "", ""
	}
	tests := []struct {
		name   string
		change func(*secure.NewReferral)
		want   map[string]kernel.Code
	}{
		{"OK", func(*secure.NewReferral) {}, nil},
		{"ErrChildRefRequired", func(n *secure.NewReferral) { n.ChildRef = "" }, map[string]kernel.Code{"child_ref": kernel.CodeRequired}},
		{"ErrOrderExpiryNotADate", func(n *secure.NewReferral) { n.OrderExpiry = "31/12/2026" }, map[string]kernel.Code{"order_expiry": kernel.CodeBadDate}},
		{"ErrOrderExpiresBeforeHearing", func(n *secure.NewReferral) { n.OrderExpiry = day(2) }, map[string]kernel.Code{"order_expiry": kernel.CodeInvalid}},
		{"ErrEverythingAtOnce", func(n *secure.NewReferral) { n.Sex, n.Urgency, n.HearingDate, n.SocialWorker = "", "soon", "", "" },
			map[string]kernel.Code{"sex": kernel.CodeRequired, "urgency": kernel.CodeNotInList, "hearing_date": kernel.CodeInvalid,
				"social_worker": kernel.CodeRequired}},
		{"ErrSANFieldsMissing", func(n *secure.NewReferral) { n.Ethnicity, n.ChildProtectionPlan, n.PrimaryReason = "", nil, "" },
			map[string]kernel.Code{"ethnicity": kernel.CodeRequired, "child_protection_plan": kernel.CodeRequired, "primary_reason": kernel.CodeRequired}},
		{"ErrSANCodesNotInList", func(n *secure.NewReferral) { n.Ethnicity, n.PrimaryReason = "White", "risky" },
			map[string]kernel.Code{"ethnicity": kernel.CodeNotInList, "primary_reason": kernel.CodeNotInList}},
		{"ErrReligionAndLanguageTooLong", func(n *secure.NewReferral) {
			n.Religion, n.FirstLanguage = strings.Repeat("é", 61), strings.Repeat("x", 61)
		},
			map[string]kernel.Code{"religion": kernel.CodeTooLong, "first_language": kernel.CodeTooLong}},
		{"OKReligionAndLanguage60Runes", func(n *secure.NewReferral) {
			n.Religion, n.FirstLanguage = strings.Repeat("é", 60), strings.Repeat("x", 60)
		}, nil},
		{"OKBornThisMonthEitherAge", func(n *secure.NewReferral) { n.AgeYears = 14 }, nil},
		{"ErrAgeDoesNotFitBirth", func(n *secure.NewReferral) { n.AgeYears = 10 },
			map[string]kernel.Code{"age_years": kernel.CodeInvalid}},
		{"ErrOrderStartsAfterExpiry", func(n *secure.NewReferral) { granted(n); n.OrderStart, n.OrderExpiry = day(10), day(5) },
			map[string]kernel.Code{"order_start": kernel.CodeInvalid, "order_expiry": kernel.CodeInvalid}},
		{"ErrOrderStartsBeforeBirth", func(n *secure.NewReferral) {
			granted(n)
			n.OrderStart, n.OrderExpiry, n.BirthYear, n.AgeYears = today.AddDate(-16, 0, 0).Format(time.DateOnly), day(30), today.Year()-15, 15
		}, map[string]kernel.Code{"order_start": kernel.CodeInvalid, "order_expiry": kernel.CodeInvalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := ok
			tt.change(&n)
			_, fe := n.Input(today)
			got := map[string]kernel.Code{}
			for _, e := range fe {
				got[e.Field] = e.Code
				if e.FormID != "" {
					t.Errorf("%s has form id %q: the domain names fields by JSON name", e.Field, e.FormID)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems %v, want %v", fe, tt.want)
			}
			for f, c := range tt.want {
				if got[f] != c {
					t.Errorf("%s: code %q, want %q (all: %v)", f, got[f], c, fe)
				}
			}
		})
	}
}
