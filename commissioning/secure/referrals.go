package secure

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// UpdateEvery is how often a council must update an open referral; ReviewEvery how often
// it must re-submit it as a reviewed referral. A search pauses when either is overdue.
const (
	UpdateEvery  = 14 * 24 * time.Hour
	ReviewMonths = 3
)

// LegalPositions are where a secure order stands.
var LegalPositions = []kernel.Option{
	{Code: "order_granted", Label: "Section 25 order granted"},
	{Code: "hearing_listed", Label: "Hearing listed"},
	{Code: "applying", Label: "Applying for an order"},
}

// OrderKinds say whether a section 25 order is the first authorisation or a renewal.
var OrderKinds = []kernel.Option{
	{Code: "first", Label: "First order (at most 3 months)"},
	{Code: "renewal", Label: "Renewal (at most 6 months)"},
}

var orderMonths = map[string]int{"first": 3, "renewal": 6}

// MaxOrderEnd is the latest a section 25 order starting on start may run to: 3 months on
// first authorisation (Children (Secure Accommodation) Regulations 1991, reg. 11) and 6
// on renewal (reg. 12).
// Like PostgreSQL's date + interval (the database's CHECK), a day the month lacks falls
// back to the month's last day: 30 November + 3 months is 28 (or 29) February.
func MaxOrderEnd(start time.Time, kind string) time.Time {
	first := time.Date(start.Year(), start.Month()+time.Month(orderMonths[kind]), 1, 0, 0, 0, 0, start.Location())
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(start.Day(), last), 0, 0, 0, 0, start.Location())
}

// PrimaryReasons are the section 25(1) criterion a secure order rests on, as the Secure
// Accommodation Network's referral form asks for it: (a) a history of absconding, likely
// to abscond from other accommodation and to suffer significant harm if they do; or (b)
// likely to injure themselves or others if kept in any other accommodation. The
// database's CHECK on secure_referrals.primary_reason holds the same codes.
var PrimaryReasons = []kernel.Option{
	{Code: "absconding_harm", Label: "History of absconding and likely to suffer significant harm if they abscond (s25(1)(a))"},
	{Code: "injure_self", Label: "Likely to injure themselves in other accommodation (s25(1)(b))"},
	{Code: "injure_others", Label: "Likely to injure others in other accommodation (s25(1)(b))"},
	{Code: "injure_self_and_others", Label: "Likely to injure themselves and others in other accommodation (s25(1)(b))"},
}

// MaxNameLen is the most characters a religion or a language's name may have.
const MaxNameLen = 60

// Urgencies rank referrals.
var Urgencies = []kernel.Option{
	{Code: "emergency", Label: "Emergency (today)"},
	{Code: "urgent", Label: "Urgent (within days)"},
	{Code: "planned", Label: "Planned"},
}

// Statuses are a referral's states as the council sees them.
var Statuses = []kernel.Option{
	{Code: "received", Label: "Received"}, {Code: "circulated", Label: "Circulated to homes"},
	{Code: "offers", Label: "Offers received"}, {Code: "allocated", Label: "Bed allocated"},
	{Code: "placed", Label: "Placed"}, {Code: "withdrawn", Label: "Withdrawn"},
	{Code: "placed_elsewhere", Label: "Placed elsewhere"},
}

// Referral is a council's section 25 secure welfare referral.
type Referral struct {
	ID                  int64 `gorm:"primaryKey"`
	CouncilID           int64
	CreatedBy           *int64
	Status              ReferralStatus
	ChildRef            string
	AgeYears            int
	BirthMonth          int
	BirthYear           int
	Sex                 string
	Ethnicity           string // SSDA903 ETHNIC code: special category, see Referral
	Religion            string // special category, see Referral
	FirstLanguage       string
	LegalPosition       string
	PrimaryReason       *string // nil: sent before the form asked
	ChildProtectionPlan *bool   // nil: sent before the form asked
	OrderStart          *time.Time
	OrderKind           *string
	OrderExpiry         *time.Time
	HearingDate         *time.Time
	Court               string
	Urgency             string
	Needs               kernel.StringArray `gorm:"type:text[]"`
	NeedsDetail         string
	CurrentOutcode      string
	Lat, Lon            float64
	PreferredMiles      int
	SocialWorker        string
	SanctioningOfficer  string
	ChildrensGuardian   string
	Solicitor           string
	Emergency72h        bool       `gorm:"column:emergency_72h"`
	SOSApprovalRef      string     `gorm:"column:sos_approval_ref"`
	SOSRequestedOn      *time.Time `gorm:"column:sos_requested_on"`
	SOSGrantedOn        *time.Time `gorm:"column:sos_granted_on"`
	SubmittedAt         time.Time  `gorm:"->"`
	UpdatedAt           time.Time  `gorm:"autoUpdateTime:false"`
	ReviewedAt          time.Time
	AllocatedBedID      *int64
	AllocatedAt         *time.Time
	AllocatedBy         *int64
	ClosedAt            *time.Time
	Version             int

	special bool // Service.Referral left Ethnicity and Religion in for its viewer
}

