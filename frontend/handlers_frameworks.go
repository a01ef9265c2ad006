package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace"
)

// consortiumFramework loads the framework in the URL if it belongs to the admin's
// consortium (another consortium's is refused).
func (s *Server) consortiumFramework(c echo.Context, param string) (marketplace.Framework, error) {
	id, err := strconv.ParseInt(c.Param(param), 10, 64)
	if err != nil {
		return marketplace.Framework{}, echo.ErrNotFound
	}
	f, err := s.deps.Market.Framework(c.Request().Context(), id)
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
	fws, total, err := s.deps.Market.FrameworksPage(c.Request().Context(), currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "admin_frameworks", "Frameworks", map[string]any{"Frameworks": fws, "Pager": pg.counted(c, total)})
}

func termsForm(f marketplace.Framework) map[string]string {
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

// parseTerms reads the framework terms form, reporting numbers that are not numbers.
func parseTerms(form map[string]string) (marketplace.FrameworkTerms, kernel.FieldErrors) {
	var fe kernel.FieldErrors
	num := func(field string) int {
		n, err := strconv.Atoi(form[field])
		if err != nil {
			fe.Add(field, "Enter a whole number")
		}
		return n
	}
	t := marketplace.FrameworkTerms{Name: form["name"], OpenForApplications: form["open"] == "yes",
		WeightPrice: num("weight_price"), WeightQuality: num("weight_quality"), WeightDistance: num("weight_distance"), WeightFit: num("weight_fit"), LevyBPS: num("levy_bps")}
	if v := strings.TrimSpace(form["distant_miles"]); v == "" {
		t.NoDistancePolicy = true
	} else if m, err := strconv.ParseFloat(v, 64); err != nil || m <= 0 {
		fe.Add("distant_miles", "Distance policy must be a number of miles more than 0, like 20, or empty for none")
	} else {
		t.DistantMiles = m
	}
	if fe == nil {
		if err := t.Validate(); err != nil {
			errors.As(err, &fe)
		}
	}
	return t, fe
}

func (s *Server) newFrameworkPage(c echo.Context) error {
	return s.page(c, http.StatusOK, "admin_framework_new", "New framework", nil,
		withForm(map[string]string{"open": "yes", "weight_price": "40", "weight_quality": "30", "weight_distance": "20", "weight_fit": "10", "levy_bps": "150", "distant_miles": "20"}, nil), withBack())
}

func (s *Server) newFramework(c echo.Context) error {
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	t, fe := parseTerms(form)
	if fe == nil {
		f, err := s.deps.Market.CreateFramework(c.Request().Context(), currentOrg(c).ID, t)
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

func (s *Server) renderFramework(c echo.Context, f marketplace.Framework, status int, form map[string]string, fe kernel.FieldErrors) error {
	apps, err := s.deps.Market.Applications(c.Request().Context(), f.ID)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, a := range apps {
		if o, err := s.deps.Orgs.Organisation(c.Request().Context(), a.ProviderID); err == nil {
			names[a.ProviderID] = o.Name
		}
	}
	if _, ok := form["placement_type"]; !ok {
		for k, v := range map[string]string{"placement_type": "residential"} {
			form[k] = v
		}
	}
	return s.page(c, status, "admin_framework", f.Name, map[string]any{"F": f, "Apps": apps, "Names": names, "Types": options(marketplace.PlacementTypes), "Tiers": marketplace.Tiers,
		"TypeLabel": func(code string) string { return kernel.Label(marketplace.PlacementTypes, code) }}, withForm(form, fe))
}

func (s *Server) updateFramework(c echo.Context) error {
	f, err := s.consortiumFramework(c, "id")
	if err != nil {
		return err
	}
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	t, fe := parseTerms(form)
	if fe == nil {
		if err := s.deps.Market.UpdateFramework(c.Request().Context(), f.ID, t); err != nil && !asFieldErrors(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.renderFramework(c, f, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "The framework's terms have been saved")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/frameworks/%d", f.ID))
}

func (s *Server) addLot(c echo.Context) error {
	f, err := s.consortiumFramework(c, "id")
	if err != nil {
		return err
	}
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	ceilings, fe := parseCeilings(form, "")
	if fe == nil {
		_, err := s.deps.Market.AddLot(c.Request().Context(), f.ID, marketplace.NewLot{Code: form["code"], Name: form["lot_name"], PlacementType: form["placement_type"], Ceilings: ceilings})
		if err != nil && !asFieldErrors(err, &fe) {
			return err
		}
		for i := range fe {
			if fe[i].Field == "name" {
				fe[i].Field = "lot_name"
			}
		}
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

// parseCeilings reads ceiling_<tier> fields (pounds) into pence; prefix scopes the
// field names to one form on the page.
func parseCeilings(form map[string]string, prefix string) (map[string]kernel.Pence, kernel.FieldErrors) {
	var fe kernel.FieldErrors
	ceilings := map[string]kernel.Pence{}
	for _, t := range marketplace.Tiers {
		field := prefix + "ceiling_" + t.Code
		if v := strings.TrimSpace(form[field]); v != "" {
			p, err := kernel.ParsePounds(v)
			if err != nil {
				fe.Add(field, "Enter the weekly ceiling in pounds, like 5,250")
			}
			ceilings[t.Code] = p
		}
	}
	return ceilings, fe
}

// setCeilings changes the weekly price ceilings of one of the framework's lots.
func (s *Server) setCeilings(c echo.Context) error {
	f, err := s.consortiumFramework(c, "id")
	if err != nil {
		return err
	}
	lotID, err := strconv.ParseInt(c.Param("lot"), 10, 64)
	if err != nil || lotNames(f)[lotID] == "" {
		return echo.ErrNotFound
	}
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	prefix := fmt.Sprintf("lot%d_", lotID)
	ceilings, fe := parseCeilings(form, prefix)
	if fe == nil {
		if len(ceilings) == 0 {
			fe.Add(prefix+"ceiling_standard", "Enter at least one weekly ceiling")
		} else if err := s.deps.Market.SetCeilings(c.Request().Context(), lotID, ceilings); err != nil {
			if !asFieldErrors(err, &fe) {
				return err
			}
			for i := range fe {
				fe[i].Field = prefix + fe[i].Field
			}
		}
	}
	if fe != nil {
		for k, v := range termsForm(f) {
			form[k] = v
		}
		return s.renderFramework(c, f, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "The ceilings of "+lotNames(f)[lotID]+" have been saved")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/frameworks/%d", f.ID))
}

// reviewedApplication loads an application to one of the admin's frameworks.
func (s *Server) reviewedApplication(c echo.Context) (marketplace.Framework, marketplace.Application, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return marketplace.Framework{}, marketplace.Application{}, echo.ErrNotFound
	}
	a, err := s.deps.Market.Application(c.Request().Context(), id)
	if err != nil {
		return marketplace.Framework{}, a, err
	}
	f, err := s.deps.Market.Framework(c.Request().Context(), a.FrameworkID)
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

func (s *Server) renderApplication(c echo.Context, f marketplace.Framework, a marketplace.Application, status int, form map[string]string, fe kernel.FieldErrors) error {
	ctx := c.Request().Context()
	org, err := s.deps.Orgs.Organisation(ctx, a.ProviderID)
	if err != nil {
		return err
	}
	prof, _ := s.deps.Market.Profile(ctx, a.ProviderID)
	return s.page(c, status, "admin_application", org.Name, map[string]any{"F": f, "A": a, "Org": org, "Profile": prof, "LotNames": lotNames(f), "Status": applicationStatus(a)}, withForm(form, fe))
}

// decide admits or rejects one lot, then emails the provider's administrators.
func (s *Server) decide(c echo.Context) error {
	f, a, err := s.reviewedApplication(c)
	if err != nil {
		return err
	}
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	lotID, _ := strconv.ParseInt(form["lot_id"], 10, 64)
	var fe kernel.FieldErrors
	decision := form["decision_"+form["lot_id"]]
	if decision != "admit" && decision != "reject" {
		fe.Add("decision_"+form["lot_id"], "Select admit or reject")
	} else if err := s.decideLot(c, a, lotID, decision == "admit", form[fmt.Sprintf("reason_%d", lotID)]); err != nil && !asFieldErrors(err, &fe) {
		return err
	}
	if fe != nil {
		return s.renderApplication(c, f, a, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "Your decision on "+lotNames(f)[lotID]+" has been recorded and the provider emailed")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/applications/%d", a.ID))
}

// decideLot admits or rejects one lot of an application; the service emails the
// provider's administrators the decision and its reason (the page and the API both call it).
func (s *Server) decideLot(c echo.Context, a marketplace.Application, lotID int64, admit bool, reason string) error {
	u, _ := currentUser(c)
	return s.deps.Market.Decide(c.Request().Context(), a, lotID, admit, reason, u.ID)
}

func (s *Server) suspend(c echo.Context) error {
	f, a, err := s.reviewedApplication(c)
	if err != nil {
		return err
	}
	form, err := bindForm(c, &struct{}{})
	if err != nil {
		return err
	}
	if err := s.deps.Market.Suspend(c.Request().Context(), a, form["reason"]); err != nil {
		var fe kernel.FieldErrors
		if !errors.As(err, &fe) {
			return err
		}
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
	if err := s.deps.Market.Reinstate(c.Request().Context(), a); err != nil {
		return err
	}
	s.flash(c, "The provider has been reinstated")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/applications/%d", a.ID))
}
