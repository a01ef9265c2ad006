package commissioning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// The inputs of the admissions process: one per action, with form and JSON tags, read
// by the web page (decodeForm) and the API alike and validated once (kernel.Check, then
// the service's own rules).

// DeclarationsInput is what a provider declares when it applies.
type DeclarationsInput struct {
	OfstedRegistered       *bool  `form:"ofsted_registered" json:"ofsted_registered" validate:"required" msg:"*=Select yes if your organisation is registered with Ofsted"`
	InsuranceExpiry        string `form:"insurance_expiry,date" json:"insurance_expiry" label:"The insurance expiry date" validate:"required,datetime=2006-01-02" msg:"required=Enter the date your insurance expires|*=Enter the date your insurance expires, like 2027-03-31"`
	SafeguardingPolicyDate string `form:"safeguarding_policy_date,date" json:"safeguarding_policy_date" label:"The safeguarding policy date" validate:"required,datetime=2006-01-02" msg:"required=Enter the date your safeguarding policy was last reviewed|*=Enter the date your safeguarding policy was last reviewed, like 2026-01-31"`
	ResponsibleIndividual  string `form:"responsible_individual" json:"responsible_individual" validate:"required,max=200" msg:"*=Enter the name of your responsible individual"`
}

// Declarations are the declarations in, once kernel.Check has passed them.
func (in DeclarationsInput) Declarations() Declarations {
	ins, _ := time.Parse(time.DateOnly, in.InsuranceExpiry)
	pol, _ := time.Parse(time.DateOnly, in.SafeguardingPolicyDate)
	return Declarations{OfstedRegistered: in.OfstedRegistered != nil && *in.OfstedRegistered, InsuranceExpiry: ins, SafeguardingPolicyDate: pol,
		ResponsibleIndividual: in.ResponsibleIndividual}
}

// DeclareInput checks in and saves it as a draft application's declarations.
func (s *Frameworks) DeclareInput(ctx context.Context, a Application, in DeclarationsInput) error {
	if err := kernel.Check(&in).Err(); err != nil {
		return err
	}
	return s.Declare(ctx, a, in.Declarations())
}

// AdmissionDecision admits an application to, or rejects it from, lots it asks for,
// with one reason the provider is emailed (the page decides one lot at a time).
type AdmissionDecision struct {
	Decision string  `form:"decision" json:"decision" validate:"required,oneof=admit reject" msg:"*=Select admit or reject"`
	Reason   string  `form:"reason" json:"reason" validate:"required,max=2000" msg:"required=Enter the reason for your decision; the provider will see it|*=The reason must be 2,000 characters or fewer"`
	LotIDs   []int64 `form:"-" json:"lot_ids" validate:"required,min=1" msg:"*=Select at least one lot"`
}

// DecideInput checks in and decides each of its lots, all in one transaction, each
// decision emailed to the provider's administrators in it.
func (s *Frameworks) DecideInput(ctx context.Context, a Application, in AdmissionDecision, by int64) error {
	fe := kernel.Check(&in)
	applied := map[int64]bool{}
	for _, ad := range a.Admissions {
		applied[ad.LotID] = true
	}
	for _, id := range in.LotIDs {
		if !applied[id] {
			fe.Add("lot_ids", fmt.Sprintf("Lot %d is not one this application asks for", id))
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, id := range in.LotIDs {
			if err := s.WithTx(tx).Decide(ctx, a, id, in.Decision == "admit", in.Reason, by); err != nil {
				return err
			}
		}
		return nil
	})
}

// Suspension is the reason for suspending a provider from a framework.
type Suspension struct {
	Reason string `form:"reason" json:"reason" validate:"required,max=2000" msg:"required=Enter the reason for suspending the provider|*=The reason must be 2,000 characters or fewer"`
}

// LotChoice is the lots a draft application asks for.
type LotChoice struct {
	LotIDs []int64 `form:"lot_ids" json:"lot_ids"`
}

// ApplicationInput is a whole application at once (the API's): its lots and its
// declarations.
type ApplicationInput struct {
	LotIDs       []int64           `json:"lot_ids"`
	Declarations DeclarationsInput `json:"declarations"`
}

// Apply files a draft application's lots and declarations and submits it, all in one
// transaction or nothing, with every problem at once (a declaration's field named
// declarations.<field>).
func (s *Frameworks) Apply(ctx context.Context, a Application, in ApplicationInput) error {
	if a.SubmittedAt != nil {
		return ErrSubmitted
	}
	declFE := kernel.Check(&in.Declarations)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m := s.WithTx(tx)
		var fe, lfe kernel.FieldErrors
		if err := m.ChooseLots(ctx, a, in.LotIDs); err != nil && !errors.As(err, &lfe) {
			return err
		}
		for _, e := range lfe {
			fe.Add("lot_ids", e.Message)
		}
		if declFE == nil {
			if err := m.Declare(ctx, a, in.Declarations.Declarations()); err != nil && !errors.As(err, &declFE) {
				return err
			}
		}
		for _, e := range declFE {
			fe.Add("declarations."+e.Field, e.Message)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		cur, err := m.Application(ctx, a.ID)
		if err != nil {
			return err
		}
		return m.Submit(ctx, cur)
	})
}
