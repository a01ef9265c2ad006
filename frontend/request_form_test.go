package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestCommissionerWritesAndSendsARequest(t *testing.T) {
	h := newHarness(t)
	h.addHome(h.orgs["providerx"].ID, "SC990001", "M20 2AB", 1)
	b := h.signIn("commissioner@manchester.test")
	now := time.Now()
	child := url.Values{"child_ref": {"MCR-4242"}, "age_years": {""}, "birth_month": {fmt.Sprint(int(now.Month()))}, "birth_year": {fmt.Sprint(now.Year() - 14)}, "sex": {"female"},
		"first_language": {"Tigrinya"}, "religion": {"Orthodox Christian"}}
	r := b.post("/requests/new", "/requests/new", child)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the child&#39;s age in years") || !strings.Contains(r.Body, `value="MCR-4242"`) || !strings.Contains(r.Body, `value="Tigrinya"`) ||
		!strings.Contains(r.Body, `action="/requests/new"`) {
		t.Fatalf("child page errors: %d", r.Status)
	}
	child.Set("age_years", "14")
	child.Set("legal_status", "s31")
	r = b.post("/requests/new", "/requests/new", child)
	m := regexp.MustCompile(`^/requests/(\d+)/edit/needs$`).FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("child page: %d %q", r.Status, r.Location)
	}
	id := m[1]
	if r := b.post("/requests/"+id+"/edit/needs", "/requests/"+id+"/edit/needs", url.Values{"needs": {"autism"}, "needs_detail": {"Needs a quiet home"}}); r.Location != "/requests/"+id+"/edit/placement" {
		t.Fatalf("needs page: %d %q", r.Status, r.Location)
	}
	start, deadline := now.AddDate(0, 0, 7), now.In(london).Add(3*time.Hour)
	placement := url.Values{"home_outcode": {"ZZ9"}, "within_miles": {"20"}, "lot_id": {fmt.Sprint(h.lot.ID)}, "tier": {"standard"},
		"start_date-day": {fmt.Sprint(start.Day())}, "start_date-month": {fmt.Sprint(int(start.Month()))}, "start_date-year": {fmt.Sprint(start.Year())},
		"duration_weeks": {"26"}, "deadline-day": {fmt.Sprint(deadline.Day())}, "deadline-month": {fmt.Sprint(int(deadline.Month()))},
		"deadline-year": {fmt.Sprint(deadline.Year())}, "deadline_time": {deadline.Format("15:04")}}
	page := "/requests/" + id + "/edit/placement"
	r = b.post(page, page, placement)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "We do not know postcode district ZZ9") || !strings.Contains(r.Body, `value="ZZ9"`) {
		t.Fatalf("placement errors: %d", r.Status)
	}
	placement.Set("home_outcode", "m14")
	if r := b.post(page, page, placement); r.Location != "/requests/"+id {
		t.Fatalf("placement: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	check := b.get("/requests/" + id)
	if !strings.Contains(check.Body, "Check your answers before sending") || !strings.Contains(check.Body, "Autism spectrum condition") || !strings.Contains(check.Body, "M14") ||
		!strings.Contains(check.Body, "Tigrinya") || !strings.Contains(check.Body, "Orthodox Christian") {
		t.Fatalf("check your answers: %d", check.Status)
	}
	if r := b.post("/requests/"+id, "/requests/"+id+"/submit", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	if r := b.get("/requests/" + id); !strings.Contains(r.Body, "Provider X (1 home fits)") || !strings.Contains(r.Body, "sent to every provider") {
		t.Fatal("sent request does not show whom it reached")
	}
	// The invited provider sees the child's first language and religion, never the reference.
	inv := h.signIn("admin@providerx.test").get("/invitations/" + id)
	if inv.Status != http.StatusOK || !strings.Contains(inv.Body, "Tigrinya") || !strings.Contains(inv.Body, "Orthodox Christian") || strings.Contains(inv.Body, "MCR-4242") ||
		strings.Contains(inv.Body, "M14") || strings.Contains(inv.Body, "Change") {
		t.Fatalf("invitation: %d", inv.Status)
	}
	// Once sent it cannot be edited.
	if r := b.get("/requests/" + id + "/edit/child"); r.Status != http.StatusConflict {
		t.Fatalf("editing a sent request: %d", r.Status)
	}
}
