package frontend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
)

func (s *Server) signUpPage(c echo.Context) error {
	return s.page(c, http.StatusOK, "provider_sign_up", "Register your organisation", nil)
}

// signUp registers a provider organisation and its first administrator (see
// registerProvider). The page says to check email whether or not the email was taken.
func (s *Server) signUp(c echo.Context) error {
	var in commissioning.ProviderRegistration
	form, _, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	fe, err := s.registerProvider(c.Request().Context(), in, c.RealIP())
	if errors.Is(err, auth.ErrThrottled) {
		fe = kernel.FieldErrors{{Field: "admin_email", Message: msgSignUpThrottled}}
		return s.page(c, http.StatusTooManyRequests, "provider_sign_up", "Register your organisation", nil, withForm(form, fe))
	}
	if err != nil {
		return err
	}
	if fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "provider_sign_up", "Register your organisation", nil, withForm(form, fe))
	}
	return s.page(c, http.StatusOK, "provider_sign_up", "Check your email", map[string]any{"Sent": true, "Email": strings.TrimSpace(in.AdminEmail)})
}

var msgSignUpThrottled = "Too many registrations were tried with this email address or from this network. " + auth.RequestAdvice

// registerProvider registers a provider organisation and its first administrator
// (commissioning's RegisterProvider, in one transaction); the sign-up page and the API
// both call it. It returns every field error at once, or auth.ErrThrottled: sign-ups
// are limited per client address and per email, once the input is valid.
func (s *Server) registerProvider(ctx context.Context, in commissioning.ProviderRegistration, ip string) (kernel.FieldErrors, error) {
	if fe := withFormIDs(in.Validate(s.deps.Users), &in); fe != nil {
		return fe, nil
	}
	if err := s.deps.Users.AllowRequest(ctx, auth.RequestSignUp, in.AdminEmail, ip); err != nil {
		return nil, fmt.Errorf("sign up: %w", err)
	}
	var fe kernel.FieldErrors
	if err := s.deps.Frameworks.RegisterProvider(ctx, in, s.deps.Users); err != nil && !asFieldErrors(err, &fe) {
		return nil, err
	}
	return fe, nil
}

// providerFrameworks lists frameworks open for applications and the provider's own
// application to each.
func (s *Server) providerFrameworks(c echo.Context) error {
	ctx := c.Request().Context()
	fws, err := s.deps.Frameworks.Frameworks(ctx, 0)
	if err != nil {
		return err
	}
	type row struct {
		F      commissioning.Framework
		App    *commissioning.Application
		Status string
	}
	var rows []row
	for _, f := range fws {
		r := row{F: f, Status: "Not started"}
		a, err := s.deps.Frameworks.ExistingApplication(ctx, f.ID, currentOrg(c).ID)
		if err == nil {
			r.App = &a
			r.Status = applicationStatus(a)
		}
		if f.OpenForApplications || r.App != nil {
			rows = append(rows, r)
		}
	}
	return s.page(c, http.StatusOK, "provider_frameworks", "Frameworks", map[string]any{"Rows": rows})
}

func applicationStatus(a commissioning.Application) string {
	return applicationStatusLabels[applicationStatusCode(a)]
}

// applicationStatusLabels are the words the pages use for applicationStatusCode's codes.
var applicationStatusLabels = map[string]string{"in_progress": "In progress", "submitted": "Submitted", "admitted": "Admitted", "not_admitted": "Not admitted", "suspended": "Suspended"}

// applicationStatusCode is where an application stands, as a code (the API's word).
func applicationStatusCode(a commissioning.Application) string {
	switch {
	case a.SuspendedAt != nil:
		return "suspended"
	case a.SubmittedAt == nil:
		return "in_progress"
	}
	for _, ad := range a.Admissions {
		if ad.Admitted() {
			return "admitted"
		}
	}
	for _, ad := range a.Admissions {
		if ad.Requested() {
			return "submitted"
		}
	}
	return "not_admitted"
}

