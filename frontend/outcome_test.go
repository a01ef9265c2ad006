package frontend

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestLosingProviderSeesOnlyTheOutcome: once an award is final, an invited provider
// that did not win sees the outcome, the request's reference and dates — not the
// child's profile — on the page, in the list and in the API; the winner still sees it.
// ASVS V4.2.1 (access ends with the need), V8.2.x / V8.3.x (data minimisation).
func TestLosingProviderSeesOnlyTheOutcome(t *testing.T) {
	h := newHarness(t)
	h.admit(h.orgs["providery"].ID)
	h.addHome(h.orgs["providery"].ID, "SC980001", "M20 2AB", 1)
	pid := h.awardedIntoSalford(t)
	var requestID int64
	must(t, h.deps.DB.Pool.QueryRow(t.Context(), `SELECT request_id FROM placements WHERE id = $1`, pid).Scan(&requestID))
	page := fmt.Sprintf("/invitations/%d", requestID)
	profile := []string{"Autism spectrum condition", "Legal status", "data-testid=\"profile\""}

	tests := []struct {
		provider, email, outcome string
		profile                  bool
	}{
		{"winner", "admin@providerx.test", "successful", true},
		{"loser", "admin@providery.test", "not_successful", false},
	}
	for _, tt := range tests {
		t.Run(tt.provider+"/page", func(t *testing.T) {
			r := h.signIn(tt.email).get(page)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d", r.Status)
			}
			for _, s := range profile {
				if strings.Contains(r.Body, s) != tt.profile {
					t.Errorf("page shows %q: %v, want %v", s, !tt.profile, tt.profile)
				}
			}
			if !tt.profile && !strings.Contains(r.Body, "Not successful") {
				t.Error("the losing provider is not told the outcome")
			}
			list := h.signIn(tt.email).get("/invitations")
			if strings.Contains(list.Body, "14, girl") != tt.profile {
				t.Errorf("list shows the child: %v, want %v", !tt.profile, tt.profile)
			}
		})
		t.Run(tt.provider+"/api", func(t *testing.T) {
			tok := h.token(tt.email)
			status, body := h.api(http.MethodGet, "/api/v1/invitations/"+fmt.Sprint(requestID), tok, "")
			if status != http.StatusOK || body["outcome"] != tt.outcome {
				t.Fatalf("status %d, outcome %v, want %s", status, body["outcome"], tt.outcome)
			}
			for _, field := range []string{"age_years", "sex", "needs", "needs_detail", "legal_status", "family_details"} {
				if _, ok := body[field]; ok != tt.profile {
					t.Errorf("API has %s: %v, want %v", field, ok, tt.profile)
				}
			}
			if homes, _ := body["homes"].([]any); (len(homes) > 0) != tt.profile {
				t.Errorf("API homes = %v", body["homes"])
			}
			_, list := h.api(http.MethodGet, "/api/v1/invitations", tok, "")
			for _, inv := range list["invitations"].([]any) {
				if _, ok := inv.(map[string]any)["age_years"]; ok != tt.profile {
					t.Errorf("API list has the child's age: %v, want %v", ok, tt.profile)
				}
			}
		})
	}
}
