package marketplace

import (
	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// PlacementStatus is where a placement stands. The database's CHECK on
// placements.status allows exactly PlacementMachine.States.
type PlacementStatus string

// The statuses of a placement.
const (
	PlacementAwaitingApproval PlacementStatus = "awaiting_approval" // the award needs a senior approver
	PlacementAwarded          PlacementStatus = "awarded"           // the award stands; the child has not moved in yet
	PlacementRefused          PlacementStatus = "refused"           // the approver refused the award
	PlacementStarted          PlacementStatus = "started"           // the child moved in
	PlacementEnded            PlacementStatus = "ended"             // the child left, or never started
)

// PlacementMachine holds the legal changes of a placement. An award creates it
// awaiting approval (when a rule needs an approver) or awarded.
//
//	awaiting_approval → awarded   the approver approves
//	awaiting_approval → refused   the approver refuses (the request closes again)
//	awarded → started             the provider confirms the child moved in
//	awarded → ended               the placement did not start
//	started → ended               the child left
//
// As a Mermaid diagram (TestStateDiagramsMatchTables keeps it in step with Next):
//
//	stateDiagram-v2
//	    [*] --> awaiting_approval
//	    [*] --> awarded
//	    awaiting_approval --> awarded
//	    awaiting_approval --> refused
//	    awarded --> started
//	    awarded --> ended
//	    started --> ended
//	    refused --> [*]
//	    ended --> [*]
var PlacementMachine = kernel.Machine[PlacementStatus]{
	Object: "placement",
	States: []PlacementStatus{PlacementAwaitingApproval, PlacementAwarded, PlacementRefused, PlacementStarted, PlacementEnded},
	Start:  []PlacementStatus{PlacementAwaitingApproval, PlacementAwarded},
	Next: map[PlacementStatus][]PlacementStatus{
		PlacementAwaitingApproval: {PlacementAwarded, PlacementRefused},
		PlacementAwarded:          {PlacementStarted, PlacementEnded},
		PlacementStarted:          {PlacementEnded},
	},
}

// CanTransition returns nil if a placement may move from s to to, and an
// *kernel.IllegalTransition otherwise.
func (s PlacementStatus) CanTransition(to PlacementStatus) error {
	return PlacementMachine.Check(s, to)
}

// Transition moves p to status to, or returns an *kernel.IllegalTransition.
func (p *Placement) Transition(to PlacementStatus) error {
	if err := p.Status.CanTransition(to); err != nil {
		return err
	}
	p.Status = to
	return nil
}

// AwaitingApproval says whether the award waits for an approver.
func (s PlacementStatus) AwaitingApproval() bool { return s == PlacementAwaitingApproval }

// Awarded says whether the award stands and the child has not moved in yet.
func (s PlacementStatus) Awarded() bool { return s == PlacementAwarded }

// Refused says whether the approver refused the award.
func (s PlacementStatus) Refused() bool { return s == PlacementRefused }

// Started says whether the child lives in the home.
func (s PlacementStatus) Started() bool { return s == PlacementStarted }

// Ended says whether the placement is over.
func (s PlacementStatus) Ended() bool { return s == PlacementEnded }

// Live says whether the placement is awarded or started: a bed is taken, and it may
// still change (start, end, fee change, review).
func (s PlacementStatus) Live() bool { return s == PlacementAwarded || s == PlacementStarted }

// Final says whether the award was made final: awarded, started or ended (not
// waiting for approval, nor refused). The winning provider sees such a placement.
func (s PlacementStatus) Final() bool { return s.Live() || s == PlacementEnded }

// finalPlacementStatuses are the statuses of a final award, for SQL (p.status IN ?).
var finalPlacementStatuses = []PlacementStatus{PlacementAwarded, PlacementStarted, PlacementEnded}
