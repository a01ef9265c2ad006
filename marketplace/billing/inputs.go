package billing

import (
	"strings"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
)

// RunInput is the period to invoice, as the billing page and the API send it: a
// calendar month ("2026-03"), or another period by its first and last days, inclusive.
type RunInput struct {
	Month string `json:"month" form:"month" validate:"required_without=From,omitempty,datetime=2006-01" msg:"*=Select the month to invoice"`
	From  string `json:"from" form:"from,date" label:"The first day" validate:"required_with=To,omitempty,datetime=2006-01-02" msg:"required_with=Enter the first day of the period|*=The first day must be a real date"`
	To    string `json:"to" form:"to,date" label:"The last day" validate:"required_with=From,omitempty,datetime=2006-01-02" msg:"required_with=Enter the last day of the period|*=The last day must be a real date"`
}

// Rules: the last day is not before the first.
func (in RunInput) Rules(time.Time) kernel.FieldErrors {
	if from, to := in.days(); !from.IsZero() && !to.IsZero() && to.Before(from) {
		return kernel.FieldErrors{{Field: "to", Message: "The last day must be on or after the first"}}
	}
	return nil
}

func (in RunInput) days() (from, to time.Time) {
	from, _ = time.Parse(time.DateOnly, in.From)
	to, _ = time.Parse(time.DateOnly, in.To)
	return from, to
}

// Period is the checked input's period [start, end): the days given, or else the month.
func (in RunInput) Period() (time.Time, time.Time) {
	if from, to := in.days(); !from.IsZero() && !to.IsZero() {
		return from, to.AddDate(0, 0, 1)
	}
	m, _ := time.Parse("2006-01", in.Month)
	return MonthOf(m)
}

// ContactInput is where a member council's invoices go, as the billing page and the API
// send it (the API names the council in its path).
type ContactInput struct {
	CouncilID    int64  `json:"-" form:"council_id" validate:"required" msg:"*=Select a member council"`
	BillingEmail string `json:"billing_email" form:"billing_email" validate:"required,email,max=254" msg:"*=Enter the email address invoices should go to, like invoices@council.gov.uk"`
}

// Email is the address, trimmed.
func (in ContactInput) Email() string { return strings.TrimSpace(in.BillingEmail) }
