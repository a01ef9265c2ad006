package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// rigPassword is the password of the commissioners the rig creates (loopback testing only).
const rigPassword = "rig commissioner password 7"

// commissioners creates n commissioners of council, named by prefix, with rigPassword.
func commissioners(ctx context.Context, d frontend.Deps, council int64, prefix string, n int) ([]auth.User, error) {
	users := make([]auth.User, n)
	for i := range n {
		email := fmt.Sprintf("%s%d@storm.example", prefix, i)
		u, err := d.Users.Create(ctx, auth.NewUser{Email: email, Name: "Commissioner", Role: kernel.RoleCommissioner, OrganisationID: council, Password: rigPassword})
		if err != nil {
			return nil, fmt.Errorf("commissioner %s: %w", email, err)
		}
		users[i] = u
	}
	return users, nil
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn signs email in at base as a browser does: it reads the sign-in form for its
// CSRF token and cookie, posts the form, and returns a client holding the session
// cookie. The client follows no redirects and has no timeout (live streams are long).
func signIn(ctx context.Context, tr http.RoundTripper, base, email string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/sign-in", nil)
	res, err := c.Do(get)
	if err != nil {
		return nil, err
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	m := csrfField.FindSubmatch(page)
	if res.StatusCode != http.StatusOK || m == nil {
		return nil, fmt.Errorf("sign-in form: %d, CSRF token found: %t", res.StatusCode, m != nil)
	}
	form := url.Values{"email": {email}, "password": {rigPassword}, "_csrf": {string(m[1])}}
	post, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/sign-in", strings.NewReader(form.Encode()))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err = c.Do(post); err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in %s: %d, want 303", email, res.StatusCode)
	}
	return c, nil
}
