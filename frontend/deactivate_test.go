package frontend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
)

// TestRemovingAccessEndsEverything: a consortium admin removes a commissioner's access
// from the users list. The commissioner's open session, API token, password-reset link
// and password sign-in are all refused afterwards; the list shows them as removed; the
// removal is audited; and the database refuses new credentials for them.
func TestRemovingAccessEndsEverything(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const victim = "commissioner@manchester.test"
	u := h.users[victim]
	b := h.signIn(victim)
	tok := h.token(victim)
	reset, err := h.quiet.CreatePasswordReset(ctx, u, time.Hour)
	must(t, err)
	if r := b.get("/"); r.Status != http.StatusOK {
		t.Fatalf("before: home %d", r.Status)
	}
	if st, _ := h.api(http.MethodGet, "/api/v1/me", tok, ""); st != http.StatusOK {
		t.Fatalf("before: API %d", st)
	}

	admin := h.signIn("admin@consortium.test")
	remove := fmt.Sprintf("/admin/users/%d/remove", u.ID)
	if r := admin.get("/admin/users"); !strings.Contains(r.Body, `href="`+remove+`"`) {
		t.Fatalf("no Remove access link on the users list")
	}
	if r := admin.get(remove); r.Status != http.StatusOK || !strings.Contains(r.Body, "Remove access for Test commissioner?") {
		t.Fatalf("confirmation page %d", r.Status)
	}
	if r := admin.post(remove, remove, url.Values{}); r.Status != http.StatusSeeOther || r.Location != "/admin/users" {
		t.Fatalf("remove: %d to %q", r.Status, r.Location)
	}

	if r := b.get("/"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/sign-in") {
		t.Errorf("existing session: %d to %q, want a redirect to sign in", r.Status, r.Location)
	}
	if st, _ := h.api(http.MethodGet, "/api/v1/me", tok, ""); st != http.StatusUnauthorized {
		t.Errorf("API token: %d, want 401", st)
	}
	if r := h.browser().post("/sign-in", "/sign-in", url.Values{"email": {victim}, "password": {testPassword}}); r.Status == http.StatusSeeOther {
		t.Errorf("password sign-in let a removed user in (to %q)", r.Location)
	}
	if r := h.browser().get("/password/reset/" + reset); r.Status != http.StatusNotFound {
		t.Errorf("reset link: %d, want 404", r.Status)
	}
	if _, err := h.deps.Users.CheckPasswordReset(ctx, reset); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("reset token still valid: %v", err)
	}
	if r := admin.get("/admin/users"); !strings.Contains(r.Body, "Removed") || strings.Contains(r.Body, `href="`+remove+`"`) {
		t.Errorf("the list does not show the user as removed")
	}
	if st, body := h.api(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/deactivate", u.ID), h.token("admin@consortium.test"), ""); st != http.StatusConflict {
		t.Errorf("removing twice: %d %v, want 409", st, body)
	}
	var n int64
	must(t, h.deps.DB.Gorm.Raw("SELECT count(*) FROM audit_log WHERE action = 'user.deactivate' AND entity_id = ?", fmt.Sprint(u.ID)).Scan(&n).Error)
	if n != 1 {
		t.Errorf("%d audit rows for the removal, want 1", n)
	}
	// The database refuses new credentials for a removed user, whoever asks.
	if _, _, err := h.quiet.CreateAPIToken(ctx, u, auth.NewAPIToken{Name: "late", Operator: true}); err == nil {
		t.Errorf("a removed user was given an API token")
	}
	if _, err := h.quiet.CreatePasswordReset(ctx, u, time.Hour); err == nil {
		t.Errorf("a removed user was given a reset link")
	}
	if err := h.quiet.RecordSession(ctx, u, strings.Repeat("ab", 32), "127.0.0.1", "test"); err == nil {
		t.Errorf("a removed user was given a session")
	}
}

