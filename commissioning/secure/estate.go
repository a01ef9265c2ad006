// Package secure is the Secure Welfare Coordination Unit's side of Hearth: the national
// secure estate (secure children's homes and their beds), section 25 referrals from
// councils, their circulation to homes, allocation of beds from the waiting list (with an
// optimal suggestion from package allocate), admission, discharge, and the daily report.
package secure

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
)

// Errors about beds.
var (
	ErrBedTaken   = kernel.NewError(kernel.ErrConflict, "bed_taken", "That bed is no longer free: another allocation or a change by the home took it.")
	ErrStale      = kernel.NewError(kernel.ErrConflict, "stale", "Someone else changed this bed since you opened the page; check it and try again.")
	ErrNotWaiting = kernel.NewError(kernel.ErrConflict, "not_waiting", "This child is no longer waiting: they have been allocated a bed, placed or withdrawn.")
	ErrBedInUse   = kernel.NewError(kernel.ErrConflict, "bed_in_use", "This bed has a child in it or is held for an allocated child, so it cannot be marked free or closed: record the discharge, or ask the coordinator to release the held bed.")
	ErrNotOffered = kernel.NewError(kernel.ErrConflict, "not_offered", "The home has not offered this bed to this child: circulate the referral to the home and allocate the bed once it offers it (a home can always refuse).")
	ErrNotHeld    = kernel.NewError(kernel.ErrConflict, "not_held", "No bed is held for this child.")
	// ErrNeedsSOSApproval: a child under 13 is placed in secure accommodation only with the
	// Secretary of State's prior approval (Children (Secure Accommodation) Regulations 1991, reg. 4).
	ErrNeedsSOSApproval = kernel.NewError(kernel.ErrConflict, "needs_sos_approval", "A child under 13 needs the Secretary of State's approval before a bed is allocated or the child admitted (Children (Secure Accommodation) Regulations 1991, reg. 4): record the approval first.")
	// ErrNeedsScottishApproval: a Scottish unit takes a child from England or Wales only with
	// the Scottish Ministers' approval (Children and Social Work Act 2017, Sch. 1).
	ErrNeedsScottishApproval = kernel.NewError(kernel.ErrConflict, "needs_scottish_approval", "A secure unit in Scotland needs the Scottish Ministers' approval for this child (Children and Social Work Act 2017, Sch. 1): record it first.")
	// ErrNoOrderHoursUsed: without a court order a child is kept in secure accommodation at
	// most 72 hours in any 28 days (Children (Secure Accommodation) Regulations 1991, reg. 10).
	ErrNoOrderHoursUsed = kernel.NewError(kernel.ErrConflict, "no_order_hours_used", "The child has been held 72 hours without a court order in the last 28 days, the most the Children (Secure Accommodation) Regulations 1991 allow (reg. 10): admission needs a section 25 order.")
	errOrderStart       = kernel.Invalid("order_start", "Enter the date the order started")
	// ErrActiveReferral: the council already has an active referral for the child (the
	// unique index secure_referrals_one_active, migration 00031).
	ErrActiveReferral = kernel.FieldErrors{kernel.NewFieldError("child_ref", CodeActiveReferral, "")}
)

// CodeActiveReferral names a second active referral of one child by one council.
const CodeActiveReferral kernel.Code = "active_referral"

func init() {
	kernel.RegisterMessage(CodeActiveReferral, "Your council has already referred this child and the referral is still active: "+
		"update that referral from your list of secure referrals instead of sending another")
}

// ruleErr names the statutory or Hearth rule a database trigger refused (SQLSTATE HS0nn,
// migration 00013), so a refusal the Go checks missed is still a clear error, never a 500.
func ruleErr(err error) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return err
	}
	switch pg.Code {
	case "HS001":
		return ErrBedInUse
	case "HS002":
		return ErrNotOffered
	case "HS003":
		return ErrNeedsSOSApproval
	case "HS004":
		return ErrNeedsScottishApproval
	case "HS005":
		return ErrNoOrderHoursUsed
	case "HS007":
		return errOrderStart
	case "23505": // unique_violation
		if pg.ConstraintName == "secure_referrals_one_active" {
			return ErrActiveReferral
		}
	}
	return err
}

