package marketplace

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/audit"
	"github.com/hearth-placements/hearth/commissioning/geo"
	"github.com/hearth-placements/hearth/commissioning/notify"
)

// Errors about awards.
var (
	ErrNotClosed       = fmt.Errorf("bids are sealed until the request closes at its deadline: %w", commissioning.ErrConflict)
	ErrAlreadyAwarded  = fmt.Errorf("this request has already been awarded: %w", commissioning.ErrConflict)
	ErrBidNotAvailable = fmt.Errorf("that bid has been withdrawn or is not for this request: %w", commissioning.ErrInvalid)
	ErrBedTaken        = fmt.Errorf("the home has no bed left to reserve: another award took it: %w", commissioning.ErrConflict)
	ErrNotAwaiting     = fmt.Errorf("this placement is not awaiting approval: %w", commissioning.ErrConflict)
)

// DistantMiles is the Hearth rule's threshold: a placement further than this from the
// child's home needs a senior approver.
const DistantMiles = 20.0

// Placement is an awarded bid: the child's placement in a home.
type Placement struct {
	ID              int64 `gorm:"primaryKey"`
	RequestID       int64
	BidID           int64
	CouncilID       int64
	ProviderID      int64
	HomeID          int64
	Status          string // awaiting_approval, awarded, refused, started, ended
	WeeklyFeePence  Pence
	StartDate       time.Time
	Miles           float64
	ApprovalReasons Codes `gorm:"type:text[]"`
	AwardedBy       *int64
	AwardedAt       time.Time `gorm:"->"`
	DecidedBy       *int64
	DecidedAt       *time.Time
	RefusalReason   *string
	HostCouncilID   *int64
	NoticeDays      int
	ReviewDate      *time.Time
	StartedOn       *time.Time
	StartedBy       *int64
	EndedOn         *time.Time
	EndReason       *string
	EndNote         string
	EndedBy         *int64
}

// TableName is the placements table.
func (Placement) TableName() string { return "placements" }

// ApprovalReasons applies the Hearth rule: an award needs an approver (the DCS or a
// delegate) when the home is more than 20 miles from the child's home, or out of the
// placing council's area and not in an adjoining council, or its fee is above the ceiling.
func ApprovalReasons(miles float64, placingONS, hostONS string, total, ceiling Pence) []string {
	var out []string
	if miles > DistantMiles {
		out = append(out, "distance")
	}
	if hostONS != placingONS && !geo.Adjoining(placingONS, hostONS) {
		out = append(out, "out_of_area")
	}
	if ceiling > 0 && total > ceiling {
		out = append(out, "over_ceiling")
	}
	return out
}

