package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/monitoring"
	"github.com/hearth-placements/hearth/frontend/apitypes"
)

// Councils' monitoring visits to homes, scored against the published framework, and
// the alerts of Ofsted falls (commissioning/monitoring). Commissioners record visits;
// their consortium's councils and admins, and the home's provider, read them.

func (s *Server) monitoringFramework(c echo.Context) error {
	return s.page(c, http.StatusOK, "monitoring_framework", "Monitoring framework", map[string]any{
		"Name": monitoring.FrameworkName, "Version": monitoring.FrameworkVersion, "Intro": monitoring.FrameworkIntro,
		"Domains": monitoring.Domains, "Scale": monitoring.Scale}, withCrumbs(Link{Text: "Monitoring", Href: "/monitoring"}))
}

// monitoringPage lists the homes the viewer monitors, each with its last visit, and the
// Ofsted falls of the last 90 days.
func (s *Server) monitoringPage(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	homes, err := s.deps.Monitoring.Homes(ctx, org)
	if err != nil {
		return err
	}
	alerts, err := s.deps.Monitoring.Alerts(ctx, org)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "monitoring", "Monitoring visits and alerts", map[string]any{
		"Homes": homes, "Alerts": alerts, "AlertDays": monitoring.AlertDays})
}

func homeID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// monitoredHome is a home's page of visits: its visits the viewer may read, newest
// first, and for a commissioner the form to record one (?amend=ID prefills it from
// an earlier visit of theirs, to correct it).
type monitoredHome struct {
	ID        int64
	Name      string
	Provider  string
	Visits    []monitoring.Visit
	Domains   []monitoring.Domain
	Scale     []monitoring.Level
	Amends    *monitoring.Visit
	CouncilID int64
	// The record form's choices.
	VisitTypeOptions, OverallOptions [][2]string
}

// visitChoices are the record form's visit types and overall judgements.
var visitChoices = func() (types, overall [][2]string) {
	for _, o := range monitoring.VisitTypes {
		types = append(types, [2]string{o.Code, o.Label})
	}
	for _, l := range monitoring.Scale {
		overall = append(overall, [2]string{strconv.Itoa(l.Score), fmt.Sprintf("%d %s", l.Score, l.Label)})
	}
	return types, overall
}

func (s *Server) monitoredHome(c echo.Context) (monitoredHome, error) {
	ctx := c.Request().Context()
	id, err := homeID(c)
	if err != nil {
		return monitoredHome{}, err
	}
	org := currentOrg(c)
	name, provider, providerID, err := s.deps.Monitoring.HomeName(ctx, id)
	if err != nil {
		return monitoredHome{}, err
	}
	if org.Kind == kernel.KindProvider && providerID != org.ID {
		return monitoredHome{}, fmt.Errorf("home %d is another provider's: %w", id, kernel.ErrNotFound)
	}
	visits, err := s.deps.Monitoring.Visits(ctx, org, id)
	if err != nil {
		return monitoredHome{}, err
	}
	types, overall := visitChoices()
	return monitoredHome{ID: id, Name: name, Provider: provider, Visits: visits, Domains: monitoring.Domains, Scale: monitoring.Scale,
		CouncilID: org.ID, VisitTypeOptions: types, OverallOptions: overall}, nil
}

func (s *Server) monitoredHomePage(c echo.Context) error {
	h, err := s.monitoredHome(c)
	if err != nil {
		return err
	}
	form := map[string]string{}
	if a := c.QueryParam("amend"); a != "" {
		for i, v := range h.Visits {
			if strconv.FormatInt(v.ID, 10) == a && v.CouncilID == h.CouncilID && v.Current() {
				h.Amends = &h.Visits[i]
			}
		}
		if h.Amends == nil {
			return echo.NewHTTPError(http.StatusNotFound, "There is no visit of your council's to amend with that number.")
		}
		form = visitForm(*h.Amends)
	}
	return s.renderMonitoredHome(c, http.StatusOK, h, form, nil)
}

