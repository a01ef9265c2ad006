package marketplace

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

// Home is one registered setting run by a provider.
type Home struct {
	ID               int64 `gorm:"primaryKey"`
	ProviderID       int64
	Name             string
	OfstedURN        string `gorm:"column:ofsted_urn"`
	HomeType         string
	OfstedRating     string
	InspectionDate   *time.Time
	RegisteredPlaces int
	MinAge, MaxAge   int
	AcceptsMale      bool
	AcceptsFemale    bool
	Needs            kernel.Codes `gorm:"type:text[]"`
	Postcode         string
	Outcode          string
	Lat, Lon         float64
	HostCouncilID    *int64
	// Address is the home's street lines (the postcode apart); the registered
	// manager's name, phone and email are for the police force of its area. All optional.
	Address            string
	ManagerName        string
	ManagerPhone       string
	ManagerEmail       string
	BedsFree           int
	NextFreeDate       *time.Time
	NextFreeBeds       *int
	VacancyConfirmedAt *time.Time
	StaleRemindedAt    *time.Time
	Version            int
	CreatedAt          time.Time
	UpdatedAt          time.Time
	LotIDs             []int64 `gorm:"-"`
}

// TableName is the homes table.
func (Home) TableName() string { return "homes" }

// StaleAfter is how long a vacancy stays fresh without confirmation (Hearth rule).
const StaleAfter = 7 * 24 * time.Hour

// Stale reports whether the vacancy has not been confirmed within StaleAfter of now.
func (h Home) Stale(now time.Time) bool { return stale(h.VacancyConfirmedAt, now) }

// stale is the Hearth rule: a vacancy never confirmed, or not for StaleAfter, is out of date.
func stale(confirmedAt *time.Time, now time.Time) bool {
	return confirmedAt == nil || now.Sub(*confirmedAt) > StaleAfter
}

// HomeInput is a home as typed into a form, an API request or a CSV row: every
// field as text, parsed and checked by ParseHome so each path validates the same way.
// The form decoder reads it by its `form` tags.
type HomeInput struct {
	Name             string   `json:"name" form:"name"`
	OfstedURN        string   `json:"ofsted_urn" form:"ofsted_urn"`
	HomeType         string   `json:"home_type" form:"home_type"`
	OfstedRating     string   `json:"ofsted_rating" form:"ofsted_rating"`
	InspectionDate   string   `json:"inspection_date" form:"inspection_date,date" label:"The inspection date"`
	RegisteredPlaces string   `json:"registered_places" form:"registered_places"`
	MinAge           string   `json:"min_age" form:"min_age"`
	MaxAge           string   `json:"max_age" form:"max_age"`
	Sexes            string   `json:"sexes" form:"sexes"`
	Postcode         string   `json:"postcode" form:"postcode"`
	Address          string   `json:"address" form:"address"`
	ManagerName      string   `json:"manager_name" form:"manager_name"`
	ManagerPhone     string   `json:"manager_phone" form:"manager_phone"`
	ManagerEmail     string   `json:"manager_email" form:"manager_email"`
	Needs            []string `json:"needs" form:"needs"` // codes
	Lots             []string `json:"lots" form:"lots"`   // lot codes or ids
	// Version is the version of the home the change form showed (0: a new home), so a
	// change saved over someone else's is refused.
	Version int `json:"-" form:"version"`
}

// HomeFields are the home's fields, parsed.
type HomeFields struct {
	Name, OfstedURN, HomeType, OfstedRating string
	InspectionDate                          *time.Time
	RegisteredPlaces, MinAge, MaxAge        int
	AcceptsMale, AcceptsFemale              bool
	Needs                                   []string
	LotIDs                                  []int64
	Postcode                                string
	Outcode                                 geo.Outcode
	Address, ManagerName                    string
	ManagerPhone, ManagerEmail              string
	// KeepContacts leaves an existing home's address and manager as they are: the CSV
	// upload has no columns for them.
	KeepContacts bool
}

