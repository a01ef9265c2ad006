package secure

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

// The statutory rules of secure accommodation beyond the bed board: releasing a held bed,
// the approvals a placement needs, and the 72-hour clock for children held without a
// court order.

// Release lets go of the bed held for an allocated child, with the coordinator's reason:
// the bed is free again, the child goes back on the waiting list (with the offers homes
// made still standing), and the council, the home and the host council are told. Returns
// ErrNotHeld when no bed is held for the child.
func (s *Service) Release(ctx context.Context, referralID, by int64, reason string) (Referral, error) {
	var r Referral
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&r, referralID).Error; err != nil {
			return notFound(referralID, err)
		}
		if !r.Status.Allocated() || r.AllocatedBedID == nil {
			return ErrNotHeld
		}
		if reason = strings.TrimSpace(reason); reason == "" || len(reason) > 2000 {
			return kernel.Invalid("reason", "Enter why the bed is released, in 2,000 characters or fewer")
		}
		var b Bed
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&b, *r.AllocatedBedID).Error; err != nil {
			return err
		}
		var h Home
		if err := tx.First(&h, b.HomeID).Error; err != nil {
			return err
		}
		var answers struct{ Asked, Offers int64 }
		if err := tx.Raw("SELECT count(*) AS asked, count(*) FILTER (WHERE response = 'accepted') AS offers FROM secure_circulations WHERE referral_id = ?", r.ID).
			Scan(&answers).Error; err != nil {
			return err
		}
		status := ReferralReceived
		switch {
		case answers.Offers > 0:
			status = ReferralOffers
		case answers.Asked > 0:
			status = ReferralCirculated
		}
		if err := r.Status.CanTransition(status); err != nil {
			return err
		}
		if err := tx.Model(&Referral{}).Where("id = ?", r.ID).Updates(map[string]any{"status": status, "allocated_bed_id": nil, "allocated_at": nil,
			"allocated_by": nil, "version": gorm.Expr("version + 1")}).Error; err != nil {
			return ruleErr(err)
		}
		if err := releaseBed(tx, b.ID, r.ID, by); err != nil {
			return err
		}
		if err := tx.First(&r, r.ID).Error; err != nil {
			return err
		}
		if err := changed(tx, r.ID); err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "secure.release", "secure_referral", fmt.Sprint(r.ID), map[string]any{"bed_id": b.ID, "home_id": h.ID, "reason": reason}); err != nil {
			return err
		}
		return s.tellParties(ctx, tx, r, h, b, "bed released",
			fmt.Sprintf("The Secure Welfare Coordination Unit has released bed %s at %s, which was held for the child (%s): %s. The child is back on the waiting list.", b.Label, h.Name, r.ChildRef, reason))
	})
	return r, err
}

// OrderInForce reports whether a section 25 order authorises keeping the child in secure
// accommodation on day.
func (r Referral) OrderInForce(day time.Time) bool {
	return r.LegalPosition == "order_granted" && r.OrderExpiry != nil && !r.OrderExpiry.Before(kernel.DateOf(day))
}

// Approvals the council or the SWCU records for a referral.

// ApprovalInput records the Secretary of State's approval for an under-13 (Kind "sos":
// requested on a date, then granted with a reference) or the Scottish Ministers' approval
// of one Scottish unit (Kind "scottish", HomeID, granted with a reference).
type ApprovalInput struct {
	Kind        string
	HomeID      int64
	RequestedOn *time.Time
	GrantedOn   *time.Time
	Reference   string
}

// ScottishApproval is the Scottish Ministers' approval of a Scottish unit for a child.
type ScottishApproval struct {
	ReferralID int64
	HomeID     int64
	HomeName   string `gorm:"->;-:migration"`
	GrantedOn  time.Time
	Reference  string
}

