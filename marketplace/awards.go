package marketplace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// Errors about awards.
var (
	ErrNotClosed       = kernel.NewError(kernel.ErrConflict, "not_closed", "Bids are sealed until the request closes at its deadline.")
	ErrAlreadyAwarded  = kernel.NewError(kernel.ErrConflict, "already_awarded", "This request has already been awarded.")
	ErrBidNotAvailable = kernel.NewError(kernel.ErrInvalid, "bid_not_available", "That bid has been withdrawn or is not for this request.")
	ErrBedTaken        = kernel.NewError(kernel.ErrConflict, "no_bed_left", "The home has no bed left to reserve: another award took it.")
	ErrNotAwaiting     = kernel.NewError(kernel.ErrConflict, "not_awaiting", "This placement is not awaiting approval.")
)

// The rules that make an award wait for an approver, as stored on the placement when
// the award is made (placements.approval_reasons), so they are never recomputed later.
const (
	// RuleRegulation11 is the law: the Care Planning, Placement and Case Review
	// (England) Regulations 2010, reg. 11: a placement out of the council's area and not
	// in an adjoining area needs the nominated officer's approval.
	RuleRegulation11 = "regulation_11"
	// RuleConsortiumMiles is the framework's distance policy: more than N miles from the
	// child's home (Framework.DistantMiles; can be off).
	RuleConsortiumMiles = "consortium_miles"
	// RuleOverCeiling is Hearth's rule: a weekly fee above the lot's price ceiling.
	RuleOverCeiling = "over_ceiling"
)

// Placement is an awarded bid: the child's placement in a home.
type Placement struct {
	ID              int64 `gorm:"primaryKey"`
	RequestID       int64
	BidID           int64
	CouncilID       int64
	ProviderID      int64
	HomeID          int64
	Status          PlacementStatus
	WeeklyFeePence  kernel.Pence
	StartDate       time.Time
	Miles           float64
	ApprovalReasons kernel.Codes `gorm:"type:text[]"`
	PolicyMiles     *float64     // the framework's distance policy when the award was made
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
	// AwardReason is why the commissioner chose this bid (required when it was not the
	// top score).
	AwardReason string
	// OutOfAreaReason is why a child was placed out of the council's area (a code of
	// OutOfAreaReasons; nil in area, and for awards made before it was asked), with
	// OutOfAreaNote for "other".
	OutOfAreaReason *string
	OutOfAreaNote   string

	// What the approver recorded for reg. 11 (see Regulation11Record).
	WishesConsulted      *bool      `gorm:"column:wishes_consulted"`
	WishesOn             *time.Time `gorm:"column:wishes_on"`
	WishesNote           string     `gorm:"column:wishes_note"`
	IROConsulted         *bool      `gorm:"column:iro_consulted"`
	IROOn                *time.Time `gorm:"column:iro_on"`
	IRONote              string     `gorm:"column:iro_note"`
	HostConsulted        *bool      `gorm:"column:host_consulted"`
	HostOn               *time.Time `gorm:"column:host_on"`
	HostNote             string     `gorm:"column:host_note"`
	Emergency            bool
	EmergencyPlacedOn    *time.Time
	EmergencyDeadline    *time.Time
	ApprovedBeforeRecord bool `gorm:"->"`
}

// TableName is the placements table.
func (Placement) TableName() string { return "placements" }

// ApprovalReasons lists the rules under which an award needs an approver (the DCS or a
// nominated officer): reg. 11 when the home is out of the placing council's area and not
// in an adjoining one (adj: the ONS boundaries and the consortium's overrides); the
// consortium's policy when it is more than policyMiles from the child's home (nil: no
// policy); Hearth's when the fee is above the ceiling.
func ApprovalReasons(miles float64, policyMiles *float64, placingONS, hostONS string, adj geo.Adjacency, total, ceiling kernel.Pence) []string {
	var out []string
	if hostONS != placingONS && !adj.Adjoining(placingONS, hostONS) {
		out = append(out, RuleRegulation11)
	}
	if policyMiles != nil && miles > *policyMiles {
		out = append(out, RuleConsortiumMiles)
	}
	if ceiling > 0 && total > ceiling {
		out = append(out, RuleOverCeiling)
	}
	return out
}

