package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
	"github.com/hearth-placements/hearth/marketplace"
)

// hookReceiver is a real local endpoint keeping the events it got, after checking each
// one's signature with its secret.
type hookReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	secret string
	events []webhook.Envelope
	bad    int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := webhook.Verify(body, req.Header.Get(webhook.SignatureHeader), r.secret, time.Minute); err != nil {
			r.bad++
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var e webhook.Envelope
		if err := json.Unmarshal(body, &e); err != nil || e.ID != req.Header.Get("Hearth-Event-Id") {
			r.bad++
		}
		r.events = append(r.events, e)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) got() []webhook.Envelope {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhook.Envelope(nil), r.events...)
}

// deliverHooks sends every waiting delivery, as the job queue would.
func (h *harness) deliverHooks(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	ids, err := h.deps.Webhooks.PendingIDs(ctx, 100)
	must(t, err)
	for _, id := range ids {
		must(t, h.deps.Webhooks.Deliver(ctx, id, false))
	}
}

var secretRe = regexp.MustCompile(`data-testid="new-secret">(whsec_[A-Za-z0-9_-]+)<`)

// TestWebhooksTellEachOrganisationOnlyItsOwnView is the webhook tenancy test: two
// consortia award placements. Manchester's approver registers an endpoint on the web
// page, Provider X's admin through the API; Salford (the host) and Leeds (the second
// consortium) have endpoints too. Each receives, signed, only the events of its own
// placements, each cut to its own view; the delivery log shows the delivery and sends
// it again; nobody reads another organisation's endpoint.
func TestWebhooksTellEachOrganisationOnlyItsOwnView(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	mcr, prov, host, leeds := newHookReceiver(t), newHookReceiver(t), newHookReceiver(t), newHookReceiver(t)

	// Manchester's approver, on the web page; the secret is shown once.
	approver := h.signIn("approver@manchester.test")
	r := approver.post("/webhooks/new", "/webhooks/new", url.Values{"url": {mcr.srv.URL + "/hearth"}, "description": {"Case system"},
		"event_types": {"placement.awarded", "placement.started"}})
	m := secretRe.FindStringSubmatch(r.Body)
	if r.Status != http.StatusCreated || m == nil {
		t.Fatalf("register on the web: %d", r.Status)
	}
	mcr.secret = m[1]
	if again := approver.get("/webhooks"); strings.Contains(again.Body, mcr.secret) || !strings.Contains(again.Body, mcr.srv.URL) {
		t.Fatal("the list shows the secret, or not the endpoint")
	}

	// Provider X's admin, through the API.
	status, body := h.api(http.MethodPost, "/api/v1/webhook-endpoints", h.token("admin@providerx.test"),
		fmt.Sprintf(`{"url":%q,"event_types":["placement.awarded"]}`, prov.srv.URL))
	if status != http.StatusCreated {
		t.Fatalf("register through the API: %d %v", status, body)
	}
	prov.secret = body["secret"].(string)
	provEndpoint := int64(body["endpoint"].(map[string]any)["id"].(float64))

	var salford commissioning.Organisation
	must(t, h.deps.DB.Gorm.Where("ons_code = 'E08000006'").First(&salford).Error)
	_, s, err := h.deps.Webhooks.Create(ctx, salford.ID, 0, webhook.EndpointInput{URL: host.srv.URL, EventTypes: []string{"placement.awarded"}})
	must(t, err)
	host.secret = s
	_, s, err = h.deps.Webhooks.Create(ctx, h.orgs["leeds"].ID, 0, webhook.EndpointInput{URL: leeds.srv.URL, EventTypes: []string{"placement.awarded"}})
	must(t, err)
	leeds.secret = s

	pid := h.awardedIntoSalford(t)
	second := h.secondConsortium(t)
	h.deliverHooks(t)

	one := func(name string, rcv *hookReceiver) map[string]any {
		t.Helper()
		got := rcv.got()
		if len(got) != 1 || rcv.bad != 0 || got[0].Type != webhook.PlacementAwarded {
			t.Fatalf("%s received %d events (%d badly signed), want one placement.awarded", name, len(got), rcv.bad)
		}
		var d map[string]any
		must(t, json.Unmarshal(got[0].Data, &d))
		return d["placement"].(map[string]any)
	}
	council, provider, hostView, leedsView := one("Manchester", mcr), one("Provider X", prov), one("Salford", host), one("Leeds", leeds)
	if int64(council["placement_id"].(float64)) != pid || council["access"] != "council" || council["child"] == nil || council["weekly_fee_pence"] == nil {
		t.Errorf("Manchester's view: %v", council)
	}
	if provider["access"] != "provider" || provider["child"] == nil || provider["end_note"] != nil {
		t.Errorf("Provider X's view: %v", provider)
	}
	if hostView["access"] != "host" || hostView["child"] != nil || hostView["weekly_fee_pence"] != nil || hostView["placing_council"] != "Manchester" {
		t.Errorf("Salford's view: %v", hostView)
	}
	if int64(leedsView["placement_id"].(float64)) != second.placement || leedsView["placing_council"] != "Leeds" {
		t.Errorf("Leeds got %v, want only its own placement", leedsView)
	}

	// The delivery log shows it delivered; sending again repeats the same event.
	var mcrEndpoint int64
	must(t, h.deps.DB.Gorm.Raw("SELECT id FROM webhook_endpoints WHERE organisation_id = ?", h.orgs["manchester"].ID).Scan(&mcrEndpoint).Error)
	page := fmt.Sprintf("/webhooks/%d", mcrEndpoint)
	log := approver.get(page)
	if log.Status != http.StatusOK || !strings.Contains(log.Body, "Delivered") || !strings.Contains(log.Body, "HTTP 204") || strings.Contains(log.Body, mcr.secret) {
		t.Fatalf("delivery log: %d", log.Status)
	}
	var delivery int64
	must(t, h.deps.DB.Gorm.Raw("SELECT id FROM webhook_deliveries WHERE endpoint_id = ?", mcrEndpoint).Scan(&delivery).Error)
	if r := approver.post(page, fmt.Sprintf("%s/deliveries/%d/replay", page, delivery), url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("send again: %d", r.Status)
	}
	h.deliverHooks(t)
	if got := mcr.got(); len(got) != 2 || got[1].ID != got[0].ID {
		t.Fatalf("after sending again Manchester has %d events", len(got))
	}
	if log := approver.get(page); !strings.Contains(log.Body, "(sent again)") {
		t.Fatal("the log does not show the second attempt as sent again")
	}

	// Nobody reads or acts on another organisation's endpoint.
	if r := h.signIn("admin@providery.test").get(fmt.Sprintf("/webhooks/%d", provEndpoint)); r.Status != http.StatusNotFound {
		t.Errorf("Provider Y reads Provider X's endpoint: %d", r.Status)
	}
	if status, _ := h.api(http.MethodGet, fmt.Sprintf("/api/v1/webhook-endpoints/%d/deliveries", mcrEndpoint), h.token("admin@providerx.test"), ""); status != http.StatusNotFound {
		t.Errorf("Provider X reads Manchester's log: %d", status)
	}
	if status, _ := h.api(http.MethodPost, fmt.Sprintf("/api/v1/webhook-endpoints/%d/rotate-secret", mcrEndpoint), h.token("admin@providery.test"), ""); status != http.StatusNotFound {
		t.Errorf("Provider Y rotates Manchester's secret: %d", status)
	}
}

