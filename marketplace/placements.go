package marketplace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
	"github.com/hearth-placements/hearth/marketplace/agreement"
)

// Errors about placements.
var (
	ErrNotAwarded    = kernel.NewError(kernel.ErrConflict, "not_awarded", "The placement has not been awarded, or has started already.")
	ErrNotStarted    = kernel.NewError(kernel.ErrConflict, "not_started", "The placement has not started.")
	ErrPlacementOver = kernel.NewError(kernel.ErrConflict, "placement_over", "The placement has ended.")
)

// IncidentKinds are the episodes a provider reports.
var IncidentKinds = []Option{
	{Code: "missing", Label: "Missing"},
	{Code: "absent", Label: "Absent"},
}

// PlacementFee is the weekly fee from a date, with its breakdown.
type PlacementFee struct {
	ID                int64 `gorm:"primaryKey"`
	PlacementID       int64
	EffectiveFrom     time.Time
	CorePence         kernel.Pence
	OneToOneHours     int
	OneToOneRatePence kernel.Pence
	EducationPence    kernel.Pence
	TotalPence        kernel.Pence `gorm:"->"`
	Reason            string
	ChangedBy         *int64
	ChangedAt         time.Time `gorm:"->"`
}

// TableName is the placement_fees table.
func (PlacementFee) TableName() string { return "placement_fees" }

// Total is the weekly cost the fee comes to.
func (f PlacementFee) Total() kernel.Pence {
	return f.CorePence + kernel.Pence(f.OneToOneHours)*f.OneToOneRatePence + f.EducationPence
}

// Agreement is one issue of a placement's Individual Placement Agreement.
type Agreement struct {
	ID          int64 `gorm:"primaryKey"`
	PlacementID int64
	Version     int
	Reason      string
	PDF         []byte    `gorm:"column:pdf"`
	SHA256      string    `gorm:"column:sha256"`
	IssuedAt    time.Time `gorm:"->"`
}

// TableName is the placement_agreements table.
func (Agreement) TableName() string { return "placement_agreements" }

// Incident is a missing or absent episode.
type Incident struct {
	ID          int64 `gorm:"primaryKey"`
	PlacementID int64
	Kind        string
	StartedAt   time.Time
	EndedAt     *time.Time
	Note        string
	ReportedBy  *int64
	ReportedAt  time.Time `gorm:"->"`

	PoliceRef  string
	PoliceRisk *string // RiskGrades
	EndedHow   *string // EpisodeEndings
	FoundArea  *string // an English council's ONS code: the area, never an address

	// The return-home interview.
	RHIResponsible    string     `gorm:"column:rhi_responsible"` // RHIResponsibles
	RHIOfferedAt      *time.Time `gorm:"column:rhi_offered_at"`
	RHIAccepted       *bool      `gorm:"column:rhi_accepted"`
	RHIDoneAt         *time.Time `gorm:"column:rhi_done_at"`
	RHIDoneBy         *int64     `gorm:"column:rhi_done_by"` // the placing or the host council
	RHIInterviewer    string     `gorm:"column:rhi_interviewer"`
	RHIDeclinedReason string     `gorm:"column:rhi_declined_reason"`
	RHIRemindedAt     *time.Time `gorm:"column:rhi_reminded_at"`

	Version   int
	UpdatedAt time.Time `gorm:"->"`
}

// TableName is the placement_incidents table.
func (Incident) TableName() string { return "placement_incidents" }

// Access is how an organisation sees a placement.
type Access string

// The ways to see a placement: the placing council sees everything; the provider the
// child's profile, fee and agreement; the host council only what the host notice says.
const (
	AccessCouncil  Access = "council"
	AccessProvider Access = "provider"
	AccessHost     Access = "host"
)

// PlacementView is a placement as one organisation may see it.
type PlacementView struct {
	Placement
	Access Access

	ChildRef       string
	PlacingCouncil string
	Contact        string // the awarding commissioner: name and email
	Provider       string
	HomeName       string
	HomeURN        string
	HomeOutcode    string
	HostCouncil    string

	// Council and provider only.
	AgeYears    int
	Sex         string
	LegalStatus string
	Needs       []string
	Fees        []PlacementFee
	Agreements  []Agreement // without the PDF bytes
	NextReview  *time.Time  // the next statutory review due (reg. 33); nil once over
	Reviews     []Review    // held so far; the placing council only

	Incidents []Incident
	// HostNotices are the notices sent to the host council and how each reached its
	// mailbox; the placing council only.
	HostNotices []notify.NoticeDelivery
}

// Open reports whether the placement is live (awarded or started).
func (v PlacementView) Open() bool { return v.Status.Live() }

// placementFacts are the joined facts about a placement that views, notices and the
// agreement all draw on.
type placementFacts struct {
	ChildRef, PlacingCouncil, ContactName, ContactEmail, Provider string
	HomeName, HomeURN, HomeOutcode, HomeRating, HostCouncil       string
	AgeYears                                                      int
	Sex, LegalStatus                                              string
	Needs                                                         kernel.Codes `gorm:"type:text[]"`
	DurationWeeks                                                 *int
	Framework, Lot, Tier                                          string
}

func facts(ctx context.Context, db *gorm.DB, p Placement) (placementFacts, error) {
	var f placementFacts
	err := db.WithContext(ctx).Raw(`SELECT r.child_ref, pc.name AS placing_council, coalesce(u.name, '') AS contact_name, coalesce(u.email, '') AS contact_email,
            pr.name AS provider, h.name AS home_name, h.ofsted_urn AS home_urn, h.outcode AS home_outcode, h.ofsted_rating AS home_rating,
            coalesce(hc.name, '') AS host_council, coalesce(r.age_years, 0) AS age_years, coalesce(r.sex, '') AS sex,
            coalesce(r.legal_status, '') AS legal_status, r.needs, r.duration_weeks, f.name AS framework, l.name AS lot, coalesce(r.tier, '') AS tier
        FROM placement_requests r
        JOIN organisations pc ON pc.id = ?
        JOIN organisations pr ON pr.id = ?
        JOIN homes h ON h.id = ?
        LEFT JOIN organisations hc ON hc.id = ?
        LEFT JOIN users u ON u.id = ?
        LEFT JOIN lots l ON l.id = r.lot_id
        LEFT JOIN frameworks f ON f.id = l.framework_id
        WHERE r.id = ?`, p.CouncilID, p.ProviderID, p.HomeID, p.HostCouncilID, p.AwardedBy, p.RequestID).Scan(&f).Error
	return f, err
}

func (f placementFacts) contact() string {
	if f.ContactEmail == "" {
		return f.PlacingCouncil
	}
	return f.ContactName + ", " + f.ContactEmail
}

// Viewer is the organisation asking to see placements.
type Viewer struct {
	OrgID int64
	Kind  kernel.OrgKind
	// HostOnly is a host-council user: they see placements by other councils into
	// their council's area as the host does, and nothing of their own council's
	// children, even when their council places children too.
	HostOnly bool
}

