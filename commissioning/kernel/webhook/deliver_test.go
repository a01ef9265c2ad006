package webhook_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// queue is an Enqueuer that notes each delivery it is told of, as the job queue would.
type queue struct {
	mu  sync.Mutex
	ids []int64
}

func (q *queue) EnqueueWebhook(_ context.Context, tx *gorm.DB, id int64) error {
	if _, ok := tx.Statement.ConnPool.(*sql.Tx); !ok {
		return errors.New("told outside a transaction")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.ids = append(q.ids, id)
	return nil
}

// receiver is a real local HTTP endpoint answering each request with the next status
// of its script (the last one repeated), and keeping what it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	body      []byte
	signature string
	eventID   string
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{body: body, signature: req.Header.Get("Hearth-Signature"), eventID: req.Header.Get("Hearth-Event-Id")})
		status := r.statuses[min(len(r.got), len(r.statuses))-1]
		r.mu.Unlock()
		w.WriteHeader(status)
		fmt.Fprintf(w, "status %d\r\n\x00 thanks", status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

type world struct {
	db    *migrations.DB
	svc   *webhook.Service
	pub   *webhook.Publisher
	q     *queue
	clock *kernel.FakeClock
	orgA  int64
	orgB  int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := dbtest.Open(t)
	raw, err := seal.Random()
	must(t, err)
	key, err := seal.NewKey(raw)
	must(t, err)
	w := &world{db: db, q: &queue{}, clock: kernel.NewFakeClock(time.Now())}
	w.svc = webhook.New(db.Gorm, key, webhook.Options{AllowLoopback: true, Timeout: 2 * time.Second}).WithEnqueuer(w.q)
	w.svc.Now = w.clock.Now
	w.pub = webhook.NewPublisher(w.q)
	for _, p := range []*int64{&w.orgA, &w.orgB} {
		must(t, db.Gorm.Raw("INSERT INTO organisations (kind, name) VALUES ('provider', ?) RETURNING id", fmt.Sprintf("Provider %p", p)).Scan(p).Error)
	}
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) endpoint(t *testing.T, org int64, url string, types ...string) (webhook.Endpoint, string) {
	t.Helper()
	if len(types) == 0 {
		types = []string{string(webhook.PlacementAwarded)}
	}
	e, secret, err := w.svc.Create(context.Background(), org, 0, webhook.EndpointInput{URL: url, EventTypes: types})
	must(t, err)
	return e, secret
}

// publish tells org of a placement.awarded event in its own transaction and returns
// the deliveries made.
func (w *world) publish(t *testing.T, typ webhook.EventType, rs ...webhook.Recipient) []int64 {
	t.Helper()
	before := len(w.q.ids)
	must(t, w.db.Gorm.Transaction(func(tx *gorm.DB) error {
		return w.pub.Publish(context.Background(), tx, typ, w.clock.Now(), rs...)
	}))
	return slices.Clone(w.q.ids[before:])
}

func (w *world) delivery(t *testing.T, id int64) webhook.Delivery {
	t.Helper()
	var d webhook.Delivery
	must(t, w.db.Gorm.First(&d, id).Error)
	return d
}

// TestDeliveryRetriesAfterA500AndSendsNothingTwice: the receiver answers 500, then 200.
// The first attempt is logged and asks for a retry; the second delivers; a third run
// of the job (a duplicate) sends nothing. Both requests carry the same event id and a
// signature that verifies with the endpoint's secret.
func TestDeliveryRetriesAfterA500AndSendsNothingTwice(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rcv := newReceiver(t, 500, 200)
	e, secret := w.endpoint(t, w.orgA, rcv.URL+"/hook")
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: map[string]any{"placement_id": 7}})
	if len(ids) != 1 {
		t.Fatalf("deliveries enqueued = %v, want one", ids)
	}
	if err := w.svc.Deliver(ctx, ids[0], false); !errors.Is(err, webhook.ErrRetry) {
		t.Fatalf("first attempt: %v, want ErrRetry", err)
	}
	if d := w.delivery(t, ids[0]); d.Status != webhook.DeliveryPending || d.Attempts != 1 || d.LastError != "HTTP 500 Internal Server Error" {
		t.Fatalf("after a 500: %+v", d)
	}
	w.clock.Advance(16 * time.Second)
	must(t, w.svc.Deliver(ctx, ids[0], false))
	must(t, w.svc.Deliver(ctx, ids[0], false)) // the job run again: nothing sent
	got := rcv.requests()
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(got))
	}
	for _, r := range got {
		if err := webhook.Verify(r.body, r.signature, secret, 5*time.Minute); err != nil {
			t.Fatalf("signature: %v", err)
		}
		if r.eventID == "" || r.eventID != got[0].eventID || !strings.Contains(string(r.body), `"id":"`+r.eventID+`"`) {
			t.Fatalf("event id %q not the same in header and body across retries: %s", r.eventID, r.body)
		}
	}
	d := w.delivery(t, ids[0])
	if d.Status != webhook.DeliveryDelivered || d.Attempts != 2 || d.DeliveredAt == nil {
		t.Fatalf("after a 200: %+v", d)
	}
	rows, total, err := w.svc.Deliveries(ctx, w.orgA, e.ID, kernel.Page{Limit: 10})
	must(t, err)
	if total != 1 || len(rows[0].Log) != 2 {
		t.Fatalf("log: %d deliveries, %+v", total, rows)
	}
	first, second := rows[0].Log[0], rows[0].Log[1]
	if *first.ResponseStatus != 500 || first.OK() || *second.ResponseStatus != 200 || !second.OK() || rows[0].EventType != "placement.awarded" {
		t.Fatalf("log lines: %+v %+v", first, second)
	}
	if first.Excerpt != "status 500 thanks" {
		t.Fatalf("excerpt %q: want the answer's text, sanitised", first.Excerpt)
	}
}

