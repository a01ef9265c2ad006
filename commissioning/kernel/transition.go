package kernel

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrIllegalTransition matches every IllegalTransition: a state change that its
// object's machine does not allow. It is a conflict (409) to the web layer.
var ErrIllegalTransition = errors.New("illegal transition")

// IllegalTransition is the error a state machine returns for a change it does not
// allow: Object names the machine ("request", "bid"…), From and To the statuses.
// It matches ErrIllegalTransition and ErrConflict.
type IllegalTransition struct {
	Object, From, To string
}

func (e *IllegalTransition) Error() string {
	return fmt.Sprintf("a %s cannot go from %s to %s", e.Object, e.From, e.To)
}

// Is makes errors.Is(err, ErrIllegalTransition) and errors.Is(err, ErrConflict) true.
func (e *IllegalTransition) Is(target error) bool {
	return target == ErrIllegalTransition || target == ErrConflict
}

// Machine is one object's transition table: for each status, the statuses it may
// move to. A status with no entry is final. The domain packages hold one Machine per
// stateful object, each in its <object>_states.go file, and check every change
// against it before the conditional UPDATE that makes it (the database's CHECKs and
// triggers stay as the last word).
type Machine[S ~string] struct {
	Object string
	// States lists every status in the order people read them (and the database's
	// CHECK constraint allows exactly these).
	States []S
	// Start lists the statuses an object is created in (the first of States if empty).
	Start []S
	Next  map[S][]S
}

// Check returns nil if from may move to to, and an *IllegalTransition otherwise
// (also for a status the machine does not know).
func (m Machine[S]) Check(from, to S) error {
	if slices.Contains(m.Next[from], to) {
		return nil
	}
	return &IllegalTransition{Object: m.Object, From: string(from), To: string(to)}
}

// Known says whether s is one of the machine's statuses.
func (m Machine[S]) Known(s S) bool { return slices.Contains(m.States, s) }

// Final says whether s allows no further change.
func (m Machine[S]) Final(s S) bool { return len(m.Next[s]) == 0 }

// Mermaid is the machine as a Mermaid state diagram, for the README.
func (m Machine[S]) Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	start := m.Start
	if len(start) == 0 && len(m.States) > 0 {
		start = m.States[:1]
	}
	for _, s := range start {
		fmt.Fprintf(&b, "    [*] --> %s\n", s)
	}
	for _, from := range m.States {
		for _, to := range m.Next[from] {
			fmt.Fprintf(&b, "    %s --> %s\n", from, to)
		}
	}
	for _, s := range m.States {
		if m.Final(s) {
			fmt.Fprintf(&b, "    %s --> [*]\n", s)
		}
	}
	return b.String()
}

// TB is the part of *testing.T that Verify needs (the kernel does not import testing).
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// Verify holds every pair of m's statuses against legal, the transitions a test
// expects with why each is allowed: a change must pass Check exactly when legal lists
// it, and fail as an IllegalTransition otherwise. A pair naming an unknown status is an
// error in the test's own table. It reports each disagreement on t.
func (m Machine[S]) Verify(t TB, legal map[[2]S]string) {
	t.Helper()
	for pair := range legal {
		if !m.Known(pair[0]) || !m.Known(pair[1]) {
			t.Errorf("%s: the test's table names an unknown status: %v", m.Object, pair)
		}
	}
	for _, from := range m.States {
		for _, to := range m.States {
			why, ok := legal[[2]S{from, to}]
			err := m.Check(from, to)
			switch {
			case ok && err != nil:
				t.Errorf("%s %s to %s (%s): %v", m.Object, from, to, why, err)
			case !ok && !errors.Is(err, ErrIllegalTransition):
				t.Errorf("%s %s to %s: Check = %v, want ErrIllegalTransition", m.Object, from, to, err)
			}
		}
	}
}
