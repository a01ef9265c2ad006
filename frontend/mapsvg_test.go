package frontend

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
)

var (
	areaRe     = regexp.MustCompile(`<a (?:href="([^"]*)"|tabindex="0" role="img") class="hearth-map__area[^"]*" aria-label="([^"]+)"><path d="M[^"]+" class="hearth-shade-\d" data-council="(E\d{8})"><title>([^<]+)</title></path></a>`)
	viewBoxRe  = regexp.MustCompile(`<svg class="hearth-map" viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"`)
	homePathRe = regexp.MustCompile(`<a href="#map-home-(\d+)" class="hearth-map__home"`)
)

// mapAreasOn returns the council areas drawn on a board page, by ONS code: each is a
// link that filters the board to it (keyboard focusable), named by aria-label and by
// a <title> for the pointer.
func mapAreasOn(t *testing.T, body string) map[string][2]string {
	t.Helper()
	out := map[string][2]string{}
	for _, m := range areaRe.FindAllStringSubmatch(body, -1) {
		if m[2] != m[4] {
			t.Errorf("%s: aria-label %q but title %q", m[3], m[2], m[4])
		}
		out[m[3]] = [2]string{m[1], m[2]}
	}
	if n := strings.Count(body, `class="hearth-map__area`); n != len(out) {
		t.Errorf("%d council areas, %d of them well formed (focusable, labelled, titled)", n, len(out))
	}
	return out
}

// The board's map draws the councils' real boundaries at every zoom, shades them by
// beds free, and each area is a labelled link; the filters survive zooming.
func TestBoardMapCouncilsAndZoom(t *testing.T) {
	h := newHarness(t)
	home := h.addHome(h.orgs["providerx"].ID, "SC600001", "M14 5AA", 2)
	b := h.signIn("commissioner@manchester.test")

	r := b.get("/board/map?map=national")
	if r.Status != http.StatusOK {
		t.Fatalf("national map: %d", r.Status)
	}
	areas := mapAreasOn(t, r.Body)
	if len(areas) != len(geo.Councils()) {
		t.Fatalf("national map draws %d of %d councils", len(areas), len(geo.Councils()))
	}
	manchester := areas["E08000003"]
	if manchester[1] != "Manchester: 2 beds free" || !strings.HasPrefix(manchester[0], "/board?council=") {
		t.Errorf("Manchester's area: %q", manchester)
	}
	if kent := areas["E10000016"]; kent[1] != "Kent: 0 beds free" {
		t.Errorf("Kent's area: %q", kent)
	}
	for _, code := range []string{"E08000003", "E08000012"} { // the consortium's councils have dark borders
		if !regexp.MustCompile(`class="hearth-map__area hearth-map__area--member" aria-label="[^"]+"><path d="[^"]+" class="hearth-shade-\d" data-council="` + code).MatchString(r.Body) {
			t.Errorf("%s is not drawn as a member of the consortium", code)
		}
	}
	if !strings.Contains(r.Body, `class="hearth-shade-1" data-council="E08000003"`) {
		t.Error("Manchester (2 beds free) is not shaded as 1 to 2 beds")
	}
	if !homePathRe.MatchString(r.Body) || !strings.Contains(r.Body, `data-home="`+strconv.FormatInt(home.ID, 10)+`"`) {
		t.Error("the home is not a point on the map")
	}
	// The table alternative and the licence notice.
	if !regexp.MustCompile(`(?s)data-testid="map-table".*<td class="govuk-table__cell">Manchester</td><td class="govuk-table__cell">North West</td><td class="govuk-table__cell govuk-table__cell--numeric">2</td><td class="govuk-table__cell govuk-table__cell--numeric">1</td>`).MatchString(r.Body) {
		t.Error("the map's table does not list Manchester, North West, 2 beds free, 1 home")
	}
	if !strings.Contains(r.Body, "Contains OS data © Crown copyright and database right 2024. Contains Royal Mail data © Royal Mail copyright and database right 2015. Source: Office for National Statistics licensed under the Open Government Licence v3.0.") {
		t.Error("no attribution under the map")
	}

	width := func(body string) float64 {
		m := viewBoxRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no map")
		}
		w, err := strconv.ParseFloat(m[3], 64)
		must(t, err)
		return w
	}
	nationalWidth := width(r.Body)
	for _, tt := range []struct {
		query         string
		has, hasNot   []string
		narrowerThanX float64 // the view's width as a share of England's
	}{
		{"map=region:North+West", []string{"E08000003", "E06000063", "E08000010"}, []string{"E10000016", "E09000033", "E06000052"}, 0.6},
		{"map=region:London", []string{"E09000033", "E09000001"}, []string{"E08000003"}, 0.3},
		{"map=consortium", []string{"E08000003", "E08000012"}, []string{"E10000016", "E06000052"}, 0.4},
		{"near=M1&within=10", []string{"E08000003"}, []string{"E10000016"}, 0.4}, // the default frames the matching homes
	} {
		r := b.get("/board/map?" + tt.query)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", tt.query, r.Status)
		}
		areas := mapAreasOn(t, r.Body)
		for _, c := range tt.has {
			if _, ok := areas[c]; !ok {
				t.Errorf("%s: %s not drawn", tt.query, c)
			}
		}
		for _, c := range tt.hasNot {
			if _, ok := areas[c]; ok {
				t.Errorf("%s: %s drawn, though far outside the view", tt.query, c)
			}
		}
		if w := width(r.Body); w > tt.narrowerThanX*nationalWidth {
			t.Errorf("%s: view %.0f km wide, England %.0f", tt.query, w, nationalWidth)
		}
	}

	// A council cut by the frame's edge is drawn for context but is not a target: its
	// link would stretch beyond the map over the page's other links.
	r = b.get("/board/map?map=region:North+West")
	if !regexp.MustCompile(`<g class="hearth-map__context"><path d="M[^"]+" class="hearth-shade-\d" data-council="E06000065"><title>North Yorkshire: 0 beds free</title></path></g>`).MatchString(r.Body) {
		t.Error("North Yorkshire, half outside the North West's frame, is not drawn as context")
	}

	// Zooming keeps the filters, and filtering keeps the zoom.
	r = b.get("/board/map?near=M1&within=10&map=region:North+West")
	if !strings.Contains(r.Body, "M14, Manchester") {
		t.Fatal("the filtered, zoomed board lost the home")
	}
	if !strings.Contains(r.Body, `href="/board/map?near=M1&amp;within=10&amp;map=national"`) {
		t.Error("the England zoom link drops the filters")
	}
	if !strings.Contains(r.Body, `class="govuk-back-link" href="/board?near=M1&amp;within=10"`) && !strings.Contains(r.Body, `href="/board?near=M1&amp;within=10" class="govuk-back-link"`) {
		t.Error("the way back to the list loses the filters")
	}
	if link := mapAreasOn(t, r.Body)["E08000010"][0]; !strings.Contains(link, "council=") || !strings.Contains(link, "near=M1") || !strings.HasPrefix(link, "/board?") {
		t.Errorf("Wigan's link %q does not filter the list, keeping the filters", link)
	}
	// The map shows every matching home; the list pages them.
	h.addHome(h.orgs["providerx"].ID, "SC600002", "M1 1AE", 1)
	h.addHome(h.orgs["providerx"].ID, "SC600003", "M4 1AA", 0)
	r = b.get("/board?per_page=2&page=2")
	if !strings.Contains(r.Body, "3 homes match") || strings.Count(r.Body, `data-testid="home-card"`) != 1 || !strings.Contains(r.Body, "Home SC600003") {
		t.Errorf("page 2 of 2-a-page: %d, %d cards", r.Status, strings.Count(r.Body, `data-testid="home-card"`))
	}
	if r := b.get("/board/map?map=national"); strings.Count(r.Body, `class="hearth-map__home"`) != 3 {
		t.Errorf("the map has %d of 3 homes", strings.Count(r.Body, `class="hearth-map__home"`))
	}
	// A zoom the board does not know shows the default view.
	if r := b.get("/board/map?map=region:Atlantis"); r.Status != http.StatusOK || !strings.Contains(r.Body, `data-view=""`) {
		t.Errorf("unknown zoom: %d", r.Status)
	}
}

