package marketplace

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// PlacementRequest is a council's call-off for one child: a pseudonymised profile
// (the council's reference, age, birth month and year, sex — never a name), needs,
// legal status, location constraints, the lot and tier, and the response deadline.
//
// A field tagged `invited:"name"` is part of the pseudonymised profile that invited
// providers read (Invitation.Profile), under that JSON name: a new column that
// providers should see needs only the tag. Untagged fields (the reference, the birth
// month and year, the home district, the areas to avoid…) never leave the council.
type PlacementRequest struct {
	ID          int64 `gorm:"primaryKey"`
	CouncilID   int64
	CreatedBy   *int64
	Status      RequestStatus
	ChildRef    string
	AgeYears    *int `invited:"age_years"`
	BirthMonth  *int
	BirthYear   *int
	Sex         *string            `invited:"sex"`
	Needs       kernel.StringArray `gorm:"type:text[]" invited:"needs"`
	NeedsDetail string             `invited:"needs_detail"`
	LegalStatus *string            `invited:"legal_status"`
	SchoolYear  string             `invited:"school_year"`
	EHCP        *bool              `gorm:"column:ehcp" invited:"ehcp"`
	// FirstLanguage is the child's first language, by name ("" when not given).
	FirstLanguage string `invited:"first_language"`
	// Religion is the child's religion, by name ("" when not given).
	Religion      string `invited:"religion"`
	HomeOutcode   *string
	HomeLat       *float64
	HomeLon       *float64
	WithinMiles   *int
	AvoidCouncils kernel.Int64Array `gorm:"type:bigint[]"`
	FrameworkID   *int64
	LotID         *int64
	Tier          *string `invited:"tier"`
	StartDate     *time.Time
	DurationWeeks *int `invited:"duration_weeks"`
	Deadline      *time.Time
	Emergency     bool
	FamilyDetails string `invited:"family_details"`
	SubmittedAt   *time.Time
	ClosedAt      *time.Time
	Version       int
	CancelReason  *string // set when the council cancelled the request before award
	CancelledAt   *time.Time
	CancelledBy   *int64
	CreatedAt     time.Time
}

// TableName is the placement_requests table.
func (PlacementRequest) TableName() string { return "placement_requests" }

// The request form's three pages (the child, their needs, the placement) are three
// input structs, each with the API's names for its fields: the web form decodes one page
// into one of them, and POST /api/v1/requests decodes all three from one JSON object.
// Each has Apply (onto the draft) and a reader from the draft (to prefill its page), and
// Check for the rules that compare its fields, run on the page where the fields are.

// RequestChild is the request form's first page, about the child.
type RequestChild struct {
	ChildRef    string `json:"child_ref" form:"child_ref" validate:"max=40" msg:"*=Enter the child's reference in your council's system: 2 to 40 letters, digits, / _ or - (never a name)"`
	AgeYears    *int   `json:"age_years" form:"age_years" validate:"required,min=0,max=25" msg:"required=Enter the child's age in years|*=Enter the child's age in years, from 0 to 25"`
	BirthMonth  *int   `json:"birth_month" form:"birth_month" validate:"required,min=1,max=12" msg:"*=Enter the month and year of the child's birth"`
	BirthYear   *int   `json:"birth_year" form:"birth_year" validate:"required,min=1990,max=2100" msg:"*=Enter the month and year of the child's birth"`
	Sex         string `json:"sex" form:"sex" validate:"required,oneof=male female" msg:"*=Select the child's sex"`
	LegalStatus string `json:"legal_status" form:"legal_status" validate:"required,oneof=s20 s31 ico s25 remand epo" msg:"*=Select the child's legal status"`
	SchoolYear  string `json:"school_year" form:"school_year" validate:"max=20" msg:"*=The school year must be 20 characters or fewer"`
	EHCP        *bool  `json:"ehcp" form:"ehcp"`
	// FirstLanguage is optional: the language's name, like "English" or "Tigrinya".
	FirstLanguage string `json:"first_language" form:"first_language" validate:"max=60" msg:"*=The first language must be 60 characters or fewer"`
	// Religion is optional: its name, like "Muslim" or "Church of England".
	Religion string `json:"religion" form:"religion" validate:"max=60" msg:"*=The religion must be 60 characters or fewer"`
}

