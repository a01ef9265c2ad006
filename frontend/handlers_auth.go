package frontend

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
)

type signInForm struct {
	Email    string `form:"email" validate:"required,email" msg:"required=Enter your email address|email=Enter an email address in the correct format, like name@example.com"`
	Password string `form:"password" validate:"required" msg:"required=Enter your password"`
	Next     string `form:"next"`
}

func (s *Server) signInPage(c echo.Context) error {
	if _, ok := currentUser(c); ok {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return s.page(c, http.StatusOK, "sign_in", "Sign in", nil, withForm(map[string]string{"next": safeNext(c.QueryParam("next"))}, nil))
}

func (s *Server) signIn(c echo.Context) error {
	var f signInForm
	form, err := bindForm(c, &f)
	if err != nil {
		return err
	}
	if fe := s.check(&f); fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "sign_in", "Sign in", nil, withForm(form, fe))
	}
	ctx := c.Request().Context()
	u, err := s.deps.Users.Authenticate(ctx, f.Email, f.Password, c.RealIP())
	switch {
	case errors.Is(err, auth.ErrThrottled):
		return s.page(c, http.StatusTooManyRequests, "sign_in", "Sign in", nil,
			withForm(form, kernel.FieldErrors{{Field: "email", Message: "Too many failed attempts to sign in to this account or from this network. " + auth.ThrottleAdvice}}))
	case errors.Is(err, auth.ErrBadCredentials):
		return s.page(c, http.StatusUnprocessableEntity, "sign_in", "Sign in", nil,
			withForm(form, kernel.FieldErrors{{Field: "email", Message: "Enter a correct email address and password"}}))
	case err != nil:
		return err
	}
	// A new session token at every change of privilege defeats session fixation.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, "next", safeNext(f.Next))
	if u.MFAEnabled() || u.Role.RequiresMFA() {
		s.sessions.Put(ctx, sessPendingID, u.ID)
		if u.MFAEnabled() {
			return c.Redirect(http.StatusSeeOther, "/sign-in/mfa")
		}
		return c.Redirect(http.StatusSeeOther, "/account/mfa")
	}
	return s.completeSignIn(c, u)
}

// completeSignIn turns a checked user into a signed-in session.
func (s *Server) completeSignIn(c echo.Context, u auth.User) error {
	ctx := c.Request().Context()
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Remove(ctx, sessPendingID)
	s.sessions.Remove(ctx, sessMFASecret)
	s.sessions.Remove(ctx, sessReferralDraft) // a form kept by whoever used this browser before
	s.sessions.Put(ctx, sessUserID, u.ID)
	if err := s.setPrincipal(c, u); err != nil {
		return err
	}
	// The register of sessions lets the user see and end this one from elsewhere.
	if err := s.deps.Users.RecordSession(ctx, u, s.sessionKey(c), c.RealIP(), c.Request().UserAgent()); err != nil {
		return err
	}
	if err := s.deps.Users.SignedIn(c.Request().Context(), u); err != nil {
		return err
	}
	next := safeNext(s.sessions.PopString(ctx, "next"))
	return c.Redirect(http.StatusSeeOther, next)
}

func (s *Server) pendingUser(c echo.Context) (auth.User, bool) {
	u, ok := currentUser(c)
	if !ok || s.sessions.GetInt64(c.Request().Context(), sessPendingID) != u.ID {
		return u, false
	}
	return u, true
}

type codeForm struct {
	Code string `form:"code" validate:"required,numeric,len=6" msg:"required=Enter the 6-digit security code|*=Enter the 6-digit security code from your authenticator app, like 123456"`
}

