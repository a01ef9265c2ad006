package secure

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/secure/allocate"
)

// DeclineReasons are why a home declines a referral.
var DeclineReasons = []kernel.Option{
	{Code: "no_bed", Label: "No bed"}, {Code: "staffing", Label: "Staffing"}, {Code: "mix_of_children", Label: "Mix of children"},
	{Code: "needs_beyond_home", Label: "Needs beyond the home"}, {Code: "distance", Label: "Distance"}, {Code: "other", Label: "Other"},
}

// DischargeReasons are why a child leaves a secure bed.
var DischargeReasons = []kernel.Option{
	{Code: "order_ended", Label: "Order ended"}, {Code: "step_down", Label: "Stepped down to another placement"},
	{Code: "moved_secure", Label: "Moved to another secure home"}, {Code: "returned_home", Label: "Returned home"}, {Code: "other", Label: "Other"},
}

// Circulation is a referral sent to a home, with the home's answer.
type Circulation struct {
	ReferralID        int64     `gorm:"primaryKey"`
	HomeID            int64     `gorm:"primaryKey"`
	CirculatedAt      time.Time `gorm:"->"`
	CirculatedBy      *int64
	Response          *string
	BedID             *int64
	EarliestAdmission *time.Time
	DeclineReason     *string
	Detail            string
	RespondedAt       *time.Time
	RespondedBy       *int64
	HomeName          string `gorm:"->;-:migration"`
	BedLabel          string `gorm:"->;-:migration"`
}

// TableName is the secure_circulations table.
func (Circulation) TableName() string { return "secure_circulations" }

// Circulations lists the homes a referral went to, with their answers.
func (s *Service) Circulations(ctx context.Context, referralID int64) ([]Circulation, error) {
	var out []Circulation
	err := s.db.WithContext(ctx).Table("secure_circulations c").Select("c.*, h.name AS home_name, coalesce(b.label, '') AS bed_label").
		Joins("JOIN secure_homes h ON h.id = c.home_id").Joins("LEFT JOIN secure_beds b ON b.id = c.bed_id").
		Where("c.referral_id = ?", referralID).Order("h.name").Scan(&out).Error
	return out, err
}

// Suitable is a home that fits a child today, with its free and soon-free welfare beds.
type Suitable struct {
	Home
	Miles     float64
	Free      int
	Soon      int
	FreeBeds  []Bed
	Preferred bool // within the council's preferred distance
}

// suitable lists the homes whose registration fits the child and that have a welfare bed
// free now or within seven days, nearest first.
func suitable(r Referral, homes []Home, beds map[int64][]Bed, week time.Time) []Suitable {
	var out []Suitable
	for _, st := range taking(r, homes, beds, week) {
		if st.Free+st.Soon > 0 {
			out = append(out, st)
		}
	}
	return out
}

// taking lists every home whose registration fits the child, nearest first, with its
// free and soon-free welfare beds (perhaps none).
func taking(r Referral, homes []Home, beds map[int64][]Bed, week time.Time) []Suitable {
	var out []Suitable
	for _, h := range homes {
		if !h.Takes(r.AgeYears, r.Sex) {
			continue
		}
		st := Suitable{Home: h, Miles: round1(geo.Miles(geo.Point{Lat: r.Lat, Lon: r.Lon}, geo.Point{Lat: h.Lat, Lon: h.Lon}))}
		for _, b := range beds[h.ID] {
			if b.Designation != "welfare" {
				continue
			}
			if b.Status.IsFree() {
				st.Free++
				st.FreeBeds = append(st.FreeBeds, b)
			} else if b.FreeBy(week) {
				st.Soon++
			}
		}
		st.Preferred = st.Miles <= float64(r.PreferredMiles)
		out = append(out, st)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Miles < out[j].Miles })
	return out
}

func round1(m float64) float64 { return math.Round(m*10) / 10 }