// RecordApproval records an approval on a referral its council or the SWCU may change.
func (s *Service) RecordApproval(ctx context.Context, referralID int64, v Viewer, by int64, in ApprovalInput) (Referral, error) {
	var r Referral
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if r, err = lockFor(ctx, tx, referralID, v); err != nil {
			return err
		}
		if !r.Status.Active() {
			return ErrNotWaiting
		}
		in.Reference = strings.TrimSpace(in.Reference)
		req := ApprovalRequest{Kind: in.Kind, HomeID: in.HomeID, Reference: in.Reference}
		if in.RequestedOn != nil {
			req.RequestedOn = in.RequestedOn.Format(time.DateOnly)
		}
		if in.GrantedOn != nil {
			req.GrantedOn = in.GrantedOn.Format(time.DateOnly)
		}
		fe := kernel.Check(&req).With(req.Rules(s.Now()))
		if in.Kind == "scottish" && !fe.Has("home_id") {
			var h Home
			if err := tx.First(&h, in.HomeID).Error; err != nil || h.Country != "scotland" {
				fe.Add("home_id", "Select the Scottish unit the approval is for")
			}
		}
		if len(fe) > 0 {
			return fe
		}
		if in.Kind == "sos" {
			upd := map[string]any{"version": gorm.Expr("version + 1")}
			if in.RequestedOn != nil {
				upd["sos_requested_on"] = in.RequestedOn
			}
			if in.GrantedOn != nil {
				upd["sos_granted_on"], upd["sos_approval_ref"] = in.GrantedOn, in.Reference
			}
			if err := tx.Model(&Referral{}).Where("id = ?", r.ID).Updates(upd).Error; err != nil {
				return ruleErr(err)
			}
		} else if err := tx.Exec(`INSERT INTO secure_scottish_approvals (referral_id, home_id, granted_on, reference, recorded_by) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (referral_id, home_id) DO UPDATE SET granted_on = EXCLUDED.granted_on, reference = EXCLUDED.reference, recorded_by = EXCLUDED.recorded_by, recorded_at = now()`,
			r.ID, in.HomeID, in.GrantedOn, in.Reference, nullID(by)).Error; err != nil {
			return err
		}
		if err := tx.First(&r, r.ID).Error; err != nil {
			return err
		}
		if err := changed(tx, r.ID); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "secure.approval", "secure_referral", fmt.Sprint(r.ID), map[string]any{"kind": in.Kind, "home_id": in.HomeID,
			"requested_on": dateString(in.RequestedOn), "granted_on": dateString(in.GrantedOn), "reference": in.Reference})
	})
	return r, err
}

func dateString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// ScottishApprovals lists the Scottish Ministers' approvals recorded for a referral.
func (s *Service) ScottishApprovals(ctx context.Context, referralID int64) ([]ScottishApproval, error) {
	var out []ScottishApproval
	err := s.db.WithContext(ctx).Table("secure_scottish_approvals a").Select("a.*, h.name AS home_name").Joins("JOIN secure_homes h ON h.id = a.home_id").
		Where("a.referral_id = ?", referralID).Order("h.name").Scan(&out).Error
	return out, err
}

// ScottishUnits lists the secure units in Scotland.
func (s *Service) ScottishUnits(ctx context.Context) ([]Home, error) {
	var out []Home
	err := s.db.WithContext(ctx).Where("country = 'scotland'").Order("name").Find(&out).Error
	return out, err
}

// lockFor reads a referral for update on behalf of its council or the SWCU.
func lockFor(ctx context.Context, tx *gorm.DB, id int64, v Viewer) (Referral, error) {
	switch v.Kind {
	case kernel.KindCouncil:
		return lockOwn(ctx, tx, id, v.OrgID)
	case kernel.KindSWCU:
		var r Referral
		err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).First(&r, id).Error
		return r, notFound(id, err)
	}
	return Referral{}, fmt.Errorf("secure referral %d: %w", id, kernel.ErrNotFound)
}

// The 72-hour clock (Children (Secure Accommodation) Regulations 1991, reg. 10): without
// the authority of a court a child may be kept in secure accommodation for at most 72
// hours, whether or not consecutive, in any period of 28 consecutive days.
const (
	NoOrderLimitHours = 72
	NoOrderWindow     = 28 * 24 * time.Hour
)

// Hold is a period the child was kept in secure accommodation without a court order; an
// open period (no end) is still running.
type Hold struct {
	ID         int64 `gorm:"primaryKey"`
	ReferralID int64
	StartedAt  time.Time
	EndedAt    *time.Time
	RecordedBy *int64
}

// TableName is the secure_holds_without_order table.
func (Hold) TableName() string { return "secure_holds_without_order" }

// HoursUsed is the hours held without an order in the 28 days up to at (an open period
// counts up to at) — the same sum as the database's secure_hours_without_order.
func HoursUsed(holds []Hold, at time.Time) float64 {
	from := at.Add(-NoOrderWindow)
	var used time.Duration
	for _, h := range holds {
		end := at
		if h.EndedAt != nil && h.EndedAt.Before(at) {
			end = *h.EndedAt
		}
		start := h.StartedAt
		if start.Before(from) {
			start = from
		}
		if end.After(start) {
			used += end.Sub(start)
		}
	}
	return used.Hours()
}