// The licence notice for the boundaries is on the accessibility page too.
func TestAccessibilityPageCarriesGeographyAttribution(t *testing.T) {
	h := newHarness(t)
	r := h.browser().get("/accessibility")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "Contains National Statistics data © Crown copyright and database right 2024.") ||
		!strings.Contains(r.Body, "Source: Office for National Statistics licensed under the Open Government Licence v3.0.") {
		t.Fatalf("accessibility page: %d, no attribution", r.Status)
	}
}

// Pages go compressed; live event streams and pages fetched for another site do not.
func TestGzipSkipsStreamsAndCrossSite(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("commissioner@manchester.test")
	get := func(path string, header map[string]string) *http.Response {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		t.Cleanup(cancel)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := b.c.Do(req)
		must(t, err)
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	for _, tt := range []struct {
		path   string
		header map[string]string
		want   string
	}{
		{"/board", nil, "gzip"},
		{"/board", map[string]string{"Sec-Fetch-Site": "same-origin"}, "gzip"},
		{"/board", map[string]string{"Sec-Fetch-Site": "cross-site"}, ""},
		{"/board/events", map[string]string{"Accept": "text/event-stream"}, ""},
	} {
		res := get(tt.path, tt.header)
		if got := res.Header.Get("Content-Encoding"); got != tt.want || res.StatusCode != http.StatusOK {
			t.Errorf("%s %v: %d, Content-Encoding %q, want %q", tt.path, tt.header, res.StatusCode, got, tt.want)
		}
		if tt.want == "" && strings.HasSuffix(tt.path, "/events") {
			buf := make([]byte, 5)
			if _, err := io.ReadFull(res.Body, buf); err != nil || string(buf) != "retry" {
				t.Errorf("event stream starts %q, %v", buf, err)
			}
		}
	}
}
