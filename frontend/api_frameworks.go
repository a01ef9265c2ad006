package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

// The frameworks API: the consortium admin's frameworks, applications and decisions,
// billing contacts; providers' registration, applications and homes. Each handler
// calls the same domain functions as the matching page.

func toAPIFramework(f commissioning.Framework) apitypes.Framework {
	out := apitypes.Framework{Id: f.ID, ConsortiumId: f.ConsortiumID, Name: f.Name, OpenForApplications: f.OpenForApplications,
		Weights: apitypes.FrameworkWeights{Price: f.WeightPrice, Quality: f.WeightQuality, Distance: f.WeightDistance, Fit: f.WeightFit},
		LevyBps: f.LevyBPS, DistantMiles: f.DistantMiles, Lots: []apitypes.Lot{}}
	for _, l := range f.Lots {
		al := apitypes.Lot{Id: l.ID, Code: l.Code, Name: l.Name, PlacementType: l.PlacementType, Ceilings: []apitypes.Ceiling{}}
		for _, t := range l.Tiers {
			al.Ceilings = append(al.Ceilings, apitypes.Ceiling{Tier: t.Tier, CeilingPence: int64(t.CeilingPence)})
		}
		out.Lots = append(out.Lots, al)
	}
	return out
}

func toAPIApplication(f commissioning.Framework, a commissioning.Application, provider string) apitypes.Application {
	codes := map[int64]string{}
	for _, l := range f.Lots {
		codes[l.ID] = l.Code
	}
	out := apitypes.Application{Id: a.ID, FrameworkId: a.FrameworkID, Provider: apitypes.ProviderRef{Id: a.ProviderID, Name: provider},
		Status: apitypes.ApplicationStatus(applicationStatusCode(a)), OfstedRegistered: a.OfstedRegistered, InsuranceExpiry: apiDateOrNil(a.InsuranceExpiry),
		SafeguardingPolicyDate: apiDateOrNil(a.SafeguardingPolicyDate), ResponsibleIndividual: a.ResponsibleIndividual, SubmittedAt: a.SubmittedAt,
		SuspendedAt: a.SuspendedAt, Lots: []apitypes.Admission{}}
	for _, ad := range a.Admissions {
		out.Lots = append(out.Lots, apitypes.Admission{LotId: ad.LotID, LotCode: codes[ad.LotID], Status: apitypes.AdmissionStatus(ad.Status), Reason: ad.Reason,
			DecidedAt: ad.DecidedAt})
	}
	return out
}

// visibleFrameworks are the frameworks the caller may read: a consortium admin its
// consortium's; a provider those it has applied to and those open for applications
// (as the provider's frameworks page lists them), each with its own application.
func (s *Server) visibleFrameworks(c echo.Context) ([]apitypes.Framework, error) {
	ctx := c.Request().Context()
	org := currentOrg(c)
	if u, _ := currentUser(c); u.Role == kernel.RoleConsortiumAdmin {
		fws, err := s.deps.Frameworks.Frameworks(ctx, org.ID)
		if err != nil {
			return nil, err
		}
		out := make([]apitypes.Framework, 0, len(fws))
		for _, f := range fws {
			out = append(out, toAPIFramework(f))
		}
		return out, nil
	}
	fws, err := s.deps.Frameworks.Frameworks(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := []apitypes.Framework{}
	for _, f := range fws {
		a, err := s.deps.Frameworks.ExistingApplication(ctx, f.ID, org.ID)
		switch {
		case err == nil:
			af := toAPIFramework(f)
			app := toAPIApplication(f, a, org.Name)
			af.Application = &app
			out = append(out, af)
		case !errors.Is(err, kernel.ErrNotFound):
			return nil, err
		case f.OpenForApplications:
			out = append(out, toAPIFramework(f))
		}
	}
	return out, nil
}

func (s *Server) apiFrameworks(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	all, err := s.visibleFrameworks(c)
	if err != nil {
		return err
	}
	pg = pg.counted(c, int64(len(all)))
	return c.JSON(http.StatusOK, apitypes.ListFrameworksResponse{Frameworks: window(pg, all), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()})
}

// apiFramework shows one framework the caller may read; any other is a 404, so that
// another consortium's frameworks cannot be told from missing ones.
func (s *Server) apiFramework(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	all, err := s.visibleFrameworks(c)
	if err != nil {
		return err
	}
	for _, f := range all {
		if f.Id == id {
			return c.JSON(http.StatusOK, f)
		}
	}
	return fmt.Errorf("framework %d: %w", id, kernel.ErrNotFound)
}

// applicationStatuses are the codes GET /api/v1/applications?status= accepts.
var applicationStatuses = []string{"in_progress", "submitted", "admitted", "not_admitted", "suspended"}

// apiApplications lists the applications to the admin's consortium's frameworks,
// optionally only those with one status.
func (s *Server) apiApplications(c echo.Context) error {
	ctx := c.Request().Context()
	status := c.QueryParam("status")
	if status != "" && applicationStatusLabels[status] == "" {
		return kernel.Invalid("status", "status must be one of "+strings.Join(applicationStatuses, ", "))
	}
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	fws, err := s.deps.Frameworks.Frameworks(ctx, currentOrg(c).ID)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	all := []apitypes.Application{}
	for _, f := range fws {
		apps, err := s.deps.Frameworks.Applications(ctx, f.ID)
		if err != nil {
			return err
		}
		for _, a := range apps {
			if status != "" && applicationStatusCode(a) != status {
				continue
			}
			if _, ok := names[a.ProviderID]; !ok {
				if o, err := s.deps.Orgs.Organisation(ctx, a.ProviderID); err == nil {
					names[a.ProviderID] = o.Name
				}
			}
			all = append(all, toAPIApplication(f, a, names[a.ProviderID]))
		}
	}
	pg = pg.counted(c, int64(len(all)))
	return c.JSON(http.StatusOK, apitypes.ListApplicationsResponse{Applications: window(pg, all), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total),
		Next: pg.next()})
}