// TestLastAttemptMarksTheDeliveryFailed: on the queue's final attempt a failure is final.
func TestLastAttemptMarksTheDeliveryFailed(t *testing.T) {
	w := newWorld(t)
	rcv := newReceiver(t, 503)
	w.endpoint(t, w.orgA, rcv.URL)
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})
	must(t, w.svc.Deliver(context.Background(), ids[0], true))
	if d := w.delivery(t, ids[0]); d.Status != webhook.DeliveryFailed {
		t.Fatalf("status %s, want failed", d.Status)
	}
}

// TestRotationSignsWithBothSecretsDuringTheOverlap: after a rotation each delivery
// carries one v1 per live secret, so receivers still holding the old secret verify;
// after the overlap (24 hours) only the new secret signs.
func TestRotationSignsWithBothSecretsDuringTheOverlap(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rcv := newReceiver(t, 200)
	e, old := w.endpoint(t, w.orgA, rcv.URL)
	e, fresh, err := w.svc.Rotate(ctx, w.orgA, e.ID)
	must(t, err)
	if fresh == old || len(e.Secrets) != 2 || e.Secrets[1].ExpiresAt == nil || e.Secrets[1].ExpiresAt.Sub(w.clock.Now().Add(24*time.Hour)).Abs() > time.Millisecond {
		t.Fatalf("after rotation: %+v", e.Secrets)
	}
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})
	must(t, w.svc.Deliver(ctx, ids[0], false))
	got := rcv.requests()[0]
	for _, s := range []string{old, fresh} {
		if err := webhook.Verify(got.body, got.signature, s, 0); err != nil {
			t.Fatalf("during the overlap, secret %s…: %v", s[:8], err)
		}
	}
	w.clock.Advance(24*time.Hour + time.Second)
	ids = w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 2})
	must(t, w.svc.Deliver(ctx, ids[0], false))
	got = rcv.requests()[1]
	if err := webhook.Verify(got.body, got.signature, fresh, 0); err != nil {
		t.Fatalf("new secret after the overlap: %v", err)
	}
	if err := webhook.Verify(got.body, got.signature, old, 0); !errors.Is(err, webhook.ErrNoValidSignature) {
		t.Fatalf("old secret after the overlap: %v, want ErrNoValidSignature", err)
	}
	if e, _ = w.svc.Endpoint(ctx, w.orgA, e.ID); len(e.Secrets) != 1 {
		t.Fatalf("live secrets after the overlap: %d, want 1", len(e.Secrets))
	}
}

