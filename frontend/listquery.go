package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// The one mechanism for lists people work with (the GOV.UK/MOJ "filter a list"
// pattern): a list declares its search, filters and sort keys once (a listSpec); the
// query string is read into a typed kernel.ListQuery, validated once, for the page and
// the API alike; the page shows a filter panel with the chosen filters as removable
// tags, a result count, sortable headers (aria-sort) and pagination. Filters live in
// the address, so a filtered list can be bookmarked and the back button works.

// maxSearch is the longest search accepted, in characters.
const maxSearch = 100

// listFilter is one filter of a list: its query parameter, legend and allowed codes.
type listFilter struct {
	Name, Legend string
	Options      []kernel.Option
}

// listSpec declares a list: its address, what its search box searches, its filters,
// the sort keys its domain query allows, and its page size.
type listSpec struct {
	Path       string
	Noun       [2]string // "request", "requests": for the result count
	Search     string    // the search box's label; no search box when empty
	SearchHint string
	Filters    []listFilter
	Sorts      kernel.Sorts
	PerPage    int
	// Params are single-valued parameters passed to the domain as filters as they are
	// (a home's id, an area's code): the domain checks them.
	Params []string
	// ParamLabel names a Param's value in the chosen filters' tags (the value itself when nil).
	ParamLabel func(name, value string) string
}

// listView is one reading of a list's query string: the typed query for the domain,
// the pager, what was chosen (to re-show it) and the problems with what was asked.
type listView struct {
	Spec   *listSpec
	Query  kernel.ListQuery
	Pager  pager
	Form   map[string]string // the chosen values, comma-joined, for the checkboxes partial
	Errors kernel.FieldErrors
	values url.Values // the valid part of the query string, for links
}

// read parses q against the list's spec. Every problem is a field error naming the
// parameter; its value is dropped, so the rest of the list still works.
func (sp *listSpec) read(q url.Values) listView {
	lv := listView{Spec: sp, Form: map[string]string{}, values: url.Values{}}
	lq := kernel.ListQuery{Filters: map[string][]string{}}
	if sp.Search != "" {
		s := strings.TrimSpace(q.Get("q"))
		switch {
		case len([]rune(s)) > maxSearch:
			lv.Errors.Add("q", fmt.Sprintf("Search must be %d characters or fewer", maxSearch))
		case s != "":
			lq.Search = s
			lv.Form["q"] = s
			lv.values.Set("q", s)
		}
	}
	for _, f := range sp.Filters {
		var bad []string
		for _, v := range splitCodes(q[f.Name]) {
			switch {
			case !kernel.ValidCode(f.Options, v):
				bad = append(bad, strconv.Quote(v))
			case !slices.Contains(lq.Filters[f.Name], v):
				lq.Filters[f.Name] = append(lq.Filters[f.Name], v)
				lv.values.Add(f.Name, v)
			}
		}
		if len(bad) > 0 {
			lv.Errors.Add(f.Name, fmt.Sprintf("%s: %s is not one of the choices; choose from the list", f.Legend, strings.Join(bad, ", ")))
		}
		lv.Form[f.Name] = strings.Join(lq.Filters[f.Name], ",")
	}
	for _, name := range sp.Params {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			lq.Filters[name] = []string{v}
			lv.Form[name] = v
			lv.values.Set(name, v)
		}
	}
	if key := strings.TrimSpace(q.Get("sort")); key != "" {
		if _, ok := sp.Sorts[key]; ok {
			lq.Sort = key
			lv.values.Set("sort", key)
		} else {
			lv.Errors.Add("sort", fmt.Sprintf("The list cannot be sorted by %q: sort by %s", key, strings.Join(sp.Sorts.Keys(), ", ")))
		}
	}
	switch o := strings.TrimSpace(q.Get("order")); o {
	case "", "asc":
	case "desc":
		lq.Desc = true
		if lq.Sort != "" {
			lv.values.Set("order", o)
		}
	default:
		lv.Errors.Add("order", fmt.Sprintf("Order must be asc or desc, not %q", o))
	}
	pg, err := newPager(q, cmp(sp.PerPage, defaultPerPage))
	if err != nil {
		lv.Errors.Add("page", "Page and per_page must be whole numbers: page from 1, per_page from 1 to "+strconv.Itoa(maxPerPage))
		pg, _ = newPager(url.Values{}, cmp(sp.PerPage, defaultPerPage))
	} else if q.Get("per_page") != "" {
		lv.values.Set("per_page", strconv.Itoa(pg.Size))
	}
	lq.Page = pg.rows()
	lv.Query, lv.Pager = lq, pg
	return lv
}

// cmp is n, or def when n is not set.
func cmp(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

// splitCodes reads a multi-valued parameter, given either repeated or comma-separated.
func splitCodes(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, code := range strings.Split(v, ",") {
			if code = strings.TrimSpace(code); code != "" {
				out = append(out, code)
			}
		}
	}
	return out
}

// listPage reads the list's query for a web page. Problems are shown beside the filter
// panel with a 400, never a 500: the list itself shows with what was valid.
func (sp *listSpec) listPage(c echo.Context) listView { return sp.read(c.QueryParams()) }

