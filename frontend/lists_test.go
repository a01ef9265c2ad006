package frontend

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// listWorld is two consortia with something on every list: Manchester's drafts
// (MCR-LIST-A1, -B2, -A3) and its request MCR-SECRET-9 awarded to Provider X's home
// in Salford; the second consortium's Leeds request LDS-SECOND-1 awarded to Provider Y.
type listWorld struct {
	*harness
	placement int64
	second    second
}

func newListWorld(t *testing.T) listWorld {
	h := newHarness(t)
	w := listWorld{harness: h}
	for _, ref := range []string{"MCR-LIST-A1", "MCR-LIST-B2", "MCR-LIST-A3"} {
		h.draftRequest(t, ref)
	}
	w.placement = h.awardedIntoSalford(t)
	w.second = h.secondConsortium(t)
	return w
}

// rowsOf are the first cell links of a list's table (data-testid), in order.
func rowsOf(body, testid string) []string {
	i := strings.Index(body, `data-testid="`+testid+`"`)
	if i < 0 {
		return nil
	}
	table := body[i:]
	table = table[:strings.Index(table, "</table>")]
	var out []string
	for _, m := range regexp.MustCompile(`<tr class="govuk-table__row">\s*<td class="govuk-table__cell">(?:<strong[^>]*>[^<]*</strong>)?<a class="govuk-link" href="[^"]*">([^<]*)</a>`).FindAllStringSubmatch(table, -1) {
		out = append(out, m[1])
	}
	return out
}

// expectRows checks a list page's status and the rows it shows, in order.
func expectRows(t *testing.T, b *browser, path, testid string, status int, want ...string) response {
	t.Helper()
	r := b.get(path)
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d", path, r.Status, status)
	}
	if got := rowsOf(r.Body, testid); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("%s: rows %q, want %q", path, got, want)
	}
	return r
}

