package main

import (
	"bytes"
	"context"
	"flag"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-placements/hearth/frontend"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

var (
	anchorRe   = regexp.MustCompile(`<a\s[^>]*>`)
	hrefRe     = regexp.MustCompile(`\shref="([^"]*)"`)
	csrfFormRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	idsRe      = regexp.MustCompile(`\d+`)
)

// TestNoLinkADemoRoleSeesIsRefused signs in as every demo account, follows every link
// on every page it can reach (GET only; not external, anchor, sign-out or download
// links) and fails if any answers 403 — a link a role cannot follow must not be shown
// — or a server error.
func TestNoLinkADemoRoleSeesIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo consortium")
	}
	ctx := context.Background()
	cfg := seededDemo(t)
	err := withApp(ctx, cfg, func(a *app) error {
		srv, err := frontend.New(frontend.Config{BaseURL: "http://hearth.test"}, a.deps())
		if err != nil {
			return err
		}
		defer srv.Close()
		ts := httptest.NewServer(srv.Handler())
		defer ts.Close()
		for _, acc := range demoAccounts {
			t.Run(acc.Email, func(t *testing.T) {
				// Each code signs in once: forget the one enrolment used.
				must(t, a.db.Gorm.Exec("UPDATE users SET totp_last_step = NULL WHERE email = ?", acc.Email).Error)
				c := signInDemo(t, ts.URL, acc.Email)
				walkLinks(t, c, ts.URL)
			})
		}
		return nil
	})
	must(t, err)
}

// seededDemo loads the demo consortium into a new test database and returns the
// configuration that reaches it.
func seededDemo(t *testing.T) Config {
	t.Helper()
	enc, err := auth.NewSeedKey()
	must(t, err)
	for k, v := range map[string]string{"HEARTH_TOTP_KEY": enc, "HEARTH_TOTP_KEY_FILE": "", "DATABASE_URL_FILE": "", "DATABASE_URL": dbtest.New(t), "HEARTH_DEMO": "true"} {
		t.Setenv(k, v)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"seed", "demo"}, &out); err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	cfg, err := loadConfig(flag.NewFlagSet("serve", flag.ContinueOnError), nil)
	must(t, err)
	return cfg
}

// signInDemo returns a client signed in as a demo account.
func signInDemo(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values) *http.Response {
		_, body := getPage(t, c, base+path)
		m := csrfFormRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no CSRF token on %s", path)
		}
		form.Set("_csrf", m[1])
		res, err := c.PostForm(base+path, form)
		must(t, err)
		res.Body.Close()
		return res
	}
	res := post("/sign-in", url.Values{"email": {email}, "password": {demoPassword}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", email, res.StatusCode)
	}
	if res.Header.Get("Location") == "/sign-in/mfa" {
		code, err := totp.GenerateCode(demoTOTPSecret, time.Now())
		must(t, err)
		if res := post("/sign-in/mfa", url.Values{"code": {code}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("MFA for %s: %d", email, res.StatusCode)
		}
	}
	return c
}

func getPage(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	must(t, err)
	defer res.Body.Close()
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		return res.StatusCode, ""
	}
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// walkLinks follows links breadth first from the home page. Pages of one shape (the
// same path with other ids, the same query keys) are visited at most twice, so the
// walk ends.
func walkLinks(t *testing.T, c *http.Client, base string) {
	t.Helper()
	seen, shapes := map[string]bool{}, map[string]int{}
	type link struct{ href, from string }
	queue := []link{{"/", ""}}
	visited := 0
	defer func() { t.Logf("followed %d links", visited) }()
	for len(queue) > 0 && visited < 300 {
		l := queue[0]
		queue = queue[1:]
		visited++
		status, body := getPage(t, c, base+l.href)
		switch {
		case status == http.StatusForbidden:
			t.Errorf("%s links to %s, which answers 403", l.from, l.href)
			continue
		case status >= 500:
			t.Errorf("%s links to %s, which answers %d", l.from, l.href, status)
			continue
		}
		for _, a := range anchorRe.FindAllString(body, -1) {
			m := hrefRe.FindStringSubmatch(a)
			if m == nil || strings.Contains(a, " download") {
				continue
			}
			href := html.UnescapeString(m[1])
			if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") || strings.HasPrefix(href, "/static/") || strings.HasPrefix(href, "/assets/") ||
				strings.HasSuffix(strings.SplitN(href, "?", 2)[0], ".csv") || strings.HasSuffix(strings.SplitN(href, "?", 2)[0], "/agreement") {
				continue
			}
			href, _, _ = strings.Cut(href, "#")
			if seen[href] {
				continue
			}
			seen[href] = true
			if shape := linkShape(href); shapes[shape] < 2 {
				shapes[shape]++
				queue = append(queue, link{href, l.href})
			}
		}
	}
}

// linkShape is a link with its ids and query values left out.
func linkShape(href string) string {
	path, query, _ := strings.Cut(href, "?")
	q, _ := url.ParseQuery(query)
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return idsRe.ReplaceAllString(path, "N") + "?" + strings.Join(keys, "&")
}