func (s *Server) mfaVerifyPage(c echo.Context) error {
	u, pending := s.pendingUser(c)
	if !pending || !u.MFAEnabled() {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return s.page(c, http.StatusOK, "mfa_verify", "Enter your security code", nil, noNav)
}

func (s *Server) mfaVerify(c echo.Context) error {
	u, pending := s.pendingUser(c)
	if !pending || !u.MFAEnabled() {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	var f codeForm
	form, err := bindForm(c, &f)
	if err != nil {
		return err
	}
	if fe := s.check(&f); fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "mfa_verify", "Enter your security code", nil, withForm(form, fe), noNav)
	}
	err = s.deps.Users.CheckMFA(c.Request().Context(), u, f.Code, c.RealIP())
	switch {
	case errors.Is(err, auth.ErrThrottled):
		return s.page(c, http.StatusTooManyRequests, "mfa_verify", "Enter your security code", nil,
			withForm(form, kernel.FieldErrors{{Field: "code", Message: "Too many wrong codes. " + auth.ThrottleAdvice}}), noNav)
	case errors.Is(err, auth.ErrBadCode):
		return s.page(c, http.StatusUnprocessableEntity, "mfa_verify", "Enter your security code", nil,
			withForm(form, kernel.FieldErrors{{Field: "code", Message: "The security code is wrong or has expired: enter the code your app shows now"}}), noNav)
	case err != nil:
		return err
	}
	return s.completeSignIn(c, u)
}

// noNav hides the navigation on pages shown before sign-in is complete.
func noNav(v *View) { v.Nav = nil }

func (s *Server) mfaSetupPage(c echo.Context) error {
	u, _ := currentUser(c)
	if u.MFAEnabled() {
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	return s.renderMFASetup(c, u, http.StatusOK, nil, nil)
}

// enrolmentSecret returns the TOTP secret offered to u in this session, if any. The
// session holds it sealed, like the seeds in the users table.
func (s *Server) enrolmentSecret(c echo.Context, u auth.User) string {
	sealed := s.sessions.GetString(c.Request().Context(), sessMFASecret)
	if sealed == "" {
		return ""
	}
	secret, err := s.deps.Users.OpenEnrolment(u, sealed)
	if err != nil {
		return ""
	}
	return secret
}

func (s *Server) renderMFASetup(c echo.Context, u auth.User, status int, form map[string]string, fe kernel.FieldErrors) error {
	ctx := c.Request().Context()
	secret := s.enrolmentSecret(c, u)
	en, err := auth.NewEnrolment(u)
	if err != nil {
		return err
	}
	if secret == "" {
		secret = en.Secret
		sealed, err := s.deps.Users.SealEnrolment(u, secret)
		if err != nil {
			return err
		}
		s.sessions.Put(ctx, sessMFASecret, sealed)
	} else if en, err = auth.EnrolmentFor(u, secret); err != nil {
		return err
	}
	_, pending := s.pendingUser(c)
	opts := []func(*View){withForm(form, fe)}
	if pending {
		opts = append(opts, noNav)
	}
	return s.page(c, status, "mfa_setup", "Set up two-factor authentication", map[string]any{"QR": urlSafe(en.QRPNG), "Secret": secret, "Required": u.Role.RequiresMFA()}, opts...)
}

func (s *Server) mfaSetup(c echo.Context) error {
	u, _ := currentUser(c)
	if u.MFAEnabled() {
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	var f codeForm
	form, err := bindForm(c, &f)
	if err != nil {
		return err
	}
	if fe := s.check(&f); fe != nil {
		return s.renderMFASetup(c, u, http.StatusUnprocessableEntity, form, fe)
	}
	ctx := c.Request().Context()
	secret := s.enrolmentSecret(c, u)
	if secret == "" {
		return c.Redirect(http.StatusSeeOther, "/account/mfa")
	}
	if err := s.deps.Users.EnableMFA(ctx, u, secret, f.Code); errors.Is(err, auth.ErrBadCode) {
		return s.renderMFASetup(c, u, http.StatusUnprocessableEntity, form, kernel.FieldErrors{{Field: "code", Message: "The security code is wrong or has expired: enter the code your app shows now"}})
	} else if err != nil {
		return err
	}
	s.sessions.Remove(ctx, sessMFASecret)
	if _, pending := s.pendingUser(c); pending {
		u, err := s.deps.Users.ByID(ctx, u.ID)
		if err != nil {
			return err
		}
		return s.completeSignIn(c, u)
	}
	s.flash(c, "Two-factor authentication is on")
	return c.Redirect(http.StatusSeeOther, "/account")
}

func (s *Server) signOut(c echo.Context) error {
	ctx := c.Request().Context()
	if u, ok := currentUser(c); ok {
		_ = s.deps.Audit.Record(ctx, "user.sign_out", "user", fmt.Sprint(u.ID), nil)
	}
	if err := s.deps.Users.ForgetSession(ctx, s.sessionKey(c)); err != nil {
		return err
	}
	if err := s.sessions.Destroy(ctx); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/sign-in")
}

type forgotForm struct {
	Email string `form:"email" validate:"required,email" msg:"required=Enter your email address|email=Enter an email address in the correct format, like name@example.com"`
}

func (s *Server) forgotPage(c echo.Context) error {
	return s.page(c, http.StatusOK, "forgot_password", "Reset your password", map[string]any{"Sent": false})
}

func (s *Server) forgot(c echo.Context) error {
	var f forgotForm
	form, err := bindForm(c, &f)
	if err != nil {
		return err
	}
	if fe := s.check(&f); fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "forgot_password", "Reset your password", map[string]any{"Sent": false}, withForm(form, fe))
	}
	ctx := c.Request().Context()
	// Requests are limited per address and per email, whether or not the account exists.
	if err := s.deps.Users.AllowRequest(ctx, auth.RequestPasswordReset, f.Email, c.RealIP()); errors.Is(err, auth.ErrThrottled) {
		return s.page(c, http.StatusTooManyRequests, "forgot_password", "Reset your password", map[string]any{"Sent": false},
			withForm(form, kernel.FieldErrors{{Field: "email", Message: "Too many reset links were asked for this email address or from this network. " + auth.RequestAdvice}}))
	} else if err != nil {
		return err
	}
	// The answer is the same whether or not the account exists.
	if u, err := s.deps.Users.ByEmail(ctx, f.Email); err == nil && u.DisabledAt == nil {
		if err := s.deps.Users.SendPasswordReset(ctx, u); err != nil {
			return err
		}
	}
	return s.page(c, http.StatusOK, "forgot_password", "Check your email", map[string]any{"Sent": true}, withForm(form, nil))
}

