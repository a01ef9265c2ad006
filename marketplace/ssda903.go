package marketplace

import "github.com/hearth-placements/hearth/commissioning/kernel"

// Hearth's placement types and end reasons, each with the code it reports as in the
// DfE's looked-after children return (SSDA903). The codes and labels are the DfE's
// (Crown copyright, Open Government Licence v3.0; see README "SSDA903 codes").

// DfE and Coded are the kernel's (placement types are shared with commissioning's lots).
type (
	DfE   = kernel.DfE
	Coded = kernel.Coded
)

// Shown lists codes as options whose labels carry the DfE code.
func Shown(codes []Coded) []Option { return kernel.Shown(codes) }

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
	{Code: "planned_move", Label: "Planned move to another placement in the care plan", DfE: DfE{Field: FieldPlaceChange, Code: "CARPL"}},
	{Code: "provision_closed", Label: "The carer resigned or the home closed", DfE: DfE{Field: FieldPlaceChange, Code: "CLOSE"}},
	{Code: "allegation", Label: "Allegation (section 47 enquiry)", DfE: DfE{Field: FieldPlaceChange, Code: "ALLEG"}},
	{Code: "standards_concern", Label: "Standards of care concern", DfE: DfE{Field: FieldPlaceChange, Code: "STAND"}},
	{Code: "approval_removed", Label: "The home's or carer's approval or registration was removed", DfE: DfE{Field: FieldPlaceChange, Code: "APPRR"}},
	{Code: "breakdown", Label: "The home asked to end it because of the child's behaviour", DfE: DfE{Field: FieldPlaceChange, Code: "CREQB"}},
	{Code: "provider_ended", Label: "The home asked to end it for another reason", DfE: DfE{Field: FieldPlaceChange, Code: "CREQO"}},
	{Code: "child_requested", Label: "The child asked to end it", DfE: DfE{Field: FieldPlaceChange, Code: "CHILD"}},
	{Code: "council_ended", Label: "The council ended it: it no longer meets the child's needs", DfE: DfE{Field: FieldPlaceChange, Code: "LAREQ"}},
	{Code: "status_change", Label: "Change in the status of the placement only", DfE: DfE{Field: FieldPlaceChange, Code: "PLACE"}},
	{Code: "custody", Label: "Custody arrangement (the child stays looked after)", DfE: DfE{Field: FieldPlaceChange, Code: "CUSTOD"}},
	{Code: "other", Label: "Other move (exceptional)", DfE: DfE{Field: FieldPlaceChange, Code: "OTHER"}},
	// The child leaves care.
	{Code: "return_home", Label: "Returned home to parents or others with parental responsibility, in the care plan", DfE: DfE{Field: FieldREC, Code: "E4A"}},
	{Code: "return_home_unplanned", Label: "Returned home to parents or others with parental responsibility, not in the care plan", DfE: DfE{Field: FieldREC, Code: "E4B"}},
	{Code: "lives_with_others", Label: "Left care to live with parents, relatives or others without parental responsibility", DfE: DfE{Field: FieldREC, Code: "E13"}},
	{Code: "adopted", Label: "Adopted: application unopposed", DfE: DfE{Field: FieldREC, Code: "E11"}},
	{Code: "adopted_consent_dispensed", Label: "Adopted: consent dispensed with by the court", DfE: DfE{Field: FieldREC, Code: "E12"}},
	{Code: "child_arrangements_order", Label: "Child arrangements (residence) order granted", DfE: DfE{Field: FieldREC, Code: "E41"}},
	{Code: "sgo_foster_relative", Label: "Special guardianship order to former foster carers who are relatives or friends", DfE: DfE{Field: FieldREC, Code: "E45"}},
	{Code: "sgo_foster_other", Label: "Special guardianship order to former foster carers, not relatives or friends", DfE: DfE{Field: FieldREC, Code: "E46"}},
	{Code: "sgo_relative", Label: "Special guardianship order to other carers who are relatives or friends", DfE: DfE{Field: FieldREC, Code: "E47"}},
	{Code: "sgo_other", Label: "Special guardianship order to other carers, not relatives or friends", DfE: DfE{Field: FieldREC, Code: "E48"}},
	{Code: "independence", Label: "Moved to independent living with formal support (hostel, foyer, staying close)", DfE: DfE{Field: FieldREC, Code: "E5"}},
	{Code: "independence_unsupported", Label: "Moved to independent living without formal support (own flat, bedsit, friends)", DfE: DfE{Field: FieldREC, Code: "E6"}},
	{Code: "staying_put", Label: "Aged 18 or over and stayed with current carers (staying put)", DfE: DfE{Field: FieldREC, Code: "E17"}},
	{Code: "adult_care", Label: "Moved to residential care funded by adult social care", DfE: DfE{Field: FieldREC, Code: "E7"}},
	{Code: "remand_ended", Label: "Accommodation on remand ended", DfE: DfE{Field: FieldREC, Code: "E14"}},
	{Code: "sentenced_custody", Label: "Sentenced to custody (left care)", DfE: DfE{Field: FieldREC, Code: "E9"}},
	{Code: "other_council", Label: "Care taken over by another council", DfE: DfE{Field: FieldREC, Code: "E3"}},
	{Code: "age_assessed_adult", Label: "Age assessment found the child is 18 or over", DfE: DfE{Field: FieldREC, Code: "E15"}},
	{Code: "moved_abroad", Label: "Moved abroad", DfE: DfE{Field: FieldREC, Code: "E16"}},
	{Code: "died", Label: "Died", DfE: DfE{Field: FieldREC, Code: "E2"}},
	{Code: "left_care_other", Label: "Left care for any other reason", DfE: DfE{Field: FieldREC, Code: "E8"}},
	// Hearth only: no episode began, so nothing is reported.
	{Code: "did_not_start", Label: "Did not start"},
}

// EndReasons are why a placement ends, labelled with their DfE codes.
var EndReasons = Shown(EndReasonCodes)