// TestWebhookFormKeepsValuesAndShowsErrors: a private address and no events are refused
// beside their fields, with the values kept.
func TestWebhookFormKeepsValuesAndShowsErrors(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@providerx.test")
	r := b.post("/webhooks/new", "/webhooks/new", url.Values{"url": {"https://10.0.0.7/hook"}, "description": {"Our system"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "must be on the public internet") || !strings.Contains(r.Body, "Select the events to send") ||
		!strings.Contains(r.Body, `value="https://10.0.0.7/hook"`) || !strings.Contains(r.Body, `href="#url"`) {
		t.Fatalf("bad form: %d", r.Status)
	}
	status, body := h.api(http.MethodPost, "/api/v1/webhook-endpoints", h.token("admin@providerx.test"), `{"url":"http://case.example.org/x","event_types":["placement.awarded"]}`)
	if status != http.StatusUnprocessableEntity {
		t.Fatalf("API http address: %d %v", status, body)
	}
}

// TestWebhookEndpointsAreCappedAtTen: an organisation with 10 endpoints is told, beside
// the address on the form and as a 422 from the API, that it cannot add an eleventh.
func TestWebhookEndpointsAreCappedAtTen(t *testing.T) {
	h := newHarness(t)
	for i := range webhook.MaxEndpoints {
		_, _, err := h.deps.Webhooks.Create(context.Background(), h.orgs["providerx"].ID, 0,
			webhook.EndpointInput{URL: fmt.Sprintf("https://case.example.org/%d", i), EventTypes: []string{"placement.awarded"}})
		must(t, err)
	}
	b := h.signIn("admin@providerx.test")
	r := b.post("/webhooks/new", "/webhooks/new", url.Values{"url": {"https://case.example.org/eleven"}, "event_types": {"placement.awarded"}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "10 endpoints already") || !strings.Contains(r.Body, `href="#url"`) ||
		!strings.Contains(r.Body, `value="https://case.example.org/eleven"`) {
		t.Fatalf("form: %d", r.Status)
	}
	status, body := h.api(http.MethodPost, "/api/v1/webhook-endpoints", h.token("admin@providerx.test"), `{"url":"https://case.example.org/eleven","event_types":["placement.awarded"]}`)
	if status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body), "10 endpoints already") {
		t.Fatalf("API: %d %v", status, body)
	}
}

// TestEveryPlacementChangeIsPublished: a placement's life — the request closing, the
// award, the start, a fee change, a missing episode and the return, the end — reaches
// the placing council's endpoint as one signed event each, in order; the host council
// (Salford) gets each except the fee change, without the child's profile or the
// provider's note. The provider hears of the request closing with its own response,
// never the count of others' bids.
func TestEveryPlacementChangeIsPublished(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	mcr, host, prov := newHookReceiver(t), newHookReceiver(t), newHookReceiver(t)
	var salford commissioning.Organisation
	must(t, h.deps.DB.Gorm.Where("ons_code = 'E08000006'").First(&salford).Error)
	for _, r := range []struct {
		org int64
		rcv *hookReceiver
	}{{h.orgs["manchester"].ID, mcr}, {salford.ID, host}, {h.orgs["providerx"].ID, prov}} {
		_, s, err := h.deps.Webhooks.Create(ctx, r.org, 0, webhook.EndpointInput{URL: r.rcv.srv.URL, EventTypes: allEventTypes()})
		must(t, err)
		r.rcv.secret = s
	}
	pid := h.awardedIntoSalford(t)
	m, provider, council := h.deps.Market, h.orgs["providerx"].ID, h.orgs["manchester"].ID
	today := h.clock.Now().UTC().Truncate(24 * time.Hour)
	_, err := m.ConfirmStart(ctx, pid, provider, 0, today)
	must(t, err)
	_, err = m.ChangeFee(ctx, pid, council, 0, marketplace.FeeChange{EffectiveFrom: today.AddDate(0, 0, 14), CorePence: 450000, Reason: "Uplift"})
	must(t, err)
	in, err := m.ReportIncident(ctx, pid, provider, 0, marketplace.IncidentReport{Kind: "missing", StartedAt: h.clock.Now().Add(-time.Minute), Note: "Seen at the station"})
	must(t, err)
	_, err = m.EndIncident(ctx, pid, in.ID, provider, 0, marketplace.IncidentEnd{EndedAt: h.clock.Now()})
	must(t, err)
	_, err = m.EndPlacement(ctx, pid, marketplace.Viewer{OrgID: council, Kind: kernel.KindCouncil}, 0, marketplace.Ending{EndedOn: today, Reason: "planned_move", Note: "Nearer school"})
	must(t, err)
	h.deliverHooks(t)

	types := func(rcv *hookReceiver) []string {
		var out []string
		for _, e := range rcv.got() {
			out = append(out, string(e.Type))
		}
		return out
	}
	want := []string{"request.closed", "placement.awarded", "placement.started", "placement.fee_changed", "missing_episode.reported", "missing_episode.returned", "placement.ended"}
	if got := types(mcr); strings.Join(got, " ") != strings.Join(want, " ") || mcr.bad != 0 {
		t.Fatalf("Manchester got %v (%d badly signed), want %v", got, mcr.bad, want)
	}
	if got := types(prov); strings.Join(got, " ") != strings.Join(want, " ") || prov.bad != 0 {
		t.Fatalf("the provider got %v (%d badly signed), want %v", got, prov.bad, want)
	}
	if e := prov.got()[0]; !strings.Contains(string(e.Data), `"your_response":"bid"`) || strings.Contains(string(e.Data), `"bids"`) || strings.Contains(string(e.Data), "child_ref") {
		t.Errorf("the provider's request.closed: %s", e.Data)
	}
	wantHost := []string{"placement.awarded", "placement.started", "missing_episode.reported", "missing_episode.returned", "placement.ended"}
	if got := types(host); strings.Join(got, " ") != strings.Join(wantHost, " ") {
		t.Fatalf("Salford got %v, want %v", got, wantHost)
	}
	for _, e := range host.got() {
		if s := string(e.Data); strings.Contains(s, `"child"`) || strings.Contains(s, "weekly_fee_pence") || strings.Contains(s, "Seen at the station") || strings.Contains(s, "Nearer school") {
			t.Errorf("Salford's %s shows more than the host notice: %s", e.Type, s)
		}
	}
	for _, e := range mcr.got() {
		if e.Type == webhook.PlacementEnded && !strings.Contains(string(e.Data), `"end_note":"Nearer school"`) {
			t.Errorf("Manchester's placement.ended lacks its end note: %s", e.Data)
		}
	}
}
