package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
)

// Errors about endpoints.
var (
	// ErrNotConfigured: no HEARTH_WEBHOOK_KEY, so no secret can be sealed or opened.
	ErrNotConfigured = kernel.NewError(kernel.ErrConflict, "webhooks_not_configured",
		"Webhooks are not set up on this Hearth: its operators must set HEARTH_WEBHOOK_KEY.")
	// ErrEndpointDisabled: a disabled endpoint's deliveries cannot be replayed.
	ErrEndpointDisabled = kernel.NewError(kernel.ErrConflict, "endpoint_disabled", "The endpoint is disabled: enable it before sending again.")
	// ErrEndpointEnabled: the endpoint is enabled already.
	ErrEndpointEnabled = kernel.NewError(kernel.ErrConflict, "endpoint_enabled", "The endpoint is enabled already.")
	// ErrDeliveryPending: the delivery is still being tried.
	ErrDeliveryPending = kernel.NewError(kernel.ErrConflict, "delivery_pending", "Hearth is still trying this delivery.")
)

// Endpoint statuses.
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"
)

// Endpoint is an address an organisation's system receives events at.
type Endpoint struct {
	ID             int64 `gorm:"primaryKey"`
	OrganisationID int64
	URL            string
	Description    string
	EventTypes     kernel.Codes `gorm:"type:text[]"`
	Status         string
	DisabledReason string
	FailingSince   *time.Time
	CreatedBy      *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time

	// Secrets are the secrets that sign its deliveries now, newest first (hints only).
	Secrets []Secret `gorm:"-"`
}

// TableName is the webhook_endpoints table.
func (Endpoint) TableName() string { return "webhook_endpoints" }

// Enabled reports whether the endpoint receives events.
func (e Endpoint) Enabled() bool { return e.Status == StatusEnabled }

// Secret is a signing secret, sealed; its Hint ("whsec_AbCd…") tells which it is.
type Secret struct {
	ID         int64 `gorm:"primaryKey"`
	EndpointID int64
	Sealed     []byte `json:"-"`
	Hint       string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
}

// TableName is the webhook_secrets table.
func (Secret) TableName() string { return "webhook_secrets" }

// EndpointInput is an endpoint as the form and the API send it.
type EndpointInput struct {
	URL         string   `json:"url" form:"url" validate:"required,max=2000" msg:"required=Enter the endpoint's address, like https://case-system.example.org/hearth|*=The address must be 2,000 characters or fewer"`
	Description string   `json:"description" form:"description" validate:"max=200" msg:"*=The description must be 200 characters or fewer"`
	EventTypes  []string `json:"event_types" form:"event_types" validate:"required,min=1,max=8" msg:"*=Select the events to send to this endpoint"`
}

// Options tune a Service.
type Options struct {
	// AllowLoopback lets endpoints be http://localhost or loopback addresses, for
	// development and tests (HEARTH_WEBHOOK_ALLOW_LOOPBACK). Never in production.
	AllowLoopback bool
	// Overlap is how long a rotated-out secret keeps signing (default 24 hours).
	Overlap time.Duration
	// FailingFor is how long an endpoint may fail every delivery before it is disabled
	// (default 3 days).
	FailingFor time.Duration
	// Timeout bounds one HTTP attempt (default 10 seconds).
	Timeout time.Duration
}

// Service manages an organisation's endpoints and delivers events to them.
type Service struct {
	db    *gorm.DB
	key   *seal.Key
	queue Enqueuer
	opts  Options
	http  *http.Client
	Now   func() time.Time
}

