// Package marketplace is the trading floor from end to end. Supply: homes and their
// vacancies (offered under commissioning's frameworks and admissions), the regional
// vacancy board and CSV imports. The call-off: the placement request, matching,
// invitations, sealed bids, evaluation, award, approval, amendment and cancellation, the
// placement and its lifecycle, with the agreement and billing in subpackages. Each
// stateful object's legal moves are in its *_states.go file. It imports commissioning
// (organisations, frameworks) and the kernel, never the web layer.
package marketplace

import (
	"github.com/hearth-placements/hearth/commissioning"
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

// PlacementTypes, PlacementTypeCodes and Tiers are commissioning's: what a framework's
// lots buy and the needs tiers they are priced by, which requests and placements use too.
var (
	PlacementTypes     = commissioning.PlacementTypes
	PlacementTypeCodes = commissioning.PlacementTypeCodes
	Tiers              = commissioning.Tiers
)
