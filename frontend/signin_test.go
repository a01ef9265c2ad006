package frontend

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

func sessionCookie(r response) string {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "hearth_session" {
			return c.Value
		}
	}
	return ""
}

func TestSignIn(t *testing.T) {
	h := newHarness(t)
	t.Run("OK rotates the session and is audited", func(t *testing.T) {
		b := h.browser()
		before := b.get("/sign-in")
		r := b.post("/sign-in", "/sign-in", url.Values{"email": {"commissioner@manchester.test"}, "password": {testPassword}})
		if r.Status != http.StatusSeeOther || r.Location != "/" {
			t.Fatalf("status %d to %q", r.Status, r.Location)
		}
		after := sessionCookie(r)
		if after == "" || after == sessionCookie(before) {
			t.Fatalf("session token not rotated at sign-in")
		}
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == "hearth_session" && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode) {
				t.Fatalf("session cookie flags: %+v", c)
			}
		}
		home := b.get("/")
		if home.Status != http.StatusOK || !strings.Contains(home.Body, "Placements for Manchester") {
			t.Fatalf("home: %d", home.Status)
		}
		entries, _, err := h.deps.Audit.List(context.Background(), audit.AllEntries, audit.Filter{Action: "user.sign_in"}, 0, 10)
		if err != nil || len(entries) == 0 || entries[0].Actor != "commissioner@manchester.test (commissioner)" || entries[0].IP == nil {
			t.Fatalf("sign-in audit = %+v, %v", entries, err)
		}
		if r := b.post("/", "/sign-out", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("sign out: %d", r.Status)
		}
		if r := b.get("/"); r.Status != http.StatusSeeOther {
			t.Fatalf("still signed in after sign-out: %d", r.Status)
		}
	})
	t.Run("ErrMissingFields keeps the email", func(t *testing.T) {
		r := h.browser().post("/sign-in", "/sign-in", url.Values{"email": {"not-an-email"}, "password": {""}})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", r.Status)
		}
		for _, want := range []string{"govuk-error-summary", "Enter an email address in the correct format", "Enter your password", `value="not-an-email"`, "<title>Error: Sign in"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		r := h.browser().post("/sign-in", "/sign-in", url.Values{"email": {"staff@providerx.test"}, "password": {"wrong password!"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter a correct email address and password") || strings.Contains(r.Body, "wrong password!") {
			t.Fatalf("status %d", r.Status)
		}
	})
	t.Run("ErrThrottledAfterFiveFailures", func(t *testing.T) {
		b := h.browser()
		for i := 0; i < 5; i++ {
			b.post("/sign-in", "/sign-in", url.Values{"email": {"admin@providery.test"}, "password": {"guess number " + string(rune('a'+i))}})
		}
		r := b.post("/sign-in", "/sign-in", url.Values{"email": {"admin@providery.test"}, "password": {testPassword}})
		if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many failed attempts") {
			t.Fatalf("6th attempt with the right password: %d", r.Status)
		}
		// Another account from the same address is not locked by one account's failures.
		if r := h.browser().post("/sign-in", "/sign-in", url.Values{"email": {"admin@providerx.test"}, "password": {testPassword}}); r.Status != http.StatusSeeOther {
			t.Fatalf("other account: %d", r.Status)
		}
	})
	t.Run("ErrCSRF", func(t *testing.T) {
		r := h.browser().do(http.MethodPost, "/sign-in", url.Values{"email": {"admin@providerx.test"}, "password": {testPassword}})
		if r.Status != http.StatusForbidden {
			t.Fatalf("form without CSRF token: %d", r.Status)
		}
	})
	t.Run("ExternalRedirectRefused", func(t *testing.T) {
		b := h.browser()
		r := b.post("/sign-in?next=//evil.example/", "/sign-in", url.Values{"email": {"admin@providerx.test"}, "password": {testPassword}, "next": {"//evil.example/"}})
		if r.Location != "/" {
			t.Fatalf("redirected to %q", r.Location)
		}
	})
}

