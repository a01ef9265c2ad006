package frontend

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/marketplace"
)

// auditList records the one "child.read" audit entry of a list or export that shows
// child data: the route names the list (the page, its CSV and the API each have their
// own), and ids are the records of entityType the user was shown.
func (s *Server) auditList(c echo.Context, entityType string, ids []int64) error {
	seen := map[int64]bool{}
	strs := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			strs = append(strs, strconv.FormatInt(id, 10))
		}
	}
	return s.deps.Audit.RecordList(c.Request().Context(), c.Path(), entityType, strs)
}

// idsOf returns the id of each item.
func idsOf[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

// reportReferrals are the referrals the daily report names: children waiting,
// allocated in the last day, or across a border.
func reportReferrals(rep secure.Report) []int64 {
	seen := map[int64]bool{}
	var out []int64
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, w := range rep.Waiting {
		add(w.ID)
	}
	for _, a := range rep.Allocations {
		add(a.ReferralID)
	}
	for _, a := range rep.CrossBorder {
		add(a.ReferralID)
	}
	return out
}

// profilesShown are the requests whose child profile a provider's list shows: not
// those withheld after another provider won.
func profilesShown(invs []marketplace.Invitation) []int64 {
	var out []int64
	for _, inv := range invs {
		if !inv.Withheld() {
			out = append(out, inv.RequestID)
		}
	}
	return out
}
