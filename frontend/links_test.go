package frontend

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

var anchorHrefRe = regexp.MustCompile(`<a\s[^>]*href="(/[^"]*)"[^>]*>`)

// pageLinks returns a page's links within Hearth, leaving out downloads.
func pageLinks(body string) []string {
	var out []string
	for _, m := range anchorHrefRe.FindAllStringSubmatch(body, -1) {
		if strings.Contains(m[0], " download") || strings.HasPrefix(m[1], "//") {
			continue
		}
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// TestPagesShowOnlyLinksTheRoleMayFollow: the menus and the placement page's actions
// (Change the fee, The request, End) are shown only to roles the route admits, so no
// link answers 403 — the approver's placement page and the secure roles' menus among them.
func TestPagesShowOnlyLinksTheRoleMayFollow(t *testing.T) {
	h := newHarness(t)
	pid := h.awardedIntoSalford(t)
	placement := fmt.Sprintf("/placements/%d", pid)
	tests := []struct {
		email  string
		pages  []string
		hasNot []string
	}{
		{"approver@manchester.test", []string{"/", placement}, []string{"/fee", "/end\"", "/requests/"}},
		{"commissioner@manchester.test", []string{"/", placement}, nil},
		{"staff@providerx.test", []string{"/", placement}, []string{"/fee"}},
		{"coordinator@swcu.test", []string{"/"}, []string{`href="/notices"`}},
		{"manager@securehome.test", []string{"/"}, []string{`href="/notices"`}},
		{"host@cumberland.test", []string{"/"}, nil},
		{"admin@consortium.test", []string{"/"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			b := h.signIn(tt.email)
			for _, page := range tt.pages {
				r := b.get(page)
				if r.Status != http.StatusOK {
					t.Fatalf("%s: %d", page, r.Status)
				}
				for _, s := range tt.hasNot {
					if strings.Contains(r.Body, s) {
						t.Errorf("%s shows %q", page, s)
					}
				}
				for _, link := range pageLinks(r.Body) {
					if got := b.get(link); got.Status == http.StatusForbidden {
						t.Errorf("%s links to %s, which answers 403", page, link)
					}
				}
			}
		})
	}
}

// TestCanFollowAsksTheRouteTable: a link is followable when the GET route its path
// reaches admits the role, whatever its ids and query.
func TestCanFollowAsksTheRouteTable(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		role, path string
		want       bool
	}{
		{"approver", "/placements/12/fee", false},
		{"commissioner", "/placements/12/fee?x=1", true},
		{"approver", "/requests/3", false},
		{"swcu_coordinator", "/notices", false},
		{"commissioner", "/notices#top", true},
		{"secure_home_user", "/accessibility", true},
		{"commissioner", "/no/such/page", false},
		{"commissioner", "/api/v1/requests", false},
	}
	for _, tt := range tests {
		if got := h.s.CanFollow(kernel.Role(tt.role), tt.path); got != tt.want {
			t.Errorf("CanFollow(%s, %s) = %v, want %v", tt.role, tt.path, got, tt.want)
		}
	}
}

var titleRe = regexp.MustCompile(`<title>([^<]*)</title>`)

// TestPageTitlesNameThePageAndHearth: every page is titled "<Page> – <Service> – Hearth",
// and each role's home page for that role's work, never just "Home".
func TestPageTitlesNameThePageAndHearth(t *testing.T) {
	h := newHarness(t)
	want := map[string]string{
		"admin@consortium.test":        "Consortium administration – " + ServiceName + " – Hearth",
		"commissioner@manchester.test": "Placements for Manchester – " + ServiceName + " – Hearth",
		"approver@manchester.test":     "Approvals for Manchester – " + ServiceName + " – Hearth",
		"staff@providerx.test":         "Provider X – " + ServiceName + " – Hearth",
		"coordinator@swcu.test":        "Secure Welfare Coordination Unit – " + ServiceName + " – Hearth",
		"manager@securehome.test":      "Secure Home Z – " + ServiceName + " – Hearth",
		"host@cumberland.test":         "Children placed in Cumberland – " + ServiceName + " – Hearth",
	}
	for email, home := range want {
		t.Run(email, func(t *testing.T) {
			b := h.signIn(email)
			r := b.get("/")
			if m := titleRe.FindStringSubmatch(r.Body); m == nil || html.UnescapeString(m[1]) != home {
				t.Errorf("home page title %q, want %q", m, home)
			}
			for _, link := range pageLinks(r.Body) {
				r := b.get(link)
				if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
					continue
				}
				m := titleRe.FindStringSubmatch(r.Body)
				if m == nil {
					t.Errorf("%s has no title", link)
					continue
				}
				title := html.UnescapeString(m[1])
				page, ok := strings.CutSuffix(title, " – "+ServiceName+" – Hearth")
				if !ok || page == "" || page == "Home" || strings.Contains(page, "Hearth") || strings.HasPrefix(page, "Error: ") {
					t.Errorf("%s is titled %q, want \"<Page> – %s – Hearth\"", link, title, ServiceName)
				}
			}
		})
	}
}

// TestStatusTagsAndMoneyHaveOneWording: status tags read capitalised from their codes,
// and every amount of pence prints as "£5,400.00".
func TestStatusTagsAndMoneyHaveOneWording(t *testing.T) {
	for in, want := range map[string]string{"awaiting_approval": "Awaiting approval", "open": "Open", "Submitted": "Submitted", "": ""} {
		if got := statusText(in); got != want {
			t.Errorf("statusText(%q) = %q, want %q", in, got, want)
		}
	}
	pounds := funcs["pounds"].(func(any) string)
	for _, in := range []any{int64(540000), kernel.Pence(540000)} {
		if got := pounds(in); got != "£5,400.00" {
			t.Errorf("pounds(%T) = %q", in, got)
		}
	}
}
