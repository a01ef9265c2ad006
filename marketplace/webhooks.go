package marketplace

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
)

// The marketplace's webhook events. Each event type has one function building its
// payload for one recipient organisation from how that organisation sees the
// placement (Access): the placing council sees everything, the provider the child's
// profile and fee, the host council only what its host notice says — never the
// child's profile, the fee or the notes. A builder returning nil tells that
// organisation nothing.

// WebhookChild is the pseudonymised profile the placing council and the provider see.
type WebhookChild struct {
	AgeYears    int      `json:"age_years"`
	Sex         string   `json:"sex"`
	LegalStatus string   `json:"legal_status"`
	Needs       []string `json:"needs"`
}

// WebhookPlacement is a placement in a webhook payload, as one organisation sees it.
type WebhookPlacement struct {
	PlacementID    int64  `json:"placement_id"`
	Reference      string `json:"reference"` // the agreement's reference, IPA-000123
	Access         Access `json:"access"`    // council, provider or host: whose view this is
	Status         string `json:"status"`
	PlacingCouncil string `json:"placing_council"`
	ChildRef       string `json:"child_ref"` // the placing council's reference, as on the host notice
	Provider       string `json:"provider"`
	HomeName       string `json:"home_name"`
	HomeURN        string `json:"home_urn"`
	HomeDistrict   string `json:"home_postcode_district"`
	HostCouncil    string `json:"host_council,omitempty"`
	Contact        string `json:"placing_council_contact"`
	StartDate      string `json:"start_date"`
	StartedOn      string `json:"started_on,omitempty"`
	EndedOn        string `json:"ended_on,omitempty"`
	EndReason      string `json:"end_reason,omitempty"`

	// The placing council and the provider only.
	Child          *WebhookChild `json:"child,omitempty"`
	WeeklyFeePence *int64        `json:"weekly_fee_pence,omitempty"`
	// The placing council only.
	EndNote string `json:"end_note,omitempty"`
}

// WebhookFee is a fee change, for the placing council and the provider.
type WebhookFee struct {
	EffectiveFrom     string `json:"effective_from"`
	CorePence         int64  `json:"core_pence"`
	OneToOneHours     int    `json:"one_to_one_hours"`
	OneToOneRatePence int64  `json:"one_to_one_rate_pence"`
	EducationPence    int64  `json:"education_pence"`
	TotalPence        int64  `json:"total_pence"`
	PreviousPence     int64  `json:"previous_total_pence"`
	Reason            string `json:"reason"`
}

// WebhookEpisode is a missing or absent episode.
type WebhookEpisode struct {
	EpisodeID int64      `json:"episode_id"`
	Kind      string     `json:"kind"` // missing or absent
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at,omitempty"`
	Note      string     `json:"note,omitempty"` // the placing council and the provider only
	// The police's reference and risk grade (RiskGrades), how it ended (EpisodeEndings)
	// and the council area where the child was found (an ONS code, never an address).
	PoliceRef  string `json:"police_ref,omitempty"`
	PoliceRisk string `json:"police_risk,omitempty"`
	EndedHow   string `json:"ended_how,omitempty"`
	FoundArea  string `json:"found_area,omitempty"`
	// RHIResponsible is who offers the return-home interview: the councils only.
	RHIResponsible string `json:"rhi_responsible,omitempty"`
}

// placementData is the placement as access sees it: the part every placement event
// shares.
func placementData(p Placement, f placementFacts, access Access) WebhookPlacement {
	d := WebhookPlacement{PlacementID: p.ID, Reference: fmt.Sprintf("IPA-%06d", p.ID), Access: access, Status: string(p.Status),
		PlacingCouncil: f.PlacingCouncil, ChildRef: f.ChildRef, Provider: f.Provider, HomeName: f.HomeName, HomeURN: f.HomeURN,
		HomeDistrict: f.HomeOutcode, HostCouncil: f.HostCouncil, Contact: f.contact(), StartDate: p.StartDate.Format(time.DateOnly)}
	if p.StartedOn != nil {
		d.StartedOn = p.StartedOn.Format(time.DateOnly)
	}
	if p.EndedOn != nil {
		d.EndedOn = p.EndedOn.Format(time.DateOnly)
	}
	if p.EndReason != nil {
		d.EndReason = *p.EndReason
	}
	if access == AccessHost {
		return d
	}
	d.Child = &WebhookChild{AgeYears: f.AgeYears, Sex: f.Sex, LegalStatus: f.LegalStatus, Needs: append([]string{}, f.Needs...)}
	fee := int64(p.WeeklyFeePence)
	d.WeeklyFeePence = &fee
	if access == AccessCouncil {
		d.EndNote = p.EndNote
	}
	return d
}

// PlacementAwardedData is placement.awarded as access sees it.
func placementAwardedData(p Placement, f placementFacts, access Access) any {
	return map[string]any{"placement": placementData(p, f, access)}
}

// placementStartedData is placement.started as access sees it.
func placementStartedData(p Placement, f placementFacts, access Access) any {
	return map[string]any{"placement": placementData(p, f, access)}
}

// placementFeeChangedData is placement.fee_changed: the host council is not told of
// fees.
func placementFeeChangedData(p Placement, f placementFacts, fee PlacementFee, previous kernel.Pence, access Access) any {
	if access == AccessHost {
		return nil
	}
	return map[string]any{"placement": placementData(p, f, access), "fee": WebhookFee{EffectiveFrom: fee.EffectiveFrom.Format(time.DateOnly),
		CorePence: int64(fee.CorePence), OneToOneHours: fee.OneToOneHours, OneToOneRatePence: int64(fee.OneToOneRatePence),
		EducationPence: int64(fee.EducationPence), TotalPence: int64(fee.Total()), PreviousPence: int64(previous), Reason: fee.Reason}}
}