// hostStatuses are the states in which the host council sees a placement: from the
// final award (the host notice) on.
var hostStatuses = finalPlacementStatuses

// scopePlacements keeps q (over placements aliased p) to the placements v may see: a
// host-only council user those placed into its area by other councils; a council its
// own and, once final, those placed into its area; a provider its final placements.
// ok is false for any other viewer, who sees none.
func scopePlacements(q *gorm.DB, v Viewer) (_ *gorm.DB, ok bool) {
	switch {
	case v.Kind == kernel.KindCouncil && v.HostOnly:
		return q.Where("p.host_council_id = ? AND p.council_id <> ? AND p.status IN ?", v.OrgID, v.OrgID, hostStatuses), true
	case v.Kind == kernel.KindCouncil:
		return q.Where("p.council_id = ? OR (p.host_council_id = ? AND p.status IN ?)", v.OrgID, v.OrgID, hostStatuses), true
	case v.Kind == kernel.KindProvider:
		return q.Where("p.provider_id = ? AND p.status IN ?", v.OrgID, finalPlacementStatuses), true
	}
	return q, false
}

func accessTo(p Placement, v Viewer) (Access, bool) {
	if v.HostOnly {
		if v.Kind == kernel.KindCouncil && p.HostCouncilID != nil && *p.HostCouncilID == v.OrgID && p.CouncilID != v.OrgID &&
			slices.Contains(hostStatuses, p.Status) {
			return AccessHost, true
		}
		return "", false
	}
	switch {
	case v.Kind == kernel.KindCouncil && p.CouncilID == v.OrgID:
		return AccessCouncil, true
	case v.Kind == kernel.KindProvider && p.ProviderID == v.OrgID && p.Status.Final():
		return AccessProvider, true
	case v.Kind == kernel.KindCouncil && p.HostCouncilID != nil && *p.HostCouncilID == v.OrgID &&
		p.Status.Final():
		return AccessHost, true
	}
	return "", false
}

// PlacementFor returns a placement as v may see it, and audits the read of the child's
// record. Anyone else gets ErrNotFound, so the placement's existence isn't revealed.
func (s *Service) PlacementFor(ctx context.Context, id int64, v Viewer) (PlacementView, error) {
	var view PlacementView
	if err := s.db.WithContext(ctx).First(&view.Placement, id).Error; err != nil {
		return view, placementNotFound(id, err)
	}
	access, ok := accessTo(view.Placement, v)
	if !ok {
		return PlacementView{}, fmt.Errorf("placement %d: %w", id, kernel.ErrNotFound)
	}
	view.Access = access
	if access == AccessHost {
		view.Placement = hostProjection(view.Placement)
	}
	f, err := facts(ctx, s.db, view.Placement)
	if err != nil {
		return view, err
	}
	view.ChildRef, view.PlacingCouncil, view.Contact, view.Provider = f.ChildRef, f.PlacingCouncil, f.contact(), f.Provider
	view.HomeName, view.HomeURN, view.HomeOutcode, view.HostCouncil = f.HomeName, f.HomeURN, f.HomeOutcode, f.HostCouncil
	if access != AccessHost {
		view.AgeYears, view.Sex, view.LegalStatus = f.AgeYears, f.Sex, f.LegalStatus
		for _, n := range f.Needs {
			view.Needs = append(view.Needs, Label(Needs, n))
		}
		if err := s.db.WithContext(ctx).Where("placement_id = ?", id).Order("effective_from").Find(&view.Fees).Error; err != nil {
			return view, err
		}
		if err := s.db.WithContext(ctx).Omit("PDF").Where("placement_id = ?", id).Order("version").Find(&view.Agreements).Error; err != nil {
			return view, err
		}
		if view.NextReview, view.Reviews, err = s.NextReview(ctx, view.Placement); err != nil {
			return view, err
		}
		if access != AccessCouncil {
			view.Reviews = nil
		}
	}
	if access == AccessCouncil {
		if view.HostNotices, err = s.HostNotices(ctx, view.Placement); err != nil {
			return view, err
		}
	}
	if err := s.db.WithContext(ctx).Where("placement_id = ?", id).Order("started_at DESC").Find(&view.Incidents).Error; err != nil {
		return view, err
	}
	return view, audit.New(s.db).Record(ctx, "child.read", "placement", fmt.Sprint(id), map[string]any{"child_ref": f.ChildRef, "access": string(access)})
}

// hostProjection keeps of a placement only what the host notices tell: who placed,
// where, and when it started and ended (with the reason). The fee, distance, notice
// period, the approval and its reg. 11 record, the bid and the end note stay with the
// placing council and the provider.
func hostProjection(p Placement) Placement {
	return Placement{ID: p.ID, RequestID: p.RequestID, CouncilID: p.CouncilID, ProviderID: p.ProviderID, HomeID: p.HomeID, Status: p.Status,
		StartDate: p.StartDate, AwardedBy: p.AwardedBy, AwardedAt: p.AwardedAt, HostCouncilID: p.HostCouncilID,
		StartedOn: p.StartedOn, EndedOn: p.EndedOn, EndReason: p.EndReason}
}

func placementNotFound(id int64, err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("placement %d: %w", id, kernel.ErrNotFound)
	}
	return err
}

// PlacementRow is a line in a list of placements.
type PlacementRow struct {
	ID             int64
	Status         PlacementStatus
	ChildRef       string
	PlacingCouncil string
	Provider       string
	HomeName       string
	HostCouncil    string
	StartDate      time.Time
	EndedOn        *time.Time
	WeeklyFeePence kernel.Pence
	Access         Access `gorm:"-"`
	CouncilID      int64
	ProviderID     int64
}

// Placements lists the placements v may see, newest first: a council's own and those
// into its area; a provider's own.
func (s *Service) Placements(ctx context.Context, v Viewer, status string, offset, limit int) ([]PlacementRow, int64, error) {
	lq := kernel.ListQuery{Page: kernel.Page{Offset: offset, Limit: limit}}
	if status != "" {
		lq.Filters = map[string][]string{"status": {status}}
	}
	return s.PlacementsList(ctx, v, lq)
}

// PlacementSorts are the orders a placement list can be sorted in.
var PlacementSorts = kernel.Sorts{"child": "r.child_ref", "home": "h.name", "council": "pc.name", "start": "p.start_date", "status": "p.status", "awarded": "p.awarded_at"}

// PlacementStatusCodes are the statuses a placement list can be filtered by.
var PlacementStatusCodes = []Option{{Code: "awaiting_approval", Label: "Awaiting approval"}, {Code: "awarded", Label: "Awarded"},
	{Code: "refused", Label: "Refused"}, {Code: "started", Label: "Started"}, {Code: "ended", Label: "Ended"}}

