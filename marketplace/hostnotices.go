package marketplace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// Host councils hear of placements into their area through their statutory
// notification mailbox (package notify sends and tracks each notice), and may be
// consulted, through the same mailbox, before a distant placement is approved.

// HostNotices lists the notices sent to a placement's host council, with how each was
// delivered: sent to its mailbox, acknowledged, or not emailed for want of a mailbox.
func (s *Service) HostNotices(ctx context.Context, p Placement) ([]notify.NoticeDelivery, error) {
	if p.HostCouncilID == nil || *p.HostCouncilID == p.CouncilID {
		return nil, nil
	}
	return notify.Deliveries(ctx, s.db, p.ID, *p.HostCouncilID)
}

// hostMailboxes reports, for each host council among ids, whether it has a
// notification mailbox.
func hostMailboxes(ctx context.Context, db *gorm.DB, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var have []int64
	if err := db.WithContext(ctx).Raw("SELECT council_id FROM council_mailboxes WHERE council_id IN ?", ids).Scan(&have).Error; err != nil {
		return nil, fmt.Errorf("host mailboxes: %w", err)
	}
	for _, id := range have {
		out[id] = true
	}
	return out, nil
}

// HostConsultation is the host council consulted through its mailbox before a distant
// placement is approved (reg. 11(2)). Its answer is advice to the approver, not a veto.
type HostConsultation struct {
	ID            int64 `gorm:"primaryKey"`
	PlacementID   int64
	HostCouncilID int64
	Mailbox       string
	Question      string
	AskedBy       *int64
	TokenHash     []byte `json:"-"`
	SentAt        time.Time
	ExpiresAt     time.Time
	Answer        *string
	AnsweredAt    *time.Time
	AnsweredIP    *string `gorm:"column:answered_ip" json:"-"`
}

// TableName is the host_consultations table.
func (HostConsultation) TableName() string { return "host_consultations" }

// Answered reports whether the host council has answered.
func (c HostConsultation) Answered() bool { return c.AnsweredAt != nil }

// MaxConsultationText is the longest question or answer.
const MaxConsultationText = 2000

// ConsultInput is the question a commissioner sends the host council with a distant
// placement, as the approvals page and the API send it.
type ConsultInput struct {
	Question string `json:"question" form:"question" validate:"max=2000" msg:"*=The question must be 2000 characters or fewer"`
}

// ConsultationAnswer is a host council's answer, as the consultation page sends it.
type ConsultationAnswer struct {
	Answer string `json:"answer" form:"answer" validate:"notblank,max=2000" msg:"notblank=Enter your council's answer|*=The answer must be 2000 characters or fewer"`
}

// ErrNoHostMailbox is returned when a host council with no notification mailbox would
// be consulted.
var ErrNoHostMailbox = errors.New("the host council has no notification mailbox")