// TestSecretsAreSealedAtRest: the database holds no usable secret: not the secret's
// text, and another key cannot open it.
func TestSecretsAreSealedAtRest(t *testing.T) {
	w := newWorld(t)
	_, secret := w.endpoint(t, w.orgA, "https://case-system.example.org/hook")
	var rows []struct {
		Sealed []byte
		Hint   string
	}
	must(t, w.db.Gorm.Raw("SELECT sealed, hint FROM webhook_secrets").Scan(&rows).Error)
	if len(rows) != 1 || strings.Contains(string(rows[0].Sealed), secret[6:]) || strings.Contains(rows[0].Hint, secret[10:]) {
		t.Fatalf("secret stored in the clear: %+v", rows)
	}
	var dump string
	must(t, w.db.Gorm.Raw("SELECT string_agg(t::text, '') FROM webhook_endpoints t").Scan(&dump).Error)
	if strings.Contains(dump, secret) {
		t.Fatal("secret in the endpoints table")
	}
}

// TestGoneDisablesTheEndpoint: an endpoint that answers 410 is disabled at once.
func TestGoneDisablesTheEndpoint(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rcv := newReceiver(t, 410)
	e, _ := w.endpoint(t, w.orgA, rcv.URL)
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})
	must(t, w.svc.Deliver(ctx, ids[0], false))
	e, err := w.svc.Endpoint(ctx, w.orgA, e.ID)
	must(t, err)
	if e.Enabled() || e.DisabledReason != "The endpoint answered 410 Gone" || w.delivery(t, ids[0]).Status != webhook.DeliveryFailed {
		t.Fatalf("after 410: %+v", e)
	}
	if ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 2}); len(ids) != 0 {
		t.Fatalf("a disabled endpoint got deliveries %v", ids)
	}
}

// TestEndpointFailingForDaysIsDisabled: every delivery failing for three days disables it.
func TestEndpointFailingForDaysIsDisabled(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rcv := newReceiver(t, 500)
	e, _ := w.endpoint(t, w.orgA, rcv.URL)
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})
	if err := w.svc.Deliver(ctx, ids[0], false); !errors.Is(err, webhook.ErrRetry) {
		t.Fatal(err)
	}
	w.clock.Advance(72 * time.Hour)
	must(t, w.svc.Deliver(ctx, ids[0], false))
	if e, _ = w.svc.Endpoint(ctx, w.orgA, e.ID); e.Enabled() || !strings.Contains(e.DisabledReason, "3 days") {
		t.Fatalf("after three days of failures: %+v", e)
	}
}

// TestDisableStopsDeliveries: a disabled endpoint is sent nothing, not even what was
// waiting; enabling it again receives new events.
func TestDisableStopsDeliveries(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rcv := newReceiver(t, 200)
	e, _ := w.endpoint(t, w.orgA, rcv.URL)
	waiting := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})
	e, err := w.svc.Disable(ctx, w.orgA, e.ID, "Disabled by Ann")
	must(t, err)
	if e.Enabled() {
		t.Fatal("still enabled")
	}
	must(t, w.svc.Deliver(ctx, waiting[0], false))
	if len(rcv.requests()) != 0 || w.delivery(t, waiting[0]).Status != webhook.DeliveryFailed {
		t.Fatal("a disabled endpoint was sent a waiting delivery")
	}
	if err := w.svc.Replay(ctx, w.orgA, e.ID, waiting[0]); !errors.Is(err, webhook.ErrEndpointDisabled) {
		t.Fatalf("replay to a disabled endpoint: %v", err)
	}
	_, err = w.svc.Enable(ctx, w.orgA, e.ID)
	must(t, err)
	if ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 2}); len(ids) != 1 {
		t.Fatalf("enabled again: deliveries %v", ids)
	}
}

