package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hearth-placements/hearth/frontend"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// The soak's traffic through HAProxy, in requests a second: a fixed rate whatever the
// answers' speed (bids are paced per provider; the rest is an open loop).
const (
	soakBids   = 20 // PUT /api/v1/invitations/:id/bid, each provider in turn
	soakReads  = 10 // GET /api/v1/vacancies, a commissioner's API token
	soakPages  = 4  // GET /board and GET /requests, a signed-in commissioner's pages
	soakWrites = 1  // PUT /api/v1/homes/:id/vacancies, a provider's token: the board changes
	// soakP95Floor is the p95 below which the second half is stable whatever the
	// first half's was: on a shared two-core machine a few milliseconds' p95 can
	// double from noise alone.
	soakP95Floor = 250 * time.Millisecond
)

// soak is scenario 7: ch.soakFor (CHAOS_SOAK_SECONDS, 600 s) of mixed traffic at a
// fixed rate through HAProxy with no fault. It must have 0 errors (no failed request,
// no retried bid, nothing lost), a stable p95 (the second half's at most 1.5 times the
// first half's, or under soakP95Floor), and each replica's memory within ±10% from
// halfway to the end.
func (ch *chaos) soak(ctx context.Context) error {
	r, d := ch.r, ch.soakFor
	fmt.Printf("== 7. Soak: %s of mixed traffic at a fixed rate with no fault: %d bids, %d API reads, %d pages and %d vacancy change a second\n",
		d, soakBids, soakReads, soakPages, soakWrites)
	t := &traffic{took: map[string][]sample{}, errors: map[string]int{}}
	var half []int
	bidders, err := ch.bidStormBidders(ctx, stormLoad{
		window: d,
		pace:   time.Duration(ch.providers) * time.Second / soakBids,
		fault: func(context.Context) (string, error) {
			var err error
			half, err = r.ReplicaRSS()
			return fmt.Sprintf("no fault; replicas' memory at halfway %v kB", half), err
		},
		prepare: func(ctx context.Context, deps frontend.Deps, s stormSetup) (func(context.Context, time.Time), error) {
			return t.prepare(ctx, deps, s, r.ProxyURL())
		},
	})
	if err != nil {
		return err
	}
	end, err := r.ReplicaRSS()
	if err != nil {
		return err
	}
	retries := 0
	for _, b := range bidders {
		retries += b.retries
	}
	all := samples(bidders)
	fmt.Printf("  %-32s %7s %8s %8s %8s\n", "request", "count", "errors", "p50", "p95")
	fmt.Printf("  %-32s %7d %8d %8s %8s\n", "PUT bid", len(all), retries, p(all, 0.5), p(all, 0.95))
	for _, kind := range slices.Sorted(maps.Keys(t.took)) {
		ss := t.took[kind]
		all = append(all, ss...)
		fmt.Printf("  %-32s %7d %8d %8s %8s\n", kind, len(ss), t.errors[kind], p(ss, 0.5), p(ss, 0.95))
	}
	first, second := latencyHalves(all)
	fmt.Printf("  all %d requests: p95 first half %s, second half %s (stable: at most 1.5× the first or under %s)\n", len(all),
		first.Round(time.Millisecond), second.Round(time.Millisecond), soakP95Floor)
	for _, e := range t.firsts {
		fmt.Printf("  error: %s\n", e)
	}
	fmt.Printf("  replicas' memory at the end %v kB\n", end)
	var faults []string
	if n := t.errorCount() + retries; n > 0 {
		faults = append(faults, fmt.Sprintf("%d errors (%d bids retried)", n, retries))
	}
	if second > soakP95Floor && float64(second) > 1.5*float64(first) {
		faults = append(faults, fmt.Sprintf("p95 rose from %s to %s", first.Round(time.Millisecond), second.Round(time.Millisecond)))
	}
	for i := range end {
		if change := float64(end[i]-half[i]) / float64(half[i]); change > 0.10 || change < -0.10 {
			faults = append(faults, fmt.Sprintf("replica %d's memory moved %.0f%% from halfway to the end", i, change*100))
		}
	}
	if len(faults) > 0 {
		return fmt.Errorf("%w: %s", ErrLoss, strings.Join(faults, "; "))
	}
	return nil
}

