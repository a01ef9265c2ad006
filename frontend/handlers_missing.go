package frontend

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace"
)

// Missing-from-care episodes: the list scoped by who looks (/missing, its CSV and the
// API), one episode's page with the police details and the return-home interview, and
// the forms that change them. The domain decides who sees and changes what.

func init() {
	funcs["rhiState"] = rhiStateText
}

// missingList is the episodes list: searched by the child's reference or the home,
// filtered by state, home, area and child.
var missingList = listSpec{Path: "/missing", Noun: [2]string{"episode", "episodes"}, PerPage: 25,
	Search: "Child's reference or home", SearchHint: "All or part of either",
	Filters: []listFilter{{Name: "state", Legend: "Episodes", Options: marketplace.EpisodeStates}},
	Sorts:   marketplace.EpisodeSorts, Params: []string{"home", "area", "child"},
	ParamLabel: func(name, v string) string {
		if c, ok := geo.CouncilByONS(v); ok && name == "area" {
			return c.Name
		}
		return v
	}}

// rhiStates label an interview's states (marketplace.Incident.RHIState).
var rhiStates = []kernel.Option{
	{Code: "", Label: "Not yet returned"}, {Code: "due", Label: "Interview due"}, {Code: "overdue", Label: "Interview overdue"},
	{Code: "offered", Label: "Offered"}, {Code: "declined", Label: "Declined"}, {Code: "accepted", Label: "Accepted"}, {Code: "done", Label: "Interview done"},
}

func rhiStateText(state string) string { return kernel.Label(rhiStates, state) }

// councilOptions are England's councils, for where a child was found.
var councilOptions = func() [][2]string {
	var out [][2]string
	for _, c := range geo.Councils() {
		if strings.HasPrefix(c.ONSCode, "E") {
			out = append(out, [2]string{c.ONSCode, c.Name})
		}
	}
	return out
}()

// episodes is one page of the episodes the signed-in organisation may see, its read
// audited as a read of children's records.
func (s *Server) episodes(c echo.Context, lv listView) ([]marketplace.EpisodeRow, int64, error) {
	rows, total, err := s.deps.Market.Episodes(c.Request().Context(), viewerOf(c), lv.Query)
	if err != nil {
		return nil, 0, err
	}
	return rows, total, s.auditList(c, "placement_incident", idsOf(rows, func(r marketplace.EpisodeRow) int64 { return r.ID }))
}

func (s *Server) missingPage(c echo.Context) error {
	lv := missingList.listPage(c)
	rows, total, err := s.episodes(c, lv)
	var fe kernel.FieldErrors
	if errors.As(err, &fe) {
		lv.Errors = append(lv.Errors, fe...)
		lv.Query.Filters = map[string][]string{}
		rows, total, err = s.episodes(c, lv)
	}
	if err != nil {
		return err
	}
	lv = lv.counted(total)
	return s.page(c, lv.status(), "missing", "Missing episodes", map[string]any{"Rows": rows, "List": lv, "Pager": lv.Pager, "Now": s.now(),
		"CSV": "/missing.csv?" + c.QueryString()}, withForm(lv.Form, lv.Errors))
}

