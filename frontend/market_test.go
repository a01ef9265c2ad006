package frontend

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
)

// TestProviderJourney: sign up, apply, be admitted, add a home, publish a vacancy, and
// appear on a commissioner's board and in the API.
func TestProviderJourney(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	form := url.Values{"organisation_name": {"Newhome Care Ltd"}, "registration_kind": {"company"}, "registration_number": {"12345678"},
		"contact_name": {"Nia New"}, "contact_email": {"nia@newhome.test"}, "contact_phone": {"0161 496 0123"},
		"admin_name": {"Nia New"}, "admin_email": {"nia@newhome.test"}, "password": {"short"}}
	r := b.post("/providers/sign-up", "/providers/sign-up", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "12 characters or more") || !strings.Contains(r.Body, `value="Newhome Care Ltd"`) {
		t.Fatalf("short password: %d", r.Status)
	}
	form.Set("password", "a long enough passphrase")
	r = b.post("/providers/sign-up", "/providers/sign-up", form)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Check your email") {
		t.Fatalf("sign up: %d %q", r.Status, r.Location)
	}
	r = b.post("/sign-in", "/sign-in", url.Values{"email": {"nia@newhome.test"}, "password": {"a long enough passphrase"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("sign in after sign-up: %d", r.Status)
	}
	fw := fmt.Sprint(h.framework.ID)
	if r := b.get("/provider/frameworks/" + fw + "/apply"); !strings.Contains(r.Body, "Choose lots") {
		t.Fatalf("task list: %d", r.Status)
	}
	if r := b.post("/provider/frameworks/"+fw+"/apply/lots", "/provider/frameworks/"+fw+"/apply/lots", url.Values{}); r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("no lots chosen: %d", r.Status)
	}
	b.post("/provider/frameworks/"+fw+"/apply/lots", "/provider/frameworks/"+fw+"/apply/lots", url.Values{"lot_ids": {fmt.Sprint(h.lot.ID)}})
	decl := url.Values{"ofsted_registered": {"yes"}, "insurance_expiry-day": {"1"}, "insurance_expiry-month": {"1"}, "insurance_expiry-year": {"2020"},
		"safeguarding_policy_date-day": {"1"}, "safeguarding_policy_date-month": {"6"}, "safeguarding_policy_date-year": {fmt.Sprint(time.Now().Year() - 1)}, "responsible_individual": {"Ray RI"}}
	r = b.post("/provider/frameworks/"+fw+"/apply/declarations", "/provider/frameworks/"+fw+"/apply/declarations", decl)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "insurance must not have expired") || !strings.Contains(r.Body, `value="Ray RI"`) {
		t.Fatalf("expired insurance: %d", r.Status)
	}
	decl.Set("insurance_expiry-year", fmt.Sprint(time.Now().Year()+1))
	if r := b.post("/provider/frameworks/"+fw+"/apply/declarations", "/provider/frameworks/"+fw+"/apply/declarations", decl); r.Status != http.StatusSeeOther {
		t.Fatalf("declarations: %d", r.Status)
	}
	if r := b.post("/provider/frameworks/"+fw+"/apply/check", "/provider/frameworks/"+fw+"/apply/submit", url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.Status)
	}
	// The consortium admin admits the lot, with a reason.
	var appID int64
	must(t, h.deps.DB.Pool.QueryRow(context.Background(), "SELECT a.id FROM framework_applications a JOIN organisations o ON o.id = a.provider_id WHERE o.name = 'Newhome Care Ltd'").Scan(&appID))
	ab := h.signIn("admin@consortium.test")
	page := fmt.Sprintf("/admin/applications/%d", appID)
	lot := fmt.Sprint(h.lot.ID)
	if r := ab.post(page, page+"/decide", url.Values{"lot_id": {lot}, "decision_" + lot: {"admit"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Enter the reason") {
		t.Fatalf("decision without reason: %d", r.Status)
	}
	if r := ab.post(page, page+"/decide", url.Values{"lot_id": {lot}, "decision_" + lot: {"admit"}, "reason_" + lot: {"Good references"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("admit: %d", r.Status)
	}
	mails, _, _ := h.deps.Outbox.List(context.Background(), notify.AllMail, 0, 10)
	if !strings.Contains(mails[0].Subject, "you have been admitted to Residential") || mails[0].ToAddress != "nia@newhome.test" {
		t.Fatalf("admission email = %+v", mails[0])
	}
	// The provider adds a home and a vacancy.
	home := url.Values{"name": {"Newhome House"}, "ofsted_urn": {"SC777001"}, "home_type": {"childrens_home"}, "ofsted_rating": {"good"},
		"inspection_date-day": {"3"}, "inspection_date-month": {"2"}, "inspection_date-year": {"2025"}, "registered_places": {"3"}, "min_age": {"12"}, "max_age": {"17"},
		"sexes": {"any"}, "lots": {lot}, "needs": {"cse_risk", "missing_episodes"}, "postcode": {"m14 5aa"}}
	r = b.post("/homes/new", "/homes/new", home)
	m := regexp.MustCompile(`^/homes/(\d+)$`).FindStringSubmatch(r.Location)
	if r.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("add home: %d %q\n%s", r.Status, r.Location, r.Body)
	}
	homePage := "/homes/" + m[1]
	if r := b.post(homePage, homePage+"/vacancy", url.Values{"beds_free": {"4"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "between 0 and the home&#39;s 3 registered places") {
		t.Fatalf("4 beds in 3 places: %d", r.Status)
	}
	if r := b.post(homePage, homePage+"/vacancy", url.Values{"beds_free": {"2"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("vacancy: %d", r.Status)
	}
	// A commissioner sees it on the board within 10 miles of M1, with its area but not its postcode.
	cb := h.signIn("commissioner@manchester.test")
	board := cb.get("/board?near=M1&within=10&sort=distance")
	if board.Status != http.StatusOK || !strings.Contains(board.Body, "Newhome House") || !strings.Contains(board.Body, "M14, Manchester") || strings.Contains(board.Body, "M14 5AA") {
		t.Fatalf("board: %d", board.Status)
	}
	if far := cb.get("/board?near=CA1&within=10"); strings.Contains(far.Body, "Newhome House") {
		t.Fatal("home shown 10 miles from Carlisle")
	}
	status, body := h.api(http.MethodGet, "/api/v1/vacancies?near=M1&within=10&needs=cse_risk", h.token("commissioner@manchester.test"), "")
	if status != http.StatusOK || body["total"].(float64) != 1 {
		t.Fatalf("API vacancies: %d %v", status, body)
	}
	if strings.Contains(fmt.Sprint(body), "M14 5AA") {
		t.Fatal("API shows councils the full postcode")
	}
}

func TestBoardBadFiltersKeepInput(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("commissioner@manchester.test")
	r := b.get("/board?near=ZZ99&within=-3&age=old")
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("status %d", r.Status)
	}
	for _, want := range []string{"govuk-error-summary", "We do not know postcode district ZZ99", "Enter a distance in miles", "Enter the child&#39;s age", `value="ZZ99"`, `value="old"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	status, body := h.api(http.MethodGet, "/api/v1/vacancies?needs=dragons", h.token("commissioner@manchester.test"), "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body), "needs") {
		t.Fatalf("API bad need: %d %v", status, body)
	}
	// Leeds is in no consortium: no board.
	_, err := h.deps.Users.Create(context.Background(), newUser("c@leeds.test", "commissioner", h.orgs["leeds"].ID))
	must(t, err)
	if r := h.signIn("c@leeds.test").get("/board"); r.Status != http.StatusForbidden {
		t.Fatalf("council outside any consortium: %d", r.Status)
	}
}

func TestHomesAreTheirProvidersOnly(t *testing.T) {
	h := newHarness(t)
	x := h.addHome(h.orgs["providerx"].ID, "SC300001", "L1 8JQ", 1)
	path := fmt.Sprintf("/homes/%d", x.ID)
	if r := h.signIn("staff@providerx.test").get(path); r.Status != http.StatusOK || !strings.Contains(r.Body, "L1 8JQ") {
		t.Fatalf("own home: %d", r.Status)
	}
	if r := h.signIn("admin@providery.test").get(path); r.Status != http.StatusNotFound {
		t.Fatalf("other provider's home: %d", r.Status)
	}
	if status, _ := h.api(http.MethodGet, "/api/v1"+path, h.token("admin@providery.test"), ""); status != http.StatusNotFound {
		t.Fatalf("API other provider's home: %d", status)
	}
	if status, _ := h.api(http.MethodPut, "/api/v1"+path+"/vacancies", h.token("admin@providery.test"), `{"beds_free": 0}`); status != http.StatusNotFound {
		t.Fatalf("API other provider's vacancy: %d", status)
	}
}

func TestVacancyAPI(t *testing.T) {
	h := newHarness(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC300002", "M1 1AE", 1)
	tok := h.token("admin@providerx.test")
	path := fmt.Sprintf("/api/v1/homes/%d/vacancies", home.ID)
	for i := 0; i < 2; i++ { // idempotent
		status, body := h.api(http.MethodPut, path, tok, `{"beds_free": 2, "next_free_date": "2099-01-31", "next_free_beds": 1}`)
		if status != http.StatusOK || body["vacancy"].(map[string]any)["beds_free"].(float64) != 2 {
			t.Fatalf("PUT %d: %d %v", i, status, body)
		}
	}
	got, _ := h.deps.Market.Home(context.Background(), home.ID)
	if got.BedsFree != 2 || got.NextFreeDate.Format("2006-01-02") != "2099-01-31" {
		t.Fatalf("home = %+v", got)
	}
	for _, bad := range []struct{ body, field string }{
		{`{"beds_free": 9}`, "beds_free"},
		{`{"beds_free": "two"}`, "beds_free"},
		{`{}`, "beds_free"},
		{`{"beds_free": 1, "next_free_date": "31/01/2099", "next_free_beds": 1}`, "next_free_date"},
		{`{"beds_free": 1, "next_free_date": "2099-01-31"}`, "next_free_date"},
	} {
		status, body := h.api(http.MethodPut, path, tok, bad.body)
		if status < 400 || status > 422 || !strings.Contains(fmt.Sprint(body), bad.field) {
			t.Errorf("%s: %d %v", bad.body, status, body)
		}
	}
	// A suspended provider's token can still read but no longer write, and its homes leave the board.
	app, err := h.deps.Frameworks.ExistingApplication(context.Background(), h.framework.ID, h.orgs["providerx"].ID)
	must(t, err)
	must(t, h.deps.Frameworks.Suspend(context.Background(), app, "Inadequate inspection"))
	if status, _ := h.api(http.MethodPut, path, tok, `{"beds_free": 1}`); status != http.StatusForbidden {
		t.Fatalf("suspended provider's write: %d", status)
	}
	if status, _ := h.api(http.MethodGet, "/api/v1/homes", tok, ""); status != http.StatusOK {
		t.Fatalf("suspended provider's read: %d", status)
	}
	if status, body := h.api(http.MethodGet, "/api/v1/vacancies", h.token("commissioner@manchester.test"), ""); status != http.StatusOK || body["total"].(float64) != 0 {
		t.Fatalf("suspended provider's homes still on the board: %v", body)
	}
}

func TestEditingAHomeTwiceAtOnce(t *testing.T) {
	h := newHarness(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC300003", "M1 1AE", 0)
	edit := fmt.Sprintf("/homes/%d/edit", home.ID)
	first, second := h.signIn("admin@providerx.test"), h.signIn("staff@providerx.test")
	// Both open the form (same version), then both save.
	page1, page2 := first.get(edit), second.get(edit)
	version := regexp.MustCompile(`name="version" value="(\d+)"`)
	v1, v2 := version.FindStringSubmatch(page1.Body)[1], version.FindStringSubmatch(page2.Body)[1]
	form := func(name, v string) url.Values {
		return url.Values{"version": {v}, "name": {name}, "ofsted_urn": {"SC300003"}, "home_type": {"childrens_home"}, "ofsted_rating": {"good"},
			"inspection_date-day": {"1"}, "inspection_date-month": {"1"}, "inspection_date-year": {"2025"}, "registered_places": {"4"}, "min_age": {"10"}, "max_age": {"17"},
			"sexes": {"any"}, "lots": {fmt.Sprint(h.lot.ID)}, "postcode": {"M1 1AE"}}
	}
	if r := first.post(edit, edit, form("First's name", v1)); r.Status != http.StatusSeeOther {
		t.Fatalf("first save: %d", r.Status)
	}
	r := second.post(edit, edit, form("Second's name", v2))
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "Someone else changed this home") || !strings.Contains(r.Body, `value="Second&#39;s name"`) {
		t.Fatalf("second save: %d", r.Status)
	}
	got, _ := h.deps.Market.Home(context.Background(), home.ID)
	if got.Name != "First's name" {
		t.Fatalf("name = %q", got.Name)
	}
}

func upload(t *testing.T, b *browser, path string, content []byte) response {
	t.Helper()
	page := b.get(path)
	tokm := csrfRe.FindStringSubmatch(page.Body)
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("_csrf", tokm[1])
	fw, _ := w.CreateFormFile("file", "upload.csv")
	_, _ = fw.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.h.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := b.c.Do(req)
	must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Body: string(raw), Location: res.Header.Get("Location"), Header: res.Header}
}

func TestCSVUploads(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@providerx.test")
	header := "name,ofsted_urn,home_type,ofsted_rating,inspection_date,registered_places,min_age,max_age,sexes,postcode,needs,lots\n"
	good := "Alpha House,SC400001,childrens_home,good,2025-01-01,4,10,17,any,M1 1AE,autism;cse_risk,residential\n"
	tests := []struct {
		name    string
		content string
		status  int
		wants   []string
	}{
		{"ErrWrongHeader", "name,urn\nA,B\n", 422, []string{"The first row must name these columns"}},
		{"ErrNotUTF8", header + "Caf\xe9 House,SC400002,childrens_home,good,2025-01-01,4,10,17,any,M1 1AE,,residential\n", 422, []string{"not UTF-8"}},
		{"ErrFormula", header + good + "=cmd|' /C calc'!A0,SC400003,childrens_home,good,2025-01-01,4,10,17,any,M1 1AE,,residential\n", 422, []string{"<td class=\"govuk-table__cell\">3</td>", "Must not start with ="}},
		{"ErrRowsNumbered", header + good + "Beta,XX,castle,good,2025-01-01,0,10,17,any,M1 1AE,,residential\n", 422, []string{"<td class=\"govuk-table__cell\">3</td>", "Enter the Ofsted URN", "Select the type of home"}},
		{"ErrTooManyRows", header + strings.Repeat(good, 5001), 422, []string{"more than 5000 rows"}},
		{"ErrEmpty", "", 422, []string{"The file is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := upload(t, b, "/homes/upload", []byte(tt.content))
			if r.Status != tt.status {
				t.Fatalf("status %d", r.Status)
			}
			for _, w := range tt.wants {
				if !strings.Contains(r.Body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
	if homes, _ := h.deps.Market.Homes(context.Background(), h.orgs["providerx"].ID); len(homes) != 0 {
		t.Fatalf("a refused file saved %d homes", len(homes))
	}
	t.Run("HugeFileRefusedWithMessage", func(t *testing.T) {
		// The server answers before reading a body over its limit, so a network client
		// may see the connection close while still sending; check the page in-process.
		body := header + strings.Repeat(good, 100000)
		req := httptest.NewRequest(http.MethodPost, "/homes/upload", strings.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		rec := httptest.NewRecorder()
		h.s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "The file is too large") {
			t.Fatalf("100,000 rows: %d", rec.Code)
		}
	})
	t.Run("OK", func(t *testing.T) {
		r := upload(t, b, "/homes/upload", []byte("\ufeff"+header+good+"Gamma,SC400009,childrens_home,outstanding,2024-05-05,2,8,12,female,SK10 1AB,,residential\n"))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		r = upload(t, b, "/homes/vacancies/upload", []byte("ofsted_urn,beds_free,next_free_date,next_free_beds\nSC400001,3,,\nSC400009,0,2099-02-01,1\n"))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("vacancies: %d: %s", r.Status, r.Body)
		}
		r = upload(t, b, "/homes/vacancies/upload", []byte("ofsted_urn,beds_free,next_free_date,next_free_beds\nSC400001,9,,\n"))
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Beds free now must be between 0 and") {
			t.Fatalf("too many beds: %d", r.Status)
		}
	})
	t.Run("ExportNeutralisesFormulas", func(t *testing.T) {
		home := h.addHome(h.orgs["providerx"].ID, "SC400010", "M2 1AA", 1)
		_, err := h.deps.DB.Pool.Exec(context.Background(), "UPDATE homes SET name = '=HYPERLINK(\"http://evil\")' WHERE id = $1", home.ID)
		must(t, err)
		r := h.signIn("commissioner@manchester.test").get("/board.csv")
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
		if err != nil || r.Status != http.StatusOK {
			t.Fatalf("csv: %d %v", r.Status, err)
		}
		found := false
		for _, row := range rows {
			if strings.Contains(row[0], "HYPERLINK") {
				found = true
				if !strings.HasPrefix(row[0], "'=") {
					t.Fatalf("formula not neutralised: %q", row[0])
				}
			}
		}
		if !found || len(rows) < 4 {
			t.Fatalf("export rows: %v", rows)
		}
	})
}

// TestBoardUpdatesLiveAcrossProcesses opens the event stream on one server and changes
// a vacancy through another server on the same database, as two Hearth processes.
func TestBoardUpdatesLiveAcrossProcesses(t *testing.T) {
	h := newHarness(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC500001", "M1 1AE", 0)
	other, err := New(Config{BaseURL: "http://hearth.test"}, h.deps)
	must(t, err)
	t.Cleanup(other.Close)
	otherSrv := httptest.NewServer(other.Handler())
	t.Cleanup(otherSrv.Close)
	h.s.WaitLive()

	b := h.signIn("commissioner@manchester.test")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/board/events", nil)
	res, err := b.c.Do(req)
	must(t, err)
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data: ") {
				events <- strings.TrimPrefix(sc.Text(), "data: ")
			}
		}
	}()
	start := time.Now()
	status, _ := func() (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPut, otherSrv.URL+fmt.Sprintf("/api/v1/homes/%d/vacancies", home.ID), strings.NewReader(`{"beds_free": 3}`))
		req.Header.Set("Authorization", "Bearer "+h.token("admin@providerx.test"))
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		res.Body.Close()
		return res.StatusCode, nil
	}()
	if status != http.StatusOK {
		t.Fatalf("PUT through the other process: %d", status)
	}
	select {
	case id := <-events:
		if id != fmt.Sprint(home.ID) {
			t.Fatalf("event for home %s, want %d", id, home.ID)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("event after %v, want within 2s", d)
		}
	case <-ctx.Done():
		t.Fatal("no event within 10 seconds")
	}
	// The refreshed results show the new vacancy.
	if r := b.get("/board?partial=1"); !strings.Contains(r.Body, "3 free now") || strings.Contains(r.Body, "<html") {
		t.Fatalf("partial results: %d", r.Status)
	}
}
