package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hearth-placements/hearth/cmd/internal/storm"
	"github.com/hearth-placements/hearth/frontend"
	"github.com/hearth-placements/hearth/migrations"
)

// ErrLoss is returned when a scenario finds a lost, duplicated or late write.
var ErrLoss = errors.New("chaos: loss found")

// envInt reads a positive integer from the environment, or def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// chaos runs scenarios on a rig, sized by the environment or, with -short, small
// enough to run inside make test.
type chaos struct {
	r         *Rig
	providers int           // the bid storm's providers (CHAOS_PROVIDERS)
	window    time.Duration // the bid storm's window (CHAOS_WINDOW_SECONDS)
	soakFor   time.Duration // the soak's length (CHAOS_SOAK_SECONDS)
	fanOut    int           // the fan-out's SSE clients (CHAOS_SSE_CLIENTS)
}

func newChaos(r *Rig, short bool) *chaos {
	providers, window := 60, 20
	if short {
		providers, window = 20, 10
	}
	return &chaos{r: r, providers: envInt("CHAOS_PROVIDERS", providers), window: time.Duration(envInt("CHAOS_WINDOW_SECONDS", window)) * time.Second,
		soakFor: time.Duration(envInt("CHAOS_SOAK_SECONDS", 600)) * time.Second, fanOut: envInt("CHAOS_SSE_CLIENTS", 1000)}
}

func runChaos(ctx context.Context, ch *chaos, which []string) error {
	scenarios := map[string]func(context.Context) error{
		"1": ch.loseReplica, "2": ch.restartPrimary, "3": ch.failOver, "4": ch.startTogether, "5": ch.fanOutSSE, "7": ch.soak,
	}
	r := ch.r
	all := time.Now()
	for _, s := range which {
		f, ok := scenarios[strings.TrimSpace(s)]
		if !ok {
			return fmt.Errorf("no scenario %q (have 1, 2, 3, 4, 5, 7)", s)
		}
		_ = r.Down(ctx) // a fresh rig for each scenario
		start := time.Now()
		err := f(ctx)
		// Down even when the scenario failed or was interrupted: no process outlives it.
		if derr := r.Down(context.Background()); err == nil && derr != nil {
			err = derr
		}
		if err != nil {
			return fmt.Errorf("scenario %s: %w (logs were in %s)", s, err, r.Dir)
		}
		fmt.Printf("  scenario %s passed in %s\n\n", s, time.Since(start).Round(time.Second))
	}
	fmt.Printf("all %d scenarios passed in %s\n", len(which), time.Since(all).Round(time.Second))
	return nil
}

// startTogether is scenario 4: three replicas start at once on an empty database and
// the migrations run once.
func (ch *chaos) startTogether(ctx context.Context) error {
	r := ch.r
	fmt.Println("== 4. Start together: 3 replicas start at once on an empty database")
	if err := r.Up(ctx); err != nil {
		return err
	}
	files, _ := filepath.Glob("migrations/*.sql")
	applied := 0
	for i := range Replicas {
		b, err := os.ReadFile(filepath.Join(r.Dir, fmt.Sprintf("hearth%d.log", i)))
		if err != nil {
			return err
		}
		n := strings.Count(string(b), "migration applied")
		fmt.Printf("  replica %d applied %d migrations\n", i, n)
		applied += n
	}
	db, err := migrations.Connect(ctx, r.DSN(migrations.OwnerRole))
	if err != nil {
		return err
	}
	defer db.Close()
	var rows, versions int
	if err := db.Pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0").Scan(&rows, &versions); err != nil {
		return err
	}
	fmt.Printf("  migration files: %d; applied in all: %d; goose_db_version rows: %d (distinct %d)\n", len(files), applied, rows, versions)
	if applied != len(files) || rows != len(files) || versions != rows {
		return fmt.Errorf("%w: migrations ran %d times for %d files", ErrLoss, applied, len(files))
	}
	return nil
}

// loseReplica is scenario 1: kill -9 one replica halfway through a bid storm.
func (ch *chaos) loseReplica(ctx context.Context) error {
	r := ch.r
	fmt.Println("== 1. Lose a replica: kill -9 one replica halfway through a bid storm through HAProxy")
	return ch.bidStorm(ctx, stormLoad{window: ch.window, fault: func(context.Context) (string, error) {
		return "kill -9 replica 1", r.KillReplica(1, syscall.SIGKILL)
	}})
}

