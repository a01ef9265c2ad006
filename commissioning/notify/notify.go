// Package notify sends Hearth's email through an outbox table.
//
// Send stores a message in the same transaction as the change it reports. A Worker
// delivers queued messages over SMTP with retries and backoff, claiming rows with
// FOR UPDATE SKIP LOCKED so that several Hearth processes never send one twice. With
// no SMTP server configured, messages are kept as "stored" for the consortium admin's
// outbox page.
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
)

// Email is one message in the outbox.
type Email struct {
	ID        int64 `gorm:"primaryKey"`
	ToAddress string
	Subject   string
	Body      string
	Status    string // queued, sent, stored, failed
	Attempts  int
	LastError string
	NextTryAt time.Time
	CreatedAt time.Time
	SentAt    *time.Time
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
}

// Outbox stores messages for delivery.
type Outbox struct {
	db      *gorm.DB
	sending bool
}

// NewOutbox returns an Outbox on db. When sending is false, messages are stored only.
func NewOutbox(db *gorm.DB, sending bool) *Outbox { return &Outbox{db: db, sending: sending} }

// WithTx returns an Outbox writing through tx, so a message commits with its change.
func (o *Outbox) WithTx(tx *gorm.DB) *Outbox { return &Outbox{db: tx, sending: o.sending} }

// Send stores a plain-text message to one recipient.
func (o *Outbox) Send(ctx context.Context, to, subject, body string) error {
	if _, err := mail.ParseAddress(to); err != nil {
		return fmt.Errorf("send %q to %q: bad address: %w", subject, to, err)
	}
	status := "stored"
	if o.sending {
		status = "queued"
	}
	e := Email{ToAddress: to, Subject: subject, Body: body, Status: status}
	if err := o.db.WithContext(ctx).Omit("NextTryAt", "CreatedAt", "SentAt", "LastError", "Attempts").Create(&e).Error; err != nil {
		return fmt.Errorf("send %q: %w", subject, err)
	}
	return nil
}

// List returns the most recent messages, newest first, and the total count.
func (o *Outbox) List(ctx context.Context, offset, limit int) ([]Email, int64, error) {
	var total int64
	if err := o.db.WithContext(ctx).Model(&Email{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count outbox: %w", err)
	}
	var out []Email
	err := o.db.WithContext(ctx).Order("id DESC").Offset(offset).Limit(limit).Find(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list outbox: %w", err)
	}
	return out, total, nil
}

// Get returns one message.
func (o *Outbox) Get(ctx context.Context, id int64) (Email, error) {
	var e Email
	err := o.db.WithContext(ctx).First(&e, id).Error
	return e, err
}

// Worker delivers queued mail.
type Worker struct {
	db          *gorm.DB
	cfg         SMTPConfig
	MaxAttempts int
	Backoff     func(attempt int) time.Duration
}

// NewWorker returns a Worker delivering through cfg.
func NewWorker(db *gorm.DB, cfg SMTPConfig) *Worker {
	return &Worker{db: db, cfg: cfg, MaxAttempts: 8, Backoff: func(n int) time.Duration {
		return time.Duration(1<<min(n, 10)) * 15 * time.Second // 30s, 1m, 2m … capped at ~4h
	}}
}

// DeliverDue sends every queued message whose time has come and returns how many were sent.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	sent := 0
	for {
		var done bool
		err := w.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var e Email
			err := tx.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).
				Where("status = 'queued' AND next_try_at <= now()").Order("id").First(&e).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				done = true
				return nil
			}
			if err != nil {
				return err
			}
			if err := w.deliver(e); err != nil {
				e.Attempts++
				upd := map[string]any{"attempts": e.Attempts, "last_error": err.Error(),
					"next_try_at": time.Now().Add(w.Backoff(e.Attempts))}
				if e.Attempts >= w.MaxAttempts {
					upd["status"] = "failed"
				}
				slog.WarnContext(ctx, "mail not delivered", "email_id", e.ID, "attempt", e.Attempts, "err", err)
				return tx.Model(&e).Updates(upd).Error
			}
			sent++
			return tx.Model(&e).Updates(map[string]any{"status": "sent", "sent_at": time.Now(), "attempts": e.Attempts + 1, "last_error": ""}).Error
		})
		if err != nil {
			return sent, fmt.Errorf("deliver mail: %w", err)
		}
		if done {
			return sent, nil
		}
	}
}

func (w *Worker) deliver(e Email) error {
	var auth sasl.Client
	if w.cfg.Username != "" {
		auth = sasl.NewPlainClient("", w.cfg.Username, w.cfg.Password)
	}
	msg, err := Compose(w.cfg.From, e.ToAddress, e.Subject, e.Body, e.ID)
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
