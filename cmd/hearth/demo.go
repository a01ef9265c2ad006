package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
)

// The demo consortium: the North West's councils commissioning together, a few clearly
// fictional providers, the SWCU, and one account per role.
const (
	demoConsortium = "North West Placements Consortium (demo)"
	demoPassword   = "hearth-demo-password"
	// demoTOTPSecret is the authenticator secret of the demo accounts that must use a
	// second factor. It is printed with the accounts; never use it outside the demo.
	demoTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

type demoAccount struct {
	Email, Name string
	Role        kernel.Role
	Org         string
	Kind        kernel.OrgKind
}

var demoProviders = []string{
	"Brightwater Children's Homes (demo)",
	"Pennine Fostering Partnership (demo)",
	"Harbourside Supported Living (demo)",
	"Oakfield Secure Children's Home (demo)",
	"Moorland Care (demo)",
	"Northern Lights Homes (demo)",
	"Greenacre Homes (demo)",
}

const demoSWCU = "Secure Welfare Coordination Unit"

// demoStartsPerCouncil is the demo history's placement starts a year per council: about
// 60 placements and 600 rows per council over three years.
const demoStartsPerCouncil = 20

var demoAccounts = []demoAccount{
	{"admin@nw-consortium.example", "Alex Admin", kernel.RoleConsortiumAdmin, demoConsortium, kernel.KindConsortium},
	{"commissioner@manchester.example", "Chris Commissioner", kernel.RoleCommissioner, "Manchester", kernel.KindCouncil},
	{"approver@manchester.example", "Dana Director", kernel.RoleApprover, "Manchester", kernel.KindCouncil},
	{"commissioner@liverpool.example", "Lee Commissioner", kernel.RoleCommissioner, "Liverpool", kernel.KindCouncil},
	{"admin@brightwater.example", "Pat Provider", kernel.RoleProviderAdmin, demoProviders[0], kernel.KindProvider},
	{"staff@brightwater.example", "Sam Staff", kernel.RoleProviderUser, demoProviders[0], kernel.KindProvider},
	{"admin@pennine.example", "Robin Pennine", kernel.RoleProviderAdmin, demoProviders[1], kernel.KindProvider},
	{"coordinator@swcu.example", "Jo Coordinator", kernel.RoleSWCUCoordinator, demoSWCU, kernel.KindSWCU},
	{"manager@oakfield.example", "Morgan Manager", kernel.RoleSecureHomeUser, demoProviders[3], kernel.KindProvider},
	{"admin@moorland.example", "Mo Moorland", kernel.RoleProviderAdmin, demoProviders[4], kernel.KindProvider},
	{"admin@northernlights.example", "Nat Northern", kernel.RoleProviderAdmin, demoProviders[5], kernel.KindProvider},
	{"commissioner@sefton.example", "Sol Sefton", kernel.RoleCommissioner, "Sefton", kernel.KindCouncil},
	{"manager@heroncourt.example", "Harper Heron", kernel.RoleSecureHomeUser, secure.Estate[1].Name, kernel.KindProvider},
	// Derbyshire is outside the North West consortium: its staff see only placements
	// by the consortium's councils into Derbyshire, and the notices about them.
	{"host@derbyshire.example", "Dev Derbyshire", kernel.RoleHostCouncilUser, "Derbyshire", kernel.KindCouncil},
	// Greater Manchester Police, invited by the consortium: the homes in Greater
	// Manchester and the missing episodes of the consortium's children placed there.
	{"liaison@gmp.example", "Lee Liaison", kernel.RolePoliceLiaison, "Greater Manchester Police", kernel.KindPolice},
}

// hasDemo reports whether the demo consortium is in the database.
func hasDemo(ctx context.Context, a *app) bool {
	_, err := a.orgs.OrganisationByName(ctx, kernel.KindConsortium, demoConsortium)
	return err == nil
}

// loadDemo loads the demo consortium into a database that holds no organisations
// other than the councils (reference data). It reports whether it loaded anything.
func loadDemo(ctx context.Context, a *app, history bool) (bool, error) {
	a = a.withoutMail()
	var others int64
	if err := a.db.Gorm.WithContext(ctx).Model(&commissioning.Organisation{}).Where("kind <> 'council'").Count(&others).Error; err != nil {
		return false, err
	}
	if others > 0 {
		return false, nil
	}
	cons, err := a.orgs.Create(ctx, kernel.KindConsortium, demoConsortium)
	if err != nil {
		return false, err
	}
	var nw []string
	for _, c := range geo.Councils() {
		if c.Region == "North West" {
			nw = append(nw, c.ONSCode)
		}
	}
	if err := a.orgs.JoinConsortium(ctx, cons.ID, nw); err != nil {
		return false, err
	}
	for _, p := range demoProviders {
		if _, err := a.orgs.Create(ctx, kernel.KindProvider, p); err != nil {
			return false, err
		}
	}
	if _, err := a.orgs.Create(ctx, kernel.KindSWCU, demoSWCU); err != nil {
		return false, err
	}
	if _, err := a.orgs.InvitePoliceForce(ctx, cons.ID, "E23000005"); err != nil {
		return false, err
	}
	if err := loadDemoMailboxes(ctx, a, cons); err != nil {
		return false, err
	}
	if err := loadDemoMarket(ctx, a, cons); err != nil {
		return false, fmt.Errorf("demo marketplace: %w", err)
	}
	// Three years of past trading, so the consortium's charts have data on first start
	// (HEARTH_DEMO_HISTORY, on by default).
	if history {
		if err := loadDemoHistory(ctx, a, cons.ID); err != nil {
			return false, err
		}
	}
	if err := loadDemoSecure(ctx, a); err != nil {
		return false, err
	}
	for _, acc := range demoAccounts {
		org, err := a.orgs.OrganisationByName(ctx, acc.Kind, acc.Org)
		if err != nil {
			return false, err
		}
		nu := auth.NewUser{Email: acc.Email, Name: acc.Name, Role: acc.Role, OrganisationID: org.ID, Password: demoPassword}
		if acc.Role == kernel.RoleHostCouncilUser {
			nu.ManagedBy = cons.ID
		}
		u, err := a.users.Create(ctx, nu)
		if err != nil {
			return false, fmt.Errorf("demo account %s: %w", acc.Email, err)
		}
		if acc.Role.RequiresMFA() {
			code, err := totp.GenerateCode(demoTOTPSecret, time.Now())
			if err != nil {
				return false, err
			}
			if err := a.users.EnableMFA(ctx, u, demoTOTPSecret, code); err != nil {
				return false, errors.Join(fmt.Errorf("demo MFA for %s", acc.Email), err)
			}
		}
	}
	return true, nil
}

func printDemoAccounts(out io.Writer, cfg Config) {
	fmt.Fprintf(out, "\nDemo accounts (password for all: %s)\n\n", demoPassword)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROLE\tEMAIL\tORGANISATION")
	for _, a := range demoAccounts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", a.Role, a.Email, a.Org)
	}
	tw.Flush()
	fmt.Fprintf(out, "\nApprover, SWCU and police accounts use two-factor authentication. Add this setup key to an\nauthenticator app, or run: oathtool --totp -b %s\n  %s\n\n", demoTOTPSecret, demoTOTPSecret)
}