// restartPrimary is scenario 2: stop the primary and start it again during the storm;
// every replica's readiness goes false, then true within 10 s of the primary's return.
func (ch *chaos) restartPrimary(ctx context.Context) error {
	r := ch.r
	fmt.Println("== 2. Restart the primary during the bid storm")
	return ch.bidStorm(ctx, stormLoad{window: ch.window, fault: func(ctx context.Context) (string, error) {
		if err := r.StopNode(ctx, 1, "fast"); err != nil {
			return "", err
		}
		down := make([]bool, Replicas)
		for range 50 { // readiness must go false within 5 s
			all := true
			for i := range Replicas {
				down[i] = down[i] || !ready(r.ReplicaURL(i))
				all = all && down[i]
			}
			if all {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err := r.StartNode(ctx, 1); err != nil {
			return "", err
		}
		worst, err := allReady(ctx, r)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("primary restarted; readiness went false on %v; all replicas ready again %s after it returned", down, worst.Round(time.Millisecond)), nil
	}})
}

// failOver is scenario 3: kill the primary and promote the synchronous standby while
// bids continue; every acknowledged bid is then on the new primary.
func (ch *chaos) failOver(ctx context.Context) error {
	r := ch.r
	fmt.Println("== 3. Fail over: kill the primary, promote the standby while bids continue")
	return ch.bidStorm(ctx, stormLoad{window: ch.window, fault: func(ctx context.Context) (string, error) {
		if err := r.StopNode(ctx, 1, "immediate"); err != nil {
			return "", err
		}
		t := time.Now()
		if err := r.Promote(ctx); err != nil {
			return "", err
		}
		promoted := time.Since(t)
		worst, err := allReady(ctx, r)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("primary killed, standby promoted in %s; all replicas ready %s later", promoted.Round(time.Millisecond), worst.Round(time.Millisecond)), nil
	}})
}

// allReady waits up to 10 s for every replica to be ready (to reach a primary) and
// returns the longest wait.
func allReady(ctx context.Context, r *Rig) (time.Duration, error) {
	var worst time.Duration
	for i := range Replicas {
		d, err := WaitReady(ctx, r.ReplicaURL(i), 10*time.Second)
		if err != nil {
			return 0, fmt.Errorf("replica %d did not reach a primary within 10 s: %w", i, err)
		}
		worst = max(worst, d)
	}
	return worst, nil
}

// bidder is one provider's view of its own bids: what the service acknowledged and
// what it sent without learning the outcome.
type bidder struct {
	storm.Bidder
	acked, late, failed, retries int
	ackFee                       int64
	ackRev                       int
	unknown                      map[int64]bool  // fees sent after the last ack whose outcome is unknown
	sent                         []time.Time     // when each PUT (with its retries) started
	took                         []time.Duration // and how long it took
	failures                     []string        // refusals other than late, as status and body
}

// stormLoad is one bid storm: its window up to the deadline, the fault called halfway,
// and optionally a fixed pace and more traffic beside the bids.
type stormLoad struct {
	window time.Duration
	fault  func(context.Context) (string, error)
	// pace, when set, is each provider's fixed interval between bids (a tick missed
	// while a bid is in flight is skipped); otherwise a provider waits 0.2–1 s after
	// each answer.
	pace time.Duration
	// prepare, when set, runs with the database open after the storm is set up (the
	// providers' homes and tokens, Manchester's id) and returns traffic to run beside
	// the bids until the end.
	prepare func(ctx context.Context, d frontend.Deps, s stormSetup) (func(ctx context.Context, end time.Time), error)
}

// stormSetup is what storm.SetUp made: the request, its bidders and the council.
type stormSetup struct {
	requestID, council int64
	bidders            []storm.Bidder
}

// bidStorm starts a fresh rig and runs ch.providers providers bidding through HAProxy
// for load.window up to a deadline (and 2 s past it), calls load.fault halfway, then
// checks each provider's bid row against its own log: nothing acknowledged lost, none
// after the deadline, one row per provider.
func (ch *chaos) bidStorm(ctx context.Context, load stormLoad) error {
	_, err := ch.bidStormBidders(ctx, load)
	return err
}

// bidStormBidders is bidStorm, returning each provider's log.
func (ch *chaos) bidStormBidders(ctx context.Context, load stormLoad) ([]*bidder, error) {
	r, n, window := ch.r, ch.providers, load.window
	if err := r.Up(ctx); err != nil {
		return nil, err
	}
	db, deps, err := r.openDeps(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	requestID, bs, council, err := storm.SetUp(ctx, deps, n)
	if err != nil {
		return nil, err
	}
	var deadline time.Time
	if err := db.Pool.QueryRow(ctx, `UPDATE placement_requests SET submitted_at = now() - interval '2 hours', deadline = now() + $2::interval
        WHERE id = $1 RETURNING deadline`, requestID, fmt.Sprintf("%d milliseconds", window.Milliseconds())).Scan(&deadline); err != nil {
		return nil, err
	}
	var extra func(context.Context, time.Time)
	if load.prepare != nil {
		if extra, err = load.prepare(ctx, deps, stormSetup{requestID: requestID, council: council, bidders: bs}); err != nil {
			return nil, err
		}
	}
	db.Close() // the checks reconnect: the primary may have moved
	bidders := make([]*bidder, n)
	for i, b := range bs {
		bidders[i] = &bidder{Bidder: b, unknown: map[int64]bool{}}
	}
	base := r.ProxyURL()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: 15 * time.Second}
	start, end := time.Now(), deadline.Add(2*time.Second)
	var wg sync.WaitGroup
	var seq atomic.Int64
	for i, b := range bidders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(b.Provider), 7))
			fee := int64(400000 + rng.IntN(100000))
			next := start.Add(load.pace * time.Duration(i) / time.Duration(n)) // staggered
			for time.Now().Before(end) {
				if load.pace > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(load.pace)
					for next.Before(time.Now()) { // skip the ticks missed while in flight
						next = next.Add(load.pace)
					}
				}
				b.put(client, base, requestID, fee, fmt.Sprintf("chaos-%d-%d", b.Provider, seq.Add(1)))
				if fee -= int64(1 + rng.IntN(5000)); fee < 100000 { // a long storm: start again from the top
					fee = int64(400000 + rng.IntN(100000))
				}
				if load.pace == 0 {
					time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
				}
			}
		}()
	}
	if extra != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			extra(ctx, end)
		}()
	}
	time.Sleep(window / 2)
	what, ferr := load.fault(ctx)
	if ferr != nil {
		return nil, ferr
	}
	fmt.Printf("  fault at %s: %s\n", time.Since(start).Round(time.Millisecond), what)
	wg.Wait()
	return bidders, checkBids(ctx, r, requestID, bidders)
}

