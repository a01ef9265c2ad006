package frontend

import (
	"strconv"
	"strings"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
)

// answer is one row of check your answers: what was asked, what was answered (a line
// each), and the field its Change link goes back to.
type answer struct {
	Key    string
	Lines  []string
	Field  string // the form field's id: the Change link is /secure/referrals/new#Field
	Hidden string // what the link changes, for screen readers
}

// referralAnswers lists every answer of a referral, in the form's order, for check your
// answers. A blank answer says so, so that no row is missing.
func referralAnswers(in secure.ReferralInput) []answer {
	or := func(s, none string) string {
		if strings.TrimSpace(s) == "" {
			return none
		}
		return s
	}
	day := func(t *time.Time) string {
		if t == nil {
			return "Not given"
		}
		return formatTime(t, "2 January 2006")
	}
	yesNo := func(b *bool) string {
		if b == nil {
			return "Not given"
		}
		return map[bool]string{true: "Yes", false: "No"}[*b]
	}
	needs := []string{"None listed"}
	if len(in.Needs) > 0 {
		needs = make([]string, len(in.Needs))
		for i, n := range in.Needs {
			needs[i] = kernel.Label(kernel.Needs, n)
		}
	}
	born := "Not given"
	if in.BirthMonth >= 1 && in.BirthMonth <= 12 {
		born = time.Date(in.BirthYear, time.Month(in.BirthMonth), 1, 0, 0, 0, 0, time.UTC).Format("January 2006")
	}
	one := func(key, value, field, hidden string) answer {
		return answer{Key: key, Lines: []string{value}, Field: field, Hidden: hidden}
	}
	return []answer{
		one("Your council's reference", in.ChildRef, "child_ref", "the child's reference"),
		one("Age", strconv.Itoa(in.AgeYears), "age_years", "the child's age"),
		one("Born", born, "birth_month", "the month and year of birth"),
		one("Sex", map[string]string{"male": "Male", "female": "Female"}[in.Sex], "sex", "the child's sex"),
		one("Ethnicity", kernel.Label(kernel.Ethnicities, in.Ethnicity), "ethnicity", "the child's ethnicity"),
		one("Religion", or(in.Religion, "Not given"), "religion", "the child's religion"),
		one("First language", or(in.FirstLanguage, "Not given"), "first_language", "the child's first language"),
		one("On a child protection plan", yesNo(in.ChildProtectionPlan), "child_protection_plan", "whether the child is on a child protection plan"),
		one("Where the order stands", kernel.Label(secure.LegalPositions, in.LegalPosition), "legal_position", "where the order stands"),
		one("Primary reason for the order", kernel.Label(secure.PrimaryReasons, in.PrimaryReason), "primary_reason", "the primary reason for the order"),
		one("Order started on", day(in.OrderStart), "order_start-day", "the order's start date"),
		one("First order or renewal", or(kernel.Label(secure.OrderKinds, in.OrderKind), "Not given"), "order_kind", "whether this is the first order or a renewal"),
		one("Order expires on", day(in.OrderExpiry), "order_expiry-day", "the order's expiry date"),
		one("Hearing date", day(in.HearingDate), "hearing_date-day", "the hearing date"),
		one("Court", or(in.Court, "Not given"), "court", "the court"),
		one("Urgency", kernel.Label(secure.Urgencies, in.Urgency), "urgency", "the urgency"),
		one("72-hour emergency placement", map[bool]string{true: "Asked for", false: "Not asked for"}[in.Emergency72h], "emergency_72h", "the 72-hour emergency placement"),
		one("Secretary of State's approval asked for on", day(in.SOSRequestedOn), "sos_requested_on-day", "the date approval was asked for"),
		one("Secretary of State's approval granted on", day(in.SOSGrantedOn), "sos_granted_on-day", "the date approval was granted"),
		one("Approval reference", or(in.SOSApprovalRef, "Not given"), "sos_approval_ref", "the approval reference"),
		{Key: "Needs and risks", Lines: needs, Field: "needs", Hidden: "the needs and risks"},
		{Key: "More about the child's needs", Lines: strings.Split(or(in.NeedsDetail, "Not given"), "\n"), Field: "needs_detail", Hidden: "more about the child's needs"},
		one("Postcode district where the child is now", strings.ToUpper(in.CurrentOutcode), "current_outcode", "the postcode district"),
		one("Preferred distance", strconv.Itoa(in.PreferredMiles)+" miles", "preferred_miles", "the preferred distance"),
		one("Social worker", in.SocialWorker, "social_worker", "the social worker"),
		one("Sanctioning officer", in.SanctioningOfficer, "sanctioning_officer", "the sanctioning officer"),
		one("Children's guardian", or(in.ChildrensGuardian, "Not given"), "childrens_guardian", "the children's guardian"),
		one("Solicitor", or(in.Solicitor, "Not given"), "solicitor", "the solicitor"),
	}
}
