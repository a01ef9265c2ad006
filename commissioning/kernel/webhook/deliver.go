package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// Delivery is one event to send to one endpoint, and how that has gone.
type Delivery struct {
	ID          int64 `gorm:"primaryKey"`
	EventID     string
	EndpointID  int64
	Status      string
	Attempts    int
	LastError   string
	Replay      bool // sent again from the log
	DeliveredAt *time.Time
	// ClaimedUntil is when a worker's claim on the delivery for one attempt lapses.
	ClaimedUntil *time.Time
	CreatedAt    time.Time
}

// TableName is the webhook_deliveries table.
func (Delivery) TableName() string { return "webhook_deliveries" }

// Delivered reports whether the endpoint accepted the delivery.
func (d Delivery) Delivered() bool { return d.Status == DeliveryDelivered }

// Failed reports whether Hearth gave up on the delivery (it can be sent again).
func (d Delivery) Failed() bool { return d.Status == DeliveryFailed }

// Pending reports whether Hearth is still trying the delivery.
func (d Delivery) Pending() bool { return d.Status == DeliveryPending }

// Attempt is one HTTP attempt at a delivery: the delivery log's line.
type Attempt struct {
	ID             int64 `gorm:"primaryKey"`
	DeliveryID     int64
	AttemptedAt    time.Time
	ResponseStatus *int
	LatencyMS      int `gorm:"column:latency_ms"`
	Error          string
	Excerpt        string
	Replay         bool
}

// TableName is the webhook_attempts table.
func (Attempt) TableName() string { return "webhook_attempts" }

// OK reports whether the endpoint accepted the delivery (a 2xx answer).
func (a Attempt) OK() bool { return a.ResponseStatus != nil && *a.ResponseStatus/100 == 2 }

// ErrRetry is wrapped by Deliver's error when the attempt failed and the delivery
// should be tried again later (the queue's backoff decides when).
var ErrRetry = errors.New("webhook delivery failed; will retry")

// msgInvalidStatus is the error of an attempt answered with a status outside 100–599.
const msgInvalidStatus = "invalid HTTP status"

// MaxAttempts is how often a delivery is tried (the queue's attempts), and MaxAge how
// long it may stay pending (since it was made, or sent again from the log): the sweep
// marks a delivery pending for longer as failed.
const (
	MaxAttempts = 15
	MaxAge      = 72 * time.Hour
)

// excerptLen bounds the answer's excerpt kept in the log.
const excerptLen = 200

// claim is a delivery claimed for one attempt: what to send, where, signed how.
type claim struct {
	d       Delivery
	e       Endpoint
	body    []byte
	typ     string
	secrets []string
	until   time.Time
}

// Deliver sends delivery id once, unless it is no longer pending (sent already, or
// given up) or another worker holds its claim. It claims the delivery in a short
// transaction (claimed_until, a lease of twice the timeout), makes the HTTP call
// outside any transaction, and records the attempt in a second one: no row is locked
// during the call. A claim whose worker crashed lapses, and the delivery is tried again
// (at least once). Each attempt is logged. A 2xx answer delivers; 410 Gone disables the
// endpoint; any other failure returns an error wrapping ErrRetry, unless final is set
// (the queue's last attempt), when the delivery is marked failed. An endpoint failing
// for longer than Options.FailingFor is disabled.
func (s *Service) Deliver(ctx context.Context, id int64, final bool) error {
	if s.key == nil {
		return ErrNotConfigured
	}
	c, err := s.claim(ctx, id)
	if err != nil || c == nil {
		return err
	}
	now := s.Now()
	a := s.post(ctx, c.e.URL, c.body, Sign(c.body, now, c.secrets...), c.d, c.typ)
	a.DeliveryID, a.AttemptedAt, a.Replay = c.d.ID, now, c.d.Replay
	return s.record(context.WithoutCancel(ctx), c, a, final)
}

// claim takes delivery id for one attempt, in a transaction of its own; nil when there
// is nothing to send (not pending, claimed by another worker, or its endpoint disabled).
func (s *Service) claim(ctx context.Context, id int64) (*claim, error) {
	var c *claim
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := s.Now()
		var d Delivery
		err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
			Where("id = ? AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?)", id, now).First(&d).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil // delivered, failed, or another worker holds it
		}
		if err != nil {
			return err
		}
		var e Endpoint
		if err := tx.First(&e, d.EndpointID).Error; err != nil {
			return err
		}
		if !e.Enabled() {
			return tx.Model(&d).Updates(map[string]any{"status": DeliveryFailed, "replay": false, "claimed_until": nil,
				"last_error": "Not sent: the endpoint is disabled"}).Error
		}
		cl := claim{d: d, e: e, until: now.Add(2*s.opts.Timeout + 30*time.Second).Truncate(time.Microsecond)}
		if err := tx.Raw("SELECT payload, type FROM webhook_events WHERE id = ?", d.EventID).Row().Scan(&cl.body, &cl.typ); err != nil {
			return fmt.Errorf("webhook event %s: %w", d.EventID, err)
		}
		if cl.secrets, err = s.liveSecrets(tx, e.ID, now); err != nil {
			return err
		}
		if err := tx.Model(&d).Update("claimed_until", cl.until).Error; err != nil {
			return err
		}
		c = &cl
		return nil
	})
	return c, err
}

