package marketplace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

// Errors about bidding.
var (
	ErrBiddingClosed = kernel.NewError(kernel.ErrConflict, "bidding_closed", "The deadline for responses has passed.")
	ErrNotInvited    = kernel.NewError(kernel.ErrNotFound, "not_invited", "Your organisation was not invited to this request.")
	ErrNoBid         = kernel.NewError(kernel.ErrNotFound, "no_bid", "There is no active bid.")
)

// CodeOverCeiling is a bid above the framework's ceiling without a justification.
const CodeOverCeiling kernel.Code = "over_ceiling"

// MaxWeeklyFee is the largest weekly fee Hearth accepts (£50,000): above it is a typo.
const MaxWeeklyFee kernel.Pence = 5_000_000

// Bid is a provider's sealed offer for a request.
type Bid struct {
	ID                int64 `gorm:"primaryKey"`
	RequestID         int64
	ProviderID        int64
	HomeID            int64
	Status            BidStatus
	EarliestStart     time.Time
	WeeklyFeePence    kernel.Pence
	OneToOneHours     int
	OneToOneRatePence kernel.Pence
	EducationPence    kernel.Pence
	NoticeDays        int
	NeedNotes         json.RawMessage `gorm:"type:jsonb"`
	Justification     string
	Revision          int
	// An alternative offer names a home matching did not find for the request, with
	// the rules it fails (codes, and as people read them).
	Alternative       bool
	AlternativeRules  kernel.Codes `gorm:"type:text[]"`
	AlternativeDetail string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// TableName is the bids table.
func (Bid) TableName() string { return "bids" }

// TotalWeekly is the weekly cost: core fee, 1:1 support and education.
func (b Bid) TotalWeekly() kernel.Pence {
	return b.WeeklyFeePence + kernel.Pence(b.OneToOneHours)*b.OneToOneRatePence + b.EducationPence
}

// BidInput is what a provider offers: the bid form, the API and tests all send it.
// Amounts are pence (typed in pounds on the form); the date is "2006-01-02".
type BidInput struct {
	HomeID        int64        `json:"home_id" form:"home_id" validate:"required,gt=0" msg:"*=Select the home you are offering"`
	EarliestStart string       `json:"earliest_start" form:"earliest_start,date" label:"The earliest start date" validate:"required,datetime=2006-01-02" msg:"required=Enter the earliest date the child could move in|*=The earliest start date must be a real date"`
	WeeklyFee     kernel.Pence `json:"weekly_fee_pence" form:"weekly_fee,pounds" validate:"required,gt=0,lte=5000000" msg:"required=Enter the weekly core fee|gt=Enter a weekly fee of more than £0|lte=A weekly fee must be £50,000 or less"`
	OneToOneHours int          `json:"one_to_one_hours" form:"one_to_one_hours" validate:"min=0,max=168" msg:"*=Enter 1:1 hours per week from 0 to 168"`
	OneToOneRate  kernel.Pence `json:"one_to_one_rate_pence" form:"one_to_one_rate,pounds" validate:"min=0,max=100000" msg:"*=Enter the hourly rate for 1:1 support, up to £1,000"`
	Education     kernel.Pence `json:"education_pence" form:"education,pounds" validate:"min=0,max=2000000" msg:"*=Enter a weekly education cost up to £20,000"`
	NoticeDays    int          `json:"notice_days" form:"notice_days" validate:"min=0,max=365" msg:"*=Enter a notice period from 0 to 365 days"`
	// NeedNotes say how the home will meet each of the child's needs, by need code.
	NeedNotes     map[string]string `json:"need_notes" form:"note_,prefix" validate:"max=50,dive,max=4000" msg:"*=Each note must be 4,000 characters or fewer"`
	Justification string            `json:"justification" form:"justification" validate:"max=4000" msg:"*=The justification must be 4,000 characters or fewer"`
	// Alternative offers a home that matching did not find for the request; without
	// it such a home is refused.
	Alternative bool `json:"alternative" form:"alternative"`
}

// DeclineReasons are the fixed reasons a provider gives for declining.
var DeclineReasons = []Option{
	{Code: "no_vacancy", Label: "No vacancy"}, {Code: "cannot_meet_needs", Label: "Cannot meet the child's needs"},
	{Code: "risk_to_others", Label: "Risk to or from the children already living there"}, {Code: "location", Label: "Location"},
	{Code: "price", Label: "Price"}, {Code: "staffing", Label: "Staffing"}, {Code: "other", Label: "Other"},
}

// closedErr turns the database's refusal of a late response into ErrBiddingClosed.
func closedErr(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "HB001" {
		return ErrBiddingClosed
	}
	return err
}

// invitation returns the provider's invitation and the request, or ErrNotInvited.
func (s *Service) invitation(ctx context.Context, tx *gorm.DB, requestID, providerID int64) (PlacementRequest, error) {
	var r PlacementRequest
	err := tx.WithContext(ctx).Joins("JOIN request_invitations i ON i.request_id = placement_requests.id AND i.provider_id = ?", providerID).
		Where("placement_requests.id = ?", requestID).First(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, ErrNotInvited
	}
	return r, err
}

// SubmitBid places or revises the provider's bid. A fee above the framework's ceiling
// for the lot and tier must carry a justification; the database refuses any bid after
// the deadline by its own clock.
func (s *Service) SubmitBid(ctx context.Context, requestID, providerID int64, in BidInput) (Bid, error) {
	var out Bid
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.invitation(ctx, tx, requestID, providerID)
		if err != nil {
			return err
		}
		if !r.Status.IsOpen() {
			return ErrBiddingClosed
		}
		fe := kernel.Check(&in)
		start := kernel.Day(&fe, "earliest_start", in.EarliestStart, "The earliest start date")
		var home Home
		var alt []Failure
		if fe.Has("home_id") {
			// nothing to look up
		} else if err := tx.Where("id = ? AND provider_id = ?", in.HomeID, providerID).First(&home).Error; err != nil {
			fe.Add("home_id", "Select one of your homes")
		} else if alt, err = s.unmatched(ctx, tx, r, providerID, in.HomeID); err != nil {
			return err
		} else if len(alt) > 0 && !in.Alternative {
			fe.Add("home_id", fmt.Sprintf("%s was not matched to this request: %s. Choose a matched home, or offer it as an alternative", home.Name, failureText(alt)))
		}
		if in.OneToOneHours > 0 && in.OneToOneRate == 0 && !fe.Has("one_to_one_rate_pence") {
			fe.AddCode("one_to_one_rate_pence", kernel.CodeRequired, "Enter the hourly rate for 1:1 support, up to £1,000")
		}
		for need := range in.NeedNotes {
			if !slices.Contains(r.Needs, need) && !fe.Has("need_notes") {
				fe.AddCode("need_notes", kernel.CodeNotInList, fmt.Sprintf("%q is not one of the child's needs", need))
			}
		}
		if start != nil && r.StartDate != nil && start.Before(*r.StartDate) {
			// Offering a later start than asked is allowed; an earlier one means nothing.
			start = r.StartDate
		}
		var lot commissioning.Lot
		if err := tx.Preload("Tiers").First(&lot, *r.LotID).Error; err != nil {
			return err
		}
		ceiling, _ := lot.Ceiling(*r.Tier)
		total := Bid{WeeklyFeePence: in.WeeklyFee, OneToOneHours: in.OneToOneHours, OneToOneRatePence: in.OneToOneRate, EducationPence: in.Education}.TotalWeekly()
		if ceiling > 0 && total > ceiling && strings.TrimSpace(in.Justification) == "" && !fe.Has("weekly_fee_pence") {
			fe.AddCode("justification", CodeOverCeiling, fmt.Sprintf("The total weekly cost %s is above the framework's ceiling of %s: explain why", total, ceiling))
		}
		if err := fe.Err(); err != nil {
			return err
		}
		notes, _ := json.Marshal(in.NeedNotes)
		rules := make(kernel.Codes, len(alt))
		for i, f := range alt {
			rules[i] = f.Rule
		}
		err = tx.Raw(`INSERT INTO bids (request_id, provider_id, home_id, earliest_start, weekly_fee_pence, one_to_one_hours, one_to_one_rate_pence,
                education_pence, notice_days, need_notes, justification, alternative, alternative_rules, alternative_detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (request_id, provider_id) DO UPDATE SET home_id = EXCLUDED.home_id, status = 'active', earliest_start = EXCLUDED.earliest_start,
                weekly_fee_pence = EXCLUDED.weekly_fee_pence, one_to_one_hours = EXCLUDED.one_to_one_hours, one_to_one_rate_pence = EXCLUDED.one_to_one_rate_pence,
                education_pence = EXCLUDED.education_pence, notice_days = EXCLUDED.notice_days, need_notes = EXCLUDED.need_notes,
                justification = EXCLUDED.justification, alternative = EXCLUDED.alternative, alternative_rules = EXCLUDED.alternative_rules,
                alternative_detail = EXCLUDED.alternative_detail, revision = bids.revision + 1, updated_at = now()
            RETURNING *`, requestID, providerID, in.HomeID, *start, in.WeeklyFee, in.OneToOneHours, in.OneToOneRate,
			in.Education, in.NoticeDays, string(notes), strings.TrimSpace(in.Justification), len(alt) > 0, rules, failureText(alt)).Scan(&out).Error
		if err != nil {
			return closedErr(err)
		}
		// A provider that bids after declining has changed its mind.
		if err := tx.Exec("DELETE FROM declines WHERE request_id = ? AND provider_id = ?", requestID, providerID).Error; err != nil {
			return err
		}
		action := "bid.submit"
		if out.Revision > 1 {
			action = "bid.revise"
		}
		return audit.New(tx).Record(ctx, action, "bid", fmt.Sprint(out.ID), map[string]any{"request_id": requestID, "revision": out.Revision,
			"alternative_rules": rules})
	})
	return out, err
}

