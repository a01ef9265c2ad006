package frontend

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

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

// placementList is the placements an organisation may see: searched by the child's
// reference or the home, filtered by status, sorted by a column.
var placementList = listSpec{Path: "/placements", Noun: [2]string{"placement", "placements"}, PerPage: 25,
	Search: "Child's reference or home", SearchHint: "All or part of either",
	Filters: []listFilter{{Name: "status", Legend: "Status", Options: marketplace.PlacementStatusCodes}},
	Sorts:   marketplace.PlacementSorts}

func (s *Server) placementsPage(c echo.Context) error {
	lv := placementList.listPage(c)
	rows, total, err := s.deps.Market.PlacementsList(c.Request().Context(), viewerOf(c), lv.Query)
	if err != nil {
		return err
	}
	if err := s.auditList(c, "placement", idsOf(rows, func(r marketplace.PlacementRow) int64 { return r.ID })); err != nil {
		return err
	}
	lv = lv.counted(total)
	return s.page(c, lv.status(), "placements", "Placements", map[string]any{"Rows": rows, "List": lv, "Pager": lv.Pager}, withForm(lv.Form, lv.Errors))
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
		"IncidentKinds": options(marketplace.IncidentKinds), "Endings": options(marketplace.EpisodeEndings), "RiskGrades": options(marketplace.RiskGrades),
		"Councils": councilOptions, "Now": s.now()}, withForm(form, fe), withCrumbs(Link{Href: "/placements"}))
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
	var in marketplace.StartInput
	return s.placementAction(c, &in, "", func(id, org, by int64) error {
		_, err := s.deps.Market.ConfirmStart(c.Request().Context(), id, org, by, in.Day())
		return err
	}, "The start is confirmed; the council and the host council have been told")
}

// placementAction reads the placement in the URL and the posted form into in (its
// fields' names ending in sfx), then does the action: problems with the form, found by
// the input's checks or by the placement, re-render the placement page with what was
// typed, each beside its field; a conflict is a flash message.
func (s *Server) placementAction(c echo.Context, in any, sfx string, do func(id, org, by int64) error, done string) error {
	id, err := placementID(c)
	if err != nil {
		return err
	}
	form, fe, err := s.decodeFormSuffixed(c, in, sfx)
	if err != nil {
		return err
	}
	if fe == nil {
		u, _ := currentUser(c)
		err = do(id, currentOrg(c).ID, u.ID)
		switch {
		case errors.As(err, &fe):
			fe = withFormIDsSuffixed(fe, in, sfx)
		case errors.Is(err, kernel.ErrConflict):
			s.flash(c, userMessage(err))
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", id))
		case err != nil:
			return err
		}
	}
	if fe != nil {
		return s.renderPlacement(c, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, done)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/placements/%d", id))
}

func (s *Server) reportIncident(c echo.Context) error {
	var in marketplace.IncidentReport
	return s.placementAction(c, &in, "", func(id, org, by int64) error {
		_, err := s.deps.Market.ReportIncident(c.Request().Context(), id, org, by, in)
		return err
	}, "The episode is reported; the placing council and the host council have been told")
}

func (s *Server) endIncident(c echo.Context) error {
	incident, err := strconv.ParseInt(c.Param("incident"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	var in marketplace.IncidentEnd
	return s.placementAction(c, &in, fmt.Sprintf("_%d", incident), func(id, org, by int64) error {
		_, err := s.deps.Market.EndIncident(c.Request().Context(), id, incident, org, by, in)
		return err
	}, "The child's return is recorded; the councils have been told")
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

// noticeList is an organisation's notices: searched by subject, filtered by kind and
// whether read, sorted by a column.
var noticeList = listSpec{Path: "/notices", Noun: [2]string{"notice", "notices"}, PerPage: 25,
	Search: "Subject", SearchHint: "All or part of it",
	Filters: []listFilter{{Name: "read", Legend: "Read", Options: notify.NoticeReadStates}, {Name: "kind", Legend: "Kind", Options: notify.NoticeKinds}},
	Sorts:   notify.NoticeSorts}

func (s *Server) noticesPage(c echo.Context) error {
	lv := noticeList.listPage(c)
	list, total, unread, err := s.inboxOf(c).ListWhere(c.Request().Context(), currentOrg(c).ID, lv.Query)
	if err != nil {
		return err
	}
	lv = lv.counted(total)
	return s.page(c, lv.status(), "notices", "Notices", map[string]any{"Notices": list, "Unread": unread, "List": lv, "Pager": lv.Pager}, withForm(lv.Form, lv.Errors))
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