// estate loads every home and its beds.
func (s *Service) estate(ctx context.Context, db *gorm.DB) ([]Home, map[int64][]Bed, error) {
	var homes []Home
	if err := db.WithContext(ctx).Order("name").Find(&homes).Error; err != nil {
		return nil, nil, err
	}
	var beds []Bed
	if err := db.WithContext(ctx).Order("home_id, label").Find(&beds).Error; err != nil {
		return nil, nil, err
	}
	byHome := map[int64][]Bed{}
	for _, b := range beds {
		byHome[b.HomeID] = append(byHome[b.HomeID], b)
	}
	return homes, byHome, nil
}

// WaitingChild is a row of the SWCU's waiting list.
type WaitingChild struct {
	Referral
	Council     string
	DaysWaiting int
	Paused      string
	Suitable    []Suitable
}

// WaitingList returns every waiting child, most pressing first, with the homes suitable
// for them today. Only the SWCU may see it.
func (s *Service) WaitingList(ctx context.Context) ([]WaitingChild, error) {
	homes, beds, err := s.estate(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return s.waiting(ctx, homes, beds)
}

// waiting builds the waiting list over an estate already loaded.
func (s *Service) waiting(ctx context.Context, homes []Home, beds map[int64][]Bed) ([]WaitingChild, error) {
	var refs []Referral
	if err := s.db.WithContext(ctx).Where("status IN ('received', 'circulated', 'offers')").Find(&refs).Error; err != nil {
		return nil, err
	}
	names, err := councilNames(ctx, s.db)
	if err != nil {
		return nil, err
	}
	now, week := s.Now(), s.today().AddDate(0, 0, 7)
	out := make([]WaitingChild, 0, len(refs))
	for _, r := range refs {
		out = append(out, WaitingChild{Referral: r, Council: names[r.CouncilID], DaysWaiting: r.DaysWaiting(now), Paused: r.Paused(now), Suitable: suitable(r, homes, beds, week)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Priority(now) > out[j].Priority(now) })
	return out, nil
}

func councilNames(ctx context.Context, db *gorm.DB) (map[int64]string, error) {
	var rows []struct {
		ID   int64
		Name string
	}
	if err := db.WithContext(ctx).Raw("SELECT id, name FROM organisations WHERE kind = 'council'").Scan(&rows).Error; err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(rows))
	for _, r := range rows {
		m[r.ID] = r.Name
	}
	return m, nil
}

// HomesFor returns every home that takes the child, nearest first, with its free and
// soon-free welfare beds: the coordinator may ask a home with no bed today, since beds
// free up.
func (s *Service) HomesFor(ctx context.Context, r Referral) ([]Suitable, error) {
	homes, beds, err := s.estate(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return taking(r, homes, beds, s.today().AddDate(0, 0, 7)), nil
}

// Circulate sends a waiting referral to the chosen homes, which are told by email and in
// Hearth. Sending again to a home it already went to changes nothing.
func (s *Service) Circulate(ctx context.Context, referralID int64, homeIDs []int64, by int64) (int, error) {
	sent := 0
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r Referral
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&r, referralID).Error; err != nil {
			return notFound(referralID, err)
		}
		if !r.Waiting() {
			return ErrNotWaiting
		}
		if len(homeIDs) == 0 {
			return kernel.Invalid("home_ids", "Select at least one home to send the referral to")
		}
		for _, hid := range homeIDs {
			var h Home
			if err := tx.First(&h, hid).Error; err != nil {
				return kernel.Invalid("home_ids", "Select homes from the list")
			}
			if !h.Takes(r.AgeYears, r.Sex) {
				return kernel.Invalid("home_ids", fmt.Sprintf("%s does not take a %d-year-old %s", h.Name, r.AgeYears, map[string]string{"male": "boy", "female": "girl"}[r.Sex]))
			}
			res := tx.Exec("INSERT INTO secure_circulations (referral_id, home_id, circulated_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", r.ID, h.ID, nullID(by))
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			sent++
			if err := s.notify.Send(ctx, tx, notify.Message{OrgID: h.ProviderID, Kind: "secure", Inbox: true, Roles: []kernel.Role{kernel.RoleSecureHomeUser},
				Subject: fmt.Sprintf("Secure referral %d: can you offer a bed?", r.ID), Path: "/secure/home",
				Body: fmt.Sprintf("The Secure Welfare Coordination Unit asks whether %s can take a %d-year-old %s (%s, %s). Accept with a bed and the earliest admission date, or decline with a reason.",
					h.Name, r.AgeYears, map[string]string{"male": "boy", "female": "girl"}[r.Sex], Label(Urgencies, r.Urgency), Label(LegalPositions, r.LegalPosition))}); err != nil {
				return err
			}
		}
		if r.Status == ReferralReceived && sent > 0 {
			if err := r.Transition(ReferralCirculated); err != nil {
				return err
			}
			if err := tx.Model(&Referral{}).Where("id = ?", r.ID).Update("status", r.Status).Error; err != nil {
				return err
			}
		}
		if err := changed(tx, r.ID); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "secure.circulate", "secure_referral", fmt.Sprint(r.ID), map[string]any{"home_ids": homeIDs, "sent": sent})
	})
	return sent, err
}