// TestReplaySendsTheSameEventAgain: a delivered event replayed from the log is queued
// as a replay and sent with the same event id; the log shows both attempts.
func TestReplaySendsTheSameEventAgain(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rcv := newReceiver(t, 200)
	e, _ := w.endpoint(t, w.orgA, rcv.URL)
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})
	if err := w.svc.Replay(ctx, w.orgA, e.ID, ids[0]); !errors.Is(err, webhook.ErrDeliveryPending) {
		t.Fatalf("replay of a pending delivery: %v", err)
	}
	must(t, w.svc.Deliver(ctx, ids[0], false))
	must(t, w.svc.Replay(ctx, w.orgA, e.ID, ids[0]))
	if n := len(w.q.ids); n != 2 || w.q.ids[1] != ids[0] || !w.delivery(t, ids[0]).Replay {
		t.Fatalf("queue after replay: %v", w.q.ids)
	}
	must(t, w.svc.Deliver(ctx, ids[0], false))
	got := rcv.requests()
	if len(got) != 2 || got[0].eventID != got[1].eventID {
		t.Fatalf("replay sent %d requests, ids %v", len(got), got)
	}
	rows, _, err := w.svc.Deliveries(ctx, w.orgA, e.ID, kernel.Page{Limit: 10})
	must(t, err)
	if l := rows[0].Log; len(l) != 2 || l[0].Replay || !l[1].Replay || rows[0].Status != webhook.DeliveryDelivered {
		t.Fatalf("log after replay: %+v", rows[0])
	}
}

// TestEndpointNeverReceivesAnotherOrganisationsEvent: an event for one organisation is
// delivered only to that organisation's endpoints, and nobody else can read, change or
// replay them.
func TestEndpointNeverReceivesAnotherOrganisationsEvent(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rcvA, rcvB := newReceiver(t, 200), newReceiver(t, 200)
	eA, _ := w.endpoint(t, w.orgA, rcvA.URL)
	eB, _ := w.endpoint(t, w.orgB, rcvB.URL)
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: "for A"})
	for _, id := range ids {
		must(t, w.svc.Deliver(ctx, id, false))
	}
	if len(rcvA.requests()) != 1 || len(rcvB.requests()) != 0 {
		t.Fatalf("A got %d, B got %d; want 1 and 0", len(rcvA.requests()), len(rcvB.requests()))
	}
	if _, err := w.svc.Endpoint(ctx, w.orgB, eA.ID); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("B reads A's endpoint: %v", err)
	}
	if _, _, err := w.svc.Deliveries(ctx, w.orgB, eA.ID, kernel.Page{Limit: 10}); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("B reads A's log: %v", err)
	}
	if err := w.svc.Replay(ctx, w.orgB, eB.ID, ids[0]); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("B replays A's delivery through its own endpoint: %v", err)
	}
	if _, err := w.svc.Disable(ctx, w.orgB, eA.ID, "x"); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("B disables A's endpoint: %v", err)
	}
	if _, _, err := w.svc.Rotate(ctx, w.orgB, eA.ID); !errors.Is(err, kernel.ErrNotFound) {
		t.Fatalf("B rotates A's secret: %v", err)
	}
}