// placementEndedData is placement.ended as access sees it (the end note: the placing
// council only).
func placementEndedData(p Placement, f placementFacts, access Access) any {
	return map[string]any{"placement": placementData(p, f, access)}
}

// missingEpisodeData is missing_episode.reported and missing_episode.returned as
// access sees them: the host council has the times, not the provider's note.
func missingEpisodeData(p Placement, f placementFacts, in Incident, access Access) any {
	e := WebhookEpisode{EpisodeID: in.ID, Kind: in.Kind, StartedAt: in.StartedAt, EndedAt: in.EndedAt,
		PoliceRef: in.PoliceRef, PoliceRisk: deref(in.PoliceRisk), EndedHow: deref(in.EndedHow), FoundArea: deref(in.FoundArea)}
	if access != AccessHost {
		e.Note = in.Note
	}
	if access != AccessProvider {
		e.RHIResponsible = in.RHIResponsible
	}
	return map[string]any{"placement": placementData(p, f, access), "episode": e}
}

// WebhookRequest is a placement request closing for bids, for the council that made it.
type WebhookRequest struct {
	RequestID int64     `json:"request_id"`
	ChildRef  string    `json:"child_ref"`
	Status    string    `json:"status"`
	Deadline  time.Time `json:"deadline"`
	Bids      int64     `json:"bids"`
	Declines  int64     `json:"declines"`
}

// requestClosedData is request.closed, for the requesting council: its providers'
// sealed bids are now open to compare.
func requestClosedData(r WebhookRequest) any { return map[string]any{"request": r} }

// WebhookInvitedRequest is a request that closed, as an invited provider sees it: the
// request's id and deadline and the provider's own response — never the council's
// reference for the child (it never leaves the council before an award) nor how many
// others bid or declined.
type WebhookInvitedRequest struct {
	RequestID int64     `json:"request_id"`
	Status    string    `json:"status"`
	Deadline  time.Time `json:"deadline"`
	Response  string    `json:"your_response"` // bid, declined or none
}

// requestClosedInvitedData is request.closed, for an invited provider.
func requestClosedInvitedData(r WebhookInvitedRequest) any { return map[string]any{"request": r} }

// placementRecipients are the organisations told of a placement's events, each with
// the access it has: the placing council, the provider, and the host council when
// another council's area.
func placementRecipients(p Placement, build func(Access) any) []webhook.Recipient {
	rs := []webhook.Recipient{{OrgID: p.CouncilID, Data: build(AccessCouncil)}, {OrgID: p.ProviderID, Data: build(AccessProvider)}}
	if p.HostCouncilID != nil && *p.HostCouncilID != p.CouncilID {
		rs = append(rs, webhook.Recipient{OrgID: *p.HostCouncilID, Data: build(AccessHost)})
	}
	return rs
}

// publishPlacement tells a placement's parties of event typ, each through build.
func (s *Service) publishPlacement(ctx context.Context, tx *gorm.DB, typ webhook.EventType, p Placement, build func(Access) any) error {
	return s.hooks.Publish(ctx, tx, typ, s.Now(), placementRecipients(p, build)...)
}

// publishClosed tells each council of its requests just closed, and each provider
// invited to them, in tx.
func (s *Service) publishClosed(ctx context.Context, tx *gorm.DB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var rows []struct {
		WebhookRequest
		CouncilID int64
	}
	if err := tx.WithContext(ctx).Raw(`SELECT r.id AS request_id, r.child_ref, r.status, r.deadline, r.council_id,
            (SELECT count(*) FROM bids b WHERE b.request_id = r.id AND b.status = 'active') AS bids,
            (SELECT count(*) FROM declines d WHERE d.request_id = r.id) AS declines
        FROM placement_requests r WHERE r.id IN ?`, ids).Scan(&rows).Error; err != nil {
		return err
	}
	var invited []struct {
		WebhookInvitedRequest
		ProviderID int64
	}
	if err := tx.WithContext(ctx).Raw(`SELECT r.id AS request_id, r.status, r.deadline, i.provider_id,
            CASE WHEN EXISTS (SELECT 1 FROM bids b WHERE b.request_id = r.id AND b.provider_id = i.provider_id AND b.status = 'active') THEN 'bid'
                 WHEN EXISTS (SELECT 1 FROM declines d WHERE d.request_id = r.id AND d.provider_id = i.provider_id) THEN 'declined'
                 ELSE 'none' END AS response
        FROM placement_requests r JOIN request_invitations i ON i.request_id = r.id
        WHERE r.id IN ? ORDER BY r.id, i.provider_id`, ids).Scan(&invited).Error; err != nil {
		return err
	}
	byRequest := map[int64][]webhook.Recipient{}
	for _, in := range invited {
		byRequest[in.RequestID] = append(byRequest[in.RequestID], webhook.Recipient{OrgID: in.ProviderID, Data: requestClosedInvitedData(in.WebhookInvitedRequest)})
	}
	for _, r := range rows {
		rs := append([]webhook.Recipient{{OrgID: r.CouncilID, Data: requestClosedData(r.WebhookRequest)}}, byRequest[r.RequestID]...)
		if err := s.hooks.Publish(ctx, tx, webhook.RequestClosed, s.Now(), rs...); err != nil {
			return err
		}
	}
	return nil
}