// PlacementsList is one page of the placements v may see, narrowed by lq: filter
// "status" (codes), a search in the child's reference and the home's name, sorted by a
// key of PlacementSorts (the newest award first otherwise).
func (s *Service) PlacementsList(ctx context.Context, v Viewer, lq kernel.ListQuery) ([]PlacementRow, int64, error) {
	statuses := lq.Values("status")
	for _, st := range statuses {
		if !kernel.ValidCode(PlacementStatusCodes, st) {
			return nil, 0, kernel.Invalid("status", fmt.Sprintf("%q is not a placement status: use awaiting_approval, awarded, refused, started or ended", st))
		}
	}
	q := s.db.WithContext(ctx).Table("placements p").
		Joins("JOIN placement_requests r ON r.id = p.request_id").
		Joins("JOIN organisations pc ON pc.id = p.council_id").
		Joins("JOIN organisations pr ON pr.id = p.provider_id").
		Joins("JOIN homes h ON h.id = p.home_id").
		Joins("LEFT JOIN organisations hc ON hc.id = p.host_council_id")
	q, ok := scopePlacements(q, v)
	if !ok {
		return nil, 0, nil
	}
	if len(statuses) > 0 {
		q = q.Where("p.status IN ?", statuses)
	}
	if like := lq.Like(); like != "" {
		q = q.Where("(r.child_ref ILIKE ? OR h.name ILIKE ?)", like, like)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []PlacementRow
	err := q.Select(`p.id, p.status, r.child_ref, pc.name AS placing_council, pr.name AS provider, h.name AS home_name,
            coalesce(hc.name, '') AS host_council, p.start_date, p.ended_on, p.weekly_fee_pence, p.council_id, p.provider_id`).
		Order(PlacementSorts.OrderBy(lq, "p.awarded_at DESC", "p.id DESC")).Scopes(lq.Page.Scope).Scan(&rows).Error
	for i := range rows {
		switch {
		case v.Kind == kernel.KindProvider:
			rows[i].Access = AccessProvider
		case rows[i].CouncilID == v.OrgID && !v.HostOnly:
			rows[i].Access = AccessCouncil
		default:
			rows[i].Access = AccessHost
			rows[i].WeeklyFeePence = 0 // the host notice names no fee
		}
	}
	return rows, total, err
}

// lockPlacement reads a placement for update, if it belongs to the organisation in the
// given role (council: the placing council; provider: the provider).
func lockPlacement(ctx context.Context, tx *gorm.DB, id int64, v Viewer) (Placement, error) {
	var p Placement
	if err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).First(&p, id).Error; err != nil {
		return p, placementNotFound(id, err)
	}
	if a, ok := accessTo(p, v); !ok || a == AccessHost {
		return Placement{}, fmt.Errorf("placement %d: %w", id, kernel.ErrNotFound)
	}
	return p, nil
}

// today is the current date in the service's clock, at midnight UTC (dates are stored
// as dates).
func (s *Service) today() time.Time { return kernel.DateOf(s.Now()) }

var london = kernel.London

const day = "2 January 2006"

// confirmAward does what follows a final award, in its transaction: the agreement is
// issued, the host council told, and every bidder hears the outcome.
func (s *Service) confirmAward(ctx context.Context, tx *gorm.DB, p Placement) error {
	if _, err := s.issueAgreement(ctx, tx, p, "award"); err != nil {
		return err
	}
	f, err := facts(ctx, tx, p)
	if err != nil {
		return err
	}
	if err := s.tellHost(ctx, tx, p, f, "host_award", fmt.Sprintf("Placement into your area: %s, from %s", f.HomeName, p.StartDate.Format(day)),
		fmt.Sprintf("%s is placing a child in %s (Ofsted URN %s), run by %s, in postcode district %s, from %s.",
			f.PlacingCouncil, f.HomeName, f.HomeURN, f.Provider, f.HomeOutcode, p.StartDate.Format(day))); err != nil {
		return err
	}
	var bids []Bid
	if err := tx.Where("request_id = ? AND status = 'active'", p.RequestID).Order("id").Find(&bids).Error; err != nil {
		return err
	}
	for _, b := range bids {
		m := notify.Message{OrgID: b.ProviderID, PlacementID: p.ID, Kind: "award_outcome", Inbox: true, Roles: []kernel.Role{kernel.RoleProviderAdmin},
			Subject: fmt.Sprintf("Placement request %d: your bid was not chosen", p.RequestID),
			Body:    fmt.Sprintf("%s has awarded placement request %d to another provider. Thank you for your bid.", f.PlacingCouncil, p.RequestID)}
		if b.ID == p.BidID {
			m.Subject = fmt.Sprintf("Placement request %d: your bid has been chosen", p.RequestID)
			m.Body = fmt.Sprintf("%s has awarded placement request %d to your bid for %s (%s a week), starting %s. The bed is reserved and the placement agreement is ready to download.",
				f.PlacingCouncil, p.RequestID, f.HomeName, p.WeeklyFeePence, p.StartDate.Format(day))
			m.Path = fmt.Sprintf("/placements/%d", p.ID)
		} else {
			m.PlacementID = 0
		}
		if err := s.tell(ctx, tx, p.RequestID, m); err != nil {
			return err
		}
	}
	return s.publishPlacement(ctx, tx, webhook.PlacementAwarded, p, func(a Access) any { return placementAwardedData(p, f, a) })
}

// tellHost sends the host council a notice about a placement into its area — in its
// inbox, by email to its commissioners and to its statutory notification mailbox with
// an acknowledgement link, whether or not it uses Hearth — saying who placed, where and who to contact,
// and nothing of the child beyond the placing council's reference. A placement in the
// placing council's own area needs no notice.
func (s *Service) tellHost(ctx context.Context, tx *gorm.DB, p Placement, f placementFacts, kind, subject, what string) error {
	if p.HostCouncilID == nil || *p.HostCouncilID == p.CouncilID {
		return nil
	}
	body := fmt.Sprintf("%s\n\nPlacing council: %s\nPlacing council's reference for the child: %s\nProvider: %s\nHome: %s, postcode district %s\nStart date: %s\nContact at the placing council: %s",
		what, f.PlacingCouncil, f.ChildRef, f.Provider, f.HomeName, f.HomeOutcode, p.StartDate.Format(day), f.contact())
	return s.tell(ctx, tx, p.RequestID, notify.Message{OrgID: *p.HostCouncilID, PlacementID: p.ID, Kind: kind, Subject: subject, Body: body, Inbox: true, Mailbox: true,
		Path: fmt.Sprintf("/placements/%d", p.ID), Roles: []kernel.Role{kernel.RoleCommissioner, kernel.RoleHostCouncilUser}})
}

