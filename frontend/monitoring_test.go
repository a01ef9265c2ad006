package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/monitoring"
	"github.com/hearth-placements/hearth/marketplace"
)

// visitForm is a complete visit as the record form sends it, on day.
func visitValues(day time.Time, overall string) url.Values {
	v := url.Values{"visited_on-day": {fmt.Sprint(day.Day())}, "visited_on-month": {fmt.Sprint(int(day.Month()))}, "visited_on-year": {fmt.Sprint(day.Year())},
		"visit_type": {"unannounced"}, "overall": {overall}, "summary": {"Calm home; the manager knew each child well."}}
	for _, d := range []string{"experiences_progress", "help_protection", "leadership_management", "care_planning_education", "environment"} {
		v.Set("score_"+d, "3")
	}
	return v
}

const visitJSON = `{"visited_on":"%s","visit_type":"announced","overall":%d,"summary":"Seen by API",
 "scores":{"experiences_progress":3,"help_protection":3,"leadership_management":2,"care_planning_education":3,"environment":4}%s}`

// TestMonitoringVisitRecordedAndScoped: a commissioner records a visit on the home's
// page; a bad field comes back beside the field with every value kept; the visit is
// then read by the consortium's councils and admin and the home's provider, not by
// another provider (404) nor by another consortium (an empty history).
func TestMonitoringVisitRecordedAndScoped(t *testing.T) {
	h := newHarness(t)
	_, _ = h.otherConsortium(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC510001", "M1 1AE", 1)
	page := fmt.Sprintf("/monitoring/homes/%d", home.ID)
	b := h.signIn("commissioner@manchester.test")
	if r := b.get(page); r.Status != http.StatusOK || !strings.Contains(r.Body, "No monitoring visit recorded yet") || !strings.Contains(r.Body, "Record a visit") {
		t.Fatalf("empty page: %d", r.Status)
	}
	today := time.Now().In(london)
	bad := visitValues(today.AddDate(0, 0, 3), "3")
	bad.Del("score_environment")
	r := b.post(page, page+"/visits", bad)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad visit: %d", r.Status)
	}
	for _, want := range []string{`href="#visited_on-day"`, "The date of the visit must be today or in the past", `id="score_environment-error"`,
		`href="#score_environment"`, "Calm home; the manager knew each child well.", `name="score_help_protection" type="radio" value="3" checked`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("error page lacks %q", want)
		}
	}
	r = b.post(page, page+"/visits", visitValues(today, "3"))
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, page+"#visit-") {
		t.Fatalf("record: %d %q %s", r.Status, r.Location, r.Body)
	}
	ctx := context.Background()
	var audited int64
	must(t, h.deps.DB.Gorm.Raw("SELECT count(*) FROM audit_log WHERE action = 'monitoring.visit' AND entity_id = ?", fmt.Sprint(home.ID)).Scan(&audited).Error)
	if audited != 1 {
		t.Fatalf("%d audit rows", audited)
	}

	for _, tt := range []struct {
		email  string
		status int
		visits int
	}{
		{"commissioner@manchester.test", 200, 1},
		{"approver@manchester.test", 200, 1},
		{"commissioner@liverpool.test", 200, 1}, // the same consortium
		{"admin@consortium.test", 200, 1},
		{"admin@providerx.test", 200, 1}, // the home's provider
		{"staff@providerx.test", 200, 1},
		{"admin@providery.test", 404, 0}, // another provider
		{"admin@other.test", 200, 0},     // another consortium
		{"coordinator@swcu.test", 403, 0},
		{"host@cumberland.test", 403, 0},
	} {
		t.Run(tt.email, func(t *testing.T) {
			r := h.signIn(tt.email).get(page)
			if r.Status != tt.status || strings.Count(r.Body, `data-testid="visit"`) != tt.visits {
				t.Fatalf("web: %d with %d visits", r.Status, strings.Count(r.Body, `data-testid="visit"`))
			}
			st, out := h.api(http.MethodGet, fmt.Sprintf("/api/v1/homes/%d/monitoring-visits", home.ID), h.token(tt.email), "")
			if st != tt.status || (st == 200 && len(out["visits"].([]any)) != tt.visits) {
				t.Fatalf("api: %d %v", st, out)
			}
			canRecord := strings.Contains(r.Body, "Record a visit")
			if canRecord != (tt.email == "commissioner@manchester.test" || tt.email == "commissioner@liverpool.test") {
				t.Fatalf("record form shown: %v", canRecord)
			}
		})
	}
	if _, err := h.deps.Monitoring.Record(ctx, h.orgs["providerx"], 0, home.ID, marketplaceVisit(today)); err == nil {
		t.Fatal("a provider recorded a visit")
	}
}