// Award reserves a bed in the bid's home and creates the placement, in one
// transaction. The reservation is a conditional update, so two awards of a home's
// last bed at the same moment — from any number of processes — cannot both succeed:
// the second finds no bed and gets ErrBedTaken. Bids can be awarded only once the
// request has closed.
func (s *Service) Award(ctx context.Context, requestID, councilID, bidID, by int64) (Placement, error) {
	var p Placement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r commissioning.PlacementRequest
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND council_id = ?", requestID, councilID).First(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("placement request %d: %w", requestID, commissioning.ErrNotFound)
			}
			return err
		}
		switch r.Status {
		case "closed":
		case "awarded":
			return ErrAlreadyAwarded
		case "cancelled":
			return ErrRequestCancelled
		default:
			return ErrNotClosed
		}
		var b Bid
		if err := tx.Where("id = ? AND request_id = ? AND status = 'active'", bidID, requestID).First(&b).Error; err != nil {
			return ErrBidNotAvailable
		}
		start := b.EarliestStart
		res := tx.Exec("UPDATE homes SET beds_free = beds_free - 1, updated_at = now() WHERE id = ? AND beds_free > 0", b.HomeID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			// No bed free now: take one of the beds becoming free by the start date.
			res = tx.Exec(`UPDATE homes SET next_free_beds = CASE WHEN next_free_beds > 1 THEN next_free_beds - 1 END,
                    next_free_date = CASE WHEN next_free_beds > 1 THEN next_free_date END, updated_at = now()
                WHERE id = ? AND next_free_beds > 0 AND next_free_date <= ?`, b.HomeID, start)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return ErrBedTaken
			}
		}
		home, err := recordVacancy(tx, b.HomeID, "award", by)
		if err != nil {
			return err
		}
		var placing, host commissioning.Organisation
		if err := tx.First(&placing, councilID).Error; err != nil {
			return err
		}
		hostONS := ""
		if home.HostCouncilID != nil && tx.First(&host, *home.HostCouncilID).Error == nil && host.ONSCode != nil {
			hostONS = *host.ONSCode
		}
		var lot Lot
		if err := tx.Preload("Tiers").First(&lot, *r.LotID).Error; err != nil {
			return err
		}
		ceiling, _ := lot.Ceiling(*r.Tier)
		// The rule is applied to the exact distance; the placement keeps it to 0.1 mile.
		exact := geo.Miles(geo.Point{Lat: *r.HomeLat, Lon: *r.HomeLon}, geo.Point{Lat: home.Lat, Lon: home.Lon})
		miles := math.Round(exact*10) / 10
		reasons := ApprovalReasons(exact, *placing.ONSCode, hostONS, b.TotalWeekly(), ceiling)
		review := start.AddDate(0, 0, ReviewAfterDays)
		p = Placement{RequestID: r.ID, BidID: b.ID, CouncilID: councilID, ProviderID: b.ProviderID, HomeID: home.ID, Status: "awarded",
			WeeklyFeePence: b.TotalWeekly(), StartDate: start, Miles: miles, ApprovalReasons: Codes(reasons), AwardedBy: nullID(by),
			HostCouncilID: home.HostCouncilID, NoticeDays: b.NoticeDays, ReviewDate: &review}
		if len(reasons) > 0 {
			p.Status = "awaiting_approval"
		}
		if err := tx.Select("RequestID", "BidID", "CouncilID", "ProviderID", "HomeID", "Status", "WeeklyFeePence", "StartDate", "Miles",
			"ApprovalReasons", "AwardedBy", "HostCouncilID", "NoticeDays", "ReviewDate").Create(&p).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrAlreadyAwarded
			}
			return err
		}
		if err := tx.First(&p, p.ID).Error; err != nil {
			return err
		}
		fee := PlacementFee{PlacementID: p.ID, EffectiveFrom: start, CorePence: b.WeeklyFeePence, OneToOneHours: b.OneToOneHours,
			OneToOneRatePence: b.OneToOneRatePence, EducationPence: b.EducationPence, Reason: "Awarded", ChangedBy: nullID(by)}
		if err := tx.Omit("TotalPence", "ChangedAt").Create(&fee).Error; err != nil {
			return err
		}
		if err := tx.Model(&commissioning.PlacementRequest{}).Where("id = ?", r.ID).Update("status", "awarded").Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "request.award", "placement", fmt.Sprint(p.ID), map[string]any{"request_id": r.ID, "bid_id": b.ID,
			"home_id": home.ID, "miles": miles, "approval_reasons": reasons, "status": p.Status}); err != nil {
			return err
		}
		if p.Status == "awaiting_approval" {
			return s.tell(ctx, tx, r.ID, notify.Message{OrgID: councilID, PlacementID: p.ID, Kind: "approval", Roles: []commissioning.Role{commissioning.RoleApprover},
				Subject: fmt.Sprintf("Placement request %d: an award waits for your approval", r.ID), Path: "/approvals",
				Body: fmt.Sprintf("An award of placement request %d (%s) needs a senior approver: %s.", r.ID, r.ChildRef, strings.Join(reasonLabels(reasons), "; "))})
		}
		return s.confirmAward(ctx, tx, p)
	})
	return p, err
}

// ApprovalReasonLabels explain why an award needs an approver.
var ApprovalReasonLabels = []Option{
	{Code: "distance", Label: "More than 20 miles from the child's home"},
	{Code: "out_of_area", Label: "Outside the council's area and not in an adjoining council"},
	{Code: "over_ceiling", Label: "Above the framework's price ceiling"},
}

func reasonLabels(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = strings.ToLower(Label(ApprovalReasonLabels, c)[:1]) + Label(ApprovalReasonLabels, c)[1:]
	}
	return out
}