// issueAgreement renders the placement's agreement as it now stands and keeps it as the
// next version.
func (s *Service) issueAgreement(ctx context.Context, tx *gorm.DB, p Placement, reason string) (Agreement, error) {
	f, err := facts(ctx, tx, p)
	if err != nil {
		return Agreement{}, err
	}
	var fee PlacementFee
	if err := tx.Where("placement_id = ?", p.ID).Order("effective_from DESC").First(&fee).Error; err != nil {
		return Agreement{}, fmt.Errorf("placement %d has no fee: %w", p.ID, err)
	}
	var version int
	if err := tx.Raw("SELECT coalesce(max(version), 0) + 1 FROM placement_agreements WHERE placement_id = ?", p.ID).Scan(&version).Error; err != nil {
		return Agreement{}, err
	}
	needs := make([]string, len(f.Needs))
	for i, n := range f.Needs {
		needs[i] = Label(Needs, n)
	}
	lines := []agreement.Line{{Label: "Core fee", Amount: fee.CorePence.String()}}
	if fee.OneToOneHours > 0 {
		lines = append(lines, agreement.Line{Label: fmt.Sprintf("1:1 support, %d hours at %s", fee.OneToOneHours, fee.OneToOneRatePence),
			Amount: (kernel.Pence(fee.OneToOneHours) * fee.OneToOneRatePence).String()})
	}
	if fee.EducationPence > 0 {
		lines = append(lines, agreement.Line{Label: "Education", Amount: fee.EducationPence.String()})
	}
	lines = append(lines, agreement.Line{Label: "Total a week", Amount: fee.Total().String()})
	review := NextReviewDue(p.ReviewsFrom(), nil)
	if p.ReviewDate != nil {
		review = *p.ReviewDate
	}
	doc := agreement.Document{Reference: fmt.Sprintf("IPA-%06d", p.ID), Version: version, Reason: map[string]string{"award": "on award", "fee_change": "fee changed"}[reason],
		IssuedAt: s.Now().In(london), Framework: f.Framework, Lot: f.Lot, Tier: Label(Tiers, f.Tier),
		PlacingCouncil: f.PlacingCouncil, PlacingContact: f.contact(), Provider: f.Provider,
		Home:     agreement.Home{Name: f.HomeName, URN: f.HomeURN, Rating: Label(Ratings, f.HomeRating), Outcode: f.HomeOutcode, HostCouncil: f.HostCouncil},
		ChildRef: f.ChildRef, AgeYears: f.AgeYears, Sex: sexLabel(f.Sex), LegalStatus: legalLabel(f.LegalStatus), Needs: needs,
		StartDate: p.StartDate, DurationWeeks: deref(f.DurationWeeks), ReviewDate: review, NoticeDays: p.NoticeDays,
		FeeFrom: fee.EffectiveFrom, Fee: lines, Approval: approvalLines(p)}
	pdf, err := agreement.Render(doc)
	if err != nil {
		return Agreement{}, err
	}
	sum := sha256.Sum256(pdf)
	a := Agreement{PlacementID: p.ID, Version: version, Reason: reason, PDF: pdf, SHA256: hex.EncodeToString(sum[:])}
	if err := tx.Omit("IssuedAt").Create(&a).Error; err != nil {
		return a, fmt.Errorf("keep agreement v%d of placement %d: %w", version, p.ID, err)
	}
	return a, audit.New(tx).Record(ctx, "placement.agreement", "placement", fmt.Sprint(p.ID), map[string]any{"version": version, "reason": reason, "sha256": a.SHA256})
}

func sexLabel(code string) string {
	return map[string]string{"male": "Male", "female": "Female"}[code]
}

func legalLabel(code string) string {
	for _, l := range LegalStatuses {
		if l[0] == code {
			return l[1]
		}
	}
	return code
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// AgreementPDF returns one version of a placement's agreement (0: the latest), for the
// placing council or the provider.
func (s *Service) AgreementPDF(ctx context.Context, placementID int64, version int, v Viewer) (Agreement, error) {
	var p Placement
	if err := s.db.WithContext(ctx).First(&p, placementID).Error; err != nil {
		return Agreement{}, placementNotFound(placementID, err)
	}
	if a, ok := accessTo(p, v); !ok || a == AccessHost {
		return Agreement{}, fmt.Errorf("placement %d: %w", placementID, kernel.ErrNotFound)
	}
	q := s.db.WithContext(ctx).Where("placement_id = ?", placementID)
	if version > 0 {
		q = q.Where("version = ?", version)
	}
	var a Agreement
	if err := q.Order("version DESC").First(&a).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return a, fmt.Errorf("agreement version %d of placement %d: %w", version, placementID, kernel.ErrNotFound)
		}
		return a, err
	}
	return a, audit.New(s.db).Record(ctx, "child.read", "placement", fmt.Sprint(placementID), map[string]any{"agreement_version": a.Version})
}

// ConfirmStart records that the child arrived, on the provider's word, and tells the
// host council (a home must notify the host council of each admission). An arrival
// before the agreed start date is not taken silently: the start date and the first
// fee's start move to the arrival, the audit log records both dates, and the placing
// council gets a notice.
func (s *Service) ConfirmStart(ctx context.Context, id, providerID, by int64, on time.Time) (Placement, error) {
	var p Placement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if p, err = lockPlacement(ctx, tx, id, Viewer{OrgID: providerID, Kind: kernel.KindProvider}); err != nil {
			return err
		}
		if p.Status.CanTransition(PlacementStarted) != nil {
			return ErrNotAwarded
		}
		if on.After(s.today()) {
			return kernel.Invalid("started_on", "The start date must be today or in the past")
		}
		if on.Before(p.AwardedAt.AddDate(0, 0, -1).Truncate(24 * time.Hour)) {
			return kernel.Invalid("started_on", "The start date must be on or after the day the placement was awarded")
		}
		agreed := p.StartDate
		if on.Before(agreed) {
			// The child arrived before the agreed start: the placement, and its fee, start
			// on the day of arrival (the database refuses a start before the start date).
			if err := tx.Exec(`UPDATE placement_fees SET effective_from = ?
                WHERE placement_id = ? AND effective_from = (SELECT min(effective_from) FROM placement_fees WHERE placement_id = ?)`, on, p.ID, p.ID).Error; err != nil {
				return fmt.Errorf("move the first fee of placement %d: %w", p.ID, err)
			}
			p.StartDate = on
		}
		if err := p.Transition(PlacementStarted); err != nil {
			return err
		}
		p.StartedOn, p.StartedBy = &on, nullID(by)
		if err := tx.Model(&p).Select("status", "started_on", "started_by", "start_date").Updates(&p).Error; err != nil {
			return err
		}
		f, err := facts(ctx, tx, p)
		if err != nil {
			return err
		}
		if on.Before(agreed) {
			if err := s.tell(ctx, tx, p.RequestID, notify.Message{OrgID: p.CouncilID, PlacementID: p.ID, Kind: "start_moved", Inbox: true,
				Roles:   []kernel.Role{kernel.RoleCommissioner},
				Subject: fmt.Sprintf("Placement IPA-%06d started early, on %s", p.ID, on.Format(day)),
				Body: fmt.Sprintf("%s confirms that %s arrived at %s on %s, before the agreed start of %s. The placement and its weekly fee of %s now start on %s.",
					f.Provider, f.ChildRef, f.HomeName, on.Format(day), agreed.Format(day), p.WeeklyFeePence, on.Format(day)),
				Path: fmt.Sprintf("/placements/%d", p.ID)}); err != nil {
				return err
			}
		}
		if err := s.tellHost(ctx, tx, p, f, "host_start", fmt.Sprintf("Child arrived in your area: %s, %s", f.HomeName, on.Format(day)),
			fmt.Sprintf("%s confirms that a child placed by %s arrived at %s on %s.", f.Provider, f.PlacingCouncil, f.HomeName, on.Format(day))); err != nil {
			return err
		}
		if err := s.publishPlacement(ctx, tx, webhook.PlacementStarted, p, func(a Access) any { return placementStartedData(p, f, a) }); err != nil {
			return err
		}
		if err := s.tellUser(ctx, tx, p.RequestID, p.AwardedBy, notify.Message{Subject: fmt.Sprintf("Placement %s started", f.ChildRef), Path: fmt.Sprintf("/placements/%d", p.ID),
			Body: fmt.Sprintf("%s confirms that %s arrived at %s on %s.", f.Provider, f.ChildRef, f.HomeName, on.Format(day))}); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "placement.start", "placement", fmt.Sprint(p.ID), map[string]any{"started_on": on.Format(time.DateOnly),
			"agreed_start": agreed.Format(time.DateOnly), "start_moved": on.Before(agreed)})
	})
	return p, err
}