// unmatched returns the rules the provider's home fails for request r, or none when
// matching found the home for the provider's invitation.
func (s *Service) unmatched(ctx context.Context, tx *gorm.DB, r PlacementRequest, providerID, homeID int64) ([]Failure, error) {
	homes, err := s.bidHomes(ctx, tx, r, providerID)
	if err != nil {
		return nil, err
	}
	for _, h := range homes {
		if h.HomeID == homeID {
			return h.Failures, nil
		}
	}
	return nil, fmt.Errorf("home %d of provider %d: %w", homeID, providerID, kernel.ErrNotFound)
}

// AlternativeLabel is how an alternative offer is shown to the commissioner and the
// approver: "Alternative offer: " and the rules its home fails.
func AlternativeLabel(detail string) string { return "Alternative offer: " + detail }

// WithdrawBid withdraws the provider's bid before the deadline.
func (s *Service) WithdrawBid(ctx context.Context, requestID, providerID int64) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := s.invitation(ctx, tx, requestID, providerID); err != nil {
			return err
		}
		var b Bid
		if err := tx.Where("request_id = ? AND provider_id = ?", requestID, providerID).Limit(1).Find(&b).Error; err != nil {
			return err
		}
		if b.ID == 0 || b.Status.CanTransition(BidWithdrawn) != nil {
			return ErrNoBid
		}
		res := tx.Exec("UPDATE bids SET status = 'withdrawn', updated_at = now() WHERE request_id = ? AND provider_id = ? AND status = 'active'", requestID, providerID)
		if res.Error != nil {
			return closedErr(res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNoBid
		}
		return audit.New(tx).Record(ctx, "bid.withdraw", "placement_request", fmt.Sprint(requestID), map[string]any{"provider_id": providerID})
	})
}

