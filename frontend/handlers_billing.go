package frontend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

// Billing: councils see their invoices; providers connect to Stripe and follow their
// payments; the consortium admin runs the month's invoices and watches levy, spend,
// failures and transfers waiting for onboarding. Stripe tells Hearth what happened
// through signed webhooks.

// stripeWebhook verifies and applies one Stripe event. A bad or missing signature is a
// 400 and nothing is processed; anything else Hearth could not store is a 500, so Stripe
// retries.
func (s *Server) stripeWebhook(c echo.Context) error {
	payload, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The request body could not be read.")
	}
	err = s.deps.Billing.HandleWebhook(c.Request().Context(), payload, c.Request().Header.Get("Stripe-Signature"))
	switch {
	case errors.Is(err, billing.ErrBadSignature), errors.Is(err, billing.ErrNotConfigured):
		slog.WarnContext(c.Request().Context(), "stripe webhook refused", "err", err)
		return c.JSON(http.StatusBadRequest, map[string]string{"error": "signature verification failed"})
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"received": true})
}

func (s *Server) billingPage(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	data := map[string]any{"Configured": s.deps.Billing.Configured()}
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	if org.Kind == kernel.KindProvider {
		acct, ok, err := s.deps.Billing.AccountOf(ctx, org.ID)
		if err != nil {
			return err
		}
		pays, total, err := s.deps.Billing.ProviderPaymentsPage(ctx, org.ID, pg.rows())
		if err != nil {
			return err
		}
		expected, received, err := s.deps.Billing.PaymentTotals(ctx, org.ID)
		if err != nil {
			return err
		}
		data["Account"], data["Onboarded"], data["Payments"], data["Expected"], data["Received"] = acct, ok, pays, expected, received
		data["Pager"] = pg.counted(c, total)
		return s.page(c, http.StatusOK, "billing_provider", "Payments", data)
	}
	invs, total, err := s.deps.Billing.CouncilInvoicesPage(ctx, org.ID, pg.rows())
	if err != nil {
		return err
	}
	data["Invoices"], data["Pager"] = invs, pg.counted(c, total)
	return s.page(c, http.StatusOK, "billing_council", "Invoices", data)
}

func (s *Server) billingCSV(c echo.Context) error {
	invs, err := s.deps.Billing.CouncilInvoices(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="invoices.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	return billing.WriteCSV(c.Response(), invs)
}

// onboard starts or resumes the provider's Stripe onboarding and offers the link.
func (s *Server) onboard(c echo.Context) error {
	url, err := s.deps.Billing.Onboard(c.Request().Context(), currentOrg(c).ID, s.cfg.BaseURL+"/billing", s.cfg.BaseURL+"/billing")
	switch {
	case errors.Is(err, billing.ErrNotConfigured):
		s.flash(c, "Billing is not configured on this Hearth, so payments cannot be set up yet")
		return c.Redirect(http.StatusSeeOther, "/billing")
	case errors.Is(err, billing.ErrStripe):
		slog.ErrorContext(c.Request().Context(), "stripe onboarding", "err", err)
		s.flash(c, "Stripe could not start your onboarding just now. Try again in a few minutes.")
		return c.Redirect(http.StatusSeeOther, "/billing")
	case err != nil:
		return err
	}
	return s.page(c, http.StatusOK, "billing_onboard", "Set up payments", map[string]any{"URL": url})
}

func (s *Server) adminBilling(c echo.Context) error {
	return s.renderAdminBilling(c, http.StatusOK, nil, nil, nil)
}

func (s *Server) renderAdminBilling(c echo.Context, status int, form map[string]string, fe kernel.FieldErrors, res *billing.RunResult) error {
	o, err := s.deps.Billing.Overview(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	var months [][2]string
	first, _ := billing.MonthOf(s.now())
	for i := range 12 {
		m := first.AddDate(0, -i, 0)
		months = append(months, [2]string{m.Format("2006-01"), m.Format("January 2006")})
	}
	var councils [][2]string
	for _, cc := range o.Councils {
		councils = append(councils, [2]string{strconv.FormatInt(cc.ID, 10), cc.Name})
	}
	if form == nil {
		form = map[string]string{"month": first.AddDate(0, -1, 0).Format("2006-01")}
	}
	return s.page(c, status, "admin_billing", "Billing", map[string]any{"O": o, "Months": months, "CouncilOptions": councils, "Result": res,
		"Configured": s.deps.Billing.Configured()}, withForm(form, fe))
}

func (s *Server) runInvoices(c echo.Context) error {
	var in billing.RunInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if fe != nil {
		return s.renderAdminBilling(c, http.StatusUnprocessableEntity, form, fe, nil)
	}
	start, end := in.Period()
	u, _ := currentUser(c)
	res, err := s.deps.Billing.Run(c.Request().Context(), currentOrg(c).ID, start, end, u.ID)
	if err != nil {
		return err
	}
	s.flash(c, fmt.Sprintf("%s to %s: %d %s created, %d already invoiced. Stripe is being updated in the background.", start.Format("2 January 2006"), end.AddDate(0, 0, -1).Format("2 January 2006"),
		res.Created, map[bool]string{true: "invoice", false: "invoices"}[res.Created == 1], res.Existing))
	return s.renderAdminBilling(c, http.StatusOK, form, nil, &res)
}

func (s *Server) setBillingContact(c echo.Context) error {
	var in billing.ContactInput
	form, fe, err := s.decodeForm(c, &in)
	if err != nil {
		return err
	}
	if !fe.Has("council_id") {
		member, err := s.memberCouncil(c.Request().Context(), currentOrg(c).ID, in.CouncilID)
		if err != nil {
			return err
		}
		if !member {
			fe.Add("council_id", "Select a member council")
		}
	}
	if len(fe) > 0 {
		return s.renderAdminBilling(c, http.StatusUnprocessableEntity, form, fe, nil)
	}
	if err := s.deps.Billing.SetBillingContact(c.Request().Context(), in.CouncilID, in.Email()); err != nil {
		return err
	}
	s.flash(c, "The billing contact is saved")
	return c.Redirect(http.StatusSeeOther, "/admin/billing")
}

// memberCouncil reports whether councilID is one of the consortium's member councils,
// whose billing contact its admin may set.
func (s *Server) memberCouncil(ctx context.Context, consortiumID, councilID int64) (bool, error) {
	o, err := s.deps.Billing.Overview(ctx, consortiumID)
	if err != nil {
		return false, err
	}
	for _, cc := range o.Councils {
		if cc.ID == councilID {
			return true, nil
		}
	}
	return false, nil
}