// visitForm is an earlier visit as the record form shows it, for an amendment.
func visitForm(v monitoring.Visit) map[string]string {
	f := map[string]string{"visited_on-day": strconv.Itoa(v.VisitedOn.Day()), "visited_on-month": strconv.Itoa(int(v.VisitedOn.Month())),
		"visited_on-year": strconv.Itoa(v.VisitedOn.Year()), "visit_type": v.VisitType, "overall": strconv.Itoa(v.Overall),
		"summary": v.Summary, "amends_id": strconv.FormatInt(v.ID, 10)}
	for code, sc := range v.Scores {
		f[monitoring.ScoreFormID(code)] = strconv.Itoa(sc)
	}
	return f
}

func (s *Server) renderMonitoredHome(c echo.Context, status int, h monitoredHome, form map[string]string, fe kernel.FieldErrors) error {
	// The error summary lists problems in the form's order: the tags' before the
	// framework's scores would put the overall judgement first.
	order := []string{"visited_on", "visit_type"}
	for _, d := range monitoring.Domains {
		order = append(order, monitoring.ScoreField(d.Code))
	}
	order = append(order, "scores", "overall", "summary")
	fe = slices.Clone(fe)
	slices.SortStableFunc(fe, func(a, b kernel.FieldError) int { return slices.Index(order, a.Field) - slices.Index(order, b.Field) })
	crumbs := withCrumbs(Link{Text: "Monitoring", Href: "/monitoring"})
	return s.page(c, status, "monitoring_home", "Monitoring visits to "+h.Name, h, withForm(form, fe), crumbs)
}

func (s *Server) recordVisit(c echo.Context) error {
	h, err := s.monitoredHome(c)
	if err != nil {
		return err
	}
	var in monitoring.VisitInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if in.AmendsID != 0 {
		for i, v := range h.Visits {
			if v.ID == in.AmendsID {
				h.Amends = &h.Visits[i]
			}
		}
	}
	if fe != nil {
		return s.renderMonitoredHome(c, http.StatusUnprocessableEntity, h, form, fe)
	}
	u, _ := currentUser(c)
	v, err := s.deps.Monitoring.Record(c.Request().Context(), currentOrg(c), u.ID, h.ID, in)
	switch {
	case errors.As(err, &fe):
		return s.renderMonitoredHome(c, http.StatusUnprocessableEntity, h, form, withFormIDs(fe, &in))
	case err != nil:
		return err
	}
	s.flash(c, fmt.Sprintf("The visit of %s is recorded", v.VisitedOn.Format("2 January 2006")))
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/monitoring/homes/%d#visit-%d", h.ID, v.ID))
}

// apiVisits is a home's monitoring visits that the token's organisation may read.
func (s *Server) apiVisits(c echo.Context) error {
	h, err := s.monitoredHome(c)
	if err != nil {
		return err
	}
	out := apitypes.ListMonitoringVisitsResponse{HomeId: h.ID, Visits: make([]apitypes.MonitoringVisit, 0, len(h.Visits))}
	for _, v := range h.Visits {
		out.Visits = append(out.Visits, toAPIVisit(v))
	}
	return c.JSON(http.StatusOK, out)
}

// apiRecordVisit records a visit as the record form does: 201 with the visit, 422
// with every problem at once.
func (s *Server) apiRecordVisit(c echo.Context) error {
	id, err := homeID(c)
	if err != nil {
		return err
	}
	var in monitoring.VisitInput
	if err := readJSON(c, &in); err != nil {
		return err
	}
	u, _ := currentUser(c)
	v, err := s.deps.Monitoring.Record(c.Request().Context(), currentOrg(c), u.ID, id, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiPath("/api/v1/homes/%d/monitoring-visits", id))
	v.Council = currentOrg(c).Name
	return c.JSON(http.StatusCreated, toAPIVisit(v))
}

func toAPIVisit(v monitoring.Visit) apitypes.MonitoringVisit {
	out := apitypes.MonitoringVisit{Id: v.ID, HomeId: v.HomeID, CouncilId: v.CouncilID, Council: v.Council, VisitedOn: apiDate(v.VisitedOn),
		VisitType: apitypes.MonitoringVisitVisitType(v.VisitType), Overall: v.Overall, OverallLabel: monitoring.LevelLabel(v.Overall),
		Summary: v.Summary, Scores: map[string]int{}, AmendsId: v.AmendsID, AmendedById: v.AmendedByID, RecordedAt: v.RecordedAt}
	for code, sc := range v.Scores {
		out.Scores[code] = sc
	}
	return out
}