// apiDecideApplication admits the application to, or rejects it from, the lots named,
// with one reason the provider is emailed. Another consortium's application is a 404.
func (s *Server) apiDecideApplication(c echo.Context) error {
	f, a, err := s.reviewedApplication(c)
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code == http.StatusForbidden {
		return fmt.Errorf("application %s: %w", c.Param("id"), kernel.ErrNotFound)
	}
	if err != nil {
		return err
	}
	var in commissioning.AdmissionDecision
	if err := readJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	if err := s.deps.Frameworks.DecideInput(c.Request().Context(), a, in, u.ID); err != nil {
		return err
	}
	a, err = s.deps.Frameworks.Application(c.Request().Context(), a.ID)
	if err != nil {
		return err
	}
	org, err := s.deps.Orgs.Organisation(c.Request().Context(), a.ProviderID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIApplication(f, a, org.Name))
}

// apiSuspend suspends an admitted provider from the framework of one of the admin's
// applications; the service emails the provider's administrators, as from the page.
func (s *Server) apiSuspend(c echo.Context) error {
	return s.apiSuspension(c, func(ctx context.Context, a commissioning.Application) error {
		var in commissioning.Suspension
		if err := s.decodeJSON(c, &in); err != nil {
			return err
		}
		return s.deps.Frameworks.Suspend(ctx, a, in.Reason)
	})
}

// apiReinstate lifts a suspension; the service emails the provider's administrators.
func (s *Server) apiReinstate(c echo.Context) error {
	return s.apiSuspension(c, s.deps.Frameworks.Reinstate)
}

// apiSuspension loads one of the admin's applications (another consortium's is a 404),
// applies change and answers with the application as it now is.
func (s *Server) apiSuspension(c echo.Context, change func(context.Context, commissioning.Application) error) error {
	f, a, err := s.reviewedApplication(c)
	var he *echo.HTTPError
	if errors.As(err, &he) && he.Code == http.StatusForbidden {
		return fmt.Errorf("application %s: %w", c.Param("id"), kernel.ErrNotFound)
	}
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := change(ctx, a); err != nil {
		return err
	}
	if a, err = s.deps.Frameworks.Application(ctx, a.ID); err != nil {
		return err
	}
	org, err := s.deps.Orgs.Organisation(ctx, a.ProviderID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIApplication(f, a, org.Name))
}

// apiSetBillingContact sets where a member council's invoices go. A council outside
// the admin's consortium is a 404.
func (s *Server) apiSetBillingContact(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("council_id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	ctx := c.Request().Context()
	member, err := s.memberCouncil(ctx, currentOrg(c).ID, id)
	if err != nil {
		return err
	}
	if !member {
		return fmt.Errorf("council %d: %w", id, kernel.ErrNotFound)
	}
	in := billing.ContactInput{CouncilID: id}
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	email := in.Email()
	if err := s.deps.Billing.SetBillingContact(ctx, id, email); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitypes.BillingContact{CouncilId: id, BillingEmail: email})
}

// apiRegisterProvider registers a provider organisation and its administrator, as the
// sign-up page does: it answers the same whether or not the email already has an
// account (the mail says which), so it is 202 with no Location either way.
func (s *Server) apiRegisterProvider(c echo.Context) error {
	var in commissioning.ProviderRegistration
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return badJSON(err)
	}
	fe, err := s.registerProvider(c.Request().Context(), in, c.RealIP())
	if err != nil {
		return err
	}
	if fe != nil {
		return fe
	}
	return c.JSON(http.StatusAccepted, apitypes.Accepted{Message: "Check your email: if the organisation could be registered, " + strings.TrimSpace(in.AdminEmail) +
		" has been sent how to sign in."})
}