// ShowsSpecial reports whether the viewer the referral was read for may see the child's
// ethnicity and religion (see Service.Referral).
func (r Referral) ShowsSpecial() bool { return r.special }

// TableName is the secure_referrals table.
func (Referral) TableName() string { return "secure_referrals" }

// Waiting reports whether the child is still waiting for a bed.
func (r Referral) Waiting() bool {
	return r.Status.Waiting()
}

// UpdateDue is when the council's next update is due; ReviewDue when its next review is.
func (r Referral) UpdateDue() time.Time { return r.UpdatedAt.Add(UpdateEvery) }

// ReviewDue is when the referral must next be re-submitted as reviewed.
func (r Referral) ReviewDue() time.Time { return r.ReviewedAt.AddDate(0, ReviewMonths, 0) }

// Paused says why the search is paused at now ("" when it is not).
func (r Referral) Paused(now time.Time) string {
	switch {
	case !r.Waiting():
		return ""
	case now.After(r.ReviewDue()):
		return "The 3-monthly review is overdue (due " + r.ReviewDue().In(london).Format(day) + ")"
	case now.After(r.UpdateDue()):
		return "The 14-day update is overdue (due " + r.UpdateDue().In(london).Format(day) + ")"
	}
	return ""
}

// DaysWaiting counts whole days since the referral was received.
func (r Referral) DaysWaiting(now time.Time) int { return int(now.Sub(r.SubmittedAt).Hours() / 24) }

// Priority ranks the waiting list for the allocation suggestion, higher first: urgency
// first, then days waiting, then how soon the order expires (an order about to lapse is
// more pressing). It is a single number so the suggestion can add priorities up.
func (r Referral) Priority(now time.Time) int64 {
	urgency := map[string]int64{"emergency": 3, "urgent": 2, "planned": 1}[r.Urgency]
	days := int64(min(max(r.DaysWaiting(now), 0), 999))
	var expiry int64
	if r.OrderExpiry != nil {
		left := int64(r.OrderExpiry.Sub(now).Hours() / 24)
		expiry = 99 - min(max(left, 0), 99)
	}
	return urgency*1_000_000 + days*100 + expiry
}

var childRef = regexp.MustCompile(`^[A-Za-z0-9/_-]{2,40}$`)

// ReferralInput is what a council sends.
type ReferralInput struct {
	ChildRef            string
	AgeYears            int
	BirthMonth          int
	BirthYear           int
	Sex                 string
	Ethnicity           string
	Religion            string
	FirstLanguage       string
	LegalPosition       string
	PrimaryReason       string
	ChildProtectionPlan *bool
	OrderStart          *time.Time
	OrderKind           string // first or renewal
	OrderExpiry         *time.Time
	HearingDate         *time.Time
	Court               string
	Urgency             string
	Needs               []string
	NeedsDetail         string
	CurrentOutcode      string
	PreferredMiles      int
	SocialWorker        string
	SanctioningOfficer  string
	ChildrensGuardian   string
	Solicitor           string
	Emergency72h        bool
	SOSApprovalRef      string
	SOSRequestedOn      *time.Time
	SOSGrantedOn        *time.Time
}

