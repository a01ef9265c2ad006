package simulate_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/simulate"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// consortiumAdmin makes a consortium and its admin, returning their ids.
func consortiumAdmin(t *testing.T, db *migrations.DB, name string) (int64, int64) {
	t.Helper()
	c, err := commissioning.NewService(db.Gorm).Create(context.Background(), kernel.KindConsortium, name)
	if err != nil {
		t.Fatal(err)
	}
	var uid int64
	if err := db.Gorm.Raw("INSERT INTO users (organisation_id, org_kind, email, name, role) VALUES (?, 'consortium', ?, 'Admin', 'consortium_admin') RETURNING id",
		c.ID, strings.ReplaceAll(strings.ToLower(name), " ", "-")+"@admin.test").Scan(&uid).Error; err != nil {
		t.Fatal(err)
	}
	return c.ID, uid
}

func TestRunsQueueRunAndStayInTheirConsortium(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	runs := simulate.NewRuns(db.Gorm)
	a, adminA := consortiumAdmin(t, db, "Consortium A")
	b, _ := consortiumAdmin(t, db, "Consortium B")

	t.Run("ErrEveryFieldAtOnce", func(t *testing.T) {
		in := simulate.DefaultInput("Atlantis")
		in.WeightPrice, in.Seed = 90, 0
		in.Visibility = nil
		_, err := runs.Request(ctx, a, adminA, in)
		var fe kernel.FieldErrors
		if !errors.As(err, &fe) {
			t.Fatalf("got %v, want field errors", err)
		}
		for _, f := range []string{"region", "seed", "visibility", "weight_price"} {
			if !fe.Has(f) {
				t.Errorf("no error for %s in %v", f, fe)
			}
		}
	})

	in := simulate.DefaultInput("North East")
	in.Sensitivity = false
	r, err := runs.Request(ctx, a, adminA, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != simulate.StatusQueued {
		t.Fatalf("status %q", r.Status)
	}
	if _, err := runs.Get(ctx, b, r.ID); !errors.Is(err, kernel.ErrNotFound) {
		t.Errorf("consortium B read A's run: %v", err)
	}
	if list, _ := runs.List(ctx, b); len(list) != 0 {
		t.Errorf("consortium B lists %d runs", len(list))
	}
	if err := runs.RunQueued(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := runs.Get(ctx, a, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, stored, err := got.Decoded()
	if err != nil || got.Status != simulate.StatusDone || stored == nil || p.Region != "North East" {
		t.Fatalf("run: %+v, %v", got, err)
	}
	if n := len(stored.Result.Residential); n != 3 || stored.Result.Children == 0 || got.Done != got.Total {
		t.Errorf("result: %d policies, %d children, progress %d/%d", n, stored.Result.Children, got.Done, got.Total)
	}
}

// TestOneSimulationRunsAtATime: while another worker's run is live, RunQueued leaves
// the queue alone; the database refuses a second running run however it is written;
// a run whose worker was lost is taken over.
func TestOneSimulationRunsAtATime(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	runs := simulate.NewRuns(db.Gorm)
	a, adminA := consortiumAdmin(t, db, "Consortium A")
	in := simulate.DefaultInput("North East")
	in.Sensitivity = false
	queued, err := runs.Request(ctx, a, adminA, in)
	if err != nil {
		t.Fatal(err)
	}
	var live int64
	if err := db.Gorm.Raw("INSERT INTO simulation_runs (consortium_id, params, status, started_at) VALUES (?, '{}', 'running', now()) RETURNING id", a).Scan(&live).Error; err != nil {
		t.Fatal(err)
	}
	if err := runs.RunQueued(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := runs.Get(ctx, a, queued.ID); got.Status != simulate.StatusQueued {
		t.Fatalf("with another run live, the queued run is %s", got.Status)
	}
	if err := db.Gorm.Exec("UPDATE simulation_runs SET status = 'running', started_at = now() WHERE id = ?", queued.ID).Error; err == nil {
		t.Fatal("the database accepted a second running run")
	}
	// The live run's worker is lost: the next job takes it over, then runs the queue.
	if err := db.Gorm.Exec("UPDATE simulation_runs SET started_at = now() - interval '1 hour', params = ? WHERE id = ?", queued.Params, live).Error; err != nil {
		t.Fatal(err)
	}
	if err := runs.RunQueued(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{live, queued.ID} {
		if got, _ := runs.Get(ctx, a, id); got.Status != simulate.StatusDone {
			t.Errorf("run %d: %s %s", id, got.Status, deref(got.Error))
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestRunStatesAreKeptByTheDatabase proves migration 00050's CHECKs: a run is done
// only with a result, failed only with an error, and never past its total.
func TestRunStatesAreKeptByTheDatabase(t *testing.T) {
	db := dbtest.Open(t)
	a, _ := consortiumAdmin(t, db, "Consortium A")
	for name, stmt := range map[string]string{
		"ErrDoneWithoutResult":   "INSERT INTO simulation_runs (consortium_id, params, status, started_at, finished_at) VALUES (?, '{}', 'done', now(), now())",
		"ErrFailedWithoutError":  "INSERT INTO simulation_runs (consortium_id, params, status, started_at, finished_at) VALUES (?, '{}', 'failed', now(), now())",
		"ErrProgressPastTotal":   "INSERT INTO simulation_runs (consortium_id, params, done, total) VALUES (?, '{}', 5, 4)",
		"ErrRunningWithoutStart": "INSERT INTO simulation_runs (consortium_id, params, status) VALUES (?, '{}', 'running')",
		"ErrQueuedWithResult":    "INSERT INTO simulation_runs (consortium_id, params, result) VALUES (?, '{}', '{}')",
		"ErrParamsNotAnObject":   "INSERT INTO simulation_runs (consortium_id, params) VALUES (?, '[]')",
	} {
		t.Run(name, func(t *testing.T) {
			if err := db.Gorm.Exec(stmt, a).Error; err == nil {
				t.Errorf("the database accepted: %s", stmt)
			}
		})
	}
	var council int64
	db.Gorm.Raw("SELECT id FROM organisations WHERE kind = 'council' LIMIT 1").Scan(&council)
	if council != 0 {
		if err := db.Gorm.Exec("INSERT INTO simulation_runs (consortium_id, params) VALUES (?, '{}')", council).Error; err == nil {
			t.Error("a council's run was accepted")
		}
	}
}

func TestRunInputRefusesANationalSensitivityRun(t *testing.T) {
	in := simulate.DefaultInput("England")
	in.Sensitivity = true
	if fe := in.Check(); !fe.Has("sensitivity") {
		t.Errorf("a national sensitivity run was accepted: %v", fe)
	}
	in.Region = "North West"
	if fe := in.Check(); fe != nil {
		t.Errorf("a North West sensitivity run was refused: %v", fe)
	}
}

// TestRunsInHandAreBounded: of many requests at once, exactly MaxActiveRuns are queued
// and the rest refused with ErrTooManyRuns; a finished run frees a place; another
// consortium's runs do not count.
func TestRunsInHandAreBounded(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	runs := simulate.NewRuns(db.Gorm)
	a, adminA := consortiumAdmin(t, db, "Consortium A")
	b, adminB := consortiumAdmin(t, db, "Consortium B")
	in := simulate.DefaultInput("North East")

	const tries = 8
	errs := make(chan error, tries)
	for range tries {
		go func() {
			_, err := runs.Request(ctx, a, adminA, in)
			errs <- err
		}()
	}
	ok, refused := 0, 0
	for range tries {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, simulate.ErrTooManyRuns) && errors.Is(err, kernel.ErrConflict):
			refused++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != simulate.MaxActiveRuns || refused != tries-simulate.MaxActiveRuns {
		t.Fatalf("%d queued and %d refused, want %d and %d", ok, refused, simulate.MaxActiveRuns, tries-simulate.MaxActiveRuns)
	}
	if _, err := runs.Request(ctx, b, adminB, in); err != nil {
		t.Fatalf("consortium B: %v", err)
	}
	if err := db.Gorm.Exec("UPDATE simulation_runs SET status = 'failed', error = 'test', finished_at = now(), started_at = now() WHERE id = (SELECT min(id) FROM simulation_runs WHERE consortium_id = ?)", a).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := runs.Request(ctx, a, adminA, in); err != nil {
		t.Fatalf("after a run ended: %v", err)
	}
	if _, err := runs.Request(ctx, a, adminA, in); !errors.Is(err, simulate.ErrTooManyRuns) {
		t.Fatalf("a fourth in hand: %v", err)
	}
}
