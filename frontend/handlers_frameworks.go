package frontend

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// consortiumFramework loads the framework in the URL if it belongs to the admin's
// consortium (another consortium's is refused).
func (s *Server) consortiumFramework(c echo.Context, param string) (commissioning.Framework, error) {
	id, err := strconv.ParseInt(c.Param(param), 10, 64)
	if err != nil {
		return commissioning.Framework{}, echo.ErrNotFound
	}
	f, err := s.deps.Frameworks.Framework(c.Request().Context(), id)
	if err != nil {
		return f, err
	}
	if f.ConsortiumID != currentOrg(c).ID {
		return f, echo.NewHTTPError(http.StatusForbidden, "That framework belongs to another consortium.")
	}
	return f, nil
}

func (s *Server) adminFrameworks(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	fws, total, err := s.deps.Frameworks.FrameworksPage(c.Request().Context(), currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "admin_frameworks", "Frameworks", map[string]any{"Frameworks": fws, "Pager": pg.counted(c, total)})
}

func termsForm(f commissioning.Framework) map[string]string {
	open := "no"
	if f.OpenForApplications {
		open = "yes"
	}
	return map[string]string{"name": f.Name, "open": open, "weight_price": strconv.Itoa(f.WeightPrice), "weight_quality": strconv.Itoa(f.WeightQuality),
		"weight_distance": strconv.Itoa(f.WeightDistance), "weight_fit": strconv.Itoa(f.WeightFit), "levy_bps": strconv.Itoa(f.LevyBPS), "distant_miles": milesField(f.DistantMiles)}
}

func milesField(m *float64) string {
	if m == nil {
		return ""
	}
	return strconv.FormatFloat(*m, 'f', -1, 64)
}

// termsInput is the framework terms form. Every number is required (zero is a weight);
// an empty distance policy is none.
type termsInput struct {
	Name           string   `form:"name" json:"name"`
	Open           bool     `form:"open" json:"open_for_applications"`
	WeightPrice    *int     `form:"weight_price" json:"weight_price" validate:"required" msg:"*=Enter a whole number"`
	WeightQuality  *int     `form:"weight_quality" json:"weight_quality" validate:"required" msg:"*=Enter a whole number"`
	WeightDistance *int     `form:"weight_distance" json:"weight_distance" validate:"required" msg:"*=Enter a whole number"`
	WeightFit      *int     `form:"weight_fit" json:"weight_fit" validate:"required" msg:"*=Enter a whole number"`
	LevyBPS        *int     `form:"levy_bps" json:"levy_bps" validate:"required" msg:"*=Enter a whole number"`
	DistantMiles   *float64 `form:"distant_miles" json:"distant_miles" validate:"omitempty,gt=0" msg:"*=Distance policy must be a number of miles more than 0, like 20, or empty for none"`
}

// terms are the terms in, once decodeForm has passed them; the service's rules follow.
func (in termsInput) terms() commissioning.FrameworkTerms {
	n := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	t := commissioning.FrameworkTerms{Name: in.Name, OpenForApplications: in.Open, WeightPrice: n(in.WeightPrice), WeightQuality: n(in.WeightQuality),
		WeightDistance: n(in.WeightDistance), WeightFit: n(in.WeightFit), LevyBPS: n(in.LevyBPS), NoDistancePolicy: in.DistantMiles == nil}
	if in.DistantMiles != nil {
		t.DistantMiles = *in.DistantMiles
	}
	return t
}

// readTerms decodes the terms form and checks the terms, every problem at once.
func (s *Server) readTerms(c echo.Context) (commissioning.FrameworkTerms, map[string]string, kernel.FieldErrors, error) {
	var in termsInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil || fe != nil {
		return commissioning.FrameworkTerms{}, form, fe, err
	}
	t := in.terms()
	if err := t.Validate(); err != nil && !asFieldErrors(err, &fe) {
		return t, form, nil, err
	}
	return t, form, fe, nil
}

func (s *Server) newFrameworkPage(c echo.Context) error {
	return s.page(c, http.StatusOK, "admin_framework_new", "New framework", nil,
		withForm(map[string]string{"open": "yes", "weight_price": "40", "weight_quality": "30", "weight_distance": "20", "weight_fit": "10", "levy_bps": "150", "distant_miles": "20"}, nil), withBack())
}

func (s *Server) newFramework(c echo.Context) error {
	t, form, fe, err := s.readTerms(c)
	if err != nil {
		return err
	}
	if fe == nil {
		f, err := s.deps.Frameworks.CreateFramework(c.Request().Context(), currentOrg(c).ID, t)
		if err == nil {
			s.flash(c, f.Name+" has been created. Now add its lots.")
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/frameworks/%d", f.ID))
		}
		if !asFieldErrors(err, &fe) {
			return err
		}
	}
	return s.page(c, http.StatusUnprocessableEntity, "admin_framework_new", "New framework", nil, withForm(form, fe), withBack())
}

