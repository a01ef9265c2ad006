// Package marketplace holds the exchange side of Hearth: frameworks (a DPS / dynamic
// market) with lots and price ceilings, providers' applications and admissions, homes
// and their vacancies, and the regional vacancy board. It imports commissioning
// (organisations, geography, audit), never the other way round.
package marketplace

// Option is a code stored in the database and the label shown to people.
type Option struct{ Code, Label string }

// Label returns the label of code among opts, or the code itself.
func Label(opts []Option, code string) string {
	for _, o := range opts {
		if o.Code == code {
			return o.Label
		}
	}
	return code
}

func validCode(opts []Option, code string) bool {
	for _, o := range opts {
		if o.Code == code {
			return true
		}
	}
	return false
}

// Needs is Hearth's fixed needs and risks taxonomy (the database checks the same list).
var Needs = []Option{
	{"cse_risk", "Risk of child sexual exploitation"},
	{"cce_risk", "Risk of child criminal exploitation or county lines"},
	{"missing_episodes", "History of going missing"},
	{"self_harm", "Self-harm or suicidal ideation"},
	{"mental_health", "Diagnosed mental health needs (CAMHS involvement)"},
	{"learning_disability", "Learning disability"},
	{"physical_disability", "Physical disability or complex health needs"},
	{"autism", "Autism spectrum condition"},
	{"sen_ehcp", "Special educational needs with an EHC plan"},
	{"substance_misuse", "Substance misuse"},
	{"offending", "Offending behaviour"},
	{"harmful_sexual_behaviour", "Harmful sexual behaviour"},
	{"violence_aggression", "Violence or aggression towards others"},
	{"uasc", "Unaccompanied asylum-seeking child"},
	{"trauma_therapeutic", "Needs a therapeutic or trauma-informed setting"},
	{"sibling_group", "Placed with siblings"},
	{"parent_and_child", "Parent-and-child placement"},
	{"solo_placement", "Must be the only child in the home"},
}

// Ratings are Ofsted's overall judgements, best first.
var Ratings = []Option{
	{"outstanding", "Outstanding"},
	{"good", "Good"},
	{"requires_improvement", "Requires improvement to be good"},
	{"inadequate", "Inadequate"},
	{"not_yet_inspected", "Not yet inspected"},
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
	{"childrens_home", "Children's home"},
	{"fostering_agency", "Fostering agency"},
	{"supported_accommodation", "Supported accommodation (16 to 17)"},
	{"secure_childrens_home", "Secure children's home"},
}

// PlacementTypes are what a lot buys.
var PlacementTypes = []Option{
	{"residential", "Residential (children's homes)"},
	{"fostering", "Fostering"},
	{"supported_16_17", "Supported accommodation 16 to 17"},
	{"secure_welfare", "Secure welfare"},
}

// Tiers are the needs tiers a lot is priced by.
var Tiers = []Option{
	{"standard", "Standard"},
	{"complex", "Complex"},
	{"specialist", "Specialist"},
}
