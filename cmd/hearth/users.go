package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// userCreate adds a user and prints a single-use link for them to choose a password.
func userCreate(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email address")
	role := fs.String("role", "", "one of: consortium_admin, commissioner, approver, provider_admin, provider_user, swcu_coordinator, secure_home_user, host_council_user")
	consortium := fs.String("consortium", "", "for a host_council_user or police_liaison: the exact name of the consortium that manages them")
	org := fs.String("org", "", "the exact name of the user's organisation")
	name := fs.String("name", "", "the user's full name (default: the email address)")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *email == "" || *role == "" || *org == "" {
		return fmt.Errorf("user create needs --email, --role and --org")
	}
	r := kernel.Role(*role)
	if !r.Valid() {
		return fmt.Errorf("unknown role %q", *role)
	}
	if *name == "" {
		*name = *email
	}
	setupLogging(cfg)
	return withApp(ctx, cfg, func(a *app) error {
		var o commissioning.Organisation
		var err error
		if r == kernel.RolePoliceLiaison {
			o, err = policeForceNamed(ctx, a, *consortium, *org)
		} else if o, err = a.orgs.OrganisationByName(ctx, r.OrgKind(), *org); err != nil {
			err = fmt.Errorf("no %s organisation called %q (a %s belongs to one)", r.OrgKind(), *org, r)
		}
		if err != nil {
			return err
		}
		nu := auth.NewUser{Email: *email, Name: *name, Role: r, OrganisationID: o.ID}
		if r == kernel.RoleHostCouncilUser {
			c, err := a.orgs.OrganisationByName(ctx, kernel.KindConsortium, *consortium)
			if err != nil {
				return fmt.Errorf("a host_council_user needs --consortium, the exact name of the consortium that manages them: %w", err)
			}
			if !commissioning.CanHostUsers(c, o) {
				return fmt.Errorf("%s cannot give %s host-council users: it is in another consortium or not in England", c.Name, o.Name)
			}
			nu.ManagedBy = c.ID
		}
		u, err := a.users.Create(ctx, nu)
		if err != nil {
			return err
		}
		tok, err := a.users.CreatePasswordReset(ctx, u, 7*24*time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Created %s (%s) in %s.\nThey choose a password within 7 days at:\n%s/password/reset/%s\n", u.Email, u.Role, o.Name, cfg.BaseURL, tok)
		return nil
	})
}

// policeForceNamed is the police force called name that the consortium called
// consortium has invited (at /admin/police): two consortia may each invite a force.
func policeForceNamed(ctx context.Context, a *app, consortium, name string) (commissioning.Organisation, error) {
	c, err := a.orgs.OrganisationByName(ctx, kernel.KindConsortium, consortium)
	if err != nil {
		return c, fmt.Errorf("a police_liaison needs --consortium, the exact name of the consortium that invited their force: %w", err)
	}
	forces, err := a.orgs.PoliceForces(ctx, c.ID)
	if err != nil {
		return c, err
	}
	for _, f := range forces {
		if f.Name == name {
			return f, nil
		}
	}
	return commissioning.Organisation{}, fmt.Errorf("%s has not invited a police force called %q: invite it at /admin/police first", c.Name, name)
}

// userDeactivate removes a user's access: they are signed out everywhere, their API
// tokens are revoked and their invitation and reset links stop working.
func userDeactivate(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("user deactivate", flag.ContinueOnError)
	email := fs.String("email", "", "the user whose access to remove")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("user deactivate needs --email")
	}
	setupLogging(cfg)
	return withApp(ctx, cfg, func(a *app) error {
		u, err := a.users.ByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no user %s", *email)
		}
		d, err := a.users.Deactivate(ctx, u, 0)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Removed the access of %s: %d sessions ended, %d API tokens revoked, %d links cancelled.\n", u.Email, d.Sessions, d.Tokens, d.ResetLinks)
		return nil
	})
}

// tokenCreate prints a new API token for a user, once.
func tokenCreate(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	email := fs.String("email", "", "the user the token acts as")
	name := fs.String("name", "command line", "what the token is for")
	days := fs.Int("days", auth.DefaultTokenDays, "how many days the token works: 30, 90, 180 or 365")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("token create needs --email")
	}
	setupLogging(cfg)
	return withApp(ctx, cfg, func(a *app) error {
		u, err := a.users.ByEmail(ctx, *email)
		if err != nil {
			return fmt.Errorf("no user %s", *email)
		}
		// Whoever holds the server's configuration needs no second factor to make a token.
		tok, _, err := a.users.CreateAPIToken(ctx, u, auth.NewAPIToken{Name: *name, Days: *days, Operator: true})
		if err != nil {
			return err
		}
		fmt.Fprintln(out, tok)
		return nil
	})
}