// record logs attempt a of claimed delivery c and settles the delivery, in a
// transaction of its own. If the claim lapsed and another worker took the delivery,
// the attempt is logged and the delivery left to that worker.
func (s *Service) record(ctx context.Context, c *claim, a Attempt, final bool) error {
	var retry error
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("ID").Create(&a).Error; err != nil {
			return err
		}
		var d Delivery
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND status = 'pending' AND claimed_until = ?", c.d.ID, c.until).First(&d).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return tx.Exec("UPDATE webhook_deliveries SET attempts = attempts + 1 WHERE id = ?", c.d.ID).Error
		}
		if err != nil {
			return err
		}
		now, e := a.AttemptedAt, c.e
		upd := map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_error": a.summary(), "claimed_until": nil}
		switch {
		case a.OK():
			upd["status"], upd["delivered_at"], upd["last_error"], upd["replay"] = DeliveryDelivered, now, "", false
			if err := tx.Exec("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ?", e.ID).Error; err != nil {
				return err
			}
		case a.ResponseStatus != nil && *a.ResponseStatus == http.StatusGone:
			upd["status"] = DeliveryFailed
			if err := disable(ctx, tx, e.ID, "The endpoint answered 410 Gone", now); err != nil {
				return err
			}
		default:
			var since time.Time
			if err := tx.Raw("UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, ?) WHERE id = ? RETURNING failing_since", now, e.ID).
				Row().Scan(&since); err != nil {
				return err
			}
			if now.Sub(since) >= s.opts.FailingFor {
				upd["status"] = DeliveryFailed
				if err := disable(ctx, tx, e.ID, fmt.Sprintf("Every delivery failed for %d days", int(s.opts.FailingFor.Hours()/24)), now); err != nil {
					return err
				}
			} else if final {
				upd["status"] = DeliveryFailed
			} else {
				retry = fmt.Errorf("delivery %d to endpoint %d: %s: %w", d.ID, e.ID, a.summary(), ErrRetry)
			}
		}
		if upd["status"] == DeliveryFailed {
			upd["replay"] = false
		}
		return tx.Model(&d).Updates(upd).Error
	})
	if err != nil {
		return err
	}
	return retry
}

// post makes one attempt and returns its log line (all but the ids and time).
func (s *Service) post(ctx context.Context, endpoint string, body []byte, signature string, d Delivery, typ string) Attempt {
	var a Attempt
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		a.Error = "The endpoint's address cannot be used"
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Hearth-Webhooks/1")
	req.Header.Set(SignatureHeader, signature)
	req.Header.Set("Hearth-Event-Id", d.EventID)
	req.Header.Set("Hearth-Event-Type", typ)
	req.Header.Set("Hearth-Delivery-Id", fmt.Sprint(d.ID))
	start := time.Now()
	resp, err := s.http.Do(req)
	a.LatencyMS = int(time.Since(start).Milliseconds())
	if err != nil {
		a.Error = describe(err)
		return a
	}
	defer resp.Body.Close()
	code := resp.StatusCode
	if code < 100 || code > 599 {
		// Not an HTTP status the log can hold (nor a success): a failed attempt.
		a.Error = msgInvalidStatus
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return a
	}
	a.ResponseStatus = &code
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	a.Excerpt = Sanitise(string(head), excerptLen)
	return a
}

// summary is the attempt's outcome in a few words, for the delivery's last error.
func (a Attempt) summary() string {
	switch {
	case a.Error != "":
		return a.Error
	case a.ResponseStatus != nil:
		return fmt.Sprintf("HTTP %d %s", *a.ResponseStatus, http.StatusText(*a.ResponseStatus))
	}
	return ""
}

// describe turns a transport error into words without the address (which may carry a
// token in its query) or anything the remote end chose.
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case errors.Is(err, ErrPrivateTarget):
		return "Not sent: the address resolves to a private or loopback network address"
	case errors.Is(err, ErrTargetPort):
		return "Not sent: the address's port is not 443 or 8443"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout"):
		return "No answer in time"
	case strings.Contains(err.Error(), "connection refused"):
		return "Connection refused"
	case strings.Contains(err.Error(), "no such host"):
		return "The host name does not resolve"
	case strings.Contains(err.Error(), "tls") || strings.Contains(err.Error(), "x509") || strings.Contains(err.Error(), "certificate"):
		return "TLS failed: " + Sanitise(err.Error(), 200)
	}
	return Sanitise(err.Error(), 200)
}