// RuleLabel names a rule that triggered approval, the same on every screen, in the
// agreement and in the API.
func RuleLabel(code string, policyMiles *float64) string {
	switch code {
	case RuleRegulation11:
		return "Regulation 11: out of area and not adjoining"
	case RuleConsortiumMiles:
		if policyMiles == nil {
			return "Consortium policy: distance"
		}
		return "Consortium policy: more than " + strconv.FormatFloat(*policyMiles, 'f', -1, 64) + " miles"
	case RuleOverCeiling:
		return "Over the price ceiling"
	}
	return code
}

// ApprovalRules names the rules that made the award wait for an approver.
func (p Placement) ApprovalRules() []string {
	out := make([]string, len(p.ApprovalReasons))
	for i, c := range p.ApprovalReasons {
		out[i] = RuleLabel(c, p.PolicyMiles)
	}
	return out
}

// NeedsRegulation11 reports whether the award is a distant placement in law, so the
// approver records what reg. 11 asks.
func (p Placement) NeedsRegulation11() bool { return p.ApprovalReasons.Has(RuleRegulation11) }

// AwardInput is the commissioner's choice of bid, from the request page or the API.
type AwardInput struct {
	BidID int64 `json:"bid_id" form:"bid_id" validate:"required,gt=0" msg:"*=Select the bid to award"`
	// Reason is why this bid: required when it is not the top score (CheckAwardReason).
	Reason string `json:"reason" form:"reason" validate:"max=2000" msg:"*=The reason must be 2,000 characters or fewer"`
	// OutOfAreaReason is why the child is placed out of the council's area, a code of
	// OutOfAreaReasons: required when the home is out of area, ignored when it is not
	// (CheckOutOfAreaReason). OutOfAreaNote says why in words, for "other" only.
	OutOfAreaReason string `json:"out_of_area_reason" form:"out_of_area_reason"`
	OutOfAreaNote   string `json:"out_of_area_note" form:"out_of_area_note" validate:"max=500" msg:"*=The reason must be 500 characters or fewer"`
}

// OutOfAreaReasons are why a council places a child outside its area, as the annual
// out-of-area return counts them (placements.out_of_area_reason's CHECK holds the codes).
var OutOfAreaReasons = []kernel.Option{
	{Code: "no_suitable_in_area", Label: "No suitable home in the council's area"},
	{Code: "specialist_needs", Label: "Specialist care the child needs"},
	{Code: "safeguarding", Label: "To keep the child safe (away from risk in the area)"},
	{Code: "near_family", Label: "Near family, friends or school"},
	{Code: "siblings_together", Label: "To keep brothers and sisters together"},
	{Code: "child_wishes", Label: "The child's wishes"},
	{Code: "other", Label: "Other"},
}

// CheckOutOfAreaReason checks the reason for placing out of area: for a home out of the
// council's area, a code of OutOfAreaReasons (required, from the award page and the API
// alike), with words for "other"; for a home in area, none is kept. Returns the reason and note to keep, or
// FieldErrors.
func CheckOutOfAreaReason(outOfArea bool, in AwardInput) (reason *string, note string, err error) {
	if !outOfArea {
		return nil, "", nil
	}
	code, note := strings.TrimSpace(in.OutOfAreaReason), strings.TrimSpace(in.OutOfAreaNote)
	switch {
	case code == "":
		return nil, "", kernel.Invalid("out_of_area_reason", "Select why the child is placed out of your council's area")
	case kernel.Label(OutOfAreaReasons, code) == code:
		return nil, "", kernel.Invalid("out_of_area_reason", "Select one of the reasons listed")
	case code == "other" && note == "":
		return nil, "", kernel.Invalid("out_of_area_note", "Enter why the child is placed out of your council's area")
	case len([]rune(note)) > 500:
		return nil, "", kernel.Invalid("out_of_area_note", "The reason must be 500 characters or fewer")
	case code != "other":
		note = ""
	}
	return &code, note, nil
}

// AwardError is err as a problem with the chosen bid, when it is one (the bid has been
// withdrawn or is not for this request), else err.
func AwardError(err error) error {
	if errors.Is(err, ErrBidNotAvailable) {
		return kernel.FieldErrors{{Field: "bid_id", Code: kernel.CodeOf(err), Message: kernel.Message(kernel.CodeOf(err))}}
	}
	return err
}