// FeeChange is an agreed new weekly fee from a date.
type FeeChange struct {
	EffectiveFrom     time.Time
	CorePence         kernel.Pence
	OneToOneHours     int
	OneToOneRatePence kernel.Pence
	EducationPence    kernel.Pence
	Reason            string
}

// FeeInput is a fee change as the fee page and the API send it: amounts in pence
// (typed in pounds on the page), the date as "2006-01-02".
type FeeInput struct {
	EffectiveFrom     string       `json:"effective_from" form:"effective_from,date" label:"The date the new fee applies from" validate:"required,datetime=2006-01-02" msg:"required=Enter the date the new fee applies from|*=The date the new fee applies from must be a real date"`
	CorePence         kernel.Pence `json:"core_pence" form:"core_fee,pounds" validate:"required,gt=0,lte=5000000" msg:"required=Enter the weekly core fee in pounds, like 4250 or 4250.50|*=Enter a weekly core fee more than £0 and no more than £50,000"`
	OneToOneHours     int          `json:"one_to_one_hours" form:"one_to_one_hours" validate:"min=0,max=168" msg:"*=Enter 1:1 hours a week from 0 to 168"`
	OneToOneRatePence kernel.Pence `json:"one_to_one_rate_pence" form:"one_to_one_rate,pounds" validate:"min=0,max=50000" msg:"*=Enter an hourly 1:1 rate from £0 to £500"`
	EducationPence    kernel.Pence `json:"education_pence" form:"education,pounds" validate:"min=0,max=1000000" msg:"*=Enter a weekly education cost from £0 to £10,000"`
	Reason            string       `json:"reason" form:"reason" validate:"required,max=500" msg:"*=Enter the reason for the change, in 500 characters or fewer"`
}

// Change checks the input (every problem at once, by JSON name) and returns it as a
// FeeChange.
func (in FeeInput) Change() (FeeChange, kernel.FieldErrors) {
	fe := kernel.Check(&in)
	c := FeeChange{CorePence: in.CorePence, OneToOneHours: in.OneToOneHours, OneToOneRatePence: in.OneToOneRatePence,
		EducationPence: in.EducationPence, Reason: in.Reason}
	if t := kernel.Day(&fe, "effective_from", in.EffectiveFrom, "The date the new fee applies from"); t != nil {
		c.EffectiveFrom = *t
	}
	if fe == nil {
		fe = c.Validate()
	}
	return c, fe
}

// Validate checks a fee change, by field (JSON names, as FeeInput's).
func (c FeeChange) Validate() kernel.FieldErrors {
	in := FeeInput{EffectiveFrom: c.EffectiveFrom.Format(time.DateOnly), CorePence: c.CorePence, OneToOneHours: c.OneToOneHours,
		OneToOneRatePence: c.OneToOneRatePence, EducationPence: c.EducationPence, Reason: strings.TrimSpace(c.Reason)}
	if c.EffectiveFrom.IsZero() {
		in.EffectiveFrom = ""
	}
	return kernel.Check(&in)
}

// ChangeFee records an agreed fee change by the placing council, audits it, issues the
// next version of the agreement and tells the provider.
func (s *Service) ChangeFee(ctx context.Context, id, councilID, by int64, c FeeChange) (Agreement, error) {
	var a Agreement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := lockPlacement(ctx, tx, id, Viewer{OrgID: councilID, Kind: kernel.KindCouncil})
		if err != nil {
			return err
		}
		if !p.Status.Live() {
			return ErrPlacementOver
		}
		fe := c.Validate()
		var last PlacementFee
		if err := tx.Where("placement_id = ?", id).Order("effective_from DESC").First(&last).Error; err != nil {
			return err
		}
		if !c.EffectiveFrom.After(last.EffectiveFrom) {
			fe.Add("effective_from", "The new fee must take effect after "+last.EffectiveFrom.Format(day)+", when the current fee began")
		}
		if len(fe) > 0 {
			return fe
		}
		fee := PlacementFee{PlacementID: id, EffectiveFrom: c.EffectiveFrom, CorePence: c.CorePence, OneToOneHours: c.OneToOneHours,
			OneToOneRatePence: c.OneToOneRatePence, EducationPence: c.EducationPence, Reason: strings.TrimSpace(c.Reason), ChangedBy: nullID(by)}
		if err := tx.Omit("TotalPence", "ChangedAt").Create(&fee).Error; err != nil {
			return err
		}
		if err := tx.Model(&p).Update("weekly_fee_pence", fee.Total()).Error; err != nil {
			return err
		}
		p.WeeklyFeePence = fee.Total()
		if a, err = s.issueAgreement(ctx, tx, p, "fee_change"); err != nil {
			return err
		}
		f, err := facts(ctx, tx, p)
		if err != nil {
			return err
		}
		if err := s.publishPlacement(ctx, tx, webhook.PlacementFeeChanged, p, func(a Access) any { return placementFeeChangedData(p, f, fee, last.Total(), a) }); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, p.RequestID, notify.Message{OrgID: p.ProviderID, PlacementID: p.ID, Kind: "award_outcome", Inbox: true, Roles: []kernel.Role{kernel.RoleProviderAdmin},
			Subject: fmt.Sprintf("Placement IPA-%06d: fee changed from %s", p.ID, c.EffectiveFrom.Format(day)),
			Body: fmt.Sprintf("The weekly fee changes from %s to %s from %s (%s). Version %d of the placement agreement replaces the last.",
				last.Total(), fee.Total(), c.EffectiveFrom.Format(day), fee.Reason, a.Version), Path: fmt.Sprintf("/placements/%d", p.ID)}); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "placement.fee_change", "placement", fmt.Sprint(p.ID), map[string]any{"from_pence": int64(last.Total()),
			"to_pence": int64(fee.Total()), "effective_from": c.EffectiveFrom.Format(time.DateOnly), "reason": fee.Reason, "agreement_version": a.Version})
	})
	return a, err
}

