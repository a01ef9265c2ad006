package notify_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify/smtptest"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// recorder is an Enqueuer that notes each message it is told of, as the job queue
// would, and may fail.
type recorder struct {
	ids []int64
	err error
}

func (r *recorder) EnqueueMail(ctx context.Context, tx *gorm.DB, id int64) error {
	if _, ok := tx.Statement.ConnPool.(*sql.Tx); !ok {
		return errors.New("told outside a transaction")
	}
	var n int64
	if err := tx.Raw("SELECT count(*) FROM emails WHERE id = ?", id).Scan(&n).Error; err != nil || n != 1 {
		return errors.New("message not visible in the transaction that enqueues it")
	}
	r.ids = append(r.ids, id)
	return r.err
}

// TestOutboxEnqueuesEachQueuedMessageInItsTransaction: a message to deliver is given to
// the Enqueuer in the transaction that stores it; if enqueuing fails the message is
// not stored either; a stored-only message (no SMTP) needs no job.
func TestOutboxEnqueuesEachQueuedMessageInItsTransaction(t *testing.T) {
	tests := []struct {
		name      string
		sending   bool
		enqErr    error
		wantErr   bool
		wantJobs  int
		wantRows  int64
		inOuterTx bool
	}{
		{"OK", true, nil, false, 1, 1, false},
		{"OKInTheChangesTransaction", true, nil, false, 1, 1, true},
		{"StoredOnlyNeedsNoJob", false, nil, false, 0, 1, false},
		{"ErrEnqueueKeepsNoMessage", true, errors.New("queue down"), true, 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := dbtest.Open(t)
			rec := &recorder{err: tt.enqErr}
			out := notify.NewOutbox(db.Gorm, tt.sending).WithEnqueuer(rec)
			m := notify.Mail{To: "ann@example.org", Subject: "Hello", Body: "x"}
			var err error
			if tt.inOuterTx {
				err = db.Gorm.Transaction(func(tx *gorm.DB) error { return out.WithTx(tx).Send(ctx, m) })
			} else {
				err = out.Send(ctx, m)
			}
			if (err != nil) != tt.wantErr {
				t.Fatalf("send: %v, want error %v", err, tt.wantErr)
			}
			var rows int64
			db.Gorm.Table("emails").Count(&rows)
			if len(rec.ids) != tt.wantJobs || rows != tt.wantRows {
				t.Fatalf("%d jobs, %d rows; want %d, %d", len(rec.ids), rows, tt.wantJobs, tt.wantRows)
			}
		})
	}
}

// TestDeliverOneSendsThatMessageOnce: two workers told to deliver the same message (a
// job run twice, or by two replicas) send it once, and leave the others queued.
func TestDeliverOneSendsThatMessageOnce(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	srv := smtptest.Start(t)
	rec := &recorder{}
	out := notify.NewOutbox(db.Gorm, true).WithEnqueuer(rec)
	for _, to := range []string{"ann@example.org", "bob@example.org"} {
		if err := out.Send(ctx, notify.Mail{To: to, Subject: "Hello", Body: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent := 0
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := notify.NewWorker(db.Gorm, notify.SMTPConfig{Addr: srv.Addr, From: "no-reply@hearth.example"})
			ok, err := w.DeliverOne(ctx, rec.ids[0])
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				sent++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if msgs := srv.Messages(); sent != 1 || len(msgs) != 1 || msgs[0].To[0] != "ann@example.org" {
		t.Fatalf("sent %d, captured %+v; want ann's message once", sent, msgs)
	}
	w := notify.NewWorker(db.Gorm, notify.SMTPConfig{Addr: srv.Addr, From: "no-reply@hearth.example"})
	due, err := w.DueIDs(ctx, 10)
	if err != nil || len(due) != 1 || due[0] != rec.ids[1] {
		t.Fatalf("due %v, %v; want bob's message %d only", due, err, rec.ids[1])
	}
}