// Response is a home's answer to a circulated referral.
type Response struct {
	Accept            bool
	BedID             int64
	EarliestAdmission *time.Time
	DeclineReason     string
	Detail            string
}

// Respond records a home's acceptance (with a free welfare bed and the earliest admission
// date) or its decline (with a reason), and tells the SWCU.
func (s *Service) Respond(ctx context.Context, referralID, providerID, by int64, resp Response) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var h Home
		if err := tx.Where("provider_id = ?", providerID).First(&h).Error; err != nil {
			return fmt.Errorf("secure referral %d: %w", referralID, kernel.ErrNotFound)
		}
		var c Circulation
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("referral_id = ? AND home_id = ?", referralID, h.ID).First(&c).Error; err != nil {
			return fmt.Errorf("secure referral %d: %w", referralID, kernel.ErrNotFound)
		}
		var r Referral
		if err := tx.First(&r, referralID).Error; err != nil {
			return err
		}
		if !r.Waiting() {
			return ErrNotWaiting
		}
		var fe kernel.FieldErrors
		now := s.Now()
		upd := map[string]any{"responded_at": now, "responded_by": nullID(by), "detail": strings.TrimSpace(resp.Detail)}
		if resp.Accept {
			var b Bed
			if err := tx.Where("id = ? AND home_id = ?", resp.BedID, h.ID).First(&b).Error; err != nil {
				fe.Add("bed_id", "Select one of your beds")
			} else if !b.Status.IsFree() || b.Designation != "welfare" {
				fe.Add("bed_id", "Select a free welfare bed")
			}
			if resp.EarliestAdmission == nil {
				fe.Add("earliest_admission", "Enter the earliest date the child can be admitted")
			} else if resp.EarliestAdmission.Before(s.today()) {
				fe.Add("earliest_admission", "The earliest admission date must be today or later")
			}
			upd["response"], upd["bed_id"], upd["earliest_admission"], upd["decline_reason"] = "accepted", resp.BedID, resp.EarliestAdmission, nil
		} else {
			if !kernel.ValidCode(DeclineReasons, resp.DeclineReason) {
				fe.Add("decline_reason", "Select why you are declining")
			} else if resp.DeclineReason == "other" && strings.TrimSpace(resp.Detail) == "" {
				fe.Add("detail", "Say why you are declining")
			}
			upd["response"], upd["decline_reason"], upd["bed_id"], upd["earliest_admission"] = "declined", resp.DeclineReason, nil, nil
		}
		if len(fe) > 0 {
			return fe
		}
		if err := tx.Model(&Circulation{}).Where("referral_id = ? AND home_id = ?", referralID, h.ID).Updates(upd).Error; err != nil {
			return err
		}
		if resp.Accept && r.Status != ReferralOffers {
			if err := r.Transition(ReferralOffers); err != nil {
				return err
			}
			if err := tx.Model(&Referral{}).Where("id = ?", r.ID).Update("status", r.Status).Error; err != nil {
				return err
			}
		}
		what := "declined: " + Label(DeclineReasons, resp.DeclineReason)
		if resp.Accept {
			what = "offers a bed from " + resp.EarliestAdmission.Format(day)
		}
		if err := changed(tx, r.ID); err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "secure.respond", "secure_referral", fmt.Sprint(r.ID), map[string]any{"home_id": h.ID, "response": upd["response"], "reason": resp.DeclineReason}); err != nil {
			return err
		}
		return s.tellSWCU(ctx, tx, fmt.Sprintf("Secure referral %d: %s %s", r.ID, h.Name, strings.SplitN(what, ":", 2)[0]),
			fmt.Sprintf("%s %s for secure referral %d.", h.Name, what, r.ID), fmt.Sprintf("/secure/referrals/%d", r.ID))
	})
}

