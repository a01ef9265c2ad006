package frontend

import (
	"net/url"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// TestDecodeFormIntoBidInput: the shared form decoder reads the bid form into the API's
// input struct, and reports what it cannot read by JSON name, beside its form element.
func TestDecodeFormIntoBidInput(t *testing.T) {
	form := func(kv ...string) url.Values {
		v := url.Values{"home_id": {"7"}, "earliest_start-day": {"3"}, "earliest_start-month": {"4"}, "earliest_start-year": {"2026"},
			"weekly_fee": {"4,750.50"}, "notice_days": {"28"}, "note_autism": {" Trained staff "}, "note_cse_risk": {""}, "alternative": {"yes"}}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name          string
		vals          url.Values
		field, formID string
		code          kernel.Code
	}{
		{"OK", form(), "", "", ""},
		{"ErrWeeklyFeeNotAnAmount", form("weekly_fee", "lots"), "weekly_fee_pence", "weekly_fee", kernel.CodeBadAmount},
		{"ErrEarliestStartNotADate", form("earliest_start-day", "31", "earliest_start-month", "2"), "earliest_start", "earliest_start-day", kernel.CodeBadDate},
		{"ErrEarliestStartPartMissing", form("earliest_start-year", ""), "earliest_start", "earliest_start-day", kernel.CodeBadDate},
		{"ErrNoticeDaysNotANumber", form("notice_days", "four weeks"), "notice_days", "notice_days", kernel.CodeBadNumber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in marketplace.BidInput
			fe := decodeValues(tt.vals, &in, nil)
			if tt.field == "" {
				if fe != nil {
					t.Fatalf("problems %v", fe)
				}
				if in.HomeID != 7 || in.EarliestStart != "2026-04-03" || in.WeeklyFee != 475050 || in.NoticeDays != 28 || !in.Alternative ||
					len(in.NeedNotes) != 1 || in.NeedNotes["autism"] != "Trained staff" {
					t.Fatalf("decoded %+v", in)
				}
				return
			}
			if len(fe) != 1 || fe[0].Field != tt.field || fe[0].ID() != tt.formID || fe[0].Code != tt.code || fe[0].Text() == "" {
				t.Fatalf("problems %+v, want %s at %s (%s)", fe, tt.field, tt.formID, tt.code)
			}
		})
	}
}

// TestFieldErrorsSitBesideTheirFormElements: a field error from the domain (a JSON
// name) is shown beside its date input's day box, and ids given by the form stay.
func TestFieldErrorsSitBesideTheirFormElements(t *testing.T) {
	var in marketplace.FeeInput
	fe := withFormIDs(kernel.FieldErrors{{Field: "effective_from"}, {Field: "core_pence"}, {Field: "reason"}}, &in)
	for i, want := range []string{"effective_from-day", "core_fee", "reason"} {
		if fe[i].ID() != want {
			t.Errorf("%s beside %q, want %q", fe[i].Field, fe[i].ID(), want)
		}
	}
	got := formIDs(kernel.FieldErrors{{Field: "ended_on", Message: "Enter the end date"}, {Field: "note"}}, map[string]string{"ended_on-day": "", "note": ""})
	if got[0].ID() != "ended_on-day" || got[1].ID() != "note" {
		t.Errorf("form ids %+v", got)
	}
	if errorFor(got, "ended_on-day") != "Enter the end date" {
		t.Error("errorFor does not find the date's error by its day box")
	}
}