// Apply sets the draft's child fields from the page.
func (in RequestChild) Apply(r *PlacementRequest) {
	r.ChildRef, r.AgeYears, r.BirthMonth, r.BirthYear = strings.TrimSpace(in.ChildRef), in.AgeYears, in.BirthMonth, in.BirthYear
	r.Sex, r.LegalStatus, r.SchoolYear, r.EHCP = optional(in.Sex), optional(in.LegalStatus), strings.TrimSpace(in.SchoolYear), in.EHCP
	r.FirstLanguage, r.Religion = strings.TrimSpace(in.FirstLanguage), strings.TrimSpace(in.Religion)
}

// ChildOf is the draft's child page as saved.
func ChildOf(r PlacementRequest) RequestChild {
	return RequestChild{ChildRef: r.ChildRef, AgeYears: r.AgeYears, BirthMonth: r.BirthMonth, BirthYear: r.BirthYear, Sex: deref(r.Sex),
		LegalStatus: deref(r.LegalStatus), SchoolYear: r.SchoolYear, EHCP: r.EHCP, FirstLanguage: r.FirstLanguage, Religion: r.Religion}
}

// Check compares the page's fields: the month and year of birth must agree with the
// age (within a year either way), by the date now.
func (in RequestChild) Check(now time.Time) kernel.FieldErrors {
	var fe kernel.FieldErrors
	if in.AgeYears != nil && in.BirthMonth != nil && in.BirthYear != nil && !ageMatches(*in.AgeYears, *in.BirthMonth, *in.BirthYear, now) {
		fe.Add("birth_month", errAgeMismatch)
	}
	return fe
}

const errAgeMismatch = "The month and year of birth do not match the child's age"

// ageMatches says whether a child born in month/year is age, give or take a year, on now.
func ageMatches(age, month, year int, now time.Time) bool {
	got := now.Year() - year
	if int(now.Month()) < month {
		got--
	}
	return got >= age-1 && got <= age+1
}

// RequestNeeds is the request form's second page: the child's needs.
type RequestNeeds struct {
	Needs         []string `json:"needs" form:"needs"`
	NeedsDetail   string   `json:"needs_detail" form:"needs_detail" validate:"max=4000" msg:"*=The needs detail must be 4,000 characters or fewer"`
	FamilyDetails string   `json:"family_details" form:"family_details" validate:"max=4000" msg:"*=The family details must be 4,000 characters or fewer"`
}

// Apply sets the draft's needs from the page.
func (in RequestNeeds) Apply(r *PlacementRequest) {
	r.Needs, r.NeedsDetail, r.FamilyDetails = kernel.StringArray(in.Needs), strings.TrimSpace(in.NeedsDetail), strings.TrimSpace(in.FamilyDetails)
}

// NeedsOf is the draft's needs page as saved.
func NeedsOf(r PlacementRequest) RequestNeeds {
	return RequestNeeds{Needs: r.Needs, NeedsDetail: r.NeedsDetail, FamilyDetails: r.FamilyDetails}
}

// RequestPlacement is the request form's third page: the placement wanted. The start
// date is a day ("2006-01-02"); the response deadline a time (RFC 3339).
type RequestPlacement struct {
	HomeOutcode   string  `json:"home_outcode" form:"home_outcode" validate:"required,max=8" msg:"*=Enter the postcode district of the child's home that we know, like M14"`
	WithinMiles   *int    `json:"within_miles" form:"within_miles" validate:"required,min=1,max=500" msg:"required=Enter how many miles from home the placement must be within|*=Enter how many miles from home the placement must be within, more than 0 and up to 500"`
	AvoidCouncils []int64 `json:"avoid_councils" form:"avoid"`
	LotID         int64   `json:"lot_id" form:"lot_id" validate:"required,gt=0" msg:"*=Select the lot"`
	Tier          string  `json:"tier" form:"tier" validate:"required,oneof=standard complex specialist" msg:"*=Select the needs tier"`
	StartDate     string  `json:"start_date" form:"start_date,date" label:"The start date" validate:"required,datetime=2006-01-02" msg:"required=Enter the date the placement should start|*=The start date must be a real date"`
	DurationWeeks *int    `json:"duration_weeks" form:"duration_weeks" validate:"required,min=1,max=520" msg:"required=Enter the expected duration in weeks|*=Enter the expected duration in weeks, from 1 to 520"`
	Deadline      string  `json:"deadline" form:"deadline,datetime" label:"The response deadline" validate:"required,datetime=2006-01-02T15:04:05Z07:00" msg:"required=Enter the date and time by which providers must respond|*=Enter the response deadline as a date and time"`
	Emergency     bool    `json:"emergency" form:"emergency"`
}

