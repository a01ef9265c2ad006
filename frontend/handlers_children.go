package frontend

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/marketplace"
)

// Child search: a council finds a child by their pseudonymous reference across its own
// requests, placements and secure referrals. Every search is a read of children's
// records, audited with what it found (even nothing), and only the council's own
// records are ever searched.

// minChildSearch is the shortest reference part searched: fewer characters would list
// most of the council's children.
const minChildSearch = 3

// childSearchInput is the search box.
type childSearchInput struct {
	Q string `query:"q" json:"q"`
}

// validate checks the search once: long enough to name a child, short enough to be a
// reference.
func (in *childSearchInput) validate() kernel.FieldErrors {
	var fe kernel.FieldErrors
	in.Q = strings.TrimSpace(in.Q)
	switch n := len([]rune(in.Q)); {
	case n == 0:
		fe.Add("q", "Enter all or part of the child's reference")
	case n < minChildSearch:
		fe.Add("q", fmt.Sprintf("Enter at least %d characters of the child's reference", minChildSearch))
	case n > maxSearch:
		fe.Add("q", fmt.Sprintf("The child's reference must be %d characters or fewer", maxSearch))
	}
	return fe
}

// childResult is one child's records the search found.
type childResult struct {
	Ref     string
	Records []childRecord
	History bool // a placement was found, so the child's placement history has a page
}

// childRecord is one record found, as the results show it: what it is, its status
// (typed, for its tag) and its page.
type childRecord struct {
	Kind, Href string
	Status     any
	At         time.Time
}

// recordOf is how a match is shown.
func recordOf(m kernel.ChildMatch) childRecord {
	r := childRecord{At: m.At}
	switch m.Kind {
	case "placement_request":
		r.Kind, r.Href, r.Status = "Placement request", fmt.Sprintf("/requests/%d", m.ID), marketplace.RequestStatus(m.Status)
	case "placement":
		r.Kind, r.Href, r.Status = "Placement", fmt.Sprintf("/placements/%d", m.ID), marketplace.PlacementStatus(m.Status)
	default:
		r.Kind, r.Href, r.Status = "Secure referral", fmt.Sprintf("/secure/referrals/%d", m.ID), secure.ReferralStatus(m.Status)
	}
	return r
}

func (s *Server) childSearchPage(c echo.Context) error {
	in := childSearchInput{Q: c.QueryParam("q")}
	form := map[string]string{"q": in.Q}
	if _, asked := c.QueryParams()["q"]; !asked {
		return s.page(c, http.StatusOK, "child_search", "Find a child", map[string]any{})
	}
	if fe := in.validate(); fe != nil {
		return s.page(c, http.StatusBadRequest, "child_search", "Find a child", map[string]any{}, withForm(form, fe))
	}
	ctx := c.Request().Context()
	council := currentOrg(c).ID
	found, err := s.deps.Requests.FindChild(ctx, council, in.Q)
	if err != nil {
		return err
	}
	refs, err := s.deps.Secure.FindChild(ctx, council, in.Q)
	if err != nil {
		return err
	}
	found = s.openable(c, append(found, refs...))
	if err := s.auditChildSearch(c, in.Q, found); err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "child_search", "Find a child", map[string]any{"Q": in.Q, "Children": groupByChild(found), "Count": len(found)}, withForm(form, nil))
}

// openable keeps the records the user's role may open (the route policy table, as
// links are checked): an approver, who cannot open a request or a secure referral, is
// not told of one by a search either.
func (s *Server) openable(c echo.Context, found []kernel.ChildMatch) []kernel.ChildMatch {
	u, _ := currentUser(c)
	return slices.DeleteFunc(found, func(m kernel.ChildMatch) bool { return !s.CanFollow(u.Role, recordOf(m).Href) })
}

// auditChildSearch records the search as one read of children's records: what was
// searched for and the id of every record shown, by kind.
func (s *Server) auditChildSearch(c echo.Context, q string, found []kernel.ChildMatch) error {
	ids := map[string][]string{}
	for _, m := range found {
		ids[m.Kind] = append(ids[m.Kind], strconv.FormatInt(m.ID, 10))
	}
	return s.deps.Audit.Record(c.Request().Context(), "child.read", "child_search", "", map[string]any{
		"list": c.Path(), "search": q, "count": len(found), "ids": ids})
}

// groupByChild gathers the records by the child's reference, in reference order.
func groupByChild(found []kernel.ChildMatch) []childResult {
	slices.SortStableFunc(found, func(a, b kernel.ChildMatch) int { return strings.Compare(a.ChildRef, b.ChildRef) })
	var out []childResult
	for _, m := range found {
		if n := len(out); n > 0 && out[n-1].Ref == m.ChildRef {
			out[n-1].Records = append(out[n-1].Records, recordOf(m))
		} else {
			out = append(out, childResult{Ref: m.ChildRef, Records: []childRecord{recordOf(m)}})
		}
		out[len(out)-1].History = out[len(out)-1].History || m.Kind == "placement"
	}
	return out
}
