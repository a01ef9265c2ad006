package frontend

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/marketplace"
)

// Placements after award: the placing council, the provider and the host council each
// see their share (the domain decides which; anyone else gets a 404). The provider
// confirms the start, reports missing and absent episodes and may end the placement;
// the council changes the fee (re-issuing the agreement) and may end it too.

func viewerOf(c echo.Context) marketplace.Viewer {
	o := currentOrg(c)
	u, _ := currentUser(c)
	return marketplace.Viewer{OrgID: o.ID, Kind: o.Kind, HostOnly: u.Role == kernel.RoleHostCouncilUser}
}

// inboxOf is the signed-in user's share of their organisation's notices: a host-council
// user reads only the host notices.
func (s *Server) inboxOf(c echo.Context) *notify.Inbox {
	in := s.deps.Inbox
	if u, _ := currentUser(c); u.Role == kernel.RoleHostCouncilUser {
		return in.HostNoticesOnly()
	}
	return in
}

func placementID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

// placementView loads the placement in the URL as the signed-in organisation may see it.
func (s *Server) placementView(c echo.Context) (marketplace.PlacementView, error) {
	id, err := placementID(c)
	if err != nil {
		return marketplace.PlacementView{}, err
	}
	return s.deps.Market.PlacementFor(c.Request().Context(), id, viewerOf(c))
}

// placementForm reads the placement id in the URL and the posted form.
func placementForm(c echo.Context) (int64, map[string]string, error) {
	id, err := placementID(c)
	if err != nil {
		return 0, nil, err
	}
	form, err := bindForm(c, &struct{}{})
	return id, form, err
}

// requiredDate reads a GOV.UK date input that must be filled in.
func requiredDate(form map[string]string, name, label, missing string) (*time.Time, kernel.FieldErrors) {
	d, msg := dateParts(form, name, label)
	if d == nil {
		return nil, kernel.FieldErrors{{Field: name + "-day", Message: firstNonEmpty(msg, missing)}}
	}
	return d, nil
}

var placementStatuses = [][2]string{{"", "All"}, {"awaiting_approval", "Awaiting approval"}, {"awarded", "Awarded"}, {"started", "Started"}, {"ended", "Ended"}}

func (s *Server) placementsPage(c echo.Context) error {
	status := c.QueryParam("status")
	if !validStatus(status) {
		status = ""
	}
	p, err := newPager(c.QueryParams(), 25)
	if err != nil {
		return err
	}
	rows, total, err := s.deps.Market.Placements(c.Request().Context(), viewerOf(c), status, p.Offset(), p.Size)
	if err != nil {
		return err
	}
	if err := s.auditList(c, "placement", idsOf(rows, func(r marketplace.PlacementRow) int64 { return r.ID })); err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "placements", "Placements", map[string]any{"Rows": rows, "Status": status, "Statuses": placementStatuses,
		"Pager": p.withTotal(total, "/placements", c.QueryParams())})
}

func validStatus(s string) bool {
	for _, o := range placementStatuses {
		if o[0] == s {
			return true
		}
	}
	return false
}

func (s *Server) placementPage(c echo.Context) error {
	form := map[string]string{}
	setDateParts(form, "started_on", ptrTo(s.today()))
	return s.renderPlacement(c, http.StatusOK, form, nil)
}

func ptrTo[T any](v T) *T { return &v }

func (s *Server) renderPlacement(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	v, err := s.placementView(c)
	if err != nil {
		return err
	}
	return s.page(c, status, "placement", "Placement "+v.ChildRef, map[string]any{"P": v, "EndReasons": options(marketplace.EndReasons),
		"IncidentKinds": options(marketplace.IncidentKinds)}, withForm(form, fe), withCrumbs(Link{Href: "/placements"}))
}

