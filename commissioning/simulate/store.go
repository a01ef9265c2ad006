package simulate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// Run statuses.
const (
	StatusQueued  = "queued"
	StatusRunning = "running"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// RunRecord is a consortium's requested simulation: its parameters, progress and result.
type RunRecord struct {
	ID           int64 `gorm:"primaryKey"`
	ConsortiumID int64
	RequestedBy  *int64
	Params       json.RawMessage `gorm:"type:jsonb"`
	Sensitivity  bool
	Status       string
	Stage        string
	Done, Total  int
	Result       json.RawMessage `gorm:"type:jsonb"`
	Error        *string
	CreatedAt    time.Time
	StartedAt    *time.Time
	FinishedAt   *time.Time
}

// Queued reports whether the run waits for a worker.
func (r RunRecord) Queued() bool { return r.Status == StatusQueued }

// Running reports whether a worker is running it.
func (r RunRecord) Running() bool { return r.Status == StatusRunning }

// Succeeded reports whether it finished with a result.
func (r RunRecord) Succeeded() bool { return r.Status == StatusDone }

// Failed reports whether it finished with an error.
func (r RunRecord) Failed() bool { return r.Status == StatusFailed }

// TableName is the runs' table (migration 00050).
func (RunRecord) TableName() string { return "simulation_runs" }

// Stored is a finished run's result as saved: the run and, with a sensitivity run, its
// variations.
type Stored struct {
	Result     Result
	Variations []Variation
}

// Decoded returns the run's parameters and, once done, its result.
func (r RunRecord) Decoded() (Params, *Stored, error) {
	var p Params
	if err := json.Unmarshal(r.Params, &p); err != nil {
		return p, nil, fmt.Errorf("simulation run %d parameters: %w", r.ID, err)
	}
	if r.Result == nil {
		return p, nil, nil
	}
	var s Stored
	if err := json.Unmarshal(r.Result, &s); err != nil {
		return p, nil, fmt.Errorf("simulation run %d result: %w", r.ID, err)
	}
	return p, &s, nil
}

// RunInput is what a consortium admin may set for a run on the Simulations page; every
// other parameter takes its default. The region defaults to the consortium's.
type RunInput struct {
	Region         string   `json:"region" form:"region" validate:"required" msg:"*=Select a region, or England"`
	Seed           int      `json:"seed" form:"seed" validate:"min=1,max=1000000" msg:"*=Enter a seed from 1 to 1,000,000"`
	Visibility     *float64 `json:"visibility" form:"visibility" validate:"required,min=0,max=1" msg:"*=Enter a visibility from 0 to 1, like 0.2"`
	MarginResponse *float64 `json:"margin_response" form:"margin_response" validate:"required,min=0,max=5" msg:"*=Enter a margin response from 0 to 5, like 0.15"`
	ResponseDays   *float64 `json:"response_days" form:"response_days" validate:"required,min=0,max=30" msg:"*=Enter a response time from 0 to 30 days"`
	WithinMiles    int      `json:"within_miles" form:"within_miles" validate:"min=1,max=250" msg:"*=Enter a distance limit from 1 to 250 miles"`
	WeightPrice    int      `json:"weight_price" form:"weight_price" validate:"min=0,max=100" msg:"*=Enter a weight from 0 to 100"`
	WeightQuality  int      `json:"weight_quality" form:"weight_quality" validate:"min=0,max=100" msg:"*=Enter a weight from 0 to 100"`
	WeightDistance int      `json:"weight_distance" form:"weight_distance" validate:"min=0,max=100" msg:"*=Enter a weight from 0 to 100"`
	WeightFit      int      `json:"weight_fit" form:"weight_fit" validate:"min=0,max=100" msg:"*=Enter a weight from 0 to 100"`
	Sensitivity    bool     `json:"sensitivity" form:"sensitivity"`
}

// DefaultInput is the form's starting values for a consortium in region.
func DefaultInput(region string) RunInput {
	d := Defaults()
	v, m, r := d.Visibility, d.MarginResponse, d.ResponseDays
	if region == "" {
		region = d.Region
	}
	return RunInput{Region: region, Seed: int(d.Seed), Visibility: &v, MarginResponse: &m, ResponseDays: &r, WithinMiles: d.WithinMiles,
		WeightPrice: d.WeightPrice, WeightQuality: d.WeightQuality, WeightDistance: d.WeightDistance, WeightFit: d.WeightFit}
}

// Check returns every problem with in at once.
func (in RunInput) Check() kernel.FieldErrors {
	fe := kernel.Check(&in)
	var more kernel.FieldErrors
	ok := in.Region == "England"
	for _, r := range geo.Regions() {
		ok = ok || in.Region == r
	}
	if !ok {
		more.Add("region", "Select a region, or England")
	}
	if in.Region == "England" && in.Sensitivity {
		more.Add("sensitivity", "Sensitivity runs are for a region: for England they take longer than a background job may run (use hearth simulate --sensitivity)")
	}
	if sum := in.WeightPrice + in.WeightQuality + in.WeightDistance + in.WeightFit; !fe.Has("weight_price") && sum != 100 {
		more.Add("weight_price", fmt.Sprintf("The four weights must add up to 100 (they add up to %d)", sum))
	}
	return fe.With(more)
}

// Params are the run's parameters: the defaults with in's values.
func (in RunInput) Params() Params {
	p := Defaults()
	p.Region, p.Seed, p.WithinMiles = in.Region, uint64(in.Seed), in.WithinMiles
	p.Visibility, p.MarginResponse, p.ResponseDays = *in.Visibility, *in.MarginResponse, *in.ResponseDays
	p.WeightPrice, p.WeightQuality, p.WeightDistance, p.WeightFit = in.WeightPrice, in.WeightQuality, in.WeightDistance, in.WeightFit
	if p.Region == "England" {
		p.Region = ""
	}
	return p
}

// MaxActiveRuns is how many runs a consortium may have queued or running at once: the
// machine runs one at a time, so more would only wait.
const MaxActiveRuns = 3

// ErrTooManyRuns refuses a run while the consortium has MaxActiveRuns in hand.
var ErrTooManyRuns = kernel.NewError(kernel.ErrConflict, "too_many_simulations",
	fmt.Sprintf("Your consortium already has %d simulations queued or running. Wait for one to finish, then ask again.", MaxActiveRuns))

// Runs stores consortiums' simulation runs and works through the queue.
type Runs struct {
	db    *gorm.DB
	queue Enqueuer
	Now   func() time.Time
}

// Enqueuer is told, in the transaction that queued a run, to start the job that runs
// it (the run_simulations task), so that the job commits or rolls back with the run.
type Enqueuer interface {
	EnqueueSimulations(ctx context.Context, tx *gorm.DB) error
}

// WithEnqueuer returns the store telling q of the runs it queues.
func (s *Runs) WithEnqueuer(q Enqueuer) *Runs {
	c := *s
	c.queue = q
	return &c
}

// NewRuns returns the store.
func NewRuns(db *gorm.DB) *Runs { return &Runs{db: db, Now: time.Now} }

// Request queues a run for a consortium. Returns kernel.FieldErrors for bad input.
func (s *Runs) Request(ctx context.Context, consortiumID, by int64, in RunInput) (RunRecord, error) {
	if fe := in.Check(); fe != nil {
		return RunRecord{}, fe
	}
	p := in.Params()
	if err := p.Validate(); err != nil {
		return RunRecord{}, kernel.Invalid("region", err.Error())
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return RunRecord{}, err
	}
	r := RunRecord{ConsortiumID: consortiumID, RequestedBy: &by, Params: raw, Sensitivity: in.Sensitivity, Status: StatusQueued, CreatedAt: s.Now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The consortium's row lock serialises its requests, so that the count of its
		// runs in hand and the insert that depends on it cannot interleave.
		if err := tx.Exec("SELECT id FROM organisations WHERE id = ? FOR UPDATE", consortiumID).Error; err != nil {
			return err
		}
		// A conditional insert: nothing is inserted when the consortium has MaxActiveRuns
		// runs queued or running.
		res := tx.Raw(`INSERT INTO simulation_runs (consortium_id, requested_by, params, sensitivity, status, stage, done, total, created_at)
            SELECT ?, ?, ?, ?, ?, '', 0, 0, ?
             WHERE (SELECT count(*) FROM simulation_runs WHERE consortium_id = ? AND status IN ('queued', 'running')) < ?
            RETURNING id`, consortiumID, by, raw, in.Sensitivity, StatusQueued, r.CreatedAt, consortiumID, MaxActiveRuns).Scan(&r.ID)
		if res.Error != nil {
			return res.Error
		}
		if r.ID == 0 {
			return ErrTooManyRuns
		}
		if s.queue != nil {
			return s.queue.EnqueueSimulations(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return RunRecord{}, fmt.Errorf("queue simulation: %w", err)
	}
	return r, nil
}

// List returns a consortium's 50 newest runs, newest first, without their results.
func (s *Runs) List(ctx context.Context, consortiumID int64) ([]RunRecord, error) {
	out, _, err := s.Page(ctx, consortiumID, kernel.Page{Limit: 50})
	return out, err
}

// Page returns a page of a consortium's runs, newest first, without their results, and
// how many runs it has.
func (s *Runs) Page(ctx context.Context, consortiumID int64, page kernel.Page) ([]RunRecord, int64, error) {
	var out []RunRecord
	var total int64
	q := s.db.WithContext(ctx).Model(&RunRecord{}).Where("consortium_id = ?", consortiumID)
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count simulation runs: %w", err)
	}
	q = q.Omit("Result").Order("id DESC").Offset(page.Offset)
	if page.Limit > 0 {
		q = q.Limit(page.Limit)
	}
	if err := q.Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list simulation runs: %w", err)
	}
	return out, total, nil
}

// Get returns one of a consortium's runs. Returns kernel.ErrNotFound for another
// consortium's.
func (s *Runs) Get(ctx context.Context, consortiumID, id int64) (RunRecord, error) {
	var r RunRecord
	err := s.db.WithContext(ctx).Where("id = ? AND consortium_id = ?", id, consortiumID).First(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, fmt.Errorf("simulation run %d: %w", id, kernel.ErrNotFound)
	}
	return r, err
}

// oneRunning reports whether err is the database refusing a second running run.
func oneRunning(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == "simulation_runs_one_running"
}

// staleAfter is how long after it started a run still "running" must have lost its
// worker (a crash or a restart): longer than a job may run (ten minutes).
const staleAfter = 15 * time.Minute

// RunQueued claims the oldest queued run, or one whose worker was lost (skipping any
// another worker holds), runs it with its progress written as it goes, and stores the
// result or the error; it repeats until the queue is empty. It is the run_simulations job.
// At most one run is running in the whole deployment (the database's
// simulation_runs_one_running index): while another worker's run is live, RunQueued
// returns at once and leaves the queue to it.
func (s *Runs) RunQueued(ctx context.Context) error {
	for {
		var r RunRecord
		err := s.db.WithContext(ctx).Raw(`UPDATE simulation_runs SET status = 'running', started_at = ?
            WHERE id = (SELECT id FROM simulation_runs WHERE status = 'queued' OR (status = 'running' AND started_at < ?)
                        ORDER BY status = 'queued', id LIMIT 1 FOR UPDATE SKIP LOCKED)
              AND NOT EXISTS (SELECT 1 FROM simulation_runs WHERE status = 'running' AND started_at >= ?)
            RETURNING id, params, sensitivity`, s.Now(), s.Now().Add(-staleAfter), s.Now().Add(-staleAfter)).Scan(&r).Error
		if oneRunning(err) {
			return nil // another worker's run started at the same moment
		}
		if err != nil {
			return fmt.Errorf("claim simulation: %w", err)
		}
		if r.ID == 0 {
			return nil
		}
		if err := s.execute(ctx, r); err != nil {
			return err
		}
	}
}

func (s *Runs) execute(ctx context.Context, r RunRecord) error {
	p, _, err := r.Decoded()
	var stored Stored
	if err == nil {
		last := time.Time{}
		progress := func(stage string, done, total int) {
			if time.Since(last) < time.Second && done != total {
				return
			}
			last = time.Now()
			if err := s.db.WithContext(ctx).Exec("UPDATE simulation_runs SET stage = ?, done = ?, total = ? WHERE id = ?", stage, done, total, r.ID).Error; err != nil {
				slog.Warn("simulation progress", "run", r.ID, "err", err)
			}
		}
		stored.Result, err = Run(ctx, p, progress)
		if err == nil && r.Sensitivity {
			stored.Variations, err = Sensitivity(ctx, p, progress)
		}
	}
	now := s.Now()
	if err != nil {
		msg := err.Error()
		switch {
		case errors.Is(ctx.Err(), context.Canceled): // shutting down: leave it for the next worker
			return s.db.Exec("UPDATE simulation_runs SET status = 'queued', started_at = NULL WHERE id = ?", r.ID).Error
		case errors.Is(ctx.Err(), context.DeadlineExceeded): // the job's time ran out: it would again
			msg = "it took longer than a background job may run; run it from the command line (hearth simulate)"
		}
		return s.db.Exec("UPDATE simulation_runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?", msg, now, r.ID).Error
	}
	raw, err := json.Marshal(stored)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Exec("UPDATE simulation_runs SET status = 'done', result = ?, finished_at = ?, done = total WHERE id = ?", raw, now, r.ID).Error
}

// Figures that do not apply (the bound's time to place, a mean of nothing) are NaN in
// memory and null in JSON, which has no NaN.

// MarshalJSON writes NaN figures as null.
func (s Summary) MarshalJSON() ([]byte, error) { return nanJSON(s) }

// UnmarshalJSON reads null figures as NaN.
func (s *Summary) UnmarshalJSON(b []byte) error { return fromNaNJSON(b, s) }

// MarshalJSON writes NaN figures as null.
func (s SecureSummary) MarshalJSON() ([]byte, error) { return nanJSON(s) }

// UnmarshalJSON reads null figures as NaN.
func (s *SecureSummary) UnmarshalJSON(b []byte) error { return fromNaNJSON(b, s) }

func nanJSON(v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	m := make(map[string]any, rv.NumField())
	for i := range rv.NumField() {
		f := rv.Field(i)
		if f.Kind() == reflect.Float64 && math.IsNaN(f.Float()) {
			m[rv.Type().Field(i).Name] = nil
			continue
		}
		m[rv.Type().Field(i).Name] = f.Interface()
	}
	return json.Marshal(m)
}

func fromNaNJSON(b []byte, dst any) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	rv := reflect.ValueOf(dst).Elem()
	for i := range rv.NumField() {
		raw, ok := m[rv.Type().Field(i).Name]
		f := rv.Field(i)
		switch {
		case !ok:
		case f.Kind() == reflect.Float64 && string(raw) == "null":
			f.SetFloat(math.NaN())
		default:
			if err := json.Unmarshal(raw, f.Addr().Interface()); err != nil {
				return err
			}
		}
	}
	return nil
}