// DeclineInput is a provider's reason for not bidding: a code from DeclineReasons, and
// words (required for "other").
type DeclineInput struct {
	Reason string `json:"reason" form:"reason" validate:"required,oneof=no_vacancy cannot_meet_needs risk_to_others location price staffing other" msg:"*=Select why you are declining"`
	Detail string `json:"detail" form:"detail" validate:"max=4000" msg:"*=The detail must be 4,000 characters or fewer"`
}

// Decline records that the provider will not bid, with a reason from the fixed list.
func (s *Service) Decline(ctx context.Context, requestID, providerID int64, in DeclineInput) error {
	fe := kernel.Check(&in)
	if in.Reason == "other" && strings.TrimSpace(in.Detail) == "" {
		fe.AddCode("detail", kernel.CodeRequired, "Say why you are declining")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	reason, detail := in.Reason, in.Detail
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := s.invitation(ctx, tx, requestID, providerID); err != nil {
			return err
		}
		if err := tx.Exec("UPDATE bids SET status = 'withdrawn', updated_at = now() WHERE request_id = ? AND provider_id = ? AND status = 'active'", requestID, providerID).Error; err != nil {
			return closedErr(err)
		}
		err := tx.Exec(`INSERT INTO declines (request_id, provider_id, reason, detail) VALUES (?, ?, ?, ?)
            ON CONFLICT (request_id, provider_id) DO UPDATE SET reason = EXCLUDED.reason, detail = EXCLUDED.detail, declined_at = now()`,
			requestID, providerID, reason, strings.TrimSpace(detail)).Error
		if err != nil {
			return closedErr(err)
		}
		return audit.New(tx).Record(ctx, "request.decline", "placement_request", fmt.Sprint(requestID), map[string]any{"provider_id": providerID, "reason": reason})
	})
}

