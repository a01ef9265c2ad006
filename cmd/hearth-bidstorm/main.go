// Command hearth-bidstorm is a loopback load test of sealed bidding: N providers, each
// with its own API token, submit and revise bids over HTTP in the last seconds before
// a request's deadline, some arriving late. Afterwards it closes the request and checks
// that every accepted bid is present with its last accepted revision (nothing lost) and
// that nothing was accepted after the deadline by the database clock.
//
//	go run ./cmd/hearth-bidstorm [-providers 500] [-window 60s] [-data-dir DIR]
//
// It starts its own embedded PostgreSQL and Hearth server on 127.0.0.1 and talks to
// nothing else.
package main

import (
	"bytes"
	"context"
	cryptorand "crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hearth-placements/hearth/cmd/internal/storm"
	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
	"github.com/hearth-placements/hearth/commissioning/monitoring"
	"github.com/hearth-placements/hearth/commissioning/police"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/commissioning/simulate"
	"github.com/hearth-placements/hearth/frontend"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/pgembed"
)

func main() {
	providers := flag.Int("providers", 500, "number of bidding providers")
	window := flag.Duration("window", 60*time.Second, "time from the first bid to the deadline")
	dataDir := flag.String("data-dir", "", "folder for the embedded PostgreSQL (default: a temporary one)")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := run(context.Background(), *providers, *window, *dataDir); err != nil {
		// Not log.Fatalf: the log package writes through slog, which shows warnings only.
		fmt.Fprintf(os.Stderr, "bidstorm: %v\n", err)
		os.Exit(1)
	}
}

type result struct {
	provider int
	token    string
	homeID   int64
	accepted int   // accepted PUTs
	late     int   // refused with 409 as late
	other    int   // any other failure
	lastRev  int   // revision of the last accepted PUT
	lastFee  int64 // fee of the last accepted PUT
}

