package commissioning

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
)

var (
	lotCode       = regexp.MustCompile(`^[a-z0-9_]{2,40}$`)
	companyNumber = regexp.MustCompile(`^([0-9]{8}|(SC|NI|OC|SO|NC)[0-9]{6})$`)
	charityNumber = regexp.MustCompile(`^[0-9]{6,8}(-[0-9]{1,2})?$`)
)

// ProviderProfile is what a provider told Hearth when it signed up.
type ProviderProfile struct {
	OrganisationID     int64 `gorm:"primaryKey"`
	RegistrationKind   string
	RegistrationNumber string
	ContactName        string
	ContactEmail       string
	ContactPhone       string
	CreatedAt          time.Time
}

// TableName is the provider_profiles table.
func (ProviderProfile) TableName() string { return "provider_profiles" }

// ProviderSignUp is a new provider organisation.
type ProviderSignUp struct {
	Name, RegistrationKind, RegistrationNumber string
	ContactName, ContactEmail, ContactPhone    string
}

// Validate checks a sign-up, by form field.
func (p *ProviderSignUp) Validate() kernel.FieldErrors {
	var fe kernel.FieldErrors
	p.Name = strings.TrimSpace(p.Name)
	p.RegistrationNumber = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(p.RegistrationNumber), " ", ""))
	if n := len(p.Name); n < 2 || n > 200 {
		fe.Add("organisation_name", "Enter your organisation's name")
	}
	switch p.RegistrationKind {
	case "company":
		if !companyNumber.MatchString(p.RegistrationNumber) {
			fe.Add("registration_number", "Enter a Companies House number of 8 characters, like 01234567 or SC123456")
		}
	case "charity":
		if !charityNumber.MatchString(p.RegistrationNumber) {
			fe.Add("registration_number", "Enter a charity number of 6 to 8 digits, like 1123456")
		}
	default:
		fe.Add("registration_kind", "Select whether you are a company or a charity")
	}
	if strings.TrimSpace(p.ContactName) == "" {
		fe.Add("contact_name", "Enter the name of a contact for your organisation")
	}
	if a, err := mail.ParseAddress(p.ContactEmail); err != nil || a.Address != strings.TrimSpace(p.ContactEmail) {
		fe.Add("contact_email", "Enter a contact email address, like name@example.com")
	}
	digits := 0
	for _, r := range p.ContactPhone {
		if r >= '0' && r <= '9' {
			digits++
		} else if !strings.ContainsRune(" +()-", r) {
			digits = -100
		}
	}
	if digits < 10 || digits > 13 {
		fe.Add("contact_phone", "Enter a telephone number, like 0161 496 0000")
	}
	return fe
}

// CreateProvider adds a provider organisation with its profile.
func (s *Frameworks) CreateProvider(ctx context.Context, p ProviderSignUp) (Organisation, error) {
	if fe := p.Validate(); fe != nil {
		return Organisation{}, fe
	}
	org, err := NewService(s.db).Create(ctx, kernel.KindProvider, p.Name)
	if errors.Is(err, kernel.ErrConflict) {
		return org, kernel.Invalid("organisation_name", "An organisation with this name is already on Hearth; ask its administrator to add you")
	}
	if err != nil {
		return org, err
	}
	prof := ProviderProfile{OrganisationID: org.ID, RegistrationKind: p.RegistrationKind, RegistrationNumber: p.RegistrationNumber,
		ContactName: strings.TrimSpace(p.ContactName), ContactEmail: strings.TrimSpace(p.ContactEmail), ContactPhone: strings.TrimSpace(p.ContactPhone)}
	if err := s.db.WithContext(ctx).Omit("CreatedAt").Create(&prof).Error; err != nil {
		return org, fmt.Errorf("provider profile: %w", err)
	}
	return org, audit.New(s.db).Record(ctx, "provider.sign_up", "organisation", fmt.Sprint(org.ID), map[string]any{"name": org.Name})
}

// Profile returns a provider's profile.
func (s *Frameworks) Profile(ctx context.Context, providerID int64) (ProviderProfile, error) {
	var p ProviderProfile
	err := s.db.WithContext(ctx).First(&p, providerID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, kernel.ErrNotFound
	}
	return p, err
}

