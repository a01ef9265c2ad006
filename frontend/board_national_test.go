package frontend

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/geo"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
	"github.com/hearth-placements/hearth/marketplace/nationalseed"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

// nationalBoard is a server on `hearth seed national` data (3,000 homes, seed 1) and a
// client signed in as a Manchester commissioner, whose board is the North West
// consortium's.
func nationalBoard(tb testing.TB) (base string, client *http.Client) {
	tb.Helper()
	ctx := context.Background()
	appURL := dbtest.New(tb)
	db, err := migrations.Connect(ctx, appURL)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	orgs := commissioning.NewService(db.Gorm)
	if err := orgs.SyncCouncils(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := nationalseed.Load(ctx, db.Gorm, 3000, 1); err != nil {
		tb.Fatal(err)
	}
	dbtest.Analyze(tb, appURL) // realistic plans, as a live database would have
	var manchester commissioning.Organisation
	if err := db.Gorm.Where("ons_code = ?", "E08000003").First(&manchester).Error; err != nil {
		tb.Fatal(err)
	}
	deps := wiredDeps(tb, db, notify.NewOutbox(db.Gorm, false), billing.Config{})
	if _, err := deps.Users.Create(ctx, auth.NewUser{Email: "commissioner@manchester.test", Name: "Commissioner", Role: kernel.RoleCommissioner, OrganisationID: manchester.ID, Password: testPassword}); err != nil {
		tb.Fatal(err)
	}
	s, err := New(Config{BaseURL: "http://hearth.test"}, deps)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	srv := httptest.NewServer(s.Handler())
	tb.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(srv.URL + "/sign-in")
	if err != nil {
		tb.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfRe.FindSubmatch(page)
	if m == nil {
		tb.Fatal("no CSRF token on /sign-in")
	}
	res, err = client.PostForm(srv.URL+"/sign-in", url.Values{"email": {"commissioner@manchester.test"}, "password": {testPassword}, "_csrf": {string(m[1])}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		tb.Fatalf("sign in: %v %v", res, err)
	}
	res.Body.Close()
	return srv.URL, client
}

// getGzip fetches path as a browser would, compressed, and returns the compressed size
// and the page.
func getGzip(tb testing.TB, client *http.Client, base, path string) (int, string) {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" {
		tb.Fatalf("%s: %d, Content-Encoding %q", path, res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		tb.Fatal(err)
	}
	page, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return len(raw), string(page)
}

// The map page of all England, every council and 500 homes on it, is at most 150 KB
// compressed (issue 12's budget), and the board's list, with the map left to load on
// demand, at most 20 KB.
func TestBoardPageNationalSize(t *testing.T) {
	base, client := nationalBoard(t)
	for _, path := range []string{"/board/map?map=national", "/board/map", "/board/map?map=region:North+West", "/board/map?map=consortium", "/board"} {
		size, page := getGzip(t, client, base, path)
		areas := strings.Count(page, `class="hearth-map__area`)
		homes := strings.Count(page, `class="hearth-map__home"`)
		t.Logf("%s: %d KB compressed, %d KB uncompressed, %d council areas, %d homes on the map", path, size/1024, len(page)/1024, areas, homes)
		budget := 150
		if path == "/board" {
			budget = 20
		}
		if size > budget*1024 {
			t.Errorf("%s is %d KB compressed, over the %d KB budget", path, size/1024, budget)
		}
		if path == "/board/map?map=national" && (areas != 153 || homes != 500) {
			t.Errorf("the national map has %d council areas and %d homes, want 153 and 500", areas, homes)
		}
	}
}

// BenchmarkBoardPageNational measures the server time of the board's map page and of
// its list (rendering and compression included) on national data, and reports p50 and
// p95.
//
//	go test ./frontend/ -run '^$' -bench BoardPageNational -benchtime 300x
func BenchmarkBoardPageNational(b *testing.B) {
	base, client := nationalBoard(b)
	for _, path := range []string{
		"/board/map?map=national",
		"/board/map?map=region:North+West&age=14&sex=female&needs=cse_risk&near=M14&within=50&availability=now&sort=distance",
		"/board?age=14&sex=female&needs=cse_risk&near=M14&within=50&availability=now&sort=distance",
	} {
		name := strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(path, "/board/map?map="), "/board?"), "&", 2)[0]
		b.Run(name, func(b *testing.B) {
			getGzip(b, client, base, path) // the first request builds the cached paths
			nationalseed.Measure(b, func() error { getGzip(b, client, base, path); return nil })
		})
	}
}

// BenchmarkVacancyMapNational measures drawing the map alone: all England, every
// council shaded, 500 homes, from the cached paths.
//
//	go test ./frontend/ -run '^$' -bench VacancyMapNational
func BenchmarkVacancyMapNational(b *testing.B) {
	in := mapInput{View: mapView{Kind: "national"}, Beds: map[string]int{}, Members: map[string]bool{}, Links: map[string]string{}}
	for i, c := range geo.Councils() {
		in.Beds[c.ONSCode] = i % 8
		in.Members[c.ONSCode] = c.Region == "North West"
		in.Links[c.ONSCode] = "/board?council=" + strconv.Itoa(i+1)
		for _, oc := range geo.OutcodesIn(c.ONSCode) {
			if len(in.Homes) < 500 {
				in.Homes = append(in.Homes, marketplace.BoardHome{ID: int64(len(in.Homes) + 1), Name: "Home " + oc.Code, Outcode: oc.Code, Lat: oc.Centroid.Lat, Lon: oc.Centroid.Lon, BedsFree: i % 3})
			}
		}
	}
	vacancyMap(in) // builds the national level's paths
	nationalseed.Measure(b, func() error { _ = vacancyMap(in); return nil })
}
