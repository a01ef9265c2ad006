package marketplace

import (
	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// InvitationOutcome is where an invitation stands for the invited provider. It is
// derived, not stored: from whether a final award exists for the request and whose
// bid it took (see invitationSQL). While it is pending, what the provider may do
// follows the request's status (RequestStatus.IsOpen: bid, revise, withdraw,
// decline).
type InvitationOutcome string

// The outcomes of an invitation for the invited provider.
const (
	OutcomePending       InvitationOutcome = "pending"        // no final award yet
	OutcomeSuccessful    InvitationOutcome = "successful"     // the provider's bid won
	OutcomeNotSuccessful InvitationOutcome = "not_successful" // another provider's bid won
)

// InvitationMachine holds the legal changes of an invitation's outcome:
//
//	pending → successful       an award of the provider's bid is made final
//	pending → not_successful   an award of another provider's bid is made final
//
// An award waiting for approval leaves every invitation pending; a refused one too.
//
// As a Mermaid diagram (TestStateDiagramsMatchTables keeps it in step with Next):
//
//	stateDiagram-v2
//	    [*] --> pending
//	    pending --> successful
//	    pending --> not_successful
//	    successful --> [*]
//	    not_successful --> [*]
var InvitationMachine = kernel.Machine[InvitationOutcome]{
	Object: "invitation",
	States: []InvitationOutcome{OutcomePending, OutcomeSuccessful, OutcomeNotSuccessful},
	Next: map[InvitationOutcome][]InvitationOutcome{
		OutcomePending: {OutcomeSuccessful, OutcomeNotSuccessful},
	},
}

// CanTransition returns nil if an invitation may move from o to to, and an
// *kernel.IllegalTransition otherwise.
func (o InvitationOutcome) CanTransition(to InvitationOutcome) error {
	return InvitationMachine.Check(o, to)
}

// Pending says whether no award is final yet.
func (o InvitationOutcome) Pending() bool { return o == OutcomePending }

// Successful says whether the provider's bid won.
func (o InvitationOutcome) Successful() bool { return o == OutcomeSuccessful }

// NotSuccessful says whether another provider's bid won.
func (o InvitationOutcome) NotSuccessful() bool { return o == OutcomeNotSuccessful }

// InvitationResponse is what the invited provider did with the request (derived, like
// the outcome): bid (an active bid), declined, withdrew its bid, or nothing yet.
type InvitationResponse string

// The responses of an invited provider.
const (
	ResponseBid       InvitationResponse = "bid"
	ResponseDeclined  InvitationResponse = "declined"
	ResponseWithdrawn InvitationResponse = "withdrawn"
	ResponseNone      InvitationResponse = "none"
)

// InvitationResponses are all the responses, as the invitations query gives them.
var InvitationResponses = []InvitationResponse{ResponseBid, ResponseDeclined, ResponseWithdrawn, ResponseNone}

// Standing is where the request stands for the invited provider, as its list shows it:
// once an award is final, won ("successful"), lost after bidding ("not_chosen") or
// awarded to another provider; before, the request's own status, except that an
// awarded request whose award is not final waits for the council's approver
// ("awaiting_approval": an award waiting for approval leaves the outcome pending).
func (inv Invitation) Standing() string {
	switch {
	case inv.Outcome.Successful():
		return "successful"
	case inv.Outcome.NotSuccessful() && inv.Response == ResponseBid:
		return "not_chosen"
	case inv.Outcome.NotSuccessful():
		return "awarded_to_another"
	case inv.Status.Awarded():
		return "awaiting_approval"
	}
	return string(inv.Status)
}

// Open says whether the provider may still respond: the request is open. The
// deadline itself is the database's (see RequestStatus and the bids trigger); a page
// also compares it with the injected clock to stop showing the form.
func (inv Invitation) Open() bool { return inv.Status.IsOpen() }
