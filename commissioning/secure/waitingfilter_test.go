package secure

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

func TestFilterWaiting(t *testing.T) {
	soon, later := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	w := func(ref, council, urgency string, status ReferralStatus, days int, paused string, exp *time.Time) WaitingChild {
		return WaitingChild{Referral: Referral{ChildRef: ref, Urgency: urgency, Status: status, OrderExpiry: exp}, Council: council, DaysWaiting: days, Paused: paused}
	}
	// In priority order, as WaitingList gives it.
	all := []WaitingChild{
		w("MCR-1", "Manchester", "emergency", "received", 1, "", &later),
		w("LPL-2", "Liverpool", "urgent", "offers", 9, "update overdue", &soon),
		w("MCR-3", "Manchester", "planned", "circulated", 4, "", nil),
	}
	refs := func(ws []WaitingChild) string {
		var out []string
		for _, x := range ws {
			out = append(out, x.ChildRef)
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name string
		q    kernel.ListQuery
		want string
	}{
		{"priority", kernel.ListQuery{}, "MCR-1,LPL-2,MCR-3"},
		{"search council", kernel.ListQuery{Search: "manch"}, "MCR-1,MCR-3"},
		{"search ref", kernel.ListQuery{Search: "lpl"}, "LPL-2"},
		{"urgency", kernel.ListQuery{Filters: map[string][]string{"urgency": {"urgent", "planned"}}}, "LPL-2,MCR-3"},
		{"status", kernel.ListQuery{Filters: map[string][]string{"status": {"received"}}}, "MCR-1"},
		{"paused", kernel.ListQuery{Filters: map[string][]string{"paused": {"paused"}}}, "LPL-2"},
		{"searching", kernel.ListQuery{Filters: map[string][]string{"paused": {"searching"}}}, "MCR-1,MCR-3"},
		{"days", kernel.ListQuery{Sort: "days"}, "MCR-1,MCR-3,LPL-2"},
		{"days desc", kernel.ListQuery{Sort: "days", Desc: true}, "LPL-2,MCR-3,MCR-1"},
		{"expiry, none last", kernel.ListQuery{Sort: "expiry"}, "LPL-2,MCR-1,MCR-3"},
		{"council keeps priority among equals", kernel.ListQuery{Sort: "council"}, "LPL-2,MCR-1,MCR-3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FilterWaiting(all, tt.q)
			if err != nil || refs(got) != tt.want {
				t.Errorf("got %s (%v), want %s", refs(got), err, tt.want)
			}
		})
	}
	var fe kernel.FieldErrors
	if _, err := FilterWaiting(all, kernel.ListQuery{Filters: map[string][]string{"urgency": {"soon"}}}); !errors.As(err, &fe) || fe[0].Field != "urgency" {
		t.Errorf("bad urgency: %v", err)
	}
}
