package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
)

// Errors of a single-use link (a notice's acknowledgement, a host consultation). An
// unknown token is kernel.ErrNotFound.
var (
	ErrLinkUsed    = errors.New("this link has already been used")
	ErrLinkExpired = errors.New("this link has expired")
)

// LinkValidity is how long a notice's acknowledgement link works (the database's
// default for notice_deliveries.expires_at).
const LinkValidity = 30 * 24 * time.Hour

// NewLinkToken returns a URL-safe random token (32 bytes from crypto/rand) and its
// SHA-256, which alone is stored: the token has 256 bits of entropy, so a fast hash
// suffices, and a copy of the database opens no link.
func NewLinkToken() (string, []byte, error) { return seal.NewToken("") }

// HashLinkToken is the SHA-256 of a link's token, as stored.
func HashLinkToken(tok string) []byte { return seal.HashToken(tok) }

// MailboxOf returns a council's statutory notification address, "" when it has none.
func MailboxOf(ctx context.Context, tx *gorm.DB, orgID int64) (string, error) {
	var addr []string
	if err := tx.WithContext(ctx).Raw("SELECT email::text FROM council_mailboxes WHERE council_id = ?", orgID).Scan(&addr).Error; err != nil {
		return "", fmt.Errorf("mailbox of organisation %d: %w", orgID, err)
	}
	if len(addr) == 0 {
		return "", nil
	}
	return addr[0], nil
}

// Delivery is a host notice emailed to a council's mailbox, with its acknowledgement.
type Delivery struct {
	ID             int64 `gorm:"primaryKey"`
	NoticeID       int64
	Mailbox        string
	TokenHash      []byte `json:"-"`
	SentAt         time.Time
	ExpiresAt      time.Time
	AcknowledgedAt *time.Time
	AcknowledgedIP *string `gorm:"column:acknowledged_ip"`
}

// TableName is the notice_deliveries table.
func (Delivery) TableName() string { return "notice_deliveries" }

// toMailbox emails notice noticeID (m) to the organisation's mailbox with a single-use
// acknowledgement link, and records the delivery; a council without a mailbox gets
// none (the placing council was warned before award, and sees "no mailbox").
func (n *Notifier) toMailbox(ctx context.Context, tx *gorm.DB, noticeID int64, m Message) error {
	addr, err := MailboxOf(ctx, tx, m.OrgID)
	if err != nil || addr == "" {
		return err
	}
	tok, hash, err := NewLinkToken()
	if err != nil {
		return err
	}
	d := Delivery{NoticeID: noticeID, Mailbox: addr, TokenHash: hash}
	if err := tx.WithContext(ctx).Select("NoticeID", "Mailbox", "TokenHash").Create(&d).Error; err != nil {
		return fmt.Errorf("delivery of notice %d: %w", noticeID, err)
	}
	var council string
	if err := tx.WithContext(ctx).Raw("SELECT name FROM organisations WHERE id = ?", m.OrgID).Scan(&council).Error; err != nil {
		return err
	}
	body := fmt.Sprintf("To the notification mailbox of %s,\n\n%s\n\nPlease acknowledge that %s has received this notice. You do not need a Hearth account: open this link, which shows this notice only, works once and expires in 30 days:\n\n%s/notices/ack/%s\n\nHearth",
		council, m.Body, council, n.baseURL, SecretPlaceholder)
	return n.outbox.WithTx(tx).SendWithSecretLink(ctx, Mail{To: addr, Subject: m.Subject, Body: body,
		ToOrgID: m.OrgID, ConsortiumID: m.ConsortiumID, AboutChild: true}, tok)
}

// LinkedNotice is what an acknowledgement link shows: the notice, and nothing else.
type LinkedNotice struct {
	NoticeID       int64
	Council        string // the council it was sent to
	Kind           string
	Subject        string
	Body           string
	SentAt         time.Time
	ExpiresAt      time.Time
	AcknowledgedAt *time.Time
}

// NoticeByLink returns the notice a link's token opens, without using it. Returns
// kernel.ErrNotFound for a token that opens nothing, ErrLinkUsed once it was
// acknowledged and ErrLinkExpired after it expired.
func (i *Inbox) NoticeByLink(ctx context.Context, tok string) (LinkedNotice, error) {
	var rows []struct {
		LinkedNotice
		Live bool
	}
	err := i.db.WithContext(ctx).Raw(`SELECT n.id AS notice_id, o.name AS council, n.kind, n.subject, n.body, d.sent_at, d.expires_at, d.acknowledged_at,
            d.expires_at > now() AS live
          FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id JOIN organisations o ON o.id = n.organisation_id
         WHERE d.token_hash = ?`, HashLinkToken(tok)).Scan(&rows).Error
	switch {
	case err != nil:
		return LinkedNotice{}, fmt.Errorf("notice by link: %w", err)
	case len(rows) == 0:
		return LinkedNotice{}, fmt.Errorf("notice link: %w", kernel.ErrNotFound)
	case rows[0].AcknowledgedAt != nil:
		return LinkedNotice{}, ErrLinkUsed
	case !rows[0].Live:
		return LinkedNotice{}, ErrLinkExpired
	}
	return rows[0].LinkedNotice, nil
}

