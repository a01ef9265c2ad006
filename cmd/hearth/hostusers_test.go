package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestHostCouncilUsersFromTheCommandLineAndTheDemo: `hearth seed demo` gives Derbyshire,
// outside the North West consortium, a host-council user managed by the consortium,
// and `hearth user create` makes more only with a consortium that may manage them; a
// police liaison officer joins a force the named consortium has invited (the demo's
// Greater Manchester Police).
func TestHostCouncilUsersFromTheCommandLineAndTheDemo(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.New(t)
	enc, err := auth.NewSeedKey()
	must(t, err)
	for k, v := range map[string]string{"HEARTH_TOTP_KEY": enc, "HEARTH_TOTP_KEY_FILE": "", "DATABASE_URL_FILE": "", "DATABASE_URL": dsn} {
		t.Setenv(k, v)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "demo"}, &out); err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	if !strings.Contains(out.String(), "host@derbyshire.example") {
		t.Fatalf("demo accounts:\n%s", out.String())
	}
	db, err := migrations.Connect(ctx, dsn)
	must(t, err)
	defer db.Close()
	orgs, users := commissioning.NewService(db.Gorm), auth.NewService(db.Gorm)
	cons, err := orgs.OrganisationByName(ctx, kernel.KindConsortium, demoConsortium)
	must(t, err)
	u, err := users.ByEmail(ctx, "host@derbyshire.example")
	must(t, err)
	if u.Role != kernel.RoleHostCouncilUser || u.ManagedBy == nil || *u.ManagedBy != cons.ID {
		t.Fatalf("demo host-council user %+v", u)
	}

	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"OKPolice", []string{"--role", "police_liaison", "--org", "Greater Manchester Police", "--consortium", demoConsortium, "--email", "p1@gmp.example"}, ""},
		{"ErrPoliceNoConsortium", []string{"--role", "police_liaison", "--org", "Greater Manchester Police", "--email", "p2@gmp.example"}, "needs --consortium"},
		{"ErrPoliceNotInvited", []string{"--role", "police_liaison", "--org", "Kent Police", "--consortium", demoConsortium, "--email", "p3@kent.example"}, "has not invited"},
		{"OK", []string{"--org", "Derbyshire", "--consortium", demoConsortium, "--email", "h1@derbyshire.example"}, ""},
		{"ErrNoConsortium", []string{"--org", "Derbyshire", "--email", "h2@derbyshire.example"}, "needs --consortium"},
		{"ErrNotAConsortium", []string{"--org", "Derbyshire", "--consortium", "Manchester", "--email", "h3@derbyshire.example"}, "needs --consortium"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			args := tt.args
			if args[0] != "--role" {
				args = append([]string{"--role", "host_council_user"}, args...)
			}
			err := run(ctx, append([]string{"user", "create"}, args...), &out)
			if tt.wantErr == "" {
				if err != nil || !strings.Contains(out.String(), "/password/reset/") {
					t.Fatalf("%v: %s", err, out.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
	// `hearth user deactivate` removes the new officer's access (a force's leaver).
	out.Reset()
	if err := run(ctx, []string{"user", "deactivate", "--email", "p1@gmp.example"}, &out); err != nil || !strings.Contains(out.String(), "Removed the access of p1@gmp.example") {
		t.Fatalf("user deactivate: %v %s", err, out.String())
	}
	if p, err := users.ByEmail(ctx, "p1@gmp.example"); err != nil || p.DisabledAt == nil {
		t.Fatalf("after deactivate: %+v %v", p, err)
	}
	if err := run(ctx, []string{"user", "deactivate", "--email", "p1@gmp.example"}, &out); err == nil || !strings.Contains(err.Error(), "already been removed") {
		t.Fatalf("deactivating twice: %v", err)
	}
	if err := run(ctx, []string{"user", "deactivate", "--email", "nobody@gmp.example"}, &out); err == nil {
		t.Fatalf("deactivating an unknown user succeeded")
	}
}
