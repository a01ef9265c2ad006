package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/geo"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/frontend/auth"
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
	Role        commissioning.Role
	Org         string
	Kind        commissioning.OrgKind
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

var demoAccounts = []demoAccount{
	{"admin@nw-consortium.example", "Alex Admin", commissioning.RoleConsortiumAdmin, demoConsortium, commissioning.KindConsortium},
	{"commissioner@manchester.example", "Chris Commissioner", commissioning.RoleCommissioner, "Manchester", commissioning.KindCouncil},
	{"approver@manchester.example", "Dana Director", commissioning.RoleApprover, "Manchester", commissioning.KindCouncil},
	{"commissioner@liverpool.example", "Lee Commissioner", commissioning.RoleCommissioner, "Liverpool", commissioning.KindCouncil},
	{"admin@brightwater.example", "Pat Provider", commissioning.RoleProviderAdmin, demoProviders[0], commissioning.KindProvider},
	{"staff@brightwater.example", "Sam Staff", commissioning.RoleProviderUser, demoProviders[0], commissioning.KindProvider},
	{"admin@pennine.example", "Robin Pennine", commissioning.RoleProviderAdmin, demoProviders[1], commissioning.KindProvider},
	{"coordinator@swcu.example", "Jo Coordinator", commissioning.RoleSWCUCoordinator, demoSWCU, commissioning.KindSWCU},
	{"manager@oakfield.example", "Morgan Manager", commissioning.RoleSecureHomeUser, demoProviders[3], commissioning.KindProvider},
	{"admin@moorland.example", "Mo Moorland", commissioning.RoleProviderAdmin, demoProviders[4], commissioning.KindProvider},
	{"admin@northernlights.example", "Nat Northern", commissioning.RoleProviderAdmin, demoProviders[5], commissioning.KindProvider},
	{"commissioner@sefton.example", "Sol Sefton", commissioning.RoleCommissioner, "Sefton", commissioning.KindCouncil},
	{"manager@heroncourt.example", "Harper Heron", commissioning.RoleSecureHomeUser, secure.Estate[1].Name, commissioning.KindProvider},
	// Derbyshire is outside the North West consortium: its staff see only placements
	// by the consortium's councils into Derbyshire, and the notices about them.
	{"host@derbyshire.example", "Dev Derbyshire", commissioning.RoleHostCouncilUser, "Derbyshire", commissioning.KindCouncil},
}

// hasDemo reports whether the demo consortium is in the database.
func hasDemo(ctx context.Context, a *app) bool {
	_, err := a.orgs.OrganisationByName(ctx, commissioning.KindConsortium, demoConsortium)
	return err == nil
}

// loadDemo loads the demo consortium into a database that holds no organisations
// other than the councils (reference data). It reports whether it loaded anything.
func loadDemo(ctx context.Context, a *app) (bool, error) {
	a = a.withoutMail()
	var others int64
	if err := a.db.Gorm.WithContext(ctx).Model(&commissioning.Organisation{}).Where("kind <> 'council'").Count(&others).Error; err != nil {
		return false, err
	}
	if others > 0 {
		return false, nil
	}
	cons, err := a.orgs.Create(ctx, commissioning.KindConsortium, demoConsortium)
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
		if _, err := a.orgs.Create(ctx, commissioning.KindProvider, p); err != nil {
			return false, err
		}
	}
	if _, err := a.orgs.Create(ctx, commissioning.KindSWCU, demoSWCU); err != nil {
		return false, err
	}
	if err := loadDemoMailboxes(ctx, a, cons); err != nil {
		return false, err
	}
	if err := loadDemoMarket(ctx, a, cons); err != nil {
		return false, fmt.Errorf("demo marketplace: %w", err)
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
		if acc.Role == commissioning.RoleHostCouncilUser {
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
	fmt.Fprintf(out, "\nApprover and SWCU accounts use two-factor authentication. Add this setup key to an\nauthenticator app, or run: oathtool --totp -b %s\n  %s\n\n", demoTOTPSecret, demoTOTPSecret)
}
