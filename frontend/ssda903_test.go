package frontend

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/ssda903"
)

// apiRaw is a GET of the API with token, for a body that is not JSON.
func (h *harness) apiRaw(path, token string) (int, http.Header, string) {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	must(h.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(raw)
}

// TestSSDA903Return: Manchester's commissioner sees this year's return of the placement
// started today in Salford (MCR-SECRET-9, s31, residential, home M6 5AB, SC970001) and its
// missing episode, and downloads each file and the ZIP, each read audited; another council
// of the consortium and a council of a second consortium get none of Manchester's rows;
// the host council's user and the consortium's admin are refused; a bad year is a 422
// beside the field, on the page and in the API.
func TestSSDA903Return(t *testing.T) {
	h := newHarness(t)
	h.hostWorld(t)
	h.secondConsortium(t)
	year := ssda903.YearOf(kernel.DateOf(h.clock.Now())).String()
	today := ssda903.Date(kernel.DateOf(h.clock.Now()))

	b := h.signIn("commissioner@manchester.test")
	page := b.get("/returns/ssda903?year=" + year)
	if page.Status != http.StatusOK {
		t.Fatalf("page: %d\n%s", page.Status, page.Body)
	}
	for _, want := range []string{`data-testid="ssda-counts"`, "Episodes</dt><dd class=\"govuk-summary-list__value\">1<", "Missing and away episodes</dt><dd class=\"govuk-summary-list__value\">1<",
		"MCR-SECRET-9", "is not 1 to 20 letters and digits", "category of need", "/returns/ssda903/" + year + "/ssda903.zip", "Open Government Licence v3.0"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	wantEpisodes := "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\nMCR-SECRET-9," + today + ",,C2,,K2,,,,,,M6,SC970001\n"
	wantMissing := "CHILD,DOB,MISSING,MIS_START,MIS_END\nMCR-SECRET-9,,M," + today + ",\n"
	for file, want := range map[string]string{"episodes.csv": wantEpisodes, "missing.csv": wantMissing} {
		res := b.get("/returns/ssda903/" + year + "/" + file)
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || strings.ReplaceAll(res.Body, "\r\n", "\n") != want {
			t.Errorf("%s: %d %s\n%q\nwant %q", file, res.Status, res.Header.Get("Content-Type"), res.Body, want)
		}
	}
	if res := b.get("/returns/ssda903/" + year + "/validation.csv"); res.Status != http.StatusOK || !strings.Contains(res.Body, "MCR-SECRET-9,Episodes,CIN,,not_in_hearth") ||
		!strings.Contains(res.Body, "MCR-SECRET-9,Missing,DOB,,not_in_hearth") {
		t.Errorf("validation.csv: %d\n%s", res.Status, res.Body)
	}
	res := b.get("/returns/ssda903/" + year + "/ssda903.zip")
	zr, err := zip.NewReader(bytes.NewReader([]byte(res.Body)), int64(len(res.Body)))
	if res.Status != http.StatusOK || err != nil {
		t.Fatalf("zip: %d %v", res.Status, err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == "README.txt" {
			rc, _ := f.Open()
			readme, _ := io.ReadAll(rc)
			if !strings.Contains(string(readme), ssda903.Attribution) || !strings.Contains(string(readme), "postcode district") {
				t.Errorf("README.txt:\n%s", readme)
			}
		}
	}
	if strings.Join(names, " ") != "episodes.csv missing.csv validation.csv README.txt" {
		t.Errorf("zip holds %v", names)
	}
	if r := b.get("/returns/ssda903/" + year + "/secrets.csv"); r.Status != http.StatusNotFound {
		t.Errorf("an unknown file: %d", r.Status)
	}
	var audited int64
	must(t, h.deps.DB.Gorm.Raw(`SELECT count(*) FROM audit_log WHERE action = 'child.read' AND entity_type = 'placement' AND detail->>'list' IN ('/returns/ssda903', '/returns/ssda903/:year/:file')`).Scan(&audited).Error)
	if audited != 5 {
		t.Errorf("%d audited reads of the return, want 5 (the page and four downloads)", audited)
	}

	// Bad years: beside the field, never a 500.
	for _, bad := range []string{"2025-27", "2025", "2010-11", fmt.Sprintf("%d-%02d", time.Now().Year()+2, (time.Now().Year()+3)%100)} {
		r := b.get("/returns/ssda903?year=" + bad)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `id="year-error"`) || !strings.Contains(r.Body, "govuk-error-summary") {
			t.Errorf("year %s: %d", bad, r.Status)
		}
		if r := b.get("/returns/ssda903/" + bad + "/episodes.csv"); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("download of year %s: %d", bad, r.Status)
		}
	}

	// The API: the summary and report, each file, a bad year on the field year.
	tok := h.token("commissioner@manchester.test")
	status, body := h.api(http.MethodGet, "/api/v1/ssda903/"+year, tok, "")
	if status != http.StatusOK || body["episodes"] != 1.0 || body["missing"] != 1.0 || body["children"] != 1.0 || body["year"] != year {
		t.Errorf("API: %d %v", status, body)
	}
	if s, hdr, csv := h.apiRaw("/api/v1/ssda903/"+year+"/episodes.csv", tok); s != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || strings.ReplaceAll(csv, "\r\n", "\n") != wantEpisodes {
		t.Errorf("API episodes.csv: %d %q", s, csv)
	}
	if s, _, _ := h.apiRaw("/api/v1/ssda903/"+year+"/ssda903.zip", tok); s != http.StatusNotFound {
		t.Errorf("API zip: %d, want 404 (the web's only)", s)
	}
	status, body = h.api(http.MethodGet, "/api/v1/ssda903/2025-27", tok, "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body), "year") {
		t.Errorf("API bad year: %d %v", status, body)
	}

	must(t, h.deps.DB.Gorm.Raw(`SELECT count(*) FROM audit_log WHERE action = 'child.read' AND entity_type = 'placement' AND detail->>'list' IN ('/api/v1/ssda903/:year', '/api/v1/ssda903/:year/:file')
		AND (detail->'ids') @> (SELECT jsonb_build_array(id::text) FROM placements WHERE started_on IS NOT NULL)`).Scan(&audited).Error)
	if audited != 2 {
		t.Errorf("%d audited API reads naming the placement, want 2 (the report and episodes.csv)", audited)
	}

	// Other councils: Liverpool (the same consortium) and Leeds (a second one) see none of
	// Manchester's rows; the host council's user and the consortium's admin are refused.
	for _, email := range []string{"commissioner@liverpool.test", "commissioner@leeds.test"} {
		other := h.signIn(email)
		for _, path := range []string{"/returns/ssda903?year=" + year, "/returns/ssda903/" + year + "/episodes.csv", "/returns/ssda903/" + year + "/missing.csv", "/returns/ssda903/" + year + "/validation.csv"} {
			r := other.get(path)
			if r.Status != http.StatusOK || strings.Contains(r.Body, "MCR-SECRET-9") {
				t.Errorf("%s %s: %d, Manchester's child shown: %v", email, path, r.Status, strings.Contains(r.Body, "MCR-SECRET-9"))
			}
		}
		status, body := h.api(http.MethodGet, "/api/v1/ssda903/"+year, h.token(email), "")
		if status != http.StatusOK || body["episodes"] != 0.0 {
			t.Errorf("%s API: %d %v", email, status, body)
		}
	}
	for _, email := range []string{"host@salford.test", "admin@consortium.test"} {
		if r := h.signIn(email).get("/returns/ssda903?year=" + year); r.Status != http.StatusForbidden {
			t.Errorf("%s page: %d", email, r.Status)
		}
		if r := h.signIn(email).get("/returns/ssda903/" + year + "/episodes.csv"); r.Status != http.StatusForbidden {
			t.Errorf("%s download: %d", email, r.Status)
		}
		if s, _, _ := h.apiRaw("/api/v1/ssda903/"+year+"/episodes.csv", h.token(email)); s != http.StatusForbidden {
			t.Errorf("%s API: %d", email, s)
		}
	}
}