// NewReferral is a council's secure referral as the referral form and the API send it:
// dates as "2006-01-02" (GOV.UK date inputs on the form).
type NewReferral struct {
	ChildRef            string   `json:"child_ref" form:"child_ref" validate:"required" msg:"*=Enter the child's reference in your council's system: 2 to 40 letters, digits, / _ or - (never a name)"`
	AgeYears            int      `json:"age_years" form:"age_years" validate:"required" msg:"*=Enter the child's age: secure children's homes take children from 10 to 17"`
	BirthMonth          int      `json:"birth_month" form:"birth_month" validate:"required" msg:"*=Enter the month and year of the child's birth"`
	BirthYear           int      `json:"birth_year" form:"birth_year" validate:"required" msg:"*=Enter the month and year of the child's birth"`
	Sex                 string   `json:"sex" form:"sex" validate:"required,oneof=male female" msg:"*=Select the child's sex"`
	Ethnicity           string   `json:"ethnicity" form:"ethnicity" validate:"required" msg:"*=Select the child's ethnicity: Refused if they or their family will not say, Not yet obtained if you do not know"`
	Religion            string   `json:"religion" form:"religion" validate:"max=60" msg:"*=The religion must be 60 characters or fewer"`
	FirstLanguage       string   `json:"first_language" form:"first_language" validate:"max=60" msg:"*=The first language must be 60 characters or fewer"`
	ChildProtectionPlan *bool    `json:"child_protection_plan" form:"child_protection_plan" validate:"required" msg:"*=Select whether the child is on a child protection plan"`
	LegalPosition       string   `json:"legal_position" form:"legal_position" validate:"required,oneof=order_granted hearing_listed applying" msg:"*=Select where the secure order stands"`
	PrimaryReason       string   `json:"primary_reason" form:"primary_reason" validate:"required" msg:"*=Select the primary reason for the order"`
	OrderStart          string   `json:"order_start" form:"order_start,date" label:"The order's start date" validate:"omitempty,datetime=2006-01-02" msg:"*=The order's start date must be a real date"`
	OrderKind           string   `json:"order_kind" form:"order_kind" validate:"omitempty,oneof=first renewal" msg:"*=Select whether this is the first order or a renewal"`
	OrderExpiry         string   `json:"order_expiry" form:"order_expiry,date" label:"The order's expiry date" validate:"omitempty,datetime=2006-01-02" msg:"*=The order's expiry date must be a real date"`
	HearingDate         string   `json:"hearing_date" form:"hearing_date,date" label:"The hearing date" validate:"omitempty,datetime=2006-01-02" msg:"*=The hearing date must be a real date"`
	Court               string   `json:"court" form:"court" validate:"max=200" msg:"*=The court must be 200 characters or fewer"`
	Urgency             string   `json:"urgency" form:"urgency" validate:"required,oneof=emergency urgent planned" msg:"*=Select how urgent the referral is"`
	Needs               []string `json:"needs" form:"needs"`
	NeedsDetail         string   `json:"needs_detail" form:"needs_detail" validate:"max=4000" msg:"*=The needs detail must be 4,000 characters or fewer"`
	CurrentOutcode      string   `json:"current_outcode" form:"current_outcode" validate:"required" msg:"*=Enter the first part of the postcode where the child is now, like M14"`
	PreferredMiles      int      `json:"preferred_miles" form:"preferred_miles" validate:"required" msg:"*=Enter how far from home, in miles, a bed would suit"`
	SocialWorker        string   `json:"social_worker" form:"social_worker" validate:"required,max=300" msg:"*=Enter the social worker's name and contact, in 300 characters or fewer"`
	SanctioningOfficer  string   `json:"sanctioning_officer" form:"sanctioning_officer" validate:"required,max=300" msg:"*=Enter the sanctioning officer's name and contact, in 300 characters or fewer"`
	ChildrensGuardian   string   `json:"childrens_guardian" form:"childrens_guardian" validate:"max=300" msg:"*=Must be 300 characters or fewer"`
	Solicitor           string   `json:"solicitor" form:"solicitor" validate:"max=300" msg:"*=Must be 300 characters or fewer"`
	Emergency72h        bool     `json:"emergency_72h" form:"emergency_72h"`
	SOSApprovalRef      string   `json:"sos_approval_ref" form:"sos_approval_ref" validate:"max=100" msg:"*=Must be 100 characters or fewer"`
	SOSRequestedOn      string   `json:"sos_requested_on" form:"sos_requested_on,date" label:"The date approval was asked for" validate:"omitempty,datetime=2006-01-02" msg:"*=The date approval was asked for must be a real date"`
	SOSGrantedOn        string   `json:"sos_granted_on" form:"sos_granted_on,date" label:"The date approval was granted" validate:"omitempty,datetime=2006-01-02" msg:"*=The date approval was granted must be a real date"`
}

