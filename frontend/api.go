package frontend

import (
	_ "embed"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/frontend/auth"
)

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/json", openAPIDoc)
}

// apiUser is a user as the API shows it.
type apiUser struct {
	ID             int64      `json:"id"`
	Email          string     `json:"email"`
	Name           string     `json:"name"`
	Role           string     `json:"role"`
	OrganisationID int64      `json:"organisation_id"`
	MFAEnabled     bool       `json:"mfa_enabled"`
	LastSignInAt   *time.Time `json:"last_sign_in_at"`
}

func toAPIUser(u auth.User) apiUser {
	return apiUser{ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role), OrganisationID: u.OrganisationID, MFAEnabled: u.MFAEnabled(), LastSignInAt: u.LastLoginAt}
}

type apiOrganisation struct {
	ID           int64   `json:"id"`
	Kind         string  `json:"kind"`
	Name         string  `json:"name"`
	ONSCode      *string `json:"ons_code"`
	Region       *string `json:"region"`
	ConsortiumID *int64  `json:"consortium_id"`
}

func toAPIOrganisation(o commissioning.Organisation) apiOrganisation {
	return apiOrganisation{ID: o.ID, Kind: string(o.Kind), Name: o.Name, ONSCode: o.ONSCode, Region: o.Region, ConsortiumID: o.ConsortiumID}
}

func (s *Server) apiMe(c echo.Context) error {
	u, _ := currentUser(c)
	return c.JSON(http.StatusOK, map[string]any{"user": toAPIUser(u), "organisation": toAPIOrganisation(currentOrg(c))})
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
	out := make([]apiUser, len(users))
	for i, u := range users {
		out[i] = toAPIUser(u)
	}
	return c.JSON(http.StatusOK, pg.with(map[string]any{"users": out}))
}

type createUserRequest struct {
	Name           string `json:"name" validate:"required,max=200"`
	Email          string `json:"email" validate:"required,email,max=254"`
	Role           string `json:"role" validate:"required,oneof=consortium_admin commissioner approver host_council_user"`
	OrganisationID int64  `json:"organisation_id" validate:"required,gt=0"`
}

func (s *Server) apiCreateUser(c echo.Context) error {
	var req createUserRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.inviteUser(c, auth.NewUser{Email: req.Email, Name: req.Name, Role: commissioning.Role(req.Role), OrganisationID: req.OrganisationID})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/users") // listed there; there is no GET of one user
	return c.JSON(http.StatusCreated, toAPIUser(u))
}

// asFieldErrors reports whether err carries field errors, and puts them in fe.
func asFieldErrors(err error, fe *commissioning.FieldErrors) bool {
	return errors.As(err, fe)
}