// ConsultHost asks the host council of a council's reg. 11 placement awaiting approval
// for its view, by email to its mailbox with a single-use link to a page where it can
// answer without an account. question is optional (≤ 2000 characters). Returns
// ErrNotAwaiting once decided, FieldErrors (field "question") for a long question, no
// mailbox or a placement that is not distant under reg. 11.
func (s *Service) ConsultHost(ctx context.Context, placementID, councilID, by int64, question string) (HostConsultation, error) {
	var hc HostConsultation
	question = strings.TrimSpace(question)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var p Placement
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND council_id = ?", placementID, councilID).First(&p).Error; err != nil {
			return fmt.Errorf("placement %d: %w", placementID, kernel.ErrNotFound)
		}
		if !p.Status.AwaitingApproval() {
			return ErrNotAwaiting
		}
		if !p.NeedsRegulation11() || p.HostCouncilID == nil || *p.HostCouncilID == p.CouncilID {
			return kernel.Invalid("question", "Only a placement out of your area and not adjoining it (regulation 11) is sent to the host council for its view")
		}
		if len([]rune(question)) > MaxConsultationText {
			return kernel.Invalid("question", fmt.Sprintf("The question must be %d characters or fewer", MaxConsultationText))
		}
		f, err := facts(ctx, tx, p)
		if err != nil {
			return err
		}
		addr, err := notify.MailboxOf(ctx, tx, *p.HostCouncilID)
		if err != nil {
			return err
		}
		if addr == "" {
			return kernel.FieldErrors{{Field: "question", Message: f.HostCouncil + " has no notification mailbox in Hearth, so it cannot be asked from here: ask your consortium admin to add it, or consult the council another way and record it below"}}
		}
		tok, hash, err := notify.NewLinkToken()
		if err != nil {
			return err
		}
		hc = HostConsultation{PlacementID: p.ID, HostCouncilID: *p.HostCouncilID, Mailbox: addr, Question: question, AskedBy: nullID(by), TokenHash: hash}
		if err := tx.Select("PlacementID", "HostCouncilID", "Mailbox", "Question", "AskedBy", "TokenHash").Create(&hc).Error; err != nil {
			return fmt.Errorf("consult host of placement %d: %w", p.ID, err)
		}
		if err := tx.First(&hc, hc.ID).Error; err != nil {
			return err
		}
		asked := ""
		if question != "" {
			asked = "\n\nTheir question: " + question
		}
		cons, err := requestConsortium(ctx, tx, p.RequestID)
		if err != nil {
			return err
		}
		body := fmt.Sprintf("To the notification mailbox of %s,\n\n%s proposes to place a child (its reference %s) in %s (Ofsted URN %s), run by %s, in postcode district %s, from %s. It is out of %s's area and not adjoining it, so under regulation 11 of the Care Planning, Placement and Case Review (England) Regulations 2010 its nominated officer consults you before deciding.%s\n\nYou can answer without a Hearth account. The link works once and expires in 30 days:\n\n%s/consultations/%s\n\nContact at %s: %s\n\nHearth",
			f.HostCouncil, f.PlacingCouncil, f.ChildRef, f.HomeName, f.HomeURN, f.Provider, f.HomeOutcode, p.StartDate.Format(day), f.PlacingCouncil, asked,
			s.notify.BaseURL(), notify.SecretPlaceholder, f.PlacingCouncil, f.contact())
		if err := s.notify.SendMailboxLink(ctx, tx, notify.Mail{To: addr, Subject: fmt.Sprintf("%s asks your view: placement into your area, %s", f.PlacingCouncil, f.HomeName),
			Body: body, ToOrgID: *p.HostCouncilID, ConsortiumID: cons}, tok); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "placement.consult_host", "placement", fmt.Sprint(p.ID), map[string]any{"consultation_id": hc.ID, "host_council_id": hc.HostCouncilID, "mailbox": addr})
	})
	return hc, err
}

// Consultations lists the host consultations of placements, by placement, oldest first.
func (s *Service) Consultations(ctx context.Context, placementIDs []int64) (map[int64][]HostConsultation, error) {
	out := map[int64][]HostConsultation{}
	if len(placementIDs) == 0 {
		return out, nil
	}
	var list []HostConsultation
	if err := s.db.WithContext(ctx).Where("placement_id IN ?", placementIDs).Order("sent_at, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("host consultations: %w", err)
	}
	for _, c := range list {
		out[c.PlacementID] = append(out[c.PlacementID], c)
	}
	return out, nil
}

// ConsultationRequest is what a consultation link shows the host council: who asks,
// about which home, and their question; nothing else of the child.
type ConsultationRequest struct {
	ID             int64
	HostCouncil    string
	PlacingCouncil string
	ChildRef       string
	HomeName       string
	HomeOutcode    string
	Provider       string
	StartDate      time.Time
	Question       string
	Contact        string
	ExpiresAt      time.Time
}

// ConsultationByLink returns the consultation a link's token opens, without using it.
// Returns kernel.ErrNotFound for a token that opens nothing, notify.ErrLinkUsed
// once answered and notify.ErrLinkExpired after it expired.
func (s *Service) ConsultationByLink(ctx context.Context, tok string) (ConsultationRequest, error) {
	return consultationByLink(ctx, s.db, tok)
}