// Requests, placements, invitations, homes and notices: each list is searched,
// filtered, sorted and paged from its address; a bad value is a 400 page naming it,
// never a 500; and two consortia never see each other's rows, whatever they search.
func TestListsFilterSortAndPage(t *testing.T) {
	w := newListWorld(t)
	mcr, lds := w.signIn("commissioner@manchester.test"), w.signIn("commissioner@leeds.test")

	t.Run("requests", func(t *testing.T) {
		expectRows(t, mcr, "/requests?q=list-a", "requests", 200, "MCR-LIST-A3", "MCR-LIST-A1")
		expectRows(t, mcr, "/requests?q=LIST&sort=child", "requests", 200, "MCR-LIST-A1", "MCR-LIST-A3", "MCR-LIST-B2")
		expectRows(t, mcr, "/requests?q=LIST&sort=child&order=desc", "requests", 200, "MCR-LIST-B2", "MCR-LIST-A3", "MCR-LIST-A1")
		expectRows(t, mcr, "/requests?status=awarded", "requests", 200, "MCR-SECRET-9")
		expectRows(t, mcr, "/requests?status=awarded&status=draft&sort=child&per_page=2&page=2", "requests", 200, "MCR-LIST-B2", "MCR-SECRET-9")
		r := expectRows(t, mcr, "/requests?status=Open&q=LIST-B", "requests", 400, "MCR-LIST-B2")
		for _, want := range []string{"There is a problem", `href="#status"`, `&#34;Open&#34; is not one of the choices`, `aria-sort="none"`, "1 request match your filters"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("bad status: no %q", want)
			}
		}
		expectRows(t, mcr, "/requests?sort=secret", "requests", 400, "MCR-SECRET-9", "MCR-LIST-A3", "MCR-LIST-B2", "MCR-LIST-A1")
		expectRows(t, mcr, "/requests?q=%25", "requests", 200) // the search's own wildcard matches nothing
		expectRows(t, mcr, "/requests?q=LDS", "requests", 200)
		expectRows(t, lds, "/requests?q=MCR", "requests", 200)
		expectRows(t, lds, "/requests", "requests", 200, "LDS-SECOND-1")
	})

	t.Run("requests API", func(t *testing.T) {
		tok := w.token("commissioner@manchester.test")
		status, body := w.api(http.MethodGet, "/api/v1/requests?q=LIST-A&sort=child&order=desc", tok, "")
		if status != http.StatusOK || body["total"] != 2.0 {
			t.Fatalf("%d %v", status, body)
		}
		if refs := jsonRefs(body["requests"]); refs != "MCR-LIST-A3|MCR-LIST-A1" {
			t.Errorf("refs %s", refs)
		}
		if status, _ := w.api(http.MethodGet, "/api/v1/requests?page=0", tok, ""); status != http.StatusBadRequest {
			t.Errorf("page=0: %d, want 400", status)
		}
		for _, bad := range []string{"status=Open", "sort=id", "order=up"} {
			if status, _ := w.api(http.MethodGet, "/api/v1/requests?"+bad, tok, ""); status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d, want 422", bad, status)
			}
		}
		if _, body := w.api(http.MethodGet, "/api/v1/requests?q=LDS", tok, ""); body["total"] != 0.0 {
			t.Errorf("Manchester sees Leeds: %v", body)
		}
	})

	t.Run("placements", func(t *testing.T) {
		expectRows(t, mcr, "/placements?q=secret", "placements", 200, "MCR-SECRET-9")
		expectRows(t, mcr, "/placements?q=Home+SC97&status=awarded&sort=start", "placements", 200, "MCR-SECRET-9")
		expectRows(t, mcr, "/placements?status=ended", "placements", 200)
		expectRows(t, mcr, "/placements?q=LDS", "placements", 200)
		expectRows(t, lds, "/placements?q=MCR", "placements", 200)
		expectRows(t, lds, "/placements", "placements", 200, "LDS-SECOND-1")
		expectRows(t, w.signIn("commissioner@salford.test"), "/placements?q=secret", "placements", 200, "MCR-SECRET-9") // as the host council
		expectRows(t, mcr, "/placements?status=gone", "placements", 400, "MCR-SECRET-9")
		tok := w.token("commissioner@leeds.test")
		if status, body := w.api(http.MethodGet, "/api/v1/placements?q=MCR", tok, ""); status != http.StatusOK || body["total"] != 0.0 {
			t.Errorf("Leeds API: %d %v", status, body)
		}
		if status, _ := w.api(http.MethodGet, "/api/v1/placements?sort=fee", tok, ""); status != http.StatusUnprocessableEntity {
			t.Errorf("API sort by fee: %d", status)
		}
	})

	t.Run("invitations", func(t *testing.T) {
		x, y := w.signIn("staff@providerx.test"), w.signIn("admin@providery.test")
		r := x.get("/invitations?outcome=successful&q=manchester")
		if r.Status != 200 || !strings.Contains(r.Body, "1 request match your filters") || !strings.Contains(r.Body, "Manchester") {
			t.Errorf("Provider X, successful: %d", r.Status)
		}
		for _, q := range []string{"/invitations?outcome=not_successful", "/invitations?q=Leeds"} {
			if r := x.get(q); r.Status != 200 || !strings.Contains(r.Body, "0 requests match your filters") {
				t.Errorf("Provider X %s: %d", q, r.Status)
			}
		}
		if r := y.get("/invitations?q=Manchester"); !strings.Contains(r.Body, "0 requests match") {
			t.Errorf("Provider Y sees Manchester's request")
		}
		if r := y.get("/invitations?q=Leeds&sort=deadline&order=desc"); !strings.Contains(r.Body, "1 request match") || !strings.Contains(r.Body, `aria-sort="descending"`) {
			t.Errorf("Provider Y, Leeds: %d", r.Status)
		}
		if r := x.get("/invitations?outcome=won"); r.Status != 400 || !strings.Contains(r.Body, "Outcome: &#34;won&#34; is not one of the choices") {
			t.Errorf("bad outcome: %d", r.Status)
		}
	})

	t.Run("homes", func(t *testing.T) {
		w.addHome(w.orgs["providerx"].ID, "SC970002", "M20 2AB", 2) // the award took SC970001's one bed
		x := w.signIn("admin@providerx.test")
		expectRows(t, x, "/homes?sort=name&order=desc", "homes", 200, "Home SC970002", "Home SC970001")
		expectRows(t, x, "/homes?vacancy=full", "homes", 200, "Home SC970001")
		expectRows(t, x, "/homes?q=m6+5ab", "homes", 200, "Home SC970001")
		expectRows(t, x, "/homes?q=SC99", "homes", 200)
		expectRows(t, w.signIn("admin@providery.test"), "/homes?q=SC9", "homes", 200, "Home SC990001")
		expectRows(t, x, "/homes?vacancy=empty", "homes", 400, "Home SC970001", "Home SC970002")
		if status, body := w.api(http.MethodGet, "/api/v1/homes?vacancy=free", w.token("admin@providerx.test"), ""); status != 200 || body["total"] != 1.0 {
			t.Errorf("API free homes: %d %v", status, body["total"])
		}
	})

	t.Run("notices", func(t *testing.T) {
		ctx := context.Background()
		var subject string
		must(t, w.deps.DB.Pool.QueryRow(ctx, `SELECT subject FROM notices WHERE organisation_id = $1 ORDER BY id LIMIT 1`, w.orgs["providerx"].ID).Scan(&subject))
		x := w.signIn("admin@providerx.test")
		r := x.get("/notices?read=unread&q=" + url.QueryEscape(subject[:10]))
		if r.Status != 200 || !strings.Contains(r.Body, subject) {
			t.Errorf("Provider X's unread notice %q: %d", subject, r.Status)
		}
		if r := x.get("/notices?read=read"); !strings.Contains(r.Body, "0 notices match") {
			t.Errorf("read notices before reading one")
		}
		var theirs int64
		var theirSubject string
		must(t, w.deps.DB.Pool.QueryRow(ctx, `SELECT id, subject FROM notices WHERE organisation_id = $1 ORDER BY id LIMIT 1`, w.orgs["providery"].ID).Scan(&theirs, &theirSubject))
		if r := x.get("/notices?q=" + url.QueryEscape(theirSubject)); r.Status != 200 || strings.Contains(r.Body, fmt.Sprintf(`href="/notices/%d"`, theirs)) {
			t.Errorf("Provider X sees Provider Y's notice %q: %d", theirSubject, r.Status)
		}
		if r := x.get("/notices?kind=gossip&sort=received&order=desc"); r.Status != 400 || !strings.Contains(r.Body, `href="#kind"`) {
			t.Errorf("bad kind: %d", r.Status)
		}
		if status, _ := w.api(http.MethodGet, "/api/v1/notices?read=maybe", w.token("admin@providerx.test"), ""); status != http.StatusUnprocessableEntity {
			t.Errorf("API read=maybe: %d", status)
		}
	})
}