// Input checks the referral as typed and by the referral rules on today's date, and
// returns every problem at once, by JSON name; or the ReferralInput to submit.
func (n NewReferral) Input(today time.Time) (ReferralInput, kernel.FieldErrors) {
	fe := kernel.Check(&n)
	in := ReferralInput{ChildRef: strings.TrimSpace(n.ChildRef), AgeYears: n.AgeYears, BirthMonth: n.BirthMonth, BirthYear: n.BirthYear, Sex: n.Sex,
		Ethnicity: n.Ethnicity, Religion: strings.TrimSpace(n.Religion), FirstLanguage: strings.TrimSpace(n.FirstLanguage), ChildProtectionPlan: n.ChildProtectionPlan,
		PrimaryReason: n.PrimaryReason, LegalPosition: n.LegalPosition, OrderKind: n.OrderKind, Court: n.Court, Urgency: n.Urgency, Needs: n.Needs, NeedsDetail: n.NeedsDetail,
		CurrentOutcode: n.CurrentOutcode, PreferredMiles: n.PreferredMiles, SocialWorker: n.SocialWorker, SanctioningOfficer: n.SanctioningOfficer,
		ChildrensGuardian: n.ChildrensGuardian, Solicitor: n.Solicitor, Emergency72h: n.Emergency72h, SOSApprovalRef: n.SOSApprovalRef}
	var dates kernel.FieldErrors
	in.OrderStart = kernel.Day(&dates, "order_start", n.OrderStart, "The order's start date")
	in.OrderExpiry = kernel.Day(&dates, "order_expiry", n.OrderExpiry, "The order's expiry date")
	in.HearingDate = kernel.Day(&dates, "hearing_date", n.HearingDate, "The hearing date")
	in.SOSRequestedOn = kernel.Day(&dates, "sos_requested_on", n.SOSRequestedOn, "The date approval was asked for")
	in.SOSGrantedOn = kernel.Day(&dates, "sos_granted_on", n.SOSGrantedOn, "The date approval was granted")
	for _, more := range []kernel.FieldErrors{dates, in.Validate(today)} {
		for _, e := range more {
			if !fe.Has(e.Field) {
				fe = append(fe, e)
			}
		}
	}
	return in, fe
}