// Award reserves a bed in the bid's home and creates the placement, in one
// transaction. The reservation is a conditional update, so two awards of a home's
// last bed at the same moment — from any number of processes — cannot both succeed:
// the second finds no bed and gets ErrBedTaken. Bids can be awarded only once the
// request has closed.
func (s *Service) Award(ctx context.Context, requestID, councilID, bidID, by int64) (Placement, error) {
	return s.award(ctx, requestID, councilID, bidID, by, nil)
}

// MaxAwardReason is the longest reason for an award Hearth keeps.
const MaxAwardReason = 2000

// AwardConfirmed is the award step's award: like Award, with the commissioner's reason
// for the choice, which is required when the bid is not ranked first (FieldErrors on
// "reason"). The reason is kept on the placement.
//
// When the home is out of the council's area, in.OutOfAreaReason is required too
// (CheckOutOfAreaReason, FieldErrors on "out_of_area_reason" or "out_of_area_note").
func (s *Service) AwardConfirmed(ctx context.Context, requestID, councilID, by int64, in AwardInput) (Placement, error) {
	bidID := in.BidID
	reason := strings.TrimSpace(in.Reason)
	ev, err := s.Evaluate(ctx, requestID, councilID)
	if err != nil {
		return Placement{}, err
	}
	rank := 0
	for _, b := range ev.Bids {
		if b.Bid.ID == bidID {
			rank = b.Rank
		}
	}
	if rank == 0 {
		return Placement{}, ErrBidNotAvailable
	}
	if err := CheckAwardReason(rank, reason); err != nil {
		return Placement{}, err
	}
	in.Reason = reason
	return s.award(ctx, requestID, councilID, bidID, by, &in)
}

// CheckAwardReason checks the reason for awarding a bid of the given rank: required
// below rank 1, at most MaxAwardReason characters. Returns FieldErrors on "reason".
func CheckAwardReason(rank int, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case rank > 1 && reason == "":
		return kernel.Invalid("reason", "Enter why you are awarding this bid: it is not the top score")
	case len([]rune(reason)) > MaxAwardReason:
		return kernel.Invalid("reason", "The reason must be 2,000 characters or fewer")
	}
	return nil
}

// AwardNeed is what awarding a bid would need: the rules under which the award would
// wait for an approver (none: it stands at once), with the distance they were judged on.
type AwardNeed struct {
	// OutOfArea: the home is outside the placing council's area (adjoining or not), so
	// the award asks why (CheckOutOfAreaReason).
	OutOfArea   bool
	Rules       kernel.Codes
	PolicyMiles *float64 // the framework's distance policy (nil: none)
	Miles       float64  // from the child's home, to 0.1 mile
}

// NeedsApproval says whether the award would wait for an approver.
func (n AwardNeed) NeedsApproval() bool { return len(n.Rules) > 0 }

// RuleLabels names the rules, as the placement will once awarded.
func (n AwardNeed) RuleLabels() []string {
	out := make([]string, len(n.Rules))
	for i, c := range n.Rules {
		out[i] = RuleLabel(c, n.PolicyMiles)
	}
	return out
}

// AwardNeeds says, without changing anything, what awarding a bid on a council's
// request would need, by the same rules Award applies. Returns ErrNotFound for
// another council's request and ErrBidNotAvailable for a bid not active on it.
func (s *Service) AwardNeeds(ctx context.Context, requestID, councilID, bidID int64) (AwardNeed, error) {
	tx := s.db.WithContext(ctx)
	var r PlacementRequest
	if err := tx.Where("id = ? AND council_id = ?", requestID, councilID).First(&r).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return AwardNeed{}, fmt.Errorf("placement request %d: %w", requestID, kernel.ErrNotFound)
		}
		return AwardNeed{}, err
	}
	var b Bid
	if err := tx.Where("id = ? AND request_id = ? AND status = 'active'", bidID, requestID).First(&b).Error; err != nil {
		return AwardNeed{}, ErrBidNotAvailable
	}
	var home Home
	if err := tx.First(&home, b.HomeID).Error; err != nil {
		return AwardNeed{}, err
	}
	return awardNeeds(tx, r, councilID, b, home)
}