// missingCSV downloads every episode the list shows for the same filters.
func (s *Server) missingCSV(c echo.Context) error {
	lv, err := missingList.listAPI(c)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	w := csvsafe.NewWriter(&b)
	_ = w.Write("episode", "placement", "child_ref", "placing_council", "home", "host_council", "kind", "started_at", "returned_at", "ended_how",
		"found_area", "police_ref", "police_risk", "rhi_responsible", "rhi_due", "rhi_state", "rhi_offered_at", "rhi_accepted", "rhi_done_at", "repeat")
	lv.Query.Page = kernel.Page{Limit: 500}
	now := s.now()
	for {
		rows, total, err := s.episodes(c, lv)
		if err != nil {
			return err
		}
		for _, r := range rows {
			accepted := ""
			if r.RHIAccepted != nil {
				accepted = strconv.FormatBool(*r.RHIAccepted)
			}
			_ = w.Write(strconv.FormatInt(r.ID, 10), strconv.FormatInt(r.PlacementID, 10), r.ChildRef, r.PlacingCouncil, r.HomeName, r.HostCouncil, r.Kind,
				csvTime(&r.StartedAt), csvTime(r.EndedAt), deref(r.EndedHow), deref(r.FoundArea), r.PoliceRef, deref(r.PoliceRisk), r.RHIResponsible,
				csvTime(zeroNil(r.RHIDue())), r.RHIState(now), csvTime(r.RHIOfferedAt), accepted, csvTime(r.RHIDoneAt), strconv.FormatBool(r.Repeat()))
		}
		lv.Query.Page.Offset += len(rows)
		if len(rows) == 0 || int64(lv.Query.Page.Offset) >= total {
			break
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="missing-episodes-`+now.In(london).Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func zeroNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func episodeID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

func (s *Server) episodePage(c echo.Context) error {
	return s.renderEpisode(c, http.StatusOK, nil, nil)
}

// renderEpisode shows the episode in the URL with its forms, filled from the episode
// unless form (what was typed) is given.
func (s *Server) renderEpisode(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors) error {
	id, err := episodeID(c)
	if err != nil {
		return err
	}
	v, err := s.deps.Market.Episode(c.Request().Context(), id, viewerOf(c))
	if err != nil {
		return err
	}
	if form == nil {
		form = episodeForm(v)
	}
	form["version"] = strconv.Itoa(v.Version)
	return s.page(c, status, "missing_episode", "Missing episode "+v.ChildRef, map[string]any{"E": v, "Now": s.now(),
		"RiskGrades": options(marketplace.RiskGrades), "Endings": options(marketplace.EpisodeEndings), "Responsibles": options(marketplace.RHIResponsibles),
		"Councils": councilOptions, "YesNo": [][2]string{{"yes", "Yes"}, {"no", "No"}}, "Hint": marketplace.IncidentHints[v.Kind]},
		withForm(form, fe), withCrumbs(Link{Text: "Missing episodes", Href: "/missing"}))
}

// episodeForm is the episode's forms filled with what is recorded.
func episodeForm(v marketplace.EpisodeView) map[string]string {
	form := map[string]string{"police_ref": v.PoliceRef, "police_risk": deref(v.PoliceRisk), "ended_how": deref(v.EndedHow),
		"found_area": deref(v.FoundArea), "responsible": v.RHIResponsible, "declined_reason": v.RHIDeclinedReason, "interviewer": v.RHIInterviewer}
	if v.RHIAccepted != nil {
		form["accepted"] = map[bool]string{true: "yes", false: "no"}[*v.RHIAccepted]
	}
	setDateTimeParts(form, "offered_at", v.RHIOfferedAt)
	setDateTimeParts(form, "done_at", v.RHIDoneAt)
	return form
}

// episodeAction decodes the posted form into in and does the change: problems re-render
// the episode page with what was typed, beside each field; a conflict (changed
// meanwhile, not yet returned) is a flash message.
func (s *Server) episodeAction(c echo.Context, in any, do func(id int64) error, done string) error {
	id, err := episodeID(c)
	if err != nil {
		return err
	}
	form, fe, err := s.decodeForm(c, in)
	if err != nil {
		return err
	}
	if fe == nil {
		err = do(id)
		switch {
		case errors.As(err, &fe):
			fe = withFormIDs(fe, in)
		case errors.Is(err, kernel.ErrConflict):
			s.flash(c, userMessage(err))
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/missing/%d", id))
		case err != nil:
			return err
		}
	}
	if fe != nil {
		return s.renderEpisode(c, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, done)
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/missing/%d", id))
}

func (s *Server) amendEpisode(c echo.Context) error {
	var in marketplace.EpisodeAmend
	return s.episodeAction(c, &in, func(id int64) error {
		_, err := s.deps.Market.AmendEpisode(c.Request().Context(), id, viewerOf(c), in)
		return err
	}, "The episode is updated")
}

func (s *Server) recordInterview(c echo.Context) error {
	var in marketplace.RHIInput
	return s.episodeAction(c, &in, func(id int64) error {
		_, err := s.deps.Market.RecordInterview(c.Request().Context(), id, viewerOf(c), in)
		return err
	}, "The return-home interview is recorded")
}

// toAPIEpisode is an episode as the caller may see it (the domain has cut it already).
func toAPIEpisode(in marketplace.Incident, row marketplace.EpisodeRow, repeat bool, now time.Time) apitypes.MissingEpisode {
	state := in.RHIState(now)
	if state == "" {
		state = "open"
	}
	out := apitypes.MissingEpisode{Id: in.ID, PlacementId: in.PlacementID, Kind: apitypes.MissingEpisodeKind(in.Kind), StartedAt: in.StartedAt, EndedAt: in.EndedAt,
		ChildRef: row.ChildRef, PlacingCouncil: row.PlacingCouncil, Provider: row.Provider, HomeId: row.HomeID, Home: row.HomeName, HostCouncil: row.HostCouncil,
		HostArea: optional(row.HostArea), Access: apitypes.MissingEpisodeAccess(row.Access), PoliceRef: in.PoliceRef,
		PoliceRisk: (*apitypes.MissingEpisodePoliceRisk)(in.PoliceRisk), EndedHow: (*apitypes.MissingEpisodeEndedHow)(in.EndedHow), FoundArea: in.FoundArea,
		RhiResponsible: apitypes.MissingEpisodeRhiResponsible(in.RHIResponsible), RhiDue: zeroNil(in.RHIDue()), RhiOfferedAt: in.RHIOfferedAt,
		RhiAccepted: in.RHIAccepted, RhiDoneAt: in.RHIDoneAt, RhiDoneBy: in.RHIDoneBy, RhiInterviewer: optional(in.RHIInterviewer),
		RhiDeclinedReason: optional(in.RHIDeclinedReason), RhiState: apitypes.MissingEpisodeRhiState(state), Repeat: repeat, Version: in.Version,
		Note: optional(in.Note)}
	return out
}

func (s *Server) apiEpisodes(c echo.Context) error {
	lv, err := missingList.listAPI(c)
	if err != nil {
		return err
	}
	rows, total, err := s.episodes(c, lv)
	if err != nil {
		return err
	}
	p := lv.counted(total).Pager
	out := apitypes.MissingEpisodePage{Episodes: make([]apitypes.MissingEpisode, 0, len(rows)), Page: p.Page, PerPage: p.Size, Total: int(p.Total), Next: p.next()}
	for _, r := range rows {
		out.Episodes = append(out.Episodes, toAPIEpisode(r.Incident, r, r.Repeat(), s.now()))
	}
	return c.JSON(http.StatusOK, out)
}

// episodeReply answers with the episode as the caller now sees it.
func (s *Server) episodeReply(c echo.Context, id int64) error {
	v, err := s.deps.Market.Episode(c.Request().Context(), id, viewerOf(c))
	if err != nil {
		return err
	}
	row := marketplace.EpisodeRow{ChildRef: v.ChildRef, PlacingCouncil: v.PlacingCouncil, Provider: v.Provider, HomeID: v.HomeID, HomeName: v.HomeName,
		HostCouncil: v.HostCouncil, HostArea: v.HostArea, Access: v.Access}
	return c.JSON(http.StatusOK, toAPIEpisode(v.Incident, row, v.Repeat, s.now()))
}

func (s *Server) apiEpisode(c echo.Context) error {
	id, err := episodeID(c)
	if err != nil {
		return err
	}
	return s.episodeReply(c, id)
}

func (s *Server) apiAmendEpisode(c echo.Context) error {
	id, err := episodeID(c)
	if err != nil {
		return err
	}
	var in marketplace.EpisodeAmend
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	if _, err := s.deps.Market.AmendEpisode(c.Request().Context(), id, viewerOf(c), in); err != nil {
		return err
	}
	return s.episodeReply(c, id)
}

func (s *Server) apiRecordInterview(c echo.Context) error {
	id, err := episodeID(c)
	if err != nil {
		return err
	}
	var in marketplace.RHIInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	if _, err := s.deps.Market.RecordInterview(c.Request().Context(), id, viewerOf(c), in); err != nil {
		return err
	}
	return s.episodeReply(c, id)
}
