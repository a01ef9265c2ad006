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

// homeList is a provider's homes: searched by name, URN or postcode, filtered by
// vacancy, sorted by a column.
var homeList = listSpec{Path: "/homes", Noun: [2]string{"home", "homes"},
	Search: "Home", SearchHint: "All or part of its name, Ofsted URN or postcode",
	Filters: []listFilter{{Name: "vacancy", Legend: "Vacancy", Options: marketplace.HomeVacancyFilters}},
	Sorts:   marketplace.HomeSorts}

func (s *Server) homesPage(c echo.Context) error {
	lv := homeList.listPage(c)
	homes, total, err := s.deps.Market.HomesList(c.Request().Context(), currentOrg(c).ID, lv.Query)
	if err != nil {
		return err
	}
	active, err := s.deps.Frameworks.ActiveOnAnyFramework(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	lv = lv.counted(total)
	return s.page(c, lv.status(), "homes", "Your homes", map[string]any{"Homes": homes, "Active": active, "Now": s.today(), "List": lv, "Pager": lv.Pager},
		withForm(lv.Form, lv.Errors))
}

// homeFormData is what the home form needs besides the typed values.
func (s *Server) homeFormData(c echo.Context, h *marketplace.Home) (map[string]any, map[string][]int64, error) {
	lotMap, lots, err := s.deps.Market.AdmittedLots(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return nil, nil, err
	}
	return map[string]any{"Home": h, "Lots": lots, "Needs": kernel.Needs, "Ratings": options(marketplace.Ratings), "Types": options(marketplace.HomeTypes)}, lotMap, nil
}

func options(opts []kernel.Option) [][2]string {
	out := make([][2]string, len(opts))
	for i, o := range opts {
		out[i] = [2]string{o.Code, o.Label}
	}
	return out
}

func homeForm(h marketplace.Home) map[string]string {
	f := map[string]string{"name": h.Name, "ofsted_urn": h.OfstedURN, "home_type": h.HomeType, "ofsted_rating": h.OfstedRating,
		"registered_places": strconv.Itoa(h.RegisteredPlaces), "min_age": strconv.Itoa(h.MinAge), "max_age": strconv.Itoa(h.MaxAge),
		"postcode": h.Postcode, "needs": strings.Join(h.Needs, ","), "version": strconv.Itoa(h.Version),
		"address": h.Address, "manager_name": h.ManagerName, "manager_phone": h.ManagerPhone, "manager_email": h.ManagerEmail}
	switch {
	case h.AcceptsMale && h.AcceptsFemale:
		f["sexes"] = "any"
	case h.AcceptsMale:
		f["sexes"] = "male"
	default:
		f["sexes"] = "female"
	}
	var lots []string
	for _, id := range h.LotIDs {
		lots = append(lots, strconv.FormatInt(id, 10))
	}
	f["lots"] = strings.Join(lots, ",")
	setDateParts(f, "inspection_date", h.InspectionDate)
	return f
}

func (s *Server) newHomePage(c echo.Context) error {
	data, _, err := s.homeFormData(c, nil)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "home_form", "Add a home", data, withForm(map[string]string{"sexes": "any"}, nil), withBack())
}

func (s *Server) editHomePage(c echo.Context) error {
	h, err := s.ownHome(c)
	if err != nil {
		return err
	}
	data, _, err := s.homeFormData(c, &h)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "home_form", "Change "+h.Name, data, withForm(homeForm(h), nil), withBack())
}

// ownHome loads the home in the URL if the signed-in provider runs it (else 404).
func (s *Server) ownHome(c echo.Context) (marketplace.Home, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return marketplace.Home{}, echo.ErrNotFound
	}
	return s.deps.Market.ProviderHome(c.Request().Context(), currentOrg(c).ID, id)
}

// saveHome handles both the add and the change form.
func (s *Server) saveHome(c echo.Context) error {
	var existing *marketplace.Home
	if c.Param("id") != "" {
		h, err := s.ownHome(c)
		if err != nil {
			return err
		}
		existing = &h
	}
	var in marketplace.HomeInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	data, lotMap, err := s.homeFormData(c, existing)
	if err != nil {
		return err
	}
	f, pfe := marketplace.ParseHome(in, lotMap, s.today())
	for _, e := range withFormIDs(pfe, &in) {
		if !fe.Has(e.Field) {
			fe = append(fe, e)
		}
	}
	title := "Add a home"
	var id int64
	version := 0
	if existing != nil {
		title, id = "Change "+existing.Name, existing.ID
		version = in.Version
	}
	if fe == nil {
		h, err := s.deps.Market.SaveHome(c.Request().Context(), currentOrg(c).ID, id, version, f)
		switch {
		case errors.Is(err, marketplace.ErrStale):
			fe = kernel.FieldErrors{{Field: "name", Message: "Someone else changed this home while you were editing it. Your changes are below but were not saved: check the home's current details in another tab, then save again."}}
			if cur, err := s.deps.Market.Home(c.Request().Context(), id); err == nil {
				form["version"] = strconv.Itoa(cur.Version)
			}
		case err != nil && !asFieldErrors(err, &fe):
			return err
		case err == nil:
			s.flash(c, h.Name+" has been saved")
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/homes/%d", h.ID))
		}
	}
	status := http.StatusUnprocessableEntity
	if len(fe) > 0 && strings.HasPrefix(fe[0].Message, "Someone else changed") {
		status = http.StatusConflict
	}
	return s.page(c, status, "home_form", title, data, withForm(form, fe), withBack())
}