func TestMFA(t *testing.T) {
	h := newHarness(t)
	t.Run("approver needs a code", func(t *testing.T) {
		b := h.browser()
		r := b.post("/sign-in", "/sign-in", url.Values{"email": {"approver@manchester.test"}, "password": {testPassword}})
		if r.Location != "/sign-in/mfa" {
			t.Fatalf("after password: %q", r.Location)
		}
		if r := b.get("/"); r.Status != http.StatusSeeOther || r.Location != "/sign-in/mfa" {
			t.Fatalf("home before code: %d %q", r.Status, r.Location)
		}
		r = b.post("/sign-in/mfa", "/sign-in/mfa", url.Values{"code": {"000000"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The security code is wrong") {
			t.Fatalf("wrong code: %d", r.Status)
		}
		r = b.post("/sign-in/mfa", "/sign-in/mfa", url.Values{"code": {"12ab"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `value="12ab"`) {
			t.Fatalf("malformed code: %d", r.Status)
		}
		code, _ := totp.GenerateCode(testTOTP, time.Now())
		r = b.post("/sign-in/mfa", "/sign-in/mfa", url.Values{"code": {code}})
		if r.Status != http.StatusSeeOther || r.Location != "/" {
			t.Fatalf("right code: %d %q", r.Status, r.Location)
		}
		if r := b.get("/"); r.Status != http.StatusOK {
			t.Fatalf("home after code: %d", r.Status)
		}
	})
	t.Run("role that requires MFA must enrol first", func(t *testing.T) {
		ctx := context.Background()
		_, err := h.deps.DB.Pool.Exec(ctx, "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE email = 'coordinator@swcu.test'")
		must(t, err)
		b := h.browser()
		r := b.post("/sign-in", "/sign-in", url.Values{"email": {"coordinator@swcu.test"}, "password": {testPassword}})
		if r.Location != "/account/mfa" {
			t.Fatalf("after password: %q", r.Location)
		}
		page := b.get("/account/mfa")
		m := regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page.Body)
		if m == nil || !strings.Contains(page.Body, `src="data:image/png;base64,`) {
			t.Fatalf("enrolment page lacks secret or QR code")
		}
		if r := b.get("/"); r.Location != "/sign-in/mfa" && r.Location != "/account/mfa" {
			t.Fatalf("home before enrolment: %d %q", r.Status, r.Location)
		}
		code, _ := totp.GenerateCode(m[1], time.Now())
		r = b.post("/account/mfa", "/account/mfa", url.Values{"code": {code}})
		if r.Status != http.StatusSeeOther || r.Location != "/" {
			t.Fatalf("enrol: %d %q", r.Status, r.Location)
		}
		if r := b.get("/"); r.Status != http.StatusOK {
			t.Fatalf("home after enrolment: %d", r.Status)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	r := b.post("/password/forgot", "/password/forgot", url.Values{"email": {"staff@providerx.test"}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Check your email") {
		t.Fatalf("forgot: %d", r.Status)
	}
	// Unknown addresses get the same answer and no email.
	if r := b.post("/password/forgot", "/password/forgot", url.Values{"email": {"nobody@nowhere.test"}}); !strings.Contains(r.Body, "Check your email") {
		t.Fatalf("unknown email answered differently")
	}
	mails := h.deliverMail()
	if len(mails) != 1 || mails[0].To[0] != "staff@providerx.test" {
		t.Fatalf("delivered = %+v", mails)
	}
	link := regexp.MustCompile(`http://hearth\.test(/password/reset/[A-Za-z0-9_-]+)`).FindStringSubmatch(mails[0].Body)
	if link == nil {
		t.Fatalf("no reset link in %q", mails[0].Body)
	}
	r = b.post(link[1], link[1], url.Values{"password": {"short"}, "confirm": {"short"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "12 characters or more") {
		t.Fatalf("short password: %d", r.Status)
	}
	r = b.post(link[1], link[1], url.Values{"password": {"a brand new passphrase"}, "confirm": {"a different one"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "The passwords do not match") {
		t.Fatalf("mismatch: %d", r.Status)
	}
	r = b.post(link[1], link[1], url.Values{"password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	if r := b.get(link[1]); r.Status != http.StatusNotFound {
		t.Fatalf("second use of the link: %d", r.Status)
	}
	r = h.browser().post("/sign-in", "/sign-in", url.Values{"email": {"staff@providerx.test"}, "password": {"a brand new passphrase"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign in with the new password: %d", r.Status)
	}
}

func TestAPITokens(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@providerx.test")
	r := b.post("/account/tokens", "/account/tokens", url.Values{"name": {""}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter a name for the token") {
		t.Fatalf("empty name: %d", r.Status)
	}
	r = b.post("/account/tokens", "/account/tokens", url.Values{"name": {"Case system"}})
	m := regexp.MustCompile(`data-testid="new-token">(hth_[A-Za-z0-9_-]+)<`).FindStringSubmatch(r.Body)
	if r.Status != http.StatusCreated || m == nil {
		t.Fatalf("create: %d", r.Status)
	}
	tok := m[1]
	if strings.Contains(b.get("/account/tokens").Body, tok) {
		t.Fatal("token shown a second time")
	}
	status, body := h.api(http.MethodGet, "/api/v1/me", tok, "")
	if status != http.StatusOK || body["user"].(map[string]any)["email"] != "admin@providerx.test" {
		t.Fatalf("me: %d %v", status, body)
	}
	var id string
	if m := regexp.MustCompile(`/account/tokens/(\d+)/revoke`).FindStringSubmatch(b.get("/account/tokens").Body); m != nil {
		id = m[1]
	}
	// Another user cannot revoke it.
	if r := h.signIn("staff@providerx.test").post("/account/tokens", "/account/tokens/"+id+"/revoke", url.Values{}); r.Status != http.StatusNotFound {
		t.Fatalf("someone else's revoke: %d", r.Status)
	}
	if r := b.post("/account/tokens", "/account/tokens/"+id+"/revoke", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Status)
	}
	if status, _ := h.api(http.MethodGet, "/api/v1/me", tok, ""); status != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d", status)
	}
}
