package frontend

import (
	"reflect"

	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

// How each object's statuses look on a page: a GOV.UK tag colour (grey when absent)
// (statusText words them). Pages never compare a status with a string: they ask
// the status's predicates (IsOpen, Awarded, Live…), which live with its transitions.
var (
	requestTags = map[marketplace.RequestStatus]string{
		marketplace.RequestOpen: "govuk-tag--yellow", marketplace.RequestAwarded: "govuk-tag--green",
	}
	placementTags = map[marketplace.PlacementStatus]string{
		marketplace.PlacementAwaitingApproval: "govuk-tag--yellow", marketplace.PlacementAwarded: "govuk-tag--green",
		marketplace.PlacementStarted: "govuk-tag--green",
	}
	referralTags = map[secure.ReferralStatus]string{}
	invoiceTags  = map[billing.InvoiceStatus]string{
		billing.InvoiceSent: "govuk-tag--green", billing.InvoiceOpen: "govuk-tag--yellow",
	}
)

// How an invited provider's list words its response and where the request stands for
// it (Invitation.Standing): text and tag.
var (
	invitationResponses = map[marketplace.InvitationResponse]string{
		marketplace.ResponseBid: "Bid", marketplace.ResponseDeclined: "Declined", marketplace.ResponseWithdrawn: "Bid withdrawn", marketplace.ResponseNone: "None yet",
	}
	invitationStandings = map[string][2]string{
		"open": {"Open", "govuk-tag--green"}, "closed": {"Closed: being compared", "govuk-tag--grey"},
		"awaiting_approval": {"Awaiting the council's approval", "govuk-tag--yellow"}, "cancelled": {"Cancelled", "govuk-tag--grey"},
		"successful": {"Awarded to you", "govuk-tag--green"}, "not_chosen": {"Not chosen", "govuk-tag--grey"},
		"awarded_to_another": {"Awarded to another provider", "govuk-tag--grey"},
	}
)

// codeOf is the code a template passes: a string, a named string type (a status), or
// a pointer to one ("" when nil).
func codeOf(v any) string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return ""
		}
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.String {
		return rv.String()
	}
	return ""
}

// tagOr is tag, or grey when the status has no colour of its own.
func tagOr(tag string) string {
	if tag == "" {
		return "govuk-tag--grey"
	}
	return tag
}
