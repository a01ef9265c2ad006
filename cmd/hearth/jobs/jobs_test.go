package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/cmd/hearth/jobs"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify/smtptest"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// newQueue returns a queue on db that polls fast, stopped when the test ends.
func newQueue(t *testing.T, db *migrations.DB, id string) *jobs.Queue {
	t.Helper()
	q, err := jobs.New(db.SQL, db.Pool, jobs.Options{ID: id, PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func start(t *testing.T, q *jobs.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countJobs(t *testing.T, db *migrations.DB, kind string) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Raw("SELECT count(*) FROM river_job WHERE kind = ?", kind).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

var errRollback = errors.New("roll back")

// TestRiverStartsAsTheApplicationRole: the schema migrations 00022 and 00023 made is
// one River v0.51.2 can work, as hearth_app, which owns nothing: a started client
// becomes leader, enqueues and works a task.
func TestRiverStartsAsTheApplicationRole(t *testing.T) {
	db := dbtest.Open(t)
	var user string
	if err := db.SQL.QueryRow("SELECT current_user").Scan(&user); err != nil || user != migrations.AppRole {
		t.Fatalf("connected as %q (%v), want %s", user, err, migrations.AppRole)
	}
	if err := migrations.CheckAppRole(context.Background(), db.SQL); err != nil {
		t.Fatal(err)
	}
	q := newQueue(t, db, "only")
	ran := make(chan struct{}, 1)
	if err := q.AddTask(jobs.Task{Name: "probe", Every: time.Hour, Run: func(context.Context) error {
		select {
		case ran <- struct{}{}:
		default:
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	select {
	case <-ran:
	case <-time.After(20 * time.Second):
		t.Fatal("the task never ran")
	}
	var leader string
	if err := db.Gorm.Raw("SELECT leader_id FROM river_leader").Scan(&leader).Error; err != nil || leader != "only" {
		t.Fatalf("leader %q, %v", leader, err)
	}
}

// TestJobEnqueuedInRolledBackTransactionNeverRuns: a job is enqueued in the caller's
// transaction, so one whose transaction rolls back does not exist, and never runs;
// the same job committed runs.
func TestJobEnqueuedInRolledBackTransactionNeverRuns(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	q := newQueue(t, db, "")
	var runs atomic.Int64
	if err := q.AddTask(jobs.Task{Name: "kicked", Every: 24 * time.Hour, Run: func(context.Context) error { runs.Add(1); return nil }}); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	waitFor(t, 20*time.Second, "the task's first (periodic) run", func() bool { return runs.Load() == 1 })

	err := db.Gorm.Transaction(func(tx *gorm.DB) error {
		if err := q.Kick(ctx, tx, "kicked"); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if err := db.Gorm.Transaction(func(tx *gorm.DB) error { return q.Kick(ctx, tx, "kicked") }); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the committed kick", func() bool { return runs.Load() == 2 })
	time.Sleep(500 * time.Millisecond) // ten polls: time for a third run, were there one
	if n := runs.Load(); n != 2 {
		t.Fatalf("task ran %d times, want 2 (periodic + committed kick)", n)
	}

	// Mail: a message and its delivery job commit or roll back together.
	out := notify.NewOutbox(db.Gorm, true).WithEnqueuer(q)
	err = db.Gorm.Transaction(func(tx *gorm.DB) error {
		if err := out.WithTx(tx).Send(ctx, notify.Mail{To: "gone@example.org", Subject: "Never", Body: "x"}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if n := countJobs(t, db, jobs.MailArgs{}.Kind()); n != 0 {
		t.Fatalf("%d mail jobs after a rolled-back message, want 0", n)
	}
	if err := out.Send(ctx, notify.Mail{To: "kept@example.org", Subject: "Kept", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	if n := countJobs(t, db, jobs.MailArgs{}.Kind()); n != 1 {
		t.Fatalf("%d mail jobs after a committed message, want 1", n)
	}
}

// TestTwoReplicasDeliverEachMailOnce: two Hearth processes (two River clients on one
// database) deliver every queued message exactly once, whether it was enqueued with
// the message or found by the sweep.
func TestTwoReplicasDeliverEachMailOnce(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	srv := smtptest.Start(t)
	smtpCfg := notify.SMTPConfig{Addr: srv.Addr, From: "Hearth <no-reply@hearth.example>"}

	// Mail queued before any queue was wired: only the sweep finds it.
	const before, after = 5, 20
	plain := notify.NewOutbox(db.Gorm, true)
	for i := range before {
		if err := plain.Send(ctx, notify.Mail{To: fmt.Sprintf("early%d@example.org", i), Subject: "Early", Body: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	replicas := []*jobs.Queue{newQueue(t, db, "replica-a"), newQueue(t, db, "replica-b")}
	for _, q := range replicas {
		if err := q.DeliverMail(notify.NewWorker(db.Gorm, smtpCfg), time.Second); err != nil {
			t.Fatal(err)
		}
		start(t, q)
	}
	var wg sync.WaitGroup
	for i := range after {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := notify.NewOutbox(db.Gorm, true).WithEnqueuer(replicas[i%2])
			if err := out.Send(ctx, notify.Mail{To: fmt.Sprintf("late%d@example.org", i), Subject: "Late", Body: "x"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	waitFor(t, 30*time.Second, "every message sent", func() bool {
		var queued int64
		db.Gorm.Raw("SELECT count(*) FROM emails WHERE status <> 'sent'").Scan(&queued)
		return queued == 0
	})
	time.Sleep(1500 * time.Millisecond) // a sweep more, were it to send again
	seen := map[string]int{}
	for _, m := range srv.Messages() {
		seen[strings.Join(m.To, ",")]++
	}
	if len(seen) != before+after {
		t.Fatalf("%d recipients got mail, want %d", len(seen), before+after)
	}
	for to, n := range seen {
		if n != 1 {
			t.Errorf("%s got %d copies, want 1", to, n)
		}
	}
}

// TestPeriodicTaskRunsOncePerPeriodAcrossReplicas: with two replicas registering the
// same task, only the elected leader enqueues it, so it runs once per period, not
// once per replica.
func TestPeriodicTaskRunsOncePerPeriodAcrossReplicas(t *testing.T) {
	db := dbtest.Open(t)
	const every = time.Second
	var mu sync.Mutex
	var runs []time.Time
	task := jobs.Task{Name: "tick", Every: every, Run: func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		runs = append(runs, time.Now())
		return nil
	}}
	for _, id := range []string{"replica-a", "replica-b"} {
		q := newQueue(t, db, id)
		if err := q.AddTask(task); err != nil {
			t.Fatal(err)
		}
		start(t, q)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(runs) }
	waitFor(t, 20*time.Second, "the first run", func() bool { return count() >= 1 })
	first := count()
	const window = 5 * time.Second
	time.Sleep(window)
	n := count() - first
	// One leader: about one run a period. Both replicas enqueueing would make ~10.
	if n < 3 || n > int(window/every)+1 {
		t.Fatalf("%d runs in %s with a period of %s across two replicas, want about %d", n, window, every, window/every)
	}
	var jobsPerPeriod []struct {
		Period time.Time
		N      int
	}
	if err := db.Gorm.Raw(`SELECT date_trunc('second', scheduled_at) AS period, count(*) AS n FROM river_job
	        WHERE kind = 'hearth_task' GROUP BY 1 HAVING count(*) > 1`).Scan(&jobsPerPeriod).Error; err != nil {
		t.Fatal(err)
	}
	if len(jobsPerPeriod) > 0 {
		t.Fatalf("periods with more than one job: %+v", jobsPerPeriod)
	}
}

// TestJobsMetricCountsJobsByKindAndState: /metrics shows the jobs waiting, by kind and
// state, so that work no replica takes, or that keeps failing, can be alerted on.
func TestJobsMetricCountsJobsByKindAndState(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	q := newQueue(t, db, "") // not started: the jobs stay available
	for _, task := range []string{"one", "two"} {
		if err := db.Gorm.Transaction(func(tx *gorm.DB) error { return q.Kick(ctx, tx, task) }); err != nil {
			t.Fatal(err)
		}
	}
	want := `# HELP hearth_jobs River jobs in the database by kind and state (completed ones are kept 24 hours).
# TYPE hearth_jobs gauge
hearth_jobs{kind="hearth_task",state="available"} 2
`
	if err := testutil.CollectAndCompare(q.Collector(), strings.NewReader(want), "hearth_jobs"); err != nil {
		t.Fatal(err)
	}
}

// TestStopLetsARunningJobFinish: shutdown (SIGTERM) stops fetching but waits for the
// job in hand, which completes, rather than cutting it off mid-send.
func TestStopLetsARunningJobFinish(t *testing.T) {
	db := dbtest.Open(t)
	q := newQueue(t, db, "")
	started := make(chan struct{})
	var finished atomic.Bool
	if err := q.AddTask(jobs.Task{Name: "slow", Every: time.Hour, Run: func(ctx context.Context) error {
		close(started)
		select {
		case <-time.After(700 * time.Millisecond):
			finished.Store(true)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the task never started")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Fatal("Stop returned before the running job finished")
	}
	var state string
	if err := db.Gorm.Raw("SELECT state FROM river_job WHERE args->>'task' = 'slow'").Scan(&state).Error; err != nil || state != "completed" {
		t.Fatalf("job state %q, %v; want completed", state, err)
	}
}
