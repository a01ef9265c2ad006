package frontend

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// Policy says who may use a route. Every route has one, declared where it is
// registered (see routes.go); a test fails if any route lacks one.
type Policy struct {
	// Public routes need no sign-in.
	Public bool
	// API routes authenticate with a bearer token instead of a session.
	API bool
	// Roles that may use the route; empty means any signed-in user.
	Roles []kernel.Role
	// MFAPending routes are reachable after the password but before the second
	// factor (the MFA pages themselves).
	MFAPending bool
}

// Public is the policy for pages anyone may see.
var Public = Policy{Public: true}

// SignedIn is the policy for pages any signed-in user may see.
var SignedIn = Policy{}

// Roles returns a policy admitting only signed-in users with one of roles.
func Roles(roles ...kernel.Role) Policy { return Policy{Roles: roles} }

// APIRoles returns a policy for API routes admitting bearer tokens of users with one
// of roles (any role when none is given).
func APIRoles(roles ...kernel.Role) Policy { return Policy{API: true, Roles: roles} }

func (p Policy) admits(r kernel.Role) bool {
	return len(p.Roles) == 0 || slices.Contains(p.Roles, r)
}

// String describes the policy, for the route table in the README and test output.
func (p Policy) String() string {
	var who string
	switch {
	case p.Public:
		return "public"
	case len(p.Roles) == 0:
		who = "any signed-in user"
	default:
		parts := make([]string, len(p.Roles))
		for i, r := range p.Roles {
			parts[i] = string(r)
		}
		who = strings.Join(parts, ", ")
	}
	if p.API {
		return "API token: " + who
	}
	return who
}

// route registers a handler with its policy.
func (s *Server) route(method, path string, p Policy, h echo.HandlerFunc) {
	key := method + " " + path
	if _, dup := s.policies[key]; dup {
		panic("frontend: route registered twice: " + key)
	}
	s.policies[key] = p
	s.e.Add(method, path, h, s.authorise(p), s.idempotent)
}

// PolicyFor returns the policy declared for a registered route.
func (s *Server) PolicyFor(method, path string) (Policy, bool) {
	p, ok := s.policies[method+" "+path]
	return p, ok
}

// Routes returns echo's registered routes (for the policy test).
func (s *Server) Routes() []*echo.Route { return s.e.Routes() }

const (
	ctxUser = "hearth.user"
	ctxOrg  = "hearth.org"
)

// Session keys.
const (
	sessUserID    = "uid"         // fully signed in
	sessPendingID = "pending_uid" // password checked, second factor still to come
	sessMFASecret = "mfa_secret"  // TOTP secret offered during enrolment
	sessFlash     = "flash"
)

func (s *Server) authorise(p Policy) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if p.Public {
				// Public pages still show who is signed in, if anyone is.
				if id := s.sessions.GetInt64(c.Request().Context(), sessUserID); id != 0 {
					if u, err := s.deps.Users.ByID(c.Request().Context(), id); err == nil && u.DisabledAt == nil {
						if err := s.setPrincipal(c, u); err != nil {
							return err
						}
					}
				}
				return next(c)
			}
			if p.API {
				return s.authoriseAPI(c, p, next)
			}
			ctx := c.Request().Context()
			id := s.sessions.GetInt64(ctx, sessUserID)
			if id == 0 && p.MFAPending {
				id = s.sessions.GetInt64(ctx, sessPendingID)
			}
			if id == 0 {
				if pid := s.sessions.GetInt64(ctx, sessPendingID); pid != 0 {
					return c.Redirect(http.StatusSeeOther, "/sign-in/mfa")
				}
				return c.Redirect(http.StatusSeeOther, "/sign-in?next="+url.QueryEscape(safeNext(c.Request().URL.RequestURI())))
			}
			u, err := s.deps.Users.ByID(ctx, id)
			if err != nil || u.DisabledAt != nil {
				_ = s.sessions.Destroy(ctx)
				return c.Redirect(http.StatusSeeOther, "/sign-in")
			}
			// A signed-in session must still be in the register: ending it elsewhere
			// (a password reset, "sign out everywhere else") ends it here (ASVS V3.3.3).
			if s.sessions.GetInt64(ctx, sessUserID) == u.ID {
				if err := s.deps.Users.TouchSession(ctx, u, s.sessionKey(c)); errors.Is(err, auth.ErrSessionEnded) {
					_ = s.sessions.Destroy(ctx)
					return c.Redirect(http.StatusSeeOther, "/sign-in")
				} else if err != nil {
					return err
				}
			}
			// A fully signed-in user whose role needs a second factor but who has not
			// enrolled may only reach the enrolment page.
			if u.Role.RequiresMFA() && !u.MFAEnabled() && !p.MFAPending {
				return c.Redirect(http.StatusSeeOther, "/account/mfa")
			}
			if err := s.setPrincipal(c, u); err != nil {
				return err
			}
			if !p.admits(u.Role) {
				return echo.NewHTTPError(http.StatusForbidden, "Your role ("+u.Role.Label()+") cannot use this page.")
			}
			return next(c)
		}
	}
}