// New returns a Service on db sealing secrets with key (nil: webhooks off, and
// registering an endpoint returns ErrNotConfigured).
func New(db *gorm.DB, key *seal.Key, opts Options) *Service {
	if opts.Overlap <= 0 {
		opts.Overlap = 24 * time.Hour
	}
	if opts.FailingFor <= 0 {
		opts.FailingFor = 72 * time.Hour
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	dialer := &net.Dialer{Timeout: opts.Timeout, Control: dialControl(opts.AllowLoopback)}
	client := &http.Client{
		Timeout: opts.Timeout,
		// Proxy is nil: a proxy would make the connection that dialControl checks.
		Transport: &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: opts.Timeout, ResponseHeaderTimeout: opts.Timeout,
			MaxIdleConnsPerHost: 2, IdleConnTimeout: 90 * time.Second, ForceAttemptHTTP2: true},
		// A redirect is an answer, not a delivery: it could lead anywhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &Service{db: db, key: key, opts: opts, http: client, Now: time.Now}
}

// WithEnqueuer returns a Service telling q of each delivery it queues (replays).
func (s *Service) WithEnqueuer(q Enqueuer) *Service {
	c := *s
	c.queue = q
	return &c
}

// Configured reports whether secrets can be sealed: a key is set.
func (s *Service) Configured() bool { return s.key != nil }

// AllowLoopback reports whether loopback endpoints are allowed (development).
func (s *Service) AllowLoopback() bool { return s.opts.AllowLoopback }

// rules checks the input by its tags and beyond: the address (see CheckURL) and the
// events' codes. It needs the Service's setting for loopback addresses.
func (in EndpointInput) rules(allowLoopback bool) kernel.FieldErrors {
	fe := kernel.Check(&in)
	if !fe.Has("url") && strings.TrimSpace(in.URL) != "" {
		if msg := CheckURL(in.URL, allowLoopback); msg != "" {
			fe.Add("url", msg)
		}
	}
	for _, c := range in.EventTypes {
		if !fe.Has("event_types") && !kernel.ValidCode(EventTypes, c) {
			fe.Add("event_types", "Select the events to send to this endpoint")
		}
	}
	return fe
}

// Check returns every problem with in, by JSON name.
func (s *Service) Check(in EndpointInput) kernel.FieldErrors { return in.rules(s.opts.AllowLoopback) }

func (in EndpointInput) types() kernel.Codes {
	var out kernel.Codes
	for _, o := range EventTypes { // in the listed order, once each
		if slices.Contains(in.EventTypes, o.Code) {
			out = append(out, o.Code)
		}
	}
	return out
}

// Create registers an endpoint for org and returns it with its signing secret, which
// is shown now and never again. Returns field errors, or ErrNotConfigured.
func (s *Service) Create(ctx context.Context, org, by int64, in EndpointInput) (Endpoint, string, error) {
	if fe := s.Check(in); fe != nil {
		return Endpoint{}, "", fe
	}
	if s.key == nil {
		return Endpoint{}, "", ErrNotConfigured
	}
	e := Endpoint{OrganisationID: org, URL: strings.TrimSpace(in.URL), Description: strings.TrimSpace(in.Description), EventTypes: in.types(),
		Status: StatusEnabled, CreatedBy: kernel.NullID(by)}
	var secret string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("FailingSince", "CreatedAt", "UpdatedAt").Create(&e).Error; err != nil {
			return capped(err)
		}
		var err error
		if secret, err = s.addSecret(tx, e.ID); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "webhook.create", "webhook_endpoint", fmt.Sprint(e.ID), map[string]any{"url": auditURL(e.URL), "event_types": []string(e.EventTypes)})
	})
	if err != nil {
		return Endpoint{}, "", err
	}
	e, err = s.Endpoint(ctx, org, e.ID)
	return e, secret, err
}

// MaxEndpoints is how many endpoints an organisation may register (the database's
// trigger webhook_endpoints_cap enforces it).
const MaxEndpoints = 10

// msgTooManyEndpoints is the field error when an organisation has MaxEndpoints already.
const msgTooManyEndpoints = "Your organisation has 10 endpoints already, the most Hearth allows: change one of them instead of adding another"

// capped turns the database's refusal of an eleventh endpoint into a field error.
func capped(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.ConstraintName == "webhook_endpoints_per_organisation" {
		return kernel.Invalid("url", msgTooManyEndpoints)
	}
	return err
}

// auditURL is the part of an endpoint's address the audit log keeps: scheme, host and
// path, never the query (which may carry a token) or a user name and password.
func auditURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// newSecret returns "whsec_" and 32 random bytes in URL-safe base64.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// secretAD binds a sealed secret to its endpoint: copied to another row, it does not open.
func secretAD(endpointID int64) []byte {
	return fmt.Appendf(nil, "hearth webhook secret\x00%d", endpointID)
}

func (s *Service) addSecret(tx *gorm.DB, endpointID int64) (string, error) {
	secret, err := newSecret()
	if err != nil {
		return "", err
	}
	sealed, err := s.key.Seal([]byte(secret), secretAD(endpointID))
	if err != nil {
		return "", err
	}
	return secret, tx.Omit("CreatedAt", "ExpiresAt").Create(&Secret{EndpointID: endpointID, Sealed: sealed, Hint: secret[:10] + "…"}).Error
}

// Endpoints lists org's endpoints, newest first.
func (s *Service) Endpoints(ctx context.Context, org int64) ([]Endpoint, error) {
	var out []Endpoint
	err := s.db.WithContext(ctx).Where("organisation_id = ?", org).Order("id DESC").Find(&out).Error
	return out, err
}

// Endpoint returns org's endpoint id with its live secrets' hints. Another
// organisation's is ErrNotFound.
func (s *Service) Endpoint(ctx context.Context, org, id int64) (Endpoint, error) {
	var e Endpoint
	if err := s.db.WithContext(ctx).Where("id = ? AND organisation_id = ?", id, org).First(&e).Error; err != nil {
		return e, notFound("webhook endpoint", id, err)
	}
	err := s.db.WithContext(ctx).Omit("Sealed").Where("endpoint_id = ? AND (expires_at IS NULL OR expires_at > ?)", id, s.Now()).
		Order("id DESC").Find(&e.Secrets).Error
	return e, err
}

