package frontend

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The acceptance tests of the API: the residential and the secure story played through
// /api/v1 alone, each role with its own API token, every response checked against
// openapi.json (h.api does). SQL only moves clocks (a deadline passing); the jobs a
// server runs on a timer (closing requests at their deadline) are run as the timer would.

// story calls the API and stops the test unless the status is want.
type story struct {
	t *testing.T
	h *harness
}

func (s story) call(method, path, token, body string, want int) map[string]any {
	s.t.Helper()
	status, out := s.h.api(method, path, token, body)
	if status != want {
		s.t.Fatalf("%s %s: %d, want %d: %v", method, path, status, want, out)
	}
	return out
}

func id(v any) int64 { return int64(v.(float64)) }

func list(m map[string]any, key string) []map[string]any {
	var out []map[string]any
	for _, v := range m[key].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func TestAPIResidentialStory(t *testing.T) {
	h := newHarness(t)
	s := story{t, h}
	admin, commissioner, approver := h.token("admin@consortium.test"), h.token("commissioner@manchester.test"), h.token("approver@manchester.test")
	providerX, providerY := h.token("admin@providerx.test"), h.token("admin@providery.test")
	today := time.Now().In(london)
	date := func(d time.Time) string { return d.Format(time.DateOnly) }

	// Provider Y applies to the framework and the consortium admits it.
	fws := s.call(http.MethodGet, "/api/v1/frameworks", providerY, "", http.StatusOK)
	if len(list(fws, "frameworks")) != 1 {
		t.Fatalf("frameworks open to a provider: %v", fws)
	}
	fw := id(list(fws, "frameworks")[0]["id"])
	app := s.call(http.MethodPost, fmt.Sprintf("/api/v1/frameworks/%d/applications", fw), providerY,
		fmt.Sprintf(`{"lot_ids": [%d], "declarations": {"ofsted_registered": true, "insurance_expiry": "%s", "safeguarding_policy_date": "%s", "responsible_individual": "R I"}}`,
			h.lot.ID, date(today.AddDate(1, 0, 0)), date(today.AddDate(0, -1, 0))), http.StatusCreated)
	s.call(http.MethodPost, fmt.Sprintf("/api/v1/applications/%d/decision", id(app["id"])), admin,
		fmt.Sprintf(`{"decision": "admit", "reason": "Meets the standard", "lot_ids": [%d]}`, h.lot.ID), http.StatusOK)
	// The consortium admin sets Liverpool's notification mailbox and Manchester's billing contact.
	s.call(http.MethodPut, "/api/v1/mailboxes", admin, `{"mailboxes": [{"ons_code": "E08000012", "email": "notices@liverpool.test"}]}`, http.StatusOK)
	s.call(http.MethodPut, fmt.Sprintf("/api/v1/billing/contacts/%d", h.orgs["manchester"].ID), admin, `{"billing_email": "invoices@manchester.test"}`, http.StatusOK)

	// Each provider lists a home with a bed free: X in south Manchester, Y in Liverpool.
	home := func(token, name, urn, postcode string) int64 {
		out := s.call(http.MethodPost, "/api/v1/homes", token, fmt.Sprintf(`{"name": %q, "ofsted_urn": %q, "home_type": "childrens_home", "ofsted_rating": "good", "inspection_date": "2025-01-01",
            "registered_places": 4, "min_age": 10, "max_age": 17, "sexes": "any", "postcode": %q, "needs": ["autism"], "lot_ids": [%d]}`, name, urn, postcode, h.lot.ID), http.StatusCreated)
		s.call(http.MethodPut, fmt.Sprintf("/api/v1/homes/%d/vacancies", id(out["id"])), token, `{"beds_free": 1}`, http.StatusOK)
		return id(out["id"])
	}
	homeX := home(providerX, "Didsbury House", "SC980001", "M20 2AB")
	homeY := home(providerY, "Mersey View", "SC980002", "L1 8JQ")
	if vac := s.call(http.MethodGet, "/api/v1/vacancies", commissioner, "", http.StatusOK); !strings.Contains(fmt.Sprint(vac), "Mersey View") {
		t.Fatalf("the board lacks the new home: %v", vac)
	}

	// The commissioner writes and submits a request; both providers are invited.
	req := s.call(http.MethodPost, "/api/v1/requests", commissioner, fmt.Sprintf(`{"child_ref": "MCR-STORY-1", "age_years": 14, "birth_month": %d, "birth_year": %d, "sex": "female", "needs": ["autism"],
        "legal_status": "s31", "home_outcode": "M14", "within_miles": 50, "lot_id": %d, "tier": "standard",
        "start_date": "%s", "duration_weeks": 26, "deadline": "%s"}`,
		int(today.Month()), today.Year()-14, h.lot.ID, date(today.AddDate(0, 0, 7)), time.Now().Add(3*time.Hour).UTC().Format(time.RFC3339)), http.StatusCreated)
	rid := id(req["id"])
	base := fmt.Sprintf("/api/v1/requests/%d", rid)
	if sub := s.call(http.MethodPost, base+"/submit", commissioner, "", http.StatusOK); len(list(sub, "invited")) != 2 {
		t.Fatalf("submit: %v", sub)
	}
	if !hasMail(h.mailsTo("admin@providery.test"), "New placement request from Manchester") {
		t.Fatal("the invited provider was not emailed")
	}

	// The providers see their invitations and bid; the bids are sealed until the deadline.
	bid := func(token string, home int64, fee int) int64 {
		invs := s.call(http.MethodGet, "/api/v1/invitations", token, "", http.StatusOK)
		if !strings.Contains(fmt.Sprint(invs), fmt.Sprint(rid)) {
			t.Fatalf("invitations: %v", invs)
		}
		out := s.call(http.MethodPut, fmt.Sprintf("/api/v1/invitations/%d/bid", rid), token,
			fmt.Sprintf(`{"home_id": %d, "earliest_start": "%s", "weekly_fee_pence": %d, "notice_days": 28}`, home, date(today.AddDate(0, 0, 7)), fee), http.StatusOK)
		return id(out["id"])
	}
	bid(providerX, homeX, 490000)
	bidY := bid(providerY, homeY, 420000)
	if view := s.call(http.MethodGet, base, commissioner, "", http.StatusOK); view["responses"].(map[string]any)["sealed"] != true || len(list(view, "bids")) != 0 {
		t.Fatalf("bids readable before the deadline: %v", view)
	}

	// The deadline passes; the closing job runs.
	h.passDeadline(t, rid)
	_, err := h.deps.Market.CloseDue(context.Background())
	must(t, err)

	// The commissioner reads the scores and ranks, and awards the Liverpool bid: 31 miles
	// away, it waits for the approver.
	scored := list(s.call(http.MethodGet, base+"/bids", commissioner, "", http.StatusOK), "bids")
	if len(scored) != 2 || scored[0]["rank"] != float64(1) || scored[0]["score"] == nil || scored[0]["miles"] == nil || scored[0]["vs_ceiling_pct"] == nil {
		t.Fatalf("scored bids: %v", scored)
	}
	// Not the top score: the award needs a reason, through the API as on the confirmation page.
	s.call(http.MethodPost, base+"/award", commissioner, fmt.Sprintf(`{"bid_id": %d}`, bidY), http.StatusUnprocessableEntity)
	// Liverpool is out of Manchester's area: the award says why, as the page asks.
	s.call(http.MethodPost, base+"/award", commissioner, fmt.Sprintf(`{"bid_id": %d, "reason": "Nearer her school than the top score"}`, bidY), http.StatusUnprocessableEntity)
	award := s.call(http.MethodPost, base+"/award", commissioner, fmt.Sprintf(`{"bid_id": %d, "reason": "Nearer her school than the top score", "out_of_area_reason": "near_family"}`, bidY), http.StatusCreated)
	if award["status"] != "awaiting_approval" {
		t.Fatalf("award: %v", award)
	}
	pid := id(award["placement_id"])
	placement := fmt.Sprintf("/api/v1/placements/%d", pid)
	if waiting := s.call(http.MethodGet, "/api/v1/approvals", approver, "", http.StatusOK); len(list(waiting, "awaiting_approval")) != 1 {
		t.Fatalf("approvals: %v", waiting)
	}
	if out := s.call(http.MethodPost, fmt.Sprintf("/api/v1/approvals/%d", pid), approver,
		fmt.Sprintf(`{"decision": "approve", "wishes_consulted": true, "wishes_on": %[1]q, "iro_consulted": true, "iro_on": %[1]q, "host_consulted": true, "host_on": %[1]q, "emergency": false}`, date(today)), http.StatusOK); out["status"] != "awarded" {
		t.Fatalf("approve: %v", out)
	}

	// Liverpool, the host council, has been sent its notice.
	p := s.call(http.MethodGet, placement, commissioner, "", http.StatusOK)
	if notices := list(p, "host_notices"); len(notices) == 0 || notices[0]["kind"] != "host_award" {
		t.Fatalf("host notices: %v", p["host_notices"])
	}

	// The placement starts, its fee changes, it is reviewed, invoiced and ends.
	s.call(http.MethodPost, placement+"/start", providerY, fmt.Sprintf(`{"started_on": %q}`, date(today)), http.StatusOK)
	s.call(http.MethodPost, placement+"/fee", commissioner, fmt.Sprintf(`{"effective_from": %q, "core_pence": 430000, "reason": "Extra evening support"}`, date(today.AddDate(0, 0, 1))), http.StatusOK)
	s.call(http.MethodPost, placement+"/reviews", commissioner, fmt.Sprintf(`{"held_on": %q, "notes": "Settling well"}`, date(today)), http.StatusCreated)
	if run := s.call(http.MethodPost, "/api/v1/billing/runs", admin, fmt.Sprintf(`{"month": %q}`, today.Format("2006-01")), http.StatusOK); run["created"] != float64(1) {
		t.Fatalf("billing run: %v", run)
	}
	invoices := list(s.call(http.MethodGet, "/api/v1/invoices", commissioner, "", http.StatusOK), "invoices")
	if len(invoices) != 1 {
		t.Fatalf("invoices: %v", invoices)
	}
	line := invoices[0]["lines"].([]any)[0].(map[string]any)
	if line["provider"].(map[string]any)["id"] != float64(h.orgs["providery"].ID) || line["levy_pence"] == nil {
		t.Fatalf("invoice line: %v", line)
	}
	if out := s.call(http.MethodPost, placement+"/end", commissioner, fmt.Sprintf(`{"ended_on": %q, "reason": "planned_move"}`, date(today)), http.StatusOK); out["status"] != "ended" {
		t.Fatalf("end: %v", out)
	}
}

func TestAPISecureStory(t *testing.T) {
	h := newHarness(t)
	oak, heron := h.withEstate(t)
	s := story{t, h}
	council, swcu, oakTok, heronTok := h.token("commissioner@manchester.test"), h.token("coordinator@swcu.test"), h.token("manager@oakfield.test"), h.token("manager@heron.test")
	today := time.Now().In(london)
	date := func(d time.Time) string { return d.Format(time.DateOnly) }

	// The council refers a child on a listed hearing.
	ref := s.call(http.MethodPost, "/api/v1/secure/referrals", council, fmt.Sprintf(`{"child_ref": "MCR-SECURE-1", "age_years": 15, "birth_month": 1, "birth_year": %d, "sex": "male",
        "legal_position": "hearing_listed", "hearing_date": %q, "order_expiry": %q, "court": "Manchester", "urgency": "emergency", "current_outcode": "M14",
        "preferred_miles": 40, "social_worker": "SW", "sanctioning_officer": "SO", "ethnicity": "WBRI", "child_protection_plan": false, "primary_reason": "injure_self"}`, today.Year()-15, date(today.AddDate(0, 0, 5)), date(today.AddDate(0, 1, 0))), http.StatusCreated)
	path := fmt.Sprintf("/api/v1/secure/referrals/%d", id(ref["id"]))
	if mine := s.call(http.MethodGet, "/api/v1/secure/referrals", council, "", http.StatusOK); !strings.Contains(fmt.Sprint(mine), "MCR-SECURE-1") {
		t.Fatalf("the council's referrals: %v", mine)
	}

	// The SWCU sees it waiting and circulates it to two homes.
	if waiting := s.call(http.MethodGet, "/api/v1/secure/waiting", swcu, "", http.StatusOK); len(list(waiting, "waiting")) != 1 {
		t.Fatalf("waiting: %v", waiting)
	}
	s.call(http.MethodPost, path+"/circulate", swcu, fmt.Sprintf(`{"home_ids": [%d, %d]}`, oak.ID, heron.ID), http.StatusOK)

	// Oakfield offers a free welfare bed it finds on the board; Heron Court declines.
	var bed int64
	for _, home := range list(s.call(http.MethodGet, "/api/v1/secure/beds", oakTok, "", http.StatusOK), "homes") {
		if id(home["id"]) != oak.ID {
			continue
		}
		for _, b := range list(home, "beds") {
			if b["designation"] == "welfare" && b["status"] == "free" && bed == 0 {
				bed = id(b["id"])
			}
		}
	}
	if bed == 0 {
		t.Fatal("Oakfield has no free welfare bed on the board")
	}
	s.call(http.MethodPost, path+"/respond", oakTok, fmt.Sprintf(`{"response": "accept", "bed_id": %d, "earliest_admission": %q}`, bed, date(today)), http.StatusNoContent)
	s.call(http.MethodPost, path+"/respond", heronTok, `{"response": "decline", "decline_reason": "staffing", "detail": "Two staff off sick"}`, http.StatusNoContent)

	// The council reads both homes' answers.
	answers := map[int64]string{}
	for _, r := range list(s.call(http.MethodGet, path, council, "", http.StatusOK), "responses") {
		answers[id(r["home_id"])], _ = r["response"].(string)
	}
	if answers[oak.ID] != "accepted" || answers[heron.ID] != "declined" {
		t.Fatalf("answers: %v", answers)
	}

	// The council records its review of the referral while it waits.
	s.call(http.MethodPost, path+"/update", council, `{"reviewed": true, "note": "Plan unchanged; hearing confirmed"}`, http.StatusOK)

	// The SWCU accepts the suggested pair: Oakfield's offered bed is allocated.
	pairs := list(s.call(http.MethodGet, "/api/v1/secure/suggestions", swcu, "", http.StatusOK), "pairs")
	if len(pairs) != 1 || id(pairs[0]["bed_id"]) != bed || pairs[0]["offered"] != true {
		t.Fatalf("suggestions: %v", pairs)
	}
	accepted := s.call(http.MethodPost, "/api/v1/secure/suggestions/accept", swcu, fmt.Sprintf(`{"referral_id": %d, "home_id": %d, "bed_id": %d, "offered": true}`, id(ref["id"]), oak.ID, bed), http.StatusOK)
	if accepted["action"] != "allocated" {
		t.Fatalf("accept: %v", accepted)
	}
	// The court postpones: the SWCU releases the held bed, then allocates it again.
	if out := s.call(http.MethodPost, path+"/release", swcu, `{"reason": "Admission postponed by the court"}`, http.StatusOK); out["status"] != "offers" || out["allocated_bed_id"] != nil {
		t.Fatalf("release: %v", out)
	}
	if out := s.call(http.MethodPost, path+"/allocate", swcu, fmt.Sprintf(`{"bed_id": %d}`, bed), http.StatusOK); out["status"] != "allocated" {
		t.Fatalf("allocate: %v", out)
	}

	// Oakfield admits the child, then discharges them; the bed is free again.
	s.call(http.MethodPost, path+"/admit", oakTok, fmt.Sprintf(`{"admitted_on": %q}`, date(today)), http.StatusNoContent)
	s.call(http.MethodPost, path+"/discharge", oakTok, fmt.Sprintf(`{"discharged_on": %q, "reason": "step_down"}`, date(today)), http.StatusNoContent)
	status := ""
	for _, home := range list(s.call(http.MethodGet, "/api/v1/secure/beds", swcu, "", http.StatusOK), "homes") {
		for _, b := range list(home, "beds") {
			if id(b["id"]) == bed {
				status, _ = b["status"].(string)
			}
		}
	}
	if status != "free" {
		t.Fatalf("the bed after discharge: %q", status)
	}
}
