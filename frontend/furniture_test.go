package frontend

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	crumbsRe = regexp.MustCompile(`(?s)<nav class="govuk-breadcrumbs"[^>]*>(.*?)</nav>`)
	crumbRe  = regexp.MustCompile(`<a class="govuk-breadcrumbs__link" href="([^"]*)">([^<]*)</a>`)
	backRe   = regexp.MustCompile(`<a href="([^"]*)" class="govuk-back-link"[^>]*>([^<]*)</a>`)
)

// crumbs lists a page's breadcrumbs as "text href" pairs.
func crumbs(body string) []string {
	var out []string
	if m := crumbsRe.FindStringSubmatch(body); m != nil {
		for _, c := range crumbRe.FindAllStringSubmatch(m[1], -1) {
			out = append(out, html.UnescapeString(c[2])+" "+c[1])
		}
	}
	return out
}

// TestPageFurniture: detail pages have breadcrumbs up to Home, named as the role's menu
// names each section; form pages have a back link to the page above them; titles read
// "<Page> – <Service> – Hearth", with "Error: " first when the page shows an error summary.
func TestPageFurniture(t *testing.T) {
	h := newHarness(t)
	reqID, near, _ := h.twoBids(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC980101", "M20 2AB", 1)
	commissioner, provider, admin := h.signIn("commissioner@manchester.test"), h.signIn("admin@providerx.test"), h.signIn("admin@consortium.test")
	for _, tt := range []struct {
		name   string
		b      *browser
		path   string
		crumbs []string
		back   string
	}{
		{"request", commissioner, fmt.Sprintf("/requests/%d", reqID), []string{"Home /", "Requests /requests"}, ""},
		{"bid", commissioner, fmt.Sprintf("/requests/%d/bids/%d", reqID, near.ID), []string{"Home /", "Requests /requests", fmt.Sprintf("Request MCR-AWARD-1 /requests/%d", reqID)}, ""},
		{"home", provider, fmt.Sprintf("/homes/%d", home.ID), []string{"Home /", "Homes /homes"}, ""},
		{"change a home", provider, fmt.Sprintf("/homes/%d/edit", home.ID), nil, fmt.Sprintf("/homes/%d", home.ID)},
		{"add a home", provider, "/homes/new", nil, "/homes"},
		{"upload vacancies", provider, "/homes/vacancies/upload", nil, "/homes"},
		{"add a user", admin, "/admin/users/new", nil, "/admin/users"},
		{"change password", admin, "/account/password", nil, "/account"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.b.get(tt.path)
			if r.Status != 200 {
				t.Fatalf("%s: %d", tt.path, r.Status)
			}
			if got := crumbs(r.Body); strings.Join(got, ", ") != strings.Join(tt.crumbs, ", ") {
				t.Errorf("breadcrumbs %q, want %q", got, tt.crumbs)
			}
			back := ""
			if m := backRe.FindStringSubmatch(r.Body); m != nil {
				back = m[1]
			}
			if back != tt.back {
				t.Errorf("back link to %q, want %q", back, tt.back)
			}
			if m := titleRe.FindStringSubmatch(r.Body); m == nil || !strings.HasSuffix(html.UnescapeString(m[1]), " – "+ServiceName+" – Hearth") {
				t.Errorf("title %q", m)
			}
		})
	}
	t.Run("error title", func(t *testing.T) {
		r := admin.post("/admin/users/new", "/admin/users/new", url.Values{"email": {"not-an-email"}})
		m := titleRe.FindStringSubmatch(r.Body)
		if r.Status != 422 || m == nil || html.UnescapeString(m[1]) != "Error: Add a user – "+ServiceName+" – Hearth" {
			t.Fatalf("%d, title %q", r.Status, m)
		}
		if m := backRe.FindStringSubmatch(r.Body); m == nil || m[1] != "/admin/users" {
			t.Errorf("no back link on the form with errors: %q", m)
		}
	})
	t.Run("a section the role cannot follow is left out", func(t *testing.T) {
		// The approver reads a placement but has no placement list in another's name: the
		// crumbs name only what the approver's menu has.
		r := h.signIn("approver@manchester.test").get(fmt.Sprintf("/requests/%d", reqID))
		if got := crumbs(r.Body); len(got) > 0 && strings.Contains(strings.Join(got, ","), "/requests") {
			t.Errorf("approver sees crumbs %q", got)
		}
	})
}

// Every GOV.UK table goes in a focusable scrolling region named by its caption; stacking
// tables, tables already wrapped and other tables are left alone.
func TestScrollTables(t *testing.T) {
	const open = `<div class="hearth-table-scroll" tabindex="0" role="region" aria-label="`
	for _, tt := range []struct{ name, in, want string }{
		{"captioned", `<p>x</p><table class="govuk-table"><caption class="c">Bids, <span>best</span>
  first</caption><tr></tr></table><p>y</p>`,
			`<p>x</p>` + open + `Bids, best first"><table class="govuk-table"><caption class="c">Bids, <span>best</span>
  first</caption><tr></tr></table></div><p>y</p>`},
		{"no caption", `<table class="govuk-table x"><tr></tr></table>`, open + `Table"><table class="govuk-table x"><tr></tr></table></div>`},
		{"two", `<table class="govuk-table"><caption>A</caption></table><table class="govuk-table"><caption>B &amp; &#34;C&#34;</caption></table>`,
			open + `A"><table class="govuk-table"><caption>A</caption></table></div>` + open + `B &amp; &#34;C&#34;"><table class="govuk-table"><caption>B &amp; &#34;C&#34;</caption></table></div>`},
		{"stacking", `<table class="govuk-table hearth-stack"><tr></tr></table>`, `<table class="govuk-table hearth-stack"><tr></tr></table>`},
		{"already wrapped", `<div class="hearth-table-scroll"><table class="govuk-table"></table></div>`, `<div class="hearth-table-scroll"><table class="govuk-table"></table></div>`},
		{"wrapped by its template", "<div class=\"hearth-table-scroll\" role=\"region\" aria-label=\"Bids\" tabindex=\"0\">\n  <table class=\"govuk-table\"></table></div>",
			"<div class=\"hearth-table-scroll\" role=\"region\" aria-label=\"Bids\" tabindex=\"0\">\n  <table class=\"govuk-table\"></table></div>"},
		{"not GOV.UK", `<table class="calendar"></table>`, `<table class="calendar"></table>`},
		{"none", `<p>no tables</p>`, `<p>no tables</p>`},
	} {
		if got := string(scrollTables([]byte(tt.in))); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