// Validate checks a referral by field, on today's date.
func (in ReferralInput) Validate(today time.Time) kernel.FieldErrors {
	var fe kernel.FieldErrors
	if !childRef.MatchString(in.ChildRef) {
		fe.Add("child_ref", "Enter the child's reference in your council's system: 2 to 40 letters, digits, / _ or - (never a name)")
	}
	if in.AgeYears < 10 || in.AgeYears > 17 {
		fe.Add("age_years", "Enter the child's age: secure children's homes take children from 10 to 17")
	}
	if in.BirthMonth < 1 || in.BirthMonth > 12 || in.BirthYear < today.Year()-19 || in.BirthYear > today.Year()-9 {
		fe.Add("birth_month", "Enter the month and year of the child's birth")
	} else if in.AgeYears >= 10 && in.AgeYears <= 17 && !AgeFits(in.AgeYears, in.BirthMonth, in.BirthYear, today) {
		fe.Add("age_years", fmt.Sprintf("A child born in %s is %s today: check the age and the month and year of birth",
			time.Date(in.BirthYear, time.Month(in.BirthMonth), 1, 0, 0, 0, 0, time.UTC).Format("January 2006"), agesFor(in.BirthMonth, in.BirthYear, today)))
	}
	if in.Sex != "male" && in.Sex != "female" {
		fe.Add("sex", "Select the child's sex")
	}
	if !kernel.ValidCode(kernel.Ethnicities, in.Ethnicity) {
		fe.AddCode("ethnicity", kernel.CodeNotInList, "Select the child's ethnicity: Refused if they or their family will not say, Not yet obtained if you do not know")
	}
	if utf8.RuneCountInString(in.Religion) > MaxNameLen {
		fe.AddCode("religion", kernel.CodeTooLong, "The religion must be 60 characters or fewer")
	}
	if utf8.RuneCountInString(in.FirstLanguage) > MaxNameLen {
		fe.AddCode("first_language", kernel.CodeTooLong, "The first language must be 60 characters or fewer")
	}
	if in.ChildProtectionPlan == nil {
		fe.AddCode("child_protection_plan", kernel.CodeRequired, "Select whether the child is on a child protection plan")
	}
	if !kernel.ValidCode(PrimaryReasons, in.PrimaryReason) {
		fe.AddCode("primary_reason", kernel.CodeNotInList, "Select the primary reason for the order")
	}
	switch in.LegalPosition {
	case "order_granted":
		if in.OrderStart == nil {
			fe.Add("order_start", "Enter the date the order started")
		} else if in.BirthMonth >= 1 && in.BirthMonth <= 12 && in.OrderStart.Before(time.Date(in.BirthYear, time.Month(in.BirthMonth), 1, 0, 0, 0, 0, in.OrderStart.Location())) {
			fe.Add("order_start", "The order cannot start before the child was born: check the start date and the year of birth")
		}
		if !kernel.ValidCode(OrderKinds, in.OrderKind) {
			fe.Add("order_kind", "Select whether this is the first order or a renewal")
		}
		if in.OrderExpiry == nil {
			fe.Add("order_expiry", "Enter the date the order expires")
		} else if in.OrderExpiry.Before(today) {
			fe.Add("order_expiry", "The order has expired: the expiry date must be today or later")
		} else if in.OrderStart != nil && !in.OrderExpiry.After(*in.OrderStart) {
			fe.Add("order_start", "The order must start before it expires")
			fe.Add("order_expiry", "The order must expire after it starts")
		} else if in.OrderStart != nil && kernel.ValidCode(OrderKinds, in.OrderKind) && in.OrderExpiry.After(MaxOrderEnd(*in.OrderStart, in.OrderKind)) {
			fe.Add("order_expiry", fmt.Sprintf("A %s order runs at most %d months (Children (Secure Accommodation) Regulations 1991, reg. %s): it must expire by %s",
				map[string]string{"first": "first", "renewal": "renewed"}[in.OrderKind], orderMonths[in.OrderKind], map[string]string{"first": "11", "renewal": "12"}[in.OrderKind],
				MaxOrderEnd(*in.OrderStart, in.OrderKind).Format(day)))
		}
	case "hearing_listed":
		if in.HearingDate == nil {
			fe.Add("hearing_date", "Enter the date of the hearing")
		} else if in.HearingDate.Before(today) {
			fe.Add("hearing_date", "The hearing date must be today or later; if it has happened, give the order")
		}
		if strings.TrimSpace(in.Court) == "" {
			fe.Add("court", "Enter the court")
		}
	case "applying":
	default:
		fe.Add("legal_position", "Select where the secure order stands")
	}
	if in.OrderExpiry != nil && in.HearingDate != nil && in.OrderExpiry.Before(*in.HearingDate) {
		fe.Add("order_expiry", "The order cannot expire before the hearing date")
	}
	if !kernel.ValidCode(Urgencies, in.Urgency) {
		fe.Add("urgency", "Select how urgent the referral is")
	}
	for _, n := range in.Needs {
		if !kernel.ValidCode(kernel.Needs, n) {
			fe.Add("needs", "Select needs and risks from the list")
			break
		}
	}
	if len(in.NeedsDetail) > 4000 {
		fe.Add("needs_detail", "The detail must be 4,000 characters or fewer")
	}
	if _, err := geo.LookupOutcode(in.CurrentOutcode); err != nil {
		fe.Add("current_outcode", geo.Explain(err, "Enter the postcode district where the child is now, like M14"))
	}
	if in.PreferredMiles < 1 || in.PreferredMiles > 1000 {
		fe.Add("preferred_miles", "Enter the preferred distance in miles, from 1 to 1,000")
	}
	for _, f := range []struct{ field, value, msg string }{
		{"social_worker", in.SocialWorker, "Enter the social worker's name and phone or email"},
		{"sanctioning_officer", in.SanctioningOfficer, "Enter the sanctioning officer's name and phone or email"},
	} {
		if l := len(strings.TrimSpace(f.value)); l < 2 || l > 300 {
			fe.Add(f.field, f.msg)
		}
	}
	if len(in.ChildrensGuardian) > 300 || len(in.Solicitor) > 300 {
		fe.Add("childrens_guardian", "Contacts must be 300 characters or fewer")
	}
	if len(in.SOSApprovalRef) > 100 {
		fe.Add("sos_approval_ref", "The approval's reference must be 100 characters or fewer")
	}
	if in.SOSGrantedOn != nil {
		if strings.TrimSpace(in.SOSApprovalRef) == "" {
			fe.Add("sos_approval_ref", "Enter the reference of the Secretary of State's approval")
		}
		if in.SOSGrantedOn.After(today) {
			fe.Add("sos_granted_on", "The approval's date must be today or earlier")
		}
	}
	return fe
}

