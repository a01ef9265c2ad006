package frontend

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// outOfAreaHistory writes placements straight into the database (their requests, bids
// and homes are not the view's business): Manchester five in Manchester at 3 miles, two in
// Salford (adjoining) at 8 and one in Liverpool at 31; Liverpool six in Liverpool at 2.
func (h *harness) outOfAreaHistory(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	owner, err := migrations.Connect(ctx, dbtest.OwnerURL("postgres:///"+h.deps.DB.Pool.Config().ConnConfig.Database))
	must(t, err)
	defer owner.Close()
	start := h.clock.Now().AddDate(0, -2, 0).Format("2006-01-02")
	var b strings.Builder
	b.WriteString("SET session_replication_role = replica;")
	req := 900000
	for _, p := range []struct {
		council, host string
		miles         float64
		n             int
	}{{"E08000003", "E08000003", 3, 5}, {"E08000003", "E08000006", 8, 2}, {"E08000003", "E08000012", 31, 1}, {"E08000012", "E08000012", 2, 6}} {
		for range p.n {
			req++
			fmt.Fprintf(&b, `INSERT INTO placements (request_id, bid_id, council_id, provider_id, home_id, status, weekly_fee_pence, start_date, miles, host_council_id)
				VALUES (%d, %d, (SELECT id FROM organisations WHERE ons_code = '%s'), 1, 1, 'awarded', 500000, '%s', %.1f, (SELECT id FROM organisations WHERE ons_code = '%s'));`,
				req, req, p.council, start, p.miles, p.host)
		}
	}
	must(t, owner.Gorm.Exec(b.String()).Error)
	must(t, h.deps.Intelligence.RefreshOutOfArea(ctx))
}

func TestOutOfAreaPage(t *testing.T) {
	h := newHarness(t)
	h.outOfAreaHistory(t)

	// The commissioner sees Manchester beside the consortium, never Liverpool's row.
	res := h.signIn("commissioner@manchester.test").get("/intelligence/out-of-area")
	if res.Status != http.StatusOK {
		t.Fatalf("commissioner: status %d\n%s", res.Status, res.Body)
	}
	// Manchester's 7 within 20 miles (of 8) are hidden: beside the 8 they would give the
	// 1 further away, and so is its share.
	for _, want := range []string{"Data as of", `role="img"`, "All councils", "Manchester", "not shown", "Salford", `data-testid="flows"`} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("commissioner's page lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "row\" class=\"govuk-table__header\">Liverpool</th>") {
		t.Error("Manchester's commissioner sees Liverpool's row")
	}

	// The consortium admin sees both councils: 14 placements, 13 within 20 miles (hidden
	// as Manchester's are); Liverpool's 6 all within 20 miles.
	res = h.signIn("admin@consortium.test").get("/intelligence/out-of-area")
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "row\" class=\"govuk-table__header\">Liverpool</th>") || !strings.Contains(res.Body, "100%") {
		t.Errorf("consortium admin: status %d, want both councils and Liverpool's 100%% within 20 miles\n%s", res.Status, res.Body)
	}
	csv := h.signIn("admin@consortium.test").get("/intelligence/out-of-area.csv")
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv.Body, "All councils,14,11,[c],[c],[c],,[c],0,[c],0,0") || !strings.Contains(csv.Body, "Manchester,8,5,[c],[c],[c],,[c],0,[c],0,0") ||
		!strings.Contains(csv.Body, "Liverpool,6,6,0,0,6,1.000,6,0,0,0,0") {
		t.Errorf("CSV: status %d\n%s", csv.Status, csv.Body)
	}
	// The return: this financial year's three out of area (all Manchester's, none with a
	// reason recorded), suppressed; a year that is not one is a 400.
	year := intelligence.LastCompleteYear(h.clock.Now()) + 1
	if h.clock.Now().AddDate(0, -2, 0).Before(time.Date(year, time.April, 1, 0, 0, 0, 0, time.UTC)) {
		year-- // the placements started in the year before
	}
	label := intelligence.YearLabel(year)
	ret := h.signIn("admin@consortium.test").get(fmt.Sprintf("/intelligence/out-of-area?year=%d", year))
	if ret.Status != http.StatusOK || !strings.Contains(ret.Body, "Annual out-of-area return, "+label) || !strings.Contains(ret.Body, "Not recorded") {
		t.Errorf("return section: %d", ret.Status)
	}
	rcsv := h.signIn("admin@consortium.test").get(fmt.Sprintf("/intelligence/out-of-area-return.csv?year=%d", year))
	if rcsv.Status != http.StatusOK || !strings.Contains(rcsv.Body, label+",All councils,[c],0,0,0,0,0,0,0,[c]") || !strings.Contains(rcsv.Body, label+",Manchester,[c],") {
		t.Errorf("return CSV: %d\n%s", rcsv.Status, rcsv.Body)
	}
	for _, bad := range []string{"abc", "1990", "2026-27"} {
		if r := h.signIn("admin@consortium.test").get("/intelligence/out-of-area?year=" + bad); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "Choose a financial year") {
			t.Errorf("year %q: status %d, want 400", bad, r.Status)
		}
	}
	if idx := h.signIn("admin@consortium.test").get("/intelligence"); !strings.Contains(idx.Body, `href="/intelligence/out-of-area"`) {
		t.Error("the index does not list the out-of-area view")
	}

	// The API: the consortium's figures; Manchester's commissioner gets Manchester alone.
	st, body := h.api(http.MethodGet, "/api/v1/intelligence/out-of-area", h.token("commissioner@manchester.test"), "")
	if st != http.StatusOK || fmt.Sprint(body["consortium"].(map[string]any)["placements"]) != "map[count:14 suppressed:false]" ||
		len(body["councils"].([]any)) != 1 || body["councils"].([]any)[0].(map[string]any)["council"] != "Manchester" {
		t.Errorf("API: %d %v", st, body)
	}
	if st, _ := h.api(http.MethodGet, "/api/v1/intelligence/out-of-area", h.token("admin@providerx.test"), ""); st != http.StatusForbidden {
		t.Errorf("API for a provider: %d, want 403", st)
	}

	// Neither a provider nor a host council outside the consortium may look.
	for _, who := range []string{"admin@providerx.test", "host@cumberland.test"} {
		if res := h.signIn(who).get("/intelligence/out-of-area"); res.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", who, res.Status)
		}
	}
}