// ParseHome checks a home's input. lots maps each lot code (and id as text) the
// provider may serve to its ids: a code names that lot in every framework the provider
// is admitted to. Problems come back by field name.
func ParseHome(in HomeInput, lots map[string][]int64, today time.Time) (HomeFields, kernel.FieldErrors) {
	var f HomeFields
	var fe kernel.FieldErrors
	text := func(field, v string, max int) string {
		v = strings.TrimSpace(v)
		if !utf8.ValidString(v) || strings.ContainsAny(v, "\x00") {
			fe.Add(field, "Remove the characters that are not text")
		} else if v != "" && strings.ContainsRune("=+-@", rune(v[0])) {
			fe.Add(field, "Must not start with =, +, - or @")
		} else if len(v) > max {
			fe.Add(field, fmt.Sprintf("Must be %d characters or fewer", max))
		}
		return v
	}
	f.Name = text("name", in.Name, 200)
	if len(f.Name) < 2 && !fe.Has("name") {
		fe.Add("name", "Enter the home's name")
	}
	f.OfstedURN = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(in.OfstedURN), " ", ""))
	if !urnPattern.MatchString(f.OfstedURN) {
		fe.Add("ofsted_urn", "Enter the Ofsted URN: SC and 6 digits, like SC123456, or 6 or 7 digits")
	}
	f.HomeType = strings.TrimSpace(in.HomeType)
	if !validCode(HomeTypes, f.HomeType) {
		fe.Add("home_type", "Select the type of home")
	}
	f.OfstedRating = strings.TrimSpace(in.OfstedRating)
	if !validCode(Ratings, f.OfstedRating) {
		fe.Add("ofsted_rating", "Select the latest Ofsted rating")
	}
	if d := strings.TrimSpace(in.InspectionDate); d != "" {
		t, err := time.Parse("2006-01-02", d)
		switch {
		case err != nil:
			fe.Add("inspection_date", "Enter the inspection date like 2025-03-27")
		case t.After(today):
			fe.Add("inspection_date", "The inspection date must be in the past")
		default:
			f.InspectionDate = &t
		}
	}
	if f.OfstedRating == "not_yet_inspected" && f.InspectionDate != nil {
		fe.Add("inspection_date", "Leave the inspection date empty for a home not yet inspected")
	} else if validCode(Ratings, f.OfstedRating) && f.OfstedRating != "not_yet_inspected" && f.InspectionDate == nil && !fe.Has("inspection_date") {
		fe.Add("inspection_date", "Enter the date of the inspection that gave this rating")
	}
	num := func(field, v, label string, lo, hi int) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			fe.Add(field, fmt.Sprintf("Enter %s as a whole number from %d to %d", label, lo, hi))
		}
		return n
	}
	f.RegisteredPlaces = num("registered_places", in.RegisteredPlaces, "the number of registered places", 1, 200)
	f.MinAge = num("min_age", in.MinAge, "the youngest age accepted", 0, 25)
	f.MaxAge = num("max_age", in.MaxAge, "the oldest age accepted", 0, 25)
	if !fe.Has("min_age") && !fe.Has("max_age") && f.MinAge > f.MaxAge {
		fe.Add("max_age", "The oldest age must be the same as or more than the youngest")
	}
	switch strings.TrimSpace(in.Sexes) {
	case "any":
		f.AcceptsMale, f.AcceptsFemale = true, true
	case "male":
		f.AcceptsMale = true
	case "female":
		f.AcceptsFemale = true
	default:
		fe.Add("sexes", "Select who the home accepts")
	}
	for _, n := range in.Needs {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !validCode(Needs, n) {
			fe.Add("needs", fmt.Sprintf("%q is not a need in Hearth's list", n))
			break
		}
		f.Needs = append(f.Needs, n)
	}
	seen := map[int64]bool{}
	for _, l := range in.Lots {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		ids, ok := lots[l]
		if !ok {
			fe.Add("lots", fmt.Sprintf("%q is not a lot you are admitted to", l))
			break
		}
		for _, id := range ids {
			if !seen[id] {
				f.LotIDs = append(f.LotIDs, id)
				seen[id] = true
			}
		}
	}
	if len(in.Lots) == 0 && !fe.Has("lots") {
		fe.Add("lots", "Select at least one lot the home serves")
	}
	pc, err := geo.NormalisePostcode(in.Postcode)
	if err != nil {
		fe.Add("postcode", "Enter the home's full postcode, like M1 1AE")
	} else if oc, err := geo.LookupOutcode(pc); err != nil {
		fe.Add("postcode", geo.Explain(err, "Enter the home's full postcode, like M1 1AE"))
	} else {
		f.Postcode, f.Outcode = pc, oc
	}
	f.Address = text("address", in.Address, AddressMax)
	f.ManagerName = text("manager_name", in.ManagerName, 200)
	if p := strings.Join(strings.Fields(in.ManagerPhone), " "); p != "" {
		if !phonePattern.MatchString(p) {
			fe.Add("manager_phone", "Enter a telephone number, like 0161 496 0000 or +44 161 496 0000")
		}
		f.ManagerPhone = p
	}
	if e := strings.TrimSpace(in.ManagerEmail); e != "" {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != e || len(e) > 254 || !strings.Contains(e[strings.LastIndex(e, "@"):], ".") || !plainASCII(e) {
			fe.Add("manager_email", "Enter an email address in the correct format, like name@example.com")
		}
		f.ManagerEmail = e
	}
	sort.Strings(f.Needs)
	return f, fe
}