func marketplaceVisit(day time.Time) (in monitoring.VisitInput) {
	in.VisitedOn, in.VisitType, in.Overall, in.Summary = day.Format(time.DateOnly), "virtual", 2, "By the service"
	in.Scores = map[string]int{"experiences_progress": 2, "help_protection": 2, "leadership_management": 2, "care_planning_education": 2, "environment": 2}
	return in
}

// TestMonitoringVisitAPI: the API records a visit as the form does (201), refuses a
// bad one with every problem at once (422), and an amendment keeps the earlier visit,
// marked as amended; a visit is amended once (409), and only by its own council.
func TestMonitoringVisitAPI(t *testing.T) {
	h := newHarness(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC510002", "M1 1AE", 1)
	path := fmt.Sprintf("/api/v1/homes/%d/monitoring-visits", home.ID)
	tok := h.token("commissioner@manchester.test")
	today := time.Now().In(london).Format(time.DateOnly)
	st, out := h.api(http.MethodPost, path, tok, `{"visited_on":"2099-01-01","visit_type":"x","overall":9,"summary":"","scores":{"environment":7}}`)
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("bad: %d %v", st, out)
	}
	fields := map[string]bool{}
	errs, _ := out["errors"].([]any)
	if errs == nil {
		t.Fatalf("no fields: %v", out)
	}
	for _, f := range errs {
		fields[f.(map[string]any)["field"].(string)] = true
	}
	for _, f := range []string{"visited_on", "visit_type", "overall", "summary", "scores.environment", "scores.help_protection"} {
		if !fields[f] {
			t.Errorf("no error for %s: %v", f, fields)
		}
	}
	st, out = h.api(http.MethodPost, path, tok, fmt.Sprintf(visitJSON, today, 3, ""))
	if st != http.StatusCreated || out["overall_label"] != "Good" || out["scores"].(map[string]any)["environment"].(float64) != 4 {
		t.Fatalf("record: %d %v", st, out)
	}
	first := int64(out["id"].(float64))
	if st, out = h.api(http.MethodPost, path, h.token("commissioner@liverpool.test"), fmt.Sprintf(visitJSON, today, 2, fmt.Sprintf(`,"amends_id":%d`, first))); st != http.StatusNotFound {
		t.Fatalf("another council amended: %d %v", st, out)
	}
	st, out = h.api(http.MethodPost, path, tok, fmt.Sprintf(visitJSON, today, 2, fmt.Sprintf(`,"amends_id":%d`, first)))
	if st != http.StatusCreated || int64(out["amends_id"].(float64)) != first {
		t.Fatalf("amend: %d %v", st, out)
	}
	if st, out = h.api(http.MethodPost, path, tok, fmt.Sprintf(visitJSON, today, 1, fmt.Sprintf(`,"amends_id":%d`, first))); st != http.StatusConflict {
		t.Fatalf("second amendment of one visit: %d %v", st, out)
	}
	st, out = h.api(http.MethodGet, path, tok, "")
	visits := out["visits"].([]any)
	if st != 200 || len(visits) != 2 {
		t.Fatalf("list: %d %v", st, out)
	}
	newest, older := visits[0].(map[string]any), visits[1].(map[string]any)
	if newest["overall"].(float64) != 2 || older["amended_by_id"] == nil || int64(older["id"].(float64)) != first {
		t.Fatalf("history: %v", visits)
	}
	if st, _ := h.api(http.MethodPost, "/api/v1/homes/999999/monitoring-visits", tok, fmt.Sprintf(visitJSON, today, 3, "")); st != http.StatusNotFound {
		t.Fatalf("no such home: %d", st)
	}
	for _, who := range []string{"approver@manchester.test", "admin@consortium.test", "admin@providerx.test"} {
		if st, _ := h.api(http.MethodPost, path, h.token(who), fmt.Sprintf(visitJSON, today, 3, "")); st != http.StatusForbidden {
			t.Errorf("%s recorded: %d", who, st)
		}
	}
	// The page lists both; only the current one can be amended, on a form filled from it.
	page := fmt.Sprintf("/monitoring/homes/%d", home.ID)
	b := h.signIn("commissioner@manchester.test")
	r := b.get(page)
	if strings.Count(r.Body, `data-testid="visit"`) != 2 || strings.Count(r.Body, "?amend=") != 1 || !strings.Contains(r.Body, "Amended</strong>") {
		t.Fatalf("page: %s", r.Body)
	}
	current := int64(newest["id"].(float64))
	amend := fmt.Sprintf("%s?amend=%d", page, current)
	if r := b.get(fmt.Sprintf("%s?amend=%d", page, first)); r.Status != http.StatusNotFound {
		t.Fatalf("amending an amended visit: %d", r.Status)
	}
	r = b.get(amend)
	if !strings.Contains(r.Body, "Amend the visit of") || !strings.Contains(r.Body, ">Seen by API</textarea>") || !strings.Contains(r.Body, fmt.Sprintf(`name="amends_id" value="%d"`, current)) {
		t.Fatalf("amend form: %s", r.Body)
	}
	form := visitValues(time.Now().In(london), "3")
	form.Set("amends_id", fmt.Sprint(current))
	if r := b.post(amend, page+"/visits", form); r.Status != http.StatusSeeOther {
		t.Fatalf("amend on the web: %d", r.Status)
	}
	if r := b.get(page); strings.Count(r.Body, `data-testid="visit"`) != 3 || strings.Count(r.Body, "Amended</strong>") != 2 {
		t.Fatalf("after the web amendment: %d visits", strings.Count(r.Body, `data-testid="visit"`))
	}
}