// Application is a provider's application to a framework.
type Application struct {
	ID                     int64 `gorm:"primaryKey"`
	FrameworkID            int64
	ProviderID             int64
	OfstedRegistered       *bool
	InsuranceExpiry        *time.Time
	SafeguardingPolicyDate *time.Time
	ResponsibleIndividual  *string
	SubmittedAt            *time.Time
	SuspendedAt            *time.Time
	SuspensionReason       *string
	CreatedAt              time.Time
	Admissions             []Admission `gorm:"foreignKey:ApplicationID"`
}

// TableName is the framework_applications table.
func (Application) TableName() string { return "framework_applications" }

// Admission is the decision on one lot of an application.
type Admission struct {
	ApplicationID int64 `gorm:"primaryKey"`
	LotID         int64 `gorm:"primaryKey"`
	Status        string
	Reason        string
	DecidedBy     *int64
	DecidedAt     *time.Time
}

// TableName is the admissions table.
func (Admission) TableName() string { return "admissions" }

// Admitted says whether the provider was admitted to the lot.
func (ad Admission) Admitted() bool { return ad.Status == "admitted" }

// Requested says whether the application to the lot waits for a decision.
func (ad Admission) Requested() bool { return ad.Status == "requested" }

// DeclarationsDone reports whether the declarations task is complete.
func (a Application) DeclarationsDone() bool {
	return a.OfstedRegistered != nil && a.InsuranceExpiry != nil && a.SafeguardingPolicyDate != nil && a.ResponsibleIndividual != nil
}

// AdmittedLots returns the lots a provider is admitted to and not suspended from.
func (a Application) AdmittedLots() []int64 {
	if a.SuspendedAt != nil {
		return nil
	}
	var ids []int64
	for _, ad := range a.Admissions {
		if ad.Admitted() {
			ids = append(ids, ad.LotID)
		}
	}
	return ids
}

// ExistingApplication returns the provider's application to a framework, if any.
func (s *Frameworks) ExistingApplication(ctx context.Context, frameworkID, providerID int64) (Application, error) {
	var a Application
	err := s.db.WithContext(ctx).Preload("Admissions").Where("framework_id = ? AND provider_id = ?", frameworkID, providerID).First(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, kernel.ErrNotFound
	}
	return a, err
}

// ApplicationFor returns the provider's application to a framework, creating a draft.
func (s *Frameworks) ApplicationFor(ctx context.Context, frameworkID, providerID int64) (Application, error) {
	var a Application
	err := s.db.WithContext(ctx).Preload("Admissions").Where("framework_id = ? AND provider_id = ?", frameworkID, providerID).First(&a).Error
	if err == nil {
		return a, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return a, err
	}
	a = Application{FrameworkID: frameworkID, ProviderID: providerID}
	err = s.db.WithContext(ctx).Omit("CreatedAt", "Admissions").Create(&a).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) { // created meanwhile by a second request
		return s.ApplicationFor(ctx, frameworkID, providerID)
	}
	return a, err
}

// Application returns one application with its admissions.
func (s *Frameworks) Application(ctx context.Context, id int64) (Application, error) {
	var a Application
	err := s.db.WithContext(ctx).Preload("Admissions").First(&a, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, fmt.Errorf("application %d: %w", id, kernel.ErrNotFound)
	}
	return a, err
}

// Applications lists applications to a framework, submitted ones first.
func (s *Frameworks) Applications(ctx context.Context, frameworkID int64) ([]Application, error) {
	var out []Application
	err := s.db.WithContext(ctx).Preload("Admissions").Where("framework_id = ?", frameworkID).Order("submitted_at DESC NULLS LAST, id").Find(&out).Error
	return out, err
}

// ErrSubmitted is returned when changing an application that has been submitted.
var ErrSubmitted = fmt.Errorf("the application has been submitted: %w", kernel.ErrConflict)

