package frontend

import (
	_ "embed"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/frontend/auth"
)

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/json", openAPIDoc)
}

func toAPIUser(u auth.User) apitypes.User {
	return apitypes.User{Id: u.ID, Email: openapi_types.Email(u.Email), Name: u.Name, Role: apitypes.Role(u.Role), OrganisationId: u.OrganisationID,
		MfaEnabled: u.MFAEnabled(), LastSignInAt: u.LastLoginAt, DeactivatedAt: u.DisabledAt}
}

func toAPIOrganisation(o commissioning.Organisation) apitypes.Organisation {
	return apitypes.Organisation{Id: o.ID, Kind: apitypes.OrganisationKind(o.Kind), Name: o.Name, OnsCode: o.ONSCode, Region: o.Region, ConsortiumId: o.ConsortiumID}
}

func (s *Server) apiMe(c echo.Context) error {
	u, _ := currentUser(c)
	return c.JSON(http.StatusOK, apitypes.Me{User: toAPIUser(u), Organisation: toAPIOrganisation(currentOrg(c))})
}

func (s *Server) apiOrganisation(c echo.Context) error {
	org, err := s.visibleOrganisation(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIOrganisation(org))
}

func (s *Server) apiUsers(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	users, _, total, err := s.consortiumUsers(c, pg.rows())
	if err != nil {
		return err
	}
	pg = pg.counted(c, total)
	out := apitypes.ListUsersResponse{Users: make([]apitypes.User, len(users)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for i, u := range users {
		out.Users[i] = toAPIUser(u)
	}
	return c.JSON(http.StatusOK, out)
}

type createUserRequest struct {
	Name           string `json:"name" validate:"required,max=200"`
	Email          string `json:"email" validate:"required,email,max=254"`
	Role           string `json:"role" validate:"required,oneof=consortium_admin commissioner approver host_council_user police_liaison"`
	OrganisationID int64  `json:"organisation_id" validate:"required,gt=0"`
}

func (s *Server) apiCreateUser(c echo.Context) error {
	var req createUserRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.inviteUser(c, auth.NewUser{Email: req.Email, Name: req.Name, Role: kernel.Role(req.Role), OrganisationID: req.OrganisationID})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/users") // listed there; there is no GET of one user
	return c.JSON(http.StatusCreated, toAPIUser(u))
}

// asFieldErrors reports whether err carries field errors, and puts them in fe.
func asFieldErrors(err error, fe *kernel.FieldErrors) bool {
	return errors.As(err, fe)
}
