package kernel

import (
	"slices"
	"strings"
	"time"
)

// ListQuery is how one list is narrowed, ordered and paged: free text to search for,
// filters (a field's chosen codes), a sort key from the list's allow-list and one page.
// The web pages and the API read it from the query string, validated once.
type ListQuery struct {
	Search  string
	Filters map[string][]string
	Sort    string
	Desc    bool
	Page    Page
}

// Values are the codes chosen for the filter name, none if it is not set.
func (q ListQuery) Values(name string) []string { return q.Filters[name] }

// Has reports whether code is chosen for the filter name.
func (q ListQuery) Has(name, code string) bool { return slices.Contains(q.Filters[name], code) }

// Like is the search as an ILIKE pattern matching it anywhere, with the pattern's own
// characters escaped; empty when there is nothing to search for.
func (q ListQuery) Like() string {
	s := strings.TrimSpace(q.Search)
	if s == "" {
		return ""
	}
	return "%" + likeEscaper.Replace(s) + "%"
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// Sorts is a list's allow-list of sort keys, each to its SQL expression. Only these
// expressions ever reach an ORDER BY; a key not in the list is never used.
type Sorts map[string]string

// Keys are the allowed sort keys, sorted.
func (s Sorts) Keys() []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// OrderBy is the ORDER BY clause (without the keywords) for q's sort, or def when q
// names none (or one not allowed), with tiebreak last so pages never overlap.
func (s Sorts) OrderBy(q ListQuery, def, tiebreak string) string {
	expr, ok := s[q.Sort]
	if !ok {
		return def + ", " + tiebreak
	}
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	return expr + dir + " NULLS LAST, " + tiebreak
}

// ChildMatch is one record a child search found: a request, placement or secure
// referral of the searching council, by the child's reference.
type ChildMatch struct {
	Kind     string // "placement_request", "placement" or "secure_referral"
	ID       int64
	ChildRef string
	Status   string
	At       time.Time
}

// MaxChildMatches is how many records of each kind a child search returns at most.
const MaxChildMatches = 50