func (s *Server) homePage(c echo.Context) error {
	h, err := s.ownHome(c)
	if err != nil {
		return err
	}
	return s.renderHome(c, h, http.StatusOK, nil, nil)
}

func (s *Server) renderHome(c echo.Context, h marketplace.Home, status int, form map[string]string, fe kernel.FieldErrors) error {
	ctx := c.Request().Context()
	hist, err := s.deps.Market.VacancyHistory(ctx, h.ID, 20)
	if err != nil {
		return err
	}
	_, lots, err := s.deps.Market.AdmittedLots(ctx, currentOrg(c).ID)
	if err != nil {
		return err
	}
	host := ""
	if h.HostCouncilID != nil {
		if o, err := s.deps.Orgs.Organisation(ctx, *h.HostCouncilID); err == nil {
			host = o.Name
		}
	}
	if form == nil {
		form = map[string]string{"beds_free": strconv.Itoa(h.BedsFree)}
		if h.NextFreeBeds != nil {
			form["next_free_beds"] = strconv.Itoa(*h.NextFreeBeds)
		}
		setDateParts(form, "next_free_date", h.NextFreeDate)
	}
	return s.page(c, status, "home_detail", h.Name, map[string]any{"Home": h, "History": hist, "Lots": lots, "Host": host, "Stale": h.Stale(s.now())}, withForm(form, fe),
		withCrumbs(Link{Href: "/homes"}))
}

func (s *Server) setVacancy(c echo.Context) error {
	h, err := s.ownHome(c)
	if err != nil {
		return err
	}
	var in marketplace.VacancyInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	v := in.Vacancy()
	if fe == nil {
		u, _ := currentUser(c)
		_, err := s.deps.Market.SetVacancy(c.Request().Context(), h, v, "web", u.ID)
		if err != nil && !asFieldErrors(err, &fe) {
			return err
		}
		fe = withFormIDs(fe, &in)
	}
	if fe != nil {
		return s.renderHome(c, h, http.StatusUnprocessableEntity, form, fe)
	}
	s.flash(c, "The vacancy for "+h.Name+" has been updated")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/homes/%d", h.ID))
}

func (s *Server) uploadPage(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.page(c, http.StatusOK, "upload", uploadTitle(kind), map[string]any{"Kind": kind, "Columns": uploadColumns(kind)}, withBack())
	}
}

func uploadTitle(kind string) string {
	if kind == "homes" {
		return "Upload homes"
	}
	return "Upload vacancies"
}

func uploadColumns(kind string) []string {
	if kind == "homes" {
		return marketplace.HomeColumns
	}
	return marketplace.VacancyColumns
}

// upload imports a CSV of homes or vacancies, all or nothing.
func (s *Server) upload(kind string) echo.HandlerFunc {
	return func(c echo.Context) error {
		data := map[string]any{"Kind": kind, "Columns": uploadColumns(kind)}
		fh, err := c.FormFile("file")
		if err != nil {
			return s.page(c, http.StatusUnprocessableEntity, "upload", uploadTitle(kind), data, withForm(nil, kernel.FieldErrors{{Field: "file", Message: "Select a CSV file"}}), withBack())
		}
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		ctx := c.Request().Context()
		org := currentOrg(c)
		u, _ := currentUser(c)
		var n int
		if kind == "homes" {
			n, err = s.deps.Market.ImportHomes(ctx, org.ID, f)
		} else {
			n, err = s.deps.Market.ImportVacancies(ctx, org.ID, f, u.ID)
		}
		var ie *marketplace.ImportError
		if errors.As(err, &ie) {
			data["Import"] = ie
			msg := ie.Problem
			if msg == "" {
				msg = fmt.Sprintf("The file has %d problems, listed below. Nothing was saved: correct the file and upload it again.", len(ie.Rows))
			}
			return s.page(c, http.StatusUnprocessableEntity, "upload", uploadTitle(kind), data, withForm(nil, kernel.FieldErrors{{Field: "file", Message: msg}}), withBack())
		}
		if err != nil {
			return err
		}
		s.flash(c, fmt.Sprintf("%d rows were uploaded", n))
		return c.Redirect(http.StatusSeeOther, "/homes")
	}
}
