package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
)

// missingWorld is the host world (Manchester's MCR-SECRET-9 in a Salford home) with its
// missing episode ended: the child was found in Manchester.
func (h *harness) missingWorld(t *testing.T) hosts {
	t.Helper()
	w := h.hostWorld(t)
	_, err := h.deps.Market.EndIncident(context.Background(), w.salford, w.incident, h.orgs["providerx"].ID, h.users["staff@providerx.test"].ID,
		marketplace.IncidentEnd{EndedAt: time.Now().Add(-time.Minute), EndedHow: "found", FoundArea: "E08000003"})
	must(t, err)
	return w
}

func (h *harness) episodeVersion(t *testing.T, id int64) int {
	t.Helper()
	var v int
	must(t, h.deps.DB.Gorm.Raw("SELECT version FROM placement_incidents WHERE id = ?", id).Scan(&v).Error)
	return v
}

// TestMissingEpisodeRoutesByRole is the authorisation matrix of every episode route for
// every role: the route's policy refuses with 403; the domain hides another
// organisation's episode with 404.
func TestMissingEpisodeRoutesByRole(t *testing.T) {
	h := newHarness(t)
	w := h.missingWorld(t)
	ep := fmt.Sprintf("/missing/%d", w.incident)
	api := fmt.Sprintf("/api/v1/missing-episodes/%d", w.incident)
	const ok, see, forbidden, hidden = http.StatusOK, http.StatusSeeOther, http.StatusForbidden, http.StatusNotFound
	for _, tc := range []struct {
		email                              string
		page, amend, interview             int // web: GET, POST police details, POST interview
		apiGet, apiPatch, apiInterviewPost int
	}{
		{"commissioner@manchester.test", ok, see, see, ok, ok, ok},
		{"approver@manchester.test", ok, forbidden, forbidden, ok, forbidden, forbidden},
		{"commissioner@liverpool.test", hidden, hidden, hidden, hidden, hidden, hidden},
		{"admin@consortium.test", forbidden, forbidden, forbidden, forbidden, forbidden, forbidden},
		{"admin@providerx.test", ok, see, forbidden, ok, ok, forbidden},
		{"staff@providerx.test", ok, see, forbidden, ok, ok, forbidden},
		{"admin@providery.test", hidden, hidden, forbidden, hidden, hidden, forbidden},
		{"coordinator@swcu.test", forbidden, forbidden, forbidden, forbidden, forbidden, forbidden},
		{"manager@securehome.test", forbidden, forbidden, forbidden, forbidden, forbidden, forbidden},
		{"host@cumberland.test", hidden, hidden, hidden, hidden, hidden, hidden},
		{"host@salford.test", ok, see, see, ok, ok, ok},
		{"host@stockport.test", hidden, hidden, hidden, hidden, hidden, hidden},
		{"host@manchester.test", hidden, hidden, hidden, hidden, hidden, hidden}, // a host user sees nothing of its own council's children
	} {
		t.Run(tc.email, func(t *testing.T) {
			b := h.signIn(tc.email)
			if r := b.get(ep); r.Status != tc.page {
				t.Errorf("GET %s: %d, want %d", ep, r.Status, tc.page)
			}
			ref := "REF-" + strings.Split(tc.email, "@")[0]
			if r := b.post("/", ep, url.Values{"version": {fmt.Sprint(h.episodeVersion(t, w.incident))}, "police_ref": {ref}}); r.Status != tc.amend {
				t.Errorf("POST %s: %d, want %d", ep, r.Status, tc.amend)
			}
			if r := b.post("/", ep+"/interview", url.Values{"version": {fmt.Sprint(h.episodeVersion(t, w.incident))}, "responsible": {"host"}}); r.Status != tc.interview {
				t.Errorf("POST %s/interview: %d, want %d", ep, r.Status, tc.interview)
			}
			tok := h.token(tc.email)
			if st, body := h.api(http.MethodGet, api, tok, ""); st != tc.apiGet {
				t.Errorf("GET %s: %d, want %d (%v)", api, st, tc.apiGet, body)
			}
			if st, body := h.api(http.MethodPatch, api, tok, fmt.Sprintf(`{"version": %d, "police_risk": "low"}`, h.episodeVersion(t, w.incident))); st != tc.apiPatch {
				t.Errorf("PATCH %s: %d, want %d (%v)", api, st, tc.apiPatch, body)
			}
			if st, body := h.api(http.MethodPost, api+"/return-interview", tok, fmt.Sprintf(`{"version": %d, "responsible": "placing"}`, h.episodeVersion(t, w.incident))); st != tc.apiInterviewPost {
				t.Errorf("POST %s/return-interview: %d, want %d (%v)", api, st, tc.apiInterviewPost, body)
			}
		})
	}
}