// plainASCII reports whether s is printable ASCII without spaces: what the database's
// CHECK on a manager's email accepts beside the address form (mail.ParseAddress allows
// Unicode spaces and letters that the CHECK's \s and a mail relay may not).
func plainASCII(s string) bool {
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return true
}

// AddressMax is the longest street address a home keeps (the database's CHECK too).
const AddressMax = 200

var phonePattern = regexp.MustCompile(`^\+?[0-9 ()-]{7,25}$`)

var urnPattern = regexp.MustCompile(`^(SC[0-9]{6}|[0-9]{6,7})$`)

// AdmittedLots maps the codes (and ids as text) of the lots a provider is admitted to,
// on any framework, to their ids.
func (s *Service) AdmittedLots(ctx context.Context, providerID int64) (map[string][]int64, []commissioning.Lot, error) {
	var lots []commissioning.Lot
	err := s.db.WithContext(ctx).Preload("Tiers").Joins("JOIN admissions ad ON ad.lot_id = lots.id").Joins("JOIN framework_applications a ON a.id = ad.application_id").
		Where("a.provider_id = ? AND ad.status = 'admitted' AND a.suspended_at IS NULL", providerID).Order("lots.code").Find(&lots).Error
	if err != nil {
		return nil, nil, fmt.Errorf("admitted lots: %w", err)
	}
	m := map[string][]int64{}
	for _, l := range lots {
		m[l.Code] = append(m[l.Code], l.ID)
		m[strconv.FormatInt(l.ID, 10)] = []int64{l.ID}
	}
	return m, lots, nil
}

// hostCouncil finds the council organisation for an outcode's main council.
func (s *Service) hostCouncil(ctx context.Context, oc geo.Outcode) (*int64, error) {
	var id int64
	err := s.db.WithContext(ctx).Model(&commissioning.Organisation{}).Where("ons_code = ?", oc.ONSCode).Pluck("id", &id).Error
	if err != nil || id == 0 {
		return nil, err
	}
	return &id, nil
}

// ErrStale is returned when a home was changed by someone else since it was read.
var ErrStale = fmt.Errorf("the home was changed by someone else: %w", kernel.ErrConflict)

