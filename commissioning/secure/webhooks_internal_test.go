package secure

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestReferralAllocatedShowsEachRecipientItsOwnView: the referring council sees the
// bed, the child's age and sex and the social worker; the home the bed and the child
// but no social worker; the host council who placed, the reference, the home and whom
// to contact, and nothing of the child's profile or the bed.
func TestReferralAllocatedShowsEachRecipientItsOwnView(t *testing.T) {
	now := time.Now()
	r := Referral{ID: 5, ChildRef: "MCR-S-1", AgeYears: 14, Sex: "male", SocialWorker: "Sam Smith, 0161 000 0000", AllocatedAt: &now}
	h, b := Home{Name: "Oakfield"}, Bed{Label: "B2"}
	tests := []struct {
		view       string
		has, lacks []string
	}{
		{viewCouncil, []string{`"bed_label":"B2"`, `"age_years":14`, `"sex":"male"`, `"social_worker"`}, nil},
		{viewHome, []string{`"bed_label":"B2"`, `"age_years":14`}, []string{`"social_worker"`}},
		{viewHost, []string{`"child_ref":"MCR-S-1"`, `"home_name":"Oakfield"`, `"social_worker"`, `"placing_council":"Manchester"`}, []string{"bed_label", "age_years", `"sex"`}},
	}
	for _, tt := range tests {
		t.Run(tt.view, func(t *testing.T) {
			raw, err := json.Marshal(referralAllocatedData(r, "Manchester", h, b, tt.view))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.has {
				if !strings.Contains(string(raw), s) {
					t.Errorf("%s lacks %s", raw, s)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(string(raw), s) {
					t.Errorf("%s has %s", raw, s)
				}
			}
		})
	}
}