type resetForm struct {
	Password string `form:"password" validate:"required" msg:"required=Enter a new password"`
	Confirm  string `form:"confirm" validate:"required,eqfield=Password" msg:"required=Confirm your new password|eqfield=The passwords do not match"`
}

func (s *Server) resetPage(c echo.Context) error {
	u, err := s.deps.Users.CheckPasswordReset(c.Request().Context(), c.Param("token"))
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	return s.page(c, http.StatusOK, "reset_password", "Choose a new password", map[string]any{"Email": u.Email, "Token": c.Param("token")})
}

func (s *Server) reset(c echo.Context) error {
	ctx := c.Request().Context()
	tok := c.Param("token")
	u, err := s.deps.Users.CheckPasswordReset(ctx, tok)
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	var f resetForm
	form, err := bindForm(c, &f)
	if err != nil {
		return err
	}
	data := map[string]any{"Email": u.Email, "Token": tok}
	fe := s.check(&f)
	if fe == nil {
		if msg := auth.CheckPassword(f.Password, u.Email); msg != "" {
			fe = kernel.FieldErrors{{Field: "password", Message: msg}}
		}
	}
	if fe != nil {
		return s.page(c, http.StatusUnprocessableEntity, "reset_password", "Choose a new password", data, withForm(form, fe))
	}
	// Every session of the user ends, this one too if it was theirs.
	if _, err := s.deps.Users.ResetPassword(ctx, tok, f.Password, ""); errors.Is(err, auth.ErrBadToken) {
		return echo.NewHTTPError(http.StatusNotFound)
	} else if err != nil {
		return err
	}
	s.flash(c, "Your password has been changed. Sign in with your new password.")
	return c.Redirect(http.StatusSeeOther, "/sign-in")
}

// sessionKey is the key the current session is stored and registered under.
func (s *Server) sessionKey(c echo.Context) string {
	return auth.SessionKey(s.sessions.Token(c.Request().Context()))
}

// urlSafe marks a data: URL that Hearth generated itself as safe for an img src.
func urlSafe(u string) template.URL { return template.URL(u) } //nolint:gosec // generated by auth.NewEnrolment, never user input
