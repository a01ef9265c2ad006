package marketplace

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
)

// Notice is an in-app message to an organisation: the host council's notices of
// placements into its area, incidents, outcomes of bids, amended requests.
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
var NoticeKinds = []Option{
	{Code: "host_award", Label: "Placement into your area"},
	{Code: "host_start", Label: "Child arrived in your area"},
	{Code: "host_end", Label: "Placement in your area ended"},
	{Code: "incident", Label: "Missing or absent episode"},
	{Code: "award_outcome", Label: "Outcome of a bid"},
	{Code: "approval", Label: "Approval decision"},
	{Code: "amendment", Label: "Request amended"},
}

// message is one notice: to an organisation's inbox (when inbox is set) and by email to
// its active users in roles.
type message struct {
	orgID       int64
	placementID int64
	kind        string
	subject     string
	body        string // without greeting; a link is added when path is set
	path        string
	inbox       bool
	roles       []commissioning.Role
}

// send records m inside tx, so a notice exists exactly when the change it tells of does.
func (s *Service) send(ctx context.Context, tx *gorm.DB, m message) error {
	if m.inbox {
		n := Notice{OrganisationID: m.orgID, PlacementID: nullID(m.placementID), Kind: m.kind, Subject: m.subject, Body: m.body}
		if err := tx.Omit("CreatedAt", "ReadAt").Create(&n).Error; err != nil {
			return fmt.Errorf("notice to organisation %d: %w", m.orgID, err)
		}
	}
	if s.mail == nil || len(m.roles) == 0 {
		return nil
	}
	var users []struct{ Name, Email string }
	if err := tx.Raw("SELECT name, email FROM users WHERE organisation_id = ? AND role IN ? AND disabled_at IS NULL ORDER BY id", m.orgID, m.roles).
		Scan(&users).Error; err != nil {
		return err
	}
	for _, u := range users {
		if err := s.emailOne(ctx, tx, u.Name, u.Email, m); err != nil {
			return err
		}
	}
	return nil
}

// sendToUser emails m to one user (an awarding commissioner, say).
func (s *Service) sendToUser(ctx context.Context, tx *gorm.DB, userID *int64, m message) error {
	if s.mail == nil || userID == nil {
		return nil
	}
	var u struct{ Name, Email string }
	if err := tx.Raw("SELECT name, email FROM users WHERE id = ? AND disabled_at IS NULL", *userID).Scan(&u).Error; err != nil || u.Email == "" {
		return err
	}
	return s.emailOne(ctx, tx, u.Name, u.Email, m)
}

func (s *Service) emailOne(ctx context.Context, tx *gorm.DB, name, email string, m message) error {
	body := "Hello " + name + ",\n\n" + m.body
	if m.path != "" {
		body += "\n\n" + s.baseURL + m.path
	}
	return s.mail.WithTx(tx).Send(ctx, email, m.subject, body+"\n\nHearth")
}

// Notices lists an organisation's notices, newest first, with the number unread.
func (s *Service) Notices(ctx context.Context, orgID int64, offset, limit int) (list []Notice, total, unread int64, err error) {
	q := s.db.WithContext(ctx).Model(&Notice{}).Where("organisation_id = ?", orgID)
	if err = q.Count(&total).Error; err != nil {
		return
	}
	if err = s.db.WithContext(ctx).Model(&Notice{}).Where("organisation_id = ? AND read_at IS NULL", orgID).Count(&unread).Error; err != nil {
		return
	}
	err = q.Order("created_at DESC, id DESC").Offset(offset).Limit(limit).Find(&list).Error
	return
}

// UnreadNotices counts an organisation's unread notices.
func (s *Service) UnreadNotices(ctx context.Context, orgID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Notice{}).Where("organisation_id = ? AND read_at IS NULL", orgID).Count(&n).Error
	return n, err
}

// ReadNotice returns one of an organisation's notices and marks it read.
func (s *Service) ReadNotice(ctx context.Context, id, orgID int64) (Notice, error) {
	var n Notice
	err := s.db.WithContext(ctx).Where("id = ? AND organisation_id = ?", id, orgID).First(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return n, fmt.Errorf("notice %d: %w", id, commissioning.ErrNotFound)
	}
	if err != nil || n.ReadAt != nil {
		return n, err
	}
	now := s.Now()
	n.ReadAt = &now
	return n, s.db.WithContext(ctx).Model(&n).Update("read_at", now).Error
}