func (s *Server) frameworkPage(c echo.Context) error {
	f, err := s.consortiumFramework(c, "id")
	if err != nil {
		return err
	}
	return s.renderFramework(c, f, http.StatusOK, termsForm(f), nil)
}

func (s *Server) renderFramework(c echo.Context, f commissioning.Framework, status int, shown map[string]string, fe kernel.FieldErrors) error {
	apps, err := s.deps.Frameworks.Applications(c.Request().Context(), f.ID)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, a := range apps {
		if o, err := s.deps.Orgs.Organisation(c.Request().Context(), a.ProviderID); err == nil {
			names[a.ProviderID] = o.Name
		}
	}
	if _, ok := shown["placement_type"]; !ok {
		shown["placement_type"] = "residential" // the add-a-lot form's default
	}
	return s.page(c, status, "admin_framework", f.Name, map[string]any{"F": f, "Apps": apps, "Names": names, "Types": options(marketplace.PlacementTypes), "Tiers": marketplace.Tiers,
		"TypeLabel": func(code string) string { return kernel.Label(marketplace.PlacementTypes, code) }}, withForm(shown, fe))
}

func (s *Server) updateFramework(c echo.Context) error {
	f, err := s.consortiumFramework(c, "id")
	if err != nil {
		return err
	}
	t, form, fe, err := s.readTerms(c)
	if err != nil {
		return err
	}
	if fe == nil {
		if err := s.deps.Frameworks.UpdateFramework(c.Request().Context(), f.ID, t); err != nil && !asFieldErrors(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.renderFramework(c, f, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "The framework's terms have been saved")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/frameworks/%d", f.ID))
}

// lotInput is the add-a-lot form (its ceilings are a ceilingsInput).
type lotInput struct {
	Code          string `form:"code" json:"code"`
	Name          string `form:"lot_name" json:"name"`
	PlacementType string `form:"placement_type" json:"placement_type"`
}

// ceilingsInput is a lot's weekly ceilings, one per needs tier (marketplace.Tiers), in
// pounds; an empty one is a tier the lot does not price.
type ceilingsInput struct {
	Standard   kernel.Pence `form:"ceiling_standard,pounds" json:"ceiling_standard"`
	Complex    kernel.Pence `form:"ceiling_complex,pounds" json:"ceiling_complex"`
	Specialist kernel.Pence `form:"ceiling_specialist,pounds" json:"ceiling_specialist"`
}

// ceilings are the tiers priced, by tier code.
func (in ceilingsInput) ceilings() map[string]kernel.Pence {
	out := map[string]kernel.Pence{}
	for tier, p := range map[string]kernel.Pence{"standard": in.Standard, "complex": in.Complex, "specialist": in.Specialist} {
		if p != 0 {
			out[tier] = p
		}
	}
	return out
}

func (s *Server) addLot(c echo.Context) error {
	f, err := s.consortiumFramework(c, "id")
	if err != nil {
		return err
	}
	var in lotInput
	var ceil ceilingsInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	_, cfe, err := s.decodeForm(c, &ceil)
	if err != nil {
		return err
	}
	if fe = append(fe, cfe...); fe == nil {
		_, err := s.deps.Frameworks.AddLot(c.Request().Context(), f.ID, commissioning.NewLot{Code: in.Code, Name: in.Name, PlacementType: in.PlacementType, Ceilings: ceil.ceilings()})
		if err != nil && !asFieldErrors(err, &fe) {
			return err
		}
		fe = withFormIDs(fe, &in)
	}
	if fe != nil {
		for k, v := range termsForm(f) {
			form[k] = v
		}
		return s.renderFramework(c, f, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "The lot has been added")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/frameworks/%d", f.ID))
}

// setCeilings changes the weekly price ceilings of one of the framework's lots. The
// page has a form per lot: its fields end in the lot's id.
func (s *Server) setCeilings(c echo.Context) error {
	f, err := s.consortiumFramework(c, "id")
	if err != nil {
		return err
	}
	lotID, err := strconv.ParseInt(c.Param("lot"), 10, 64)
	if err != nil || lotNames(f)[lotID] == "" {
		return echo.ErrNotFound
	}
	sfx := "_" + c.Param("lot")
	var in ceilingsInput
	form, fe, err := s.decodeFormSuffixed(c, &in, sfx)
	if err != nil {
		return err
	}
	if fe == nil {
		if ceilings := in.ceilings(); len(ceilings) == 0 {
			fe = kernel.FieldErrors{{Field: "ceiling_standard", FormID: "ceiling_standard" + sfx, Message: "Enter at least one weekly ceiling"}}
		} else if err := s.deps.Frameworks.SetCeilings(c.Request().Context(), lotID, ceilings); err != nil {
			if !asFieldErrors(err, &fe) {
				return err
			}
			fe = withFormIDsSuffixed(fe, &in, sfx)
		}
	}
	if fe != nil {
		// The page also has the add-a-lot form's ceilings: name each error by its element only.
		for i := range fe {
			fe[i].Field = fe[i].ID()
		}
		for k, v := range termsForm(f) {
			form[k] = v
		}
		return s.renderFramework(c, f, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "The ceilings of "+lotNames(f)[lotID]+" have been saved")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/frameworks/%d", f.ID))
}

// reviewedApplication loads an application to one of the admin's frameworks.
func (s *Server) reviewedApplication(c echo.Context) (commissioning.Framework, commissioning.Application, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return commissioning.Framework{}, commissioning.Application{}, echo.ErrNotFound
	}
	a, err := s.deps.Frameworks.Application(c.Request().Context(), id)
	if err != nil {
		return commissioning.Framework{}, a, err
	}
	f, err := s.deps.Frameworks.Framework(c.Request().Context(), a.FrameworkID)
	if err != nil {
		return f, a, err
	}
	if f.ConsortiumID != currentOrg(c).ID {
		return f, a, echo.NewHTTPError(http.StatusForbidden, "That application is to another consortium's framework.")
	}
	return f, a, nil
}

func (s *Server) applicationPage(c echo.Context) error {
	f, a, err := s.reviewedApplication(c)
	if err != nil {
		return err
	}
	return s.renderApplication(c, f, a, http.StatusOK, nil, nil)
}

func (s *Server) renderApplication(c echo.Context, f commissioning.Framework, a commissioning.Application, status int, form map[string]string, fe kernel.FieldErrors) error {
	ctx := c.Request().Context()
	org, err := s.deps.Orgs.Organisation(ctx, a.ProviderID)
	if err != nil {
		return err
	}
	prof, _ := s.deps.Frameworks.Profile(ctx, a.ProviderID)
	return s.page(c, status, "admin_application", org.Name, map[string]any{"F": f, "A": a, "Org": org, "Profile": prof, "LotNames": lotNames(f), "Status": applicationStatus(a)}, withForm(form, fe))
}

// decide admits or rejects one lot, then emails the provider's administrators. The
// page has a form per lot: its fields end in the lot's id, which the form also carries.
func (s *Server) decide(c echo.Context) error {
	f, a, err := s.reviewedApplication(c)
	if err != nil {
		return err
	}
	var which struct {
		LotID int64 `form:"lot_id" json:"lot_id"`
	}
	if _, fe, err := s.decodeForm(c, &which); err != nil || fe != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	sfx := fmt.Sprintf("_%d", which.LotID)
	in := commissioning.AdmissionDecision{LotIDs: []int64{which.LotID}}
	form, fe, err := s.decodeFormSuffixed(c, &in, sfx)
	if err != nil {
		return err
	}
	if fe == nil {
		u, _ := currentUser(c)
		if err := s.deps.Frameworks.DecideInput(c.Request().Context(), a, in, u.ID); err != nil && !asFieldErrors(err, &fe) {
			return err
		}
		fe = withFormIDsSuffixed(fe, &in, sfx)
	}
	if fe != nil {
		// The page also has the suspension's reason: name each error by its element only.
		for i := range fe {
			fe[i].Field = fe[i].ID()
		}
		return s.renderApplication(c, f, a, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "Your decision on "+lotNames(f)[which.LotID]+" has been recorded and the provider emailed")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/applications/%d", a.ID))
}

func (s *Server) suspend(c echo.Context) error {
	f, a, err := s.reviewedApplication(c)
	if err != nil {
		return err
	}
	var in commissioning.Suspension
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe == nil {
		if err := s.deps.Frameworks.Suspend(c.Request().Context(), a, in.Reason); err != nil && !asFieldErrors(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.renderApplication(c, f, a, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "The provider has been suspended")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/applications/%d", a.ID))
}

func (s *Server) reinstate(c echo.Context) error {
	_, a, err := s.reviewedApplication(c)
	if err != nil {
		return err
	}
	if err := s.deps.Frameworks.Reinstate(c.Request().Context(), a); err != nil {
		return err
	}
	s.flash(c, "The provider has been reinstated")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/applications/%d", a.ID))
}