// IncidentReport is a provider's report of a missing or absent episode: the one input
// of the placement page's form and the API.
type IncidentReport struct {
	Kind      string     `json:"kind" form:"kind" validate:"required,oneof=missing absent" msg:"*=Select missing or absent"`
	StartedAt time.Time  `json:"started_at" form:"started_at,datetime" label:"The date the episode began" validate:"required" msg:"required=Enter when the episode began"`
	EndedAt   *time.Time `json:"ended_at,omitempty" form:"ended_at,datetime" label:"The date the child returned"`
	Note      string     `json:"note" form:"note" validate:"max=2000" msg:"*=The note must be 2,000 characters or fewer"`
	// The police's reference and risk grade, when known.
	PoliceRef  string `json:"police_ref,omitempty" form:"police_ref" validate:"max=40" msg:"*=The police reference must be 40 characters or fewer"`
	PoliceRisk string `json:"police_risk,omitempty" form:"police_risk" validate:"omitempty,oneof=no_apparent_risk low medium high" msg:"*=Select the risk grade the police gave"`
	// How it ended and the council area where the child was found, once returned.
	EndedHow  string `json:"ended_how,omitempty" form:"ended_how" validate:"omitempty,oneof=found returned" msg:"*=Select found or returned of their own accord"`
	FoundArea string `json:"found_area,omitempty" form:"found_area" validate:"omitempty,max=9" msg:"*=Select the council area where the child was found"`
}

// Rules are the report's checks that need no placement: it began in the past, and
// ended after it began; how it ended only when it has.
func (r IncidentReport) Rules(now time.Time) kernel.FieldErrors {
	fe := kernel.PastPeriod{Start: r.StartedAt, End: r.EndedAt, StartField: "started_at", EndField: "ended_at",
		StartLater:     "Enter when the episode began: a time that has passed",
		EndBeforeStart: "The episode must end after it began",
		EndLater:       "Enter when the child returned: a time that has passed"}.Check(now)
	returnRules(&fe, r.EndedAt != nil, r.EndedHow, r.FoundArea)
	return fe
}

// IncidentEnd is when the child came back from an open episode: the one input of the
// placement page's "the child has returned" form and the API.
type IncidentEnd struct {
	EndedAt   time.Time `json:"ended_at" form:"returned,datetime" label:"The date the child returned" validate:"required" msg:"required=Enter when the child returned"`
	EndedHow  string    `json:"ended_how,omitempty" form:"ended_how" validate:"omitempty,oneof=found returned" msg:"*=Select found or returned of their own accord"`
	FoundArea string    `json:"found_area,omitempty" form:"found_area" validate:"omitempty,max=9" msg:"*=Select the council area where the child was found"`
}

// Rules: the child came back at a time that has passed, found in an English council's area.
func (e IncidentEnd) Rules(now time.Time) kernel.FieldErrors {
	var fe kernel.FieldErrors
	if e.EndedAt.After(now) {
		fe.Add("ended_at", "Enter when the child returned: a time that has passed")
	}
	foundAreaRule(&fe, e.FoundArea)
	return fe
}

// StartInput is the day the child arrived: the one input of the placement page's start
// form and the API.
type StartInput struct {
	StartedOn string `json:"started_on" form:"started_on,date" label:"The date the child arrived" validate:"required,datetime=2006-01-02" msg:"required=Enter the date the child arrived|*=The date the child arrived must be a real date"`
}

// Day is the day the child arrived (zero if the input was not checked).
func (in StartInput) Day() time.Time {
	t, _ := time.Parse(time.DateOnly, in.StartedOn)
	return t
}

// ReportIncident records a missing or absent episode of a started placement and tells
// the placing and host councils.
func (s *Service) ReportIncident(ctx context.Context, id, providerID, by int64, r IncidentReport) (Incident, error) {
	var in Incident
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := lockPlacement(ctx, tx, id, Viewer{OrgID: providerID, Kind: kernel.KindProvider})
		if err != nil {
			return err
		}
		if !p.Status.Started() {
			return ErrNotStarted
		}
		fe := kernel.Check(&r).With(r.Rules(s.Now()))
		if !fe.Has("started_at") && p.StartedOn != nil && r.StartedAt.Before(*p.StartedOn) {
			fe.Add("started_at", "The episode must begin after the placement started on "+p.StartedOn.Format(day))
		}
		if len(fe) > 0 {
			return fe
		}
		in = Incident{PlacementID: id, Kind: r.Kind, StartedAt: r.StartedAt, EndedAt: r.EndedAt, Note: strings.TrimSpace(r.Note), ReportedBy: nullID(by),
			PoliceRef: strings.TrimSpace(r.PoliceRef), PoliceRisk: nullString(r.PoliceRisk), EndedHow: nullString(r.EndedHow),
			FoundArea: nullString(r.FoundArea), RHIResponsible: defaultResponsible(p), Version: 1}
		if err := tx.Omit("ReportedAt", "UpdatedAt").Create(&in).Error; err != nil {
			return err
		}
		if err := s.tellCouncilsOfIncident(ctx, tx, p, in, "reported"); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "placement.incident", "placement", fmt.Sprint(p.ID), map[string]any{"incident_id": in.ID, "kind": in.Kind})
	})
	return in, err
}

// defaultResponsible is who offers the return-home interview unless the councils agree
// otherwise: the host council when the home is outside the placing council's area.
func defaultResponsible(p Placement) string {
	if p.HostCouncilID != nil && *p.HostCouncilID != p.CouncilID {
		return "host"
	}
	return "placing"
}

// EndIncident records when an open episode ended (the child returned), how, and the
// area where the child was found.
func (s *Service) EndIncident(ctx context.Context, placementID, incidentID, providerID, by int64, e IncidentEnd) (Incident, error) {
	var in Incident
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p, err := lockPlacement(ctx, tx, placementID, Viewer{OrgID: providerID, Kind: kernel.KindProvider})
		if err != nil {
			return err
		}
		if err := tx.Where("id = ? AND placement_id = ?", incidentID, placementID).First(&in).Error; err != nil {
			return fmt.Errorf("incident %d: %w", incidentID, kernel.ErrNotFound)
		}
		if in.EndedAt != nil {
			return fmt.Errorf("the episode has already ended: %w", kernel.ErrConflict)
		}
		fe := kernel.Check(&e).With(e.Rules(s.Now()))
		if !fe.Has("ended_at") && !e.EndedAt.After(in.StartedAt) {
			fe.Add("ended_at", "Enter when the child returned: after the episode began and not in the future")
		}
		if len(fe) > 0 {
			return fe
		}
		in.EndedAt, in.EndedHow, in.FoundArea = &e.EndedAt, nullString(e.EndedHow), nullString(e.FoundArea)
		res := tx.Model(&Incident{}).Where("id = ? AND version = ?", in.ID, in.Version).Updates(map[string]any{"ended_at": e.EndedAt,
			"ended_how": in.EndedHow, "found_area": in.FoundArea, "version": gorm.Expr("version + 1"), "updated_at": s.Now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrEpisodeChanged
		}
		in.Version++
		if err := s.tellCouncilsOfIncident(ctx, tx, p, in, "ended"); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "placement.incident_end", "placement", fmt.Sprint(p.ID), map[string]any{"incident_id": in.ID})
	})
	return in, err
}

