package simulate

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
)

// Params are every parameter of a run. Defaults returns the defaults; Docs says where
// each comes from.
type Params struct {
	Seed   uint64
	Region string // a region of geo.Regions(), or "" for England
	Lots   string // comma-separated lot codes of the national seed

	Homes        int     // homes in the national seed
	Pressure     float64 // children per bed that comes free in the year
	MeanStayMths float64 // mean remaining stay of today's residents
	MaxWaitDays  float64
	RetryDays    float64
	Emergency    float64 // share of requests that are emergencies

	Visibility    float64 // share of non-neighbouring providers a council knows
	ResponseDays  float64 // mean days for a provider to answer a council alone
	AloneMaxMiles int     // farthest a council alone will place

	WithinMiles     int     // the distance limit of a request on Hearth
	WidenFactor     float64 // the limit grows by this on each re-issue
	WindowEmergency float64 // bidding window in days, emergency requests
	WindowPlanned   float64 // bidding window in days, planned requests

	WeightPrice, WeightQuality, WeightDistance, WeightFit int // the framework's evaluation weights
	CeilingScale                                          float64

	Margin         float64 // a provider's margin with no competitor (CMA)
	MarginResponse float64 // how fast margin falls with each competing bidder
	CostSpread     float64 // lognormal sigma of homes' base costs
	Willing        float64 // chance a home will take a child with no listed needs
	WillingPerNeed float64 // fall in that chance per listed need

	UnplacedMiles float64 // the bound's price of leaving a child unplaced, in miles

	SecurePerMonth  float64
	SecureOccupied  float64 // share of welfare beds occupied on day one
	SecureClosed    float64 // share of welfare beds closed all year (staffing)
	SecureAccept    float64 // chance a secure home accepts a suitable referral
	SecureOrderDays float64
	SecureWaitDays  float64
}

// Defaults are the parameters of a North West region-year on the national seed.
func Defaults() Params {
	return Params{Seed: 1, Region: "North West", Lots: "residential,residential_solo,fostering_ifa,supported_16_17",
		Homes: 3000, Pressure: 1.0, MeanStayMths: 12, MaxWaitDays: 90, RetryDays: 7, Emergency: 0.3,
		Visibility: 0.2, ResponseDays: 2, AloneMaxMiles: 250,
		WithinMiles: 40, WidenFactor: 1.5, WindowEmergency: 1, WindowPlanned: 3,
		WeightPrice: nationalseed.Terms.WeightPrice, WeightQuality: nationalseed.Terms.WeightQuality,
		WeightDistance: nationalseed.Terms.WeightDistance, WeightFit: nationalseed.Terms.WeightFit, CeilingScale: 1,
		Margin: 0.23, MarginResponse: 0.15, CostSpread: 0.2, Willing: 0.8, WillingPerNeed: 0.1,
		UnplacedMiles:  100000,
		SecurePerMonth: 37, SecureOccupied: 0.9, SecureClosed: 0.2, SecureAccept: 0.5, SecureOrderDays: 150, SecureWaitDays: 90}
}

// Doc describes one parameter: its flag, meaning, default and source. Source begins
// "Assumption" where the default is not a published figure.
type Doc struct {
	Flag, Meaning, Default, Source string
	// Assumption is true when the default is an assumption or a modelling choice rather
	// than a published figure or the seed's data.
	Assumption bool
}

type field struct {
	flag, meaning, source string
	ptr                   any
}