// OwnBid returns the provider's bid on a request (any status).
func (s *Service) OwnBid(ctx context.Context, requestID, providerID int64) (Bid, error) {
	var b Bid
	err := s.db.WithContext(ctx).Where("request_id = ? AND provider_id = ?", requestID, providerID).First(&b).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return b, ErrNoBid
	}
	return b, err
}

// Responses are what a council may see of the responses to its request.
type Responses struct {
	Sealed   bool // before the deadline: counts only
	Bids     int  // active bids
	Declines int
	List     []Bid // the active bids, only once the request has closed
}

// ResponsesFor returns the responses to a council's own request. Bids are sealed: while
// the request is open nobody but the bidding provider sees their content.
func (s *Service) ResponsesFor(ctx context.Context, requestID, councilID int64) (Responses, error) {
	var r PlacementRequest
	if err := s.db.WithContext(ctx).Where("id = ? AND council_id = ?", requestID, councilID).First(&r).Error; err != nil {
		return Responses{}, fmt.Errorf("placement request %d: %w", requestID, kernel.ErrNotFound)
	}
	var out Responses
	var nb, nd int64
	if err := s.db.WithContext(ctx).Model(&Bid{}).Where("request_id = ? AND status = 'active'", requestID).Count(&nb).Error; err != nil {
		return out, err
	}
	if err := s.db.WithContext(ctx).Table("declines").Where("request_id = ?", requestID).Count(&nd).Error; err != nil {
		return out, err
	}
	out.Bids, out.Declines = int(nb), int(nd)
	out.Sealed = r.Status.Sealed()
	if out.Sealed {
		return out, nil
	}
	err := s.db.WithContext(ctx).Where("request_id = ? AND status = 'active'", requestID).Order("id").Find(&out.List).Error
	return out, err
}

// CloseDue closes every open request whose deadline has passed, by the database clock.
// One statement claims the rows with SKIP LOCKED, so several Hearth processes running
// it at once close each request exactly once. It returns the ids it closed.
func (s *Service) CloseDue(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`UPDATE placement_requests SET status = 'closed', closed_at = now()
            WHERE id IN (SELECT id FROM placement_requests WHERE status = 'open' AND deadline <= clock_timestamp() FOR UPDATE SKIP LOCKED)
            RETURNING id`).Scan(&ids).Error; err != nil {
			return err
		}
		for _, id := range ids {
			if err := audit.New(tx).Record(ctx, "request.close", "placement_request", fmt.Sprint(id), nil); err != nil {
				return err
			}
		}
		return s.publishClosed(ctx, tx, ids)
	})
	return ids, err
}

