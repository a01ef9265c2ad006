package marketplace

import (
	"context"
	"database/sql/driver"
	"encoding/json"
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

// ErrNotAmendable is returned for a request that is a draft (edit it instead) or already
// awarded or cancelled.
var ErrNotAmendable = fmt.Errorf("only a sent request that has not been awarded can be amended: %w", kernel.ErrConflict)

// Amendment is a visible, audited change to a sent request.
type Amendment struct {
	ID        int64 `gorm:"primaryKey"`
	RequestID int64
	Reason    string
	Changes   Changes `gorm:"type:jsonb"`
	AmendedBy *int64
	AmendedAt time.Time `gorm:"->"`
}

// TableName is the request_amendments table.
func (Amendment) TableName() string { return "request_amendments" }

// Change is one field's old and new value, as people read them.
type Change struct {
	Field string `json:"field"`
	Label string `json:"label"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Changes is stored as a JSON array.
type Changes []Change

// Scan reads the JSON column.
func (c *Changes) Scan(v any) error {
	switch b := v.(type) {
	case []byte:
		return json.Unmarshal(b, c)
	case string:
		return json.Unmarshal([]byte(b), c)
	}
	return fmt.Errorf("changes: cannot scan %T", v)
}

// Value writes the JSON column.
func (c Changes) Value() (driver.Value, error) {
	b, err := json.Marshal(c)
	return string(b), err
}

// AmendChanges is an amendment as the amend page and the API send it: each field given
// replaces the request's, and a field left out (the API may) keeps it. Onto gives the
// AmendInput that AmendRequest checks against the request.
type AmendChanges struct {
	StartDate     *string    `json:"start_date" form:"start_date,date" label:"The start date" validate:"omitempty,datetime=2006-01-02" msg:"*=The start date must be a real date"`
	DurationWeeks *int       `json:"duration_weeks" form:"duration_weeks" validate:"omitempty,min=1,max=520" msg:"*=Enter the expected duration in weeks, from 1 to 520"`
	Deadline      *time.Time `json:"deadline" form:"deadline,datetime" label:"The response deadline"`
	NeedsDetail   *string    `json:"needs_detail" form:"needs_detail" validate:"omitempty,max=4000" msg:"*=The detail must be 4,000 characters or fewer"`
	FamilyDetails *string    `json:"family_details" form:"family_details" validate:"omitempty,max=4000" msg:"*=The detail must be 4,000 characters or fewer"`
	Reason        string     `json:"reason" form:"reason" validate:"notblank,max=1000" msg:"*=Enter the reason for the amendment, in 1,000 characters or fewer; providers will see it"`
}

// Whole is every field the amend page sends, for the page: there a start date or a
// duration left blank is a mistake, not "unchanged".
func (in AmendChanges) Whole() kernel.FieldErrors {
	var fe kernel.FieldErrors
	if in.StartDate == nil {
		fe.AddCode("start_date", kernel.CodeRequired, "Enter the date the placement should start")
	}
	if in.DurationWeeks == nil {
		fe.AddCode("duration_weeks", kernel.CodeRequired, "Enter the expected duration in weeks, like 26")
	}
	return fe
}

// Onto is the request r as these changes leave it.
func (in AmendChanges) Onto(r PlacementRequest) AmendInput {
	a := AmendInput{StartDate: deref(r.StartDate), DurationWeeks: deref(r.DurationWeeks), NeedsDetail: r.NeedsDetail, FamilyDetails: r.FamilyDetails,
		Reason: in.Reason, Deadline: in.Deadline}
	if in.StartDate != nil {
		a.StartDate, _ = time.Parse(time.DateOnly, *in.StartDate)
	}
	if in.DurationWeeks != nil {
		a.DurationWeeks = *in.DurationWeeks
	}
	if in.NeedsDetail != nil {
		a.NeedsDetail = *in.NeedsDetail
	}
	if in.FamilyDetails != nil {
		a.FamilyDetails = *in.FamilyDetails
	}
	return a
}

// AmendInput is what a commissioner may change once a request is sent: the facts that
// do not change who was invited. A change of needs, age, place or lot is a new request.
type AmendInput struct {
	StartDate     time.Time
	DurationWeeks int
	Deadline      *time.Time // nil: unchanged; later only, and only while bids are open
	NeedsDetail   string
	FamilyDetails string
	Reason        string
}

// AmendRequest changes a sent request, keeps what changed and why, audits it and tells
// every invited provider (by email and in-app).
func (s *Service) AmendRequest(ctx context.Context, requestID, councilID, by int64, in AmendInput) (Amendment, error) {
	var a Amendment
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var r PlacementRequest
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND council_id = ?", requestID, councilID).First(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fmt.Errorf("placement request %d: %w", requestID, kernel.ErrNotFound)
			}
			return err
		}
		if !r.Status.Amendable() {
			return ErrNotAmendable
		}
		var now time.Time
		if err := tx.Raw("SELECT now()").Scan(&now).Error; err != nil {
			return err
		}
		var fe kernel.FieldErrors
		var changes Changes
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
		if !in.StartDate.Equal(deref(r.StartDate)) {
			if in.StartDate.Before(today) {
				fe.Add("start_date", "The start date must be today or in the future")
			}
			changes = append(changes, Change{"start_date", "Start date", dateOf(r.StartDate), in.StartDate.Format(day)})
		}
		if in.DurationWeeks != deref(r.DurationWeeks) {
			if in.DurationWeeks < 1 || in.DurationWeeks > 520 {
				fe.Add("duration_weeks", "Enter the expected duration in weeks, from 1 to 520")
			}
			changes = append(changes, Change{"duration_weeks", "Expected duration", fmt.Sprintf("%d weeks", deref(r.DurationWeeks)), fmt.Sprintf("%d weeks", in.DurationWeeks)})
		}
		if in.Deadline == nil {
			in.Deadline = r.Deadline
		}
		if r.Deadline != nil && !in.Deadline.Equal(*r.Deadline) {
			switch {
			case !r.Status.IsOpen():
				fe.Add("deadline", "Bids have closed: the deadline can no longer change")
			case in.Deadline.Before(*r.Deadline):
				fe.Add("deadline", "A deadline can only be extended: providers are working to the one they were given")
			}
			changes = append(changes, Change{"deadline", "Response deadline", r.Deadline.In(london).Format("2 January 2006 15:04"), in.Deadline.In(london).Format("2 January 2006 15:04")})
		}
		in.NeedsDetail, in.FamilyDetails = strings.TrimSpace(in.NeedsDetail), strings.TrimSpace(in.FamilyDetails)
		if in.NeedsDetail != r.NeedsDetail {
			changes = append(changes, Change{"needs_detail", "About the child's needs", r.NeedsDetail, in.NeedsDetail})
		}
		if in.FamilyDetails != r.FamilyDetails {
			changes = append(changes, Change{"family_details", "Siblings or parent and child", r.FamilyDetails, in.FamilyDetails})
		}
		if len(in.NeedsDetail) > 4000 || len(in.FamilyDetails) > 4000 {
			fe.Add("needs_detail", "Each detail must be 4,000 characters or fewer")
		}
		in.Reason = strings.TrimSpace(in.Reason)
		if in.Reason == "" || len(in.Reason) > 1000 {
			fe.Add("reason", "Enter the reason for the amendment, in 1,000 characters or fewer; providers will see it")
		}
		if len(changes) == 0 && len(fe) == 0 {
			fe.Add("start_date", "Change at least one thing, or go back to the request")
		}
		if len(fe) > 0 {
			return fe
		}
		if err := tx.Model(&PlacementRequest{}).Where("id = ?", r.ID).Updates(map[string]any{"start_date": in.StartDate,
			"duration_weeks": in.DurationWeeks, "deadline": in.Deadline, "needs_detail": in.NeedsDetail, "family_details": in.FamilyDetails,
			"version": gorm.Expr("version + 1")}).Error; err != nil {
			return err
		}
		a = Amendment{RequestID: r.ID, Reason: in.Reason, Changes: changes, AmendedBy: nullID(by)}
		if err := tx.Omit("AmendedAt").Create(&a).Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "request.amend", "placement_request", fmt.Sprint(r.ID), map[string]any{"amendment_id": a.ID, "changes": changes, "reason": in.Reason}); err != nil {
			return err
		}
		var invited []int64
		if err := tx.Raw("SELECT provider_id FROM request_invitations WHERE request_id = ? ORDER BY provider_id", r.ID).Scan(&invited).Error; err != nil {
			return err
		}
		lines := make([]string, len(changes))
		for i, c := range changes {
			lines[i] = fmt.Sprintf("- %s: %s (was: %s)", c.Label, orNone(c.To), orNone(c.From))
		}
		for _, pid := range invited {
			if err := s.tell(ctx, tx, r.ID, notify.Message{OrgID: pid, Kind: "amendment", Inbox: true, Roles: []kernel.Role{kernel.RoleProviderAdmin, kernel.RoleProviderUser},
				Subject: fmt.Sprintf("Placement request %d has been amended", r.ID), Path: fmt.Sprintf("/invitations/%d", r.ID),
				Body: fmt.Sprintf("The council has amended placement request %d.\n\n%s\n\nReason: %s\n\nCheck your bid still stands.", r.ID, strings.Join(lines, "\n"), in.Reason)}); err != nil {
				return err
			}
		}
		return nil
	})
	return a, err
}

// Amendments lists a request's amendments, oldest first.
func (s *Service) Amendments(ctx context.Context, requestID int64) ([]Amendment, error) {
	var out []Amendment
	err := s.db.WithContext(ctx).Where("request_id = ?", requestID).Order("amended_at, id").Find(&out).Error
	return out, err
}

func dateOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(day)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
