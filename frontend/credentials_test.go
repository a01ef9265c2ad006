package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// mailsTo returns the emails to address, newest first.
func (h *harness) mailsTo(address string) []notify.Email {
	h.t.Helper()
	all, _, err := h.deps.Outbox.List(context.Background(), notify.AllMail, 0, 200)
	must(h.t, err)
	var out []notify.Email
	for _, m := range all {
		if m.ToAddress == address {
			out = append(out, m)
		}
	}
	return out
}

func hasMail(mails []notify.Email, subject string) bool {
	for _, m := range mails {
		if strings.Contains(m.Subject, subject) {
			return true
		}
	}
	return false
}

// ASVS V2.8.4: a TOTP code signs in once; a second browser with the same code is refused.
func TestMFACodeReplayRefused(t *testing.T) {
	h := newHarness(t)
	code, _ := totp.GenerateCode(testTOTP, time.Now())
	for i, want := range []int{http.StatusSeeOther, http.StatusUnprocessableEntity} {
		b := h.browser()
		if r := b.post("/sign-in", "/sign-in", url.Values{"email": {"approver@manchester.test"}, "password": {testPassword}}); r.Location != "/sign-in/mfa" {
			t.Fatalf("attempt %d after password: %q", i+1, r.Location)
		}
		if r := b.post("/sign-in/mfa", "/sign-in/mfa", url.Values{"code": {code}}); r.Status != want {
			t.Fatalf("attempt %d with the same code: %d, want %d", i+1, r.Status, want)
		}
	}
}

// ASVS V3.2: the session cookie's value is never stored: the sessions table holds its
// SHA-256, and the session still works.
func TestSessionTokensStoredHashed(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	r := b.post("/sign-in", "/sign-in", url.Values{"email": {"commissioner@manchester.test"}, "password": {testPassword}})
	tok := sessionCookie(r)
	if tok == "" {
		t.Fatal("no session cookie")
	}
	if r := b.get("/"); r.Status != http.StatusOK {
		t.Fatalf("home with the hashed session: %d", r.Status)
	}
	ctx := context.Background()
	var raw, hashed, registered int
	must(t, h.deps.DB.Pool.QueryRow(ctx, "SELECT count(*) FROM sessions WHERE token = $1 OR position(convert_to($1, 'UTF8') in data) > 0", tok).Scan(&raw))
	must(t, h.deps.DB.Pool.QueryRow(ctx, "SELECT count(*) FROM sessions WHERE token = $1", auth.SessionKey(tok)).Scan(&hashed))
	must(t, h.deps.DB.Pool.QueryRow(ctx, "SELECT count(*) FROM user_sessions WHERE token_hash = $1", auth.SessionKey(tok)).Scan(&registered))
	if raw != 0 || hashed != 1 || registered != 1 {
		t.Fatalf("sessions with the raw token %d, by its hash %d, registered %d; want 0, 1, 1", raw, hashed, registered)
	}
}

// ASVS V3.3.3, V2.2.3: a password reset ends every session of the user and every other
// outstanding reset link, and the user is told by email.
func TestPasswordResetEndsSessionsAndOtherLinks(t *testing.T) {
	h := newHarness(t)
	const email = "staff@providerx.test"
	signedIn := h.signIn(email)
	anon := h.browser()
	for i := 0; i < 2; i++ {
		anon.post("/password/forgot", "/password/forgot", url.Values{"email": {email}})
	}
	// The links travel only by SMTP; the outbox keeps them hidden.
	var links []string
	for _, m := range h.deliverMail() {
		if l := resetLinkRe.FindStringSubmatch(m.Body); l != nil && len(m.To) == 1 && m.To[0] == email {
			links = append(links, "/password/reset/"+l[1])
		}
	}
	if len(links) != 2 {
		t.Fatalf("%d reset links mailed, want 2", len(links))
	}
	if r := anon.post(links[0], links[0], url.Values{"password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", r.Status)
	}
	if r := anon.get(links[1]); r.Status != http.StatusNotFound {
		t.Fatalf("the other reset link after a reset: %d, want 404", r.Status)
	}
	if r := signedIn.get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Fatalf("session from before the reset: %d %q, want signed out", r.Status, r.Location)
	}
	if !hasMail(h.mailsTo(email), "password was changed") {
		t.Fatal("no email telling of the reset")
	}
}

