package marketplace

// Hearth's placement types and end reasons, each with the code it reports as in the
// DfE's looked-after children return (SSDA903). The codes and labels are the DfE's
// (Crown copyright, Open Government Licence v3.0; see README "SSDA903 codes").

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

// CodesOf lists the Hearth codes, in order.
func CodesOf(codes []Coded) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c.Code
	}
	return out
}

// DfECode is the SSDA903 code that code reports as among codes, if any.
func DfECode(codes []Coded, code string) (DfE, bool) {
	for _, c := range codes {
		if c.Code == code {
			return c.DfE, c.DfE.Code != ""
		}
	}
	return DfE{}, false
}

// The SSDA903 fields a placement's end reports in.
const (
	FieldREC         = "REC"                 // reason episode ceased: the child leaves care
	FieldPlaceChange = "REASON_PLACE_CHANGE" // reason for placement change: the child stays looked after (REC X1)
)

// EndReasonCodes is the one list of why a placement ends; the database's
// hearth_end_reason_codes() holds the same codes. A move to another placement reports
// REC X1 with a reason for placement change; leaving care reports its REC code.
var EndReasonCodes = []Coded{
	// The child moves to another placement and stays looked after.
	{"planned_move", "Planned move to another placement in the care plan", DfE{FieldPlaceChange, "CARPL"}},
	{"provision_closed", "The carer resigned or the home closed", DfE{FieldPlaceChange, "CLOSE"}},
	{"allegation", "Allegation (section 47 enquiry)", DfE{FieldPlaceChange, "ALLEG"}},
	{"standards_concern", "Standards of care concern", DfE{FieldPlaceChange, "STAND"}},
	{"approval_removed", "The home's or carer's approval or registration was removed", DfE{FieldPlaceChange, "APPRR"}},
	{"breakdown", "The home asked to end it because of the child's behaviour", DfE{FieldPlaceChange, "CREQB"}},
	{"provider_ended", "The home asked to end it for another reason", DfE{FieldPlaceChange, "CREQO"}},
	{"child_requested", "The child asked to end it", DfE{FieldPlaceChange, "CHILD"}},
	{"council_ended", "The council ended it: it no longer meets the child's needs", DfE{FieldPlaceChange, "LAREQ"}},
	{"status_change", "Change in the status of the placement only", DfE{FieldPlaceChange, "PLACE"}},
	{"custody", "Custody arrangement (the child stays looked after)", DfE{FieldPlaceChange, "CUSTOD"}},
	{"other", "Other move (exceptional)", DfE{FieldPlaceChange, "OTHER"}},
	// The child leaves care.
	{"return_home", "Returned home to parents or others with parental responsibility, in the care plan", DfE{FieldREC, "E4A"}},
	{"return_home_unplanned", "Returned home to parents or others with parental responsibility, not in the care plan", DfE{FieldREC, "E4B"}},
	{"lives_with_others", "Left care to live with parents, relatives or others without parental responsibility", DfE{FieldREC, "E13"}},
	{"adopted", "Adopted: application unopposed", DfE{FieldREC, "E11"}},
	{"adopted_consent_dispensed", "Adopted: consent dispensed with by the court", DfE{FieldREC, "E12"}},
	{"child_arrangements_order", "Child arrangements (residence) order granted", DfE{FieldREC, "E41"}},
	{"sgo_foster_relative", "Special guardianship order to former foster carers who are relatives or friends", DfE{FieldREC, "E45"}},
	{"sgo_foster_other", "Special guardianship order to former foster carers, not relatives or friends", DfE{FieldREC, "E46"}},
	{"sgo_relative", "Special guardianship order to other carers who are relatives or friends", DfE{FieldREC, "E47"}},
	{"sgo_other", "Special guardianship order to other carers, not relatives or friends", DfE{FieldREC, "E48"}},
	{"independence", "Moved to independent living with formal support (hostel, foyer, staying close)", DfE{FieldREC, "E5"}},
	{"independence_unsupported", "Moved to independent living without formal support (own flat, bedsit, friends)", DfE{FieldREC, "E6"}},
	{"staying_put", "Aged 18 or over and stayed with current carers (staying put)", DfE{FieldREC, "E17"}},
	{"adult_care", "Moved to residential care funded by adult social care", DfE{FieldREC, "E7"}},
	{"remand_ended", "Accommodation on remand ended", DfE{FieldREC, "E14"}},
	{"sentenced_custody", "Sentenced to custody (left care)", DfE{FieldREC, "E9"}},
	{"other_council", "Care taken over by another council", DfE{FieldREC, "E3"}},
	{"age_assessed_adult", "Age assessment found the child is 18 or over", DfE{FieldREC, "E15"}},
	{"moved_abroad", "Moved abroad", DfE{FieldREC, "E16"}},
	{"died", "Died", DfE{FieldREC, "E2"}},
	{"left_care_other", "Left care for any other reason", DfE{FieldREC, "E8"}},
	// Hearth only: no episode began, so nothing is reported.
	{"did_not_start", "Did not start", DfE{}},
}

// EndReasons are why a placement ends, labelled with their DfE codes.
var EndReasons = Shown(EndReasonCodes)