// AgeFits reports whether a child born in month/year can be age years old on today: in
// the birth month the birthday may or may not have passed, so two ages fit.
func AgeFits(age, month, year int, today time.Time) bool {
	after, before := agesOn(month, year, today)
	return age == after || age == before
}

// agesOn is the child's age on today if their birthday this year has passed, and if not.
func agesOn(month, year int, today time.Time) (after, before int) {
	after = today.Year() - year
	switch m := int(today.Month()); {
	case m > month:
		return after, after
	case m < month:
		return after - 1, after - 1
	}
	return after, after - 1
}

func agesFor(month, year int, today time.Time) string {
	after, before := agesOn(month, year, today)
	if after == before {
		return fmt.Sprint(after)
	}
	return fmt.Sprintf("%d or %d", before, after)
}

// Submit records a council's referral, audits it and tells the SWCU.
func (s *Service) Submit(ctx context.Context, councilID, by int64, in ReferralInput) (Referral, error) {
	if fe := in.Validate(s.today()); fe != nil {
		return Referral{}, fe
	}
	oc, _ := geo.LookupOutcode(in.CurrentOutcode)
	r := Referral{CouncilID: councilID, CreatedBy: nullID(by), Status: "received", ChildRef: in.ChildRef, AgeYears: in.AgeYears, BirthMonth: in.BirthMonth,
		BirthYear: in.BirthYear, Sex: in.Sex, Ethnicity: in.Ethnicity, Religion: strings.TrimSpace(in.Religion), FirstLanguage: strings.TrimSpace(in.FirstLanguage),
		PrimaryReason: &in.PrimaryReason, ChildProtectionPlan: in.ChildProtectionPlan, LegalPosition: in.LegalPosition, OrderExpiry: in.OrderExpiry, HearingDate: in.HearingDate,
		Court: strings.TrimSpace(in.Court), Urgency: in.Urgency, Needs: in.Needs, NeedsDetail: strings.TrimSpace(in.NeedsDetail), CurrentOutcode: oc.Code,
		Lat: oc.Centroid.Lat, Lon: oc.Centroid.Lon, PreferredMiles: in.PreferredMiles, SocialWorker: strings.TrimSpace(in.SocialWorker),
		SanctioningOfficer: strings.TrimSpace(in.SanctioningOfficer), ChildrensGuardian: strings.TrimSpace(in.ChildrensGuardian),
		Solicitor: strings.TrimSpace(in.Solicitor), Emergency72h: in.Emergency72h, SOSApprovalRef: strings.TrimSpace(in.SOSApprovalRef),
		SOSRequestedOn: in.SOSRequestedOn, SOSGrantedOn: in.SOSGrantedOn}
	if in.LegalPosition == "order_granted" {
		r.OrderStart, r.OrderKind = in.OrderStart, &in.OrderKind
	}
	if r.Needs == nil {
		r.Needs = kernel.StringArray{}
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		r.UpdatedAt, r.ReviewedAt = now, now
		if err := tx.Omit("SubmittedAt", "AllocatedBedID", "AllocatedAt", "AllocatedBy", "ClosedAt").Create(&r).Error; err != nil {
			return ruleErr(err)
		}
		if err := tx.First(&r, r.ID).Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "secure.referral", "secure_referral", fmt.Sprint(r.ID), map[string]any{"child_ref": r.ChildRef, "urgency": r.Urgency}); err != nil {
			return err
		}
		if err := changed(tx, r.ID); err != nil {
			return err
		}
		return s.tellSWCU(ctx, tx, fmt.Sprintf("New secure referral %d (%s)", r.ID, Label(Urgencies, r.Urgency)),
			fmt.Sprintf("A council has sent secure referral %d: %s, age %d, %s.", r.ID, Label(Urgencies, r.Urgency), r.AgeYears, Label(LegalPositions, r.LegalPosition)),
			fmt.Sprintf("/secure/referrals/%d", r.ID))
	})
	if err != nil {
		return Referral{}, err // never the child's details with an error
	}
	return r, nil
}

