package frontend

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// consortiumOrganisations are the organisations whose users a consortium admin
// manages — the consortium, its member councils and the police forces it invited —
// and the names of those and of the host councils where it manages users.
func (s *Server) consortiumOrganisations(c echo.Context) ([]int64, map[int64]string, error) {
	ctx := c.Request().Context()
	consortium := currentOrg(c)
	orgs, err := s.manageableOrganisations(ctx, consortium)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]int64, len(orgs))
	names := map[int64]string{}
	for i, o := range orgs {
		ids[i] = o.ID
		names[o.ID] = o.Name
	}
	hosts, err := s.deps.Orgs.HostCouncils(ctx, consortium.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, o := range hosts {
		names[o.ID] = o.Name
	}
	forces, err := s.deps.Orgs.PoliceForces(ctx, consortium.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, o := range forces {
		ids = append(ids, o.ID)
		names[o.ID] = o.Name
	}
	return ids, names, nil
}

// consortiumUsers lists one page of the users a consortium admin manages, with their
// organisations' names, and counts them all.
func (s *Server) consortiumUsers(c echo.Context, page kernel.Page) ([]auth.User, map[int64]string, int64, error) {
	ids, names, err := s.consortiumOrganisations(c)
	if err != nil {
		return nil, nil, 0, err
	}
	users, total, err := s.deps.Users.UsersPage(c.Request().Context(), ids, currentOrg(c).ID, page)
	return users, names, total, err
}

func (s *Server) adminUsers(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	users, names, total, err := s.consortiumUsers(c, pg.rows())
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "admin_users", "Users", map[string]any{"Users": users, "OrgNames": names, "Pager": pg.counted(c, total), "Base": "/admin/users", "Me": me(c)})
}

type newUserForm struct {
	Name           string `form:"name" json:"name" validate:"required,max=200" msg:"required=Enter the user's full name|max=Full name must be 200 characters or fewer"`
	Email          string `form:"email" json:"email" validate:"required,email,max=254" msg:"required=Enter the user's email address|*=Enter an email address in the correct format, like name@example.com"`
	OrganisationID string `form:"organisation_id" json:"-" validate:"required,number" msg:"*=Select an organisation"`
	Role           string `form:"role" json:"role" validate:"required,oneof=consortium_admin commissioner approver host_council_user" msg:"*=Select a role: consortium administrator, commissioner, approver or host council user"`
}

// invitableRoles are the roles a consortium admin gives, in the order the form offers them.
var invitableRoles = []kernel.Role{kernel.RoleCommissioner, kernel.RoleApprover, kernel.RoleHostCouncilUser, kernel.RoleConsortiumAdmin}

// newUserData is the Add a user form's choices: the consortium and its member councils,
// then every other English council outside a consortium, whose staff can only be
// host-council users.
func (s *Server) newUserData(c echo.Context) (map[string]any, error) {
	ctx := c.Request().Context()
	consortium := currentOrg(c)
	orgs, err := s.manageableOrganisations(ctx, consortium)
	if err != nil {
		return nil, err
	}
	hosts, err := s.deps.Orgs.HostCouncils(ctx, consortium.ID)
	if err != nil {
		return nil, err
	}
	var own, others [][2]string
	for _, o := range orgs {
		own = append(own, [2]string{strconv.FormatInt(o.ID, 10), o.Name})
	}
	for _, o := range hosts {
		if o.ConsortiumID == nil {
			others = append(others, [2]string{strconv.FormatInt(o.ID, 10), o.Name})
		}
	}
	roles := [][2]string{}
	for _, r := range invitableRoles {
		roles = append(roles, [2]string{string(r), r.Label()})
	}
	return map[string]any{"Organisations": own, "OtherCouncils": others, "Roles": roles}, nil
}

func (s *Server) newUserPage(c echo.Context) error {
	data, err := s.newUserData(c)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "admin_user_new", "Add a user", data, withBack())
}

func (s *Server) newUser(c echo.Context) error {
	var f newUserForm
	form, err := bindForm(c, &f)
	if err != nil {
		return err
	}
	data, err := s.newUserData(c)
	if err != nil {
		return err
	}
	fe := s.check(&f)
	if fe == nil {
		orgID, _ := strconv.ParseInt(f.OrganisationID, 10, 64)
		_, err = s.inviteUser(c, auth.NewUser{Email: f.Email, Name: f.Name, Role: kernel.Role(f.Role), OrganisationID: orgID})
		if err != nil && !asFieldErrors(err, &fe) {
			return err
		}
	}
	if fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "admin_user_new", "Add a user", data, withForm(form, fe), withBack())
	}
	s.flash(c, f.Name+" has been added and sent an invitation")
	return c.Redirect(http.StatusSeeOther, "/admin/users")
}