// openDeps connects to the rig's database as the schema owner and builds the services
// the set-up uses (storm.Services).
func (r *Rig) openDeps(ctx context.Context) (*migrations.DB, frontend.Deps, error) {
	db, err := migrations.Connect(ctx, r.DSN(migrations.OwnerRole))
	if err != nil {
		return nil, frontend.Deps{}, err
	}
	return db, storm.Services(db, r.ProxyURL()), nil
}

// put sends one bid, retrying with the same Idempotency-Key while the proxy or a
// replica fails, and records what the service acknowledged.
func (b *bidder) put(c *http.Client, base string, requestID, fee int64, key string) {
	body := fmt.Sprintf(`{"home_id": %d, "earliest_start": "%s", "weekly_fee_pence": %d, "notice_days": 28}`, b.HomeID, time.Now().AddDate(0, 0, 7).Format("2006-01-02"), fee)
	t0 := time.Now()
	defer func() { b.sent, b.took = append(b.sent, t0), append(b.took, time.Since(t0)) }()
	for attempt := range 60 {
		if attempt > 0 {
			b.retries++
			time.Sleep(250 * time.Millisecond)
		}
		req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v1/invitations/%d/bid", base, requestID), bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer "+b.Token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		res, err := c.Do(req)
		if err != nil {
			b.unknown[fee] = true
			continue
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		switch {
		case res.StatusCode == http.StatusOK:
			var out struct{ Revision int }
			_ = json.Unmarshal(raw, &out)
			b.acked++
			b.ackFee, b.ackRev = fee, out.Revision
			b.unknown = map[int64]bool{}
			return
		case res.StatusCode == http.StatusConflict: // refused as late, by the database's clock
			b.late++
			return
		case res.StatusCode >= 500:
			b.unknown[fee] = true // the replica or the database failed mid-request
		default:
			b.failed++
			b.failures = append(b.failures, fmt.Sprintf("%d %s", res.StatusCode, bytes.TrimSpace(raw[:min(len(raw), 120)])))
			return
		}
	}
	b.failed++
}

// checkBids compares every provider's bid row with its log.
func checkBids(ctx context.Context, r *Rig, requestID int64, bidders []*bidder) error {
	db, err := migrations.Connect(ctx, r.DSN(migrations.OwnerRole))
	if err != nil {
		return err
	}
	defer db.Close()
	type row struct {
		fee  int64
		rev  int
		late bool
	}
	rows := map[int]row{}
	res, err := db.Pool.Query(ctx, `SELECT b.provider_id, b.weekly_fee_pence, b.revision, b.updated_at >= r.deadline
        FROM bids b JOIN placement_requests r ON r.id = b.request_id WHERE b.request_id = $1`, requestID)
	if err != nil {
		return err
	}
	dups := 0
	for res.Next() {
		var p int
		var w row
		if err := res.Scan(&p, &w.fee, &w.rev, &w.late); err != nil {
			return err
		}
		if _, seen := rows[p]; seen {
			dups++
		}
		rows[p] = w
	}
	if err := res.Err(); err != nil {
		return err
	}
	var acked, late, failed, retries, lost, wrong, afterDeadline int
	for _, b := range bidders {
		acked, late, failed, retries = acked+b.acked, late+b.late, failed+b.failed, retries+b.retries
		w, ok := rows[b.Provider]
		if w.late {
			afterDeadline++
		}
		if b.acked == 0 {
			continue
		}
		switch {
		case !ok:
			lost++
		case w.rev < b.ackRev || (w.fee != b.ackFee && !b.unknown[w.fee]):
			wrong++
		}
	}
	fmt.Printf("  providers: %d; bids and revisions acknowledged: %d; refused as late: %d; retries (same Idempotency-Key): %d; failed after retries: %d\n",
		len(bidders), acked, late, retries, failed)
	fmt.Printf("  checked row by row: lost %d, not the last acknowledged %d, duplicate rows %d, accepted after the deadline %d\n", lost, wrong, dups, afterDeadline)
	jobs, twice, err := jobsOnce(ctx, db)
	if err != nil {
		return err
	}
	fmt.Printf("  periodic jobs (period ≥ 1 min) across the replicas: %d runs, %d due times run more than once\n", jobs, twice)
	dups += twice
	first, second := latencyHalves(samples(bidders))
	fmt.Printf("  PUT latency p95 (with retries): first half %s, second half %s\n", first.Round(time.Millisecond), second.Round(time.Millisecond))
	shown := 0
	for _, b := range bidders {
		for _, f := range b.failures {
			if shown++; shown <= 5 {
				fmt.Printf("  refused: %s\n", f)
			}
		}
	}
	if lost+wrong+dups+afterDeadline+failed > 0 {
		return ErrLoss
	}
	return nil
}

// periods are cmd/hearth's periodic tasks of a minute or more (see cmd/hearth/jobs.go),
// whose runs are counted per due time; the 5 and 15 s sweeps are also kicked on demand.
var periods = map[string]time.Duration{
	"delete_expired_sessions": 5 * time.Minute, "delete_expired_idempotency_keys": time.Hour,
	"stale_vacancy_reminders": time.Hour, "return_interview_reminders": time.Hour, "daily_secure_report": time.Minute,
	"secure_referral_reminders": time.Hour, "refresh_time_to_place": 15 * time.Minute, "refresh_sufficiency": 10 * time.Minute,
	"refresh_quality": 15 * time.Minute, "refresh_market": 15 * time.Minute,
}

// jobsOnce counts the periodic task runs River recorded and the due times (task and
// period) that ran more than once: scenario 6, checked over every other scenario's life.
func jobsOnce(ctx context.Context, db *migrations.DB) (runs, twice int, err error) {
	for task, every := range periods {
		var n, extra int
		err := db.Pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(c - 1), 0) FROM (
            SELECT count(*) AS c FROM river_job WHERE kind = 'hearth_task' AND args->>'task' = $1
             GROUP BY date_bin($2::interval, created_at, timestamptz '2000-01-01')) t`, task, fmt.Sprintf("%d seconds", int(every.Seconds()))).Scan(&n, &extra)
		if err != nil {
			return 0, 0, fmt.Errorf("jobs of %s: %w", task, err)
		}
		runs, twice = runs+n, twice+extra
	}
	return runs, twice, nil
}

// sample is one request: when it was sent and how long it took.
type sample struct {
	at   time.Time
	took time.Duration
}

// samples are the bidders' PUTs (each with its retries).
func samples(bidders []*bidder) []sample {
	var out []sample
	for _, b := range bidders {
		for i, t := range b.sent {
			out = append(out, sample{t, b.took[i]})
		}
	}
	return out
}

// latencyHalves is the p95 of the requests sent in the first and in the second half of
// the time they span.
func latencyHalves(ss []sample) (time.Duration, time.Duration) {
	var from, to time.Time
	for _, s := range ss {
		if from.IsZero() || s.at.Before(from) {
			from = s.at
		}
		if s.at.After(to) {
			to = s.at
		}
	}
	mid := from.Add(to.Sub(from) / 2)
	var a, z []time.Duration
	for _, s := range ss {
		if s.at.Before(mid) {
			a = append(a, s.took)
		} else {
			z = append(z, s.took)
		}
	}
	return quantile(a, 0.95), quantile(z, 0.95)
}

// quantile is the q-quantile (0 < q < 1, nearest rank) of ds, which it sorts.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(float64(len(ds))*q))]
}

// ready says whether url/readyz answers 200 within a second.
func ready(url string) bool {
	c := &http.Client{Timeout: time.Second}
	res, err := c.Get(url + "/readyz")
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}