// Apply sets the draft's placement fields from the page; a district Hearth does not
// know is a field error (the draft's home is then cleared).
func (in RequestPlacement) Apply(r *PlacementRequest) kernel.FieldErrors {
	var fe kernel.FieldErrors
	r.HomeOutcode, r.HomeLat, r.HomeLon = nil, nil, nil
	if err := r.SetHome(in.HomeOutcode); err != nil && strings.TrimSpace(in.HomeOutcode) != "" {
		var e kernel.FieldErrors
		if errors.As(err, &e) {
			fe = append(fe, e...)
		}
	}
	r.WithinMiles, r.DurationWeeks, r.Tier, r.Emergency = in.WithinMiles, in.DurationWeeks, optional(in.Tier), in.Emergency
	r.AvoidCouncils, r.LotID = kernel.Int64Array(in.AvoidCouncils), nil
	if in.LotID > 0 {
		r.LotID = &in.LotID
	}
	r.StartDate, r.Deadline = nil, nil
	if t, err := time.Parse("2006-01-02", in.StartDate); err == nil {
		r.StartDate = &t
	}
	if t, err := time.Parse(time.RFC3339, in.Deadline); err == nil {
		r.Deadline = &t
	}
	return fe
}

// PlacementOf is the draft's placement page as saved.
func PlacementOf(r PlacementRequest) RequestPlacement {
	in := RequestPlacement{HomeOutcode: deref(r.HomeOutcode), WithinMiles: r.WithinMiles, AvoidCouncils: r.AvoidCouncils, Tier: deref(r.Tier),
		DurationWeeks: r.DurationWeeks, Emergency: r.Emergency}
	if r.LotID != nil {
		in.LotID = *r.LotID
	}
	if r.StartDate != nil {
		in.StartDate = r.StartDate.Format("2006-01-02")
	}
	if r.Deadline != nil {
		in.Deadline = r.Deadline.Format(time.RFC3339)
	}
	return in
}

// Check compares the page's fields: providers must respond on or before the day the
// placement should start (a day in England).
func (in RequestPlacement) Check() kernel.FieldErrors {
	var fe kernel.FieldErrors
	start, e1 := time.Parse("2006-01-02", in.StartDate)
	deadline, e2 := time.Parse(time.RFC3339, in.Deadline)
	if e1 == nil && e2 == nil && deadlineAfterStart(deadline, start) {
		fe.Add("deadline", errDeadlineAfterStart)
	}
	return fe
}

const errDeadlineAfterStart = "The response deadline must be on or before the wanted start date"

func deadlineAfterStart(deadline, start time.Time) bool {
	return kernel.DateOf(deadline).After(kernel.DateOf(start))
}

func optional(s string) *string {
	if s = strings.TrimSpace(s); s != "" {
		return &s
	}
	return nil
}

// LegalStatuses are the codes of a child's legal status, with labels.
var LegalStatuses = [][2]string{{"s20", "Section 20 (accommodated)"}, {"s31", "Section 31 care order"}, {"ico", "Interim care order"},
	{"s25", "Section 25 secure welfare order"}, {"remand", "Remand"}, {"epo", "Emergency protection order"}}

// Errors about requests.
var (
	ErrNotDraft = kernel.NewError(kernel.ErrConflict, "not_draft", "The request has been submitted and can no longer be edited.")
)

var childRef = regexp.MustCompile(`^[A-Za-z0-9/_-]{2,40}$`)