// Allocate holds one bed for a waiting child, atomically: of two coordinators allocating
// the same bed at once exactly one wins; the other gets ErrBedTaken. The council, the home
// and the host council are told.
func (s *Service) Allocate(ctx context.Context, referralID, bedID, by int64) (Referral, error) {
	var r Referral
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&r, referralID).Error; err != nil {
			return notFound(referralID, err)
		}
		if !r.Waiting() {
			return ErrNotWaiting
		}
		var b Bed
		if err := tx.First(&b, bedID).Error; err != nil {
			return kernel.Invalid("bed_id", "Select a bed from the list")
		}
		var h Home
		if err := tx.First(&h, b.HomeID).Error; err != nil {
			return err
		}
		switch {
		case b.Status.Closed():
			return kernel.Invalid("bed_id", fmt.Sprintf("Bed %s at %s is closed (%s) until %s", b.Label, h.Name, Label(ClosedReasons, deref(b.ClosedReason)), b.ReopensOn.Format(day)))
		case b.Designation != "welfare":
			return kernel.Invalid("bed_id", fmt.Sprintf("Bed %s at %s is contracted for youth justice, not welfare", b.Label, h.Name))
		case !h.Takes(r.AgeYears, r.Sex):
			return kernel.Invalid("bed_id", fmt.Sprintf("%s takes %s aged %d to %d: not this child", h.Name, strings.ToLower(h.Sexes()), h.MinAge, h.MaxAge))
		}
		if err := s.mayAllocate(ctx, tx, r, h, b); err != nil {
			return err
		}
		if err := b.Status.CanTransition(BedHeld); err != nil {
			return ErrBedTaken
		}
		res := tx.Exec("UPDATE secure_beds SET status = 'held', held_for = ?, expected_free_on = NULL, updated_at = now(), updated_by = ?, version = version + 1 WHERE id = ? AND status = 'free'",
			r.ID, nullID(by), b.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrBedTaken
		}
		if err := tx.First(&b, b.ID).Error; err != nil {
			return err
		}
		now := s.Now()
		if err := r.Status.CanTransition(ReferralAllocated); err != nil {
			return err
		}
		if err := tx.Model(&Referral{}).Where("id = ?", r.ID).Updates(map[string]any{"status": ReferralAllocated, "allocated_bed_id": b.ID, "allocated_at": now, "allocated_by": nullID(by)}).Error; err != nil {
			return ruleErr(err)
		}
		if err := tx.First(&r, r.ID).Error; err != nil {
			return err
		}
		if err := recordBed(tx, b, fmt.Sprintf("allocated to referral %d", r.ID), by); err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "secure.allocate", "secure_referral", fmt.Sprint(r.ID), map[string]any{"bed_id": b.ID, "home_id": h.ID}); err != nil {
			return err
		}
		if err := s.publishAllocated(ctx, tx, r, h, b); err != nil {
			return err
		}
		return s.tellParties(ctx, tx, r, h, b, "allocated",
			fmt.Sprintf("Bed %s at %s is held for the child (%s, aged %d).", b.Label, h.Name, r.ChildRef, r.AgeYears))
	})
	return r, err
}

