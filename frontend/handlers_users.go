package frontend

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// me is the signed-in user's id.
func me(c echo.Context) int64 {
	u, _ := currentUser(c)
	return u.ID
}

// usersBase is where the signed-in admin manages users: a consortium admin at
// /admin/users, a provider admin at /provider/users.
func usersBase(c echo.Context) string {
	if u, _ := currentUser(c); u.Role == kernel.RoleProviderAdmin {
		return "/provider/users"
	}
	return "/admin/users"
}

// managedUser returns the user with the id in the path if the signed-in admin manages
// them, with the name of their organisation: a consortium admin the users of the
// consortium, its member councils, the police forces it invited and the host-council
// users it invited (the same tenancy as inviting); a provider admin its own provider's
// users. Anyone else's, or an unknown id, is kernel.ErrNotFound (a 404).
func (s *Server) managedUser(c echo.Context) (auth.User, string, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return auth.User{}, "", echo.ErrNotFound
	}
	u, err := s.deps.Users.ByID(c.Request().Context(), id)
	if err != nil {
		return auth.User{}, "", err
	}
	admin, _ := currentUser(c)
	org := currentOrg(c)
	switch admin.Role {
	case kernel.RoleProviderAdmin:
		if u.OrganisationID == org.ID {
			return u, org.Name, nil
		}
	case kernel.RoleConsortiumAdmin:
		ids, names, err := s.consortiumOrganisations(c)
		if err != nil {
			return auth.User{}, "", err
		}
		if slices.Contains(ids, u.OrganisationID) || (u.ManagedBy != nil && *u.ManagedBy == org.ID) {
			return u, names[u.OrganisationID], nil
		}
	}
	return auth.User{}, "", kernel.ErrNotFound
}

func (s *Server) removeAccessPage(c echo.Context) error {
	u, orgName, err := s.managedUser(c)
	if err != nil {
		return err
	}
	if u.ID == me(c) {
		return auth.ErrOwnAccess
	}
	return s.page(c, http.StatusOK, "user_remove", "Remove access for "+u.Name, map[string]any{"User": u, "OrgName": orgName, "Base": usersBase(c)}, withBack())
}

func (s *Server) removeAccess(c echo.Context) error {
	u, _, err := s.managedUser(c)
	if err != nil {
		return err
	}
	_, err = s.deps.Users.Deactivate(c.Request().Context(), u, me(c))
	switch {
	case errors.Is(err, auth.ErrAlreadyDeactivated):
		s.flash(c, u.Name+"'s access had already been removed")
	case err != nil:
		return err
	default:
		s.flash(c, u.Name+"'s access has been removed: they are signed out everywhere and their API tokens and links no longer work")
	}
	return c.Redirect(http.StatusSeeOther, usersBase(c))
}

// providerUsers is a provider admin's list of their provider's users.
func (s *Server) providerUsers(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	org := currentOrg(c)
	users, total, err := s.deps.Users.UsersPage(c.Request().Context(), []int64{org.ID}, 0, pg.rows())
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "admin_users", "Users", map[string]any{"Users": users, "OrgNames": map[int64]string{org.ID: org.Name},
		"Pager": pg.counted(c, total), "Base": "/provider/users", "Me": me(c), "Provider": true})
}

func (s *Server) apiDeactivateUser(c echo.Context) error {
	u, _, err := s.managedUser(c)
	if err != nil {
		return err
	}
	d, err := s.deps.Users.Deactivate(c.Request().Context(), u, me(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIUser(d.Deactivated))
}
