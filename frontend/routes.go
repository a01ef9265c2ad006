package frontend

import (
	"net/http"

	"github.com/labstack/echo/v4"

	c "github.com/hearth-placements/hearth/commissioning"
)

// routes declares every route with its authorisation policy: the one place to read
// who may do what.
func (s *Server) routes() {
	get, post := http.MethodGet, http.MethodPost
	admin := Roles(c.RoleConsortiumAdmin)
	mfa := Policy{MFAPending: true}

	// Operations and static files.
	s.route(get, "/healthz", Public, s.healthz)
	s.route(get, "/readyz", Public, s.readyz)
	s.route(get, "/metrics", Public, s.metrics.handler())
	s.route(get, "/static/*", Public, staticHandler("/static/", staticFiles()))
	s.route(get, "/assets/*", Public, staticHandler("/assets/", govukAssets()))

	// Signing in and out.
	s.route(get, "/sign-in", Public, s.signInPage)
	s.route(post, "/sign-in", Public, s.signIn)
	s.route(get, "/sign-in/mfa", mfa, s.mfaVerifyPage)
	s.route(post, "/sign-in/mfa", mfa, s.mfaVerify)
	s.route(post, "/sign-out", mfa, s.signOut)
	s.route(get, "/password/forgot", Public, s.forgotPage)
	s.route(post, "/password/forgot", Public, s.forgot)
	s.route(get, "/password/reset/:token", Public, s.resetPage)
	s.route(post, "/password/reset/:token", Public, s.reset)

	// Information pages.
	s.route(get, "/accessibility", Public, s.staticPage("accessibility", "Accessibility statement"))
	s.route(get, "/cookies", Public, s.staticPage("cookies", "Cookies"))

	// Everyone signed in.
	s.route(get, "/", SignedIn, s.home)
	s.route(get, "/account", SignedIn, s.account)
	s.route(get, "/account/mfa", mfa, s.mfaSetupPage)
	s.route(post, "/account/mfa", mfa, s.mfaSetup)
	s.route(get, "/account/tokens", SignedIn, s.tokensPage)
	s.route(post, "/account/tokens", SignedIn, s.createToken)
	s.route(post, "/account/tokens/:id/revoke", SignedIn, s.revokeToken)
	s.route(get, "/organisations/:id", SignedIn, s.organisationPage)

	// Consortium administration.
	s.route(get, "/admin/users", admin, s.adminUsers)
	s.route(get, "/admin/users/new", admin, s.newUserPage)
	s.route(post, "/admin/users/new", admin, s.newUser)
	s.route(get, "/admin/audit", admin, s.auditPage)
	s.route(get, "/admin/audit.csv", admin, s.auditCSV)
	s.route(get, "/admin/outbox", admin, s.outboxPage)
	s.route(get, "/admin/outbox/:id", admin, s.emailPage)

	// JSON API for organisations' own systems (bearer tokens).
	s.route(get, "/api/openapi.json", Public, s.openAPI)
	s.route(get, "/api/v1/me", APIRoles(), s.apiMe)
	s.route(get, "/api/v1/organisations/:id", APIRoles(), s.apiOrganisation)
	s.route(get, "/api/v1/users", APIRoles(c.RoleConsortiumAdmin), s.apiUsers)
	s.route(post, "/api/v1/users", APIRoles(c.RoleConsortiumAdmin), s.apiCreateUser)
}

func (s *Server) healthz(c echo.Context) error { return c.String(http.StatusOK, "ok\n") }

func (s *Server) readyz(c echo.Context) error {
	if err := s.deps.DB.Pool.Ping(c.Request().Context()); err != nil {
		return c.String(http.StatusServiceUnavailable, "database unavailable\n")
	}
	return c.String(http.StatusOK, "ready\n")
}

func (s *Server) staticPage(name, title string) echo.HandlerFunc {
	return func(c echo.Context) error { return s.page(c, http.StatusOK, name, title, nil) }
}