// mayAllocate checks the rules an allocation must meet beyond the bed being free (the
// database's trigger secure_referral_rules checks them again): the home offered this bed
// to this child, since a registered manager can always refuse; an under-13 has the
// Secretary of State's approval (reg. 4); a Scottish unit has the Scottish Ministers'
// approval for this child (Children and Social Work Act 2017, Sch. 1).
func (s *Service) mayAllocate(ctx context.Context, tx *gorm.DB, r Referral, h Home, b Bed) error {
	var offered int64
	if err := tx.WithContext(ctx).Model(&Circulation{}).Where("referral_id = ? AND home_id = ? AND bed_id = ? AND response = 'accepted'", r.ID, h.ID, b.ID).Count(&offered).Error; err != nil {
		return err
	}
	if offered == 0 {
		return ErrNotOffered
	}
	if r.AgeYears < 13 && r.SOSGrantedOn == nil {
		return ErrNeedsSOSApproval
	}
	if h.Country == "scotland" {
		var approved int64
		if err := tx.WithContext(ctx).Table("secure_scottish_approvals").Where("referral_id = ? AND home_id = ?", r.ID, h.ID).Count(&approved).Error; err != nil {
			return err
		}
		if approved == 0 {
			return ErrNeedsScottishApproval
		}
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p != nil {
		return *p
	}
	return zero
}

// tellParties tells the placing council, the home and the host council of a step.
func (s *Service) tellParties(ctx context.Context, tx *gorm.DB, r Referral, h Home, b Bed, step, what string) error {
	council, home := fmt.Sprintf("/secure/referrals/%d", r.ID), "/secure/home"
	if err := s.notify.Send(ctx, tx, notify.Message{OrgID: r.CouncilID, Kind: "secure", Inbox: true, Roles: []kernel.Role{kernel.RoleCommissioner},
		Subject: fmt.Sprintf("Secure referral %s: %s", r.ChildRef, step), Body: what, Path: council}); err != nil {
		return err
	}
	if err := s.notify.Send(ctx, tx, notify.Message{OrgID: h.ProviderID, Kind: "secure", Inbox: true, Roles: []kernel.Role{kernel.RoleSecureHomeUser},
		Subject: fmt.Sprintf("Secure referral %d: %s", r.ID, step), Body: what, Path: home}); err != nil {
		return err
	}
	if h.HostCouncilID == nil || *h.HostCouncilID == r.CouncilID {
		return nil
	}
	var placing string
	if err := tx.Raw("SELECT name FROM organisations WHERE id = ?", r.CouncilID).Scan(&placing).Error; err != nil {
		return err
	}
	return s.notify.Send(ctx, tx, notify.Message{OrgID: *h.HostCouncilID, Kind: "host_secure", Inbox: true, Mailbox: true, Roles: []kernel.Role{kernel.RoleCommissioner},
		Subject: fmt.Sprintf("Secure placement in your area: %s, %s", h.Name, step),
		Body: fmt.Sprintf("%s has a child (reference %s) %s at %s, a secure children's home in your area. Social worker: %s.",
			placing, r.ChildRef, step, h.Name, r.SocialWorker)})
}

// Admit records that the home has admitted the allocated child: the bed becomes occupied
// and a secure placement starts.
func (s *Service) Admit(ctx context.Context, referralID, providerID, by int64, on time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, b, h, err := s.allocatedHere(ctx, tx, referralID, providerID)
		if err != nil {
			return err
		}
		if r.Status.CanTransition(ReferralPlaced) != nil {
			return fmt.Errorf("the child has been admitted already: %w", kernel.ErrConflict)
		}
		if err := b.Transition(BedOccupied); err != nil {
			return err
		}
		if on.Before(s.today()) {
			return kernel.Invalid("admitted_on", "The admission date cannot be in the past: record today's date when the child arrives")
		}
		if r.AgeYears < 13 && r.SOSGrantedOn == nil {
			return ErrNeedsSOSApproval
		}
		if !r.OrderInForce(on) {
			used, err := s.hoursWithoutOrder(ctx, tx, r.ID)
			if err != nil {
				return err
			}
			if used >= NoOrderLimitHours {
				return ErrNoOrderHoursUsed
			}
		}
		if err := tx.Exec("UPDATE secure_beds SET status = 'occupied', updated_at = now(), updated_by = ?, version = version + 1 WHERE id = ?", nullID(by), b.ID).Error; err != nil {
			return err
		}
		if err := tx.Exec("INSERT INTO secure_placements (referral_id, bed_id, admitted_on, admitted_by) VALUES (?, ?, ?, ?)", r.ID, b.ID, on, nullID(by)).Error; err != nil {
			return ruleErr(err)
		}
		if err := tx.Model(&Referral{}).Where("id = ?", r.ID).Updates(map[string]any{"status": ReferralPlaced, "closed_at": s.Now()}).Error; err != nil {
			return err
		}
		if err := recordBed(tx, b, fmt.Sprintf("admitted referral %d", r.ID), by); err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "secure.admit", "secure_referral", fmt.Sprint(r.ID), map[string]any{"bed_id": b.ID, "admitted_on": on.Format(time.DateOnly)}); err != nil {
			return err
		}
		return s.tellParties(ctx, tx, r, h, b, "admitted", fmt.Sprintf("%s admitted the child (%s) to bed %s on %s.", h.Name, r.ChildRef, b.Label, on.Format(day)))
	})
}