// TestOutOfAreaFlowsMapAndTotals checks the flows table's totals and the map drawn from
// it against the fixture worked by hand. Columns by inflow: Liverpool 7, Manchester 5,
// Salford 2. Manchester's row: into Liverpool 1 and Salford 2 (both under 5), into
// itself 5 (shown: two cells are hidden in the row). Liverpool's column holds one hidden
// cell (Manchester's 1), so its total (7) is hidden rather than Liverpool into itself
// (6, which is Liverpool's in-area count in the table above); Salford's total is 2.
// Totals: Liverpool 6, Manchester 8; all 14 (two column totals are hidden).
func TestOutOfAreaFlowsMapAndTotals(t *testing.T) {
	h := newHarness(t)
	h.outOfAreaHistory(t)
	cell := func(s string) string {
		return `<td class="govuk-table__cell govuk-table__cell--numeric">` + s + `</td>`
	}
	row := func(name string, cells ...string) string {
		return `<th scope="row" class="govuk-table__header">` + name + `</th>` + strings.Join(cells, "")
	}
	none := cell(`<span class="govuk-visually-hidden">none</span>`)

	res := h.signIn("admin@consortium.test").get("/intelligence/out-of-area")
	for _, want := range []string{
		`>Liverpool</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Manchester</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Salford</th>`,
		row("Liverpool", cell("6"), none, none, cell("6")),
		row("Manchester", cell("fewer than 5"), cell("5"), cell("fewer than 5"), cell("8")),
		row("Total", cell("not shown"), cell("5"), cell("fewer than 5"), cell("14")),
		`data-testid="flow-map"`, `Manchester into Manchester: 5 placements`,
	} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("consortium admin's page lacks %q", want)
		}
	}
	if strings.Contains(res.Body, "Manchester into Liverpool") || strings.Contains(res.Body, "into Salford:") {
		t.Error("the map draws a flow the table hides")
	}
	// Manchester's commissioner: Manchester's row alone (no column totals), the same map.
	res = h.signIn("commissioner@manchester.test").get("/intelligence/out-of-area")
	if want := row("Manchester", cell("5"), cell("fewer than 5"), cell("fewer than 5"), cell("8")); !strings.Contains(res.Body, want) {
		t.Errorf("commissioner's flows lack %q", want)
	}
	if strings.Contains(res.Body, `data-testid="flow-totals"`) || !strings.Contains(res.Body, `Manchester into Manchester: 5 placements`) {
		t.Error("commissioner's page: want no column totals for one row, and Manchester's circle on the map")
	}
	// The API lists the flows as the table shows them.
	st, body := h.api(http.MethodGet, "/api/v1/intelligence/out-of-area", h.token("admin@consortium.test"), "")
	got := map[string]string{}
	for _, f := range body["flows"].([]any) {
		f := f.(map[string]any)
		got[fmt.Sprint(f["from"], ">", f["to"])] = fmt.Sprint(f["placements"])
	}
	if st != http.StatusOK || got["Liverpool>Liverpool"] != "map[count:6 suppressed:false]" || got["Manchester>Liverpool"] != "map[count:0 suppressed:true]" || got["Manchester>Manchester"] != "map[count:5 suppressed:false]" {
		t.Errorf("API flows: %d %v", st, got)
	}
}