// ASVS V2.1.5, V2.1.6, V3.3.3, V2.2.3: a signed-in user changes their password with the
// current one; every problem shows at once beside its field; on success the other
// sessions end and an email says so.
func TestChangePassword(t *testing.T) {
	h := newHarness(t)
	const email = "commissioner@manchester.test"
	other := h.signIn(email)
	b := h.signIn(email)
	if r := b.get("/account"); !strings.Contains(r.Body, `href="/account/password"`) {
		t.Fatal("account page has no link to change the password")
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   []string
	}{
		{"ErrEverythingAtOnce", url.Values{"current_password": {"not my password"}, "password": {"short"}, "confirm": {"different"}}, http.StatusUnprocessableEntity,
			[]string{"Your current password is wrong", "12 characters or more", "The passwords do not match", `id="current_password-error"`, `id="password-error"`, `id="confirm-error"`}},
		{"ErrMissing", url.Values{}, http.StatusUnprocessableEntity, []string{"Enter your current password", "Enter a new password", "Confirm your new password"}},
		{"ErrCommon", url.Values{"current_password": {testPassword}, "password": {"Password1234"}, "confirm": {"Password1234"}}, http.StatusUnprocessableEntity, []string{"too common"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.post("/account/password", "/account/password", tt.form)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d", r.Status, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.Body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(r.Body, "not my password") {
				t.Error("a password was echoed into the page")
			}
		})
	}
	must(t, h.deps.DB.Gorm.Exec("DELETE FROM login_attempts").Error)
	r := b.post("/account/password", "/account/password", url.Values{"current_password": {testPassword}, "password": {"another long passphrase"}, "confirm": {"another long passphrase"}})
	if r.Status != http.StatusSeeOther || r.Location != "/account" {
		t.Fatalf("change: %d %q", r.Status, r.Location)
	}
	if r := b.get("/account"); r.Status != http.StatusOK {
		t.Fatalf("this session after the change: %d", r.Status)
	}
	if r := other.get("/"); r.Status != http.StatusSeeOther {
		t.Fatalf("other session after the change: %d, want signed out", r.Status)
	}
	if !hasMail(h.mailsTo(email), "password was changed") {
		t.Fatal("no email telling of the change")
	}
	if r := h.browser().post("/sign-in", "/sign-in", url.Values{"email": {email}, "password": {"another long passphrase"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in with the new password: %d", r.Status)
	}
}

// ASVS V3.3.4: users see their signed-in sessions and can sign out any other one, or
// all the others at once.
func TestSessionsPage(t *testing.T) {
	h := newHarness(t)
	const email = "admin@providerx.test"
	phone := h.signIn(email)
	laptop := h.signIn(email)
	tablet := h.signIn(email)
	page := laptop.get("/account/sessions")
	if page.Status != http.StatusOK || strings.Count(page.Body, `data-testid="session"`) != 3 || !strings.Contains(page.Body, "Go-http-client") || !strings.Contains(page.Body, "127.0.0.1") || !strings.Contains(page.Body, "This session") {
		t.Fatalf("sessions page: %d\n%s", page.Status, page.Body)
	}
	ids := regexp.MustCompile(`/account/sessions/(\d+)/end`).FindAllStringSubmatch(page.Body, -1)
	if len(ids) != 2 {
		t.Fatalf("%d sessions to end, want 2 (not this one)", len(ids))
	}
	// Another user cannot end them.
	if r := h.signIn("staff@providerx.test").post("/account/sessions", "/account/sessions/"+ids[0][1]+"/end", url.Values{}); r.Status != http.StatusNotFound {
		t.Fatalf("someone else ends a session: %d", r.Status)
	}
	if r := laptop.post("/account/sessions", "/account/sessions/"+ids[0][1]+"/end", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("end one: %d", r.Status)
	}
	signedOut := 0
	for _, b := range []*browser{phone, tablet} {
		if b.get("/").Status == http.StatusSeeOther {
			signedOut++
		}
	}
	if signedOut != 1 {
		t.Fatalf("%d sessions signed out by ending one, want 1", signedOut)
	}
	if r := laptop.post("/account/sessions", "/account/sessions/others/end", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign out everywhere else: %d", r.Status)
	}
	for _, b := range []*browser{phone, tablet} {
		if r := b.get("/"); r.Status != http.StatusSeeOther {
			t.Fatalf("a session survived \"sign out everywhere else\": %d", r.Status)
		}
	}
	if r := laptop.get("/account/sessions"); r.Status != http.StatusOK || strings.Count(r.Body, `data-testid="session"`) != 1 {
		t.Fatalf("this session after signing out the others: %d", r.Status)
	}
	// Signing out removes the session from the register.
	laptop.post("/", "/sign-out", url.Values{})
	var n int
	must(t, h.deps.DB.Pool.QueryRow(context.Background(), "SELECT count(*) FROM user_sessions WHERE user_id = $1", h.users[email].ID).Scan(&n))
	if n != 0 {
		t.Fatalf("%d sessions registered after signing out everywhere, want 0", n)
	}
}

// ASVS V3.3.2, V3.7.1, V2.2.3: API tokens expire (90 days unless chosen), shown at
// creation and in the list; roles with a second factor confirm a fresh code to make
// one; the user is emailed; an expired token is refused.
func TestAPITokenExpiryAndFreshMFA(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@providerx.test")
	r := b.post("/account/tokens", "/account/tokens", url.Values{"name": {"Case system"}, "days": {"30"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d", r.Status)
	}
	tok := regexp.MustCompile(`data-testid="new-token">(hth_[A-Za-z0-9_-]+)<`).FindStringSubmatch(r.Body)[1]
	expiry := time.Now().AddDate(0, 0, 30).In(london).Format("2 January 2006")
	if !strings.Contains(r.Body, `data-testid="new-token-expiry">`+expiry) || !strings.Contains(b.get("/account/tokens").Body, expiry[:2]) {
		t.Fatalf("expiry %s not shown at creation", expiry)
	}
	if r := b.post("/account/tokens", "/account/tokens", url.Values{"name": {"Too long"}, "days": {"1000"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Choose how long the token works") {
		t.Fatalf("1000 days: %d", r.Status)
	}
	if m := h.mailsTo("admin@providerx.test"); !hasMail(m, "new API token") || strings.Contains(m[0].Body, tok) {
		t.Fatal("no email about the new token, or the token was in it")
	}
	if status, _ := h.api(http.MethodGet, "/api/v1/me", tok, ""); status != http.StatusOK {
		t.Fatalf("fresh token: %d", status)
	}
	must(t, h.deps.DB.Gorm.Exec("UPDATE api_tokens SET expires_at = now() - interval '1 second', created_at = now() - interval '31 days'").Error)
	if status, _ := h.api(http.MethodGet, "/api/v1/me", tok, ""); status != http.StatusUnauthorized {
		t.Fatalf("expired token: %d, want 401", status)
	}
	if !strings.Contains(b.get("/account/tokens").Body, "Expired") {
		t.Fatal("list does not mark the expired token")
	}

	// An approver must enter a fresh code, and each code works once.
	ab := h.signIn("approver@manchester.test")
	if form := ab.get("/account/tokens"); !strings.Contains(form.Body, `name="code"`) {
		t.Fatal("no code field for a role with a second factor")
	}
	if r := ab.post("/account/tokens", "/account/tokens", url.Values{"name": {"Approvals"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "6-digit security code") {
		t.Fatalf("approver without a code: %d", r.Status)
	}
	if r := ab.post("/account/tokens", "/account/tokens", url.Values{"name": {"Approvals"}, "code": {"000000"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "wrong or has expired") {
		t.Fatalf("approver with a wrong code: %d", r.Status)
	}
	must(t, h.deps.DB.Gorm.Exec("UPDATE users SET totp_last_step = NULL WHERE email = 'approver@manchester.test'").Error)
	code, _ := totp.GenerateCode(testTOTP, time.Now())
	if r := ab.post("/account/tokens", "/account/tokens", url.Values{"name": {"Approvals"}, "code": {code}}); r.Status != http.StatusCreated {
		t.Fatalf("approver with a fresh code: %d", r.Status)
	}
	if r := ab.post("/account/tokens", "/account/tokens", url.Values{"name": {"Approvals again"}, "code": {code}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("approver reusing the code: %d", r.Status)
	}
}

// ASVS V2.5.5, V2.2.3: turning on two-factor authentication emails the user.
func TestMFAEnableEmailsUser(t *testing.T) {
	h := newHarness(t)
	const email = "staff@providerx.test"
	b := h.signIn(email)
	page := b.get("/account/mfa")
	m := regexp.MustCompile(`data-testid="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("no secret on the enrolment page")
	}
	// The secret offered is kept in the session only sealed.
	var plain int
	must(t, h.deps.DB.Pool.QueryRow(context.Background(), "SELECT count(*) FROM sessions WHERE position(convert_to($1, 'UTF8') in data) > 0", m[1]).Scan(&plain))
	if plain != 0 {
		t.Fatal("the enrolment secret is in the session store in clear")
	}
	code, _ := totp.GenerateCode(m[1], time.Now())
	if r := b.post("/account/mfa", "/account/mfa", url.Values{"code": {code}}); r.Status != http.StatusSeeOther {
		t.Fatalf("enrol: %d", r.Status)
	}
	mails := h.mailsTo(email)
	if !hasMail(mails, "Two-factor authentication is on") || strings.Contains(mails[0].Body, m[1]) {
		t.Fatal("no email about the second factor, or the secret was in it")
	}
}

// ASVS V2.2.1: asking for reset links is limited per email and per address.
func TestForgotPasswordThrottled(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	for i := 0; i < auth.MaxRequestsPerEmail[auth.RequestPasswordReset]; i++ {
		if r := b.post("/password/forgot", "/password/forgot", url.Values{"email": {"nobody@nowhere.test"}}); r.Status != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, r.Status)
		}
	}
	if r := b.post("/password/forgot", "/password/forgot", url.Values{"email": {"nobody@nowhere.test"}}); r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "Too many reset links") {
		t.Fatalf("one more for the same email: %d, want 429", r.Status)
	}
	for i := 0; i < auth.MaxRequestsPerAddress[auth.RequestPasswordReset]; i++ {
		b.post("/password/forgot", "/password/forgot", url.Values{"email": {fmt.Sprintf("user%d@nowhere.test", i)}})
	}
	if r := b.post("/password/forgot", "/password/forgot", url.Values{"email": {"staff@providerx.test"}}); r.Status != http.StatusTooManyRequests {
		t.Fatalf("one more from the same address: %d, want 429", r.Status)
	}
	if len(h.mailsTo("staff@providerx.test")) != 0 {
		t.Fatal("a throttled request sent a reset link")
	}
}

// ASVS V2.2.1 and account enumeration (WSTG-IDNT-04): sign-up answers the same whether
// or not the email has an account, emails the owner of an existing one instead, and
// is limited per address and per email.
func TestSignUpDoesNotRevealAccounts(t *testing.T) {
	h := newHarness(t)
	form := func(org, email string) url.Values {
		return url.Values{"organisation_name": {org}, "registration_kind": {"company"}, "registration_number": {"12345678"},
			"contact_name": {"Nia New"}, "contact_email": {"contact@newhome.test"}, "contact_phone": {"0161 496 0123"},
			"admin_name": {"Nia New"}, "admin_email": {email}, "password": {"a long enough passphrase"}}
	}
	fresh := h.browser().post("/providers/sign-up", "/providers/sign-up", form("Newhome Care Ltd", "nia@newhome.test"))
	taken := h.browser().post("/providers/sign-up", "/providers/sign-up", form("Takeover Care Ltd", "staff@providerx.test"))
	strip := func(body string) string {
		body = regexp.MustCompile(`value="[^"]*"|nia@newhome\.test|staff@providerx\.test|[A-Za-z0-9]{20,}`).ReplaceAllString(body, "")
		return body
	}
	if fresh.Status != http.StatusOK || taken.Status != fresh.Status || strip(fresh.Body) != strip(taken.Body) {
		t.Fatalf("sign-up answers differ: new email %d, taken email %d", fresh.Status, taken.Status)
	}
	if !hasMail(h.mailsTo("staff@providerx.test"), "Someone tried to register") {
		t.Fatal("the owner of the taken email was not told")
	}
	if !hasMail(h.mailsTo("nia@newhome.test"), "registered on Hearth") {
		t.Fatal("the new administrator was not emailed")
	}
	var takeovers int
	must(t, h.deps.DB.Pool.QueryRow(context.Background(), "SELECT count(*) FROM organisations WHERE name = 'Takeover Care Ltd'").Scan(&takeovers))
	if takeovers != 0 {
		t.Fatal("an organisation was registered with a taken email")
	}
	b := h.browser()
	var last response
	for i := 0; i <= auth.MaxRequestsPerAddress[auth.RequestSignUp]; i++ {
		last = b.post("/providers/sign-up", "/providers/sign-up", form(fmt.Sprintf("Org %d", i), fmt.Sprintf("a%d@newhome.test", i)))
	}
	if last.Status != http.StatusTooManyRequests {
		t.Fatalf("sign-ups past the address's limit: %d, want 429", last.Status)
	}
}