// Discharge records that the child left: the placement ends and the bed is free.
func (s *Service) Discharge(ctx context.Context, referralID, providerID, by int64, on time.Time, reason string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, b, h, err := s.allocatedHere(ctx, tx, referralID, providerID)
		if err != nil {
			return err
		}
		var admitted time.Time
		if err := tx.Raw("SELECT admitted_on FROM secure_placements WHERE referral_id = ? AND discharged_on IS NULL", r.ID).Scan(&admitted).Error; err != nil || admitted.IsZero() {
			return fmt.Errorf("the child is not in a bed here: %w", kernel.ErrConflict)
		}
		var fe kernel.FieldErrors
		if !kernel.ValidCode(DischargeReasons, reason) {
			fe.Add("discharge_reason", "Select why the child left")
		}
		if on.Before(admitted) || on.After(s.today()) {
			fe.Add("discharged_on", "The discharge date must be between the admission, "+admitted.Format(day)+", and today")
		}
		if len(fe) > 0 {
			return fe
		}
		if err := tx.Exec("UPDATE secure_placements SET discharged_on = ?, discharge_reason = ? WHERE referral_id = ?", on, reason, r.ID).Error; err != nil {
			return err
		}
		if err := b.Transition(BedFree); err != nil {
			return err
		}
		if err := tx.Exec("UPDATE secure_beds SET status = 'free', held_for = NULL, updated_at = now(), updated_by = ?, version = version + 1 WHERE id = ?", nullID(by), b.ID).Error; err != nil {
			return err
		}
		if err := recordBed(tx, b, fmt.Sprintf("discharged referral %d", r.ID), by); err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "secure.discharge", "secure_referral", fmt.Sprint(r.ID), map[string]any{"bed_id": b.ID, "reason": reason}); err != nil {
			return err
		}
		return s.tellParties(ctx, tx, r, h, b, "discharged", fmt.Sprintf("The child (%s) left %s on %s: %s.", r.ChildRef, h.Name, on.Format(day), Label(DischargeReasons, reason)))
	})
}

// allocatedHere reads a referral allocated to a bed in the provider's home, for update.
func (s *Service) allocatedHere(ctx context.Context, tx *gorm.DB, referralID, providerID int64) (Referral, Bed, Home, error) {
	var r Referral
	var b Bed
	var h Home
	if err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).First(&r, referralID).Error; err != nil || r.AllocatedBedID == nil {
		return r, b, h, fmt.Errorf("secure referral %d: %w", referralID, kernel.ErrNotFound)
	}
	if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&b, *r.AllocatedBedID).Error; err != nil {
		return r, b, h, err
	}
	if err := tx.Where("id = ? AND provider_id = ?", b.HomeID, providerID).First(&h).Error; err != nil {
		return r, b, h, fmt.Errorf("secure referral %d: %w", referralID, kernel.ErrNotFound)
	}
	return r, b, h, nil
}