// TestRemovingAccessCancelsAnInvitation: an invited user who never chose a password
// loses their invitation link when their access is removed through the API.
func TestRemovingAccessCancelsAnInvitation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	nu, err := h.quiet.Create(ctx, auth.NewUser{Email: "new@manchester.test", Name: "New Starter", Role: kernel.RoleCommissioner, OrganisationID: h.orgs["manchester"].ID})
	must(t, err)
	invite, err := h.quiet.CreatePasswordReset(ctx, nu, auth.InvitationValidity)
	must(t, err)
	if r := h.browser().get("/password/reset/" + invite); r.Status != http.StatusOK {
		t.Fatalf("invitation link before: %d", r.Status)
	}
	st, body := h.api(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/deactivate", nu.ID), h.token("admin@consortium.test"), "")
	if st != http.StatusOK || body["deactivated_at"] == nil {
		t.Fatalf("deactivate: %d %v", st, body)
	}
	if r := h.browser().get("/password/reset/" + invite); r.Status != http.StatusNotFound {
		t.Errorf("invitation link after: %d, want 404", r.Status)
	}
}

// TestRemovingAccessFollowsTenancy: a consortium admin removes its councils', host
// councils' and police forces' users but not another consortium's (404), nor a
// provider's; a provider admin only its own provider's users; nobody their own.
func TestRemovingAccessFollowsTenancy(t *testing.T) {
	h := newHarness(t)
	h.leedsConsortium()
	deactivate := func(by, whom string) int {
		t.Helper()
		st, body := h.api(http.MethodPost, fmt.Sprintf("/api/v1/users/%d/deactivate", h.users[whom].ID), h.token(by), "")
		if st >= 400 && body["error"] == nil {
			t.Errorf("%s removing %s: %d without an error body", by, whom, st)
		}
		return st
	}
	tests := []struct {
		by, whom string
		want     int
	}{
		// Consortium B's admin reaches none of A's people, by the API or the page.
		{"admin@consortium-b.test", "commissioner@manchester.test", http.StatusNotFound},
		{"admin@consortium-b.test", "host@cumberland.test", http.StatusNotFound},
		{"admin@consortium-b.test", "liaison@gmp.test", http.StatusNotFound},
		{"admin@consortium-b.test", "admin@consortium.test", http.StatusNotFound},
		{"admin@consortium.test", "commissioner@leeds.test", http.StatusNotFound},
		{"admin@consortium.test", "staff@providerx.test", http.StatusNotFound},
		{"admin@providery.test", "staff@providerx.test", http.StatusNotFound},
		{"admin@providerx.test", "commissioner@manchester.test", http.StatusNotFound},
		{"admin@consortium.test", "admin@consortium.test", http.StatusForbidden},
		{"admin@providerx.test", "admin@providerx.test", http.StatusForbidden},
		{"commissioner@manchester.test", "approver@manchester.test", http.StatusForbidden},
		{"staff@providerx.test", "admin@providerx.test", http.StatusForbidden},
		// What each admin may do.
		{"admin@consortium-b.test", "commissioner@leeds.test", http.StatusOK},
		{"admin@consortium.test", "host@cumberland.test", http.StatusOK},
		{"admin@consortium.test", "liaison@gmp.test", http.StatusOK},
		{"admin@providerx.test", "staff@providerx.test", http.StatusOK},
	}
	for _, tt := range tests {
		if st := deactivate(tt.by, tt.whom); st != tt.want {
			t.Errorf("%s removes %s: %d, want %d", tt.by, tt.whom, st, tt.want)
		}
	}
	if r := h.signIn("admin@consortium-b.test").get(fmt.Sprintf("/admin/users/%d/remove", h.users["approver@manchester.test"].ID)); r.Status != http.StatusNotFound {
		t.Errorf("B's admin opens A's user's removal page: %d, want 404", r.Status)
	}
	if r := h.signIn("admin@consortium.test").get(fmt.Sprintf("/admin/users/%d/remove", h.users["admin@consortium.test"].ID)); r.Status != http.StatusForbidden {
		t.Errorf("an admin opens their own removal page: %d, want 403", r.Status)
	}
	// The provider's users page lists its own people only, the removed one as such.
	r := h.signIn("admin@providerx.test").get("/provider/users")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "staff@providerx.test") || !strings.Contains(r.Body, "Removed") || strings.Contains(r.Body, "providery.test") {
		t.Errorf("provider users page: %d", r.Status)
	}
	if r := h.signIn("admin@providery.test").get(fmt.Sprintf("/provider/users/%d/remove", h.users["staff@providerx.test"].ID)); r.Status != http.StatusNotFound {
		t.Errorf("another provider's admin opens the removal page: %d, want 404", r.Status)
	}
}