// ValidateForSubmission checks a request is complete and sensible to send, by field.
// now is the database's current time (deadlines are judged by the database clock).
func (r PlacementRequest) ValidateForSubmission(now time.Time) kernel.FieldErrors {
	var fe kernel.FieldErrors
	if !childRef.MatchString(r.ChildRef) {
		fe.Add("child_ref", "Enter the child's reference in your council's system: 2 to 40 letters, digits, / _ or - (never a name)")
	}
	if r.AgeYears == nil || *r.AgeYears < 0 || *r.AgeYears > 25 {
		fe.Add("age_years", "Enter the child's age in years, from 0 to 25")
	}
	if r.BirthMonth == nil || r.BirthYear == nil || *r.BirthMonth < 1 || *r.BirthMonth > 12 {
		fe.Add("birth_month", "Enter the month and year of the child's birth")
	} else if r.AgeYears != nil && !ageMatches(*r.AgeYears, *r.BirthMonth, *r.BirthYear, now) {
		fe.Add("birth_month", errAgeMismatch)
	}
	if r.Sex == nil || (*r.Sex != "male" && *r.Sex != "female") {
		fe.Add("sex", "Select the child's sex")
	}
	for _, n := range r.Needs {
		if !kernel.ValidCode(Needs, n) {
			fe.Add("needs", fmt.Sprintf("%q is not a need in Hearth's list", n))
			break
		}
	}
	if r.LegalStatus == nil || !validLegal(*r.LegalStatus) {
		fe.Add("legal_status", "Select the child's legal status")
	}
	if r.HomeOutcode == nil || r.HomeLat == nil {
		fe.Add("home_outcode", "Enter the postcode district of the child's home, like M14")
	}
	if r.WithinMiles == nil || *r.WithinMiles <= 0 || *r.WithinMiles > 500 {
		fe.Add("within_miles", "Enter how many miles from home the placement must be within, more than 0 and up to 500")
	}
	if r.LotID == nil {
		fe.Add("lot_id", "Select the lot")
	}
	if r.Tier == nil || (*r.Tier != "standard" && *r.Tier != "complex" && *r.Tier != "specialist") {
		fe.Add("tier", "Select the needs tier")
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if r.StartDate == nil {
		fe.Add("start_date", "Enter the date the placement should start")
	} else if r.StartDate.Before(today) {
		fe.Add("start_date", "The start date must be today or in the future")
	}
	if r.DurationWeeks == nil || *r.DurationWeeks < 1 || *r.DurationWeeks > 520 {
		fe.Add("duration_weeks", "Enter the expected duration in weeks, from 1 to 520")
	}
	minNotice := 2 * time.Hour
	if r.Emergency {
		minNotice = time.Hour
	}
	switch {
	case r.Deadline == nil:
		fe.Add("deadline", "Enter the date and time by which providers must respond")
	case !r.Deadline.After(now):
		fe.Add("deadline", "The response deadline must be in the future")
	case r.StartDate != nil && deadlineAfterStart(*r.Deadline, *r.StartDate):
		fe.Add("deadline", errDeadlineAfterStart)
	case r.Deadline.Sub(now) < minNotice:
		if r.Emergency {
			fe.Add("deadline", "Give providers at least 1 hour to respond to a same-day emergency")
		} else {
			fe.Add("deadline", "Give providers at least 2 hours to respond (1 hour for a same-day emergency)")
		}
	}
	return fe
}

func validLegal(code string) bool {
	for _, l := range LegalStatuses {
		if l[0] == code {
			return true
		}
	}
	return false
}

// SetHome sets the child's home district from a typed outcode.
func (r *PlacementRequest) SetHome(outcode string) error {
	oc, err := geo.LookupOutcode(outcode)
	if err != nil {
		return kernel.Invalid("home_outcode", geo.Explain(err, "Enter the postcode district of the child's home, like M14 or SK10"))
	}
	r.HomeOutcode, r.HomeLat, r.HomeLon = &oc.Code, &oc.Centroid.Lat, &oc.Centroid.Lon
	return nil
}

// Requests reads and writes placement requests.
type Requests struct {
	db *gorm.DB
}

// NewRequests returns the request store on db.
func NewRequests(db *gorm.DB) *Requests { return &Requests{db: db} }

// ValidateDraft checks the fields a draft has so far (a draft may be incomplete).
func (r PlacementRequest) ValidateDraft() kernel.FieldErrors {
	var fe kernel.FieldErrors
	if !childRef.MatchString(r.ChildRef) {
		fe.Add("child_ref", "Enter the child's reference in your council's system: 2 to 40 letters, digits, / _ or - (never a name)")
	}
	if r.AgeYears != nil && (*r.AgeYears < 0 || *r.AgeYears > 25) {
		fe.Add("age_years", "Enter the child's age in years, from 0 to 25")
	}
	if r.BirthMonth != nil && (*r.BirthMonth < 1 || *r.BirthMonth > 12) || r.BirthYear != nil && (*r.BirthYear < 1990 || *r.BirthYear > 2100) {
		fe.Add("birth_month", "Enter a real month and year of birth")
	}
	if r.Sex != nil && *r.Sex != "male" && *r.Sex != "female" {
		fe.Add("sex", "Select the child's sex")
	}
	for _, n := range r.Needs {
		if !kernel.ValidCode(Needs, n) {
			fe.Add("needs", fmt.Sprintf("%q is not a need in Hearth's list", n))
			break
		}
	}
	if r.LegalStatus != nil && !validLegal(*r.LegalStatus) {
		fe.Add("legal_status", "Select the child's legal status")
	}
	if r.WithinMiles != nil && (*r.WithinMiles <= 0 || *r.WithinMiles > 500) {
		fe.Add("within_miles", "Enter how many miles from home the placement must be within, more than 0 and up to 500")
	}
	if r.Tier != nil && *r.Tier != "standard" && *r.Tier != "complex" && *r.Tier != "specialist" {
		fe.Add("tier", "Select the needs tier")
	}
	if r.DurationWeeks != nil && (*r.DurationWeeks < 1 || *r.DurationWeeks > 520) {
		fe.Add("duration_weeks", "Enter the expected duration in weeks, from 1 to 520")
	}
	return fe
}

// SaveDraft creates (ID 0) or updates a council's draft request.
func (s *Requests) SaveDraft(ctx context.Context, r *PlacementRequest) error {
	r.ChildRef = strings.TrimSpace(r.ChildRef)
	if fe := r.ValidateDraft(); fe != nil {
		return fe
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		action := "request.update_draft"
		if r.ID == 0 {
			action = "request.create"
			r.Status = "draft"
			if err := tx.Omit("ID", "SubmittedAt", "ClosedAt", "Version", "CreatedAt").Create(r).Error; err != nil {
				return err
			}
		} else {
			res := tx.Model(&PlacementRequest{}).Where("id = ? AND council_id = ? AND status = 'draft'", r.ID, r.CouncilID).
				Omit("ID", "CouncilID", "CreatedBy", "Status", "SubmittedAt", "ClosedAt", "CreatedAt").Select("*").Updates(r)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return ErrNotDraft
			}
		}
		return audit.New(tx).Record(ctx, action, "placement_request", fmt.Sprint(r.ID), map[string]any{"child_ref": r.ChildRef})
	})
}