// auditFilter reads the audit log's filters from the query, reporting bad dates.
func auditFilter(q url.Values) (audit.Filter, kernel.FieldErrors) {
	f := audit.Filter{Action: q.Get("action"), ActorEmail: q.Get("actor"), EntityType: q.Get("entity_type"), EntityID: q.Get("entity_id")}
	var fe kernel.FieldErrors
	parse := func(field string) time.Time {
		v := q.Get(field)
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, london)
		if err != nil {
			fe.Add(field, "Enter a date like 2026-11-23")
		}
		return t
	}
	f.From = parse("from")
	if to := parse("to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // inclusive of the whole day
	}
	return f, fe
}

// auditView is whose audit log the signed-in user reads, and at which path: a
// consortium admin their consortium's at /admin/audit, the SWCU secure welfare's at
// /secure/audit. Anyone else sees nothing.
func auditView(c echo.Context) (audit.Scope, string) {
	u, _ := currentUser(c)
	switch u.Role {
	case kernel.RoleConsortiumAdmin:
		return audit.ConsortiumScope(currentOrg(c).ID), "/admin/audit"
	case kernel.RoleSWCUCoordinator:
		return audit.SecureWelfareScope, "/secure/audit"
	}
	return audit.Scope{}, "/"
}

func (s *Server) auditPage(c echo.Context) error {
	ctx := c.Request().Context()
	scope, base := auditView(c)
	q := c.QueryParams()
	f, fe := auditFilter(q)
	pg, err := newPager(q, defaultPerPage)
	if err != nil {
		return err
	}
	var entries []audit.Entry
	var total int64
	if fe == nil {
		var err error
		if entries, total, err = s.deps.Audit.List(ctx, scope, f, pg.Offset(), pg.Size); err != nil {
			return err
		}
	}
	actions, err := s.deps.Audit.Actions(ctx, scope)
	if err != nil {
		return err
	}
	opts := make([][2]string, len(actions))
	for i, a := range actions {
		opts[i] = [2]string{a, a}
	}
	form := map[string]string{}
	for k := range q {
		form[k] = q.Get(k)
	}
	qs := url.Values{}
	for k, v := range q {
		if k != "page" {
			qs[k] = v
		}
	}
	status := http.StatusOK
	if fe != nil {
		status = http.StatusUnprocessableEntity
	}
	return s.page(c, status, "admin_audit", "Audit log", map[string]any{
		"Entries": entries, "Total": total, "Actions": opts, "Query": qs.Encode(), "Pager": pg.withTotal(total, base, qs), "Base": base,
	}, withForm(form, fe))
}

func (s *Server) auditCSV(c echo.Context) error {
	f, fe := auditFilter(c.QueryParams())
	if fe != nil {
		return echo.NewHTTPError(http.StatusBadRequest, fe.Error())
	}
	ctx := c.Request().Context()
	scope, _ := auditView(c)
	if err := s.deps.Audit.Record(ctx, "audit_log.export", "audit_log", "", map[string]any{"filter": c.QueryString()}); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="hearth-audit-`+s.now().In(london).Format("2006-01-02")+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	return s.deps.Audit.WriteCSV(ctx, c.Response(), scope, f)
}

func (s *Server) outboxPage(c echo.Context) error {
	pg, err := newPager(c.QueryParams(), defaultPerPage)
	if err != nil {
		return err
	}
	emails, total, err := s.deps.Outbox.List(c.Request().Context(), notify.ConsortiumMail(currentOrg(c).ID), pg.Offset(), pg.Size)
	if err != nil {
		return err
	}
	var aboutChildren []int64
	for _, e := range emails {
		if e.AboutChild {
			aboutChildren = append(aboutChildren, e.ID)
		}
	}
	if err := s.auditList(c, "email", aboutChildren); err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "admin_outbox", "Email outbox", map[string]any{
		"Emails": emails, "Sending": s.cfg.SMTPConfigured, "Pager": pg.withTotal(total, "/admin/outbox", url.Values{}),
	})
}

func (s *Server) emailPage(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	e, err := s.deps.Outbox.Get(c.Request().Context(), notify.ConsortiumMail(currentOrg(c).ID), id)
	if errors.Is(err, kernel.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	if e.AboutChild {
		if err := s.auditList(c, "email", []int64{e.ID}); err != nil {
			return err
		}
	}
	return s.page(c, http.StatusOK, "admin_email", e.Subject, map[string]any{"Email": e})
}