// awardNeeds applies ApprovalReasons to a bid's home for a request: the one place
// Award and AwardNeeds judge an award.
func awardNeeds(tx *gorm.DB, r PlacementRequest, councilID int64, b Bid, home Home) (AwardNeed, error) {
	var placing, host commissioning.Organisation
	if err := tx.First(&placing, councilID).Error; err != nil {
		return AwardNeed{}, err
	}
	hostONS := ""
	if home.HostCouncilID != nil && tx.First(&host, *home.HostCouncilID).Error == nil && host.ONSCode != nil {
		hostONS = *host.ONSCode
	}
	var lot commissioning.Lot
	if err := tx.Preload("Tiers").First(&lot, *r.LotID).Error; err != nil {
		return AwardNeed{}, err
	}
	var fw commissioning.Framework
	if err := tx.Select("id", "consortium_id", "distant_miles").First(&fw, lot.FrameworkID).Error; err != nil {
		return AwardNeed{}, err
	}
	adj, err := adjacencyOf(tx, fw.ConsortiumID)
	if err != nil {
		return AwardNeed{}, err
	}
	ceiling, _ := lot.Ceiling(*r.Tier)
	// The rule is applied to the exact distance; the placement keeps it to 0.1 mile.
	exact := geo.Miles(geo.Point{Lat: *r.HomeLat, Lon: *r.HomeLon}, geo.Point{Lat: home.Lat, Lon: home.Lon})
	reasons := ApprovalReasons(exact, fw.DistantMiles, *placing.ONSCode, hostONS, adj, b.TotalWeekly(), ceiling)
	return AwardNeed{OutOfArea: hostONS != *placing.ONSCode, Rules: kernel.Codes(reasons), PolicyMiles: fw.DistantMiles, Miles: math.Round(exact*10) / 10}, nil
}

// award is Award, keeping the commissioner's reasons for the choice (in; nil: none
// asked, as Award).
func (s *Service) award(ctx context.Context, requestID, councilID, bidID, by int64, in *AwardInput) (Placement, error) {
	var p Placement
	reason := ""
	if in != nil {
		reason = in.Reason
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r PlacementRequest
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND council_id = ?", requestID, councilID).First(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("placement request %d: %w", requestID, kernel.ErrNotFound)
			}
			return err
		}
		switch {
		case r.Status.Awarded():
			return ErrAlreadyAwarded
		case r.Status.Cancelled():
			return ErrRequestCancelled
		case r.Status.CanTransition(RequestAwarded) != nil:
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
		need, err := awardNeeds(tx, r, councilID, b, home)
		if err != nil {
			return err
		}
		var ooaReason *string
		var ooaNote string
		if in != nil {
			if ooaReason, ooaNote, err = CheckOutOfAreaReason(need.OutOfArea, *in); err != nil {
				return err
			}
		}
		miles, reasons := need.Miles, []string(need.Rules)
		review := NextReviewDue(start, nil)
		p = Placement{RequestID: r.ID, BidID: b.ID, CouncilID: councilID, ProviderID: b.ProviderID, HomeID: home.ID, Status: PlacementAwarded,
			WeeklyFeePence: b.TotalWeekly(), StartDate: start, Miles: miles, ApprovalReasons: kernel.Codes(reasons), AwardedBy: nullID(by),
			PolicyMiles: need.PolicyMiles, AwardReason: reason, OutOfAreaReason: ooaReason, OutOfAreaNote: ooaNote,
			HostCouncilID: home.HostCouncilID, NoticeDays: b.NoticeDays, ReviewDate: &review}
		if len(reasons) > 0 {
			p.Status = PlacementAwaitingApproval
		}
		if err := tx.Select("RequestID", "BidID", "CouncilID", "ProviderID", "HomeID", "Status", "WeeklyFeePence", "StartDate", "Miles",
			"ApprovalReasons", "PolicyMiles", "AwardReason", "OutOfAreaReason", "OutOfAreaNote", "AwardedBy", "HostCouncilID", "NoticeDays", "ReviewDate").Create(&p).Error; err != nil {
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
		if err := r.Transition(RequestAwarded); err != nil {
			return err
		}
		if err := tx.Model(&PlacementRequest{}).Where("id = ?", r.ID).Update("status", r.Status).Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "request.award", "placement", fmt.Sprint(p.ID), map[string]any{"request_id": r.ID, "bid_id": b.ID,
			"home_id": home.ID, "miles": miles, "approval_reasons": reasons, "status": p.Status, "reason": reason,
			"out_of_area_reason": ooaReason}); err != nil {
			return err
		}
		if p.Status.AwaitingApproval() {
			return s.tell(ctx, tx, r.ID, notify.Message{OrgID: councilID, PlacementID: p.ID, Kind: "approval", Roles: []kernel.Role{kernel.RoleApprover},
				Subject: fmt.Sprintf("Placement request %d: an award waits for your approval", r.ID), Path: "/approvals",
				Body: fmt.Sprintf("An award of placement request %d (%s) needs a senior approver: %s.", r.ID, r.ChildRef, strings.Join(p.ApprovalRules(), "; "))})
		}
		return s.confirmAward(ctx, tx, p)
	})
	return p, err
}