// MostHoursInAnyWindow is the most hours held without an order in any 28 consecutive
// days up to now. A window's sum peaks when it ends as a period ends (or now), or starts
// as a period starts, so those are the windows to try.
func MostHoursInAnyWindow(holds []Hold, now time.Time) float64 {
	ends := []time.Time{now}
	for _, h := range holds {
		if h.EndedAt != nil && h.EndedAt.Before(now) {
			ends = append(ends, *h.EndedAt)
		}
		if e := h.StartedAt.Add(NoOrderWindow); e.Before(now) {
			ends = append(ends, e)
		}
	}
	most := 0.0
	for _, e := range ends {
		most = max(most, HoursUsed(holds, e))
	}
	return most
}

// Clock is where a child stands against the 72-hour limit.
type Clock struct {
	Holds     []Hold
	Used      float64 // hours in the last 28 days
	Remaining float64 // hours left before a court order is needed (never below 0)
	Running   bool    // a period is open now
	Exceeded  bool    // some 28 days held more than 72 hours
}

// NoOrderClock returns the referral's 72-hour clock at the service's now.
func (s *Service) NoOrderClock(ctx context.Context, referralID int64) (Clock, error) {
	var holds []Hold
	if err := s.db.WithContext(ctx).Where("referral_id = ?", referralID).Order("started_at").Find(&holds).Error; err != nil {
		return Clock{}, err
	}
	now := s.Now()
	c := Clock{Holds: holds, Used: HoursUsed(holds, now), Exceeded: MostHoursInAnyWindow(holds, now) > NoOrderLimitHours}
	c.Remaining = max(0, NoOrderLimitHours-c.Used)
	for _, h := range holds {
		c.Running = c.Running || h.EndedAt == nil
	}
	sort.SliceStable(c.Holds, func(i, j int) bool { return c.Holds[i].StartedAt.After(c.Holds[j].StartedAt) })
	return c, nil
}

func (s *Service) hoursWithoutOrder(ctx context.Context, tx *gorm.DB, referralID int64) (float64, error) {
	var holds []Hold
	if err := tx.WithContext(ctx).Where("referral_id = ?", referralID).Find(&holds).Error; err != nil {
		return 0, err
	}
	return HoursUsed(holds, s.Now()), nil
}

// RecordHold records a period the child was kept in secure accommodation without a court
// order (no end: still held). It is a fact, so it is recorded even when it takes the
// child past 72 hours; the referral then shows the limit exceeded and admission without
// an order is refused.
func (s *Service) RecordHold(ctx context.Context, referralID int64, v Viewer, by int64, start, end *time.Time) (Clock, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := lockFor(ctx, tx, referralID, v)
		if err != nil {
			return err
		}
		now := s.Now()
		in := HoldInput{Until: end}
		if start != nil {
			in.From = *start
		}
		fe := kernel.Check(&in).With(in.Rules(now))
		if len(fe) > 0 {
			return fe
		}
		var overlap int64
		if err := tx.Model(&Hold{}).Where("referral_id = ? AND tstzrange(started_at, ended_at) && tstzrange(?, ?)", r.ID, start, end).Count(&overlap).Error; err != nil {
			return err
		}
		if overlap > 0 {
			return kernel.Invalid("from", "This period overlaps one already recorded")
		}
		if err := tx.Create(&Hold{ReferralID: r.ID, StartedAt: *start, EndedAt: end, RecordedBy: nullID(by)}).Error; err != nil {
			return err
		}
		if err := changed(tx, r.ID); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "secure.hold_without_order", "secure_referral", fmt.Sprint(r.ID), map[string]any{"from": start, "until": end})
	})
	if err != nil {
		return Clock{}, err
	}
	return s.NoOrderClock(ctx, referralID)
}

// EndHold closes the open period (the court made an order, or the child left).
func (s *Service) EndHold(ctx context.Context, referralID int64, v Viewer, at time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := lockFor(ctx, tx, referralID, v)
		if err != nil {
			return err
		}
		var h Hold
		if err := tx.Where("referral_id = ? AND ended_at IS NULL", r.ID).First(&h).Error; err != nil {
			return fmt.Errorf("no period without an order is running: %w", kernel.ErrConflict)
		}
		if !at.After(h.StartedAt) || at.After(s.Now()) {
			return kernel.Invalid("at", "The end must be after the start, "+h.StartedAt.In(london).Format("2 January 2006 15:04")+", and no later than now")
		}
		if err := tx.Model(&Hold{}).Where("id = ?", h.ID).Update("ended_at", at).Error; err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "secure.hold_without_order_end", "secure_referral", fmt.Sprint(r.ID), map[string]any{"until": at})
	})
}
