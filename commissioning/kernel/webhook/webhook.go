// Package webhook sends Hearth's events to the systems of the organisations that
// registered endpoints for them (a council's case-management system, a provider's
// own), signed in Stripe's scheme so that code people already know verifies them.
//
// A domain change calls Publisher.Publish in its own transaction with one Recipient
// per organisation that may hear of it, each carrying only what that organisation may
// see. Publish stores one event per recipient with a subscribed endpoint and one
// delivery per endpoint (unique per event and endpoint, so fanning out twice delivers
// once), and tells the job queue in the same transaction. Service.Deliver then sends a
// delivery, logs the attempt and leaves retries, with backoff, to the queue.
//
// Signing secrets are sealed with the configured key (package seal) and shown only
// when made; a rotated secret keeps signing beside the new one for an overlap period.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// EventType names an event an endpoint can subscribe to.
type EventType string

// The events Hearth sends.
const (
	PlacementAwarded       EventType = "placement.awarded"
	PlacementStarted       EventType = "placement.started"
	PlacementFeeChanged    EventType = "placement.fee_changed"
	PlacementEnded         EventType = "placement.ended"
	MissingEpisodeReported EventType = "missing_episode.reported"
	MissingEpisodeReturned EventType = "missing_episode.returned"
	RequestClosed          EventType = "request.closed"
	ReferralAllocated      EventType = "referral.allocated"
)

// EventTypes are the events, with what each tells, in the order pages list them.
var EventTypes = []kernel.Option{
	{Code: string(PlacementAwarded), Label: "A placement is awarded (final, after any approval)"},
	{Code: string(PlacementStarted), Label: "A child arrives: the placement starts"},
	{Code: string(PlacementFeeChanged), Label: "A placement's weekly fee changes"},
	{Code: string(PlacementEnded), Label: "A placement ends"},
	{Code: string(MissingEpisodeReported), Label: "A missing or absent episode is reported"},
	{Code: string(MissingEpisodeReturned), Label: "A child returns from a missing or absent episode"},
	{Code: string(RequestClosed), Label: "A placement request closes for bids"},
	{Code: string(ReferralAllocated), Label: "A secure welfare bed is allocated"},
}

// MaxPayload bounds an event's body, as the database does.
const MaxPayload = 64 << 10

// ErrPayloadTooLarge is returned when an event's body would exceed MaxPayload.
var ErrPayloadTooLarge = errors.New("webhook: event payload larger than 64 KiB")

// Recipient is one organisation to tell of an event and what it may see of it: Data
// is marshalled as the payload's "data"; a nil Data tells the organisation nothing.
type Recipient struct {
	OrgID int64
	Data  any
}

// Envelope is the body of every delivery.
type Envelope struct {
	// ID identifies the event for this organisation: the same in every delivery and
	// retry of it (and in the Hearth-Event-Id header), so a receiver can drop repeats.
	ID      string    `json:"id"`
	Type    EventType `json:"type"`
	Created int64     `json:"created"` // Unix seconds
	// OrganisationID is the recipient organisation, whose view Data is.
	OrganisationID int64           `json:"organisation_id"`
	Data           json.RawMessage `json:"data"`
}

// Enqueuer is told of each delivery to make, in the transaction that made it (or
// queued it again from the log), so that a job exists exactly when the delivery waits.
type Enqueuer interface {
	EnqueueWebhook(ctx context.Context, tx *gorm.DB, deliveryID int64) error
}

// Publisher writes events in the transactions of the changes they report.
type Publisher struct{ queue Enqueuer }

// NewPublisher returns a Publisher telling q of each delivery (nil: deliveries wait
// for the queue's sweep).
func NewPublisher(q Enqueuer) *Publisher { return &Publisher{queue: q} }

// Publish stores, in tx, an event of type typ for each recipient with an enabled
// endpoint subscribed to it, and a delivery for each such endpoint. Recipients with
// no such endpoint cost one query and store nothing. A nil Publisher publishes nothing.
func (p *Publisher) Publish(ctx context.Context, tx *gorm.DB, typ EventType, now time.Time, rs ...Recipient) error {
	if p == nil {
		return nil
	}
	seen := map[int64]bool{}
	for _, r := range rs {
		if r.OrgID == 0 || r.Data == nil || seen[r.OrgID] {
			continue
		}
		seen[r.OrgID] = true
		var n int64
		if err := tx.WithContext(ctx).Raw(`SELECT count(*) FROM webhook_endpoints WHERE organisation_id = ? AND status = 'enabled' AND ? = ANY (event_types)`,
			r.OrgID, string(typ)).Scan(&n).Error; err != nil {
			return fmt.Errorf("webhook %s: %w", typ, err)
		}
		if n == 0 {
			continue
		}
		id, err := newEventID()
		if err != nil {
			return err
		}
		data, err := json.Marshal(r.Data)
		if err != nil {
			return fmt.Errorf("webhook %s: %w", typ, err)
		}
		body, err := json.Marshal(Envelope{ID: id, Type: typ, Created: now.Unix(), OrganisationID: r.OrgID, Data: data})
		if err != nil {
			return fmt.Errorf("webhook %s: %w", typ, err)
		}
		if len(body) > MaxPayload {
			return ErrPayloadTooLarge
		}
		if err := tx.WithContext(ctx).Exec(`INSERT INTO webhook_events (id, organisation_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)`,
			id, r.OrgID, string(typ), body, now).Error; err != nil {
			return fmt.Errorf("webhook %s: %w", typ, err)
		}
		if _, err := p.Fanout(ctx, tx, id); err != nil {
			return err
		}
	}
	return nil
}

// Fanout makes, in tx, a delivery of event eventID to each enabled endpoint of its
// organisation subscribed to its type that has none yet, tells the queue of each, and
// returns their ids. The unique key on (event, endpoint) makes a second Fanout, even a
// concurrent one, make nothing: each endpoint gets the event once.
func (p *Publisher) Fanout(ctx context.Context, tx *gorm.DB, eventID string) ([]int64, error) {
	var ids []int64
	err := tx.WithContext(ctx).Raw(`INSERT INTO webhook_deliveries (event_id, endpoint_id)
        SELECT e.id, w.id FROM webhook_events e
        JOIN webhook_endpoints w ON w.organisation_id = e.organisation_id AND w.status = 'enabled' AND e.type = ANY (w.event_types)
        WHERE e.id = ?
        ORDER BY w.id
        ON CONFLICT (event_id, endpoint_id) DO NOTHING
        RETURNING id`, eventID).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("webhook fan-out %s: %w", eventID, err)
	}
	if p != nil && p.queue != nil {
		for _, id := range ids {
			if err := p.queue.EnqueueWebhook(ctx, tx, id); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newEventID returns "evt_" and 26 random base32 characters (128 bits).
func newEventID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook event id: %w", err)
	}
	return "evt_" + strings.ToLower(idEncoding.EncodeToString(b)), nil
}