func consultationByLink(ctx context.Context, db *gorm.DB, tok string) (ConsultationRequest, error) {
	var rows []struct {
		HostConsultation
		Live bool
	}
	err := db.WithContext(ctx).Raw("SELECT c.*, c.expires_at > now() AS live FROM host_consultations c WHERE c.token_hash = ?", notify.HashLinkToken(tok)).Scan(&rows).Error
	switch {
	case err != nil:
		return ConsultationRequest{}, fmt.Errorf("consultation by link: %w", err)
	case len(rows) == 0:
		return ConsultationRequest{}, fmt.Errorf("consultation link: %w", kernel.ErrNotFound)
	case rows[0].AnsweredAt != nil:
		return ConsultationRequest{}, notify.ErrLinkUsed
	case !rows[0].Live:
		return ConsultationRequest{}, notify.ErrLinkExpired
	}
	c := rows[0].HostConsultation
	var p Placement
	if err := db.WithContext(ctx).First(&p, c.PlacementID).Error; err != nil {
		return ConsultationRequest{}, err
	}
	f, err := facts(ctx, db, p)
	if err != nil {
		return ConsultationRequest{}, err
	}
	return ConsultationRequest{ID: c.ID, HostCouncil: f.HostCouncil, PlacingCouncil: f.PlacingCouncil, ChildRef: f.ChildRef, HomeName: f.HomeName,
		HomeOutcode: f.HomeOutcode, Provider: f.Provider, StartDate: p.StartDate, Question: c.Question, Contact: f.contact(), ExpiresAt: c.ExpiresAt}, nil
}

// AnswerConsultation uses a consultation link once to record the host council's
// answer (required, ≤ 2000 characters) from ip, and tells the placing council's
// approvers. The update is conditional, so of two answers at once exactly one is kept.
// Returns FieldErrors (field "answer") and the errors of ConsultationByLink.
func (s *Service) AnswerConsultation(ctx context.Context, tok, answer, ip string) (ConsultationRequest, error) {
	answer = strings.TrimSpace(answer)
	var cr ConsultationRequest
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if cr, err = consultationByLink(ctx, tx, tok); err != nil {
			return err
		}
		switch {
		case answer == "":
			return kernel.Invalid("answer", "Enter your council's answer")
		case len([]rune(answer)) > MaxConsultationText:
			return kernel.Invalid("answer", fmt.Sprintf("The answer must be %d characters or fewer", MaxConsultationText))
		}
		var ipArg any
		if ip != "" {
			ipArg = ip
		}
		var done []struct{ ID, PlacementID int64 }
		if err := tx.Raw(`UPDATE host_consultations SET answer = ?, answered_at = now(), answered_ip = ?
             WHERE token_hash = ? AND answered_at IS NULL AND expires_at > now() RETURNING id, placement_id`, answer, ipArg, notify.HashLinkToken(tok)).Scan(&done).Error; err != nil {
			return fmt.Errorf("answer consultation: %w", err)
		}
		if len(done) == 0 {
			return notify.ErrLinkUsed
		}
		var p Placement
		if err := tx.First(&p, done[0].PlacementID).Error; err != nil {
			return err
		}
		if err := s.tell(ctx, tx, p.RequestID, notify.Message{OrgID: p.CouncilID, PlacementID: p.ID, Kind: "approval", Inbox: true, Roles: []kernel.Role{kernel.RoleApprover},
			Subject: fmt.Sprintf("%s answered your consultation: %s", cr.HostCouncil, cr.ChildRef),
			Body:    fmt.Sprintf("%s has answered your consultation about placing %s at %s:\n\n%s", cr.HostCouncil, cr.ChildRef, cr.HomeName, answer),
			Path:    "/approvals"}); err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "placement.host_answer", "placement", fmt.Sprint(p.ID), map[string]any{"consultation_id": done[0].ID, "host_council": cr.HostCouncil})
	})
	return cr, err
}
