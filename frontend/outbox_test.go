package frontend

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify/smtptest"
)

// harnessMailKey seals the links of every harness's outbox, which queues mail for
// delivery as a configured SMTP server would.
var harnessMailKey = notify.RandomLinkKey()

// deliverMail sends the queued mail to a capture server and returns what it received.
func (h *harness) deliverMail() []smtptest.Message {
	h.t.Helper()
	srv := smtptest.Start(h.t)
	w := notify.NewWorker(h.deps.DB.Gorm, notify.SMTPConfig{Addr: srv.Addr, From: "Hearth <no-reply@hearth.test>", LinkKey: harnessMailKey})
	if _, err := w.DeliverDue(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	return srv.Messages()
}

var resetLinkRe = regexp.MustCompile(`http://hearth\.test/password/reset/([A-Za-z0-9_-]+)`)

// TestResetLinkOnlyReachesRecipient: the consortium admin's outbox list and message
// page, and every row of the emails table, show a reset or invitation link with its
// token hidden; only the SMTP delivery carries the working link, and it resets the
// password. ASVS V2.5.2/V2.5.x (recovery secret sent only to the user), V3.x, V8.3.4.
func TestResetLinkOnlyReachesRecipient(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin := h.signIn("admin@consortium.test")
	if r := h.browser().post("/password/forgot", "/password/forgot", url.Values{"email": {"commissioner@manchester.test"}}); r.Status != http.StatusOK {
		t.Fatalf("forgot: %d", r.Status)
	}
	if r := admin.post("/admin/users/new", "/admin/users/new", url.Values{"name": {"Nia New"}, "email": {"nia@manchester.test"},
		"organisation_id": {strconv.FormatInt(h.orgs["manchester"].ID, 10)}, "role": {"commissioner"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d", r.Status)
	}
	list := admin.get("/admin/outbox")
	ids := regexp.MustCompile(`/admin/outbox/(\d+)`).FindAllStringSubmatch(list.Body, -1)
	if list.Status != http.StatusOK || len(ids) != 2 {
		t.Fatalf("outbox: %d with %d messages, want both", list.Status, len(ids))
	}
	for _, id := range ids {
		page := admin.get("/admin/outbox/" + id[1])
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "/password/reset/"+notify.SecretHidden) || resetLinkRe.MatchString(page.Body) {
			t.Fatalf("message %s: %d, shows a usable link or no hidden one:\n%s", id[1], page.Status, page.Body)
		}
	}

	mails := h.deliverMail()
	if len(mails) != 2 {
		t.Fatalf("delivered %d messages, want 2", len(mails))
	}
	var tokens []string
	for _, m := range mails {
		link := resetLinkRe.FindStringSubmatch(m.Body)
		if link == nil {
			t.Fatalf("delivered mail to %v has no working link: %q", m.To, m.Body)
		}
		tokens = append(tokens, link[1])
	}
	for _, tok := range tokens {
		var n int
		if err := h.deps.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM emails WHERE position($1 in body || subject || coalesce(encode(secret_sealed, 'escape'), '')) > 0`, tok).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d emails rows hold the token (%v)", n, err)
		}
		for _, path := range []string{"/admin/outbox", "/admin/outbox/" + ids[0][1], "/admin/outbox/" + ids[1][1]} {
			if strings.Contains(admin.get(path).Body, tok) {
				t.Fatalf("%s shows the token", path)
			}
		}
	}
	var reset string
	for i, m := range mails {
		if m.To[0] == "commissioner@manchester.test" {
			reset = "/password/reset/" + tokens[i]
		}
	}
	b := h.browser()
	if r := b.post(reset, reset, url.Values{"password": {"a brand new passphrase"}, "confirm": {"a brand new passphrase"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset with the delivered link: %d", r.Status)
	}
	if r := h.browser().post("/sign-in", "/sign-in", url.Values{"email": {"commissioner@manchester.test"}, "password": {"a brand new passphrase"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in with the new password: %d", r.Status)
	}
}
