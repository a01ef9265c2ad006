package frontend

import (
	"time"

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
