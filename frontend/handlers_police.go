package frontend

import (
	"bytes"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/csvsafe"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// The police view: a force's liaison officers read the homes in their area and the
// missing episodes there (commissioning/police scopes and audits every read).

func (s *Server) policeHomesPage(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	force := currentOrg(c)
	homes, total, err := s.deps.Police.Homes(c.Request().Context(), force, "/police", pg.rows())
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "police_homes", "Children's homes in your area", map[string]any{"Homes": homes, "Area": policeArea(force), "Pager": pg.counted(c, total)})
}

func (s *Server) policeMissingPage(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	force := currentOrg(c)
	eps, total, err := s.deps.Police.MissingEpisodes(c.Request().Context(), force, "/police/missing", pg.rows())
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "police_missing", "Missing and absent episodes", map[string]any{"Episodes": eps, "Area": policeArea(force), "Pager": pg.counted(c, total)})
}

func (s *Server) policeMissingCSV(c echo.Context) error {
	eps, _, err := s.deps.Police.MissingEpisodes(c.Request().Context(), currentOrg(c), "csv", kernel.AllRows)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	w := csvsafe.NewWriter(&b)
	_ = w.Write("child_ref", "placing_council", "home", "postcode", "kind", "started_at", "returned_at", "ended_how", "found_area", "police_ref", "police_risk")
	for _, e := range eps {
		back := ""
		if e.EndedAt != nil {
			back = e.EndedAt.UTC().Format(time.RFC3339)
		}
		_ = w.Write(e.ChildRef, e.PlacingCouncil, e.HomeName, e.Postcode, e.Kind, e.StartedAt.UTC().Format(time.RFC3339), back,
			deref(e.EndedHow), e.FoundArea, e.PoliceRef, deref(e.PoliceRisk))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="hearth-missing-episodes-`+s.now().In(london).Format("2006-01-02")+`.csv"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

func (s *Server) apiPoliceHomes(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	homes, total, err := s.deps.Police.Homes(c.Request().Context(), currentOrg(c), "api", pg.rows())
	if err != nil {
		return err
	}
	pg = pg.counted(c, total)
	out := apitypes.ListPoliceHomesResponse{Homes: make([]apitypes.PoliceHome, len(homes)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for i, h := range homes {
		out.Homes[i] = apitypes.PoliceHome{Id: h.ID, Name: h.Name, Address: h.Address, Postcode: h.Postcode, ManagerName: h.ManagerName,
			ManagerPhone: h.ManagerPhone, ManagerEmail: h.ManagerEmail, OfstedUrn: h.OfstedURN, HomeType: apitypes.PoliceHomeHomeType(h.HomeType),
			Provider: h.Provider, HostCouncil: h.HostCouncil}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiPoliceMissing(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	eps, total, err := s.deps.Police.MissingEpisodes(c.Request().Context(), currentOrg(c), "api", pg.rows())
	if err != nil {
		return err
	}
	pg = pg.counted(c, total)
	out := apitypes.ListMissingEpisodesResponse{Episodes: make([]apitypes.PoliceMissingEpisode, len(eps)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for i, e := range eps {
		out.Episodes[i] = apitypes.PoliceMissingEpisode{Id: e.ID, ChildRef: e.ChildRef, PlacingCouncil: e.PlacingCouncil, HomeId: e.HomeID, Home: e.HomeName,
			Postcode: e.Postcode, Kind: apitypes.PoliceMissingEpisodeKind(e.Kind), StartedAt: e.StartedAt, ReturnedAt: e.EndedAt,
			PoliceRef: e.PoliceRef, PoliceRisk: (*apitypes.PoliceMissingEpisodePoliceRisk)(e.PoliceRisk), EndedHow: (*apitypes.PoliceMissingEpisodeEndedHow)(e.EndedHow), FoundArea: e.FoundArea}
	}
	return c.JSON(http.StatusOK, out)
}

// policeArea names the councils of the force's area, for the pages' lead paragraph:
// "Bolton, Bury and Wigan".
func policeArea(force commissioning.Organisation) string {
	var names []string
	if force.PFACode != nil {
		if f, ok := geo.PoliceForceByCode(*force.PFACode); ok {
			for _, code := range f.Councils {
				if c, ok := geo.CouncilByONS(code); ok {
					names = append(names, c.Name)
				}
			}
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// The consortium admin's side: the forces it invited and inviting a force's first
// (or next) liaison officer.

type policeInviteForm struct {
	PFACode string `form:"pfa_code" json:"pfa_code" validate:"required" msg:"*=Select a police force"`
	Name    string `form:"name" json:"name" validate:"required,max=200" msg:"required=Enter the officer's full name|max=Full name must be 200 characters or fewer"`
	Email   string `form:"email" json:"email" validate:"required,email,max=254" msg:"required=Enter the officer's email address|*=Enter an email address in the correct format, like name@example.com"`
}

func (s *Server) adminPolicePage(c echo.Context) error {
	ctx := c.Request().Context()
	forces, err := s.deps.Orgs.PoliceForces(ctx, currentOrg(c).ID)
	if err != nil {
		return err
	}
	ids := make([]int64, len(forces))
	for i, f := range forces {
		ids[i] = f.ID
	}
	users, _, err := s.deps.Users.UsersPage(ctx, ids, 0, kernel.AllRows)
	if err != nil {
		return err
	}
	byForce := map[int64][]auth.User{}
	for _, u := range users {
		byForce[u.OrganisationID] = append(byForce[u.OrganisationID], u)
	}
	return s.page(c, http.StatusOK, "admin_police", "Police forces", map[string]any{"Forces": forces, "Users": byForce})
}

func policeForceOptions() [][2]string {
	var out [][2]string
	for _, f := range geo.PoliceForces() {
		out = append(out, [2]string{f.Code, commissioning.PoliceForceName(f)})
	}
	return out
}

func (s *Server) newPolicePage(c echo.Context) error {
	return s.page(c, http.StatusOK, "admin_police_new", "Invite a police force", map[string]any{"Forces": policeForceOptions()},
		withForm(map[string]string{"pfa_code": c.QueryParam("pfa_code")}, nil), withBack())
}

func (s *Server) invitePolice(c echo.Context) error {
	var f policeInviteForm
	form, err := bindForm(c, &f)
	if err != nil {
		return err
	}
	fe := s.check(&f)
	if _, ok := geo.PoliceForceByCode(f.PFACode); !ok && !fe.Has("pfa_code") {
		fe = append(fe, kernel.FieldError{Field: "pfa_code", Message: "Select a police force"})
	}
	if fe == nil {
		ctx := c.Request().Context()
		// The force and its first officer's invitation commit together: a refused
		// invitation (an email already taken) leaves no force behind.
		err = s.deps.DB.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			dir := s.deps.Orgs.WithTx(tx)
			force, err := dir.InvitePoliceForce(ctx, currentOrg(c).ID, f.PFACode)
			if err != nil {
				return err
			}
			_, err = s.inviteUserWith(c, dir, s.deps.Users.WithTx(tx), auth.NewUser{Email: f.Email, Name: f.Name, Role: kernel.RolePoliceLiaison, OrganisationID: force.ID})
			return err
		})
		if err != nil && !asFieldErrors(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "admin_police_new", "Invite a police force", map[string]any{"Forces": policeForceOptions()}, withForm(form, fe), withBack())
	}
	s.flash(c, f.Name+" has been invited as a police liaison officer")
	return c.Redirect(http.StatusSeeOther, "/admin/police")
}
