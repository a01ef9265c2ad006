package notify_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify/smtptest"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

const secret = "tok3n-SECRET_value"

// TestSecretLinkNeverStoredInClear: a reset link's token is in no column of the emails
// table, reaches the recipient over SMTP, and its sealed copy is wiped once sent.
// ASVS V2.5.x (recovery secrets only to the user), V3.x, V8.3.4 (sensitive data at rest).
func TestSecretLinkNeverStoredInClear(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	srv := smtptest.Start(t)
	key := notify.RandomLinkKey()
	out := notify.NewOutbox(db.Gorm, true).WithLinkKey(key)
	body := "Hello Ann,\n\nReset here:\n\nhttp://hearth.test/password/reset/" + notify.SecretPlaceholder + "\n\nHearth"
	if err := out.SendWithSecretLink(ctx, notify.Mail{To: "ann@example.org", Subject: "Reset", Body: body}, secret); err != nil {
		t.Fatal(err)
	}
	var leaks int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM emails WHERE position($1 in body || subject || to_address || coalesce(encode(secret_sealed, 'escape'), '')) > 0`, secret).Scan(&leaks); err != nil || leaks != 0 {
		t.Fatalf("%d rows hold the secret in clear (%v)", leaks, err)
	}
	list, _, _ := out.List(ctx, notify.AllMail, 0, 10)
	if !strings.Contains(list[0].Body, "/password/reset/"+notify.SecretHidden) {
		t.Fatalf("stored body = %q, want the link hidden", list[0].Body)
	}
	w := notify.NewWorker(db.Gorm, notify.SMTPConfig{Addr: srv.Addr, From: "Hearth <no-reply@hearth.example>", LinkKey: key})
	if n, err := w.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("delivered %d, %v", n, err)
	}
	m, ok := srv.WaitFor("ann@example.org", 5*time.Second)
	if !ok || !strings.Contains(m.Body, "http://hearth.test/password/reset/"+secret+"\n") {
		t.Fatalf("delivered body = %q, want the working link", m.Body)
	}
	var sealed int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM emails WHERE secret_sealed IS NOT NULL`).Scan(&sealed); err != nil || sealed != 0 {
		t.Fatalf("%d rows keep a sealed secret after sending (%v)", sealed, err)
	}
}

// TestSecretLinkFailsClosed: a link sealed under another key (a restart with an
// ephemeral key) fails at once and is wiped; without SMTP the secret is not stored;
// sending without a key is refused. ASVS V2.5.x, V6.4.1.
func TestSecretLinkFailsClosed(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	srv := smtptest.Start(t)
	body := "Link: http://hearth.test/password/reset/" + notify.SecretPlaceholder
	if err := notify.NewOutbox(db.Gorm, true).WithLinkKey(notify.RandomLinkKey()).
		SendWithSecretLink(ctx, notify.Mail{To: "bob@example.org", Subject: "Reset", Body: body}, secret); err != nil {
		t.Fatal(err)
	}
	w := notify.NewWorker(db.Gorm, notify.SMTPConfig{Addr: srv.Addr, From: "no-reply@hearth.example", LinkKey: notify.RandomLinkKey()})
	if _, err := w.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	list, _, _ := notify.NewOutbox(db.Gorm, false).List(ctx, notify.AllMail, 0, 10)
	if list[0].Status != "failed" || len(srv.Messages()) != 0 {
		t.Fatalf("row = %+v, %d sent; want failed and nothing sent", list[0], len(srv.Messages()))
	}

	if err := notify.NewOutbox(db.Gorm, false).SendWithSecretLink(ctx, notify.Mail{To: "cat@example.org", Subject: "Reset", Body: body}, secret); err != nil {
		t.Fatal(err)
	}
	if err := notify.NewOutbox(db.Gorm, true).SendWithSecretLink(ctx, notify.Mail{To: "dan@example.org", Subject: "Reset", Body: body}, secret); !errors.Is(err, notify.ErrNoLinkKey) {
		t.Fatalf("sending without a key: %v, want ErrNoLinkKey", err)
	}
	var sealed int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM emails WHERE secret_sealed IS NOT NULL`).Scan(&sealed); err != nil || sealed != 0 {
		t.Fatalf("%d rows keep a sealed secret (%v)", sealed, err)
	}
}

// TestOutboxScopedToConsortium: each consortium admin's scope holds only the mail of
// their own consortium's business, in SQL; another's id is not found. ASVS V4.2.1.
func TestOutboxScopedToConsortium(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	var consA, consB, council, provider int64
	row := func(sql string, dst *int64) {
		t.Helper()
		if err := db.Pool.QueryRow(ctx, sql).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	row(`INSERT INTO organisations (kind, name) VALUES ('consortium', 'Cons A') RETURNING id`, &consA)
	row(`INSERT INTO organisations (kind, name) VALUES ('consortium', 'Cons B') RETURNING id`, &consB)
	row(`INSERT INTO organisations (kind, name) VALUES ('provider', 'Prov P') RETURNING id`, &provider)
	row(`INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon, consortium_id)
	     VALUES ('council', 'Manchester', 'E08000003', 'North West', 53.46, -2.23, `+itoa(consA)+`) RETURNING id`, &council)
	out := notify.NewOutbox(db.Gorm, false)
	for _, m := range []notify.Mail{
		{To: "a@council.test", Subject: "to A's council", Body: "x", ToOrgID: council},                             // derived: A
		{To: "p@provider.test", Subject: "to provider about B", Body: "x", ToOrgID: provider, ConsortiumID: consB}, // B
		{To: "p@provider.test", Subject: "platform-wide", Body: "x", ToOrgID: provider},                            // nobody's
	} {
		if err := out.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		scope notify.Scope
		want  string
	}{
		{"ConsortiumA", notify.ConsortiumMail(consA), "to A's council"},
		{"ConsortiumB", notify.ConsortiumMail(consB), "to provider about B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := out.List(ctx, tc.scope, 0, 10)
			if err != nil || total != 1 || len(list) != 1 || list[0].Subject != tc.want {
				t.Fatalf("list = %+v (total %d, %v), want only %q", list, total, err, tc.want)
			}
			all, _, _ := out.List(ctx, notify.AllMail, 0, 10)
			for _, e := range all {
				_, err := out.Get(ctx, tc.scope, e.ID)
				if (e.Subject == tc.want) != (err == nil) {
					t.Errorf("Get(%q) = %v", e.Subject, err)
				}
				if err != nil && !errors.Is(err, kernel.ErrNotFound) {
					t.Errorf("Get(%q) = %v, want ErrNotFound", e.Subject, err)
				}
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
