package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// Notice is an in-app message to an organisation: the host council's notices of
// placements into its area, incidents, outcomes of bids, amended requests, secure
// referrals' progress.
type Notice struct {
	ID             int64 `gorm:"primaryKey"`
	OrganisationID int64
	PlacementID    *int64
	Kind           string
	Subject        string
	Body           string
	CreatedAt      time.Time `gorm:"->"`
	ReadAt         *time.Time
}

// TableName is the notices table.
func (Notice) TableName() string { return "notices" }

// NoticeKinds label the kinds of notice.
var NoticeKinds = []kernel.Option{
	{Code: "host_award", Label: "Placement into your area"},
	{Code: "host_start", Label: "Child arrived in your area"},
	{Code: "host_end", Label: "Placement in your area ended"},
	{Code: "incident", Label: "Missing or absent episode"},
	{Code: "award_outcome", Label: "Outcome of a bid"},
	{Code: "approval", Label: "Approval decision"},
	{Code: "amendment", Label: "Request amended"},
	{Code: "secure", Label: "Secure welfare referral"},
	{Code: "host_secure", Label: "Secure placement into your area"},
	{Code: "request_cancelled", Label: "Request cancelled"},
	{Code: "start_moved", Label: "Placement started early"},
}

// Message is one notice: to an organisation's inbox (when Inbox is set) and by email to
// its active users in Roles. Every notice tells of a child's request, placement or
// referral, so its emails are marked AboutChild.
type Message struct {
	OrgID       int64
	PlacementID int64
	Kind        string
	Subject     string
	Body        string // without greeting; a link to Path is added when set
	Path        string
	Inbox       bool
	// Mailbox also emails the notice to the organisation's statutory notification
	// mailbox (council_mailboxes), with a single-use acknowledgement link, whether or
	// not the council has Hearth users. It needs Inbox: the link acknowledges that row.
	Mailbox bool
	Roles   []kernel.Role
	// ConsortiumID is the consortium whose business the message is (the framework's,
	// for a request or placement); 0: the recipient organisation's own, if it has one.
	ConsortiumID int64
}

// Notifier writes notices and their emails inside the caller's transaction, so a notice
// exists exactly when the change it tells of does. A nil Notifier, or one without an
// outbox, writes inbox rows only.
type Notifier struct {
	outbox  *Outbox
	baseURL string
}

// NewNotifier returns a Notifier emailing through outbox with links to baseURL.
func NewNotifier(outbox *Outbox, baseURL string) *Notifier {
	return &Notifier{outbox: outbox, baseURL: strings.TrimRight(baseURL, "/")}
}

// Send records m inside tx.
func (n *Notifier) Send(ctx context.Context, tx *gorm.DB, m Message) error {
	if m.Mailbox && !m.Inbox {
		return fmt.Errorf("notice %q to organisation %d: a mailbox notice needs an inbox row", m.Subject, m.OrgID)
	}
	if m.Inbox {
		row := Notice{OrganisationID: m.OrgID, Kind: m.Kind, Subject: m.Subject, Body: m.Body}
		if m.PlacementID != 0 {
			row.PlacementID = &m.PlacementID
		}
		if err := tx.Omit("CreatedAt", "ReadAt").Create(&row).Error; err != nil {
			return fmt.Errorf("notice to organisation %d: %w", m.OrgID, err)
		}
		if m.Mailbox && n != nil && n.outbox != nil {
			if err := n.toMailbox(ctx, tx, row.ID, m); err != nil {
				return err
			}
		}
	}
	if n == nil || n.outbox == nil || len(m.Roles) == 0 {
		return nil
	}
	var users []recipient
	if err := tx.Raw("SELECT name, email, organisation_id FROM users WHERE organisation_id = ? AND role IN ? AND disabled_at IS NULL ORDER BY id", m.OrgID, m.Roles).
		Scan(&users).Error; err != nil {
		return err
	}
	for _, u := range users {
		if err := n.email(ctx, tx, u, m); err != nil {
			return err
		}
	}
	return nil
}

// SendToUser emails m to one user (an awarding commissioner, say); nil means no one.
func (n *Notifier) SendToUser(ctx context.Context, tx *gorm.DB, userID *int64, m Message) error {
	if n == nil || n.outbox == nil || userID == nil {
		return nil
	}
	var u recipient
	if err := tx.Raw("SELECT name, email, organisation_id FROM users WHERE id = ? AND disabled_at IS NULL", *userID).Scan(&u).Error; err != nil || u.Email == "" {
		return err
	}
	return n.email(ctx, tx, u, m)
}

// MailRoles emails subject and body (without greeting or sign-off) to the active users
// of organisation orgID in roles, inside tx, as the business of consortiumID. Unlike Send
// it writes no notice and its emails are not about a child: an admission decision, say.
// Without an outbox it sends nothing.
func (n *Notifier) MailRoles(ctx context.Context, tx *gorm.DB, orgID, consortiumID int64, roles []kernel.Role, subject, body string) error {
	if n == nil || n.outbox == nil {
		return nil
	}
	var users []recipient
	if err := tx.WithContext(ctx).Raw("SELECT name, email, organisation_id FROM users WHERE organisation_id = ? AND role IN ? AND disabled_at IS NULL ORDER BY id", orgID, roles).
		Scan(&users).Error; err != nil {
		return fmt.Errorf("mail %q to organisation %d: %w", subject, orgID, err)
	}
	out := n.outbox.WithTx(tx)
	for _, u := range users {
		if err := out.Send(ctx, Mail{To: u.Email, Subject: subject, Body: "Hello " + u.Name + ",\n\n" + body + "\n\nHearth",
			ToOrgID: u.OrganisationID, ConsortiumID: consortiumID}); err != nil {
			return err
		}
	}
	return nil
}

