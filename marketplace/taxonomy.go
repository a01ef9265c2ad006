// Package marketplace is the trading floor from end to end. Supply: frameworks (a DPS /
// dynamic market) with lots and price ceilings, providers' applications and admissions,
// homes and their vacancies, the regional vacancy board and CSV imports. The call-off:
// the placement request, matching, invitations, sealed bids, evaluation, award, approval,
// amendment and cancellation, the placement and its lifecycle, with the agreement and
// billing in subpackages. Each stateful object's legal moves are in its *_states.go file.
// It imports commissioning (organisations) and the kernel, never the web layer.
package marketplace

import (
	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// Option is a code stored in the database and the label shown to people.
type Option = kernel.Option

// Label returns the label of code among opts, or the code itself.
func Label(opts []Option, code string) string { return kernel.Label(opts, code) }

func validCode(opts []Option, code string) bool { return kernel.ValidCode(opts, code) }

// Needs is Hearth's fixed needs and risks taxonomy.
var Needs = kernel.Needs

// Ratings are Ofsted's overall judgements, best first.
var Ratings = []Option{
	{Code: "outstanding", Label: "Outstanding"},
	{Code: "good", Label: "Good"},
	{Code: "requires_improvement", Label: "Requires improvement to be good"},
	{Code: "inadequate", Label: "Inadequate"},
	{Code: "not_yet_inspected", Label: "Not yet inspected"},
}

// RatingRank orders ratings for sorting: lower is better.
func RatingRank(code string) int {
	for i, o := range Ratings {
		if o.Code == code {
			return i
		}
	}
	return len(Ratings)
}

// HomeTypes are the kinds of setting.
var HomeTypes = []Option{
	{Code: "childrens_home", Label: "Children's home"},
	{Code: "fostering_agency", Label: "Fostering agency"},
	{Code: "supported_accommodation", Label: "Supported accommodation (16 to 17)"},
	{Code: "secure_childrens_home", Label: "Secure children's home"},
}

// PlacementTypes are what a lot buys, each with the SSDA903 placement type (PLACE) it
// reports as.
var PlacementTypes = Shown(PlacementTypeCodes)

// PlacementTypeCodes is the one list of placement types; the database's
// hearth_placement_type_codes() holds the same codes.
var PlacementTypeCodes = []Coded{
	{Code: "residential", Label: "Residential (children's homes)", DfE: DfE{"PLACE", "K2"}},
	{Code: "fostering", Label: "Fostering (not long term)", DfE: DfE{"PLACE", "U6"}},
	{Code: "fostering_long_term", Label: "Fostering (long term)", DfE: DfE{"PLACE", "U4"}},
	{Code: "supported_16_17", Label: "Registered supported accommodation 16 to 17", DfE: DfE{"PLACE", "K3"}},
	{Code: "secure_welfare", Label: "Secure children's home", DfE: DfE{"PLACE", "K1"}},
}

// Tiers are the needs tiers a lot is priced by.
var Tiers = []Option{
	{Code: "standard", Label: "Standard"},
	{Code: "complex", Label: "Complex"},
	{Code: "specialist", Label: "Specialist"},
}