// TestFanoutMakesOneDeliveryPerEndpointUnderConcurrency: many concurrent fan-outs of
// one event make exactly one delivery, and one job, per subscribed endpoint: the
// database's unique key decides, not Go.
func TestFanoutMakesOneDeliveryPerEndpointUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.endpoint(t, w.orgA, "https://one.example.org/hook")
	w.endpoint(t, w.orgA, "https://two.example.org/hook", string(webhook.PlacementAwarded), string(webhook.PlacementEnded))
	w.endpoint(t, w.orgA, "https://three.example.org/hook", string(webhook.PlacementEnded)) // not subscribed
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})
	if len(ids) != 2 {
		t.Fatalf("deliveries %v, want 2", ids)
	}
	var eventID string
	must(t, w.db.Gorm.Raw("SELECT id FROM webhook_events").Scan(&eventID).Error)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- w.db.Gorm.Transaction(func(tx *gorm.DB) error {
				_, err := w.pub.Fanout(ctx, tx, eventID)
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	var n int64
	must(t, w.db.Gorm.Raw("SELECT count(*) FROM webhook_deliveries").Scan(&n).Error)
	if n != 2 || len(w.q.ids) != 2 {
		t.Fatalf("%d deliveries and %d jobs after concurrent fan-outs, want 2 and 2", n, len(w.q.ids))
	}
}

// TestNoEndpointNoEvent: an organisation with no subscribed endpoint has nothing stored.
func TestNoEndpointNoEvent(t *testing.T) {
	w := newWorld(t)
	w.endpoint(t, w.orgA, "https://one.example.org/hook", string(webhook.PlacementEnded))
	w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1}, webhook.Recipient{OrgID: w.orgB, Data: 1})
	var n int64
	must(t, w.db.Gorm.Raw("SELECT count(*) FROM webhook_events").Scan(&n).Error)
	if n != 0 {
		t.Fatalf("%d events stored for organisations without a subscribed endpoint", n)
	}
}

// TestEndpointInputIsChecked: the form's problems come back by field, all at once.
func TestEndpointInputIsChecked(t *testing.T) {
	w := newWorld(t)
	_, _, err := w.svc.Create(context.Background(), w.orgA, 0, webhook.EndpointInput{URL: "http://10.0.0.1/x", EventTypes: []string{"placement.exploded"}})
	var fe kernel.FieldErrors
	if !errors.As(err, &fe) || !fe.Has("url") || !fe.Has("event_types") {
		t.Fatalf("Create: %v", err)
	}
}

// TestEventTypesMatchTheDatabase: the Go list of events is the CHECK's list.
func TestEventTypesMatchTheDatabase(t *testing.T) {
	var goSide []string
	for _, o := range webhook.EventTypes {
		goSide = append(goSide, o.Code)
	}
	slices.Sort(goSide)
	if db := dbtest.CheckValues(t, dbtest.Open(t), "webhook_events", "type"); !slices.Equal(goSide, db) {
		t.Fatalf("Go %v, database %v", goSide, db)
	}
}

// TestPayloadIsBounded: an event's body over 64 KiB is refused.
func TestPayloadIsBounded(t *testing.T) {
	w := newWorld(t)
	w.endpoint(t, w.orgA, "https://one.example.org/hook")
	err := w.db.Gorm.Transaction(func(tx *gorm.DB) error {
		return w.pub.Publish(context.Background(), tx, webhook.PlacementAwarded, time.Now(), webhook.Recipient{OrgID: w.orgA, Data: strings.Repeat("x", 70<<10)})
	})
	if !errors.Is(err, webhook.ErrPayloadTooLarge) {
		t.Fatalf("Publish of 70 KiB: %v", err)
	}
}

// TestStatusOutsideHTTPsRangeIsAFailedAttempt: an endpoint answering "HTTP/1.1 999"
// gets a logged, failed attempt with no status (the log holds 100–599 only) and the
// delivery is retried, not left pending with nothing logged.
func TestStatusOutsideHTTPsRangeIsAFailedAttempt(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		conn, buf, err := rw.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 999 x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		_ = buf.Flush()
	}))
	t.Cleanup(srv.Close)
	e, _ := w.endpoint(t, w.orgA, srv.URL+"/hook")
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})
	if err := w.svc.Deliver(ctx, ids[0], false); !errors.Is(err, webhook.ErrRetry) {
		t.Fatalf("Deliver: %v, want ErrRetry", err)
	}
	if d := w.delivery(t, ids[0]); d.Status != webhook.DeliveryPending || d.Attempts != 1 || d.LastError != "invalid HTTP status" {
		t.Fatalf("after a 999: %+v", d)
	}
	rows, _, err := w.svc.Deliveries(ctx, w.orgA, e.ID, kernel.Page{Limit: 10})
	must(t, err)
	if len(rows) != 1 || len(rows[0].Log) != 1 || rows[0].Log[0].ResponseStatus != nil || rows[0].Log[0].Error != "invalid HTTP status" {
		t.Fatalf("log: %+v", rows)
	}
	must(t, w.svc.Deliver(ctx, ids[0], true))
	if d := w.delivery(t, ids[0]); d.Status != webhook.DeliveryFailed {
		t.Fatalf("final attempt: %+v, want failed", d)
	}
}