// ChooseLots sets the lots a draft application asks for.
func (s *Frameworks) ChooseLots(ctx context.Context, a Application, lotIDs []int64) error {
	if a.SubmittedAt != nil {
		return ErrSubmitted
	}
	if len(lotIDs) == 0 {
		return kernel.Invalid("lot_ids", "Select at least one lot")
	}
	f, err := s.Framework(ctx, a.FrameworkID)
	if err != nil {
		return err
	}
	valid := map[int64]bool{}
	for _, l := range f.Lots {
		valid[l.ID] = true
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("application_id = ?", a.ID).Delete(&Admission{}).Error; err != nil {
			return err
		}
		for _, id := range lotIDs {
			if !valid[id] {
				return kernel.Invalid("lot_ids", "Select lots of this framework")
			}
			if err := tx.Omit("DecidedBy", "DecidedAt").Create(&Admission{ApplicationID: a.ID, LotID: id, Status: "requested"}).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// Declarations are what a provider declares when it applies.
type Declarations struct {
	OfstedRegistered       bool
	InsuranceExpiry        time.Time
	SafeguardingPolicyDate time.Time
	ResponsibleIndividual  string
}

// Declare saves a draft application's declarations.
func (s *Frameworks) Declare(ctx context.Context, a Application, d Declarations) error {
	if a.SubmittedAt != nil {
		return ErrSubmitted
	}
	var fe kernel.FieldErrors
	today := s.Now()
	if !d.InsuranceExpiry.After(today) {
		fe.Add("insurance_expiry", "Your insurance must not have expired")
	}
	if d.SafeguardingPolicyDate.After(today) {
		fe.Add("safeguarding_policy_date", "The safeguarding policy date must be today or in the past")
	} else if d.SafeguardingPolicyDate.Before(today.AddDate(-3, 0, 0)) {
		fe.Add("safeguarding_policy_date", "Your safeguarding policy must have been reviewed in the last 3 years")
	}
	if strings.TrimSpace(d.ResponsibleIndividual) == "" {
		fe.Add("responsible_individual", "Enter the name of your responsible individual")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	ri := strings.TrimSpace(d.ResponsibleIndividual)
	return s.db.WithContext(ctx).Model(&Application{}).Where("id = ?", a.ID).Updates(map[string]any{
		"ofsted_registered": d.OfstedRegistered, "insurance_expiry": d.InsuranceExpiry, "safeguarding_policy_date": d.SafeguardingPolicyDate, "responsible_individual": ri}).Error
}

// Submit sends a complete application to the consortium.
func (s *Frameworks) Submit(ctx context.Context, a Application) error {
	if a.SubmittedAt != nil {
		return ErrSubmitted
	}
	var fe kernel.FieldErrors
	if len(a.Admissions) == 0 {
		fe.Add("lots", "Choose the lots you are applying for")
	}
	if !a.DeclarationsDone() {
		fe.Add("declarations", "Complete your declarations")
	} else if !*a.OfstedRegistered {
		fe.Add("declarations", "Only providers registered with Ofsted can apply")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Application{}).Where("id = ? AND submitted_at IS NULL", a.ID).Update("submitted_at", s.Now()).Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "application.submit", "application", fmt.Sprint(a.ID), map[string]any{"framework_id": a.FrameworkID, "provider_id": a.ProviderID}); err != nil {
			return err
		}
		f, err := s.frameworkIn(ctx, tx, a.FrameworkID)
		if err != nil {
			return err
		}
		return s.mailProviderAdmins(ctx, tx, f.ConsortiumID, a.ProviderID, "Your application to "+f.Name+" has been received",
			"Thank you for applying to "+f.Name+". The consortium will decide on each lot you applied for and email you its decision with reasons.")
	})
}

// mailProviderAdmins emails every administrator of a provider, inside tx, about the
// business of consortiumID (whose admin alone sees the emails in the outbox).
func (s *Frameworks) mailProviderAdmins(ctx context.Context, tx *gorm.DB, consortiumID, providerID int64, subject, body string) error {
	return s.notify.MailRoles(ctx, tx, providerID, consortiumID, []kernel.Role{kernel.RoleProviderAdmin}, subject, body)
}

// frameworkIn returns a framework with its lots, read inside tx.
func (s *Frameworks) frameworkIn(ctx context.Context, tx *gorm.DB, id int64) (Framework, error) {
	return s.WithTx(tx).Framework(ctx, id)
}

// lotName is the name of lot id in f ("" when f has no such lot).
func lotName(f Framework, id int64) string {
	for _, l := range f.Lots {
		if l.ID == id {
			return l.Name
		}
	}
	return ""
}

// Decide admits or rejects one lot of a submitted application, with a written reason.
func (s *Frameworks) Decide(ctx context.Context, a Application, lotID int64, admit bool, reason string, by int64) error {
	if a.SubmittedAt == nil {
		return fmt.Errorf("application %d is a draft: %w", a.ID, kernel.ErrConflict)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return kernel.Invalid(fmt.Sprintf("reason_%d", lotID), "Enter the reason for your decision; the provider will see it")
	}
	status := "rejected"
	if admit {
		status = "admitted"
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Admission{}).Where("application_id = ? AND lot_id = ?", a.ID, lotID).
			Updates(map[string]any{"status": status, "reason": reason, "decided_by": kernel.NullID(by), "decided_at": s.Now()})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("lot %d is not in application %d: %w", lotID, a.ID, kernel.ErrNotFound)
		}
		if err := audit.New(tx).Record(ctx, "admission."+map[bool]string{true: "admit", false: "reject"}[admit], "application", fmt.Sprint(a.ID),
			map[string]any{"lot_id": lotID, "reason": reason}); err != nil {
			return err
		}
		f, err := s.frameworkIn(ctx, tx, a.FrameworkID)
		if err != nil {
			return err
		}
		lot := lotName(f, lotID)
		verb := map[bool]string{true: "admitted to", false: "not admitted to"}[admit]
		return s.mailProviderAdmins(ctx, tx, f.ConsortiumID, a.ProviderID, fmt.Sprintf("%s: you have been %s %s", f.Name, verb, lot),
			fmt.Sprintf("The consortium has decided on your application to %s.\n\nLot: %s\nDecision: %s\nReason: %s", f.Name, lot, verb, reason))
	})
}

