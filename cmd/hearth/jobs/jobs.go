// Package jobs runs Hearth's background work on River (github.com/riverqueue/river),
// a job queue in Hearth's own PostgreSQL database.
//
// Three kinds of job run here:
//   - Tasks: a named piece of periodic work (close requests at their deadline, delete
//     expired sessions, the daily secure report, Stripe calls…), each a domain
//     function. Every replica registers the same tasks; only River's elected leader
//     enqueues them, once per period, and any replica may work them.
//   - Webhooks: one job per delivery of an event to an endpoint, enqueued in the
//     transaction of the change (webhook.Enqueuer), retried with River's backoff.
//   - Mail: one job per outbox message, enqueued in the transaction that queued the
//     message (notify.Enqueuer), so the job exists exactly when the message does. A
//     periodic sweep enqueues any due message that has no job (a retry after backoff,
//     or mail queued where no queue was wired).
//
// The outbox rows (emails, stripe_jobs, credit_jobs) stay the source of truth: a job
// only says "look now". Sending claims the row with FOR UPDATE SKIP LOCKED and marks it
// done in the same transaction, so a job run twice, or by two replicas, sends once.
//
// River's tables are made by Hearth's own migrations (00022, 00023); the queue runs as
// the application's role, which owns nothing.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// Task is a named piece of periodic work.
type Task struct {
	// Name identifies the task in the job's arguments and the logs; unique per Queue.
	Name string
	// Every is how often the leader enqueues the task.
	Every time.Duration
	// Run does the work. An error is logged and the job retried (at most MaxAttempts).
	Run func(context.Context) error
}

// Options tune a Queue. The zero value suits production.
type Options struct {
	// ID names this client among the replicas (River generates one when empty).
	ID string
	// MaxWorkers is how many jobs this replica works at once (default 5).
	MaxWorkers int
	// PollInterval is how often workers look for jobs without being notified
	// (River's default, 1s, when zero).
	PollInterval time.Duration
	// Logger receives River's own logs (slog.Default() when nil).
	Logger *slog.Logger
}

// Queue is Hearth's River client and the work it knows.
type Queue struct {
	client *river.Client[*sql.Tx]
	db     *sql.DB

	mu    sync.RWMutex
	tasks map[string]Task
	mail  *notify.Worker
	hooks Deliverer
}

// Task names of work Hearth enqueues itself as well as periodically.
const (
	// StripeCalls makes due Stripe calls and credit notes (billing.Service.ProcessJobs).
	StripeCalls = "stripe_calls"
	// RunSimulations runs queued outcomes simulations (simulate.Runs.RunQueued).
	RunSimulations = "run_simulations"
	// MailSweep enqueues a delivery for every due message without one.
	MailSweep = "mail_sweep"
)

// taskAttempts is how often a failed task is tried before the next period takes over.
const taskAttempts = 3

// New returns a Queue on db, Hearth's database/sql pool (gorm's), so that jobs can be
// enqueued inside gorm's transactions. listen, when not nil, is the pgx pool the
// client takes one connection from to LISTEN for new jobs; without it workers poll.
// The Queue works nothing until Start; it can enqueue before.
func New(db *sql.DB, listen *pgxpool.Pool, opts Options) (*Queue, error) {
	q := &Queue{db: db, tasks: map[string]Task{}}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &taskWorker{q: q}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &mailWorker{q: q}); err != nil {
		return nil, err
	}
	if err := river.AddWorkerSafely(workers, &webhookWorker{q: q}); err != nil {
		return nil, err
	}
	driver := riverdatabasesql.New(db)
	if listen != nil {
		driver = riverdatabasesql.NewWithPgxListener(db, listen)
	}
	n := opts.MaxWorkers
	if n <= 0 {
		n = 5
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	client, err := river.NewClient(driver, &river.Config{
		ID:                opts.ID,
		Logger:            logger,
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: n}},
		Workers:           workers,
		FetchPollInterval: opts.PollInterval,
		// The application's role owns no index, so it may not REINDEX River's.
		ReindexerIndexNames: []string{},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	q.client = client
	return q, nil
}

// AddTask registers t and has the leader enqueue it every t.Every, the first time as
// soon as a leader is elected. Call it on every replica, before Start.
func (q *Queue) AddTask(t Task) error {
	if t.Name == "" || t.Every <= 0 || t.Run == nil {
		return fmt.Errorf("jobs: task %q needs a name, a period and a function", t.Name)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.tasks[t.Name]; ok {
		return fmt.Errorf("jobs: task %q added twice", t.Name)
	}
	q.tasks[t.Name] = t
	_, err := q.client.PeriodicJobs().AddSafely(river.NewPeriodicJob(river.PeriodicInterval(t.Every),
		func() (river.JobArgs, *river.InsertOpts) {
			// Unique per period: a new leader's first run does not repeat the old one's.
			return TaskArgs{Task: t.Name}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: t.Every}}
		}, &river.PeriodicJobOpts{ID: t.Name, RunOnStart: true}))
	if err != nil {
		return fmt.Errorf("jobs: task %q: %w", t.Name, err)
	}
	return nil
}

// DeliverMail has the Queue deliver the outbox's mail through w: the job EnqueueMail
// adds for each message, and a sweep every sweep for due messages without one.
func (q *Queue) DeliverMail(w *notify.Worker, sweep time.Duration) error {
	q.mu.Lock()
	q.mail = w
	q.mu.Unlock()
	return q.AddTask(Task{Name: MailSweep, Every: sweep, Run: q.sweepMail})
}

