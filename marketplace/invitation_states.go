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

// Open says whether the provider may still respond: the request is open. The
// deadline itself is the database's (see RequestStatus and the bids trigger); a page
// also compares it with the injected clock to stop showing the form.
func (inv Invitation) Open() bool { return inv.Status.IsOpen() }