type recipient struct {
	Name, Email    string
	OrganisationID int64
}

func (n *Notifier) email(ctx context.Context, tx *gorm.DB, u recipient, m Message) error {
	body := "Hello " + u.Name + ",\n\n" + m.Body
	if m.Path != "" {
		body += "\n\n" + n.baseURL + m.Path
	}
	return n.outbox.WithTx(tx).Send(ctx, Mail{To: u.Email, Subject: m.Subject, Body: body + "\n\nHearth",
		ToOrgID: u.OrganisationID, ConsortiumID: m.ConsortiumID, AboutChild: true})
}

// HostKinds are the notices a council receives as the host of a placement into its
// area. A missing-episode notice ("incident") goes to both the placing and the host
// council, so it is a host notice only when its placement is another council's.
var HostKinds = []string{"host_award", "host_start", "host_end", "host_secure"}

// Inbox reads organisations' notices.
type Inbox struct {
	db       *gorm.DB
	hostOnly bool
}

// NewInbox returns the inbox on db.
func NewInbox(db *gorm.DB) *Inbox { return &Inbox{db: db} }

// HostNoticesOnly returns the inbox narrowed to host notices (see HostKinds): what a
// host-council user may read of their council's notices.
func (i *Inbox) HostNoticesOnly() *Inbox { return &Inbox{db: i.db, hostOnly: true} }

func (i *Inbox) of(ctx context.Context, orgID int64) *gorm.DB {
	q := i.db.WithContext(ctx).Model(&Notice{}).Where("organisation_id = ?", orgID)
	if i.hostOnly {
		q = q.Where(`(kind IN ? OR (kind = 'incident' AND EXISTS (SELECT 1 FROM placements p
            WHERE p.id = notices.placement_id AND p.host_council_id = notices.organisation_id AND p.council_id <> notices.organisation_id)))`, HostKinds)
	}
	return q
}

// List returns an organisation's notices, newest first, with the number unread.
func (i *Inbox) List(ctx context.Context, orgID int64, offset, limit int) (list []Notice, total, unread int64, err error) {
	return i.ListWhere(ctx, orgID, kernel.ListQuery{Page: kernel.Page{Offset: offset, Limit: limit}})
}

// NoticeSorts are the orders a list of notices can be sorted in.
var NoticeSorts = kernel.Sorts{"received": "created_at", "subject": "subject", "kind": "kind"}

// NoticeReadStates are the read states a list of notices can be filtered by.
var NoticeReadStates = []kernel.Option{{Code: "unread", Label: "Unread"}, {Code: "read", Label: "Read"}}

// ListWhere is one page of an organisation's notices narrowed by lq: filters "kind"
// (NoticeKinds) and "read" (NoticeReadStates), a search in the subject, sorted by a
// key of NoticeSorts (newest first otherwise), with the number unread in all.
func (i *Inbox) ListWhere(ctx context.Context, orgID int64, lq kernel.ListQuery) (list []Notice, total, unread int64, err error) {
	q := i.of(ctx, orgID)
	if kinds := lq.Values("kind"); len(kinds) > 0 {
		for _, k := range kinds {
			if !kernel.ValidCode(NoticeKinds, k) {
				return nil, 0, 0, kernel.Invalid("kind", fmt.Sprintf("%q is not a kind of notice", k))
			}
		}
		q = q.Where("kind IN ?", kinds)
	}
	if rs := lq.Values("read"); len(rs) == 1 {
		switch rs[0] {
		case "unread":
			q = q.Where("read_at IS NULL")
		case "read":
			q = q.Where("read_at IS NOT NULL")
		default:
			return nil, 0, 0, kernel.Invalid("read", fmt.Sprintf("%q is not a read state: use read or unread", rs[0]))
		}
	} else {
		for _, r := range rs {
			if !kernel.ValidCode(NoticeReadStates, r) {
				return nil, 0, 0, kernel.Invalid("read", fmt.Sprintf("%q is not a read state: use read or unread", r))
			}
		}
	}
	if like := lq.Like(); like != "" {
		q = q.Where("subject ILIKE ?", like)
	}
	if err = q.Count(&total).Error; err != nil {
		return
	}
	if unread, err = i.Unread(ctx, orgID); err != nil {
		return
	}
	err = q.Order(NoticeSorts.OrderBy(lq, "created_at DESC", "id DESC")).Scopes(lq.Page.Scope).Find(&list).Error
	return
}

// Unread counts an organisation's unread notices.
func (i *Inbox) Unread(ctx context.Context, orgID int64) (int64, error) {
	var n int64
	err := i.of(ctx, orgID).Where("read_at IS NULL").Count(&n).Error
	return n, err
}

// Read returns one of an organisation's notices and marks it read.
func (i *Inbox) Read(ctx context.Context, id, orgID int64) (Notice, error) {
	var n Notice
	err := i.of(ctx, orgID).Where("id = ?", id).First(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return n, fmt.Errorf("notice %d: %w", id, kernel.ErrNotFound)
	}
	if err != nil || n.ReadAt != nil {
		return n, err
	}
	now := time.Now()
	n.ReadAt = &now
	return n, i.db.WithContext(ctx).Model(&n).Update("read_at", now).Error
}