// SaveHome creates a home (h.ID == 0) or updates it if its version still matches.
func (s *Service) SaveHome(ctx context.Context, providerID, id int64, version int, f HomeFields) (Home, error) {
	host, err := s.hostCouncil(ctx, f.Outcode)
	if err != nil {
		return Home{}, err
	}
	h := Home{ID: id, ProviderID: providerID, Name: f.Name, OfstedURN: f.OfstedURN, HomeType: f.HomeType, OfstedRating: f.OfstedRating,
		InspectionDate: f.InspectionDate, RegisteredPlaces: f.RegisteredPlaces, MinAge: f.MinAge, MaxAge: f.MaxAge,
		AcceptsMale: f.AcceptsMale, AcceptsFemale: f.AcceptsFemale, Needs: kernel.Codes(f.Needs), Postcode: f.Postcode,
		Outcode: f.Outcode.Code, Lat: f.Outcode.Centroid.Lat, Lon: f.Outcode.Centroid.Lon, HostCouncilID: host, LotIDs: f.LotIDs,
		Address: f.Address, ManagerName: f.ManagerName, ManagerPhone: f.ManagerPhone, ManagerEmail: f.ManagerEmail}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		action := "home.update"
		if id == 0 {
			action = "home.create"
			if err := tx.Omit("ID", "BedsFree", "NextFreeDate", "NextFreeBeds", "VacancyConfirmedAt", "StaleRemindedAt", "Version", "CreatedAt", "UpdatedAt").Create(&h).Error; err != nil {
				return err
			}
		} else {
			var cur Home
			if err := tx.Select("registered_places", "beds_free").Where("id = ? AND provider_id = ?", id, providerID).First(&cur).Error; err != nil {
				return fmt.Errorf("home %d: %w", id, kernel.ErrNotFound)
			}
			if cur.BedsFree > f.RegisteredPlaces {
				return kernel.Invalid("registered_places", fmt.Sprintf("The home has %d beds free now; lower its vacancy before its registered places", cur.BedsFree))
			}
			changes := map[string]any{
				"name": h.Name, "ofsted_urn": h.OfstedURN, "home_type": h.HomeType, "ofsted_rating": h.OfstedRating, "inspection_date": h.InspectionDate,
				"registered_places": h.RegisteredPlaces, "min_age": h.MinAge, "max_age": h.MaxAge, "accepts_male": h.AcceptsMale, "accepts_female": h.AcceptsFemale,
				"needs": h.Needs, "postcode": h.Postcode, "outcode": h.Outcode, "lat": h.Lat, "lon": h.Lon, "host_council_id": h.HostCouncilID,
				"version": gorm.Expr("version + 1"), "updated_at": gorm.Expr("now()")}
			if !f.KeepContacts {
				changes["address"], changes["manager_name"], changes["manager_phone"], changes["manager_email"] = h.Address, h.ManagerName, h.ManagerPhone, h.ManagerEmail
			}
			res := tx.Model(&Home{}).Where("id = ? AND provider_id = ? AND version = ?", id, providerID, version).Updates(changes)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return ErrStale
			}
			if err := tx.Where("home_id = ?", id).Delete(&homeLot{}).Error; err != nil {
				return err
			}
			if err := s.alertRatingFalls(ctx, tx); err != nil {
				return err
			}
		}
		for _, l := range f.LotIDs {
			if err := tx.Create(&homeLot{HomeID: h.ID, LotID: l}).Error; err != nil {
				return err
			}
		}
		return audit.New(tx).Record(ctx, action, "home", fmt.Sprint(h.ID), map[string]any{"name": h.Name, "urn": h.OfstedURN})
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return h, kernel.Invalid("ofsted_urn", "Another home on Hearth has this Ofsted URN")
	}
	if err != nil {
		return h, err
	}
	return s.Home(ctx, h.ID)
}

type homeLot struct {
	HomeID int64 `gorm:"primaryKey"`
	LotID  int64 `gorm:"primaryKey"`
}

func (homeLot) TableName() string { return "home_lots" }

// Home returns one home with its lots.
func (s *Service) Home(ctx context.Context, id int64) (Home, error) {
	var h Home
	err := s.db.WithContext(ctx).First(&h, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return h, fmt.Errorf("home %d: %w", id, kernel.ErrNotFound)
	}
	if err != nil {
		return h, err
	}
	err = s.db.WithContext(ctx).Model(&homeLot{}).Where("home_id = ?", id).Order("lot_id").Pluck("lot_id", &h.LotIDs).Error
	return h, err
}

