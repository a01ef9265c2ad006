package frontend

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

// The billing API: councils' invoices, providers' payments and onboarding, and the
// consortium admin's invoice runs.

type apiInvoiceLine struct {
	PlacementID int64          `json:"placement_id"`
	Provider    apiProviderRef `json:"provider"`
	LevyPence   int64          `json:"levy_pence"`
	From        string         `json:"from"`
	To          string         `json:"to_exclusive"`
	Nights      int            `json:"nights"`
	WeeklyPence int64          `json:"weekly_pence"`
	AmountPence int64          `json:"amount_pence"`
	Description string         `json:"description"`
}

type apiCreditLine struct {
	PlacementID   int64  `json:"placement_id"`
	InvoiceLineID int64  `json:"invoice_line_id"`
	Reason        string `json:"reason"`
	From          string `json:"from"`
	To            string `json:"to_exclusive"`
	Nights        int    `json:"nights"`
	WeeklyPence   int64  `json:"weekly_pence"`
	AmountPence   int64  `json:"amount_pence"`
	Description   string `json:"description"`
}

type apiCreditNote struct {
	ID         int64           `json:"id"`
	Status     string          `json:"status"`
	Memo       string          `json:"memo"`
	TotalPence int64           `json:"total_pence"`
	CreatedAt  time.Time       `json:"created_at"`
	Lines      []apiCreditLine `json:"lines"`
}

type apiInvoice struct {
	ID            int64            `json:"id"`
	PeriodStart   string           `json:"period_start"`
	PeriodEnd     string           `json:"period_end_exclusive"`
	Status        string           `json:"status"`
	TotalPence    int64            `json:"total_pence"`
	CreditedPence int64            `json:"credited_pence"`
	NetPence      int64            `json:"net_pence"`
	Lines         []apiInvoiceLine `json:"lines"`
	CreditNotes   []apiCreditNote  `json:"credit_notes"`
}

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
	out := make([]apiInvoice, 0, len(invs))
	providers := map[int64]string{}
	for _, inv := range invs {
		a := apiInvoice{ID: inv.ID, PeriodStart: inv.PeriodStart.Format(time.DateOnly), PeriodEnd: inv.PeriodEnd.Format(time.DateOnly), Status: string(inv.Status),
			TotalPence: inv.TotalPence, CreditedPence: inv.CreditedPence(), NetPence: inv.NetPence(), Lines: []apiInvoiceLine{}, CreditNotes: []apiCreditNote{}}
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
			a.Lines = append(a.Lines, apiInvoiceLine{PlacementID: l.PlacementID, Provider: apiProviderRef{ID: l.ProviderID, Name: providers[l.ProviderID]}, LevyPence: l.LevyPence, From: l.FromDate.Format(time.DateOnly), To: l.ToDate.Format(time.DateOnly),
				Nights: l.Days, WeeklyPence: l.WeeklyPence, AmountPence: l.AmountPence, Description: l.Description})
		}
		for _, cn := range inv.CreditNotes {
			n := apiCreditNote{ID: cn.ID, Status: cn.Status, Memo: cn.Memo, TotalPence: cn.TotalPence, CreatedAt: cn.CreatedAt, Lines: []apiCreditLine{}}
			for _, l := range cn.Lines {
				n.Lines = append(n.Lines, apiCreditLine{PlacementID: placement[l.InvoiceLineID], InvoiceLineID: l.InvoiceLineID, Reason: l.Reason,
					From: l.FromDate.Format(time.DateOnly), To: l.ToDate.Format(time.DateOnly), Nights: l.Days, WeeklyPence: l.WeeklyPence,
					AmountPence: l.AmountPence, Description: l.Description})
			}
			a.CreditNotes = append(a.CreditNotes, n)
		}
		out = append(out, a)
	}
	return c.JSON(http.StatusOK, pg.with(map[string]any{"invoices": out}))
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
	type payment struct {
		PlacementID    int64  `json:"placement_id"`
		PeriodStart    string `json:"period_start"`
		ToYouPence     int64  `json:"to_you_pence"`
		TransferStatus string `json:"transfer_status"`
		Description    string `json:"description"`
	}
	out := make([]payment, 0, len(pays))
	for _, p := range pays {
		out = append(out, payment{PlacementID: p.PlacementID, PeriodStart: p.PeriodStart.Format(time.DateOnly), ToYouPence: p.AmountPence - p.LevyPence,
			TransferStatus: p.TransferStatus, Description: p.Description})
	}
	return c.JSON(http.StatusOK, pg.with(map[string]any{"onboarding_started": ok, "payouts_enabled": acct.PayoutsEnabled, "payments": out}))
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
	return c.JSON(http.StatusCreated, map[string]string{"url": url})
}

// runRequest names a calendar month, or another period by its first and last days.
type runRequest struct {
	Month string `json:"month" validate:"required_without=From,omitempty,datetime=2006-01"`
	From  string `json:"from" validate:"required_with=To,omitempty,datetime=2006-01-02"`
	To    string `json:"to" validate:"required_with=From,omitempty,datetime=2006-01-02"`
}

func (s *Server) apiRunInvoices(c echo.Context) error {
	var req runRequest
	if err := s.decodeJSON(c, &req); err != nil {
		return err
	}
	var start, end time.Time
	if req.From != "" {
		start, _ = time.Parse(time.DateOnly, req.From)
		last, _ := time.Parse(time.DateOnly, req.To)
		if last.Before(start) {
			return commissioning.Invalid("to", "The last day must be on or after the first")
		}
		end = last.AddDate(0, 0, 1)
	} else {
		m, _ := time.Parse("2006-01", req.Month)
		start, end = billing.MonthOf(m)
	}
	u, _ := currentUser(c)
	res, err := s.deps.Billing.Run(c.Request().Context(), currentOrg(c).ID, start, end, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"created": res.Created, "existing": res.Existing, "warnings": nonNil(res.Warnings)})
}