// TestSweepGivesUpOnDeliveriesPendingTooLong: a delivery pending for MaxAge is not
// swept into the queue again but marked failed (unless a worker holds it), so nothing
// stays pending for ever; a replay of an old delivery is pending afresh and is swept.
func TestSweepGivesUpOnDeliveriesPendingTooLong(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	e, _ := w.endpoint(t, w.orgA, "https://case-system.example.org/hook")
	var ids []int64
	for range 4 {
		ids = append(ids, w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})...)
	}
	old := w.clock.Now().Add(-webhook.MaxAge - time.Minute)
	must(t, w.db.Gorm.Exec("UPDATE webhook_deliveries SET created_at = ?, pending_since = ? WHERE id IN ?", old, old, ids[1:]).Error)
	must(t, w.db.Gorm.Exec("UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ?", w.clock.Now().Add(time.Minute), ids[2]).Error)
	must(t, w.db.Gorm.Exec("UPDATE webhook_deliveries SET status = 'failed', attempts = ? WHERE id = ?", webhook.MaxAttempts, ids[3]).Error)
	must(t, w.svc.Replay(ctx, w.orgA, e.ID, ids[3]))

	n, err := w.svc.GiveUp(ctx)
	must(t, err)
	got, err := w.svc.PendingIDs(ctx, 100)
	must(t, err)
	if n != 1 || !slices.Equal(got, []int64{ids[0], ids[3]}) {
		t.Fatalf("gave up on %d, swept %v; want 1 and %v", n, got, []int64{ids[0], ids[3]})
	}
	for i, want := range []string{webhook.DeliveryPending, webhook.DeliveryFailed, webhook.DeliveryPending, webhook.DeliveryPending} {
		if d := w.delivery(t, ids[i]); d.Status != want {
			t.Errorf("delivery %d: %s, want %s", i, d.Status, want)
		}
	}
	if d := w.delivery(t, ids[1]); d.LastError == "" {
		t.Errorf("the given-up delivery says nothing: %+v", d)
	}
}

// TestNoRowIsLockedDuringTheHTTPCall: while the endpoint is answering, the delivery's
// row is not locked (a NOWAIT lock succeeds) and carries a committed claim.
func TestNoRowIsLockedDuringTheHTTPCall(t *testing.T) {
	w := newWorld(t)
	var during error
	var claimed bool
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		during = w.db.Gorm.Transaction(func(tx *gorm.DB) error {
			return tx.Raw("SELECT claimed_until IS NOT NULL FROM webhook_deliveries WHERE id = ? FOR UPDATE NOWAIT", req.Header.Get("Hearth-Delivery-Id")).Row().Scan(&claimed)
		})
		rw.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	w.endpoint(t, w.orgA, srv.URL)
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})
	must(t, w.svc.Deliver(context.Background(), ids[0], false))
	if during != nil || !claimed {
		t.Fatalf("during the call: lock %v, claimed %v; want no lock held and a claim", during, claimed)
	}
	if d := w.delivery(t, ids[0]); !d.Delivered() || d.ClaimedUntil != nil || d.Attempts != 1 {
		t.Fatalf("after: %+v", d)
	}
}

