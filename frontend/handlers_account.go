package frontend

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// A signed-in user's own credentials: their password and their sessions.

func (s *Server) passwordPage(c echo.Context) error {
	return s.page(c, http.StatusOK, "account_password", "Change your password", nil, withBack())
}

// changePassword sets a new password after checking the current one; every other
// session ends and the user is emailed.
func (s *Server) changePassword(c echo.Context) error {
	var f auth.PasswordChange
	form, err := bindForm(c, &f)
	if err != nil {
		return err
	}
	u, _ := currentUser(c)
	err = s.deps.Users.ChangePassword(c.Request().Context(), u, f, s.sessionKey(c), c.RealIP())
	var fe kernel.FieldErrors
	switch {
	case errors.Is(err, auth.ErrThrottled):
		fe = kernel.FieldErrors{{Field: "current_password", Message: "Too many wrong passwords. " + auth.ThrottleAdvice}}
		return s.page(c, http.StatusTooManyRequests, "account_password", "Change your password", nil, withForm(form, fe), withBack())
	case asFieldErrors(err, &fe):
		return s.page(c, http.StatusUnprocessableEntity, "account_password", "Change your password", nil, withForm(form, fe), withBack())
	case err != nil:
		return err
	}
	s.flash(c, "Your password has been changed. Any other sessions signed in as you have been signed out.")
	return c.Redirect(http.StatusSeeOther, "/account")
}

func (s *Server) sessionsPage(c echo.Context) error {
	u, _ := currentUser(c)
	list, err := s.deps.Users.Sessions(c.Request().Context(), u)
	if err != nil {
		return err
	}
	return s.page(c, http.StatusOK, "account_sessions", "Your sessions", map[string]any{"Sessions": list, "Current": s.sessionKey(c)})
}

func (s *Server) endSession(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	u, _ := currentUser(c)
	if err := s.deps.Users.EndSession(c.Request().Context(), u, id); err != nil {
		return err
	}
	s.flash(c, "That session has been signed out")
	return c.Redirect(http.StatusSeeOther, "/account/sessions")
}

func (s *Server) endOtherSessions(c echo.Context) error {
	u, _ := currentUser(c)
	if _, err := s.deps.Users.EndOtherSessions(c.Request().Context(), u, s.sessionKey(c)); err != nil {
		return err
	}
	s.flash(c, "Every other session has been signed out")
	return c.Redirect(http.StatusSeeOther, "/account/sessions")
}