// BedStatuses are a secure bed's states.
var BedStatuses = []kernel.Option{
	{Code: "free", Label: "Free"}, {Code: "occupied", Label: "Occupied"},
	{Code: "held", Label: "Held for an allocated child"}, {Code: "closed", Label: "Closed"},
}

// ClosedReasons say why a bed is closed.
var ClosedReasons = []kernel.Option{
	{Code: "staffing", Label: "Staffing"}, {Code: "maintenance", Label: "Maintenance"}, {Code: "other", Label: "Other"},
}

// Designations are what a bed is contracted for.
var Designations = []kernel.Option{
	{Code: "welfare", Label: "Welfare"}, {Code: "youth_justice", Label: "Youth justice"},
}

// Home is a secure children's home (or a Welsh or Scottish secure unit).
type Home struct {
	ID            int64 `gorm:"primaryKey"`
	ProviderID    int64
	Name          string
	Country       string
	Region        string
	Lat, Lon      float64
	HostCouncilID *int64
	MinAge        int
	MaxAge        int
	AcceptsMale   bool
	AcceptsFemale bool
}

// TableName is the secure_homes table.
func (Home) TableName() string { return "secure_homes" }

// CrossBorder reports whether placing an English child here crosses a border.
func (h Home) CrossBorder() bool { return h.Country != "england" }

// Takes reports whether the home's registration fits a child of this age and sex.
func (h Home) Takes(age int, sex string) bool {
	return age >= h.MinAge && age <= h.MaxAge && ((sex == "male" && h.AcceptsMale) || (sex == "female" && h.AcceptsFemale))
}

// Sexes describes whom the home takes.
func (h Home) Sexes() string {
	switch {
	case h.AcceptsMale && h.AcceptsFemale:
		return "Boys and girls"
	case h.AcceptsMale:
		return "Boys only"
	}
	return "Girls only"
}

// Bed is one secure bed.
type Bed struct {
	ID             int64 `gorm:"primaryKey"`
	HomeID         int64
	Label          string
	Designation    string
	Status         BedStatus
	ClosedReason   *string
	ReopensOn      *time.Time
	ExpectedFreeOn *time.Time
	HeldFor        *int64
	UpdatedAt      time.Time
	UpdatedBy      *int64
	Version        int
}

// TableName is the secure_beds table.
func (Bed) TableName() string { return "secure_beds" }

// FreeBy reports whether the bed is free now or expected to be by day.
func (b Bed) FreeBy(day time.Time) bool {
	switch b.Status {
	case BedFree:
		return true
	case BedOccupied:
		return b.ExpectedFreeOn != nil && !b.ExpectedFreeOn.After(day)
	case BedClosed:
		return b.ReopensOn != nil && !b.ReopensOn.After(day)
	}
	return false
}

type bedChange struct {
	ID        int64 `gorm:"primaryKey"`
	BedID     int64
	HomeID    int64
	Status    BedStatus
	Detail    string
	ChangedBy *int64
}

func (bedChange) TableName() string { return "secure_bed_changes" }

// Service is the secure welfare domain.
type Service struct {
	db     *gorm.DB
	Now    func() time.Time
	notify *notify.Notifier
	// hooks writes webhook events in the transaction of the change they report.
	hooks *webhook.Publisher
}

// NewService returns the service on db. Its webhook events wait for the job queue's
// sweep until WithWebhooks gives it the queue.
func NewService(db *gorm.DB) *Service {
	return &Service{db: db, Now: time.Now, hooks: webhook.NewPublisher(nil)}
}

// WithMail returns a service that emails the people a change concerns through outbox.
func (s *Service) WithMail(outbox *notify.Outbox, baseURL string) *Service {
	c := *s
	c.notify = notify.NewNotifier(outbox, baseURL)
	return &c
}

func (s *Service) today() time.Time { return kernel.DateOf(s.Now()) }

var london = kernel.London