// Label returns the label of a code.
func Label(opts []kernel.Option, code string) string { return kernel.Label(opts, code) }

// tellSWCU emails every SWCU coordinator (and leaves a notice in the unit's inbox).
func (s *Service) tellSWCU(ctx context.Context, tx *gorm.DB, subject, body, path string) error {
	var units []int64
	if err := tx.Raw("SELECT id FROM organisations WHERE kind = 'swcu' ORDER BY id").Scan(&units).Error; err != nil {
		return err
	}
	for _, u := range units {
		if err := s.notify.Send(ctx, tx, notify.Message{OrgID: u, Kind: "secure", Subject: subject, Body: body, Path: path, Inbox: true,
			Roles: []kernel.Role{kernel.RoleSWCUCoordinator}}); err != nil {
			return err
		}
	}
	return nil
}

// Viewer is the organisation asking.
type Viewer struct {
	OrgID int64
	Kind  kernel.OrgKind
}

// Referral returns a referral to its own council, to the SWCU, or to a secure home it
// was circulated to; anyone else gets ErrNotFound. The read is audited.
//
// Ethnicity and religion are special-category data (UK GDPR art. 9). The council and the
// SWCU see them; a secure home sees them only once the child is allocated a bed there, to
// plan the child's care: a home deciding whether to offer a bed does not need them, and
// must not decide on them (Equality Act 2010). The audit records whether they were shown.
func (s *Service) Referral(ctx context.Context, id int64, v Viewer) (Referral, error) {
	var r Referral
	if err := s.db.WithContext(ctx).First(&r, id).Error; err != nil {
		return Referral{}, notFound(id, err)
	}
	allowed := false
	switch v.Kind {
	case kernel.KindCouncil:
		allowed = r.CouncilID == v.OrgID
	case kernel.KindSWCU:
		allowed = true
	case kernel.KindProvider:
		var n int64
		if err := s.db.WithContext(ctx).Table("secure_circulations c").Joins("JOIN secure_homes h ON h.id = c.home_id").
			Where("c.referral_id = ? AND h.provider_id = ?", id, v.OrgID).Count(&n).Error; err != nil {
			return Referral{}, err
		}
		allowed = n > 0
	}
	if !allowed {
		return Referral{}, fmt.Errorf("secure referral %d: %w", id, kernel.ErrNotFound)
	}
	if v.Kind == kernel.KindProvider && r.AllocatedBedID != nil {
		var n int64
		if err := s.db.WithContext(ctx).Table("secure_beds b").Joins("JOIN secure_homes h ON h.id = b.home_id").
			Where("b.id = ? AND h.provider_id = ?", *r.AllocatedBedID, v.OrgID).Count(&n).Error; err != nil {
			return Referral{}, err
		}
		r.special = n > 0
	} else {
		r.special = v.Kind != kernel.KindProvider
	}
	if !r.special {
		r.Ethnicity, r.Religion = "", ""
	}
	if err := audit.New(s.db).Record(ctx, "child.read", "secure_referral", fmt.Sprint(id), map[string]any{"child_ref": r.ChildRef, "viewer_kind": string(v.Kind),
		"special_category": r.special}); err != nil {
		return Referral{}, err // a read that is not audited shows nothing
	}
	return r, nil
}

func notFound(id int64, err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("secure referral %d: %w", id, kernel.ErrNotFound)
	}
	return err
}

// ForCouncil lists one page of a council's referrals, newest first, and counts them all.
func (s *Service) ForCouncil(ctx context.Context, councilID int64, page kernel.Page) ([]Referral, int64, error) {
	return s.ForCouncilWhere(ctx, councilID, nil, page)
}

// ForCouncilWhere lists a council's referrals in any of statuses (codes; none: every
// referral), newest first; a status that is not a referral status is a field error.
func (s *Service) ForCouncilWhere(ctx context.Context, councilID int64, statuses []string, page kernel.Page) ([]Referral, int64, error) {
	for _, st := range statuses {
		if !kernel.ValidCode(Statuses, st) {
			return nil, 0, kernel.Invalid("status", fmt.Sprintf("%q is not a referral status: use received, circulated, offers, allocated, placed, withdrawn or placed_elsewhere", st))
		}
	}
	q := s.db.WithContext(ctx).Model(&Referral{}).Where("council_id = ?", councilID).Order("submitted_at DESC, id DESC")
	if len(statuses) > 0 {
		q = q.Where("status IN ?", statuses)
	}
	return kernel.FindPage[Referral](q, page)
}