// Suspend takes an admitted provider off a framework (its homes leave the board and its
// API tokens can no longer write); Reinstate undoes it.
func (s *Frameworks) Suspend(ctx context.Context, a Application, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return kernel.Invalid("reason", "Enter the reason for suspending the provider")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Application{}).Where("id = ?", a.ID).Updates(map[string]any{"suspended_at": s.Now(), "suspension_reason": reason}).Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "provider.suspend", "application", fmt.Sprint(a.ID), map[string]any{"provider_id": a.ProviderID, "reason": reason}); err != nil {
			return err
		}
		f, err := s.frameworkIn(ctx, tx, a.FrameworkID)
		if err != nil {
			return err
		}
		return s.mailProviderAdmins(ctx, tx, f.ConsortiumID, a.ProviderID, f.Name+": your organisation has been suspended",
			"The consortium has suspended your organisation from "+f.Name+".\n\nReason: "+reason+"\n\nYour homes are not shown to councils while you are suspended.")
	})
}

// Reinstate lifts a suspension.
func (s *Frameworks) Reinstate(ctx context.Context, a Application) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&Application{}).Where("id = ?", a.ID).Updates(map[string]any{"suspended_at": nil, "suspension_reason": nil}).Error; err != nil {
			return err
		}
		if err := audit.New(tx).Record(ctx, "provider.reinstate", "application", fmt.Sprint(a.ID), map[string]any{"provider_id": a.ProviderID}); err != nil {
			return err
		}
		f, err := s.frameworkIn(ctx, tx, a.FrameworkID)
		if err != nil {
			return err
		}
		return s.mailProviderAdmins(ctx, tx, f.ConsortiumID, a.ProviderID, f.Name+": your organisation has been reinstated",
			"The consortium has lifted your suspension from "+f.Name+".")
	})
}

// ActiveOnAnyFramework reports whether a provider is admitted to at least one lot of a
// framework and not suspended there: the test for writing vacancies.
func (s *Frameworks) ActiveOnAnyFramework(ctx context.Context, providerID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Table("framework_applications a").Joins("JOIN admissions ad ON ad.application_id = a.id").
		Where("a.provider_id = ? AND a.suspended_at IS NULL AND ad.status = 'admitted'", providerID).Count(&n).Error
	return n > 0, err
}

// AdmitOutright files a complete application from a provider to lots of a framework,
// with declarations d, and admits it to each lot for reason, step by step as a provider
// and an admin would: for setting up a world (the demo, the load test, tests) in which
// nobody applies by hand.
func (s *Frameworks) AdmitOutright(ctx context.Context, frameworkID, providerID int64, lotIDs []int64, d Declarations, reason string) (Application, error) {
	a, err := s.ApplicationFor(ctx, frameworkID, providerID)
	if err != nil {
		return a, err
	}
	if err := s.ChooseLots(ctx, a, lotIDs); err != nil {
		return a, err
	}
	if err := s.Declare(ctx, a, d); err != nil {
		return a, err
	}
	if a, err = s.Application(ctx, a.ID); err != nil {
		return a, err
	}
	if err := s.Submit(ctx, a); err != nil {
		return a, err
	}
	if a, err = s.Application(ctx, a.ID); err != nil {
		return a, err
	}
	for _, id := range lotIDs {
		if err := s.Decide(ctx, a, id, true, reason, 0); err != nil {
			return a, err
		}
	}
	return s.Application(ctx, a.ID)
}
