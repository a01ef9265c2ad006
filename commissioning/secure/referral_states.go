package secure

import (
	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// ReferralStatus is where a secure welfare referral stands. The database's CHECK on
// secure_referrals.status allows exactly ReferralMachine.States.
type ReferralStatus string

// The statuses of a secure referral.
const (
	ReferralReceived        ReferralStatus = "received"         // the council referred the child; no home asked yet
	ReferralCirculated      ReferralStatus = "circulated"       // homes were asked for a bed
	ReferralOffers          ReferralStatus = "offers"           // at least one home offers a bed
	ReferralAllocated       ReferralStatus = "allocated"        // a bed is held for the child
	ReferralPlaced          ReferralStatus = "placed"           // the home admitted the child
	ReferralWithdrawn       ReferralStatus = "withdrawn"        // the council withdrew the referral
	ReferralPlacedElsewhere ReferralStatus = "placed_elsewhere" // the child was placed outside the coordination
)

// ReferralMachine holds the legal changes of a secure referral:
//
//	received → circulated                 the coordinator asks homes
//	circulated → offers                   a home offers a bed
//	received, circulated, offers → allocated   the coordinator holds a bed
//	allocated → received, circulated, offers   the coordinator releases the bed (back where the answers left it)
//	allocated → placed                    the home confirms the admission
//	received … allocated → withdrawn, placed_elsewhere   the council ends the referral
//
// As a Mermaid diagram (TestStateDiagramsMatchTables keeps it in step with Next):
//
//	stateDiagram-v2
//	    [*] --> received
//	    received --> circulated
//	    received --> allocated
//	    received --> withdrawn
//	    received --> placed_elsewhere
//	    circulated --> offers
//	    circulated --> allocated
//	    circulated --> withdrawn
//	    circulated --> placed_elsewhere
//	    offers --> allocated
//	    offers --> withdrawn
//	    offers --> placed_elsewhere
//	    allocated --> placed
//	    allocated --> received
//	    allocated --> circulated
//	    allocated --> offers
//	    allocated --> withdrawn
//	    allocated --> placed_elsewhere
//	    placed --> [*]
//	    withdrawn --> [*]
//	    placed_elsewhere --> [*]
var ReferralMachine = kernel.Machine[ReferralStatus]{
	Object: "secure referral",
	States: []ReferralStatus{ReferralReceived, ReferralCirculated, ReferralOffers, ReferralAllocated, ReferralPlaced,
		ReferralWithdrawn, ReferralPlacedElsewhere},
	Next: map[ReferralStatus][]ReferralStatus{
		ReferralReceived:   {ReferralCirculated, ReferralAllocated, ReferralWithdrawn, ReferralPlacedElsewhere},
		ReferralCirculated: {ReferralOffers, ReferralAllocated, ReferralWithdrawn, ReferralPlacedElsewhere},
		ReferralOffers:     {ReferralAllocated, ReferralWithdrawn, ReferralPlacedElsewhere},
		ReferralAllocated: {ReferralPlaced, ReferralReceived, ReferralCirculated, ReferralOffers,
			ReferralWithdrawn, ReferralPlacedElsewhere},
	},
}

// CanTransition returns nil if a referral may move from s to to, and an
// *kernel.IllegalTransition otherwise.
func (s ReferralStatus) CanTransition(to ReferralStatus) error { return ReferralMachine.Check(s, to) }

// Transition moves r to status to, or returns an *kernel.IllegalTransition.
func (r *Referral) Transition(to ReferralStatus) error {
	if err := r.Status.CanTransition(to); err != nil {
		return err
	}
	r.Status = to
	return nil
}

// Waiting says whether the child still waits for a bed.
func (s ReferralStatus) Waiting() bool {
	return s == ReferralReceived || s == ReferralCirculated || s == ReferralOffers
}

// Allocated says whether a bed is held for the child.
func (s ReferralStatus) Allocated() bool { return s == ReferralAllocated }

// Placed says whether the child was admitted.
func (s ReferralStatus) Placed() bool { return s == ReferralPlaced }

// Active says whether the referral may still change: waiting or allocated.
func (s ReferralStatus) Active() bool { return s.Waiting() || s == ReferralAllocated }

// HasBed says whether a bed is held for or taken by the child: allocated or placed.
func (s ReferralStatus) HasBed() bool { return s == ReferralAllocated || s == ReferralPlaced }
