package jobs_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestWebhookRetriedWithBackoffUntilDelivered: a real local receiver answers 500, then
// 200. The delivery's job fails, River retries it after its backoff, and the second
// attempt delivers; the receiver sees exactly two requests, both correctly signed.
func TestWebhookRetriedWithBackoffUntilDelivered(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	var (
		mu    sync.Mutex
		times []time.Time
	)
	secretCh := make(chan string, 1)
	var secret string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if secret == "" {
			secret = <-secretCh
		}
		if err := webhook.Verify(body, r.Header.Get(webhook.SignatureHeader), secret, time.Minute); err != nil {
			t.Errorf("attempt %d: %v", len(times)+1, err)
		}
		times = append(times, time.Now())
		if len(times) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer rcv.Close()

	raw, _ := seal.Random()
	key, _ := seal.NewKey(raw)
	q := newQueue(t, db, "hooks")
	svc := webhook.New(db.Gorm, key, webhook.Options{AllowLoopback: true}).WithEnqueuer(q)
	if err := q.DeliverWebhooks(svc, time.Hour); err != nil {
		t.Fatal(err)
	}
	var org int64
	if err := db.Gorm.Raw("INSERT INTO organisations (kind, name) VALUES ('provider', 'Receiver Ltd') RETURNING id").Scan(&org).Error; err != nil {
		t.Fatal(err)
	}
	_, s, err := svc.Create(ctx, org, 0, webhook.EndpointInput{URL: rcv.URL, EventTypes: []string{string(webhook.PlacementStarted)}})
	if err != nil {
		t.Fatal(err)
	}
	secretCh <- s
	if err := db.Gorm.Transaction(func(tx *gorm.DB) error {
		return webhook.NewPublisher(q).Publish(ctx, tx, webhook.PlacementStarted, time.Now(), webhook.Recipient{OrgID: org, Data: map[string]int{"placement_id": 1}})
	}); err != nil {
		t.Fatal(err)
	}
	start(t, q)
	waitFor(t, 45*time.Second, "the delivery", func() bool {
		var status string
		db.Gorm.Raw("SELECT status FROM webhook_deliveries").Scan(&status)
		return status == webhook.DeliveryDelivered
	})
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
		t.Fatalf("retried after %v: want River's backoff (about a second after the first failure)", gap)
	}
	var attempts int
	db.Gorm.Raw("SELECT attempt FROM river_job WHERE kind = 'hearth_webhook'").Scan(&attempts)
	if attempts != 2 {
		t.Fatalf("River job attempts %d, want 2", attempts)
	}
}
