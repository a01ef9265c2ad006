package marketplace

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
)

// Service is the marketplace's domain service.
type Service struct {
	db  *gorm.DB
	Now func() time.Time
	// notify writes notices and their emails in the transaction of the change they tell
	// of (nil: inbox rows only, no email).
	notify *notify.Notifier
	// baseURL is where users reach Hearth, for links in the emails notify does not
	// compose itself.
	baseURL string
	// frameworks reads the frameworks and admissions that commissioning owns (a
	// request's terms, whether a provider may offer vacancies), in s's transaction.
	frameworks *commissioning.Frameworks
	// hooks writes webhook events in the transaction of the change they report.
	hooks *webhook.Publisher
}

// NewService returns a Service on db. Its webhook events wait for the job queue's
// sweep until WithWebhooks gives it the queue.
func NewService(db *gorm.DB) *Service {
	return &Service{db: db, Now: time.Now, frameworks: commissioning.NewFrameworks(db), hooks: webhook.NewPublisher(nil)}
}

// WithWebhooks returns a Service that tells q of each webhook delivery its changes make.
func (s *Service) WithWebhooks(q webhook.Enqueuer) *Service {
	c := *s
	c.hooks = webhook.NewPublisher(q)
	return &c
}

// WithMail returns a Service that emails the people a change concerns through outbox,
// with links to baseURL.
func (s *Service) WithMail(outbox *notify.Outbox, baseURL string) *Service {
	c := *s
	c.notify = notify.NewNotifier(outbox, baseURL)
	c.baseURL = strings.TrimRight(baseURL, "/")
	return &c
}

// WithoutMail returns a Service that writes notices but emails nobody, for setting up
// a world (the demo, tests) without mailing its people.
func (s *Service) WithoutMail() *Service {
	c := *s
	c.notify = nil
	return &c
}

// WithTx returns a Service working inside tx.
func (s *Service) WithTx(tx *gorm.DB) *Service {
	c := *s
	c.db = tx
	c.frameworks = s.frameworks.WithTx(tx)
	return &c
}

// Framework returns one framework with its lots and tiers (commissioning's).
func (s *Service) Framework(ctx context.Context, id int64) (commissioning.Framework, error) {
	return s.frameworks.Framework(ctx, id)
}

// ActiveOnAnyFramework reports whether a provider is admitted to a lot of some framework
// and not suspended there: the test for writing vacancies.
func (s *Service) ActiveOnAnyFramework(ctx context.Context, providerID int64) (bool, error) {
	return s.frameworks.ActiveOnAnyFramework(ctx, providerID)
}

// nullID is NULL for the system (0) and the id otherwise.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
