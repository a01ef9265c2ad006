package kernel

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

func ValidCode(opts []Option, code string) bool {
	for _, o := range opts {
		if o.Code == code {
			return true
		}
	}
	return false
}

// Needs is Hearth's fixed needs and risks taxonomy (the database function
// hearth_need_codes() holds the same codes).
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

// NeedsMask is the bitmask of need codes, bit i for Needs[i]; the database's
// hearth_needs_mask() computes the same over hearth_need_codes(), in the same order.
func NeedsMask(codes []string) int64 {
	var m int64
	for _, c := range codes {
		for i, o := range Needs {
			if o.Code == c {
				m |= 1 << i
			}
		}
	}
	return m
}

// NeedsFromMask lists the need codes set in m, in taxonomy order.
func NeedsFromMask(m int64) []string {
	var out []string
	for i, o := range Needs {
		if m&(1<<i) != 0 {
			out = append(out, o.Code)
		}
	}
	return out
}

// DfE is an SSDA903 field and one of its codes: PLACE (placement type), REC (reason
// episode ceased) or REASON_PLACE_CHANGE (reason for placement change).
type DfE struct{ Field, Code string }

// Coded is a Hearth code, the label people see, and the SSDA903 code it reports as (none
// for a Hearth-only code that makes no return, such as a placement that did not start).
type Coded struct {
	Code, Label string
	DfE         DfE
}

// Shown is the label with the DfE code beside it.
func (c Coded) Shown() string {
	if c.DfE.Code == "" {
		return c.Label + " (not reported to the DfE)"
	}
	return c.Label + " (DfE " + c.DfE.Code + ")"
}

// Shown lists codes as options whose labels carry the DfE code.
func Shown(codes []Coded) []Option {
	out := make([]Option, len(codes))
	for i, c := range codes {
		out[i] = Option{Code: c.Code, Label: c.Shown()}
	}
	return out
}

// RatingFallAlertDays is how long a fall of a home's Ofsted rating stays on the alerts
// list after it is alerted (Hearth rule).
const RatingFallAlertDays = 90