// Invitation is a request as an invited provider sees it before any award: the child's
// age, sex, needs and legal status, and how far each of its invited homes is from the
// child's home — never the council's reference, the birth month or the home district.
// Once the award is final, a provider whose bid was not chosen sees only the outcome,
// the request's reference and dates: the child's profile is withheld (see Withheld).
type Invitation struct {
	RequestID   int64
	CouncilName string
	Status      RequestStatus
	Outcome     InvitationOutcome
	Response    InvitationResponse
	// Profile is the request's pseudonymised profile: only its fields tagged `invited`
	// are read (see PlacementRequest); the rest stay zero.
	Profile      PlacementRequest `gorm:"embedded;embeddedPrefix:profile_"`
	LotID        int64
	StartDate    time.Time
	Deadline     time.Time
	Emergency    bool
	HomeIDs      kernel.Int64Array `gorm:"type:bigint[]"`
	HomeLat      float64
	HomeLon      float64
	CancelReason *string // why the council cancelled the request, if it did
}

// Shown is the invitation's profile by the API's names: the fields tagged `invited`.
func (inv Invitation) Shown() map[string]any {
	out := map[string]any{}
	v := reflect.ValueOf(inv.Profile)
	for _, f := range invitedFields() {
		out[f.Tag.Get("invited")] = v.FieldByIndex(f.Index).Interface()
	}
	return out
}

// invitedFields are PlacementRequest's fields tagged `invited`.
func invitedFields() []reflect.StructField {
	var out []reflect.StructField
	for _, f := range reflect.VisibleFields(reflect.TypeOf(PlacementRequest{})) {
		if f.Tag.Get("invited") != "" {
			out = append(out, f)
		}
	}
	return out
}

