package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearth-placements/hearth/cmd/internal/storm"
)

// The fan-out's shape: how many vacancy changes it makes, how many streams each
// commissioner opens (under the 5 a user may hold open in one process, wherever
// HAProxy sends them), and how long a change may take to reach every stream.
const (
	fanChanges     = 5
	streamsPerUser = 4
	fanTarget      = time.Second
)

// fanOutSSE is scenario 5: ch.fanOut (1,000) live board streams (GET /board/events) of
// signed-in commissioners, opened through HAProxy so that round robin spreads them over
// the 3 replicas; then fanChanges vacancy changes made through the API, each of which
// must reach every stream, with p95 ≤ 1 s from the moment the PUT was sent.
func (ch *chaos) fanOutSSE(ctx context.Context) error {
	r, n := ch.r, ch.fanOut
	fmt.Printf("== 5. Fan-out: %d live board streams through HAProxy; %d vacancy changes through the API\n", n, fanChanges)
	if err := r.Up(ctx); err != nil {
		return err
	}
	db, deps, err := r.openDeps(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	_, providers, council, err := storm.SetUp(ctx, deps, fanChanges) // a home and a token each
	if err != nil {
		return err
	}
	users, err := commissioners(ctx, deps, council, "fan", (n+streamsPerUser-1)/streamsPerUser)
	if err != nil {
		return err
	}
	db.Close()

	base := r.ProxyURL()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	t0 := time.Now()
	clients := make([]*http.Client, len(users))
	if err := inParallel(len(users), 8, func(i int) (err error) {
		clients[i], err = signIn(ctx, tr, base, users[i].Email)
		return err
	}); err != nil {
		return err
	}
	fmt.Printf("  %d commissioners signed in through the sign-in form in %s\n", len(users), time.Since(t0).Round(time.Millisecond))

	streams, err := openStreams(ctx, base, n, clients, providers)
	if err != nil {
		return err
	}
	defer streams.close()
	if spread, err := r.proxySessions(); err == nil {
		fmt.Printf("  streams open per replica (HAProxy's current sessions): %v\n", spread)
	}

	api := &http.Client{Timeout: 15 * time.Second}
	var all []time.Duration
	var missed int
	var slow []int
	for k, p := range providers {
		body := `{"beds_free": 0}` // the set-up left 1 free: a change
		req, _ := http.NewRequestWithContext(ctx, http.MethodPut, fmt.Sprintf("%s/api/v1/homes/%d/vacancies", base, p.HomeID), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+p.Token)
		req.Header.Set("Content-Type", "application/json")
		sent := time.Now()
		res, err := api.Do(req)
		if err != nil {
			return fmt.Errorf("vacancy change %d: %w", k+1, err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("vacancy change %d: %d", k+1, res.StatusCode)
		}
		answered := time.Since(sent)
		took := streams.await(k, sent, 10*time.Second)
		all = append(all, took...)
		missed += n - len(took)
		p50, p95, worst := quantile(took, 0.5), quantile(took, 0.95), quantile(took, 1)
		if p95 > fanTarget || len(took) < n {
			slow = append(slow, k+1)
		}
		fmt.Printf("  change %d (home %d): API answered in %s; reached %d of %d streams: p50 %s, p95 %s, max %s\n",
			k+1, p.HomeID, answered.Round(time.Millisecond), len(took), n, p50.Round(time.Millisecond), p95.Round(time.Millisecond), worst.Round(time.Millisecond))
		time.Sleep(500 * time.Millisecond)
	}
	fmt.Printf("  all %d deliveries: p50 %s, p95 %s, max %s; missed %d; streams dropped %d\n", len(all),
		quantile(all, 0.5).Round(time.Millisecond), quantile(all, 0.95).Round(time.Millisecond), quantile(all, 1).Round(time.Millisecond), missed, streams.dropped.Load())
	if missed > 0 || len(slow) > 0 || streams.dropped.Load() > 0 {
		return fmt.Errorf("%w: changes %v missed a stream or had p95 over %s", ErrLoss, slow, fanTarget)
	}
	return nil
}

// sseStreams are open live board streams and when each heard each vacancy change.
type sseStreams struct {
	cancel  context.CancelFunc
	homes   map[string]int   // home id → change
	heard   [][]atomic.Int64 // [change][stream]: Unix nanoseconds, 0 until heard
	count   []atomic.Int32   // [change]: streams that heard it
	dropped atomic.Int32     // streams that ended before the scenario did
	done    sync.WaitGroup
}

// openStreams opens n streams through base, streamsPerUser per signed-in client, at
// most 50 opening at a time, and returns once every one has been answered (the first
// bytes come after the replica has subscribed to changes).
func openStreams(ctx context.Context, base string, n int, clients []*http.Client, providers []storm.Bidder) (*sseStreams, error) {
	sctx, cancel := context.WithCancel(ctx)
	s := &sseStreams{cancel: cancel, homes: map[string]int{}, heard: make([][]atomic.Int64, len(providers)), count: make([]atomic.Int32, len(providers))}
	for k, p := range providers {
		s.homes[strconv.FormatInt(p.HomeID, 10)] = k
		s.heard[k] = make([]atomic.Int64, n)
	}
	t0 := time.Now()
	var opened sync.WaitGroup
	var refused atomic.Int32
	var firstRefusal atomic.Value
	sem := make(chan struct{}, 50)
	opened.Add(n)
	s.done.Add(n)
	for i := range n {
		go func() {
			defer s.done.Done()
			sem <- struct{}{}
			req, _ := http.NewRequestWithContext(sctx, http.MethodGet, base+"/board/events", nil)
			req.Header.Set("Accept", "text/event-stream")
			res, err := clients[i/streamsPerUser].Do(req)
			<-sem
			if err == nil && res.StatusCode != http.StatusOK {
				res.Body.Close()
				err = fmt.Errorf("status %d", res.StatusCode)
			}
			if err != nil {
				refused.Add(1)
				firstRefusal.CompareAndSwap(nil, err.Error())
				opened.Done()
				return
			}
			defer res.Body.Close()
			s.listen(sctx, i, res.Body, opened.Done)
		}()
	}
	all := make(chan struct{})
	go func() { opened.Wait(); close(all) }()
	select {
	case <-all:
	case <-time.After(2 * time.Minute):
		s.close()
		return nil, fmt.Errorf("%d streams not answered within 2 minutes", n)
	}
	if refused.Load() > 0 {
		s.close()
		return nil, fmt.Errorf("%w: %d of %d streams refused (first: %v)", ErrLoss, refused.Load(), n, firstRefusal.Load())
	}
	fmt.Printf("  %d streams open in %s\n", n, time.Since(t0).Round(time.Millisecond))
	return s, nil
}

// listen reads stream i's events, noting when it first hears each change; answered is
// called once, at the stream's first line or its end.
func (s *sseStreams) listen(ctx context.Context, i int, body io.Reader, answered func()) {
	var once sync.Once
	defer once.Do(answered)
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		once.Do(answered)
		if id, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			if k, ok := s.homes[id]; ok && s.heard[k][i].CompareAndSwap(0, time.Now().UnixNano()) {
				s.count[k].Add(1)
			}
		}
	}
	if ctx.Err() == nil {
		s.dropped.Add(1)
	}
}