// Consultation is one of reg. 11's questions, answered by the approver: yes with the
// date, or no with why.
type Consultation struct {
	Answer string // "yes" or "no"
	On     string // YYYY-MM-DD, required for yes
	Note   string // required for no
}

// Regulation11Record is what the Care Planning, Placement and Case Review (England)
// Regulations 2010, reg. 11, ask the nominated officer to be satisfied of before
// approving a distant placement: the child's wishes and feelings ascertained, the
// independent reviewing officer (IRO) and the host council consulted; and, where the
// child was placed in an emergency, approval within 5 working days after.
type Regulation11Record struct {
	Wishes, IRO, Host Consultation
	Emergency         string // "yes" or "no"
	EmergencyPlacedOn string // YYYY-MM-DD, required for yes
}

// EmergencyWorkingDays is how long after an emergency placement reg. 11 allows for the
// nominated officer's approval.
const EmergencyWorkingDays = 5

// Decision is an approver's decision on an award awaiting approval.
type Decision struct {
	Approve bool
	Reason  string             // required to refuse
	Reg11   Regulation11Record // required to approve a reg. 11 placement
}

// consultation columns are the placements columns of one reg. 11 question.
type consultation struct {
	consulted *bool
	on        *time.Time
	note      string
}

// validate checks the record for approving p today, all problems at once, by field:
// wishes, wishes_on, wishes_note, iro…, host…, emergency, emergency_placed_on.
func (r Regulation11Record) validate(today time.Time) (map[string]consultation, *time.Time, kernel.FieldErrors) {
	var fe kernel.FieldErrors
	out := map[string]consultation{}
	for _, q := range []struct {
		field, ask string
		c          Consultation
	}{
		{"wishes", "whether the child's wishes and feelings were ascertained", r.Wishes},
		{"iro", "whether the child's independent reviewing officer (IRO) was consulted", r.IRO},
		{"host", "whether the host council was consulted", r.Host},
	} {
		c := consultation{note: strings.TrimSpace(q.c.Note)}
		switch q.c.Answer {
		case "yes":
			yes := true
			c.consulted = &yes
			on, msg := pastDate(q.c.On, today, "Date")
			if msg != "" {
				fe.Add(q.field+"_on", msg)
			}
			c.on = on
		case "no":
			no := false
			c.consulted = &no
			if c.note == "" {
				fe.Add(q.field+"_note", "Say why not, "+q.ask[len("whether "):])
			}
		default:
			fe.Add(q.field, "Select "+q.ask)
		}
		if len(c.note) > 2000 {
			fe.Add(q.field+"_note", "Notes must be 2,000 characters or fewer")
		}
		out[q.field] = c
	}
	var placed *time.Time
	switch r.Emergency {
	case "yes":
		on, msg := pastDate(r.EmergencyPlacedOn, today, "Date the child was placed")
		switch {
		case msg != "":
			fe.Add("emergency_placed_on", msg)
		case today.After(kernel.AddWorkingDays(*on, EmergencyWorkingDays)):
			fe.Add("emergency_placed_on", fmt.Sprintf("An emergency placement must be approved within %d working days: the last day was %s. Refuse it, or record that it was not an emergency",
				EmergencyWorkingDays, kernel.AddWorkingDays(*on, EmergencyWorkingDays).Format(day)))
		default:
			placed = on
		}
	case "no":
	default:
		fe.Add("emergency", "Select whether the child was placed in an emergency, before this approval")
	}
	return out, placed, fe
}