// ProviderHome returns a home only if providerID runs it.
func (s *Service) ProviderHome(ctx context.Context, providerID, id int64) (Home, error) {
	h, err := s.Home(ctx, id)
	if err == nil && h.ProviderID != providerID {
		return Home{}, fmt.Errorf("home %d belongs to another provider: %w", id, kernel.ErrNotFound)
	}
	return h, err
}

// Homes lists all of a provider's homes by name.
func (s *Service) Homes(ctx context.Context, providerID int64) ([]Home, error) {
	out, _, err := s.HomesPage(ctx, providerID, kernel.AllRows)
	return out, err
}

// HomesPage lists one page of a provider's homes by name, and counts them all.
func (s *Service) HomesPage(ctx context.Context, providerID int64, page kernel.Page) ([]Home, int64, error) {
	return s.HomesList(ctx, providerID, kernel.ListQuery{Page: page})
}

// HomeSorts are the orders a provider's list of homes can be sorted in.
var HomeSorts = kernel.Sorts{"name": "name", "postcode": "postcode", "beds": "beds_free", "confirmed": "vacancy_confirmed_at"}

// HomeVacancyFilters are the vacancy states a list of homes can be filtered by.
var HomeVacancyFilters = []Option{{Code: "free", Label: "Beds free now"}, {Code: "full", Label: "No beds free"}, {Code: "stale", Label: "Confirm now"}}

// HomesList is one page of a provider's homes narrowed by lq: filter "vacancy"
// (HomeVacancyFilters, as of today), a search in the name, Ofsted URN and postcode,
// sorted by a key of HomeSorts (by name otherwise).
func (s *Service) HomesList(ctx context.Context, providerID int64, lq kernel.ListQuery) ([]Home, int64, error) {
	q := s.db.WithContext(ctx).Model(&Home{}).Where("provider_id = ?", providerID).Order(HomeSorts.OrderBy(lq, "name", "id"))
	var conds []string
	var args []any
	for _, v := range lq.Values("vacancy") {
		switch v {
		case "free":
			conds = append(conds, "beds_free > 0")
		case "full":
			conds = append(conds, "beds_free = 0")
		case "stale":
			conds, args = append(conds, "(vacancy_confirmed_at IS NULL OR vacancy_confirmed_at < ?)"), append(args, s.today().Add(-StaleAfter))
		default:
			return nil, 0, kernel.Invalid("vacancy", fmt.Sprintf("%q is not a vacancy filter: use free, full or stale", v))
		}
	}
	if len(conds) > 0 {
		q = q.Where("("+strings.Join(conds, " OR ")+")", args...)
	}
	if like := lq.Like(); like != "" {
		q = q.Where("(name ILIKE ? OR ofsted_urn ILIKE ? OR postcode ILIKE ?)", like, like, like)
	}
	out, total, err := kernel.FindPage[Home](q, lq.Page)
	if err != nil {
		return nil, 0, fmt.Errorf("list homes: %w", err)
	}
	return out, total, nil
}

// Vacancy is what a provider says about a home's beds.
type Vacancy struct {
	BedsFree     int
	NextFreeDate *time.Time
	NextFreeBeds *int
}

// VacancyInput is a home's vacancy as its page and the API send it: beds free now, and
// optionally the day more beds become free and how many.
type VacancyInput struct {
	BedsFree     *int    `json:"beds_free" form:"beds_free" validate:"required,min=0" msg:"*=Enter the number of beds free now, like 0 or 2"`
	NextFreeDate *string `json:"next_free_date" form:"next_free_date,date" label:"The date beds become free" validate:"omitempty,datetime=2006-01-02" msg:"*=Enter the date beds become free like 2026-12-01"`
	NextFreeBeds *int    `json:"next_free_beds" form:"next_free_beds" validate:"omitempty,min=0" msg:"*=Enter the number of beds becoming free as a whole number"`
}