func (s *Server) agreementPDF(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	version, err := queryInt(c.QueryParams(), "version", 0, 0, math.MaxInt32)
	if err != nil {
		return err
	}
	a, err := s.deps.Market.AgreementPDF(c.Request().Context(), id, version, viewerOf(c))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="IPA-%06d-v%d.pdf"`, id, a.Version))
	h.Set("Cache-Control", "no-store")
	h.Set("ETag", `"`+a.SHA256+`"`)
	return c.Blob(http.StatusOK, "application/pdf", a.PDF)
}

func (s *Server) startPlacement(c echo.Context) error {
	id, form, err := placementForm(c)
	if err != nil {
		return err
	}
	on, fe := requiredDate(form, "started_on", "The date the child arrived", "Enter the date the child arrived")
	if fe != nil {
		return s.renderPlacement(c, http.StatusUnprocessableEntity, form, fe)
	}
	u, _ := currentUser(c)
	_, err = s.deps.Market.ConfirmStart(c.Request().Context(), id, currentOrg(c).ID, u.ID, *on)
	if done, err := s.placementOutcome(c, form, err, dateFields("started_on")); done {
		return err
	}
	s.flash(c, "The start is confirmed; the council and the host council have been told")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", id))
}

// dateFields maps a domain field that is a date to its GOV.UK date input's first box.
func dateFields(names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = n + "-day"
	}
	return m
}

// placementOutcome turns a lifecycle error into the page to show: problems with the form
// re-render the placement with what was typed; a conflict is a flash message.
func (s *Server) placementOutcome(c echo.Context, form map[string]string, err error, fields map[string]string) (bool, error) {
	var fe kernel.FieldErrors
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &fe):
		for i := range fe {
			if f, ok := fields[fe[i].Field]; ok {
				fe[i].Field = f
			}
		}
		return true, s.renderPlacement(c, http.StatusUnprocessableEntity, form, fe)
	case errors.Is(err, kernel.ErrConflict):
		s.flash(c, userMessage(err))
		return true, c.Redirect(http.StatusSeeOther, "/placements/"+c.Param("id"))
	}
	return true, err
}

func (s *Server) reportIncident(c echo.Context) error {
	id, form, err := placementForm(c)
	if err != nil {
		return err
	}
	var fe kernel.FieldErrors
	r := marketplace.IncidentReport{Kind: form["kind"], Note: form["note"]}
	if started := dateTimeParts(form, "started_at", "When the episode began", "Enter the date the episode began", &fe); started != nil {
		r.StartedAt = *started
	}
	if strings.TrimSpace(form["ended_at-day"]+form["ended_at-month"]+form["ended_at-year"]+form["ended_at_time"]) != "" {
		r.EndedAt = dateTimeParts(form, "ended_at", "When the child returned", "Enter the date the child returned", &fe)
	}
	if len(fe) > 0 {
		return s.renderPlacement(c, http.StatusUnprocessableEntity, form, fe)
	}
	u, _ := currentUser(c)
	_, err = s.deps.Market.ReportIncident(c.Request().Context(), id, currentOrg(c).ID, u.ID, r)
	if done, err := s.placementOutcome(c, form, err, dateFields("started_at", "ended_at")); done {
		return err
	}
	s.flash(c, "The episode is reported; the placing council and the host council have been told")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", id))
}

func (s *Server) endIncident(c echo.Context) error {
	id, form, err := placementForm(c)
	if err != nil {
		return err
	}
	incident, err := strconv.ParseInt(c.Param("incident"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	name := fmt.Sprintf("returned_%d", incident)
	var fe kernel.FieldErrors
	at := dateTimeParts(form, name, "When the child returned", "Enter the date the child returned", &fe)
	if at == nil {
		return s.renderPlacement(c, http.StatusUnprocessableEntity, form, fe)
	}
	u, _ := currentUser(c)
	_, err = s.deps.Market.EndIncident(c.Request().Context(), id, incident, currentOrg(c).ID, u.ID, *at)
	if done, err := s.placementOutcome(c, form, err, map[string]string{"ended_at": name + "-day"}); done {
		return err
	}
	s.flash(c, "The child's return is recorded; the councils have been told")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", id))
}

func (s *Server) feePage(c echo.Context) error {
	v, err := s.placementView(c)
	if err != nil {
		return err
	}
	form := map[string]string{}
	if n := len(v.Fees); n > 0 {
		f := v.Fees[n-1]
		form["core_fee"], form["one_to_one_hours"] = penceField(f.CorePence), strconv.Itoa(f.OneToOneHours)
		form["one_to_one_rate"], form["education"] = penceField(f.OneToOneRatePence), penceField(f.EducationPence)
	}
	return s.renderFee(c, http.StatusOK, v, form, nil)
}

func (s *Server) renderFee(c echo.Context, status int, v marketplace.PlacementView, form map[string]string, fe kernel.FieldErrors) error {
	if v.Access != marketplace.AccessCouncil || !v.Open() {
		return echo.ErrNotFound
	}
	return s.page(c, status, "placement_fee", "Change the fee", map[string]any{"P": v}, withForm(form, fe), withBack())
}

func (s *Server) changeFee(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var in marketplace.FeeInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	ch, cfe := in.Change()
	if fe == nil {
		fe = withFormIDs(cfe, &in)
	}
	if fe == nil {
		u, _ := currentUser(c)
		_, err = s.deps.Market.ChangeFee(c.Request().Context(), id, currentOrg(c).ID, u.ID, ch)
		if !errors.As(err, &fe) && err != nil {
			return err
		}
		fe = withFormIDs(fe, &in)
	}
	if len(fe) > 0 {
		v, err := s.placementView(c)
		if err != nil {
			return err
		}
		return s.renderFee(c, http.StatusUnprocessableEntity, v, form, fe)
	}
	s.flash(c, "The fee is changed and a new version of the agreement is issued; the provider has been told")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", id))
}

func (s *Server) endPage(c echo.Context) error {
	form := map[string]string{}
	setDateParts(form, "ended_on", ptrTo(s.today()))
	return s.renderEnd(c, http.StatusOK, form, nil)
}

func (s *Server) renderEnd(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	v, err := s.placementView(c)
	if err != nil {
		return err
	}
	if v.Access == marketplace.AccessHost || !v.Open() {
		return echo.ErrNotFound
	}
	return s.page(c, status, "placement_end", "End the placement", map[string]any{"P": v, "EndReasons": options(marketplace.EndReasons)}, withForm(form, fe))
}

func (s *Server) endPlacement(c echo.Context) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	var in marketplace.EndInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe != nil {
		return s.renderEnd(c, http.StatusUnprocessableEntity, form, fe)
	}
	e, _ := in.Ending()
	u, _ := currentUser(c)
	_, err = s.deps.Market.EndPlacement(c.Request().Context(), id, viewerOf(c), u.ID, e)
	switch {
	case errors.As(err, &fe):
		return s.renderEnd(c, http.StatusUnprocessableEntity, form, withFormIDs(fe, &in))
	case errors.Is(err, marketplace.ErrPlacementOver):
		s.flash(c, "The placement had already ended")
	case err != nil:
		return err
	default:
		s.flash(c, "The placement has ended and the bed is free again; the host council has been sent an end notice")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", id))
}

// Notices: an organisation's in-app inbox.

func (s *Server) noticesPage(c echo.Context) error {
	p, err := newPager(c.QueryParams(), 25)
	if err != nil {
		return err
	}
	list, total, unread, err := s.inboxOf(c).List(c.Request().Context(), currentOrg(c).ID, p.Offset(), p.Size)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "notices", "Notices", map[string]any{"Notices": list, "Unread": unread, "Pager": p.withTotal(total, "/notices", c.QueryParams())})
}

func (s *Server) noticePage(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	n, err := s.inboxOf(c).Read(c.Request().Context(), id, currentOrg(c).ID)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "notice", n.Subject, map[string]any{"N": n})
}

// The child's page: their placements and moves over two years, for their council only.

func (s *Server) childPage(c echo.Context) error {
	ref := strings.TrimSpace(c.QueryParam("ref"))
	if ref == "" {
		return echo.ErrNotFound
	}
	rec, err := s.deps.Market.ChildHistory(c.Request().Context(), currentOrg(c).ID, ref)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "child", "Child "+ref, map[string]any{"C": rec})
}
