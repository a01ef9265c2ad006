// Package notify sends Hearth's email through an outbox table.
//
// Send stores a message in the same transaction as the change it reports, and tells
// the Outbox's Enqueuer (Hearth's job queue) in that transaction too, so that a job to
// deliver it exists exactly when the message does. A Worker delivers queued messages
// over SMTP with retries and backoff, claiming each row with FOR UPDATE SKIP LOCKED and
// marking it sent in the same transaction, so that several Hearth processes never send
// one twice; the outbox row, not the job, is the source of truth. With no SMTP server
// configured, messages are kept as "stored" for the consortium admin's outbox page.
package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// Email is one message in the outbox. Its Body never holds a usable secret: a reset or
// invitation link is kept sealed in SecretSealed only while the message is queued, and
// the body shows the link with its token hidden (see SendWithSecretLink).
type Email struct {
	ID               int64 `gorm:"primaryKey"`
	ToAddress        string
	ToOrganisationID *int64
	ConsortiumID     *int64 // whose business the message is; nil: platform-wide
	Subject          string
	Body             string
	SecretSealed     []byte `json:"-"`
	AboutChild       bool   // tells of a child's request, placement or referral
	Status           string // queued, sent, stored, failed
	Attempts         int
	LastError        string
	NextTryAt        time.Time
	CreatedAt        time.Time
	SentAt           *time.Time
}

// TableName is the emails table.
func (Email) TableName() string { return "emails" }

// SMTPConfig says where to deliver mail. An empty Addr means "store, don't send".
type SMTPConfig struct {
	Addr     string // host:port
	Username string
	Password string
	From     string
	// StartTLS requires the server to upgrade the connection to TLS before any
	// credentials or mail are sent. Turn it off only for a loopback capture server.
	StartTLS bool
	// LinkKey seals the secret part of links (password resets, invitations) while a
	// message waits in the outbox; the worker opens it when composing.
	LinkKey *LinkKey
}

// Mail is one message to send.
type Mail struct {
	To      string
	Subject string
	Body    string
	// ToOrgID is the recipient's organisation, 0 when unknown.
	ToOrgID int64
	// ConsortiumID is the consortium whose business the message is. When 0 it is the
	// recipient organisation's own (a consortium, or a member council's consortium);
	// mail to others with none given is platform-wide and shown to no consortium admin.
	ConsortiumID int64
	// AboutChild marks a message about a child's request, placement or referral, whose
	// reading in the outbox is audited as a read of the child's record.
	AboutChild bool
}

// Outbox stores messages for delivery.
type Outbox struct {
	db      *gorm.DB
	sending bool
	key     *LinkKey
	queue   Enqueuer
}

// Enqueuer is told of each message queued for delivery, in the transaction that queued
// it, so that a job to deliver it commits (or rolls back) with the message.
type Enqueuer interface {
	EnqueueMail(ctx context.Context, tx *gorm.DB, emailID int64) error
}

// WithEnqueuer returns an Outbox that tells q of every message it queues for delivery.
func (o *Outbox) WithEnqueuer(q Enqueuer) *Outbox {
	c := *o
	c.queue = q
	return &c
}

// NewOutbox returns an Outbox on db. When sending is false, messages are stored only.
func NewOutbox(db *gorm.DB, sending bool) *Outbox { return &Outbox{db: db, sending: sending} }

// WithLinkKey returns an Outbox that seals links' secrets with k, for the Worker holding
// the same key to open. Without a key an Outbox that sends refuses secret links.
func (o *Outbox) WithLinkKey(k *LinkKey) *Outbox {
	c := *o
	c.key = k
	return &c
}

// WithTx returns an Outbox writing through tx, so a message commits with its change.
func (o *Outbox) WithTx(tx *gorm.DB) *Outbox {
	c := *o
	c.db = tx
	return &c
}

// Send stores a plain-text message to one recipient.
func (o *Outbox) Send(ctx context.Context, m Mail) error {
	return o.store(ctx, m, nil)
}

// SecretPlaceholder marks where the secret goes in the body given to SendWithSecretLink.
const SecretPlaceholder = "{{secret}}"

// SecretHidden stands for the secret in the stored body, as the outbox page shows it.
const SecretHidden = "[link hidden: sent only to the recipient]"

// SendWithSecretLink stores a message whose body carries a secret (a password-reset or
// invitation token) at the last SecretPlaceholder, typically inside a link. The stored
// body shows SecretHidden there instead; the secret itself is sealed with the link key
// and only the Worker, composing the message for SMTP, puts it back. When the Outbox
// does not send, the secret is not stored at all: nobody but the recipient may ever
// read it. Returns ErrNoLinkKey when sending without a key.
func (o *Outbox) SendWithSecretLink(ctx context.Context, m Mail, secret string) error {
	i := strings.LastIndex(m.Body, SecretPlaceholder)
	if i < 0 || secret == "" {
		return fmt.Errorf("send %q: body has no %s or the secret is empty", m.Subject, SecretPlaceholder)
	}
	m.Body = m.Body[:i] + SecretHidden + m.Body[i+len(SecretPlaceholder):]
	if !o.sending {
		return o.store(ctx, m, nil)
	}
	if o.key == nil {
		return fmt.Errorf("send %q: %w", m.Subject, ErrNoLinkKey)
	}
	return o.store(ctx, m, o.key.seal(secret, m.To))
}