// pastDate parses a YYYY-MM-DD date that must be today or earlier.
func pastDate(s string, today time.Time, label string) (*time.Time, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, "Enter the date"
	}
	d, err := time.Parse(time.DateOnly, s)
	switch {
	case err != nil:
		return nil, label + " must be a real date"
	case d.After(today):
		return nil, label + " must be today or in the past"
	}
	return &d, ""
}

// DecideAward approves or refuses an award awaiting approval, without a reg. 11 record:
// it can approve only an award that reg. 11 does not cover. See DecideApproval.
func (s *Service) DecideAward(ctx context.Context, placementID, councilID, by int64, approve bool, reason string) (Placement, error) {
	return s.DecideApproval(ctx, placementID, councilID, by, Decision{Approve: approve, Reason: reason})
}

// DecisionInput is an approver's decision as the approvals page and the API send it.
// Approving a reg. 11 placement needs wishes_consulted, iro_consulted and
// host_consulted (each with its date when true, or a note when false) and emergency
// (with emergency_placed_on when true).
type DecisionInput struct {
	Decision          string `json:"decision" form:"decision" validate:"required,oneof=approve refuse" msg:"*=Select approve or refuse"`
	Reason            string `json:"reason" form:"reason" validate:"max=2000" msg:"*=The reason must be 2,000 characters or fewer"`
	WishesConsulted   *bool  `json:"wishes_consulted" form:"wishes"`
	WishesOn          string `json:"wishes_on" form:"wishes_on,date" label:"The date the child's wishes were ascertained" validate:"omitempty,datetime=2006-01-02"`
	WishesNote        string `json:"wishes_note" form:"wishes_note" validate:"max=2000"`
	IROConsulted      *bool  `json:"iro_consulted" form:"iro"`
	IROOn             string `json:"iro_on" form:"iro_on,date" label:"The date the IRO was consulted" validate:"omitempty,datetime=2006-01-02"`
	IRONote           string `json:"iro_note" form:"iro_note" validate:"max=2000"`
	HostConsulted     *bool  `json:"host_consulted" form:"host"`
	HostOn            string `json:"host_on" form:"host_on,date" label:"The date the host council was consulted" validate:"omitempty,datetime=2006-01-02"`
	HostNote          string `json:"host_note" form:"host_note" validate:"max=2000"`
	Emergency         *bool  `json:"emergency" form:"emergency"`
	EmergencyPlacedOn string `json:"emergency_placed_on" form:"emergency_placed_on,date" label:"The date of the emergency placement" validate:"omitempty,datetime=2006-01-02"`
}

func yesNo(b *bool) string {
	switch {
	case b == nil:
		return ""
	case *b:
		return "yes"
	}
	return "no"
}

// decision is the input as the domain's Decision.
func (in DecisionInput) decision() Decision {
	return Decision{Approve: in.Decision == "approve", Reason: in.Reason, Reg11: Regulation11Record{
		Wishes:    Consultation{Answer: yesNo(in.WishesConsulted), On: in.WishesOn, Note: in.WishesNote},
		IRO:       Consultation{Answer: yesNo(in.IROConsulted), On: in.IROOn, Note: in.IRONote},
		Host:      Consultation{Answer: yesNo(in.HostConsulted), On: in.HostOn, Note: in.HostNote},
		Emergency: yesNo(in.Emergency), EmergencyPlacedOn: in.EmergencyPlacedOn}}
}

// DecideInput checks an approver's decision (every problem at once, by JSON name) and
// makes it with DecideApproval.
func (s *Service) DecideInput(ctx context.Context, placementID, councilID, by int64, in DecisionInput) (Placement, error) {
	if fe := kernel.Check(&in); fe != nil {
		return Placement{}, fe
	}
	p, err := s.DecideApproval(ctx, placementID, councilID, by, in.decision())
	var fe kernel.FieldErrors
	if errors.As(err, &fe) {
		out := make(kernel.FieldErrors, len(fe))
		for i, e := range fe {
			switch e.Field {
			case "wishes", "iro", "host":
				e.Field += "_consulted"
			}
			out[i] = e
		}
		return p, out
	}
	return p, err
}