// listAPI reads the list's query for the API: a page out of range is a 400, any other
// problem a field error (a 422 problem naming the parameter), before a query runs.
func (sp *listSpec) listAPI(c echo.Context) (listView, error) {
	if _, err := newPager(c.QueryParams(), defaultPerPage); err != nil {
		return listView{}, err // a page out of range is a 400, as on every list
	}
	lv := sp.read(c.QueryParams())
	if len(lv.Errors) > 0 {
		return lv, lv.Errors
	}
	return lv, nil
}

// status is the page's HTTP status: 400 when part of the query was refused.
func (lv listView) status() int {
	if len(lv.Errors) > 0 {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// counted fills in the pager's total and links, keeping the valid query.
func (lv listView) counted(total int64) listView {
	lv.Pager = lv.Pager.withTotal(total, lv.Spec.Path, lv.values)
	return lv
}

// href is the list's address with the valid query changed by edit, from page 1.
func (lv listView) href(edit func(url.Values)) string {
	v := url.Values{}
	for k, vs := range lv.values {
		v[k] = slices.Clone(vs)
	}
	edit(v)
	if len(v) == 0 {
		return lv.Spec.Path
	}
	return lv.Spec.Path + "?" + v.Encode()
}

// filterTag is a chosen filter, shown as a tag that removes it.
type filterTag struct{ Legend, Label, Href string }

// Tags are the chosen search and filters, each with the address without it.
func (lv listView) Tags() []filterTag {
	var out []filterTag
	if lv.Query.Search != "" {
		out = append(out, filterTag{"Search", lv.Query.Search, lv.href(func(v url.Values) { v.Del("q") })})
	}
	for _, name := range lv.Spec.Params {
		for _, v := range lv.Query.Values(name) {
			label := v
			if lv.Spec.ParamLabel != nil {
				label = lv.Spec.ParamLabel(name, v)
			}
			out = append(out, filterTag{strings.ToUpper(name[:1]) + name[1:], label, lv.href(func(v url.Values) { v.Del(name) })})
		}
	}
	for _, f := range lv.Spec.Filters {
		for _, code := range lv.Query.Values(f.Name) {
			keep := slices.DeleteFunc(slices.Clone(lv.Query.Values(f.Name)), func(s string) bool { return s == code })
			out = append(out, filterTag{f.Legend, kernel.Label(f.Options, code), lv.href(func(v url.Values) { v[f.Name] = keep })})
		}
	}
	return out
}

// ClearHref is the list with no search or filters, in the same order.
func (lv listView) ClearHref() string {
	return lv.href(func(v url.Values) {
		v.Del("q")
		for _, f := range lv.Spec.Filters {
			v.Del(f.Name)
		}
		for _, name := range lv.Spec.Params {
			v.Del(name)
		}
	})
}

// Hidden are the query parameters the filter form keeps as they are: the sort, the
// page size (a new filter starts again from page 1) and the list's Params.
func (lv listView) Hidden() [][2]string {
	var out [][2]string
	for _, k := range append([]string{"sort", "order", "per_page"}, lv.Spec.Params...) {
		if v := lv.values.Get(k); v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// Choices are a filter's options for the checkboxes partial.
func (f listFilter) Choices() [][2]string {
	out := make([][2]string, len(f.Options))
	for i, o := range f.Options {
		out[i] = [2]string{o.Code, o.Label}
	}
	return out
}

// SortHref is the address sorting by key: ascending first, the other way when the list
// is already sorted by it ascending.
func (lv listView) SortHref(key string) string {
	return lv.href(func(v url.Values) {
		v.Set("sort", key)
		v.Del("order")
		if lv.Query.Sort == key && !lv.Query.Desc {
			v.Set("order", "desc")
		}
	})
}

// AriaSort is a sortable header's aria-sort: ascending, descending or none.
func (lv listView) AriaSort(key string) string {
	switch {
	case lv.Query.Sort != key:
		return "none"
	case lv.Query.Desc:
		return "descending"
	default:
		return "ascending"
	}
}

// Count is the result count, as "1 request" or "12 requests".
func (lv listView) Count() string {
	n := lv.Pager.Total
	if n == 1 {
		return "1 " + lv.Spec.Noun[0]
	}
	return fmt.Sprintf("%d %s", n, lv.Spec.Noun[1])
}

// Filtered reports whether a search or filter narrows the list.
func (lv listView) Filtered() bool { return len(lv.Tags()) > 0 }

// forAPI is the list as the API serves it at path: the same search, filters and sort
// keys, 50 rows a page unless ?per_page= says otherwise.
func (sp listSpec) forAPI(path string) *listSpec {
	sp.Path, sp.PerPage = path, defaultPerPage
	return &sp
}

// The API's lists, read as their pages are.
var (
	requestAPIList    = requestList.forAPI("/api/v1/requests")
	placementAPIList  = placementList.forAPI("/api/v1/placements")
	noticeAPIList     = noticeList.forAPI("/api/v1/notices")
	invitationAPIList = invitationList.forAPI("/api/v1/invitations")
	homeAPIList       = homeList.forAPI("/api/v1/homes")
)