func (o *Outbox) store(ctx context.Context, m Mail, sealed []byte) error {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return fmt.Errorf("send %q to %q: bad address: %w", m.Subject, m.To, err)
	}
	status := "stored"
	if o.sending {
		status = "queued"
	}
	e := Email{ToAddress: m.To, Subject: m.Subject, Body: m.Body, Status: status, SecretSealed: sealed, AboutChild: m.AboutChild}
	db := o.db.WithContext(ctx)
	if m.ToOrgID != 0 {
		e.ToOrganisationID = &m.ToOrgID
	}
	if m.ConsortiumID != 0 {
		e.ConsortiumID = &m.ConsortiumID
	} else if m.ToOrgID != 0 {
		var cons *int64
		if err := db.Raw("SELECT CASE kind WHEN 'consortium' THEN id ELSE consortium_id END FROM organisations WHERE id = ?", m.ToOrgID).
			Scan(&cons).Error; err != nil {
			return fmt.Errorf("send %q: consortium of organisation %d: %w", m.Subject, m.ToOrgID, err)
		}
		e.ConsortiumID = cons
	}
	create := func(tx *gorm.DB) error {
		return tx.Omit("NextTryAt", "CreatedAt", "SentAt", "LastError", "Attempts").Create(&e).Error
	}
	var err error
	if o.queue == nil || status != "queued" {
		err = create(db)
	} else {
		err = db.Transaction(func(tx *gorm.DB) error {
			if err := create(tx); err != nil {
				return err
			}
			return o.queue.EnqueueMail(ctx, tx, e.ID)
		})
	}
	if err != nil {
		return fmt.Errorf("send %q: %w", m.Subject, err)
	}
	return nil
}

// Scope says whose mail an outbox listing shows.
type Scope struct {
	consortiumID int64
	all          bool
}

// ConsortiumMail is the mail a consortium admin may read: the messages whose business is
// that consortium's (see Mail.ConsortiumID).
func ConsortiumMail(consortiumID int64) Scope { return Scope{consortiumID: consortiumID} }

// AllMail is every message, for operators' tools and tests; no web page uses it.
var AllMail = Scope{all: true}

func (s Scope) apply(q *gorm.DB) *gorm.DB {
	if s.all {
		return q
	}
	return q.Where("consortium_id = ?", s.consortiumID)
}

// List returns the most recent messages in scope, newest first, and their total count.
func (o *Outbox) List(ctx context.Context, scope Scope, offset, limit int) ([]Email, int64, error) {
	var total int64
	if err := scope.apply(o.db.WithContext(ctx).Model(&Email{})).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count outbox: %w", err)
	}
	var out []Email
	err := scope.apply(o.db.WithContext(ctx)).Omit("SecretSealed").Order("id DESC").Offset(offset).Limit(limit).Find(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list outbox: %w", err)
	}
	return out, total, nil
}

// Get returns one message in scope. Returns ErrNotFound if there is none with id there.
func (o *Outbox) Get(ctx context.Context, scope Scope, id int64) (Email, error) {
	var e Email
	err := scope.apply(o.db.WithContext(ctx)).Omit("SecretSealed").Where("id = ?", id).First(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return e, fmt.Errorf("email %d: %w", id, kernel.ErrNotFound)
	}
	return e, err
}

// Worker delivers queued mail.
type Worker struct {
	db          *gorm.DB
	cfg         SMTPConfig
	MaxAttempts int
	Backoff     func(attempt int) time.Duration
	// Clock decides when a failed message is tried again (now plus Backoff) and the
	// sent_at it records: cmd/hearth gives it the app's one Clock. A message is due once
	// its next_try_at has passed on this clock or the database's (a new message's
	// next_try_at is the database's now(), so a clock a little behind the database's
	// never holds it back; a test moves a FakeClock on to bring a retry forward).
	Clock kernel.Clock
}

// NewWorker returns a Worker delivering through cfg, on the wall clock until WithClock.
func NewWorker(db *gorm.DB, cfg SMTPConfig) *Worker {
	return &Worker{db: db, cfg: cfg, MaxAttempts: 8, Clock: kernel.SystemClock, Backoff: func(n int) time.Duration {
		return time.Duration(1<<min(n, 10)) * 15 * time.Second // 30s, 1m, 2m … capped at ~4h
	}}
}

// WithClock sets the worker's clock and returns it.
func (w *Worker) WithClock(c kernel.Clock) *Worker {
	w.Clock = c
	return w
}

