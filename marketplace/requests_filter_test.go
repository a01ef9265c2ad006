package marketplace

import (
	"context"
	"errors"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"testing"
)

// A request list is filtered by status codes only: a label, or a code that is not a
// request status, is a field error on "status" before any query runs.
func TestForCouncilWhereRefusesUnknownStatuses(t *testing.T) {
	for _, st := range []string{"Draft", "Open for responses", "started", "draft;", " "} {
		_, _, err := NewRequests(nil).ForCouncilWhere(context.Background(), 1, RequestFilter{Statuses: []string{"open", st}}, kernel.Page{Limit: 10})
		var fe kernel.FieldErrors
		if !errors.As(err, &fe) || fe[0].Field != "status" {
			t.Errorf("status %q: %v, want a field error on status", st, err)
		}
	}
}