// invitedColumns selects the profile's columns of placement_requests r as Profile's.
var invitedColumns = func() string {
	sch, err := schema.Parse(&PlacementRequest{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic(err)
	}
	var cols []string
	for _, f := range invitedFields() {
		col := sch.LookUpField(f.Name).DBName
		cols = append(cols, fmt.Sprintf("r.%s AS profile_%s", col, col))
	}
	return strings.Join(cols, ", ")
}()

// Withheld says whether the child's profile is hidden from this provider: the award is
// final and went to someone else, so the provider has no more need of it.
func (inv Invitation) Withheld() bool { return inv.Outcome == OutcomeNotSuccessful }

// withhold drops the child's profile and the homes' distances from the child's home
// when the provider lost.
func (inv *Invitation) withhold() {
	if !inv.Withheld() {
		return
	}
	*inv = Invitation{RequestID: inv.RequestID, CouncilName: inv.CouncilName, Status: inv.Status, Outcome: inv.Outcome, Response: inv.Response,
		LotID: inv.LotID, StartDate: inv.StartDate, Deadline: inv.Deadline, Emergency: inv.Emergency, CancelReason: inv.CancelReason}
}

var invitationSQL = `SELECT r.id AS request_id, c.name AS council_name, r.status,
        CASE WHEN NOT EXISTS (SELECT 1 FROM placements p WHERE p.request_id = r.id AND p.status IN ('awarded', 'started', 'ended')) THEN 'pending'
             WHEN EXISTS (SELECT 1 FROM placements p WHERE p.request_id = r.id AND p.status IN ('awarded', 'started', 'ended') AND p.provider_id = i.provider_id) THEN 'successful'
             ELSE 'not_successful' END AS outcome,
        CASE WHEN EXISTS (SELECT 1 FROM bids b WHERE b.request_id = r.id AND b.provider_id = i.provider_id AND b.status = 'active') THEN 'bid'
             WHEN EXISTS (SELECT 1 FROM declines d WHERE d.request_id = r.id AND d.provider_id = i.provider_id) THEN 'declined'
             WHEN EXISTS (SELECT 1 FROM bids b WHERE b.request_id = r.id AND b.provider_id = i.provider_id) THEN 'withdrawn'
             ELSE 'none' END AS response,
                ` + invitedColumns + `,
        r.lot_id, r.start_date, r.deadline, r.emergency, r.home_lat, r.home_lon, r.cancel_reason, r.submitted_at,
        (SELECT array_agg(ih.home_id ORDER BY ih.rank) FROM invitation_homes ih
          WHERE ih.request_id = i.request_id AND ih.provider_id = i.provider_id) AS home_ids
    FROM request_invitations i JOIN placement_requests r ON r.id = i.request_id JOIN organisations c ON c.id = r.council_id
    WHERE i.provider_id = ?`

// Invitations lists one page of the requests a provider was invited to, newest
// first, and counts them all.
func (s *Service) Invitations(ctx context.Context, providerID int64, page kernel.Page) ([]Invitation, int64, error) {
	return s.InvitationsList(ctx, providerID, kernel.ListQuery{Page: page})
}

// InvitationSorts are the orders a provider's invitation list can be sorted in.
var InvitationSorts = kernel.Sorts{"council": "council_name", "deadline": "deadline", "start": "start_date", "received": "submitted_at"}

// InvitationOutcomes are the outcomes an invitation list can be filtered by.
var InvitationOutcomes = []Option{{Code: "pending", Label: "Not decided"}, {Code: "successful", Label: "Successful"}, {Code: "not_successful", Label: "Not successful"}}

// InvitationsList is one page of the requests a provider was invited to, narrowed by
// lq: filters "status" (request status codes) and "outcome" (InvitationOutcomes), a
// search in the council's name, sorted by a key of InvitationSorts (newest first
// otherwise).
func (s *Service) InvitationsList(ctx context.Context, providerID int64, lq kernel.ListQuery) ([]Invitation, int64, error) {
	for _, f := range []struct {
		name string
		opts []Option
	}{{"status", RequestStatuses}, {"outcome", InvitationOutcomes}} {
		for _, v := range lq.Values(f.name) {
			if !kernel.ValidCode(f.opts, v) {
				return nil, 0, kernel.Invalid(f.name, fmt.Sprintf("%q is not a request %s", v, f.name))
			}
		}
	}
	sql, args := "SELECT * FROM ("+invitationSQL+") AS inv WHERE true", []any{providerID}
	if v := lq.Values("status"); len(v) > 0 {
		sql, args = sql+" AND status IN ?", append(args, v)
	}
	if v := lq.Values("outcome"); len(v) > 0 {
		sql, args = sql+" AND outcome IN ?", append(args, v)
	}
	if like := lq.Like(); like != "" {
		sql, args = sql+" AND council_name ILIKE ?", append(args, like)
	}
	sql += " ORDER BY " + InvitationSorts.OrderBy(lq, "submitted_at DESC", "request_id DESC")
	out, total, err := kernel.RawPage[Invitation](s.db.WithContext(ctx), lq.Page, sql, args...)
	for i := range out {
		out[i].withhold()
	}
	return out, total, err
}

// InvitationFor returns one request the provider was invited to (ErrNotInvited for any
// other), recording the read of the child's profile in the audit log.
func (s *Service) InvitationFor(ctx context.Context, requestID, providerID int64) (Invitation, error) {
	var out []Invitation
	if err := s.db.WithContext(ctx).Raw(invitationSQL+" AND r.id = ?", providerID, requestID).Scan(&out).Error; err != nil {
		return Invitation{}, err
	}
	if len(out) == 0 {
		return Invitation{}, ErrNotInvited
	}
	inv := out[0]
	if inv.withhold(); inv.Withheld() {
		return inv, nil // no child data shown: nothing to audit
	}
	return inv, audit.New(s.db).Record(ctx, "child.read", "placement_request", fmt.Sprint(requestID), map[string]any{"provider_id": providerID})
}