func (s *Service) tellCouncilsOfIncident(ctx context.Context, tx *gorm.DB, p Placement, in Incident, what string) error {
	f, err := facts(ctx, tx, p)
	if err != nil {
		return err
	}
	when := fmt.Sprintf("began %s", in.StartedAt.In(london).Format("2 January 2006 at 15:04"))
	if in.EndedAt != nil {
		when += fmt.Sprintf(", ended %s", in.EndedAt.In(london).Format("2 January 2006 at 15:04"))
	}
	subject := fmt.Sprintf("%s episode %s: %s at %s", Label(IncidentKinds, in.Kind), what, f.ChildRef, f.HomeName)
	body := fmt.Sprintf("%s reports a %s episode (%s) of the child placed by %s (reference %s) at %s, postcode district %s.",
		f.Provider, strings.ToLower(Label(IncidentKinds, in.Kind)), when, f.PlacingCouncil, f.ChildRef, f.HomeName, f.HomeOutcode)
	path := fmt.Sprintf("/placements/%d", p.ID)
	orgs := []int64{p.CouncilID}
	if p.HostCouncilID != nil && *p.HostCouncilID != p.CouncilID {
		orgs = append(orgs, *p.HostCouncilID)
	}
	for _, org := range orgs {
		// The host council's mailbox hears of it too, users or not; the placing council's own users do.
		if err := s.tell(ctx, tx, p.RequestID, notify.Message{OrgID: org, PlacementID: p.ID, Kind: "incident", Subject: subject, Body: body, Path: path, Inbox: true,
			Mailbox: org != p.CouncilID, Roles: []kernel.Role{kernel.RoleCommissioner}}); err != nil {
			return err
		}
	}
	typ := webhook.MissingEpisodeReported
	if what == "ended" {
		typ = webhook.MissingEpisodeReturned
	}
	return s.publishPlacement(ctx, tx, typ, p, func(a Access) any { return missingEpisodeData(p, f, in, a) })
}

// EndInput is the end of a placement as the end page and the API send it.
type EndInput struct {
	EndedOn string `json:"ended_on" form:"ended_on,date" label:"The end date" validate:"required,datetime=2006-01-02" msg:"required=Enter the date the placement ended|*=The end date must be a real date"`
	Reason  string `json:"reason" form:"reason" validate:"required" msg:"*=Select why the placement ended"`
	Note    string `json:"note" form:"note" validate:"max=2000" msg:"*=The note must be 2,000 characters or fewer"`
}

// Ending checks the input's form (every problem at once, by JSON name) and returns it
// as an Ending; EndPlacement checks it against the placement.
func (in EndInput) Ending() (Ending, kernel.FieldErrors) {
	fe := kernel.Check(&in)
	e := Ending{Reason: in.Reason, Note: in.Note}
	if t := kernel.Day(&fe, "ended_on", in.EndedOn, "The end date"); t != nil {
		e.EndedOn = *t
	}
	return e, fe
}

// Ending is how and when a placement ends.
type Ending struct {
	EndedOn time.Time
	Reason  string
	Note    string
}

// EndPlacement ends a placement (by the placing council or the provider) with a reason:
// the bed is freed, the host council sent an end notice, and the other party told.
func (s *Service) EndPlacement(ctx context.Context, id int64, v Viewer, by int64, e Ending) (Placement, error) {
	var p Placement
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if p, err = lockPlacement(ctx, tx, id, v); err != nil {
			return err
		}
		if p.Status.CanTransition(PlacementEnded) != nil {
			return ErrPlacementOver
		}
		var fe kernel.FieldErrors
		switch {
		case !validCode(EndReasons, e.Reason):
			fe.Add("reason", "Select why the placement ended")
		case p.Status.Awarded() && e.Reason != "did_not_start":
			fe.Add("reason", "The child has not arrived: select \"Did not start\", or confirm the start first")
		case p.Status.Started() && e.Reason == "did_not_start":
			fe.Add("reason", "The placement started on "+p.StartedOn.Format(day)+": select why it ended")
		}
		if e.EndedOn.After(s.today()) {
			fe.Add("ended_on", "The end date must be today or in the past")
		} else if p.StartedOn != nil && e.EndedOn.Before(*p.StartedOn) {
			fe.Add("ended_on", "The end date must be on or after the start, "+p.StartedOn.Format(day))
		}
		if strings.TrimSpace(e.Note) == "" && e.Reason == "other" {
			fe.Add("note", "Say why the placement ended")
		}
		if len(e.Note) > 2000 {
			fe.Add("note", "The note must be 2,000 characters or fewer")
		}
		if len(fe) > 0 {
			return fe
		}
		if err := p.Transition(PlacementEnded); err != nil {
			return err
		}
		p.EndedOn, p.EndReason, p.EndNote, p.EndedBy = &e.EndedOn, &e.Reason, strings.TrimSpace(e.Note), nullID(by)
		if err := tx.Model(&p).Select("status", "ended_on", "end_reason", "end_note", "ended_by").Updates(&p).Error; err != nil {
			return err
		}
		if err := tx.Exec("UPDATE homes SET beds_free = LEAST(beds_free + 1, registered_places), updated_at = now() WHERE id = ?", p.HomeID).Error; err != nil {
			return err
		}
		if _, err := recordVacancy(tx, p.HomeID, "end", by); err != nil {
			return err
		}
		f, err := facts(ctx, tx, p)
		if err != nil {
			return err
		}
		reason := Label(EndReasons, e.Reason)
		if err := s.tellHost(ctx, tx, p, f, "host_end", fmt.Sprintf("Placement in your area ended: %s, %s", f.HomeName, e.EndedOn.Format(day)),
			fmt.Sprintf("The placement by %s at %s ended on %s. Reason: %s.", f.PlacingCouncil, f.HomeName, e.EndedOn.Format(day), reason)); err != nil {
			return err
		}
		if err := s.publishPlacement(ctx, tx, webhook.PlacementEnded, p, func(a Access) any { return placementEndedData(p, f, a) }); err != nil {
			return err
		}
		other := notify.Message{Subject: fmt.Sprintf("Placement IPA-%06d ended", p.ID), Path: fmt.Sprintf("/placements/%d", p.ID),
			Body: fmt.Sprintf("The placement of %s at %s ended on %s. Reason: %s.", f.ChildRef, f.HomeName, e.EndedOn.Format(day), reason)}
		if v.Kind == kernel.KindProvider {
			err = s.tellUser(ctx, tx, p.RequestID, p.AwardedBy, other)
		} else {
			other.OrgID, other.PlacementID, other.Kind, other.Inbox, other.Roles = p.ProviderID, p.ID, "award_outcome", true, []kernel.Role{kernel.RoleProviderAdmin}
			err = s.tell(ctx, tx, p.RequestID, other)
		}
		if err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "placement.end", "placement", fmt.Sprint(p.ID), map[string]any{"ended_on": e.EndedOn.Format(time.DateOnly), "reason": e.Reason})
	})
	return p, err
}