func run(ctx context.Context, n int, window time.Duration, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "hearth-bidstorm-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	cluster, err := pgembed.Start(ctx, pgembed.Options{Dir: dir, Ephemeral: true})
	if err != nil {
		return err
	}
	defer cluster.Stop()
	dsn, err := cluster.EnsureDatabase(ctx, "bidstorm")
	if err != nil {
		return err
	}
	db, err := migrations.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrations.Up(ctx, db.SQL); err != nil {
		return err
	}
	raw := make([]byte, 32)
	if _, err := cryptorand.Read(raw); err != nil {
		return err
	}
	hookKey, err := seal.NewKey(raw)
	if err != nil {
		return err
	}
	// The set-up's services, and the rest the web layer needs to start.
	const base0 = "http://127.0.0.1"
	deps := storm.Services(db, base0)
	deps.Secure = secure.NewService(db.Gorm).WithMail(deps.Outbox, base0)
	deps.Billing, deps.Intelligence, deps.Monitoring = billing.NewService(db.Gorm, billing.Config{}), intelligence.New(db.Gorm), monitoring.New(db.Gorm)
	deps.Police, deps.Simulations, deps.Webhooks = police.New(db.Gorm), simulate.NewRuns(db.Gorm), webhook.New(db.Gorm, hookKey, webhook.Options{})
	fmt.Printf("Setting up %d providers…\n", n)
	requestID, bidders, council, err := storm.SetUp(ctx, deps, n)
	if err != nil {
		return err
	}
	results := make([]result, len(bidders))
	for i, b := range bidders {
		results[i] = result{provider: b.Provider, token: b.Token, homeID: b.HomeID}
	}
	srv, err := frontend.New(frontend.Config{BaseURL: base0}, deps)
	if err != nil {
		return err
	}
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + l.Addr().String()
	go func() { _ = http.Serve(l, srv.Handler()) }()

	// The deadline is `window` from now by the database clock.
	var deadline time.Time
	if err := db.Pool.QueryRow(ctx, `UPDATE placement_requests SET submitted_at = now() - interval '2 hours', deadline = now() + $2::interval
        WHERE id = $1 RETURNING deadline`, requestID, fmt.Sprintf("%d milliseconds", window.Milliseconds())).Scan(&deadline); err != nil {
		return err
	}
	fmt.Printf("Request %d, deadline %s; %d providers bid and revise until 3 s after it…\n", requestID, deadline.Format(time.TimeOnly), n)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	var inflight atomic.Int64
	start := time.Now()
	end := deadline.Add(3 * time.Second)
	for i := range results {
		wg.Add(1)
		go func(r *result) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r.provider), 7))
			// First bid somewhere in the window, then revisions until after the deadline,
			// bunching towards the end as real providers do.
			at := start.Add(time.Duration(rng.Float64() * float64(window) * 0.9))
			fee := int64(400000 + rng.IntN(100000))
			for at.Before(end) {
				time.Sleep(time.Until(at))
				inflight.Add(1)
				status, body := put(client, base, requestID, r, fee)
				inflight.Add(-1)
				switch status {
				case http.StatusOK:
					r.accepted++
					r.lastRev = int(body["revision"].(float64))
					r.lastFee = fee
				case http.StatusConflict:
					r.late++
				default:
					r.other++
				}
				fee -= int64(rng.IntN(5000))
				at = time.Now().Add(time.Duration(rng.Float64() * float64(time.Until(end)+time.Second) * 0.5))
			}
		}(&results[i])
	}
	wg.Wait()
	elapsed := time.Since(start)

	closed, err := deps.Market.CloseDue(ctx)
	if err != nil {
		return err
	}
	var accepted, late, other, lost, wrong int
	for _, r := range results {
		accepted += r.accepted
		late += r.late
		other += r.other
		if r.accepted == 0 {
			continue
		}
		b, err := deps.Market.OwnBid(ctx, requestID, int64(r.provider))
		if errors.Is(err, marketplace.ErrNoBid) {
			lost++
			continue
		}
		if err != nil {
			return err
		}
		if b.Revision != r.lastRev || int64(b.WeeklyFeePence) != r.lastFee {
			wrong++
		}
	}
	var afterDeadline int
	if err := db.Pool.QueryRow(ctx, "SELECT count(*) FROM bids b JOIN placement_requests r ON r.id = b.request_id WHERE b.request_id = $1 AND b.updated_at >= r.deadline", requestID).Scan(&afterDeadline); err != nil {
		return err
	}
	resp, err := deps.Market.ResponsesFor(ctx, requestID, council)
	if err != nil {
		return err
	}
	fmt.Printf("\nBid storm: %d providers over %s (loopback HTTP, PUT /api/v1/invitations/{id}/bid)\n", n, elapsed.Round(time.Millisecond))
	fmt.Printf("  bids and revisions accepted:        %d\n", accepted)
	fmt.Printf("  refused as late (409, by DB clock):  %d\n", late)
	fmt.Printf("  other failures:                      %d\n", other)
	fmt.Printf("  request closed by the close job:     %v\n", len(closed) == 1)
	fmt.Printf("  bids present after close:            %d of %d providers with an accepted bid\n", len(resp.List), n-countZero(results))
	fmt.Printf("  lost (accepted but absent):          %d\n", lost)
	fmt.Printf("  present but not the last accepted:   %d\n", wrong)
	fmt.Printf("  accepted after the deadline:         %d\n", afterDeadline)
	if lost != 0 || wrong != 0 || afterDeadline != 0 || other != 0 {
		return fmt.Errorf("the bid storm found a problem")
	}
	return nil
}

func countZero(rs []result) int {
	z := 0
	for _, r := range rs {
		if r.accepted == 0 {
			z++
		}
	}
	return z
}

func put(c *http.Client, base string, requestID int64, r *result, fee int64) (int, map[string]any) {
	body := fmt.Sprintf(`{"home_id": %d, "earliest_start": "%s", "weekly_fee_pence": %d, "notice_days": 28}`, r.homeID, time.Now().AddDate(0, 0, 7).Format("2006-01-02"), fee)
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v1/invitations/%d/bid", base, requestID), bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+r.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}
