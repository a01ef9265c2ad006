package frontend

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
)

const testWebhookSecret = "whsec_frontend_test"

func (h *harness) webhook(t *testing.T, event map[string]any, signature func(string) string) int {
	t.Helper()
	event["api_version"], event["object"] = "2023-10-16", "event"
	payload, _ := json.Marshal(event)
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: testWebhookSecret, Timestamp: time.Now()})
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/stripe/webhook", bytes.NewReader(sp.Payload))
	req.Header.Set("Content-Type", "application/json")
	if sig := signature(sp.Header); sig != "" {
		req.Header.Set("Stripe-Signature", sig)
	}
	res, err := http.DefaultClient.Do(req)
	must(t, err)
	res.Body.Close()
	return res.StatusCode
}

func TestBillingPagesAndWebhook(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	pid := h.awardedIntoSalford(t)
	prov := h.signIn("staff@providerx.test")
	now := time.Now().In(london)
	page := fmt.Sprintf("/placements/%d", pid)
	if r := prov.post(page, page+"/start", url.Values{"started_on-day": {fmt.Sprint(now.Day())}, "started_on-month": {fmt.Sprint(int(now.Month()))}, "started_on-year": {fmt.Sprint(now.Year())}}); r.Status != http.StatusSeeOther {
		t.Fatalf("start: %d", r.Status)
	}
	admin := h.signIn("admin@consortium.test")
	month := now.Format("2006-01")
	r := admin.post("/admin/billing", "/admin/billing/run", url.Values{"month": {month}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Manchester has no billing contact") {
		t.Fatalf("run without a contact: %d", r.Status)
	}
	if r := admin.post("/admin/billing", "/admin/billing/contacts", url.Values{"council_id": {fmt.Sprint(h.orgs["manchester"].ID)}, "billing_email": {"not an email"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad contact: %d", r.Status)
	}
	if r := admin.post("/admin/billing", "/admin/billing/contacts", url.Values{"council_id": {fmt.Sprint(h.orgs["leeds"].ID)}, "billing_email": {"a@leeds.test"}}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a council outside the consortium: %d", r.Status)
	}
	if r := admin.post("/admin/billing", "/admin/billing/contacts", url.Values{"council_id": {fmt.Sprint(h.orgs["manchester"].ID)}, "billing_email": {"invoices@manchester.test"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("contact: %d", r.Status)
	}
	if r := admin.post("/admin/billing", "/admin/billing/run", url.Values{"from-day": {"10"}, "from-month": {"11"}, "from-year": {"2026"}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "Enter the last day of the period") || !strings.Contains(r.Body, `value="10"`) {
		t.Fatalf("a period without its last day: %d", r.Status)
	}
	if r := admin.post("/admin/billing", "/admin/billing/run", url.Values{"month": {month}}); !strings.Contains(r.Body, "1 invoice created") {
		t.Fatalf("run: %d", r.Status)
	}
	council := h.signIn("commissioner@manchester.test")
	if r := council.get("/billing"); !strings.Contains(r.Body, "IPA-") || !strings.Contains(r.Body, ">Pending<") {
		t.Fatalf("council's invoices: %d", r.Status)
	}
	if r := council.get("/billing.csv"); !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(r.Body, "IPA-") {
		t.Fatal("CSV")
	}
	if r := h.signIn("commissioner@liverpool.test").get("/billing"); strings.Contains(r.Body, "IPA-") {
		t.Fatal("another council sees Manchester's invoice")
	}
	if r := h.signIn("admin@providerx.test").get("/billing"); !strings.Contains(r.Body, "Not started") || !strings.Contains(r.Body, "Awaiting the council") {
		t.Fatalf("provider's payments: %d", r.Status)
	}
	if r := prov.get("/billing.csv"); r.Status != http.StatusForbidden {
		t.Fatalf("provider reads invoices CSV: %d", r.Status)
	}
	if r := council.post("/billing", "/billing/onboard", url.Values{}); r.Status != http.StatusForbidden {
		t.Fatalf("council onboards: %d", r.Status)
	}
	// Webhooks: signature checked; applied once however often Stripe sends it.
	invs, err := h.deps.Billing.CouncilInvoices(ctx, h.orgs["manchester"].ID)
	must(t, err)
	paid := func() map[string]any {
		return map[string]any{"id": "evt_web_1", "type": "invoice.paid", "data": map[string]any{"object": map[string]any{"id": "in_x", "object": "invoice",
			"metadata": map[string]string{"hearth_invoice_id": fmt.Sprint(invs[0].ID)}}}}
	}
	if st := h.webhook(t, paid(), func(string) string { return "" }); st != http.StatusBadRequest {
		t.Fatalf("no signature: %d", st)
	}
	if st := h.webhook(t, paid(), func(s string) string { return strings.Replace(s, "v1=", "v1=00", 1) }); st != http.StatusBadRequest {
		t.Fatalf("bad signature: %d", st)
	}
	invs, _ = h.deps.Billing.CouncilInvoices(ctx, h.orgs["manchester"].ID)
	if invs[0].Status != "pending" {
		t.Fatalf("a refused webhook changed the invoice: %q", invs[0].Status)
	}
	for range 3 {
		if st := h.webhook(t, paid(), func(s string) string { return s }); st != http.StatusOK {
			t.Fatalf("webhook: %d", st)
		}
	}
	if _, n, _ := h.deps.Audit.List(ctx, audit.AllEntries, audit.Filter{Action: "billing.invoice_paid"}, 0, 5); n != 1 {
		t.Fatalf("applied %d times", n)
	}
	if r := council.get("/billing"); !strings.Contains(r.Body, ">Paid<") {
		t.Fatal("the council sees it paid")
	}
	if r := admin.get("/admin/billing"); !strings.Contains(r.Body, "spend-chart") {
		t.Fatal("admin page lacks the spend chart")
	}
}

func TestBillingAPI(t *testing.T) {
	h := newHarness(t)
	pid := h.awardedIntoSalford(t)
	today := time.Now().In(london).Format(time.DateOnly)
	if st, _ := h.api("POST", fmt.Sprintf("/api/v1/placements/%d/start", pid), h.token("admin@providerx.test"), `{"started_on":"`+today+`"}`); st != 200 {
		t.Fatalf("start: %d", st)
	}
	must(t, h.deps.Billing.SetBillingContact(context.Background(), h.orgs["manchester"].ID, "invoices@manchester.test"))
	admin := h.token("admin@consortium.test")
	if st, _ := h.api("POST", "/api/v1/billing/runs", admin, `{"month":"November"}`); st != 422 {
		t.Fatalf("bad month: %d", st)
	}
	month := time.Now().In(london).Format("2006-01")
	for i, want := range []float64{1, 0} {
		st, out := h.api("POST", "/api/v1/billing/runs", admin, `{"month":"`+month+`"}`)
		if st != 200 || out["created"] != want {
			t.Fatalf("run %d: %d %v", i+1, st, out)
		}
	}
	if st, _ := h.api("POST", "/api/v1/billing/runs", admin, `{"from":"2026-11-10"}`); st != 422 {
		t.Fatalf("a period without its last day: %d", st)
	}
	if st, _ := h.api("POST", "/api/v1/billing/runs", admin, `{"from":"2026-11-10","to":"2026-11-01"}`); st != 422 {
		t.Fatalf("a period ending before it starts: %d", st)
	}
	if st, out := h.api("POST", "/api/v1/billing/runs", admin, `{"from":"`+time.Now().AddDate(0, 0, -3).Format(time.DateOnly)+`","to":"`+time.Now().AddDate(0, 0, 10).Format(time.DateOnly)+`"}`); st != 200 || out["created"] != float64(0) || len(out["warnings"].([]any)) != 1 {
		t.Fatalf("a period overlapping the month: %d %v", st, out)
	}
	if st, _ := h.api("POST", "/api/v1/billing/runs", h.token("commissioner@manchester.test"), `{"month":"`+month+`"}`); st != 403 {
		t.Fatalf("a council runs invoices: %d", st)
	}
	st, out := h.api("GET", "/api/v1/invoices", h.token("commissioner@manchester.test"), "")
	if st != 200 || len(out["invoices"].([]any)) != 1 {
		t.Fatalf("invoices: %d %v", st, out)
	}
	// Each line names its provider and the consortium's levy on it (1.5% here).
	line := out["invoices"].([]any)[0].(map[string]any)["lines"].([]any)[0].(map[string]any)
	if p := line["provider"].(map[string]any); p["id"] != float64(h.orgs["providerx"].ID) || p["name"] != "Provider X" || line["levy_pence"] != float64(billing.Levy(int64(line["amount_pence"].(float64)), 150)) {
		t.Fatalf("invoice line: %v", line)
	}
	if st, out := h.api("GET", "/api/v1/invoices", h.token("commissioner@liverpool.test"), ""); st != 200 || len(out["invoices"].([]any)) != 0 {
		t.Fatalf("another council's invoices: %d %v", st, out)
	}
	if st, out := h.api("GET", "/api/v1/payments", h.token("admin@providerx.test"), ""); st != 200 || len(out["payments"].([]any)) != 1 || out["payouts_enabled"] != false {
		t.Fatalf("payments: %d %v", st, out)
	}
}

func TestBillingNotConfigured(t *testing.T) {
	h := newHarness(t)
	h.s.deps.Billing = billing.NewService(h.deps.DB.Gorm, billing.Config{})
	if r := h.signIn("admin@providerx.test").get("/billing"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Billing is not configured") {
		t.Fatalf("provider: %d", r.Status)
	}
	if r := h.signIn("admin@providerx.test").post("/billing", "/billing/onboard", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("onboard without Stripe: %d", r.Status)
	}
	if r := h.signIn("admin@consortium.test").get("/admin/billing"); !strings.Contains(r.Body, "Billing is not configured") {
		t.Fatal("admin")
	}
	if st := h.webhook(t, map[string]any{"id": "evt_x", "type": "invoice.paid", "data": map[string]any{"object": map[string]any{"id": "in_x", "object": "invoice"}}},
		func(s string) string { return s }); st != http.StatusBadRequest {
		t.Fatalf("webhook without a secret: %d", st)
	}
	// Everything else works.
	if r := h.signIn("commissioner@manchester.test").get("/requests"); r.Status != http.StatusOK {
		t.Fatalf("requests: %d", r.Status)
	}
}

func TestOnboardingWhenStripeFails(t *testing.T) {
	h := newHarness(t) // the harness's Stripe address answers nothing
	b := h.signIn("admin@providerx.test")
	r := b.post("/billing", "/billing/onboard", url.Values{})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("onboard: %d", r.Status)
	}
	if r := b.get("/billing"); !strings.Contains(r.Body, "Stripe could not start your onboarding just now") || !strings.Contains(r.Body, "Not started") {
		t.Fatal("no clear message")
	}
	if st, out := h.api("POST", "/api/v1/payments/onboarding", h.token("admin@providerx.test"), ""); st != http.StatusBadGateway {
		t.Fatalf("API: %d %v", st, out)
	}
}

// TestCreditNoteOnTheInvoicePageCSVAndAPI: a placement invoiced for this month and, in
// advance, the next ends the day it started; both invoices are credited in full, and
// the council's page, CSV and API and the consortium admin's page show the credit notes.
func TestCreditNoteOnTheInvoicePageCSVAndAPI(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	pid := h.awardedIntoSalford(t)
	today := time.Now().In(london)
	if st, _ := h.api("POST", fmt.Sprintf("/api/v1/placements/%d/start", pid), h.token("admin@providerx.test"), `{"started_on":"`+today.Format(time.DateOnly)+`"}`); st != 200 {
		t.Fatalf("start: %d", st)
	}
	must(t, h.deps.Billing.SetBillingContact(ctx, h.orgs["manchester"].ID, "invoices@manchester.test"))
	admin := h.token("admin@consortium.test")
	this, _ := billing.MonthOf(today)
	for _, m := range []time.Time{this, this.AddDate(0, 1, 0)} {
		if st, out := h.api("POST", "/api/v1/billing/runs", admin, `{"month":"`+m.Format("2006-01")+`"}`); st != 200 || out["created"] != float64(1) {
			t.Fatalf("run %s: %d %v", m.Format("January"), st, out)
		}
	}
	council := h.token("commissioner@manchester.test")
	if st, out := h.api("POST", fmt.Sprintf("/api/v1/placements/%d/end", pid), council, `{"ended_on":"`+today.Format(time.DateOnly)+`","reason":"`+marketplace.EndReasons[0].Code+`"}`); st != 200 {
		t.Fatalf("end: %d %v", st, out)
	}
	if _, err := h.deps.Billing.ProcessCredits(ctx); err != nil {
		t.Fatal(err)
	}
	st, out := h.api("GET", "/api/v1/invoices", council, "")
	if st != 200 {
		t.Fatalf("invoices: %d", st)
	}
	for _, inv := range out["invoices"].([]any) {
		inv := inv.(map[string]any)
		notes := inv["credit_notes"].([]any)
		if len(notes) != 1 || inv["credited_pence"] != inv["total_pence"] || inv["net_pence"] != float64(0) {
			t.Fatalf("invoice %v", inv)
		}
		if l := notes[0].(map[string]any)["lines"].([]any)[0].(map[string]any); l["reason"] != "ended_early" || l["placement_id"] != float64(pid) {
			t.Fatalf("credit line %v", l)
		}
	}
	web := h.signIn("commissioner@manchester.test")
	if r := web.get("/billing"); strings.Count(r.Body, `data-testid="credit-note"`) != 2 || !strings.Contains(r.Body, "placement ended early") || !strings.Contains(r.Body, "After credit notes: £0.00") {
		t.Fatalf("the council's page lacks the credit notes: %d", r.Status)
	}
	if r := web.get("/billing.csv"); !strings.Contains(r.Body, ",credit_note") || !strings.Contains(r.Body, "placement ended early") {
		t.Fatalf("CSV lacks the credit notes:\n%s", r.Body)
	}
	if r := h.signIn("admin@consortium.test").get("/admin/billing"); !strings.Contains(r.Body, `data-testid="credit-notes"`) || strings.Count(r.Body, "CN-") != 2 {
		t.Fatal("the admin's page lacks the credit notes")
	}
}
