package secure_test

import (
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
	ok := secure.NewReferral{ChildRef: "MCR-S-1", AgeYears: 15, BirthMonth: 4, BirthYear: today.Year() - 15, Sex: "male", LegalPosition: "hearing_listed",
		HearingDate: day(5), OrderExpiry: day(30), Court: "Manchester", Urgency: "urgent", CurrentOutcode: "M14", PreferredMiles: 40,
		SocialWorker: "SW", SanctioningOfficer: "SO"}
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