// Request returns a request of council (any council's when councilID is 0), recording
// the read in the audit log: a request holds a child's record.
func (s *Requests) Request(ctx context.Context, id, councilID int64) (PlacementRequest, error) {
	var r PlacementRequest
	q := s.db.WithContext(ctx).Where("id = ?", id)
	if councilID != 0 {
		q = q.Where("council_id = ?", councilID)
	}
	err := q.First(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, fmt.Errorf("placement request %d: %w", id, kernel.ErrNotFound)
	}
	if err != nil {
		return r, err
	}
	return r, audit.New(s.db).Record(ctx, "child.read", "placement_request", fmt.Sprint(id), map[string]any{"child_ref": r.ChildRef})
}

// RequestStatuses are a placement request's states, as codes and labels.
var RequestStatuses = []Option{
	{Code: "draft", Label: "Draft"}, {Code: "open", Label: "Open for responses"}, {Code: "closed", Label: "Closed"},
	{Code: "awarded", Label: "Awarded"}, {Code: "cancelled", Label: "Cancelled"},
}

// RequestFilter narrows a council's list of requests: to some statuses (codes), and to
// one child's reference. The zero filter lists them all.
type RequestFilter struct {
	Statuses []string
	ChildRef string
}

// ForCouncil lists a council's requests, newest first (the list shows references only).
func (s *Requests) ForCouncil(ctx context.Context, councilID int64, page kernel.Page) ([]PlacementRequest, int64, error) {
	return s.ForCouncilWhere(ctx, councilID, RequestFilter{}, page)
}