// DeliverDue sends every queued message whose time has come and returns how many were sent.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	sent := 0
	for {
		found, ok, err := w.deliverNext(ctx, "status = 'queued' AND next_try_at <= greatest(now(), ?::timestamptz)", w.Clock.Now())
		if err != nil {
			return sent, err
		}
		if !found {
			return sent, nil
		}
		if ok {
			sent++
		}
	}
}

// DeliverOne sends message id if it is queued and due, and reports whether it was sent.
// A message another process is sending, already sent, or waiting for its next try is
// left alone; a failed attempt is recorded on the message (see DeliverDue), not returned.
func (w *Worker) DeliverOne(ctx context.Context, id int64) (bool, error) {
	_, ok, err := w.deliverNext(ctx, "id = ? AND status = 'queued' AND next_try_at <= greatest(now(), ?::timestamptz)", id, w.Clock.Now())
	return ok, err
}

// DueIDs returns the ids of the queued messages whose time has come, oldest first, at
// most limit of them: the job queue's sweep enqueues a delivery for each.
func (w *Worker) DueIDs(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	err := w.db.WithContext(ctx).Model(&Email{}).Where("status = 'queued' AND next_try_at <= greatest(now(), ?::timestamptz)", w.Clock.Now()).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("due mail: %w", err)
	}
	return ids, nil
}

// deliverNext claims the first message matching where (FOR UPDATE SKIP LOCKED), tries
// to send it and records the outcome in the same transaction. It reports whether it
// found a message and whether that message was sent.
func (w *Worker) deliverNext(ctx context.Context, where string, args ...any) (found, sent bool, err error) {
	err = w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e Email
		err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
			Where(where, args...).Order("id").First(&e).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		if err := w.deliver(e); err != nil {
			e.Attempts++
			upd := map[string]any{"attempts": e.Attempts, "last_error": err.Error(),
				"next_try_at": w.Clock.Now().Add(w.Backoff(e.Attempts))}
			if e.Attempts >= w.MaxAttempts || errors.Is(err, ErrLinkUnsealable) {
				// A failed message's secret is wiped: it will never be sent.
				upd["status"] = "failed"
				upd["secret_sealed"] = nil
			}
			slog.WarnContext(ctx, "mail not delivered", "email_id", e.ID, "attempt", e.Attempts, "err", err)
			return tx.Model(&e).Updates(upd).Error
		}
		sent = true
		return tx.Model(&e).Updates(map[string]any{"status": "sent", "sent_at": w.Clock.Now(), "attempts": e.Attempts + 1, "last_error": "",
			"secret_sealed": nil}).Error
	})
	if err != nil {
		return found, false, fmt.Errorf("deliver mail: %w", err)
	}
	return found, sent, nil
}

func (w *Worker) deliver(e Email) error {
	var auth sasl.Client
	if w.cfg.Username != "" {
		auth = sasl.NewPlainClient("", w.cfg.Username, w.cfg.Password)
	}
	body := e.Body
	if e.SecretSealed != nil {
		secret, err := w.cfg.LinkKey.open(e.SecretSealed, e.ToAddress)
		if err != nil {
			return err
		}
		i := strings.LastIndex(body, SecretHidden)
		if i < 0 {
			return fmt.Errorf("email %d: body has no place for its link", e.ID)
		}
		body = body[:i] + secret + body[i+len(SecretHidden):]
	}
	msg, err := Compose(w.cfg.From, e.ToAddress, e.Subject, body, e.ID)
	if err != nil {
		return err
	}
	var c *smtp.Client
	if w.cfg.StartTLS {
		host, _, _ := net.SplitHostPort(w.cfg.Addr)
		c, err = smtp.DialStartTLS(w.cfg.Addr, &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12})
	} else {
		c, err = smtp.Dial(w.cfg.Addr)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	envelopeFrom, err := mail.ParseAddress(w.cfg.From)
	if err != nil {
		return err
	}
	if err := c.SendMail(envelopeFrom.Address, []string{e.ToAddress}, bytes.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

// Compose builds an RFC 5322 plain-text message, quoted-printable encoded.
func Compose(from, to, subject, body string, id int64) ([]byte, error) {
	fromAddr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("from address %q: %w", from, err)
	}
	var b bytes.Buffer
	domain := fromAddr.Address[strings.LastIndex(fromAddr.Address, "@")+1:]
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <email-%d.%d@%s>\r\n",
		fromAddr.String(), to, mime.QEncoding.Encode("utf-8", subject), time.Now().Format(time.RFC1123Z), id, time.Now().UnixNano(), domain)
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Failed counts the messages in scope that could not be sent.
func (o *Outbox) Failed(ctx context.Context, scope Scope) (int64, error) {
	var n int64
	if err := scope.apply(o.db.WithContext(ctx).Model(&Email{})).Where("status = 'failed'").Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count failed mail: %w", err)
	}
	return n, nil
}