// p is the q-quantile of ss's latencies, rounded for printing.
func p(ss []sample, q float64) time.Duration {
	ds := make([]time.Duration, len(ss))
	for i, s := range ss {
		ds[i] = s.took
	}
	return quantile(ds, q).Round(time.Millisecond)
}

// traffic is the soak's requests beside the bids: their latencies and errors by kind.
type traffic struct {
	mu     sync.Mutex
	took   map[string][]sample
	errors map[string]int
	firsts []string // the first few errors
}

// prepare makes a commissioner with an API token and a signed-in session, and returns
// the traffic to run until end.
func (t *traffic) prepare(ctx context.Context, d frontend.Deps, s stormSetup, base string) (func(context.Context, time.Time), error) {
	users, err := commissioners(ctx, d, s.council, "soak", 1)
	if err != nil {
		return nil, err
	}
	token, _, err := d.Users.CreateAPIToken(ctx, users[0], auth.NewAPIToken{Name: "soak", Operator: true})
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	browser, err := signIn(ctx, tr, base, users[0].Email)
	if err != nil {
		return nil, err
	}
	browser.Timeout = 15 * time.Second
	api := &http.Client{Transport: tr, Timeout: 15 * time.Second}
	home, provider := s.bidders[0].HomeID, s.bidders[0].Token
	return func(ctx context.Context, end time.Time) {
		var wg sync.WaitGroup
		run := func(perSec int, do func(i int)) {
			wg.Add(1)
			go func() { defer wg.Done(); paced(end, perSec, do) }()
		}
		run(soakReads, func(int) {
			t.do(api, "GET /api/v1/vacancies", http.MethodGet, base+"/api/v1/vacancies?near=M14&within=50&sort=distance&per_page=50", token, "")
		})
		run(soakPages, func(i int) {
			if i%2 == 0 {
				t.do(browser, "GET /board (page)", http.MethodGet, base+"/board?near=M14&within=50", "", "")
			} else {
				t.do(browser, "GET /requests (page)", http.MethodGet, base+"/requests", "", "")
			}
		})
		run(soakWrites, func(i int) {
			t.do(api, "PUT /api/v1/homes/:id/vacancies", http.MethodPut, fmt.Sprintf("%s/api/v1/homes/%d/vacancies", base, home), provider, fmt.Sprintf(`{"beds_free": %d}`, 1+i%2)) // never 0: the home keeps bidding
		})
		wg.Wait()
	}, nil
}

// do sends one request (with bearer token and JSON body, if given) and records its
// latency, or an error for anything but a 200.
func (t *traffic) do(c *http.Client, kind, method, url, token, body string) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	t0 := time.Now()
	res, err := c.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err == nil && res.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %d", res.StatusCode)
		}
	}
	took := time.Since(t0)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.took[kind] = append(t.took[kind], sample{t0, took})
	if err != nil {
		t.errors[kind]++
		if len(t.firsts) < 5 {
			t.firsts = append(t.firsts, fmt.Sprintf("%s: %v", kind, err))
		}
	}
}

func (t *traffic) errorCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, e := range t.errors {
		n += e
	}
	return n
}

// paced calls do perSec times a second until end, each call in its own goroutine (an
// open loop: a slow answer does not lower the rate), then waits for the last.
func paced(end time.Time, perSec int, do func(i int)) {
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(perSec))
	defer tick.Stop()
	for i := 0; time.Now().Before(end); i++ {
		<-tick.C
		wg.Add(1)
		go func() { defer wg.Done(); do(i) }()
	}
	wg.Wait()
}