// ForCouncilWhere lists a council's requests that pass f, newest first; a status that
// is not a request status is a field error on "status".
func (s *Requests) ForCouncilWhere(ctx context.Context, councilID int64, f RequestFilter, page kernel.Page) ([]PlacementRequest, int64, error) {
	lq := kernel.ListQuery{Filters: map[string][]string{"status": f.Statuses}, Page: page}
	if ref := strings.TrimSpace(f.ChildRef); ref != "" {
		lq.Filters["child_ref"] = []string{ref}
	}
	return s.ForCouncilList(ctx, councilID, lq)
}

// RequestSorts are the orders a council's request list can be sorted in.
var RequestSorts = kernel.Sorts{"child": "child_ref", "deadline": "deadline", "start": "start_date", "status": "status", "created": "id"}

// ForCouncilList lists one page of a council's requests narrowed by lq: filters
// "status" (codes) and "child_ref" (exact), a search in the child's reference, sorted
// by a key of RequestSorts (newest first otherwise). A status that is not a request
// status is a field error on "status".
func (s *Requests) ForCouncilList(ctx context.Context, councilID int64, lq kernel.ListQuery) ([]PlacementRequest, int64, error) {
	statuses := lq.Values("status")
	for _, st := range statuses {
		if !kernel.ValidCode(RequestStatuses, st) {
			return nil, 0, kernel.Invalid("status", fmt.Sprintf("%q is not a request status: use draft, open, closed, awarded or cancelled", st))
		}
	}
	q := s.db.WithContext(ctx).Model(&PlacementRequest{}).Where("council_id = ?", councilID).
		Order(RequestSorts.OrderBy(lq, "id DESC", "id DESC"))
	if len(statuses) > 0 {
		q = q.Where("status IN ?", statuses)
	}
	if refs := lq.Values("child_ref"); len(refs) > 0 {
		q = q.Where("child_ref IN ?", refs)
	}
	if like := lq.Like(); like != "" {
		q = q.Where("child_ref ILIKE ?", like)
	}
	return kernel.FindPage[PlacementRequest](q, lq.Page)
}

// FindChild is a council's requests and placements whose child's reference contains
// search (at most kernel.MaxChildMatches of each), by reference then newest first.
// Only the council's own records are searched; the caller audits what it shows.
func (s *Requests) FindChild(ctx context.Context, councilID int64, search string) ([]kernel.ChildMatch, error) {
	like := kernel.ListQuery{Search: search}.Like()
	if like == "" {
		return nil, nil
	}
	var out []kernel.ChildMatch
	err := s.db.WithContext(ctx).Raw(`(SELECT 'placement_request' AS kind, r.id, r.child_ref, r.status::text AS status, r.created_at AS at
            FROM placement_requests r WHERE r.council_id = ? AND r.child_ref ILIKE ? ORDER BY r.child_ref, r.id DESC LIMIT ?)
        UNION ALL
        (SELECT 'placement', p.id, r.child_ref, p.status::text, p.awarded_at
            FROM placements p JOIN placement_requests r ON r.id = p.request_id
            WHERE p.council_id = ? AND r.council_id = ? AND r.child_ref ILIKE ? ORDER BY r.child_ref, p.id DESC LIMIT ?)
        ORDER BY child_ref, at DESC, id DESC`,
		councilID, like, kernel.MaxChildMatches, councilID, councilID, like, kernel.MaxChildMatches).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("find child: %w", err)
	}
	return out, nil
}