// application loads the provider's application to the framework in the URL.
func (s *Server) application(c echo.Context) (commissioning.Framework, commissioning.Application, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return commissioning.Framework{}, commissioning.Application{}, echo.ErrNotFound
	}
	ctx := c.Request().Context()
	f, err := s.deps.Frameworks.Framework(ctx, id)
	if err != nil {
		return f, commissioning.Application{}, err
	}
	if existing, err := s.deps.Frameworks.ExistingApplication(ctx, f.ID, currentOrg(c).ID); err == nil {
		return f, existing, nil
	}
	if !f.OpenForApplications {
		return f, commissioning.Application{}, echo.NewHTTPError(http.StatusForbidden, "This framework is closed for applications.")
	}
	a, err := s.deps.Frameworks.ApplicationFor(ctx, f.ID, currentOrg(c).ID)
	return f, a, err
}

func (s *Server) applyTasks(c echo.Context) error {
	f, a, err := s.application(c)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "apply_tasks", "Apply to "+f.Name, map[string]any{"F": f, "A": a, "Status": applicationStatus(a), "LotNames": lotNames(f)})
}

func lotNames(f commissioning.Framework) map[int64]string {
	m := map[int64]string{}
	for _, l := range f.Lots {
		m[l.ID] = l.Name
	}
	return m
}

func (s *Server) applyLotsPage(c echo.Context) error {
	f, a, err := s.application(c)
	if err != nil {
		return err
	}
	var ids []string
	for _, ad := range a.Admissions {
		ids = append(ids, strconv.FormatInt(ad.LotID, 10))
	}
	return s.page(c, http.StatusOK, "apply_lots", "Choose lots", map[string]any{"F": f}, withForm(map[string]string{"lot_ids": strings.Join(ids, ",")}, nil))
}

func (s *Server) applyLots(c echo.Context) error {
	f, a, err := s.application(c)
	if err != nil {
		return err
	}
	var in commissioning.LotChoice
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe == nil {
		if err := s.deps.Frameworks.ChooseLots(c.Request().Context(), a, in.LotIDs); err != nil && !asFieldErrors(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "apply_lots", "Choose lots", map[string]any{"F": f}, withForm(form, withFormIDs(fe, &in)))
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/provider/frameworks/%d/apply", f.ID))
}

func (s *Server) applyDeclarationsPage(c echo.Context) error {
	f, a, err := s.application(c)
	if err != nil {
		return err
	}
	form := map[string]string{}
	if a.OfstedRegistered != nil {
		form["ofsted_registered"] = map[bool]string{true: "yes", false: "no"}[*a.OfstedRegistered]
	}
	setDateParts(form, "insurance_expiry", a.InsuranceExpiry)
	setDateParts(form, "safeguarding_policy_date", a.SafeguardingPolicyDate)
	if a.ResponsibleIndividual != nil {
		form["responsible_individual"] = *a.ResponsibleIndividual
	}
	return s.page(c, http.StatusOK, "apply_declarations", "Declarations", map[string]any{"F": f}, withForm(form, nil))
}

func (s *Server) applyDeclarations(c echo.Context) error {
	f, a, err := s.application(c)
	if err != nil {
		return err
	}
	var in commissioning.DeclarationsInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe == nil {
		if err := s.deps.Frameworks.DeclareInput(c.Request().Context(), a, in); err != nil && !asFieldErrors(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "apply_declarations", "Declarations", map[string]any{"F": f}, withForm(form, withFormIDs(fe, &in)))
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/provider/frameworks/%d/apply", f.ID))
}

func (s *Server) applyCheck(c echo.Context) error {
	f, a, err := s.application(c)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "apply_check", "Check your answers", map[string]any{"F": f, "A": a, "LotNames": lotNames(f), "Profile": s.profile(c)})
}

func (s *Server) profile(c echo.Context) *commissioning.ProviderProfile {
	p, err := s.deps.Frameworks.Profile(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return nil
	}
	return &p
}

func (s *Server) applySubmit(c echo.Context) error {
	f, a, err := s.application(c)
	if err != nil {
		return err
	}
	if err := s.deps.Frameworks.Submit(c.Request().Context(), a); err != nil {
		var fe kernel.FieldErrors
		if !errors.As(err, &fe) {
			return err
		}
		return s.page(c, http.StatusUnprocessableEntity, "apply_check", "Check your answers", map[string]any{"F": f, "A": a, "LotNames": lotNames(f), "Profile": s.profile(c)}, withForm(nil, fe))
	}
	s.flash(c, "Your application has been submitted")
	return c.Redirect(http.StatusSeeOther, "/provider/frameworks")
}