// jsonRefs are the child_ref of each item of a JSON list, joined by |.
func jsonRefs(v any) string {
	var out []string
	items, _ := v.([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, fmt.Sprint(m["child_ref"]))
	}
	return strings.Join(out, "|")
}

// The child search finds a council's own child across its requests, placements and
// secure referrals, and nobody else's; every search, even one that finds nothing, is
// audited as a read of children's records naming what it showed.
func TestChildSearchIsAuditedAndScoped(t *testing.T) {
	w := newListWorld(t)
	ctx := context.Background()
	now := time.Now().In(london)
	mcr := w.signIn("commissioner@manchester.test")
	r := mcr.sendReferral(merge(url.Values{"child_ref": {"MCR-SECRET-9"}, "age_years": {"14"},
		"birth_month": {"2"}, "birth_year": {fmt.Sprint(now.Year() - 14)}, "sex": {"female"}, "legal_position": {"order_granted"}, "urgency": {"urgent"},
		"current_outcode": {"M14"}, "preferred_miles": {"50"}, "social_worker": {"Sam Worker 0161 496 0000"}, "sanctioning_officer": {"Head of Service"},
		"ethnicity": {"WBRI"}, "child_protection_plan": {"no"}, "primary_reason": {"absconding_harm"}},
		formDate("order_expiry", now.AddDate(0, 2, 0)), formDate("order_start", now), url.Values{"order_kind": {"first"}}))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("referral: %d", r.Status)
	}
	audits := func() (n int, detail string) {
		must(t, w.deps.DB.Pool.QueryRow(ctx, `SELECT count(*), coalesce((array_agg(detail::text ORDER BY id DESC))[1], '') FROM audit_log WHERE action = 'child.read' AND entity_type = 'child_search'`).Scan(&n, &detail))
		return
	}
	tests := []struct {
		who, q string
		status int
		want   []string // in the page
		none   []string // never in the page
	}{
		{"commissioner@manchester.test", "secret", 200, []string{"3 records", "MCR-SECRET-9", "Placement request", `href="/placements/`, "Secure referral", "placement history"}, nil},
		// An approver opens placements only (the route policy table): the search shows no
		// request or secure referral, not even as a row without a link.
		{"approver@manchester.test", "SECRET-9", 200, []string{"1 record ", "MCR-SECRET-9", `href="/placements/`}, []string{"Placement request", "Secure referral", `href="/requests/`, `href="/secure/referrals/`}},
		{"commissioner@liverpool.test", "SECRET", 200, []string{"0 records"}, []string{"MCR-SECRET-9"}},
		{"commissioner@leeds.test", "MCR", 200, []string{"0 records"}, []string{"MCR-"}},
		{"commissioner@leeds.test", "second", 200, []string{"2 records", "LDS-SECOND-1"}, []string{"MCR-"}},
		{"commissioner@manchester.test", "LDS-SECOND", 200, []string{"0 records"}, []string{"LDS-SECOND-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.q, func(t *testing.T) {
			before, _ := audits()
			r := w.signIn(tt.who).get("/children/search?q=" + url.QueryEscape(tt.q))
			if r.Status != tt.status {
				t.Fatalf("status %d", r.Status)
			}
			for _, s := range tt.want {
				if !strings.Contains(r.Body, s) {
					t.Errorf("no %q", s)
				}
			}
			for _, s := range tt.none {
				if strings.Contains(r.Body, s) {
					t.Errorf("shows %q", s)
				}
			}
			after, detail := audits()
			if after != before+1 || !strings.Contains(detail, `"search": "`+tt.q+`"`) {
				t.Errorf("audit: %d entries after %d, last %s", after, before, detail)
			}
		})
	}
	t.Run("waiting list", func(t *testing.T) {
		swcu := w.signIn("coordinator@swcu.test")
		expectRows(t, swcu, "/secure/waiting?q=secret&urgency=urgent&status=received&sort=days&order=desc", "waiting", 200, "MCR-SECRET-9")
		expectRows(t, swcu, "/secure/waiting?urgency=planned", "waiting", 200)
		expectRows(t, swcu, "/secure/waiting?q=leeds", "waiting", 200)
		expectRows(t, swcu, "/secure/waiting?urgency=soon", "waiting", 400, "MCR-SECRET-9")
		tok := w.token("coordinator@swcu.test")
		if status, body := w.api(http.MethodGet, "/api/v1/secure/waiting?q=MCR&sort=expiry", tok, ""); status != 200 || body["total"] != 1.0 {
			t.Errorf("API: %d %v", status, body["total"])
		}
		if status, _ := w.api(http.MethodGet, "/api/v1/secure/waiting?paused=maybe", tok, ""); status != http.StatusUnprocessableEntity {
			t.Errorf("API paused=maybe: %d", status)
		}
	})
	var detail string
	must(t, w.deps.DB.Pool.QueryRow(ctx, `SELECT detail::text FROM audit_log WHERE entity_type = 'child_search' AND detail->>'search' = 'secret'`).Scan(&detail))
	for _, kind := range []string{"placement", "placement_request", "secure_referral"} {
		if !strings.Contains(detail, `"`+kind+`": [`) {
			t.Errorf("audit detail names no %s: %s", kind, detail)
		}
	}
	for _, bad := range []string{"", "ab", strings.Repeat("x", 101)} {
		before, _ := audits()
		r := mcr.get("/children/search?q=" + bad)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `href="#q"`) {
			t.Errorf("q=%q: %d", bad, r.Status)
		}
		if after, _ := audits(); after != before {
			t.Errorf("q=%q searched", bad)
		}
	}
	if r := w.signIn("staff@providerx.test").get("/children/search?q=SECRET"); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
		t.Errorf("a provider searches children: %d", r.Status)
	}
}