const day = "2 January 2006"

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// changed tells open boards and referral pages, in every Hearth process, that a
// referral moved on (bed changes tell them through their history's trigger).
func changed(tx *gorm.DB, referralID int64) error {
	return tx.Exec("SELECT pg_notify('secure_changed', ?)", fmt.Sprintf("referral:%d", referralID)).Error
}

// recordBed writes a bed's new state to its history (whose trigger tells open boards).
func recordBed(tx *gorm.DB, b Bed, detail string, by int64) error {
	return tx.Create(&bedChange{BedID: b.ID, HomeID: b.HomeID, Status: b.Status, Detail: detail, ChangedBy: nullID(by)}).Error
}

// HomeSummary is one home on the national board.
type HomeSummary struct {
	Home
	Beds                               []Bed
	Free, Occupied, Held, Closed, Soon int // Soon: beds expected to free up in the next 7 days
	FreeWelfare                        int
}

// Board is the national secure bed board.
type Board struct {
	Homes       []HomeSummary
	FreeWelfare int
	ByRegion    []RegionCount
	Soon        int
	Total       int
	AsOf        time.Time
}

// RegionCount is free welfare beds in a region (or country).
type RegionCount struct {
	Region string
	Free   int
}

// Board returns every secure home's beds by state, free welfare beds in total and by
// region, and beds expected to free up within seven days.
func (s *Service) Board(ctx context.Context) (Board, error) {
	var homes []Home
	if err := s.db.WithContext(ctx).Order("country, region, name").Find(&homes).Error; err != nil {
		return Board{}, err
	}
	var beds []Bed
	if err := s.db.WithContext(ctx).Order("home_id, label").Find(&beds).Error; err != nil {
		return Board{}, err
	}
	byHome := map[int64][]Bed{}
	for _, b := range beds {
		byHome[b.HomeID] = append(byHome[b.HomeID], b)
	}
	week := s.today().AddDate(0, 0, 7)
	out := Board{AsOf: s.Now()}
	regions := map[string]int{}
	var order []string
	for _, h := range homes {
		hs := HomeSummary{Home: h, Beds: byHome[h.ID]}
		for _, b := range hs.Beds {
			switch b.Status {
			case BedFree:
				hs.Free++
				if b.Designation == "welfare" {
					hs.FreeWelfare++
				}
			case BedOccupied:
				hs.Occupied++
			case BedHeld:
				hs.Held++
			case BedClosed:
				hs.Closed++
			}
			if !b.Status.IsFree() && b.FreeBy(week) {
				hs.Soon++
			}
		}
		if _, ok := regions[h.Region]; !ok {
			order = append(order, h.Region)
		}
		regions[h.Region] += hs.FreeWelfare
		out.FreeWelfare += hs.FreeWelfare
		out.Soon += hs.Soon
		out.Total += len(hs.Beds)
		out.Homes = append(out.Homes, hs)
	}
	for _, r := range order {
		out.ByRegion = append(out.ByRegion, RegionCount{Region: r, Free: regions[r]})
	}
	return out, nil
}

// HomeOf returns the secure home a provider organisation runs, with its beds.
func (s *Service) HomeOf(ctx context.Context, providerID int64) (Home, []Bed, error) {
	var h Home
	if err := s.db.WithContext(ctx).Where("provider_id = ?", providerID).First(&h).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return h, nil, fmt.Errorf("no secure home for organisation %d: %w", providerID, kernel.ErrNotFound)
		}
		return h, nil, err
	}
	var beds []Bed
	err := s.db.WithContext(ctx).Where("home_id = ?", h.ID).Order("label").Find(&beds).Error
	return h, beds, err
}

// BedUpdate is a home's report of a bed's state.
type BedUpdate struct {
	Status         BedStatus // free, occupied or closed (held is set only by allocation)
	ClosedReason   string
	ReopensOn      *time.Time
	ExpectedFreeOn *time.Time
	Version        int // the version the user saw
}

// SetBed records a home's change to one of its beds: timestamped, audited and pushed to
// open boards. A held bed changes only by admission or by the coordinator.
func (s *Service) SetBed(ctx context.Context, bedID, providerID, by int64, u BedUpdate) (Bed, error) {
	var b Bed
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		b, _, err = s.setBed(ctx, tx, bedID, providerID, by, u, false)
		return err
	})
	return b, err
}