// TestMissingEpisodesKeepCouncilsApart: a council of another consortium (Leeds), another
// council of the same consortium (Liverpool) and a host council whose area the home is
// not in (Stockport) see nothing of the episode by list, id, API or CSV; the host
// council (Salford) and the placing council see it.
func TestMissingEpisodesKeepCouncilsApart(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	w := h.missingWorld(t)
	consB, err := h.deps.Orgs.Create(ctx, kernel.KindConsortium, "Consortium B")
	must(t, err)
	must(t, h.deps.Orgs.JoinConsortium(ctx, consB.ID, []string{"E08000035"})) // Leeds
	u, err := h.quiet.Create(ctx, auth.NewUser{Email: "commissioner@leeds.test", Name: "Leeds Commissioner", Role: kernel.RoleCommissioner, OrganisationID: h.orgs["leeds"].ID, Password: testPassword})
	must(t, err)
	h.users[u.Email] = u
	ep := fmt.Sprintf("/missing/%d", w.incident)
	for _, tc := range []struct {
		email string
		sees  bool
	}{
		{"commissioner@manchester.test", true},
		{"host@salford.test", true},
		{"staff@providerx.test", true},
		{"commissioner@leeds.test", false},
		{"commissioner@liverpool.test", false},
		{"host@stockport.test", false},
		{"admin@providery.test", false},
	} {
		t.Run(tc.email, func(t *testing.T) {
			b := h.signIn(tc.email)
			tok := h.token(tc.email)
			// The pages link the episode; the CSV names the child (a search echoes what was typed).
			link := `href="` + ep + `"`
			for path, mark := range map[string]string{"/missing": link, "/missing?area=E08000006": link, "/missing?child=MCR-SECRET-9": link, "/missing.csv": "MCR-SECRET-9"} {
				r := b.get(path)
				if r.Status != http.StatusOK || strings.Contains(r.Body, mark) != tc.sees {
					t.Errorf("GET %s: %d, shows the child: %v, want %v", path, r.Status, !tc.sees, tc.sees)
				}
			}
			st, body := h.api(http.MethodGet, "/api/v1/missing-episodes", tok, "")
			if st != http.StatusOK || strings.Contains(fmt.Sprint(body), "MCR-SECRET-9") != tc.sees {
				t.Errorf("API list: %d %v", st, body)
			}
			want := http.StatusNotFound
			if tc.sees {
				want = http.StatusOK
			}
			if r := b.get(ep); r.Status != want {
				t.Errorf("GET %s: %d, want %d", ep, r.Status, want)
			}
			if st, _ := h.api(http.MethodGet, fmt.Sprintf("/api/v1/missing-episodes/%d", w.incident), tok, ""); st != want {
				t.Errorf("API GET episode: %d, want %d", st, want)
			}
		})
	}
	// A bad filter is a 400 beside the filters on the page (the list still shows), a 422 in the API.
	if r := h.signIn("commissioner@manchester.test").get("/missing?area=nowhere"); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "ONS code") {
		t.Errorf("a bad area on the page: %d", r.Status)
	}
	if st, body := h.api(http.MethodGet, "/api/v1/missing-episodes?area=nowhere", h.token("commissioner@manchester.test"), ""); st != http.StatusUnprocessableEntity {
		t.Errorf("a bad area in the API: %d %v", st, body)
	}
	// Every list, the CSV and the API's, is audited as a read of the children's records.
	for _, list := range []string{"/missing", "/missing.csv", "/api/v1/missing-episodes"} {
		var audited int64
		must(t, h.deps.DB.Gorm.Raw(`SELECT count(*) FROM audit_log WHERE action = 'child.read' AND entity_type = 'placement_incident' AND detail->>'list' = ?
                AND (detail->'ids') @> jsonb_build_array(?::text)`, list, fmt.Sprint(w.incident)).Scan(&audited).Error)
		if audited == 0 {
			t.Errorf("%s: the read of the children's episodes is not audited", list)
		}
	}
}

// TestTheHostCouncilRecordsTheInterview: the host council's user records the interview
// on the episode page; the placing council sees it; a bad input is shown beside its
// field and keeps what was typed; a stale version is a conflict, not a lost update.
func TestTheHostCouncilRecordsTheInterview(t *testing.T) {
	h := newHarness(t)
	w := h.missingWorld(t)
	ep := fmt.Sprintf("/missing/%d", w.incident)
	host := h.signIn("host@salford.test")
	now := time.Now().In(london)
	version := fmt.Sprint(h.episodeVersion(t, w.incident))
	bad := merge(url.Values{"version": {version}, "accepted": {"no"}, "interviewer": {"Advocate"}}, formDate("done_at", now))
	bad.Set("done_at_time", now.Format("15:04"))
	if r := host.post(ep, ep+"/interview", bad); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "only when the child accepted it") ||
		!strings.Contains(r.Body, `value="Advocate"`) {
		t.Fatalf("done without being accepted: %d", r.Status)
	}
	good := merge(url.Values{"version": {version}, "accepted": {"yes"}, "interviewer": {"Independent advocate"}}, formDate("done_at", now), formDate("offered_at", now))
	good.Set("done_at_time", now.Format("15:04"))
	good.Set("offered_at_time", now.Format("15:04"))
	if r := host.post(ep, ep+"/interview", good); r.Status != http.StatusSeeOther {
		t.Fatalf("record the interview: %d", r.Status)
	}
	r := h.signIn("commissioner@manchester.test").get(ep)
	if !strings.Contains(r.Body, "Independent advocate") || !strings.Contains(r.Body, "Interview done") {
		t.Fatalf("the placing council does not see the interview")
	}
	if st, body := h.api(http.MethodPost, fmt.Sprintf("/api/v1/missing-episodes/%d/return-interview", w.incident), h.token("commissioner@manchester.test"),
		fmt.Sprintf(`{"version": %s, "interviewer": "Someone else"}`, version)); st != http.StatusConflict {
		t.Fatalf("a stale version: %d %v", st, body)
	}
	// The consortium sees aggregates only: one child is fewer than 5.
	r = h.signIn("admin@consortium.test").get("/intelligence/missing")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "fewer than 5") || strings.Contains(r.Body, "MCR-SECRET-9") {
		t.Fatalf("the consortium's aggregates: %d", r.Status)
	}
}