func (p *Params) fields() []field {
	return []field{
		{"seed", "random seed: the same seed and parameters give the same run", "none: any seed", &p.Seed},
		{"region", `region whose councils place ("" or "England": national)`, "ONS regions (geo data)", &p.Region},
		{"lots", "lots simulated, comma-separated", "the national seed's four lots", &p.Lots},
		{"homes", "homes in the national seed (supply)", "the default of hearth seed national", &p.Homes},
		{"pressure", "children needing a placement per bed that comes free in the year", "Assumption: a market at capacity", &p.Pressure},
		{"mean-stay-months", "mean remaining stay of today's residents (sets how many beds come free)", "Assumption", &p.MeanStayMths},
		{"max-wait-days", "days a request is pursued before the child counts as not placed", "Assumption", &p.MaxWaitDays},
		{"retry-days", "days before a council re-refers (alone) or re-issues (Hearth) after no placement", "Assumption", &p.RetryDays},
		{"emergency", "share of requests that are emergencies (shorter bidding window)", "Assumption", &p.Emergency},
		{"visibility", "share of providers outside its own and neighbouring areas that a council alone knows", "Assumption (most uncertain)", &p.Visibility},
		{"response-days", "days a council alone waits for providers' answers before taking the nearest offer", "Assumption from DOMAIN.md's 24–48 hour decisions (most uncertain)", &p.ResponseDays},
		{"alone-max-miles", "farthest a search widens to, alone or on Hearth", "Assumption", &p.AloneMaxMiles},
		{"within-miles", "distance limit of a first search, on Hearth (matching's distance rule) and alone", "Assumption", &p.WithinMiles},
		{"widen", "factor by which each further search round's distance limit grows", "Assumption", &p.WidenFactor},
		{"window-emergency", "bidding window on Hearth, emergency requests, days", "Assumption", &p.WindowEmergency},
		{"window-planned", "bidding window on Hearth, planned requests, days", "Assumption", &p.WindowPlanned},
		{"weight-price", "the framework's weight on price (the four add up to 100)", "the national seed's framework", &p.WeightPrice},
		{"weight-quality", "the framework's weight on quality (Ofsted rating)", "the national seed's framework", &p.WeightQuality},
		{"weight-distance", "the framework's weight on distance", "the national seed's framework", &p.WeightDistance},
		{"weight-fit", "the framework's weight on fit to needs", "the national seed's framework", &p.WeightFit},
		{"ceiling-scale", "multiplies every lot's price ceilings", "the national seed's ceilings (DOMAIN.md's price ranges)", &p.CeilingScale},
		{"margin", "provider's margin over cost with no competing bidder (spot)", "CMA market study 2022: ~23% (DOMAIN.md)", &p.Margin},
		{"margin-response", "margin = margin ÷ (1 + response × (bidders − 1))", "Assumption (most uncertain)", &p.MarginResponse},
		{"cost-spread", "lognormal sigma of homes' weekly cost around the seed's median fee ÷ (1 + margin)", "Assumption; medians from the national seed (CMA £3,830/week)", &p.CostSpread},
		{"willing", "chance a home offers for a child it fits who has no listed needs", "Assumption", &p.Willing},
		{"willing-per-need", "fall in that chance per listed need", "Assumption from DOMAIN.md's mass rejection of complex children", &p.WillingPerNeed},
		{"unplaced-miles", "the bound counts a child not placed as this many miles: by default more than any distance, so the bound places the most children it can, then at the least distance", "A modelling choice (issue 17: the bound is never worse on distance, a child not placed counting this)", &p.UnplacedMiles},
		{"secure-per-month", "s25 referrals a month to the SWCU (national)", "DOMAIN.md: 30–45 a month", &p.SecurePerMonth},
		{"secure-occupied", "share of secure welfare beds occupied on day one", "Assumption", &p.SecureOccupied},
		{"secure-closed", "share of secure welfare beds closed all year (staffing)", "Assumption (DOMAIN.md: beds closed for staffing; ~203 of 230 places available)", &p.SecureClosed},
		{"secure-accept", "chance a secure home accepts a referral it could take", "Assumption (a home can always refuse: DOMAIN.md)", &p.SecureAccept},
		{"secure-order-days", "length of a secure placement, days", "Assumption: a first order of ≤ 3 months (1991 Regulations), often renewed", &p.SecureOrderDays},
		{"secure-wait-days", "days a secure referral stays open", "DOMAIN.md: re-submitted every 3 months or the search stops", &p.SecureWaitDays},
	}
}

// Bind defines a flag for every parameter on fs, with p's values as defaults and the
// source in the usage.
func (p *Params) Bind(fs *flag.FlagSet) {
	for _, f := range p.fields() {
		usage := f.meaning + " [source: " + f.source + "]"
		switch v := f.ptr.(type) {
		case *uint64:
			fs.Uint64Var(v, f.flag, *v, usage)
		case *int:
			fs.IntVar(v, f.flag, *v, usage)
		case *float64:
			fs.Float64Var(v, f.flag, *v, usage)
		case *string:
			fs.StringVar(v, f.flag, *v, usage)
		}
	}
}

