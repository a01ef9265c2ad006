package marketplace

import "github.com/hearth-placements/hearth/commissioning/kernel"

// RequestStatus is where a placement request stands. The database's CHECK on
// placement_requests.status allows exactly RequestMachine.States.
type RequestStatus string

// The statuses of a placement request.
const (
	RequestDraft     RequestStatus = "draft"     // being written by the council; no provider sees it
	RequestOpen      RequestStatus = "open"      // sent to invited providers, who may bid until the deadline
	RequestClosed    RequestStatus = "closed"    // the deadline has passed; bids are unsealed for evaluation
	RequestAwarded   RequestStatus = "awarded"   // a bid was awarded (perhaps waiting for an approver)
	RequestCancelled RequestStatus = "cancelled" // the council withdrew the request before award
)

// RequestMachine holds the legal changes of a placement request:
//
//	draft → open        submit (matching invites providers)
//	open → closed       the deadline passes (by the database's clock)
//	closed → awarded    the council awards a bid
//	awarded → closed    the approver refuses the award; the council may award another bid
//	draft, open, closed → cancelled
//
// Amending an open or closed request changes its details, not its status.
//
// As a Mermaid diagram (TestStateDiagramsMatchTables keeps it in step with Next):
//
//	stateDiagram-v2
//	    [*] --> draft
//	    draft --> open
//	    draft --> cancelled
//	    open --> closed
//	    open --> cancelled
//	    closed --> awarded
//	    closed --> cancelled
//	    awarded --> closed
//	    cancelled --> [*]
var RequestMachine = kernel.Machine[RequestStatus]{
	Object: "placement request",
	States: []RequestStatus{RequestDraft, RequestOpen, RequestClosed, RequestAwarded, RequestCancelled},
	Next: map[RequestStatus][]RequestStatus{
		RequestDraft:   {RequestOpen, RequestCancelled},
		RequestOpen:    {RequestClosed, RequestCancelled},
		RequestClosed:  {RequestAwarded, RequestCancelled},
		RequestAwarded: {RequestClosed},
	},
}

// CanTransition returns nil if a request may move from s to to, and an
// *IllegalTransition otherwise.
func (s RequestStatus) CanTransition(to RequestStatus) error { return RequestMachine.Check(s, to) }

// Transition moves r to status to, or returns an *IllegalTransition and leaves r as it was.
func (r *PlacementRequest) Transition(to RequestStatus) error {
	if err := r.Status.CanTransition(to); err != nil {
		return err
	}
	r.Status = to
	return nil
}

// IsDraft says whether the request is still being written.
func (s RequestStatus) IsDraft() bool { return s == RequestDraft }

// IsOpen says whether providers may still bid.
func (s RequestStatus) IsOpen() bool { return s == RequestOpen }

// IsClosed says whether bidding has closed and no award stands.
func (s RequestStatus) IsClosed() bool { return s == RequestClosed }

// Awarded says whether a bid was awarded.
func (s RequestStatus) Awarded() bool { return s == RequestAwarded }

// Cancelled says whether the council cancelled the request.
func (s RequestStatus) Cancelled() bool { return s == RequestCancelled }

// Sealed says whether bids are still hidden from the council: until the deadline.
func (s RequestStatus) Sealed() bool { return s == RequestDraft || s == RequestOpen }

// Amendable says whether the council may amend the request (open or closed, before award).
func (s RequestStatus) Amendable() bool { return s == RequestOpen || s == RequestClosed }

// Cancellable says whether the council may still cancel the request.
func (s RequestStatus) Cancellable() bool { return RequestMachine.Check(s, RequestCancelled) == nil }

// AwaitingApproval says whether an awarded request waits for the approver: its live
// award (award, the status of the placement LiveAward finds) does.
func (s RequestStatus) AwaitingApproval(award PlacementStatus) bool {
	return s.Awarded() && award.AwaitingApproval()
}