// setBed changes one bed inside tx. With onlyChanged, a report that matches the bed's
// current state writes nothing, and changed is false.
func (s *Service) setBed(ctx context.Context, tx *gorm.DB, bedID, providerID, by int64, u BedUpdate, onlyChanged bool) (b Bed, changed bool, err error) {
	err = func() error {
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND home_id = (SELECT id FROM secure_homes WHERE provider_id = ?)", bedID, providerID).First(&b).Error
		if err != nil {
			return fmt.Errorf("bed %d: %w", bedID, kernel.ErrNotFound)
		}
		if onlyChanged && b.Matches(u) {
			return nil
		}
		changed = true
		if u.Version != 0 && u.Version != b.Version {
			return ErrStale
		}
		if b.Status.Held() {
			return fmt.Errorf("this bed is held for an allocated child: confirm the admission, or ask the coordinator to release it: %w", kernel.ErrConflict)
		}
		if u.Status.IsFree() || u.Status.Closed() {
			var inUse bool
			if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM secure_placements WHERE bed_id = ? AND discharged_on IS NULL)
				OR EXISTS (SELECT 1 FROM secure_referrals WHERE allocated_bed_id = ? AND status = 'allocated')`, b.ID, b.ID).Scan(&inUse).Error; err != nil {
				return err
			}
			if inUse {
				return ErrBedInUse
			}
		}
		var fe kernel.FieldErrors
		today := s.today()
		switch u.Status {
		case BedFree:
			b.ClosedReason, b.ReopensOn, b.ExpectedFreeOn = nil, nil, nil
		case BedOccupied:
			if u.ExpectedFreeOn != nil && u.ExpectedFreeOn.Before(today) {
				fe.Add("expected_free_on", "The date the bed is expected to be free must be today or later")
			}
			b.ClosedReason, b.ReopensOn, b.ExpectedFreeOn = nil, nil, u.ExpectedFreeOn
		case BedClosed:
			if !kernel.ValidCode(ClosedReasons, u.ClosedReason) {
				fe.Add("closed_reason", "Select why the bed is closed")
			}
			if u.ReopensOn == nil {
				fe.Add("reopens_on", "Enter the date the bed is expected to reopen")
			} else if u.ReopensOn.Before(today) {
				fe.Add("reopens_on", "The reopening date must be today or later")
			}
			b.ClosedReason, b.ReopensOn, b.ExpectedFreeOn = &u.ClosedReason, u.ReopensOn, nil
		default:
			fe.Add("status", "Select free, occupied or closed")
		}
		if len(fe) > 0 {
			return fe
		}
		if !u.Status.Occupied() {
			b.HeldFor = nil
		}
		if u.Status != b.Status {
			if err := b.Status.CanTransition(u.Status); err != nil {
				return err
			}
		}
		b.Status, b.UpdatedBy, b.Version = u.Status, nullID(by), b.Version+1
		if err := tx.Model(&Bed{}).Where("id = ?", b.ID).Updates(map[string]any{"status": b.Status, "closed_reason": b.ClosedReason, "reopens_on": b.ReopensOn, "expected_free_on": b.ExpectedFreeOn,
			"held_for": b.HeldFor, "updated_by": b.UpdatedBy, "version": b.Version, "updated_at": gorm.Expr("now()")}).Error; err != nil {
			return ruleErr(err)
		}
		if err := recordBed(tx, b, strings.TrimSpace(u.ClosedReason), by); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "secure.bed", "secure_bed", fmt.Sprint(b.ID), map[string]any{"status": b.Status, "closed_reason": u.ClosedReason})
	}()
	return b, changed && err == nil, err
}

// Matches reports whether a home's report u says what the bed already says, so saving
// it would change nothing.
func (b Bed) Matches(u BedUpdate) bool {
	sameDay := func(a, b *time.Time) bool {
		return (a == nil) == (b == nil) && (a == nil || a.Format(time.DateOnly) == b.Format(time.DateOnly))
	}
	if u.Status != b.Status {
		return false
	}
	switch b.Status {
	case BedOccupied:
		return sameDay(b.ExpectedFreeOn, u.ExpectedFreeOn)
	case BedClosed:
		return b.ClosedReason != nil && *b.ClosedReason == u.ClosedReason && sameDay(b.ReopensOn, u.ReopensOn)
	}
	return true
}

// BedField names a field of one bed on a form that shows all of a home's beds.
func BedField(bedID int64, field string) string { return fmt.Sprintf("bed_%d_%s", bedID, field) }

// SetBeds records a home's report on several of its beds at once, all or nothing: a bed
// whose report matches its state is left alone, and if any bed's change is refused
// nothing is saved. Every refusal comes back at once as FieldErrors named by BedField
// (a refused transition, a stale version or a bed in use beside the bed's status).
// Returns ErrNotFound if a bed is not the home's. The beds changed are returned.
func (s *Service) SetBeds(ctx context.Context, providerID, by int64, updates map[int64]BedUpdate) ([]Bed, error) {
	ids := make([]int64, 0, len(updates))
	for id := range updates {
		ids = append(ids, id)
	}
	slices.Sort(ids) // lock in one order, so two saves cannot deadlock
	var changed []Bed
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var all kernel.FieldErrors
		for _, id := range ids {
			var (
				b  Bed
				ch bool
			)
			// Each bed in its own savepoint: a refusal by the database leaves the
			// transaction usable, so the other beds are checked too.
			err := tx.Transaction(func(tx *gorm.DB) error {
				var err error
				b, ch, err = s.setBed(ctx, tx, id, providerID, by, updates[id], true)
				return err
			})
			var fe kernel.FieldErrors
			switch {
			case err == nil:
				if ch {
					changed = append(changed, b)
				}
			case errors.As(err, &fe):
				for _, e := range fe {
					all = append(all, kernel.NewFieldError(BedField(id, e.Field)+strings.TrimPrefix(e.FormID, e.Field), e.Code, e.Message))
				}
			case errors.Is(err, kernel.ErrConflict):
				all = append(all, kernel.NewFieldError(BedField(id, "status"), kernel.CodeOf(err), conflictText(err)))
			default:
				return err
			}
		}
		return all.Err()
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// conflictText is a refusal's message for the person who made the change.
func conflictText(err error) string {
	if c := kernel.CodeOf(err); c != "" {
		return kernel.Message(c)
	}
	var it *kernel.IllegalTransition
	if errors.As(err, &it) {
		return fmt.Sprintf("A bed cannot go from %s to %s", it.From, it.To)
	}
	t := strings.TrimSuffix(err.Error(), ": "+kernel.ErrConflict.Error())
	return strings.ToUpper(t[:1]) + t[1:]
}

// ConfirmBeds records that a home checked every one of its beds and found nothing to
// change: each bed's updated_at and updated_by move on, as a save with no change does,
// and the boards see the beds as current. Returns the number of beds confirmed.
func (s *Service) ConfirmBeds(ctx context.Context, providerID, by int64) (int, error) {
	var n int
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var beds []Bed
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("home_id = (SELECT id FROM secure_homes WHERE provider_id = ?)", providerID).Order("id").Find(&beds).Error; err != nil {
			return err
		}
		if len(beds) == 0 {
			return fmt.Errorf("no secure beds for organisation %d: %w", providerID, kernel.ErrNotFound)
		}
		ids := make([]int64, len(beds))
		for i, b := range beds {
			ids[i] = b.ID
		}
		if err := tx.Model(&Bed{}).Where("id IN ?", ids).Updates(map[string]any{"updated_by": nullID(by), "version": gorm.Expr("version + 1"), "updated_at": gorm.Expr("now()")}).Error; err != nil {
			return err
		}
		for _, b := range beds {
			if err := recordBed(tx, b, "confirmed, no changes", by); err != nil {
				return err
			}
		}
		n = len(beds)
		return audit.New(tx).Record(ctx, "secure.beds_confirmed", "secure_home", fmt.Sprint(beds[0].HomeID), map[string]any{"beds": ids})
	})
	return n, err
}