// TestMonitoringSchemaRefusesBadRows: PostgreSQL keeps the rules whatever the caller: a
// score off the scale or for no domain, a visit after it was recorded, an overlong
// summary, a second amendment of one visit, an alert on a rating that rose.
func TestMonitoringSchemaRefusesBadRows(t *testing.T) {
	h := newHarness(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC540001", "M1 1AE", 1)
	db := h.deps.DB.Gorm
	cons, man := h.orgs["consortium"].ID, h.orgs["manchester"].ID
	insert := func(visited, summary string, amends any) error {
		return db.Exec(`INSERT INTO monitoring_visits (home_id, council_id, consortium_id, visited_on, visit_type, overall, summary, amends_id, recorded_at)
			VALUES (?, ?, ?, ?, 'virtual', 3, ?, ?, '2026-11-20 12:00+00')`, home.ID, man, cons, visited, summary, amends).Error
	}
	must(t, insert("2026-11-20", "ok", nil))
	var id int64
	must(t, db.Raw("SELECT max(id) FROM monitoring_visits").Scan(&id).Error)
	must(t, insert("2026-11-20", "first amendment", id))
	for name, err := range map[string]error{
		"visited after recorded": insert("2026-11-21", "late", nil),
		"summary too long":       insert("2026-11-19", strings.Repeat("x", 2001), nil),
		"summary blank":          insert("2026-11-19", "  ", nil),
		"second amendment":       insert("2026-11-19", "again", id),
		"score off the scale":    db.Exec("INSERT INTO monitoring_visit_scores (visit_id, domain, score) VALUES (?, 'environment', 5)", id).Error,
		"no such domain":         db.Exec("INSERT INTO monitoring_visit_scores (visit_id, domain, score) VALUES (?, 'food', 3)", id).Error,
		"alerted rise":           db.Exec("INSERT INTO home_rating_changes (home_id, from_rating, to_rating, fall, alerted_at) VALUES (?, 'good', 'outstanding', false, now())", home.ID).Error,
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestLastVisitOnBidComparison: the request's evaluation, on the page and in the API,
// shows each bid home's latest current visit by the council's consortium, and never
// another consortium's.
func TestLastVisitOnBidComparison(t *testing.T) {
	h := newHarness(t)
	_, _ = h.otherConsortium(t)
	rid, bid := h.closedSalfordBid(t)
	var b marketplace.Bid
	must(t, h.deps.DB.Gorm.First(&b, bid).Error)
	ctx := context.Background()
	day := func(n int) time.Time { return kernel.DateOf(time.Now()).AddDate(0, 0, -n) }
	// Liverpool (the same consortium) visited twice, Leeds (another) most recently.
	_, err := h.deps.Monitoring.Record(ctx, h.orgs["liverpool"], 0, b.HomeID, visitAt(day(40), 1))
	must(t, err)
	v, err := h.deps.Monitoring.Record(ctx, h.orgs["liverpool"], 0, b.HomeID, visitAt(day(10), 4))
	must(t, err)
	leeds := h.orgs["leeds"]
	leeds.ConsortiumID = councilConsortium(t, h, leeds.ID)
	_, err = h.deps.Monitoring.Record(ctx, leeds, 0, b.HomeID, visitAt(day(1), 2))
	must(t, err)
	r := h.signIn("commissioner@manchester.test").get(fmt.Sprintf("/requests/%d", rid))
	want := fmt.Sprintf(`href="/monitoring/homes/%d#visit-%d">Visited %s: Strong`, b.HomeID, v.ID, day(10).Format("2 January 2006"))
	if !strings.Contains(r.Body, want) {
		t.Fatalf("request page lacks %q", want)
	}
	st, out := h.api(http.MethodGet, fmt.Sprintf("/api/v1/requests/%d/bids", rid), h.token("commissioner@manchester.test"), "")
	lv := out["bids"].([]any)[0].(map[string]any)["last_visit"].(map[string]any)
	if st != 200 || int64(lv["id"].(float64)) != v.ID || lv["overall_label"] != "Strong" || lv["visited_on"] != day(10).Format(time.DateOnly) {
		t.Fatalf("api: %d %v", st, lv)
	}
}

func visitAt(d time.Time, overall int) monitoring.VisitInput {
	in := marketplaceVisit(d)
	in.Overall = overall
	return in
}

func councilConsortium(t *testing.T, h *harness, id int64) *int64 {
	t.Helper()
	var o commissioning.Organisation
	must(t, h.deps.DB.Gorm.First(&o, id).Error)
	return o.ConsortiumID
}

// homeJSON is a home as the API's PUT sends it, with rating.
func homeJSON(h *harness, home marketplace.Home, rating string) string {
	cur, err := h.deps.Market.Home(context.Background(), home.ID)
	must(h.t, err)
	date := `"2025-01-01"`
	if rating == "not_yet_inspected" {
		date = "null"
	}
	b, _ := json.Marshal(map[string]any{"name": home.Name, "ofsted_urn": home.OfstedURN, "home_type": "childrens_home", "ofsted_rating": rating,
		"registered_places": 4, "min_age": 10, "max_age": 17, "sexes": "any", "postcode": home.Postcode, "needs": []string{"autism"}, "lot_ids": []int64{h.lot.ID}, "version": cur.Version})
	return strings.Replace(string(b), `"lot_ids"`, `"inspection_date":`+date+`,"lot_ids"`, 1)
}

// TestOfstedFallAlertedThroughEveryChannel: a fall of a home's rating made on the
// home's page, by CSV import or through the API raises exactly one alert, emailed in
// the change's transaction to the consortium admins of each consortium admitting the
// provider and the commissioners and approvers of councils with a live placement in
// the home; a rise, or a change to "not yet inspected", raises none. The other
// consortium's admin hears nothing until it admits the provider. The alert is listed
// on the monitoring page of those it concerns.
func TestOfstedFallAlertedThroughEveryChannel(t *testing.T) {
	h := newHarness(t)
	_, otherFW := h.otherConsortium(t)
	provider := h.orgs["providerx"].ID
	p := h.awardInto(t, "MAN-FALL-1", "SC520001", "M1 1AE") // Manchester places a child in the home
	home, err := h.deps.Market.Home(context.Background(), p.HomeID)
	must(t, err)
	alerts := func(email string) int {
		n := 0
		for _, m := range h.mailsTo(h.users[email].Email) {
			if strings.HasPrefix(m.Subject, "Ofsted rating fell") {
				n++
			}
		}
		return n
	}
	counts := func() map[string]int {
		out := map[string]int{}
		for _, e := range []string{"admin@consortium.test", "commissioner@manchester.test", "approver@manchester.test", "commissioner@liverpool.test", "admin@other.test", "admin@providerx.test"} {
			out[e] = alerts(e)
		}
		return out
	}
	web := h.signIn("admin@providerx.test")
	tok := h.token("admin@providerx.test")
	setRating := map[string]func(t *testing.T, rating string){
		"web": func(t *testing.T, rating string) {
			cur, err := h.deps.Market.Home(context.Background(), home.ID)
			must(t, err)
			edit := fmt.Sprintf("/homes/%d/edit", home.ID)
			f := url.Values{"version": {fmt.Sprint(cur.Version)}, "name": {home.Name}, "ofsted_urn": {home.OfstedURN}, "home_type": {"childrens_home"}, "ofsted_rating": {rating},
				"registered_places": {"4"}, "min_age": {"10"}, "max_age": {"17"}, "sexes": {"any"}, "lots": {fmt.Sprint(h.lot.ID)}, "postcode": {home.Postcode}, "needs": {"autism"}}
			if rating != "not_yet_inspected" {
				f["inspection_date-day"], f["inspection_date-month"], f["inspection_date-year"] = []string{"1"}, []string{"1"}, []string{"2025"}
			}
			if r := web.post(edit, edit, f); r.Status != http.StatusSeeOther {
				t.Fatalf("web edit: %d", r.Status)
			}
		},
		"csv": func(t *testing.T, rating string) {
			date := "2025-01-01"
			if rating == "not_yet_inspected" {
				date = ""
			}
			csv := "name,ofsted_urn,home_type,ofsted_rating,inspection_date,registered_places,min_age,max_age,sexes,postcode,needs,lots\n" +
				fmt.Sprintf("%s,%s,childrens_home,%s,%s,4,10,17,any,%s,autism,residential\n", home.Name, home.OfstedURN, rating, date, home.Postcode)
			if r := upload(t, web, "/homes/upload", []byte(csv)); r.Status != http.StatusSeeOther {
				t.Fatalf("csv: %d %s", r.Status, r.Body)
			}
		},
		"api": func(t *testing.T, rating string) {
			if st, out := h.api(http.MethodPut, fmt.Sprintf("/api/v1/homes/%d", home.ID), tok, homeJSON(h, home, rating)); st != http.StatusOK {
				t.Fatalf("api: %d %v", st, out)
			}
		},
	}
	for _, channel := range []string{"web", "csv", "api"} {
		t.Run(channel, func(t *testing.T) {
			set := setRating[channel]
			before := counts()
			set(t, "outstanding") // a rise
			if got := counts(); fmt.Sprint(got) != fmt.Sprint(before) {
				t.Fatalf("a rise alerted: %v → %v", before, got)
			}
			set(t, "requires_improvement") // a fall
			got := counts()
			for _, e := range []string{"admin@consortium.test", "commissioner@manchester.test", "approver@manchester.test"} {
				if got[e] != before[e]+1 {
					t.Errorf("%s: %d alerts, want %d", e, got[e], before[e]+1)
				}
			}
			for _, e := range []string{"commissioner@liverpool.test", "admin@other.test", "admin@providerx.test"} {
				if got[e] != before[e] {
					t.Errorf("%s was alerted", e)
				}
			}
			set(t, "not_yet_inspected") // not a fall
			set(t, "good")              // a rise
			if after := counts(); fmt.Sprint(after) != fmt.Sprint(got) {
				t.Fatalf("not yet inspected, or a rise, alerted: %v → %v", got, after)
			}
		})
	}
	var changes, falls int64
	must(t, h.deps.DB.Gorm.Raw("SELECT count(*), count(*) FILTER (WHERE fall AND alerted_at IS NOT NULL) FROM home_rating_changes WHERE home_id = ?", home.ID).Row().Scan(&changes, &falls))
	if changes != 12 || falls != 3 {
		t.Fatalf("%d changes recorded, %d falls alerted; want 12 and 3", changes, falls)
	}

	// The other consortium admits the provider: its admin hears of the next fall.
	fw, err := h.deps.Market.Framework(context.Background(), otherFW.ID)
	must(t, err)
	_, err = h.deps.Frameworks.WithoutMail().AdmitOutright(context.Background(), fw.ID, provider, []int64{fw.Lots[0].ID},
		commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(1, 0, 0), SafeguardingPolicyDate: time.Now().AddDate(0, -1, 0), ResponsibleIndividual: "R I"}, "ok")
	must(t, err)
	before := counts()
	setRating["api"](t, "inadequate")
	if got := counts(); got["admin@other.test"] != before["admin@other.test"]+1 || got["admin@consortium.test"] != before["admin@consortium.test"]+1 {
		t.Fatalf("after admission: %v → %v", before, got)
	}

	// The alerts list: the councils and admins concerned see the falls; a provider does not.
	for _, tt := range []struct {
		email  string
		alerts int
	}{{"commissioner@manchester.test", 4}, {"commissioner@liverpool.test", 4}, {"admin@consortium.test", 4}, {"admin@other.test", 4}} {
		r := h.signIn(tt.email).get("/monitoring")
		if r.Status != 200 || strings.Count(r.Body, `<strong class="govuk-tag govuk-tag--red">`) != tt.alerts || strings.Count(r.Body, "was Outstanding") != 3 || !strings.Contains(r.Body, "was Good") {
			t.Errorf("%s: %d, %d falls from outstanding", tt.email, r.Status, strings.Count(r.Body, "was Outstanding"))
		}
	}
	if r := h.signIn("admin@providerx.test").get("/monitoring"); r.Status != http.StatusForbidden {
		t.Fatalf("provider's /monitoring: %d", r.Status)
	}
	// After 90 days the list is clear.
	h.clock.Set(time.Now().AddDate(0, 0, 91))
	if list, err := h.deps.Monitoring.Alerts(context.Background(), h.orgs["consortium"]); err != nil || len(list) != 0 {
		t.Fatalf("alerts after 90 days: %v %v", list, err)
	}
}

// TestMonitoringRoutesRefuseOtherRoles is the authorisation matrix of a home's visits
// (a route with a home in it): the page and the API list for councils, their admins and
// the home's provider; recording for commissioners only; everyone else refused.
func TestMonitoringRoutesRefuseOtherRoles(t *testing.T) {
	h := newHarness(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC530001", "M1 1AE", 1)
	page := fmt.Sprintf("/monitoring/homes/%d", home.ID)
	api := fmt.Sprintf("/api/v1/homes/%d/monitoring-visits", home.ID)
	body := fmt.Sprintf(visitJSON, time.Now().In(london).Format(time.DateOnly), 3, "")
	for _, hu := range harnessUsers {
		read, record := http.StatusForbidden, http.StatusForbidden
		switch hu.role {
		case kernel.RoleCommissioner:
			read, record = http.StatusOK, http.StatusCreated
		case kernel.RoleApprover, kernel.RoleConsortiumAdmin:
			read = http.StatusOK
		case kernel.RoleProviderAdmin, kernel.RoleProviderUser:
			read = http.StatusOK
			if hu.org != "providerx" {
				read = http.StatusNotFound // another provider's home
			}
		}
		t.Run(string(hu.role)+" "+hu.email, func(t *testing.T) {
			if r := h.signIn(hu.email).get(page); r.Status != read {
				t.Errorf("GET %s: %d, want %d", page, r.Status, read)
			}
			tok := h.token(hu.email)
			if st, _ := h.api(http.MethodGet, api, tok, ""); st != read {
				t.Errorf("API GET: %d, want %d", st, read)
			}
			if st, _ := h.api(http.MethodPost, api, tok, body); st != record {
				t.Errorf("API POST: %d, want %d", st, record)
			}
		})
	}
}
