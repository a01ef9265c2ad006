package secure

import (
	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// BedStatus is where a secure bed stands. The database's CHECK on secure_beds.status
// allows exactly BedMachine.States.
type BedStatus string

// The statuses of a secure bed.
const (
	BedFree     BedStatus = "free"     // empty and open
	BedOccupied BedStatus = "occupied" // a child lives there
	BedHeld     BedStatus = "held"     // kept for an allocated child who has not arrived
	BedClosed   BedStatus = "closed"   // out of use until it reopens
)

// BedMachine holds the legal changes of a secure bed. The home moves a bed between
// free, occupied and closed; only allocation holds a bed, and only admission or the
// coordinator's release lets go of it.
//
//	free ↔ occupied ↔ closed ↔ free   the home's report
//	free → held                       the coordinator allocates it to a child
//	held → occupied                   the home confirms the admission
//	held → free                       the coordinator releases it, or the referral ends
//
// As a Mermaid diagram (TestStateDiagramsMatchTables keeps it in step with Next):
//
//	stateDiagram-v2
//	    [*] --> free
//	    free --> occupied
//	    free --> closed
//	    free --> held
//	    occupied --> free
//	    occupied --> closed
//	    held --> occupied
//	    held --> free
//	    closed --> free
//	    closed --> occupied
var BedMachine = kernel.Machine[BedStatus]{
	Object: "secure bed",
	States: []BedStatus{BedFree, BedOccupied, BedHeld, BedClosed},
	Next: map[BedStatus][]BedStatus{
		BedFree:     {BedOccupied, BedClosed, BedHeld},
		BedOccupied: {BedFree, BedClosed},
		BedClosed:   {BedFree, BedOccupied},
		BedHeld:     {BedOccupied, BedFree},
	},
}

// CanTransition returns nil if a bed may move from s to to, and an
// *kernel.IllegalTransition otherwise.
func (s BedStatus) CanTransition(to BedStatus) error { return BedMachine.Check(s, to) }

// Transition moves b to status to, or returns an *kernel.IllegalTransition.
// A home's report that keeps the status (a new expected date) is not a transition.
func (b *Bed) Transition(to BedStatus) error {
	if err := b.Status.CanTransition(to); err != nil {
		return err
	}
	b.Status = to
	return nil
}

// IsFree says whether the bed is empty and open.
func (s BedStatus) IsFree() bool { return s == BedFree }

// Occupied says whether a child lives there.
func (s BedStatus) Occupied() bool { return s == BedOccupied }

// Held says whether the bed is kept for an allocated child.
func (s BedStatus) Held() bool { return s == BedHeld }

// Closed says whether the bed is out of use.
func (s BedStatus) Closed() bool { return s == BedClosed }

// Reportable says whether a home may report the bed in this status (held is set only
// by allocation).
func (s BedStatus) Reportable() bool { return s == BedFree || s == BedOccupied || s == BedClosed }