// DecideApproval approves or refuses an award awaiting approval, by an approver of the placing
// council. Approving a placement out of area and not adjoining needs the reg. 11 record
// (FieldErrors, every problem at once, otherwise); the database refuses an approval
// without it too. A refusal gives the reserved bed back and reopens the request for
// another award from the same bids. Returns ErrNotAwaiting if already decided.
func (s *Service) DecideApproval(ctx context.Context, placementID, councilID, by int64, d Decision) (Placement, error) {
	approve, reason := d.Approve, d.Reason
	var p Placement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND council_id = ?", placementID, councilID).First(&p).Error; err != nil {
			return fmt.Errorf("placement %d: %w", placementID, kernel.ErrNotFound)
		}
		if !p.Status.AwaitingApproval() {
			return ErrNotAwaiting
		}
		reason = strings.TrimSpace(reason)
		now := s.Now()
		cols := []string{"status", "refusal_reason", "decided_by", "decided_at"}
		if approve {
			if err := p.Transition(PlacementAwarded); err != nil {
				return err
			}
			if p.NeedsRegulation11() {
				answers, placed, fe := d.Reg11.validate(kernel.DateOf(now))
				if err := fe.Err(); err != nil {
					return err
				}
				p.WishesConsulted, p.WishesOn, p.WishesNote = answers["wishes"].consulted, answers["wishes"].on, answers["wishes"].note
				p.IROConsulted, p.IROOn, p.IRONote = answers["iro"].consulted, answers["iro"].on, answers["iro"].note
				p.HostConsulted, p.HostOn, p.HostNote = answers["host"].consulted, answers["host"].on, answers["host"].note
				if placed != nil {
					deadline := kernel.AddWorkingDays(*placed, EmergencyWorkingDays)
					p.Emergency, p.EmergencyPlacedOn, p.EmergencyDeadline = true, placed, &deadline
				}
				cols = append(cols, "wishes_consulted", "wishes_on", "wishes_note", "iro_consulted", "iro_on", "iro_note",
					"host_consulted", "host_on", "host_note", "emergency", "emergency_placed_on", "emergency_deadline")
			}
		} else {
			if reason == "" {
				return kernel.Invalid("reason", "Enter the reason for refusing; the commissioner will see it")
			}
			if err := p.Transition(PlacementRefused); err != nil {
				return err
			}
			p.RefusalReason = &reason
			if err := tx.Exec("UPDATE homes SET beds_free = LEAST(beds_free + 1, registered_places), updated_at = now() WHERE id = ?", p.HomeID).Error; err != nil {
				return err
			}
			if _, err := recordVacancy(tx, p.HomeID, "refusal", by); err != nil {
				return err
			}
			var r PlacementRequest
			if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).First(&r, p.RequestID).Error; err != nil {
				return err
			}
			if err := r.Transition(RequestClosed); err != nil {
				return err
			}
			if err := tx.Model(&PlacementRequest{}).Where("id = ?", p.RequestID).Update("status", r.Status).Error; err != nil {
				return err
			}
		}
		p.DecidedBy, p.DecidedAt = nullID(by), &now
		if err := tx.Model(&p).Select(cols).Updates(&p).Error; err != nil {
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
	Ceiling  kernel.Pence
	// Alternative is, for an alternative offer, the matching rules its home fails.
	Alternative string
	// HostHasMailbox says whether the host council can be consulted through Hearth, and
	// Consultations are those sent so far (a reg. 11 placement's).
	HostHasMailbox bool
	Consultations  []HostConsultation
}

// AwaitingApproval lists one page of a council's awards waiting for an approver,
// oldest first, and counts them all.
func (s *Service) AwaitingApproval(ctx context.Context, councilID int64, page kernel.Page) ([]Pending, int64, error) {
	q := s.db.WithContext(ctx).Model(&Placement{}).Where("council_id = ? AND status = 'awaiting_approval'", councilID).Order("awarded_at, id")
	ps, total, err := kernel.FindPage[Placement](q, page)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.pending(ctx, ps)
	return out, total, err
}

