package frontend

import (
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// The rules that made an award wait for an approver, and the reg. 11 record, as the API
// gives and takes them.

func toAPIRules(p marketplace.Placement) []apitypes.Rule {
	out := make([]apitypes.Rule, 0, len(p.ApprovalReasons))
	for i, l := range p.ApprovalRules() {
		out = append(out, apitypes.Rule{Code: apitypes.RuleCode(p.ApprovalReasons[i]), Label: l})
	}
	return out
}

func toAPIReg11Answer(consulted *bool, on *time.Time, note string) *apitypes.Consultation {
	return &apitypes.Consultation{Consulted: consulted, On: apiDateOrNil(on), Note: &note}
}

// toAPIReg11 is what the approver recorded for reg. 11 (nil: not a reg. 11 placement).
func toAPIReg11(p marketplace.Placement) *apitypes.PlacementRegulation11 {
	if !p.NeedsRegulation11() {
		return nil
	}
	return &apitypes.PlacementRegulation11{
		Wishes:    toAPIReg11Answer(p.WishesConsulted, p.WishesOn, p.WishesNote),
		Iro:       toAPIReg11Answer(p.IROConsulted, p.IROOn, p.IRONote),
		Host:      toAPIReg11Answer(p.HostConsulted, p.HostOn, p.HostNote),
		Emergency: &p.Emergency, EmergencyPlacedOn: apiDateOrNil(p.EmergencyPlacedOn), EmergencyDeadline: apiDateOrNil(p.EmergencyDeadline),
	}
}

// decisionRequest is an approver's decision. Approving a reg. 11 placement needs
// wishes_consulted, iro_consulted and host_consulted (each with its date when true, or
// a note when false) and emergency (with emergency_placed_on when true).
type decisionRequest struct {
	Decision          string `json:"decision" validate:"required,oneof=approve refuse"`
	Reason            string `json:"reason" validate:"max=2000"`
	WishesConsulted   *bool  `json:"wishes_consulted"`
	WishesOn          string `json:"wishes_on" validate:"max=10"`
	WishesNote        string `json:"wishes_note" validate:"max=2000"`
	IROConsulted      *bool  `json:"iro_consulted"`
	IROOn             string `json:"iro_on" validate:"max=10"`
	IRONote           string `json:"iro_note" validate:"max=2000"`
	HostConsulted     *bool  `json:"host_consulted"`
	HostOn            string `json:"host_on" validate:"max=10"`
	HostNote          string `json:"host_note" validate:"max=2000"`
	Emergency         *bool  `json:"emergency"`
	EmergencyPlacedOn string `json:"emergency_placed_on" validate:"max=10"`
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}

func (r decisionRequest) decision() marketplace.Decision {
	return marketplace.Decision{Approve: r.Decision == "approve", Reason: r.Reason, Reg11: marketplace.Regulation11Record{
		Wishes:    marketplace.Consultation{Answer: yesNo(r.WishesConsulted), On: r.WishesOn, Note: r.WishesNote},
		IRO:       marketplace.Consultation{Answer: yesNo(r.IROConsulted), On: r.IROOn, Note: r.IRONote},
		Host:      marketplace.Consultation{Answer: yesNo(r.HostConsulted), On: r.HostOn, Note: r.HostNote},
		Emergency: yesNo(r.Emergency), EmergencyPlacedOn: r.EmergencyPlacedOn}}
}

// apiDecisionFields names the domain's reg. 11 answers as the API's keys.
func apiDecisionFields(fe commissioning.FieldErrors) commissioning.FieldErrors {
	for i := range fe {
		switch fe[i].Field {
		case "wishes", "iro", "host":
			fe[i].Field += "_consulted"
		}
	}
	return fe
}