// DecideAward approves or refuses an award awaiting approval, by an approver of the placing
// council. A refusal gives the reserved bed back and reopens the request for another
// award from the same bids.
func (s *Service) DecideAward(ctx context.Context, placementID, councilID, by int64, approve bool, reason string) (Placement, error) {
	var p Placement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND council_id = ?", placementID, councilID).First(&p).Error; err != nil {
			return fmt.Errorf("placement %d: %w", placementID, commissioning.ErrNotFound)
		}
		if p.Status != "awaiting_approval" {
			return ErrNotAwaiting
		}
		reason = strings.TrimSpace(reason)
		now := s.Now()
		if approve {
			p.Status = "awarded"
		} else {
			if reason == "" {
				return commissioning.Invalid("reason", "Enter the reason for refusing; the commissioner will see it")
			}
			p.Status = "refused"
			p.RefusalReason = &reason
			if err := tx.Exec("UPDATE homes SET beds_free = LEAST(beds_free + 1, registered_places), updated_at = now() WHERE id = ?", p.HomeID).Error; err != nil {
				return err
			}
			if _, err := recordVacancy(tx, p.HomeID, "refusal", by); err != nil {
				return err
			}
			if err := tx.Model(&commissioning.PlacementRequest{}).Where("id = ?", p.RequestID).Update("status", "closed").Error; err != nil {
				return err
			}
		}
		p.DecidedBy, p.DecidedAt = nullID(by), &now
		if err := tx.Model(&p).Select("status", "refusal_reason", "decided_by", "decided_at").Updates(&p).Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, map[bool]string{true: "placement.approve", false: "placement.refuse"}[approve], "placement", fmt.Sprint(p.ID),
			map[string]any{"reason": reason}); err != nil {
			return err
		}
		m := notify.Message{Subject: fmt.Sprintf("Placement request %d: the award is approved", p.RequestID), Path: fmt.Sprintf("/placements/%d", p.ID),
			Body: "Your award has been approved. The placement agreement is issued, the providers and the host council have been told."}
		if !approve {
			m.Subject, m.Path = fmt.Sprintf("Placement request %d: the award was refused", p.RequestID), fmt.Sprintf("/requests/%d", p.RequestID)
			m.Body = "Your award was refused: " + reason + "\n\nThe bed has been released; you can award another bid."
		}
		if err := s.tellUser(ctx, tx, p.RequestID, p.AwardedBy, m); err != nil {
			return err
		}
		if approve {
			return s.confirmAward(ctx, tx, p)
		}
		return nil
	})
	return p, err
}

// Pending is an award waiting for a council's approver, with what the approver weighs.
type Pending struct {
	Placement
	ChildRef string
	HomeName string
	Provider string
	HostName string
	Ceiling  Pence
	// Alternative is, for an alternative offer, the matching rules its home fails.
	Alternative string
}

// AwaitingApproval lists one page of a council's awards waiting for an approver,
// oldest first, and counts them all.
func (s *Service) AwaitingApproval(ctx context.Context, councilID int64, page commissioning.Page) ([]Pending, int64, error) {
	q := s.db.WithContext(ctx).Model(&Placement{}).Where("council_id = ? AND status = 'awaiting_approval'", councilID).Order("awarded_at, id")
	ps, total, err := commissioning.FindPage[Placement](q, page)
	if err != nil {
		return nil, 0, err
	}
	out := make([]Pending, 0, len(ps))
	for _, p := range ps {
		var row struct {
			ChildRef, HomeName, Provider, HostName string
			LotID                                  int64
			Tier                                   string
			Alternative                            string
		}
		err := s.db.WithContext(ctx).Raw(`SELECT r.child_ref, h.name AS home_name, o.name AS provider, coalesce(hc.name, '') AS host_name, r.lot_id, r.tier,
                CASE WHEN b.alternative THEN b.alternative_detail ELSE '' END AS alternative
            FROM placement_requests r JOIN homes h ON h.id = ? JOIN organisations o ON o.id = h.provider_id JOIN bids b ON b.id = ?
            LEFT JOIN organisations hc ON hc.id = h.host_council_id WHERE r.id = ?`, p.HomeID, p.BidID, p.RequestID).Scan(&row).Error
		if err != nil {
			return nil, 0, err
		}
		var lot Lot
		if err := s.db.WithContext(ctx).Preload("Tiers").First(&lot, row.LotID).Error; err != nil {
			return nil, 0, err
		}
		ceiling, _ := lot.Ceiling(row.Tier)
		out = append(out, Pending{Placement: p, ChildRef: row.ChildRef, HomeName: row.HomeName, Provider: row.Provider, HostName: row.HostName, Ceiling: ceiling,
			Alternative: row.Alternative})
	}
	return out, total, nil
}

// recordVacancy adds a history row with a home's vacancy as it now stands, after Hearth
// itself changed it (an award reserving a bed, a refusal releasing one); the row's
// trigger tells open boards. It returns the home.
func recordVacancy(tx *gorm.DB, homeID int64, source string, by int64) (Home, error) {
	var home Home
	if err := tx.First(&home, homeID).Error; err != nil {
		return home, err
	}
	err := tx.Create(&VacancyChange{HomeID: home.ID, BedsFree: home.BedsFree, NextFreeDate: home.NextFreeDate, NextFreeBeds: home.NextFreeBeds, Source: source, ChangedBy: nullID(by)}).Error
	return home, err
}
