package monitoring

import "github.com/hearth-placements/hearth/commissioning/kernel"

// The published monitoring framework: the one place its words live. The framework page
// shows it, the record form asks for a score against each domain, the database's CHECK
// names the same domain codes (migration 00039), and a test keeps the two in step.

// Level is one point of the four-point scale every domain and the overall judgement use.
type Level struct {
	Score int
	Label string
}

// Scale is the four-point scale, best first.
var Scale = []Level{
	{4, "Strong"},
	{3, "Good"},
	{2, "Needs improvement"},
	{1, "Serious concerns"},
}

// Domain is one area a visit scores, with what each score means in it.
type Domain struct {
	Code     string
	Title    string
	Question string
	// Descriptors says what each score means, strong (4) first, as in Scale.
	Descriptors [4]string
}

// Descriptor is what score (1 to 4) means in the domain; "" for another number.
func (d Domain) Descriptor(score int) string {
	if score < 1 || score > 4 {
		return ""
	}
	return d.Descriptors[4-score]
}

// DescribedLevel is a point of the scale with what it means in one domain.
type DescribedLevel struct {
	Level
	Descriptor string
}

// Levels is the scale with the domain's descriptors, strong first.
func (d Domain) Levels() []DescribedLevel {
	out := make([]DescribedLevel, len(Scale))
	for i, l := range Scale {
		out[i] = DescribedLevel{Level: l, Descriptor: d.Descriptor(l.Score)}
	}
	return out
}

// FrameworkName and FrameworkVersion name the framework on the page and each visit.
const (
	FrameworkName    = "Hearth commissioner monitoring framework"
	FrameworkVersion = "1.0 (November 2026)"
)

// FrameworkIntro says what the framework is for; the page shows it first.
const FrameworkIntro = `Councils visit the homes their children live in to see for themselves how children are cared for.
This framework gives every council in a consortium the same five questions and the same four-point scale,
so that one council's visit means the same to the others. It follows the areas of Ofsted's social care
common inspection framework, but it is a commissioner's view between inspections, not an inspection:
a visit scores what the visitors saw and were told on the day.`

// Domains are the framework's five domains, in the order a visit records them.
var Domains = []Domain{
	{
		Code:     "experiences_progress",
		Title:    "Children's experiences and progress",
		Question: "Do children enjoy living here, and are they doing better because of it?",
		Descriptors: [4]string{
			"Children speak warmly of the home and staff; their progress since arrival is clear and recorded; their views visibly shape daily life.",
			"Most children are settled and making progress; records show it; children are listened to.",
			"Some children are unsettled or not progressing and the home cannot show what it is doing about it.",
			"Children are unhappy, unsafe or going backwards, and the home does not recognise it.",
		},
	},
	{
		Code:     "help_protection",
		Title:    "How well children are helped and protected",
		Question: "Are risks (going missing, exploitation, self-harm) known, managed and reported?",
		Descriptors: [4]string{
			"Each child's risks are understood and reduce over time; missing episodes are reported at once with return interviews; staff know the local safeguarding partners.",
			"Risk assessments are current and followed; incidents are reported to the placing and host council on time.",
			"Risk assessments are out of date or not followed; some incidents were reported late.",
			"A child was left at risk, or incidents went unreported; the council must act now.",
		},
	},
	{
		Code:     "leadership_management",
		Title:    "Leadership and management",
		Question: "Does the registered manager know the home, its staff and its children?",
		Descriptors: [4]string{
			"A registered manager is in post and visible; staffing is stable; supervision and training are up to date; the home learns from what goes wrong.",
			"Leadership is sound; staffing and training meet the regulations; actions from the last visit are done.",
			"The manager is new, acting or absent; agency staff are common; actions from the last visit are outstanding.",
			"No effective leadership; staffing is unsafe or the home does not meet its registration.",
		},
	},
	{
		Code:     "care_planning_education",
		Title:    "Care planning, health and education",
		Question: "Does each child's care plan drive their care, health and schooling?",
		Descriptors: [4]string{
			"Placement plans match care plans; every child has school or training and health checks, with good attendance.",
			"Plans are in place and mostly followed; most children attend education.",
			"Plans are incomplete or not followed; some children are out of education without a plan to return.",
			"Children have no plan the home follows, or are out of education or health care for a long time.",
		},
	},
	{
		Code:     "environment",
		Title:    "The home's environment",
		Question: "Is the home safe, homely and suited to the children living there?",
		Descriptors: [4]string{
			"Homely, well kept and personal; children helped choose their rooms; the location suits their plans.",
			"Clean, safe and comfortable; repairs are done promptly.",
			"Tired or institutional; repairs or safety checks are overdue.",
			"Unsafe or unfit for children: the council must tell the provider and Ofsted.",
		},
	},
}

// DomainByCode returns the domain with code, if the framework has one.
func DomainByCode(code string) (Domain, bool) {
	for _, d := range Domains {
		if d.Code == code {
			return d, true
		}
	}
	return Domain{}, false
}

// LevelLabel is the scale's name for score, like "Good"; "" for another number.
func LevelLabel(score int) string {
	for _, l := range Scale {
		if l.Score == score {
			return l.Label
		}
	}
	return ""
}

// VisitTypes are the kinds of visit.
var VisitTypes = []kernel.Option{
	{Code: "announced", Label: "Announced"},
	{Code: "unannounced", Label: "Unannounced"},
	{Code: "virtual", Label: "Virtual"},
}

// VisitTypeLabel is the label of a visit type code.
func VisitTypeLabel(code string) string { return kernel.Label(VisitTypes, code) }
