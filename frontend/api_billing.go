package frontend

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/frontend/apitypes"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

// The billing API: councils' invoices, providers' payments and onboarding, and the
// consortium admin's invoice runs.

func (s *Server) apiInvoices(c echo.Context) error {
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	invs, total, err := s.deps.Billing.CouncilInvoicesPage(c.Request().Context(), currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	pg = pg.counted(c, total)
	out := apitypes.ListInvoicesResponse{Invoices: make([]apitypes.Invoice, 0, len(invs)), Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	providers := map[int64]string{}
	for _, inv := range invs {
		a := apitypes.Invoice{Id: inv.ID, PeriodStart: apiDate(inv.PeriodStart), PeriodEndExclusive: apiDate(inv.PeriodEnd), Status: apitypes.InvoiceStatus(inv.Status),
			TotalPence: inv.TotalPence, CreditedPence: inv.CreditedPence(), NetPence: inv.NetPence(), Lines: []apitypes.InvoiceLine{}, CreditNotes: []apitypes.InvoiceCreditNote{}}
		placement := map[int64]int64{}
		for _, l := range inv.Lines {
			placement[l.ID] = l.PlacementID
			if _, ok := providers[l.ProviderID]; !ok {
				o, err := s.deps.Orgs.Organisation(c.Request().Context(), l.ProviderID)
				if err != nil {
					return err
				}
				providers[l.ProviderID] = o.Name
			}
			a.Lines = append(a.Lines, apitypes.InvoiceLine{PlacementId: l.PlacementID, Provider: apitypes.ProviderRef{Id: l.ProviderID, Name: providers[l.ProviderID]},
				LevyPence: l.LevyPence, From: apiDate(l.FromDate), ToExclusive: apiDate(l.ToDate), Nights: l.Days, WeeklyPence: l.WeeklyPence,
				AmountPence: l.AmountPence, Description: l.Description})
		}
		for _, cn := range inv.CreditNotes {
			n := apitypes.InvoiceCreditNote{Id: cn.ID, Status: apitypes.InvoiceCreditNotesStatus(cn.Status), Memo: cn.Memo, TotalPence: cn.TotalPence,
				CreatedAt: cn.CreatedAt, Lines: []apitypes.InvoiceCreditNoteLine{}}
			for _, l := range cn.Lines {
				n.Lines = append(n.Lines, apitypes.InvoiceCreditNoteLine{PlacementId: placement[l.InvoiceLineID], InvoiceLineId: l.InvoiceLineID,
					Reason: apitypes.InvoiceCreditNotesLinesReason(l.Reason), From: apiDate(l.FromDate), ToExclusive: apiDate(l.ToDate), Nights: l.Days,
					WeeklyPence: l.WeeklyPence, AmountPence: l.AmountPence, Description: l.Description})
			}
			a.CreditNotes = append(a.CreditNotes, n)
		}
		out.Invoices = append(out.Invoices, a)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiPayments(c echo.Context) error {
	ctx := c.Request().Context()
	pg, err := listPager(c)
	if err != nil {
		return err
	}
	acct, ok, err := s.deps.Billing.AccountOf(ctx, currentOrg(c).ID)
	if err != nil {
		return err
	}
	pays, total, err := s.deps.Billing.ProviderPaymentsPage(ctx, currentOrg(c).ID, pg.rows())
	if err != nil {
		return err
	}
	pg = pg.counted(c, total)
	out := apitypes.ListPaymentsResponse{OnboardingStarted: ok, PayoutsEnabled: acct.PayoutsEnabled, Payments: make([]apitypes.Payment, 0, len(pays)),
		Page: pg.Page, PerPage: pg.Size, Total: int(pg.Total), Next: pg.next()}
	for _, p := range pays {
		out.Payments = append(out.Payments, apitypes.Payment{PlacementId: p.PlacementID, PeriodStart: apiDate(p.PeriodStart), ToYouPence: p.AmountPence - p.LevyPence,
			TransferStatus: apitypes.TransferStatus(p.TransferStatus), Description: p.Description})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiOnboard(c echo.Context) error {
	url, err := s.deps.Billing.Onboard(c.Request().Context(), currentOrg(c).ID, s.cfg.BaseURL+"/billing", s.cfg.BaseURL+"/billing")
	if errors.Is(err, billing.ErrNotConfigured) {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "Billing is not configured on this Hearth.")
	}
	if errors.Is(err, billing.ErrStripe) {
		slog.ErrorContext(c.Request().Context(), "stripe onboarding", "err", err)
		return echo.NewHTTPError(http.StatusBadGateway, "Stripe could not start the onboarding just now; try again in a few minutes.")
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, url)
	return c.JSON(http.StatusCreated, apitypes.StartOnboardingResponse{Url: url})
}

func (s *Server) apiRunInvoices(c echo.Context) error {
	var in billing.RunInput
	if err := s.decodeJSON(c, &in); err != nil {
		return err
	}
	start, end := in.Period()
	u, _ := currentUser(c)
	res, err := s.deps.Billing.Run(c.Request().Context(), currentOrg(c).ID, start, end, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apitypes.RunInvoicesResponse{Created: res.Created, Existing: res.Existing, Warnings: nonNil(res.Warnings)})
}