// lockOwn reads a council's referral for update.
func lockOwn(ctx context.Context, tx *gorm.DB, id, councilID int64) (Referral, error) {
	var r Referral
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND council_id = ?", id, councilID).First(&r).Error
	return r, notFound(id, err)
}

// Refresh records the council's 14-day update (reviewed: its 3-monthly review too),
// which un-pauses a paused search.
func (s *Service) Refresh(ctx context.Context, id, councilID, by int64, reviewed bool, note string) (Referral, error) {
	var r Referral
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if r, err = lockOwn(ctx, tx, id, councilID); err != nil {
			return err
		}
		if !r.Waiting() {
			return ErrNotWaiting
		}
		if note = strings.TrimSpace(note); note == "" || len(note) > 2000 {
			return kernel.Invalid("note", "Say what has changed, or that nothing has, in 2,000 characters or fewer")
		}
		now := s.Now()
		upd := map[string]any{"updated_at": now, "version": gorm.Expr("version + 1")}
		if reviewed {
			upd["reviewed_at"] = now
		}
		if err := tx.Model(&Referral{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return err
		}
		action := "secure.update"
		if reviewed {
			action = "secure.review"
		}
		if err := tx.First(&r, id).Error; err != nil {
			return err
		}
		if err := changed(tx, id); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, action, "secure_referral", fmt.Sprint(id), map[string]any{"note": note})
	})
	if err != nil {
		return Referral{}, err
	}
	return r, nil
}

// Withdraw ends a council's referral: withdrawn, or placed elsewhere. A held bed is
// released.
func (s *Service) Withdraw(ctx context.Context, id, councilID, by int64, placedElsewhere bool, reason string) (Referral, error) {
	var r Referral
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if r, err = lockOwn(ctx, tx, id, councilID); err != nil {
			return err
		}
		if !r.Status.Active() {
			return ErrNotWaiting
		}
		if reason = strings.TrimSpace(reason); reason == "" {
			return kernel.Invalid("reason", "Enter why the referral is withdrawn")
		}
		held := r.AllocatedBedID
		to := ReferralWithdrawn
		if placedElsewhere {
			to = ReferralPlacedElsewhere
		}
		if err := r.Transition(to); err != nil {
			return err
		}
		// The referral lets go of the bed before the bed is freed: the database refuses to
		// free a bed an allocated child holds.
		if err := tx.Model(&Referral{}).Where("id = ?", id).Updates(map[string]any{"status": r.Status, "closed_at": s.Now(), "allocated_bed_id": nil,
			"allocated_at": nil, "allocated_by": nil}).Error; err != nil {
			return err
		}
		r.AllocatedBedID, r.AllocatedAt, r.AllocatedBy = nil, nil, nil
		if held != nil {
			if err := releaseBed(tx, *held, r.ID, by); err != nil {
				return err
			}
		}
		if err := changed(tx, id); err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "secure.withdraw", "secure_referral", fmt.Sprint(id), map[string]any{"status": r.Status, "reason": reason}); err != nil {
			return err
		}
		return s.tellSWCU(ctx, tx, fmt.Sprintf("Secure referral %d withdrawn", id), fmt.Sprintf("The council has withdrawn secure referral %d: %s.", id, reason),
			fmt.Sprintf("/secure/referrals/%d", id))
	})
	if err != nil {
		return Referral{}, err
	}
	return r, nil
}

// releaseBed frees a bed held for a referral.
func releaseBed(tx *gorm.DB, bedID, referralID, by int64) error {
	res := tx.Exec("UPDATE secure_beds SET status = 'free', held_for = NULL, updated_at = now(), updated_by = ?, version = version + 1 WHERE id = ? AND held_for = ? AND status = 'held'",
		nullID(by), bedID, referralID)
	if res.Error != nil || res.RowsAffected == 0 {
		return ruleErr(res.Error)
	}
	var b Bed
	if err := tx.First(&b, bedID).Error; err != nil {
		return err
	}
	return recordBed(tx, b, "released", by)
}