// apiApply files and submits the provider's application to a framework: its lots and
// declarations, as the apply pages take them, then the submission, all or nothing.
func (s *Server) apiApply(c echo.Context) error {
	f, a, err := s.application(c)
	if err != nil {
		return err
	}
	var in commissioning.ApplicationInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.deps.Frameworks.Apply(ctx, a, in); err != nil {
		return err
	}
	a, err = s.deps.Frameworks.Application(ctx, a.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/frameworks/%d", f.ID))
	return c.JSON(http.StatusCreated, toAPIApplication(f, a, currentOrg(c).Name))
}

// homeRequest is a home as the API takes it: marketplace.ParseHome reads it, as it
// reads the home form.
type homeRequest struct {
	Name             string   `json:"name"`
	OfstedURN        string   `json:"ofsted_urn"`
	HomeType         string   `json:"home_type"`
	OfstedRating     string   `json:"ofsted_rating"`
	InspectionDate   *string  `json:"inspection_date"`
	RegisteredPlaces int      `json:"registered_places"`
	MinAge           int      `json:"min_age"`
	MaxAge           int      `json:"max_age"`
	Sexes            string   `json:"sexes"`
	Postcode         string   `json:"postcode"`
	Needs            []string `json:"needs"`
	LotIDs           []int64  `json:"lot_ids"`
	Version          int      `json:"version"`
	// The contact fields are optional: left out of a change, they keep their values.
	Address      *string `json:"address"`
	ManagerName  *string `json:"manager_name"`
	ManagerPhone *string `json:"manager_phone"`
	ManagerEmail *string `json:"manager_email"`
}

// saveAPIHome creates (id 0) or changes one of the provider's homes.
func (s *Server) saveAPIHome(c echo.Context, id int64) (marketplace.Home, error) {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	var req homeRequest
	if err := dec.Decode(&req); err != nil {
		return marketplace.Home{}, badJSON(err)
	}
	ctx := c.Request().Context()
	lotMap, _, err := s.deps.Market.AdmittedLots(ctx, currentOrg(c).ID)
	if err != nil {
		return marketplace.Home{}, err
	}
	in := marketplace.HomeInput{Name: req.Name, OfstedURN: req.OfstedURN, HomeType: req.HomeType, OfstedRating: req.OfstedRating,
		RegisteredPlaces: strconv.Itoa(req.RegisteredPlaces), MinAge: strconv.Itoa(req.MinAge), MaxAge: strconv.Itoa(req.MaxAge), Sexes: req.Sexes,
		Postcode: req.Postcode, Needs: req.Needs}
	if req.InspectionDate != nil {
		in.InspectionDate = *req.InspectionDate
	}
	for _, l := range req.LotIDs {
		in.Lots = append(in.Lots, strconv.FormatInt(l, 10))
	}
	var cur marketplace.Home
	if id != 0 {
		if cur, err = s.deps.Market.ProviderHome(ctx, currentOrg(c).ID, id); err != nil {
			return cur, err
		}
	}
	for _, v := range []struct {
		dst *string
		in  *string
		cur string
	}{{&in.Address, req.Address, cur.Address}, {&in.ManagerName, req.ManagerName, cur.ManagerName}, {&in.ManagerPhone, req.ManagerPhone, cur.ManagerPhone}, {&in.ManagerEmail, req.ManagerEmail, cur.ManagerEmail}} {
		*v.dst = v.cur
		if v.in != nil {
			*v.dst = *v.in
		}
	}
	f, fe := marketplace.ParseHome(in, lotMap, s.today())
	for i := range fe {
		if fe[i].Field == "lots" {
			fe[i].Field = "lot_ids"
		}
	}
	if fe != nil {
		return marketplace.Home{}, fe
	}
	h, err := s.deps.Market.SaveHome(ctx, currentOrg(c).ID, id, req.Version, f)
	if errors.Is(err, marketplace.ErrStale) {
		return h, echo.NewHTTPError(http.StatusConflict, "Someone else changed this home since the version you sent; read it again and resend your changes.")
	}
	if err != nil {
		return h, err
	}
	return s.deps.Market.Home(ctx, h.ID)
}

func (s *Server) apiCreateHome(c echo.Context) error {
	h, err := s.saveAPIHome(c, 0)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/homes/%d", h.ID))
	return c.JSON(http.StatusCreated, toAPIHome(h, s.now()))
}

func (s *Server) apiUpdateHome(c echo.Context) error {
	h, err := s.ownHome(c)
	if err != nil {
		return err
	}
	h, err = s.saveAPIHome(c, h.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIHome(h, s.now()))
}