// Sanitise keeps at most n characters of s's printable text, with runs of spaces and
// control characters made one space: an excerpt safe to store and show.
func Sanitise(s string, n int) string {
	var b strings.Builder
	space := false
	count := 0
	for _, r := range s {
		if count >= n {
			break
		}
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) || unicode.IsSpace(r) {
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
				count++
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
		count++
	}
	return strings.TrimSpace(b.String())
}

// DeliveryRow is a line of an endpoint's delivery log.
type DeliveryRow struct {
	Delivery
	EventType string
	Log       []Attempt `gorm:"-"`
}

// Deliveries is one page of the delivery log of org's endpoint, newest first, each
// with its attempts.
func (s *Service) Deliveries(ctx context.Context, org, endpointID int64, page kernel.Page) ([]DeliveryRow, int64, error) {
	if _, err := s.Endpoint(ctx, org, endpointID); err != nil {
		return nil, 0, err
	}
	q := s.db.WithContext(ctx).Table("webhook_deliveries d").Joins("JOIN webhook_events e ON e.id = d.event_id").Where("d.endpoint_id = ?", endpointID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []DeliveryRow
	if err := q.Select("d.*, e.type AS event_type").Order("d.id DESC").Scopes(page.Scope).Scan(&rows).Error; err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var log []Attempt
	if err := s.db.WithContext(ctx).Where("delivery_id IN ?", ids).Order("attempted_at, id").Find(&log).Error; err != nil {
		return nil, 0, err
	}
	at := map[int64]int{}
	for i, r := range rows {
		at[r.ID] = i
	}
	for _, a := range log {
		rows[at[a.DeliveryID]].Log = append(rows[at[a.DeliveryID]].Log, a)
	}
	return rows, total, nil
}

// Replay sends a logged delivery of org's endpoint again, as a new attempt of the same
// event (same id, so a receiver that has it can drop it). Returns ErrEndpointDisabled
// or ErrDeliveryPending.
func (s *Service) Replay(ctx context.Context, org, endpointID, deliveryID int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := lock(ctx, tx, org, endpointID)
		if err != nil {
			return err
		}
		var d Delivery
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND endpoint_id = ?", deliveryID, e.ID).First(&d).Error; err != nil {
			return notFound("webhook delivery", deliveryID, err)
		}
		switch {
		case !e.Enabled():
			return ErrEndpointDisabled
		case d.Pending():
			return ErrDeliveryPending
		}
		if err := tx.Model(&d).Updates(map[string]any{"status": DeliveryPending, "delivered_at": nil, "replay": true, "claimed_until": nil,
			"pending_since": s.Now()}).Error; err != nil {
			return err
		}
		if s.queue != nil {
			if err := s.queue.EnqueueWebhook(ctx, tx, d.ID); err != nil {
				return err
			}
		}
		return audit.New(tx).Record(ctx, "webhook.replay", "webhook_endpoint", fmt.Sprint(e.ID), map[string]any{"delivery_id": d.ID, "event_id": d.EventID})
	})
}

// PendingIDs are up to limit deliveries waiting to be sent, oldest first, for the
// queue's sweep (a job lost, or none enqueued): those pending for less than MaxAge and
// not claimed by a worker.
func (s *Service) PendingIDs(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Raw("SELECT id FROM webhook_deliveries WHERE status = 'pending' AND pending_since > ? AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY id LIMIT ?",
		s.Now().Add(-MaxAge), s.Now(), limit).Scan(&ids).Error
	return ids, err
}

// msgGaveUp is the last error of a delivery the sweep gave up on.
const msgGaveUp = "Gave up: not delivered within 72 hours"

// GiveUp marks as failed every delivery pending for MaxAge or longer and not claimed
// by a worker (its jobs are spent or lost), so the log shows it failed and it can be
// sent again; it returns how many.
func (s *Service) GiveUp(ctx context.Context) (int64, error) {
	now := s.Now()
	res := s.db.WithContext(ctx).Exec(`UPDATE webhook_deliveries SET status = 'failed', replay = false, last_error = ?
		WHERE status = 'pending' AND pending_since <= ? AND (claimed_until IS NULL OR claimed_until <= ?)`, msgGaveUp, now.Add(-MaxAge), now)
	if res.Error != nil {
		return 0, fmt.Errorf("give up stale webhook deliveries: %w", res.Error)
	}
	return res.RowsAffected, nil
}