// Docs lists every parameter with its value in p.
func (p *Params) Docs() []Doc {
	var out []Doc
	for _, f := range p.fields() {
		out = append(out, Doc{Flag: f.flag, Meaning: f.meaning, Default: fmt.Sprint(deref(f.ptr)), Source: f.source,
			Assumption: strings.HasPrefix(f.source, "Assumption") || strings.HasPrefix(f.source, "A modelling choice")})
	}
	return out
}

func deref(p any) any {
	switch v := p.(type) {
	case *uint64:
		return *v
	case *int:
		return *v
	case *float64:
		return *v
	case *string:
		return *v
	}
	return nil
}

// Validate reports every parameter out of range at once.
func (p *Params) Validate() error {
	var bad []string
	check := func(ok bool, name string) {
		if !ok {
			bad = append(bad, name)
		}
	}
	if p.Region == "England" {
		p.Region = ""
	}
	known := p.Region == ""
	for _, r := range geo.Regions() {
		known = known || r == p.Region
	}
	check(known, "region")
	check(p.Homes >= 1 && p.Homes <= 100000, "homes")
	check(p.Pressure > 0 && p.Pressure <= 10, "pressure")
	check(p.MeanStayMths > 0, "mean-stay-months")
	check(p.MaxWaitDays >= 0 && p.MaxWaitDays <= 365, "max-wait-days")
	check(p.RetryDays > 0, "retry-days")
	check(p.Emergency >= 0 && p.Emergency <= 1, "emergency")
	check(p.Visibility >= 0 && p.Visibility <= 1, "visibility")
	check(p.ResponseDays >= 0, "response-days")
	check(p.AloneMaxMiles > 0, "alone-max-miles")
	check(p.WithinMiles > 0 && p.WithinMiles <= p.AloneMaxMiles, "within-miles")
	check(p.WidenFactor >= 1, "widen")
	check(p.WindowEmergency >= 0 && p.WindowPlanned >= 0, "window")
	check(min(p.WeightPrice, p.WeightQuality, p.WeightDistance, p.WeightFit) >= 0 && p.WeightPrice+p.WeightQuality+p.WeightDistance+p.WeightFit == 100, "weights")
	check(p.CeilingScale > 0, "ceiling-scale")
	check(p.Margin >= 0 && p.Margin < 5, "margin")
	check(p.MarginResponse >= 0, "margin-response")
	check(p.CostSpread >= 0 && p.CostSpread < 2, "cost-spread")
	check(p.Willing >= 0 && p.Willing <= 1 && p.WillingPerNeed >= 0, "willing")
	check(p.UnplacedMiles > 0, "unplaced-miles")
	check(p.SecurePerMonth >= 0 && p.SecureOccupied >= 0 && p.SecureOccupied <= 1 && p.SecureClosed >= 0 && p.SecureClosed <= 1 && p.SecureAccept >= 0 && p.SecureAccept <= 1 &&
		p.SecureOrderDays > 0 && p.SecureWaitDays >= 0, "secure")
	for _, l := range p.lotCodes() {
		_, ok := lotByCode(l)
		check(ok, "lots")
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(bad, ", "))
	}
	return nil
}

func (p Params) lotCodes() []string {
	var out []string
	for _, s := range strings.Split(p.Lots, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ErrInvalid is returned for parameters out of range; the message names them all.
var ErrInvalid = errors.New("invalid simulation parameters")

// Fixed lists the model's assumptions that are not parameters (all of them assumptions).
const Fixed = `Fixed assumptions (not flags): a needs tier's cost is the home's standard cost × 1 (standard), 1.25 (complex)
or 1.6 (specialist), and requests are 60% standard, 30% complex, 10% specialist among the tiers the lot prices;
a request lists no need (35%), one (45%) or two (20%), drawn from Hearth's 18 needs; children's ages are 11–17
(residential), 0–17 (fostering), 16–17 (supported); 56% are boys (near DfE's published share); requests arrive
uniformly through the year; each council's children live in its postcode districts, in proportion to its number
of districts (no looked-after populations are in the repository); a child placed keeps the bed to the year's end;
a provider bids its nearest willing home; secure referrals are 12–17, half boys, from councils weighted alike.`