func notFound(what string, id int64, err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s %d: %w", what, id, kernel.ErrNotFound)
	}
	return err
}

// lock reads org's endpoint id for update.
func lock(ctx context.Context, tx *gorm.DB, org, id int64) (Endpoint, error) {
	var e Endpoint
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND organisation_id = ?", id, org).First(&e).Error
	return e, notFound("webhook endpoint", id, err)
}

// Update changes an endpoint's address, description and events.
func (s *Service) Update(ctx context.Context, org, id int64, in EndpointInput) (Endpoint, error) {
	if fe := s.Check(in); fe != nil {
		return Endpoint{}, fe
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := lock(ctx, tx, org, id)
		if err != nil {
			return err
		}
		if err := tx.Model(&e).Updates(map[string]any{"url": strings.TrimSpace(in.URL), "description": strings.TrimSpace(in.Description),
			"event_types": in.types(), "updated_at": s.Now()}).Error; err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "webhook.update", "webhook_endpoint", fmt.Sprint(id), map[string]any{"url": auditURL(in.URL), "event_types": in.EventTypes})
	})
	if err != nil {
		return Endpoint{}, err
	}
	return s.Endpoint(ctx, org, id)
}

// Disable stops deliveries to an endpoint; waiting deliveries are dropped when tried.
func (s *Service) Disable(ctx context.Context, org, id int64, reason string) (Endpoint, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := lock(ctx, tx, org, id)
		if err != nil {
			return err
		}
		if !e.Enabled() {
			return nil
		}
		return disable(ctx, tx, e.ID, reason, s.Now())
	})
	if err != nil {
		return Endpoint{}, err
	}
	return s.Endpoint(ctx, org, id)
}

func disable(ctx context.Context, tx *gorm.DB, id int64, reason string, now time.Time) error {
	if err := tx.Exec("UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ?", reason, now, id).Error; err != nil {
		return err
	}
	return audit.New(tx).Record(ctx, "webhook.disable", "webhook_endpoint", fmt.Sprint(id), map[string]any{"reason": reason})
}

// Enable turns a disabled endpoint back on; events from now on reach it.
func (s *Service) Enable(ctx context.Context, org, id int64) (Endpoint, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := lock(ctx, tx, org, id)
		if err != nil {
			return err
		}
		if e.Enabled() {
			return ErrEndpointEnabled
		}
		if err := tx.Exec("UPDATE webhook_endpoints SET status = 'enabled', disabled_reason = '', failing_since = NULL, updated_at = ? WHERE id = ?", s.Now(), id).Error; err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "webhook.enable", "webhook_endpoint", fmt.Sprint(id), nil)
	})
	if err != nil {
		return Endpoint{}, err
	}
	return s.Endpoint(ctx, org, id)
}

// Rotate makes a new signing secret for an endpoint and returns it (shown once). The
// current one keeps signing, beside it, for the overlap period; older ones stop now.
func (s *Service) Rotate(ctx context.Context, org, id int64) (Endpoint, string, error) {
	if s.key == nil {
		return Endpoint{}, "", ErrNotConfigured
	}
	var secret string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lock(ctx, tx, org, id); err != nil {
			return err
		}
		now := s.Now()
		if err := tx.Exec("UPDATE webhook_secrets SET expires_at = ? WHERE endpoint_id = ? AND expires_at > ?", now, id, now).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE webhook_secrets SET expires_at = ? WHERE endpoint_id = ? AND expires_at IS NULL", now.Add(s.opts.Overlap), id).Error; err != nil {
			return err
		}
		var err error
		if secret, err = s.addSecret(tx, id); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "webhook.rotate_secret", "webhook_endpoint", fmt.Sprint(id), map[string]any{"overlap_hours": s.opts.Overlap.Hours()})
	})
	if err != nil {
		return Endpoint{}, "", err
	}
	e, err := s.Endpoint(ctx, org, id)
	return e, secret, err
}

// liveSecrets opens the secrets signing an endpoint's deliveries at now, newest first.
func (s *Service) liveSecrets(tx *gorm.DB, endpointID int64, now time.Time) ([]string, error) {
	var rows []Secret
	if err := tx.Where("endpoint_id = ? AND (expires_at IS NULL OR expires_at > ?)", endpointID, now).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		plain, err := s.key.Open(r.Sealed, secretAD(endpointID))
		if err != nil {
			return nil, fmt.Errorf("webhook endpoint %d secret %d: %w", endpointID, r.ID, err)
		}
		out = append(out, string(plain))
	}
	return out, nil
}