// ChildPlacement is one of a child's placements, as their council sees it.
type ChildPlacement struct {
	ID          int64
	RequestID   int64
	Status      PlacementStatus
	HomeName    string
	Provider    string
	HostCouncil string
	Miles       float64
	StartDate   time.Time
	StartedOn   *time.Time
	EndedOn     *time.Time
	EndReason   *string
	Move        bool       `gorm:"-"` // began after an earlier placement
	NextReview  *time.Time `gorm:"-"` // the next statutory review due, while live
}

// ChildRecord is a child's placements in the last two years, and the moves among them.
type ChildRecord struct {
	Ref        string
	Since      time.Time
	Placements []ChildPlacement
	Moves      int
	Incidents  int
}

// ChildHistory returns a child's placements over the last two years, for their own
// council only (by the council's reference), and audits the read.
func (s *Service) ChildHistory(ctx context.Context, councilID int64, ref string) (ChildRecord, error) {
	rec, err := s.childHistory(ctx, councilID, ref)
	if err != nil {
		return rec, err
	}
	if len(rec.Placements) == 0 {
		return rec, fmt.Errorf("no placements for %q: %w", ref, kernel.ErrNotFound)
	}
	return rec, audit.New(s.db).Record(ctx, "child.read", "child", ref, map[string]any{"placements": len(rec.Placements)})
}

// childHistory is ChildHistory without the audit: a child with no placements has none.
func (s *Service) childHistory(ctx context.Context, councilID int64, ref string) (ChildRecord, error) {
	rec := ChildRecord{Ref: ref, Since: s.today().AddDate(-2, 0, 0)}
	var all []ChildPlacement
	err := s.db.WithContext(ctx).Raw(`SELECT p.id, p.request_id, p.status, h.name AS home_name, pr.name AS provider, coalesce(hc.name, '') AS host_council,
            p.miles, p.start_date, p.started_on, p.ended_on, p.end_reason
        FROM placements p JOIN placement_requests r ON r.id = p.request_id JOIN homes h ON h.id = p.home_id
        JOIN organisations pr ON pr.id = p.provider_id LEFT JOIN organisations hc ON hc.id = p.host_council_id
        WHERE r.council_id = ? AND p.council_id = ? AND r.child_ref = ? AND p.status IN ('awarded', 'started', 'ended')
        ORDER BY coalesce(p.started_on, p.start_date), p.id`, councilID, councilID, ref).Scan(&all).Error
	if err != nil {
		return rec, err
	}
	started := 0
	for _, cp := range all {
		if cp.StartedOn != nil {
			cp.Move = started > 0
			started++
		}
		if cp.EndedOn != nil && cp.EndedOn.Before(rec.Since) {
			continue
		}
		if cp.Move && !cp.StartedOn.Before(rec.Since) {
			rec.Moves++
		}
		rec.Placements = append(rec.Placements, cp)
	}
	slices.Reverse(rec.Placements) // latest first
	ids := make([]int64, len(rec.Placements))
	for i, cp := range rec.Placements {
		ids[i] = cp.ID
		if cp.Status.Live() {
			due, _, err := s.NextReview(ctx, Placement{ID: cp.ID, Status: cp.Status, StartDate: cp.StartDate, StartedOn: cp.StartedOn})
			if err != nil {
				return rec, err
			}
			rec.Placements[i].NextReview = due
		}
	}
	var n int64
	if len(ids) > 0 {
		if err := s.db.WithContext(ctx).Model(&Incident{}).Where("placement_id IN ? AND started_at >= ?", ids, rec.Since).Count(&n).Error; err != nil {
			return rec, err
		}
	}
	rec.Incidents = int(n)
	return rec, nil
}

// LivePlacement returns the id of a request's placement that has not been refused (0:
// none yet).
func (s *Service) LivePlacement(ctx context.Context, requestID int64) (int64, error) {
	var id int64
	err := s.db.WithContext(ctx).Raw("SELECT coalesce(max(id), 0) FROM placements WHERE request_id = ? AND status <> 'refused'", requestID).Scan(&id).Error
	return id, err
}

// LiveAward returns a request's placement that has not been refused (ID 0: none yet),
// with the rules that made it wait for an approver.
func (s *Service) LiveAward(ctx context.Context, requestID int64) (Placement, error) {
	var p Placement
	err := s.db.WithContext(ctx).Where("request_id = ? AND status <> 'refused'", requestID).Order("id DESC").Limit(1).Find(&p).Error
	return p, err
}

// LiveAwardStatuses gives, for each of the requests that has one, the status of its
// live award (the placement LiveAward finds), so a list can say what the request page
// says (RequestStatus.AwaitingApproval).
func (s *Service) LiveAwardStatuses(ctx context.Context, requestIDs []int64) (map[int64]PlacementStatus, error) {
	out := map[int64]PlacementStatus{}
	if len(requestIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		RequestID int64
		Status    PlacementStatus
	}
	err := s.db.WithContext(ctx).Raw(`SELECT DISTINCT ON (request_id) request_id, status FROM placements
        WHERE request_id IN ? AND status <> 'refused' ORDER BY request_id, id DESC`, requestIDs).Scan(&rows).Error
	for _, r := range rows {
		out[r.RequestID] = r.Status
	}
	return out, err
}

// approvalLines are the agreement's account of why the award needed an approver and,
// under reg. 11, what the approver recorded.
func approvalLines(p Placement) [][2]string {
	var out [][2]string
	for _, r := range p.ApprovalRules() {
		out = append(out, [2]string{"Needed under", r})
	}
	if p.DecidedAt != nil && !p.Status.Refused() && len(out) > 0 {
		out = append(out, [2]string{"Approved", p.DecidedAt.In(london).Format(day)})
	}
	if !p.NeedsRegulation11() || p.WishesConsulted == nil {
		return out
	}
	answer := func(yes *bool, on *time.Time, note string) string {
		if yes != nil && *yes && on != nil {
			return strings.TrimSuffix("Yes, "+on.Format(day)+". "+note, " ")
		}
		return "No. " + note
	}
	out = append(out,
		[2]string{"Child's wishes and feelings", answer(p.WishesConsulted, p.WishesOn, p.WishesNote)},
		[2]string{"IRO consulted", answer(p.IROConsulted, p.IROOn, p.IRONote)},
		[2]string{"Host council consulted", answer(p.HostConsulted, p.HostOn, p.HostNote)})
	if p.Emergency {
		out = append(out, [2]string{"Emergency placement", fmt.Sprintf("Placed %s; approval due within 5 working days, by %s", p.EmergencyPlacedOn.Format(day), p.EmergencyDeadline.Format(day))})
	}
	return out
}
