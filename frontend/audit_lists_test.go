package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestBulkReadsAudited: every list or export showing child data writes exactly one
// child.read entry naming the list and the records in it. ASVS V7.1.1/V7.1.x (log
// access to sensitive data), V8.3.x (audit every read of a child's record).
func TestBulkReadsAudited(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	pid := h.awardedIntoSalford(t)
	var requestID int64
	must(t, h.deps.DB.Pool.QueryRow(ctx, `SELECT request_id FROM placements WHERE id = $1`, pid).Scan(&requestID))

	oak, _ := h.withEstate(t)
	now := time.Now().In(london)
	r := h.signIn("commissioner@manchester.test").sendReferral(merge(url.Values{"child_ref": {"MCR-SEC-2"}, "age_years": {"14"},
		"birth_month": {"1"}, "birth_year": {fmt.Sprint(now.Year() - 14)}, "sex": {"female"}, "legal_position": {"order_granted"}, "urgency": {"urgent"},
		"current_outcode": {"M14"}, "preferred_miles": {"50"}, "social_worker": {"Sam Worker 0161 496 0000"}, "sanctioning_officer": {"Head of Service"}, "ethnicity": {"WBRI"}, "child_protection_plan": {"no"}, "primary_reason": {"injure_self"}},
		formDate("order_expiry", now.AddDate(0, 2, 0)), formDate("order_start", now), url.Values{"order_kind": {"first"}}))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("referral: %d", r.Status)
	}
	var referralID int64
	fmt.Sscanf(r.Location, "/secure/referrals/%d", &referralID)
	swcu := h.signIn("coordinator@swcu.test")
	if got := swcu.post(r.Location, r.Location+"/circulate", url.Values{"home_ids": {fmt.Sprint(oak.ID)}}); got.Status != http.StatusSeeOther {
		t.Fatalf("circulate: %d", got.Status)
	}
	var emailID int64
	must(t, h.deps.DB.Pool.QueryRow(ctx, `SELECT id FROM emails WHERE about_child AND consortium_id = $1 ORDER BY id LIMIT 1`, h.orgs["consortium"].ID).Scan(&emailID))

	tokens := map[string]string{}
	token := func(email string) string {
		if tokens[email] == "" {
			tokens[email] = h.token(email)
		}
		return tokens[email]
	}
	browsers := map[string]*browser{"coordinator@swcu.test": swcu}
	tests := []struct {
		who, path, list, entityType string
		id                          int64
		api                         bool
	}{
		{"staff@providerx.test", "/invitations", "/invitations", "placement_request", requestID, false},
		{"staff@providerx.test", "/api/v1/invitations", "/api/v1/invitations", "placement_request", requestID, true},
		{"coordinator@swcu.test", "/secure/waiting", "/secure/waiting", "secure_referral", referralID, false},
		{"coordinator@swcu.test", "/api/v1/secure/waiting", "/api/v1/secure/waiting", "secure_referral", referralID, true},
		{"coordinator@swcu.test", "/secure/report", "/secure/report", "secure_referral", referralID, false},
		{"coordinator@swcu.test", "/secure/report.csv", "/secure/report.csv", "secure_referral", referralID, false},
		{"coordinator@swcu.test", "/api/v1/secure/report", "/api/v1/secure/report", "secure_referral", referralID, true},
		{"commissioner@manchester.test", "/secure/referrals", "/secure/referrals", "secure_referral", referralID, false},
		{"commissioner@manchester.test", "/api/v1/secure/referrals", "/api/v1/secure/referrals", "secure_referral", referralID, true},
		{"commissioner@manchester.test", "/requests", "/requests", "placement_request", requestID, false},
		{"commissioner@manchester.test", "/placements", "/placements", "placement", pid, false},
		{"staff@providerx.test", "/api/v1/placements", "/api/v1/placements", "placement", pid, true},
		{"manager@oakfield.test", "/secure/home", "/secure/home", "secure_referral", referralID, false},
		{"admin@consortium.test", "/admin/outbox", "/admin/outbox", "email", emailID, false},
		{"admin@consortium.test", fmt.Sprintf("/admin/outbox/%d", emailID), "/admin/outbox/:id", "email", emailID, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if tt.api {
				if status, _ := h.api(http.MethodGet, tt.path, token(tt.who), ""); status != http.StatusOK {
					t.Fatalf("status %d", status)
				}
			} else {
				b := browsers[tt.who]
				if b == nil {
					b = h.signIn(tt.who)
					browsers[tt.who] = b
				}
				if r := b.get(tt.path); r.Status != http.StatusOK {
					t.Fatalf("status %d", r.Status)
				}
			}
			rows, err := h.deps.DB.Pool.Query(ctx, `SELECT entity_type, detail FROM audit_log WHERE action = 'child.read' AND detail->>'list' = $1`, tt.list)
			must(t, err)
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
				var entityType string
				var raw []byte
				must(t, rows.Scan(&entityType, &raw))
				var detail struct{ IDs []string }
				must(t, json.Unmarshal(raw, &detail))
				if entityType != tt.entityType || !slices.Contains(detail.IDs, strconv.FormatInt(tt.id, 10)) {
					t.Errorf("entry %s %s, want %s naming %d", entityType, raw, tt.entityType, tt.id)
				}
			}
			if n != 1 {
				t.Fatalf("%d child.read entries for %s, want 1", n, tt.list)
			}
		})
	}
}
