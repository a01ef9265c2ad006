package notify_test

import (
	"context"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify/smtptest"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

var ackLinkRe = regexp.MustCompile(`http://hearth\.test/notices/ack/([A-Za-z0-9_-]{43})\n`)

// mailboxNotices sends a host notice to Wigan (mailbox, no users) and one to Bolton
// (no mailbox), delivers the mail and returns Wigan's acknowledgement token.
func mailboxNotices(t *testing.T) (db *migrations.DB, wigan, bolton int64, tok string) {
	t.Helper()
	ctx := context.Background()
	db = dbtest.Open(t)
	if err := commissioning.NewService(db.Gorm).SyncCouncils(ctx); err != nil {
		t.Fatal(err)
	}
	db.Gorm.Raw("SELECT id FROM organisations WHERE ons_code = 'E08000010'").Scan(&wigan)
	db.Gorm.Raw("SELECT id FROM organisations WHERE ons_code = 'E08000001'").Scan(&bolton)
	if err := db.Gorm.Exec("INSERT INTO council_mailboxes (council_id, email) VALUES (?, 'notices@wigan.example')", wigan).Error; err != nil {
		t.Fatal(err)
	}
	key := notify.RandomLinkKey()
	n := notify.NewNotifier(notify.NewOutbox(db.Gorm, true).WithLinkKey(key), "http://hearth.test")
	err := db.Gorm.Transaction(func(tx *gorm.DB) error {
		for _, org := range []int64{wigan, bolton} {
			if err := n.Send(ctx, tx, notify.Message{OrgID: org, Kind: "host_award", Subject: "Placement into your area: Oak House", Body: "Manchester is placing a child in Oak House.",
				Inbox: true, Mailbox: true, Roles: []kernel.Role{kernel.RoleCommissioner}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := smtptest.Start(t)
	if _, err := notify.NewWorker(db.Gorm, notify.SMTPConfig{Addr: srv.Addr, From: "Hearth <no-reply@hearth.test>", LinkKey: key}).DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "notices@wigan.example" {
		t.Fatalf("delivered %+v, want one message to Wigan's mailbox (Wigan has no users; Bolton no mailbox)", msgs)
	}
	link := ackLinkRe.FindStringSubmatch(msgs[0].Body)
	if link == nil {
		t.Fatalf("no acknowledgement link in %q", msgs[0].Body)
	}
	return db, wigan, bolton, link[1]
}

// An acknowledgement link opens only its own notice and works once: of two uses at
// once exactly one wins; afterwards, and for a guessed or expired token, nothing of
// any notice is shown.
func TestAcknowledgementLinkWorksOnce(t *testing.T) {
	ctx := context.Background()
	db, wigan, bolton, tok := mailboxNotices(t)
	inbox := notify.NewInbox(db.Gorm)

	var deliveries int64
	db.Gorm.Raw("SELECT count(*) FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id WHERE n.organisation_id = ?", bolton).Scan(&deliveries)
	if deliveries != 0 {
		t.Fatalf("Bolton, without a mailbox, has %d deliveries", deliveries)
	}
	var stored int64
	db.Gorm.Raw("SELECT count(*) FROM notice_deliveries WHERE token_hash = ?", notify.HashLinkToken(tok)).Scan(&stored)
	if stored != 1 {
		t.Fatal("the delivery does not keep the token's hash")
	}
	n, err := inbox.NoticeByLink(ctx, tok)
	if err != nil || n.Council != "Wigan" || n.Subject != "Placement into your area: Oak House" {
		t.Fatalf("notice by link = %+v, %v", n, err)
	}

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = inbox.Acknowledge(ctx, tok, "192.0.2.7")
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, notify.ErrLinkUsed):
			t.Fatalf("losing acknowledgement: %v, want ErrLinkUsed", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d acknowledgements succeeded, want exactly 1", won)
	}
	var read int64
	db.Gorm.Raw("SELECT count(*) FROM notices WHERE organisation_id = ? AND read_at IS NOT NULL", wigan).Scan(&read)
	if read != 1 {
		t.Fatal("the acknowledged notice is not marked read")
	}

	// An expired link, made as the database would have 31 days ago.
	expired, hash, _ := notify.NewLinkToken()
	var noticeID int64
	db.Gorm.Raw("SELECT id FROM notices WHERE organisation_id = ?", bolton).Scan(&noticeID)
	if err := db.Gorm.Exec(`INSERT INTO notice_deliveries (notice_id, mailbox, token_hash, sent_at, expires_at)
        VALUES (?, 'notices@bolton.example', ?, now() - interval '31 days', now() - interval '1 day')`, noticeID, hash).Error; err != nil {
		t.Fatal(err)
	}
	guessed, _, _ := notify.NewLinkToken()
	tests := []struct {
		name string
		tok  string
		want error
	}{
		{"Replayed", tok, notify.ErrLinkUsed},
		{"Guessed", guessed, kernel.ErrNotFound},
		{"Empty", "", kernel.ErrNotFound},
		{"Truncated", tok[:20], kernel.ErrNotFound},
		{"Expired", expired, notify.ErrLinkExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n, err := inbox.NoticeByLink(ctx, tt.tok); !errors.Is(err, tt.want) || n.Subject != "" {
				t.Errorf("look = %+v, %v; want %v and nothing shown", n, err, tt.want)
			}
			if n, err := inbox.Acknowledge(ctx, tt.tok, ""); !errors.Is(err, tt.want) || n.Subject != "" {
				t.Errorf("acknowledge = %+v, %v; want %v and nothing shown", n, err, tt.want)
			}
		})
	}
	var acked int64
	db.Gorm.Raw("SELECT count(*) FROM notice_deliveries WHERE acknowledged_at IS NOT NULL").Scan(&acked)
	if acked != 1 {
		t.Fatalf("%d deliveries acknowledged, want 1", acked)
	}
}

// The database keeps a link single-use even if Go code is wrong: an acknowledgement
// once made never changes, and a link's token and notice never change.
func TestAcknowledgementOnceInDatabase(t *testing.T) {
	ctx := context.Background()
	db, _, bolton, tok := mailboxNotices(t)
	if _, err := notify.NewInbox(db.Gorm).Acknowledge(ctx, tok, ""); err != nil {
		t.Fatal(err)
	}
	var other int64
	db.Gorm.Raw("SELECT id FROM notices WHERE organisation_id = ?", bolton).Scan(&other)
	for name, stmt := range map[string]string{
		"ReAcknowledge": "UPDATE notice_deliveries SET acknowledged_at = now() + interval '1 hour', acknowledged_ip = '192.0.2.9'",
		"Unacknowledge": "UPDATE notice_deliveries SET acknowledged_at = NULL, acknowledged_ip = NULL",
	} {
		if _, err := db.Pool.Exec(ctx, stmt); err == nil || !strings.Contains(err.Error(), "already used") {
			t.Errorf("%s: %v, want the trigger's refusal", name, err)
		}
	}
	// A fresh delivery cannot be pointed at another notice, nor its token changed.
	_, hash, _ := notify.NewLinkToken()
	_, hash2, _ := notify.NewLinkToken()
	var id int64
	if err := db.Pool.QueryRow(ctx, "INSERT INTO notice_deliveries (notice_id, mailbox, token_hash) VALUES ($1, 'x@bolton.example', $2) RETURNING id", other, hash).Scan(&id); err != nil {
		t.Fatal(err)
	}
	for name, stmt := range map[string]string{
		"OtherMailbox": "UPDATE notice_deliveries SET mailbox = 'y@bolton.example' WHERE id = $1",
		"NewToken":     "UPDATE notice_deliveries SET token_hash = '\\x" + hex.EncodeToString(hash2) + "' WHERE id = $1",
		"Extend":       "UPDATE notice_deliveries SET expires_at = expires_at + interval '1 year' WHERE id = $1",
	} {
		if _, err := db.Pool.Exec(ctx, stmt, id); err == nil || !strings.Contains(err.Error(), "do not change") {
			t.Errorf("%s: %v, want the trigger's refusal", name, err)
		}
	}
	if _, err := db.Pool.Exec(ctx, "UPDATE notice_deliveries SET acknowledged_at = now() WHERE id = $1", id); err != nil {
		t.Fatalf("a first acknowledgement is refused: %v", err)
	}
}