// loadDemoHistory writes three years of the consortium's past trading
// (nationalseed.LoadHistory), demoStartsPerCouncil placement starts a year per council.
// The history stops at the start of last month and every placement in it has ended by
// then: the months the demo invoices (last month, this one and the next, in advance)
// hold only placements made on Hearth, so an invoice or credit note shows those alone.
func loadDemoHistory(ctx context.Context, a *app, consortium int64) error {
	var councils int64
	if err := a.db.Gorm.WithContext(ctx).Model(&commissioning.Organisation{}).Where("consortium_id = ?", consortium).Count(&councils).Error; err != nil {
		return err
	}
	start := time.Now()
	sum, err := nationalseed.LoadHistory(ctx, a.db.Pool, nationalseed.HistoryOptions{Seed: 1, Years: 3,
		StartsPerYear: demoStartsPerCouncil * int(councils), Consortia: []int64{consortium}, Today: demoHistoryEnd(a.clock.Now()), AllEnded: true})
	if err != nil {
		return fmt.Errorf("demo history: %w", err)
	}
	slog.Info("demo history loaded", "placements", sum.Placements, "requests", sum.Requests, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// demoHistoryEnd is the first day of the month before now's (in London), where the demo's
// history stops.
func demoHistoryEnd(now time.Time) time.Time {
	l := now.In(kernel.London)
	return time.Date(l.Year(), l.Month()-1, 1, 0, 0, 0, 0, time.UTC)
}