// await waits up to d for every stream to hear change k and returns how long after
// sent each that did heard it.
func (s *sseStreams) await(k int, sent time.Time, d time.Duration) []time.Duration {
	n := len(s.heard[k])
	for deadline := time.Now().Add(d); int(s.count[k].Load()) < n && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	var out []time.Duration
	for i := range s.heard[k] {
		if at := s.heard[k][i].Load(); at != 0 {
			out = append(out, time.Unix(0, at).Sub(sent))
		}
	}
	return out
}

// close ends every stream and waits for their readers.
func (s *sseStreams) close() {
	s.cancel()
	s.done.Wait()
}

// inParallel calls f(0)…f(n-1), at most width at once, and returns the first error.
func inParallel(n, width int, f func(i int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, width)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := f(i); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return first
}

// proxySessions is each replica's current sessions in HAProxy's statistics (its CSV).
func (r *Rig) proxySessions() ([]int, error) {
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/;csv", r.StatsPort()))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	cr := csv.NewReader(res.Body)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	out := make([]int, Replicas)
	for _, row := range rows {
		if len(row) > 4 && row[0] == "replicas" && strings.HasPrefix(row[1], "hearth") {
			if i, err := strconv.Atoi(strings.TrimPrefix(row[1], "hearth")); err == nil && i < Replicas {
				out[i], _ = strconv.Atoi(row[4]) // scur
			}
		}
	}
	return out, nil
}
