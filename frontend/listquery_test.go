package frontend

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

var testList = listSpec{Path: "/things", Noun: [2]string{"thing", "things"}, Search: "Name",
	Filters: []listFilter{{Name: "status", Legend: "Status", Options: []kernel.Option{{Code: "open", Label: "Open"}, {Code: "closed", Label: "Closed"}}}},
	Sorts:   kernel.Sorts{"name": "name", "date": "created_at"}, PerPage: 10}

// A list's query string is read once into a typed query: what is valid is kept, and
// every bad value is a field error naming its parameter (a 400 page, never a 500).
func TestListQueryRead(t *testing.T) {
	long := strings.Repeat("x", maxSearch+1)
	tests := []struct {
		name, query string
		wantErrs    []string
		want        kernel.ListQuery
	}{
		{"nothing", "", nil, kernel.ListQuery{Filters: map[string][]string{}, Page: kernel.Page{Limit: 10}}},
		{"everything", "q=+ab+&status=open,closed&status=open&sort=date&order=desc&page=3&per_page=5", nil,
			kernel.ListQuery{Search: "ab", Filters: map[string][]string{"status": {"open", "closed"}}, Sort: "date", Desc: true, Page: kernel.Page{Offset: 10, Limit: 5}}},
		{"bad status kept out", "status=open&status=Open", []string{"status"},
			kernel.ListQuery{Filters: map[string][]string{"status": {"open"}}, Page: kernel.Page{Limit: 10}}},
		{"sort not allowed", "sort=id%3Bdrop", []string{"sort"}, kernel.ListQuery{Filters: map[string][]string{}, Page: kernel.Page{Limit: 10}}},
		{"order not asc or desc", "sort=name&order=down", []string{"order"}, kernel.ListQuery{Filters: map[string][]string{}, Sort: "name", Page: kernel.Page{Limit: 10}}},
		{"search too long", "q=" + long, []string{"q"}, kernel.ListQuery{Filters: map[string][]string{}, Page: kernel.Page{Limit: 10}}},
		{"page not a number", "page=two", []string{"page"}, kernel.ListQuery{Filters: map[string][]string{}, Page: kernel.Page{Limit: 10}}},
		{"per_page too big", "per_page=100000", []string{"page"}, kernel.ListQuery{Filters: map[string][]string{}, Page: kernel.Page{Limit: 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			lv := testList.read(q)
			var got []string
			for _, e := range lv.Errors {
				got = append(got, e.Field)
			}
			if strings.Join(got, ",") != strings.Join(tt.wantErrs, ",") {
				t.Errorf("errors on %v, want %v (%v)", got, tt.wantErrs, lv.Errors)
			}
			if wantStatus := map[bool]int{true: http.StatusBadRequest, false: http.StatusOK}[len(tt.wantErrs) > 0]; lv.status() != wantStatus {
				t.Errorf("status %d, want %d", lv.status(), wantStatus)
			}
			if lv.Query.Search != tt.want.Search || lv.Query.Sort != tt.want.Sort || lv.Query.Desc != tt.want.Desc || lv.Query.Page != tt.want.Page ||
				strings.Join(lv.Query.Values("status"), ",") != strings.Join(tt.want.Values("status"), ",") {
				t.Errorf("query %+v, want %+v", lv.Query, tt.want)
			}
		})
	}
}

// The chosen filters are tags that each remove themselves; a header sorts ascending,
// then descending, and says so in aria-sort; links keep the rest of the query and go
// back to page 1.
func TestListViewLinks(t *testing.T) {
	q, _ := url.ParseQuery("q=ab&status=open&status=closed&sort=name&page=2")
	lv := testList.read(q).counted(25)
	tags := lv.Tags()
	if len(tags) != 3 {
		t.Fatalf("tags %+v", tags)
	}
	for _, tt := range []struct{ got, want string }{
		{tags[0].Href, "/things?sort=name&status=open&status=closed"},
		{tags[1].Label + " " + tags[1].Href, "Open /things?q=ab&sort=name&status=closed"},
		{tags[2].Href, "/things?q=ab&sort=name&status=open"},
		{lv.ClearHref(), "/things?sort=name"},
		{lv.SortHref("name"), "/things?order=desc&q=ab&sort=name&status=open&status=closed"},
		{lv.SortHref("date"), "/things?q=ab&sort=date&status=open&status=closed"},
		{lv.AriaSort("name") + " " + lv.AriaSort("date"), "ascending none"},
		{lv.Pager.Next, "/things?page=3&q=ab&sort=name&status=open&status=closed"},
		{lv.Count(), "25 things"},
		{lv.Form["status"], "open,closed"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	desc, _ := url.ParseQuery("sort=name&order=desc")
	if d := testList.read(desc); d.AriaSort("name") != "descending" || d.SortHref("name") != "/things?sort=name" {
		t.Errorf("descending: %s %s", d.AriaSort("name"), d.SortHref("name"))
	}
}
