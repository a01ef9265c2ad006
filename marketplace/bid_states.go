package marketplace

import (
	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// BidStatus is where a provider's bid stands. The database's CHECK on bids.status
// allows exactly BidMachine.States.
type BidStatus string

// The statuses of a bid.
const (
	BidActive    BidStatus = "active"    // submitted (perhaps revised); the council will see it after the deadline
	BidWithdrawn BidStatus = "withdrawn" // withdrawn by the provider, or by its decline
)

// BidMachine holds the legal changes of a bid, all before the deadline (the
// database refuses any change after it, by its own clock):
//
//	active → withdrawn   the provider withdraws it, or declines the invitation
//	withdrawn → active   the provider bids again
//
// Revising an active bid changes its terms and revision, not its status.
//
// As a Mermaid diagram (TestStateDiagramsMatchTables keeps it in step with Next):
//
//	stateDiagram-v2
//	    [*] --> active
//	    active --> withdrawn
//	    withdrawn --> active
var BidMachine = kernel.Machine[BidStatus]{
	Object: "bid",
	States: []BidStatus{BidActive, BidWithdrawn},
	Next: map[BidStatus][]BidStatus{
		BidActive:    {BidWithdrawn},
		BidWithdrawn: {BidActive},
	},
}

// CanTransition returns nil if a bid may move from s to to, and an
// *kernel.IllegalTransition otherwise.
func (s BidStatus) CanTransition(to BidStatus) error { return BidMachine.Check(s, to) }

// Transition moves b to status to, or returns an *kernel.IllegalTransition.
func (b *Bid) Transition(to BidStatus) error {
	if err := b.Status.CanTransition(to); err != nil {
		return err
	}
	b.Status = to
	return nil
}

// IsActive says whether the bid stands.
func (s BidStatus) IsActive() bool { return s == BidActive }

// Withdrawn says whether the provider withdrew the bid.
func (s BidStatus) Withdrawn() bool { return s == BidWithdrawn }