// Start begins working jobs, and, on the elected leader, enqueuing tasks. It runs
// until Stop; ctx only carries values (its cancellation does not stop the Queue, so
// that shutdown can be graceful).
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop stops fetching jobs and waits for running ones to finish until ctx ends, then
// cancels them and waits for them to return.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if err == nil {
		return nil
	}
	slog.Warn("jobs still running at shutdown; cancelling them", "err", err)
	cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return q.client.StopAndCancel(cctx)
}

// EnqueueMail adds a job delivering message emailID, in tx, the transaction that
// queued it: a rolled-back message never has a job. It implements notify.Enqueuer.
func (q *Queue) EnqueueMail(ctx context.Context, tx *gorm.DB, emailID int64) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	if _, err := q.client.InsertTx(ctx, sqlTx, MailArgs{EmailID: emailID}, nil); err != nil {
		return fmt.Errorf("jobs: enqueue mail %d: %w", emailID, err)
	}
	return nil
}

// EnqueueStripeCalls adds a StripeCalls job in tx, the transaction that queued Stripe
// calls, unless one is already waiting. It implements billing.Enqueuer.
func (q *Queue) EnqueueStripeCalls(ctx context.Context, tx *gorm.DB) error {
	return q.Kick(ctx, tx, StripeCalls)
}

// EnqueueSimulations adds a RunSimulations job in tx, the transaction that queued a
// run, unless one is already waiting. It implements simulate.Enqueuer.
func (q *Queue) EnqueueSimulations(ctx context.Context, tx *gorm.DB) error {
	return q.Kick(ctx, tx, RunSimulations)
}

// Kick adds a job running task now, in tx, unless one is already waiting to start.
func (q *Queue) Kick(ctx context.Context, tx *gorm.DB, task string) error {
	sqlTx, err := sqlTxOf(tx)
	if err != nil {
		return err
	}
	_, err = q.client.InsertTx(ctx, sqlTx, TaskArgs{Task: task}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waiting}})
	if err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", task, err)
	}
	return nil
}

// waiting are the states in which a job makes a second one with the same arguments
// redundant: River requires running among them, which the periodic sweep covers.
var waiting = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
	rivertype.JobStateScheduled, rivertype.JobStateRetryable}

// sqlTxOf returns the database/sql transaction under a gorm transaction.
func sqlTxOf(tx *gorm.DB) (*sql.Tx, error) {
	if tx == nil || tx.Statement == nil {
		return nil, errors.New("jobs: enqueue outside a transaction")
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("jobs: enqueue outside a transaction (connection is %T)", tx.Statement.ConnPool)
	}
	return sqlTx, nil
}

// sweepMail enqueues a delivery for every due message, a batch at a time; messages
// whose job is already waiting or running are skipped by the unique key.
func (q *Queue) sweepMail(ctx context.Context) error {
	q.mu.RLock()
	w := q.mail
	q.mu.RUnlock()
	if w == nil {
		return nil
	}
	ids, err := w.DueIDs(ctx, 1000)
	if err != nil || len(ids) == 0 {
		return err
	}
	params := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		params[i] = river.InsertManyParams{Args: MailArgs{EmailID: id}}
	}
	if _, err := q.client.InsertMany(ctx, params); err != nil {
		return fmt.Errorf("jobs: sweep mail: %w", err)
	}
	return nil
}

// TaskArgs are a task job's arguments: which task to run.
type TaskArgs struct {
	Task string `json:"task"`
}

// Kind is the River job kind of tasks.
func (TaskArgs) Kind() string { return "hearth_task" }

// InsertOpts bounds a task's retries: the next period runs it again anyway.
func (TaskArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: taskAttempts} }

type taskWorker struct {
	river.WorkerDefaults[TaskArgs]
	q *Queue
}

func (w *taskWorker) Timeout(*river.Job[TaskArgs]) time.Duration { return 10 * time.Minute }

func (w *taskWorker) Work(ctx context.Context, job *river.Job[TaskArgs]) error {
	w.q.mu.RLock()
	t, ok := w.q.tasks[job.Args.Task]
	w.q.mu.RUnlock()
	if !ok {
		// A task another replica knows (a newer version, mid-deploy): let it have it.
		return river.JobSnooze(time.Minute)
	}
	start := time.Now()
	if err := t.Run(ctx); err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	slog.DebugContext(ctx, "task done", "task", t.Name, "job_id", job.ID, "duration", time.Since(start))
	return nil
}

// MailArgs are a mail job's arguments: which outbox message to deliver.
type MailArgs struct {
	EmailID int64 `json:"email_id"`
}

// Kind is the River job kind of mail deliveries.
func (MailArgs) Kind() string { return "hearth_mail" }

// InsertOpts makes a message's delivery unique while it waits or runs. A failed SMTP
// attempt is recorded on the message, whose own backoff and the sweep retry it.
func (MailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waiting}}
}

type mailWorker struct {
	river.WorkerDefaults[MailArgs]
	q *Queue
}

func (w *mailWorker) Timeout(*river.Job[MailArgs]) time.Duration { return 2 * time.Minute }

func (w *mailWorker) Work(ctx context.Context, job *river.Job[MailArgs]) error {
	w.q.mu.RLock()
	m := w.q.mail
	w.q.mu.RUnlock()
	if m == nil {
		// This replica does not send mail; the sweep re-enqueues it for one that does.
		return nil
	}
	_, err := m.DeliverOne(ctx, job.Args.EmailID)
	return err
}
