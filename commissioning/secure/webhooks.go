package secure

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
)

// WithWebhooks returns a service that tells q of each webhook delivery its changes make.
func (s *Service) WithWebhooks(q webhook.Enqueuer) *Service {
	c := *s
	c.hooks = webhook.NewPublisher(q)
	return &c
}

// How an organisation sees a secure referral's allocation.
const (
	viewCouncil = "council" // the referring council
	viewHome    = "home"    // the secure home's organisation
	viewHost    = "host"    // the council the home is in, when another
)

// WebhookAllocation is referral.allocated as one organisation sees it.
type WebhookAllocation struct {
	ReferralID     int64     `json:"referral_id"`
	Access         string    `json:"access"` // council, home or host
	PlacingCouncil string    `json:"placing_council"`
	ChildRef       string    `json:"child_ref"` // the placing council's reference, as the host is told
	HomeName       string    `json:"home_name"`
	AllocatedAt    time.Time `json:"allocated_at"`
	// The referring council and the home only.
	BedLabel string `json:"bed_label,omitempty"`
	AgeYears int    `json:"age_years,omitempty"`
	Sex      string `json:"sex,omitempty"`
	// The referring council and the host council: whom to contact.
	SocialWorker string `json:"social_worker,omitempty"`
}

// referralAllocatedData is referral.allocated as view sees it: the host council gets
// what its notice says (who placed, the reference, the home, the social worker), not
// the child's profile or the bed.
func referralAllocatedData(r Referral, placing string, h Home, b Bed, view string) any {
	d := WebhookAllocation{ReferralID: r.ID, Access: view, PlacingCouncil: placing, ChildRef: r.ChildRef, HomeName: h.Name}
	if r.AllocatedAt != nil {
		d.AllocatedAt = *r.AllocatedAt
	}
	if view != viewHost {
		d.BedLabel, d.AgeYears, d.Sex = b.Label, r.AgeYears, r.Sex
	}
	if view != viewHome {
		d.SocialWorker = r.SocialWorker
	}
	return map[string]any{"allocation": d}
}

// publishAllocated tells the referring council, the home and the host council (when
// another) of an allocation, in tx.
func (s *Service) publishAllocated(ctx context.Context, tx *gorm.DB, r Referral, h Home, b Bed) error {
	var placing string
	if err := tx.Raw("SELECT name FROM organisations WHERE id = ?", r.CouncilID).Scan(&placing).Error; err != nil {
		return err
	}
	rs := []webhook.Recipient{{OrgID: r.CouncilID, Data: referralAllocatedData(r, placing, h, b, viewCouncil)},
		{OrgID: h.ProviderID, Data: referralAllocatedData(r, placing, h, b, viewHome)}}
	if h.HostCouncilID != nil && *h.HostCouncilID != r.CouncilID {
		rs = append(rs, webhook.Recipient{OrgID: *h.HostCouncilID, Data: referralAllocatedData(r, placing, h, b, viewHost)})
	}
	return s.hooks.Publish(ctx, tx, webhook.ReferralAllocated, s.Now(), rs...)
}