// Allocated lists the children allocated to or placed in a provider's home.
type Allocated struct {
	Referral
	BedLabel     string
	AdmittedOn   *time.Time
	DischargedOn *time.Time
}

// HomeChildren lists the children allocated to or living in a provider's home.
func (s *Service) HomeChildren(ctx context.Context, providerID int64) ([]Allocated, error) {
	var out []Allocated
	err := s.db.WithContext(ctx).Table("secure_referrals r").Select("r.*, b.label AS bed_label, p.admitted_on, p.discharged_on").
		Joins("JOIN secure_beds b ON b.id = r.allocated_bed_id").Joins("JOIN secure_homes h ON h.id = b.home_id").
		Joins("LEFT JOIN secure_placements p ON p.referral_id = r.id").
		Where("h.provider_id = ? AND r.status IN ('allocated', 'placed') AND p.discharged_on IS NULL", providerID).Order("r.allocated_at").Scan(&out).Error
	return out, err
}

// Incoming lists the referrals circulated to a provider's home, newest first.
type Incoming struct {
	Circulation
	Referral Referral `gorm:"-"`
	Miles    float64  `gorm:"-"`
}

// IncomingFor lists the referrals circulated to a provider's home with the profile the
// home needs to decide (no contacts).
func (s *Service) IncomingFor(ctx context.Context, providerID int64) ([]Incoming, error) {
	var h Home
	if err := s.db.WithContext(ctx).Where("provider_id = ?", providerID).First(&h).Error; err != nil {
		return nil, nil
	}
	var cs []Circulation
	if err := s.db.WithContext(ctx).Where("home_id = ?", h.ID).Order("circulated_at DESC").Find(&cs).Error; err != nil {
		return nil, err
	}
	out := make([]Incoming, 0, len(cs))
	for _, c := range cs {
		var r Referral
		if err := s.db.WithContext(ctx).First(&r, c.ReferralID).Error; err != nil {
			return nil, err
		}
		if !r.Waiting() && c.Response == nil {
			continue // the child was placed or withdrawn before the home answered
		}
		r.Ethnicity, r.Religion = "", "" // a home deciding does not see them (see Referral)
		out = append(out, Incoming{Circulation: c, Referral: r, Miles: round1(geo.Miles(geo.Point{Lat: r.Lat, Lon: r.Lon}, geo.Point{Lat: h.Lat, Lon: h.Lon}))})
	}
	return out, nil
}

// SuggestedPair is one pair of the allocation suggestion, with what explains it.
type SuggestedPair struct {
	Referral Referral
	Council  string
	Home     Home
	Bed      Bed
	Miles    float64
	Offered  bool // the home offered this bed; otherwise "ask first"
	Priority int64
	Why      []string
}

// Suggestion is the suggested assignment of the whole waiting list.
type Suggestion struct {
	Pairs      []SuggestedPair
	Unplaced   []WaitingChild
	Paused     int
	Considered int // beds considered
}