// TestCrashedClaimIsRetriedAfterItsLease: a delivery claimed by a worker that never
// came back is neither sent nor swept until the claim lapses; then it is sent.
func TestCrashedClaimIsRetriedAfterItsLease(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	rcv := newReceiver(t, 200)
	w.endpoint(t, w.orgA, rcv.URL)
	ids := w.publish(t, webhook.PlacementAwarded, webhook.Recipient{OrgID: w.orgA, Data: 1})
	must(t, w.db.Gorm.Exec("UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ?", w.clock.Now().Add(time.Minute), ids[0]).Error)
	must(t, w.svc.Deliver(ctx, ids[0], false))
	swept, err := w.svc.PendingIDs(ctx, 10)
	must(t, err)
	if len(rcv.requests()) != 0 || len(swept) != 0 {
		t.Fatalf("claimed delivery: sent %d, swept %v; want neither", len(rcv.requests()), swept)
	}
	w.clock.Advance(2 * time.Minute)
	if swept, err = w.svc.PendingIDs(ctx, 10); err != nil || !slices.Equal(swept, ids) {
		t.Fatalf("after the lease: swept %v (%v), want %v", swept, err, ids)
	}
	must(t, w.svc.Deliver(ctx, ids[0], false))
	if d := w.delivery(t, ids[0]); len(rcv.requests()) != 1 || !d.Delivered() {
		t.Fatalf("after the lease: sent %d, %+v", len(rcv.requests()), d)
	}
}

// TestEndpointsAreCappedPerOrganisation: with 9 endpoints, five registrations at once
// make exactly one more; the others get a field error on the address. Another
// organisation is not affected.
func TestEndpointsAreCappedPerOrganisation(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	for i := range webhook.MaxEndpoints - 1 {
		w.endpoint(t, w.orgA, fmt.Sprintf("https://case-system.example.org/hook/%d", i))
	}
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = w.svc.Create(ctx, w.orgA, 0, webhook.EndpointInput{URL: fmt.Sprintf("https://case-system.example.org/more/%d", i),
				EventTypes: []string{string(webhook.PlacementAwarded)}})
		}()
	}
	wg.Wait()
	made := 0
	for _, err := range errs {
		var fe kernel.FieldErrors
		switch {
		case err == nil:
			made++
		case errors.As(err, &fe) && fe.Has("url") && strings.Contains(fe.Error(), "10 endpoints"):
		default:
			t.Fatalf("Create: %v, want a field error on url", err)
		}
	}
	all, err := w.svc.Endpoints(ctx, w.orgA)
	must(t, err)
	if made != 1 || len(all) != webhook.MaxEndpoints {
		t.Fatalf("made %d, organisation has %d endpoints; want 1 and %d", made, len(all), webhook.MaxEndpoints)
	}
	w.endpoint(t, w.orgB, "https://case-system.example.org/b")
}

// TestAuditKeepsNoQueryOfTheAddress: registering and changing an endpoint whose address
// carries a token in its query audits the scheme, host and path only.
func TestAuditKeepsNoQueryOfTheAddress(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	e, _ := w.endpoint(t, w.orgA, "https://case-system.example.org/hook?token=s3cret-one")
	_, err := w.svc.Update(ctx, w.orgA, e.ID, webhook.EndpointInput{URL: "https://case-system.example.org:8443/hook/v2?token=s3cret-two",
		EventTypes: []string{string(webhook.PlacementAwarded)}})
	must(t, err)
	var urls []string
	must(t, w.db.Gorm.Raw("SELECT detail->>'url' FROM audit_log WHERE action IN ('webhook.create', 'webhook.update') ORDER BY id").Scan(&urls).Error)
	want := []string{"https://case-system.example.org/hook", "https://case-system.example.org:8443/hook/v2"}
	if !slices.Equal(urls, want) {
		t.Fatalf("audited %q, want %q", urls, want)
	}
	var leaks int
	must(t, w.db.Gorm.Raw("SELECT count(*) FROM audit_log WHERE detail::text LIKE '%s3cret%'").Scan(&leaks).Error)
	if leaks != 0 {
		t.Fatalf("%d audit rows hold the token", leaks)
	}
}