// Acknowledge uses a link's token once: the notice is marked acknowledged (and read)
// from ip. The update is conditional, so of two at once exactly one succeeds; the other
// gets ErrLinkUsed. Errors as NoticeByLink.
func (i *Inbox) Acknowledge(ctx context.Context, tok, ip string) (LinkedNotice, error) {
	var n LinkedNotice
	err := i.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var ipArg any
		if ip != "" {
			ipArg = ip
		}
		var ids []int64
		if err := tx.Raw(`UPDATE notice_deliveries SET acknowledged_at = now(), acknowledged_ip = ?
             WHERE token_hash = ? AND acknowledged_at IS NULL AND expires_at > now() RETURNING notice_id`, ipArg, HashLinkToken(tok)).Scan(&ids).Error; err != nil {
			return fmt.Errorf("acknowledge notice: %w", err)
		}
		if len(ids) == 0 {
			_, err := NewInbox(tx).NoticeByLink(ctx, tok)
			if err == nil {
				err = ErrLinkUsed // acknowledged between the update and the look
			}
			return err
		}
		if err := tx.Exec("UPDATE notices SET read_at = now() WHERE id = ? AND read_at IS NULL", ids[0]).Error; err != nil {
			return err
		}
		if err := tx.Raw(`SELECT n.id AS notice_id, o.name AS council, n.kind, n.subject, n.body, d.sent_at, d.expires_at, d.acknowledged_at
              FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id JOIN organisations o ON o.id = n.organisation_id
             WHERE d.notice_id = ?`, ids[0]).Scan(&n).Error; err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "notice.acknowledge", "notice", fmt.Sprint(n.NoticeID), map[string]any{"council": n.Council, "kind": n.Kind})
	})
	return n, err
}

// NoticeDelivery is how one host notice reached the host council.
type NoticeDelivery struct {
	NoticeID       int64
	Kind           string
	Subject        string
	CreatedAt      time.Time
	Mailbox        string     // "" when the council had no mailbox
	SentAt         *time.Time // nil: not emailed (no mailbox)
	AcknowledgedAt *time.Time
}

// Status is "acknowledged", "sent" or "no_mailbox".
func (d NoticeDelivery) Status() string {
	switch {
	case d.AcknowledgedAt != nil:
		return "acknowledged"
	case d.SentAt != nil:
		return "sent"
	}
	return "no_mailbox"
}

// Acknowledged says whether the council acknowledged the notice.
func (d NoticeDelivery) Acknowledged() bool { return d.AcknowledgedAt != nil }

// Emailed says whether the notice was emailed to the council's mailbox.
func (d NoticeDelivery) Emailed() bool { return d.SentAt != nil }

// HostNoticeKinds are the notices a host council is sent about a placement into its
// area (an incident notice goes to the host council as well as the placing council).
var HostNoticeKinds = []string{"host_award", "host_start", "host_end", "incident", "host_secure"}

// Deliveries lists the host notices sent to hostID about placement placementID, oldest
// first, with how each was delivered.
func Deliveries(ctx context.Context, db *gorm.DB, placementID, hostID int64) ([]NoticeDelivery, error) {
	var out []NoticeDelivery
	err := db.WithContext(ctx).Raw(`SELECT n.id AS notice_id, n.kind, n.subject, n.created_at, coalesce(d.mailbox::text, '') AS mailbox, d.sent_at, d.acknowledged_at
          FROM notices n LEFT JOIN notice_deliveries d ON d.notice_id = n.id
         WHERE n.placement_id = ? AND n.organisation_id = ? AND n.kind IN ?
         ORDER BY n.created_at, n.id`, placementID, hostID, HostNoticeKinds).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("deliveries of placement %d: %w", placementID, err)
	}
	return out, nil
}

// ErrNoMail is returned when a link must be emailed by a Notifier without an outbox.
var ErrNoMail = errors.New("no outbox to send the link through")

// SendMailboxLink emails a single-use link to an organisation's mailbox addr inside
// tx: body holds SecretPlaceholder where the token goes (after BaseURL and a path),
// and only the Outbox's worker ever puts it back.
func (n *Notifier) SendMailboxLink(ctx context.Context, tx *gorm.DB, m Mail, tok string) error {
	if n == nil || n.outbox == nil {
		return ErrNoMail
	}
	m.AboutChild = true
	return n.outbox.WithTx(tx).SendWithSecretLink(ctx, m, tok)
}

// BaseURL is where the links in a Notifier's emails point.
func (n *Notifier) BaseURL() string {
	if n == nil {
		return ""
	}
	return n.baseURL
}
