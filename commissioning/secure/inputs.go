package secure

import (
	"strings"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// The inputs of the actions on a referral after it is sent, each read once by the web
// form (by its `form` tags) and the API (by its JSON names) and checked by its tags and
// Rules; the service then checks them against the referral and the beds.

// RefreshInput is the council's 14-day update, and its 3-monthly review.
type RefreshInput struct {
	Reviewed bool   `json:"reviewed" form:"reviewed"`
	Note     string `json:"note" form:"note" validate:"notblank,max=2000" msg:"*=Say what has changed, or that nothing has, in 2,000 characters or fewer"`
}

// WithdrawInput ends a council's referral: withdrawn, or placed elsewhere.
type WithdrawInput struct {
	PlacedElsewhere bool   `json:"placed_elsewhere" form:"placed_elsewhere"`
	Reason          string `json:"reason" form:"reason" validate:"notblank,max=2000" msg:"notblank=Enter why the referral is withdrawn|*=The reason must be 2,000 characters or fewer"`
}

// CirculateInput is the homes the coordinator sends a referral to.
type CirculateInput struct {
	HomeIDs []int64 `json:"home_ids" form:"home_ids" validate:"required,min=1,max=100,dive,gt=0" msg:"*=Select at least one home to send the referral to"`
}

// AllocateInput is the bed the coordinator allocates to a referral.
type AllocateInput struct {
	BedID int64 `json:"bed_id" form:"bed_id" validate:"required,gt=0" msg:"*=Select the bed to allocate"`
}

// ReleaseInput is why the coordinator releases the bed held for a child.
type ReleaseInput struct {
	Reason string `json:"reason" form:"release_reason" validate:"notblank,max=2000" msg:"*=Enter why the bed is released, in 2,000 characters or fewer"`
}

// ApprovalRequest is an approval as the referral page and the API send it; Input gives
// the ApprovalInput RecordApproval checks against the referral.
type ApprovalRequest struct {
	Kind        string `json:"kind" form:"kind" validate:"required,oneof=sos scottish" msg:"*=Select which approval you are recording"`
	HomeID      int64  `json:"home_id" form:"home_id"`
	RequestedOn string `json:"requested_on" form:"requested_on,date" label:"The date it was asked for" validate:"omitempty,datetime=2006-01-02" msg:"*=The date it was asked for must be a real date"`
	GrantedOn   string `json:"granted_on" form:"granted_on,date" label:"The date it was granted" validate:"omitempty,datetime=2006-01-02" msg:"*=The date it was granted must be a real date"`
	Reference   string `json:"reference" form:"reference" validate:"max=100" msg:"*=The reference must be 100 characters or fewer"`
}

// Rules are the approval's checks that need no referral: dates that have passed, and
// what each kind of approval needs.
func (in ApprovalRequest) Rules(now time.Time) kernel.FieldErrors {
	a := in.Input()
	today := kernel.DateOf(now)
	var fe kernel.FieldErrors
	if a.GrantedOn != nil && a.GrantedOn.After(today) {
		fe.Add("granted_on", "The approval's date must be today or earlier")
	}
	if a.RequestedOn != nil && a.RequestedOn.After(today) {
		fe.Add("requested_on", "The date it was asked for must be today or earlier")
	}
	ref := strings.TrimSpace(a.Reference)
	switch a.Kind {
	case "sos":
		if a.GrantedOn == nil && a.RequestedOn == nil {
			fe.Add("requested_on", "Enter the date the approval was asked for, or the date it was granted")
		}
		if a.GrantedOn != nil && ref == "" {
			fe.Add("reference", "Enter the approval's reference")
		}
	case "scottish":
		if a.HomeID <= 0 {
			fe.Add("home_id", "Select the Scottish unit the approval is for")
		}
		if a.GrantedOn == nil {
			fe.Add("granted_on", "Enter the date the Scottish Ministers gave their approval")
		}
		if ref == "" {
			fe.Add("reference", "Enter the approval's reference")
		}
	}
	return fe
}

// Input is the request as RecordApproval takes it (dates that are not real are nil).
func (in ApprovalRequest) Input() ApprovalInput {
	return ApprovalInput{Kind: in.Kind, HomeID: in.HomeID, RequestedOn: dateOf(in.RequestedOn), GrantedOn: dateOf(in.GrantedOn), Reference: in.Reference}
}

// HoldInput is a period the child was held without a court order (no end: still held).
type HoldInput struct {
	From  time.Time  `json:"from" form:"held_from,datetime" label:"The start" validate:"required" msg:"required=Enter the date and time the child was first held without an order"`
	Until *time.Time `json:"until,omitempty" form:"held_until,datetime" label:"The end"`
}

// Rules: a period that has begun, and ends (if it has) after it began and by now.
func (in HoldInput) Rules(now time.Time) kernel.FieldErrors {
	return kernel.PastPeriod{Start: in.From, End: in.Until, StartField: "from", EndField: "until",
		StartLater:     "The start must be now or earlier",
		EndBeforeStart: "The end must be after the start",
		EndLater:       "The end must be now or earlier; leave it blank while the child is still held"}.Check(now)
}

// EndHoldInput is when the running period without an order ended.
type EndHoldInput struct {
	At time.Time `json:"at" form:"held_until,datetime" label:"The end" validate:"required" msg:"required=Enter the date and time the period ended"`
}

// Rules: the period ended by now.
func (in EndHoldInput) Rules(now time.Time) kernel.FieldErrors {
	if in.At.After(now) {
		return kernel.FieldErrors{{Field: "at", Message: "The end must be now or earlier"}}
	}
	return nil
}

// ResponseInput is a home's answer to a circulated referral: a bed offered, or a
// decline with its reason. Response gives the Response Respond checks against the beds.
type ResponseInput struct {
	Response          string `json:"response" form:"response" validate:"required,oneof=accept decline" msg:"*=Select whether you can offer a bed"`
	BedID             int64  `json:"bed_id" form:"bed_id"`
	EarliestAdmission string `json:"earliest_admission" form:"earliest_admission,date" label:"The earliest admission date" validate:"omitempty,datetime=2006-01-02" msg:"*=The earliest admission date must be a real date"`
	DeclineReason     string `json:"decline_reason" form:"decline_reason"`
	Detail            string `json:"detail" form:"detail" validate:"max=2000" msg:"*=The detail must be 2,000 characters or fewer"`
}

// Rules: an offer names a bed and the earliest admission, from today; a decline its
// reason, with detail for Other.
func (in ResponseInput) Rules(now time.Time) kernel.FieldErrors {
	var fe kernel.FieldErrors
	switch in.Response {
	case "accept":
		if in.BedID <= 0 {
			fe.Add("bed_id", "Select a free welfare bed")
		}
		if d := dateOf(in.EarliestAdmission); d == nil {
			fe.Add("earliest_admission", "Enter the earliest date the child can be admitted")
		} else if d.Before(kernel.DateOf(now)) {
			fe.Add("earliest_admission", "The earliest admission date must be today or later")
		}
	case "decline":
		if !kernel.ValidCode(DeclineReasons, in.DeclineReason) {
			fe.Add("decline_reason", "Select why you are declining")
		} else if in.DeclineReason == "other" && strings.TrimSpace(in.Detail) == "" {
			fe.Add("detail", "Say why you are declining")
		}
	}
	return fe
}

// Answer is the input as Respond takes it.
func (in ResponseInput) Answer() Response {
	r := Response{Accept: in.Response == "accept", DeclineReason: in.DeclineReason, Detail: in.Detail}
	if r.Accept {
		r.BedID, r.EarliestAdmission = in.BedID, dateOf(in.EarliestAdmission)
	}
	return r
}

// AdmitInput is the day the child arrived at the home.
type AdmitInput struct {
	AdmittedOn string `json:"admitted_on" form:"admitted_on,date" label:"The admission date" validate:"required,datetime=2006-01-02" msg:"required=Enter the date the child was admitted|*=The admission date must be a real date"`
}

// Day is the admission day (zero if the input was not checked).
func (in AdmitInput) Day() time.Time { return deref(dateOf(in.AdmittedOn)) }

// DischargeInput is the day the child left the home, and why.
type DischargeInput struct {
	DischargedOn string `json:"discharged_on" form:"discharged_on,date" label:"The discharge date" validate:"required,datetime=2006-01-02" msg:"required=Enter the date the child left|*=The discharge date must be a real date"`
	Reason       string `json:"reason" form:"discharge_reason" validate:"required" msg:"*=Select why the child left"`
}

// Day is the discharge day (zero if the input was not checked).
func (in DischargeInput) Day() time.Time { return deref(dateOf(in.DischargedOn)) }

// SuggestionInput takes one suggested pair: an offered bed is allocated; otherwise the
// referral is circulated to the bed's home to ask for it.
type SuggestionInput struct {
	ReferralID int64 `json:"referral_id" form:"referral_id" validate:"required,gt=0" msg:"*=Select a suggested child"`
	HomeID     int64 `json:"home_id" form:"home_id"`
	BedID      int64 `json:"bed_id" form:"bed_id"`
	Offered    bool  `json:"offered" form:"offered"`
}

// Rules: an offered bed to allocate, or a home to ask.
func (in SuggestionInput) Rules(time.Time) kernel.FieldErrors {
	switch {
	case in.Offered && in.BedID <= 0:
		return kernel.FieldErrors{{Field: "bed_id", Message: "Give the offered bed to allocate"}}
	case !in.Offered && in.HomeID <= 0:
		return kernel.FieldErrors{{Field: "home_id", Message: "Give the home to ask for the bed"}}
	}
	return nil
}

// BedInput is a home's report on one bed, as a row of its beds table and the API send
// it; Update gives the BedUpdate SetBed checks against the bed.
type BedInput struct {
	Status         string `json:"status" form:"status" validate:"required,oneof=free occupied closed" msg:"*=Select whether the bed is free, occupied or closed"`
	ClosedReason   string `json:"closed_reason" form:"closed_reason"`
	ReopensOn      string `json:"reopens_on" form:"reopens_on,date" label:"The date" validate:"omitempty,datetime=2006-01-02" msg:"*=The date must be a real date"`
	ExpectedFreeOn string `json:"expected_free_on" form:"expected_free_on,date" label:"The date" validate:"omitempty,datetime=2006-01-02" msg:"*=The date must be a real date"`
	Version        int    `json:"version" form:"version"`
}

// Update is the input as SetBed and SetBeds take it.
func (in BedInput) Update() BedUpdate {
	return BedUpdate{Status: BedStatus(in.Status), ClosedReason: in.ClosedReason, ReopensOn: dateOf(in.ReopensOn), ExpectedFreeOn: dateOf(in.ExpectedFreeOn),
		Version: in.Version}
}

// SubscribeInput turns the daily report's email on or off for the signed-in user.
type SubscribeInput struct {
	Subscribe bool `json:"subscribe" form:"subscribe"`
}

// dateOf reads a checked "2006-01-02" date; nil when empty or not a date.
func dateOf(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return nil
	}
	return &t
}
