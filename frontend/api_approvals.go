package frontend

import (
	"github.com/hearth-placements/hearth/marketplace"
)

// The rules that made an award wait for an approver, and the reg. 11 record, as the API
// gives and takes them.

type apiRule struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

func toAPIRules(p marketplace.Placement) []apiRule {
	out := make([]apiRule, 0, len(p.ApprovalReasons))
	for i, l := range p.ApprovalRules() {
		out = append(out, apiRule{Code: p.ApprovalReasons[i], Label: l})
	}
	return out
}

type apiConsultation struct {
	Consulted *bool   `json:"consulted"`
	On        *string `json:"on"`
	Note      string  `json:"note"`
}

// apiReg11 is what the approver recorded for reg. 11 (nil: not a reg. 11 placement).
type apiReg11 struct {
	Wishes            apiConsultation `json:"wishes"`
	IRO               apiConsultation `json:"iro"`
	Host              apiConsultation `json:"host"`
	Emergency         bool            `json:"emergency"`
	EmergencyPlacedOn *string         `json:"emergency_placed_on"`
	EmergencyDeadline *string         `json:"emergency_deadline"`
}

func toAPIReg11(p marketplace.Placement) *apiReg11 {
	if !p.NeedsRegulation11() {
		return nil
	}
	return &apiReg11{
		Wishes:    apiConsultation{Consulted: p.WishesConsulted, On: dateOrNil(p.WishesOn), Note: p.WishesNote},
		IRO:       apiConsultation{Consulted: p.IROConsulted, On: dateOrNil(p.IROOn), Note: p.IRONote},
		Host:      apiConsultation{Consulted: p.HostConsulted, On: dateOrNil(p.HostOn), Note: p.HostNote},
		Emergency: p.Emergency, EmergencyPlacedOn: dateOrNil(p.EmergencyPlacedOn), EmergencyDeadline: dateOrNil(p.EmergencyDeadline),
	}
}