// pending adds to awards waiting for an approver what the approver weighs.
func (s *Service) pending(ctx context.Context, ps []Placement) ([]Pending, error) {
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
			return nil, err
		}
		var lot commissioning.Lot
		if err := s.db.WithContext(ctx).Preload("Tiers").First(&lot, row.LotID).Error; err != nil {
			return nil, err
		}
		ceiling, _ := lot.Ceiling(row.Tier)
		out = append(out, Pending{Placement: p, ChildRef: row.ChildRef, HomeName: row.HomeName, Provider: row.Provider, HostName: row.HostName, Ceiling: ceiling,
			Alternative: row.Alternative})
	}
	ids, hosts := make([]int64, len(out)), []int64{}
	for i, p := range out {
		ids[i] = p.ID
		if p.HostCouncilID != nil {
			hosts = append(hosts, *p.HostCouncilID)
		}
	}
	consulted, err := s.Consultations(ctx, ids)
	if err != nil {
		return nil, err
	}
	mailboxes, err := hostMailboxes(ctx, s.db, hosts)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Consultations = consulted[out[i].ID]
		out[i].HostHasMailbox = out[i].HostCouncilID != nil && mailboxes[*out[i].HostCouncilID]
	}
	return out, nil
}

// Approval is one award waiting for its council's approver, with the evidence the
// approver decides on: the request's evaluation with the chosen bid among the others
// (Chosen, its index in Evaluation.Bids), and the child's earlier placements.
type Approval struct {
	Pending
	Evaluation Evaluation
	Chosen     int
	History    ChildRecord
}

// ChosenBid is the bid the commissioner chose, scored among the others.
func (a Approval) ChosenBid() Scored { return a.Evaluation.Bids[a.Chosen] }

// RuleWhy is a rule that sent an award to the approver, with the facts that met it.
type RuleWhy struct {
	Code, Label, Why string
}

// Why says, for each rule that sent the award to the approver, why it applies.
func (a Approval) Why() []RuleWhy {
	out := make([]RuleWhy, 0, len(a.ApprovalReasons))
	for _, code := range a.ApprovalReasons {
		w := RuleWhy{Code: code, Label: RuleLabel(code, a.PolicyMiles)}
		switch code {
		case RuleRegulation11:
			w.Why = fmt.Sprintf("The home is in %s, which is neither your council's area nor adjoining it.", cmp.Or(a.HostName, "another council's area"))
		case RuleConsortiumMiles:
			w.Why = fmt.Sprintf("The home is %.1f miles from the child's home", a.Miles)
			if a.PolicyMiles != nil {
				w.Why += fmt.Sprintf("; the consortium's policy is %s miles", strconv.FormatFloat(*a.PolicyMiles, 'f', -1, 64))
			}
			w.Why += "."
		case RuleOverCeiling:
			w.Why = fmt.Sprintf("%s a week is above the lot's ceiling of %s.", a.ChosenBid().Total, a.Ceiling)
		}
		out = append(out, w)
	}
	return out
}

// Approval returns a council's award waiting for an approver, with its evidence; the
// child's history is a read of the child's record, so it is audited. Another council's
// award, or one already decided, is not found.
func (s *Service) Approval(ctx context.Context, placementID, councilID int64) (Approval, error) {
	var a Approval
	var p Placement
	err := s.db.WithContext(ctx).Where("id = ? AND council_id = ? AND status = 'awaiting_approval'", placementID, councilID).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, fmt.Errorf("award %d awaiting approval: %w", placementID, kernel.ErrNotFound)
	}
	if err != nil {
		return a, err
	}
	ps, err := s.pending(ctx, []Placement{p})
	if err != nil {
		return a, err
	}
	a.Pending = ps[0]
	if a.Evaluation, err = s.Evaluate(ctx, p.RequestID, councilID); err != nil {
		return a, err
	}
	a.Chosen = slices.IndexFunc(a.Evaluation.Bids, func(b Scored) bool { return b.Bid.ID == p.BidID })
	if a.Chosen < 0 {
		return a, fmt.Errorf("award %d: bid %d is not among the request's bids", p.ID, p.BidID)
	}
	if a.History, err = s.childHistory(ctx, councilID, a.ChildRef); err != nil {
		return a, err
	}
	return a, audit.New(s.db).Record(ctx, "child.read", "child", a.ChildRef, map[string]any{"placements": len(a.History.Placements), "approval": p.ID})
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