// Vacancy is the checked input as a Vacancy, which SetVacancy checks against the home.
func (in VacancyInput) Vacancy() Vacancy {
	v := Vacancy{BedsFree: deref(in.BedsFree), NextFreeBeds: in.NextFreeBeds}
	if in.NextFreeDate != nil {
		if d, err := time.Parse(time.DateOnly, *in.NextFreeDate); err == nil {
			v.NextFreeDate = &d
		}
	}
	return v
}

// Validate checks a vacancy against the home's registered places.
func (v Vacancy) Validate(h Home, today time.Time) error {
	var fe kernel.FieldErrors
	if v.BedsFree < 0 || v.BedsFree > h.RegisteredPlaces {
		fe.Add("beds_free", fmt.Sprintf("Beds free now must be between 0 and the home's %d registered places", h.RegisteredPlaces))
	}
	if (v.NextFreeDate == nil) != (v.NextFreeBeds == nil) {
		fe.Add("next_free_date", "Give both the date and the number of beds becoming free, or neither")
	}
	if v.NextFreeDate != nil && v.NextFreeDate.Before(today.Truncate(24*time.Hour)) {
		fe.Add("next_free_date", "The date beds become free must be today or later")
	}
	if v.NextFreeBeds != nil && (*v.NextFreeBeds < 1 || *v.NextFreeBeds > h.RegisteredPlaces) {
		fe.Add("next_free_beds", fmt.Sprintf("Beds becoming free must be between 1 and %d", h.RegisteredPlaces))
	}
	return fe.Err()
}

// ErrNotActive is returned when a provider that is not admitted to any framework lot,
// or is suspended, tries to publish a vacancy.
var ErrNotActive = fmt.Errorf("your organisation is not admitted to a framework, or is suspended, so it cannot publish vacancies: %w", kernel.ErrForbidden)

// SetVacancy records a home's vacancy (also when unchanged: it confirms it). It is
// idempotent: the same vacancy sent twice leaves the same state. Returns ErrNotActive
// for a provider that is not admitted or is suspended.
func (s *Service) SetVacancy(ctx context.Context, h Home, v Vacancy, source string, by int64) (Home, error) {
	if err := v.Validate(h, s.Now()); err != nil {
		return h, err
	}
	if active, err := s.ActiveOnAnyFramework(ctx, h.ProviderID); err != nil {
		return h, err
	} else if !active {
		return h, ErrNotActive
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Home{}).Where("id = ?", h.ID).Updates(map[string]any{"beds_free": v.BedsFree, "next_free_date": v.NextFreeDate,
			"next_free_beds": v.NextFreeBeds, "vacancy_confirmed_at": s.Now(), "updated_at": s.Now()}).Error; err != nil {
			return err
		}
		if err := tx.Create(&VacancyChange{HomeID: h.ID, BedsFree: v.BedsFree, NextFreeDate: v.NextFreeDate, NextFreeBeds: v.NextFreeBeds, Source: source, ChangedBy: nullID(by)}).Error; err != nil {
			return err
		}
		return audit.New(tx).Record(ctx, "vacancy.set", "home", fmt.Sprint(h.ID), map[string]any{"beds_free": v.BedsFree, "next_free_date": v.NextFreeDate, "next_free_beds": v.NextFreeBeds, "source": source})
	})
	if err != nil {
		return h, fmt.Errorf("set vacancy of home %d: %w", h.ID, err)
	}
	return s.Home(ctx, h.ID)
}

// VacancyChange is one row of a home's vacancy history.
type VacancyChange struct {
	ID           int64 `gorm:"primaryKey"`
	HomeID       int64
	BedsFree     int
	NextFreeDate *time.Time
	NextFreeBeds *int
	Source       string
	ChangedBy    *int64
	ChangedAt    time.Time `gorm:"default:now()"`
}

// TableName is the vacancy_changes table.
func (VacancyChange) TableName() string { return "vacancy_changes" }

// VacancyHistory returns a home's most recent vacancy changes, newest first.
func (s *Service) VacancyHistory(ctx context.Context, homeID int64, limit int) ([]VacancyChange, error) {
	var out []VacancyChange
	err := s.db.WithContext(ctx).Where("home_id = ?", homeID).Order("changed_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, err
}
