package secure

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// The waiting list is ordered by a priority computed in Go, so it is narrowed and
// sorted in Go too, by the same kernel.ListQuery as the lists ordered in SQL.

// WaitingSorts are the orders the waiting list can be sorted in besides its priority
// (the default); each names the field compared by waitingOrder.
var WaitingSorts = kernel.Sorts{"child": "child's reference", "council": "council", "days": "days waiting", "expiry": "order expiry"}

// WaitingStatuses are the statuses of a child on the waiting list.
var WaitingStatuses = Statuses[:3]

// WaitingPaused filters the children whose search is paused, or not.
var WaitingPaused = []kernel.Option{{Code: "paused", Label: "Search paused"}, {Code: "searching", Label: "Search running"}}

// waitingOrder compares two waiting children by a key of WaitingSorts, ascending.
var waitingOrder = map[string]func(a, b WaitingChild) int{
	"child":   func(a, b WaitingChild) int { return strings.Compare(a.ChildRef, b.ChildRef) },
	"council": func(a, b WaitingChild) int { return strings.Compare(a.Council, b.Council) },
	"days":    func(a, b WaitingChild) int { return cmp.Compare(a.DaysWaiting, b.DaysWaiting) },
	"expiry": func(a, b WaitingChild) int {
		return cmp.Compare(timeOr(a.OrderExpiry), timeOr(b.OrderExpiry))
	},
}

// timeOr is t in Unix seconds, or the far future for none, so "no expiry" sorts last.
func timeOr(t *time.Time) int64 {
	if t == nil {
		return 1 << 62
	}
	return t.Unix()
}

// FilterWaiting narrows the waiting list (in priority order) by lq: filters "urgency"
// (Urgencies), "status" (WaitingStatuses) and "paused" (WaitingPaused), a search in the
// child's reference and the council's name, then sorts it by a key of WaitingSorts,
// keeping priority order among equals. A code not allowed is a field error.
func FilterWaiting(all []WaitingChild, lq kernel.ListQuery) ([]WaitingChild, error) {
	for _, f := range []struct {
		name string
		opts []kernel.Option
	}{{"urgency", Urgencies}, {"status", WaitingStatuses}, {"paused", WaitingPaused}} {
		for _, v := range lq.Values(f.name) {
			if !kernel.ValidCode(f.opts, v) {
				return nil, kernel.Invalid(f.name, "Choose "+f.name+" from the list")
			}
		}
	}
	search := strings.ToLower(strings.TrimSpace(lq.Search))
	out := make([]WaitingChild, 0, len(all))
	for _, w := range all {
		paused := "searching"
		if w.Paused != "" {
			paused = "paused"
		}
		switch {
		case len(lq.Values("urgency")) > 0 && !lq.Has("urgency", w.Urgency),
			len(lq.Values("status")) > 0 && !lq.Has("status", string(w.Status)),
			len(lq.Values("paused")) > 0 && !lq.Has("paused", paused),
			search != "" && !strings.Contains(strings.ToLower(w.ChildRef), search) && !strings.Contains(strings.ToLower(w.Council), search):
			continue
		}
		out = append(out, w)
	}
	if by, ok := waitingOrder[lq.Sort]; ok {
		slices.SortStableFunc(out, func(a, b WaitingChild) int {
			if lq.Desc {
				return by(b, a)
			}
			return by(a, b)
		})
	}
	return out, nil
}
