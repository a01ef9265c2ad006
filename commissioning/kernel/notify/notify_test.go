package notify_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify/smtptest"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestWorkerDeliversOverSMTPOnce(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	srv := smtptest.Start(t)
	out := notify.NewOutbox(db.Gorm, true)
	if err := out.Send(ctx, notify.Mail{To: "ann@example.org", Subject: "Your bid was received — £4,200", Body: "Hello Ann,\nThank you."}); err != nil {
		t.Fatal(err)
	}
	// Two workers race for the same queue, as two Hearth processes would.
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := notify.NewWorker(db.Gorm, notify.SMTPConfig{Addr: srv.Addr, From: "Hearth <no-reply@hearth.example>"})
			if _, err := w.DeliverDue(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("captured %d messages, want exactly 1", len(msgs))
	}
	if msgs[0].Subject == "" || !strings.Contains(msgs[0].Body, "Hello Ann,\nThank you.") {
		t.Fatalf("message = %+v", msgs[0])
	}
	list, _, err := out.List(ctx, notify.AllMail, 0, 10)
	if err != nil || list[0].Status != "sent" || list[0].SentAt == nil {
		t.Fatalf("outbox row = %+v, %v", list, err)
	}
}

func TestWorkerRetriesWithBackoffWhenServerDown(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	// A port with nothing listening.
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	out := notify.NewOutbox(db.Gorm, true)
	if err := out.Send(ctx, notify.Mail{To: "bob@example.org", Subject: "Reminder", Body: "Body"}); err != nil {
		t.Fatal(err)
	}
	w := notify.NewWorker(db.Gorm, notify.SMTPConfig{Addr: addr, From: "no-reply@hearth.example"})
	w.MaxAttempts = 2
	w.Backoff = func(int) time.Duration { return 0 }
	for i := 0; i < 3; i++ {
		if _, err := w.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	list, _, _ := out.List(ctx, notify.AllMail, 0, 10)
	if list[0].Status != "failed" || list[0].Attempts != 2 || list[0].LastError == "" {
		t.Fatalf("after 2 failed attempts row = %+v", list[0])
	}
}

func TestOutboxWithoutSMTPStoresMail(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	out := notify.NewOutbox(db.Gorm, false)
	if err := out.Send(ctx, notify.Mail{To: "cat@example.org", Subject: "Stored", Body: "Body"}); err != nil {
		t.Fatal(err)
	}
	if err := out.Send(ctx, notify.Mail{To: "not an address", Subject: "Bad", Body: "Body"}); err == nil {
		t.Fatal("bad address accepted")
	}
	list, total, _ := out.List(ctx, notify.AllMail, 0, 10)
	if total != 1 || list[0].Status != "stored" {
		t.Fatalf("outbox = %+v (total %d)", list, total)
	}
}

// TestWorkerBackoffAndSentAtFollowTheClock proves the worker's retry time and sent_at
// come from its injected Clock: a failed message waits its backoff on that clock, and
// moving a FakeClock past it (not waiting) brings the retry.
func TestWorkerBackoffAndSentAtFollowTheClock(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	down := l.Addr().String()
	l.Close()
	out := notify.NewOutbox(db.Gorm, true)
	if err := out.Send(ctx, notify.Mail{To: "dee@example.org", Subject: "Retry", Body: "Body"}); err != nil {
		t.Fatal(err)
	}
	clock := kernel.NewFakeClock(time.Now().Add(time.Hour).Truncate(time.Second))
	start := clock.Now()
	failing := notify.NewWorker(db.Gorm, notify.SMTPConfig{Addr: down, From: "no-reply@hearth.example"}).WithClock(clock)
	if _, err := failing.DeliverDue(ctx); err != nil {
		t.Fatal(err)
	}
	row := func() notify.Email {
		list, _, _ := out.List(ctx, notify.AllMail, 0, 1)
		return list[0]
	}
	if r := row(); r.Attempts != 1 || !r.NextTryAt.Equal(start.Add(30*time.Second)) {
		t.Fatalf("after one failure: attempts %d, next try %v; want 1 and %v (the clock plus 30s)", r.Attempts, r.NextTryAt, start.Add(30*time.Second))
	}
	srv := smtptest.Start(t)
	up := notify.NewWorker(db.Gorm, notify.SMTPConfig{Addr: srv.Addr, From: "no-reply@hearth.example"}).WithClock(clock)
	clock.Advance(29 * time.Second)
	if n, err := up.DeliverDue(ctx); err != nil || n != 0 {
		t.Fatalf("1s before the retry: sent %d, %v; want nothing", n, err)
	}
	clock.Advance(2 * time.Second)
	if n, err := up.DeliverDue(ctx); err != nil || n != 1 {
		t.Fatalf("after the backoff: sent %d, %v; want 1", n, err)
	}
	if r := row(); r.Status != "sent" || r.SentAt == nil || !r.SentAt.Equal(clock.Now()) {
		t.Fatalf("sent row = %+v; want sent_at %v", r, clock.Now())
	}
}