// Suggest computes the best assignment of waiting children (not paused) to the beds homes
// have offered them plus suitable free welfare beds in homes not yet asked (a home that
// declined a child is never suggested for them again): as many placed as possible, then
// the most pressing, then the least total distance.
func (s *Service) Suggest(ctx context.Context) (Suggestion, error) {
	homes, beds, err := s.estate(ctx, s.db)
	if err != nil {
		return Suggestion{}, err
	}
	waiting, err := s.waiting(ctx, homes, beds)
	if err != nil {
		return Suggestion{}, err
	}
	var circs []Circulation
	if err := s.db.WithContext(ctx).Where("referral_id IN (SELECT id FROM secure_referrals WHERE status IN ('received', 'circulated', 'offers'))").Find(&circs).Error; err != nil {
		return Suggestion{}, err
	}
	type key struct{ ref, home int64 }
	answer := map[key]Circulation{}
	for _, c := range circs {
		answer[key{c.ReferralID, c.HomeID}] = c
	}
	var bedList []Bed
	bedIndex := map[int64]int{}
	homeOf := map[int64]Home{}
	for _, h := range homes {
		homeOf[h.ID] = h
		for _, b := range beds[h.ID] {
			if b.Status.IsFree() && b.Designation == "welfare" {
				bedIndex[b.ID] = len(bedList)
				bedList = append(bedList, b)
			}
		}
	}
	now := s.Now()
	var children []WaitingChild
	var sug Suggestion
	p := allocate.Problem{Beds: len(bedList)}
	offered := map[[2]int]bool{}
	for _, w := range waiting {
		if w.Paused != "" {
			sug.Paused++
			continue
		}
		ci := len(children)
		children = append(children, w)
		p.Priority = append(p.Priority, w.Priority(now))
		for _, h := range homes {
			if !h.Takes(w.AgeYears, w.Sex) {
				continue
			}
			miles := round1(geo.Miles(geo.Point{Lat: w.Lat, Lon: w.Lon}, geo.Point{Lat: h.Lat, Lon: h.Lon}))
			c, asked := answer[key{w.ID, h.ID}]
			for _, b := range beds[h.ID] {
				bi, free := bedIndex[b.ID]
				if !free {
					continue
				}
				switch {
				case asked && c.Response != nil && *c.Response == "declined":
					continue
				case asked && c.Response != nil && *c.Response == "accepted":
					if c.BedID == nil || *c.BedID != b.ID {
						continue
					}
					offered[[2]int{ci, bi}] = true
				}
				p.Edges = append(p.Edges, allocate.Edge{Child: ci, Bed: bi, Miles: miles})
			}
		}
	}
	sug.Considered = len(bedList)
	res := allocate.Solve(p)
	placed := map[int]bool{}
	for _, pr := range res.Pairs {
		w, b := children[pr.Child], bedList[pr.Bed]
		h := homeOf[b.HomeID]
		placed[pr.Child] = true
		sp := SuggestedPair{Referral: w.Referral, Council: w.Council, Home: h, Bed: b, Miles: pr.Miles, Offered: offered[[2]int{pr.Child, pr.Bed}], Priority: p.Priority[pr.Child]}
		sp.Why = append(sp.Why, fmt.Sprintf("%s, waiting %d days%s", Label(Urgencies, w.Urgency), w.DaysWaiting, expiryNote(w.Referral, now)))
		sp.Why = append(sp.Why, fmt.Sprintf("%s takes %s aged %d to %d; bed %s is a free welfare bed", h.Name, strings.ToLower(h.Sexes()), h.MinAge, h.MaxAge, b.Label))
		if sp.Offered {
			sp.Why = append(sp.Why, "The home has offered this bed")
		} else {
			sp.Why = append(sp.Why, "Not yet asked: circulate the referral to the home first")
		}
		if pr.Miles <= float64(w.PreferredMiles) {
			sp.Why = append(sp.Why, fmt.Sprintf("%.1f miles, within the council's preferred %d", pr.Miles, w.PreferredMiles))
		} else {
			sp.Why = append(sp.Why, fmt.Sprintf("%.1f miles, beyond the council's preferred %d: no nearer bed fits without leaving a child unplaced or a more pressing child waiting", pr.Miles, w.PreferredMiles))
		}
		if h.CrossBorder() {
			sp.Why = append(sp.Why, "Cross-border: the home is in "+map[string]string{"scotland": "Scotland", "wales": "Wales"}[h.Country])
		}
		sug.Pairs = append(sug.Pairs, sp)
	}
	for i, w := range children {
		if !placed[i] {
			sug.Unplaced = append(sug.Unplaced, w)
		}
	}
	sort.SliceStable(sug.Pairs, func(i, j int) bool { return sug.Pairs[i].Priority > sug.Pairs[j].Priority })
	return sug, nil
}

func expiryNote(r Referral, now time.Time) string {
	if r.OrderExpiry == nil {
		return ""
	}
	return fmt.Sprintf("; order expires %s", r.OrderExpiry.Format(day))
}