func (s *Server) authoriseAPI(c echo.Context, p Policy, next echo.HandlerFunc) error {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="hearth"`)
		return echo.NewHTTPError(http.StatusUnauthorized, "Send an API token in an Authorization: Bearer header.")
	}
	u, err := s.deps.Users.AuthenticateAPIToken(c.Request().Context(), strings.TrimSpace(tok))
	if err != nil && !errors.Is(err, auth.ErrNoToken) {
		// The token could not be checked (the database is failing over, say): a 503 the
		// client retries, never a 401 that tells it to drop a good token.
		slog.WarnContext(c.Request().Context(), "API token check failed", "err", err)
		return echo.NewHTTPError(http.StatusServiceUnavailable, "Hearth cannot check API tokens just now: retry shortly.")
	}
	if err != nil {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="hearth", error="invalid_token"`)
		return echo.NewHTTPError(http.StatusUnauthorized, "The API token is missing, unknown or revoked.")
	}
	if err := s.setPrincipal(c, u); err != nil {
		return err
	}
	if !p.admits(u.Role) {
		return echo.NewHTTPError(http.StatusForbidden, "Your role ("+string(u.Role)+") cannot use this endpoint.")
	}
	return next(c)
}

// setPrincipal puts the user, their organisation and the audit actor in the context.
func (s *Server) setPrincipal(c echo.Context, u auth.User) error {
	org, err := s.deps.Orgs.Organisation(c.Request().Context(), u.OrganisationID)
	if err != nil {
		return fmt.Errorf("organisation of user %d: %w", u.ID, err)
	}
	c.Set(ctxUser, u)
	c.Set(ctxOrg, org)
	ctx := audit.WithActor(c.Request().Context(), audit.Actor{
		UserID: u.ID, OrgID: org.ID, Label: fmt.Sprintf("%s (%s)", u.Email, u.Role),
		IP: c.RealIP(), RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
	})
	c.SetRequest(c.Request().WithContext(ctx))
	return nil
}

// currentUser returns the signed-in user; ok is false on public pages without one.
func currentUser(c echo.Context) (auth.User, bool) {
	u, ok := c.Get(ctxUser).(auth.User)
	return u, ok
}

func currentOrg(c echo.Context) commissioning.Organisation {
	o, _ := c.Get(ctxOrg).(commissioning.Organisation)
	return o
}

// safeNext keeps post-sign-in redirects on this site (ASVS V5.1.5): only a path
// that starts with a single slash, holding no backslash, control character or
// whitespace (browsers drop tabs and newlines, so "/\t/evil" is "//evil") and no
// scheme or host when parsed; anything else is the home page.
func safeNext(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || !utf8.ValidString(next) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	// Encoded or not: some browsers and proxies decode before they resolve.
	if strings.ContainsFunc(next+u.Path, func(r rune) bool { return r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) }) {
		return "/"
	}
	return next
}

// CanFollow reports whether a signed-in user with role may follow a link to target
// (a path, with or without a query): the route it reaches admits the role. Pages use
// it, through View.Can, so that no menu item or action link leads to a 403. Public
// routes are always followable; a path that matches no page route is not.
func (s *Server) CanFollow(role kernel.Role, target string) bool {
	return s.CanUse(role, http.MethodGet, target)
}

// CanUse reports whether a signed-in user with role may send a method request to
// target (a form's action, for POST).
func (s *Server) CanUse(role kernel.Role, method, target string) bool {
	p, ok := s.policyOfLink(method, target)
	if !ok {
		return false
	}
	return p.Public || (!p.API && p.admits(role))
}

// policyOfLink finds the policy of the route that method and target's path reach.
func (s *Server) policyOfLink(method, target string) (Policy, bool) {
	path, _, _ := strings.Cut(target, "?")
	path, _, _ = strings.Cut(path, "#")
	c := s.e.NewContext(nil, nil)
	s.e.Router().Find(method, path, c)
	return s.PolicyFor(method, c.Path())
}
