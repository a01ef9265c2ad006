package audit_test

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// TestScopeSealsTenants: a consortium admin's scope holds the entries of their
// consortium and its member councils, and of others acting on their records; the
// SWCU's holds secure welfare; nobody's holds another tenant's. The Actions filter and
// the CSV export go through the same scope. ASVS V4.2.1, V7.x (log access limited).
func TestScopeSealsTenants(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Open(t)
	id := func(sql string) int64 {
		t.Helper()
		var n int64
		if err := db.Pool.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	consA := id(`INSERT INTO organisations (kind, name) VALUES ('consortium', 'Cons A') RETURNING id`)
	consB := id(`INSERT INTO organisations (kind, name) VALUES ('consortium', 'Cons B') RETURNING id`)
	councilA := id(`INSERT INTO organisations (kind, name, ons_code, region, centroid_lat, centroid_lon, consortium_id)
	     VALUES ('council', 'Manchester', 'E08000003', 'North West', 53.46, -2.23, ` + strconv.FormatInt(consA, 10) + `) RETURNING id`)
	provider := id(`INSERT INTO organisations (kind, name) VALUES ('provider', 'Prov P') RETURNING id`)
	swcu := id(`INSERT INTO organisations (kind, name) VALUES ('swcu', 'SWCU') RETURNING id`)
	frameworkB := id(`INSERT INTO frameworks (consortium_id, name, weight_price, weight_quality, weight_distance, weight_fit, levy_bps)
	     VALUES (` + strconv.FormatInt(consB, 10) + `, 'B DPS', 40, 30, 20, 10, 150) RETURNING id`)

	log := audit.New(db.Gorm)
	as := func(org int64) context.Context {
		return audit.WithActor(ctx, audit.Actor{OrgID: org, Label: "someone"})
	}
	for _, e := range []struct {
		ctx                        context.Context
		action, entityType, entity string
	}{
		{as(consA), "user.create", "user", "1"},
		{as(councilA), "request.submit", "placement_request", "2"},
		{as(consB), "framework.update", "framework", strconv.FormatInt(frameworkB, 10)},
		{as(provider), "application.submit", "framework", strconv.FormatInt(frameworkB, 10)}, // B's business
		{as(provider), "vacancy.set", "home", "3"},                                           // nobody's
		{as(swcu), "secure.allocate", "secure_referral", "4"},
		{ctx, "billing.run", "consortium", strconv.FormatInt(consA, 10)}, // the system, for A
	} {
		if err := log.Record(e.ctx, e.action, e.entityType, e.entity, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		scope audit.Scope
		want  []string
	}{
		{"ConsortiumA", audit.ConsortiumScope(consA), []string{"billing.run", "request.submit", "user.create"}},
		{"ConsortiumB", audit.ConsortiumScope(consB), []string{"application.submit", "framework.update"}},
		{"SecureWelfare", audit.SecureWelfareScope, []string{"secure.allocate"}},
		{"Nobody", audit.Scope{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entries, total, err := log.List(ctx, tc.scope, audit.Filter{}, 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Action)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) || total != int64(len(tc.want)) {
				t.Fatalf("entries = %v (total %d), want %v", got, total, tc.want)
			}
			actions, err := log.Actions(ctx, tc.scope)
			if err != nil || !slices.Equal(actions, tc.want) {
				t.Fatalf("actions = %v, %v; want %v", actions, err, tc.want)
			}
			var b bytes.Buffer
			if err := log.WriteCSV(ctx, &b, tc.scope, audit.Filter{}); err != nil {
				t.Fatal(err)
			}
			if lines := strings.Count(b.String(), "\n") - 1; lines != len(tc.want) {
				t.Fatalf("CSV has %d entries, want %d:\n%s", lines, len(tc.want), b.String())
			}
		})
	}
}
