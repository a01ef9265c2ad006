package frontend

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/pquerna/otp/totp"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/seal"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
	"github.com/hearth-placements/hearth/commissioning/monitoring"
	"github.com/hearth-placements/hearth/commissioning/police"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/commissioning/simulate"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
	"github.com/hearth-placements/hearth/migrations"
	"github.com/hearth-placements/hearth/migrations/dbtest"
)

func TestMain(m *testing.M) {
	// Request logs only when something is wrong.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	// Cheap hashes keep the suite fast; production uses argon2id.DefaultParams.
	auth.Params = &argon2id.Params{Memory: 8 * 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	dbtest.Main(m)
}

const testPassword = "correct horse battery"
const testTOTP = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// harness is a running server on its own database with one user per role in a small
// world: a consortium with two member councils, a council outside it, two providers
// and the SWCU.
type harness struct {
	t     *testing.T
	srv   *httptest.Server
	s     *Server
	deps  Deps
	orgs  map[string]commissioning.Organisation
	users map[string]auth.User // by email
	quiet *auth.Service        // the users Service without mail, for setting tests up
	// clock is the one clock of the services and the server: it runs with the wall
	// clock until a test sets or advances it.
	clock *kernel.FakeClock

	framework commissioning.Framework
	lot       commissioning.Lot
}

// admit files a complete application for provider and admits it to the lot.
func (h *harness) admit(provider int64) commissioning.Application {
	h.t.Helper()
	ctx := context.Background()
	a, err := h.deps.Frameworks.WithoutMail().AdmitOutright(ctx, h.framework.ID, provider, []int64{h.lot.ID}, // a world set up, not a decision to tell of
		commissioning.Declarations{OfstedRegistered: true, InsuranceExpiry: time.Now().AddDate(1, 0, 0), SafeguardingPolicyDate: time.Now().AddDate(0, -1, 0), ResponsibleIndividual: "R I"}, "ok")
	must(h.t, err)
	return a
}

// enrol gives u the test authenticator and returns u as it now is.
func (h *harness) enrol(u auth.User) auth.User {
	h.t.Helper()
	ctx := context.Background()
	code, _ := totp.GenerateCode(testTOTP, time.Now())
	must(h.t, h.quiet.EnableMFA(ctx, u, testTOTP, code))
	// Enrolling used this step's code; the tests sign in with it again.
	must(h.t, h.deps.DB.Gorm.Exec("UPDATE users SET totp_last_step = NULL WHERE id = ?", u.ID).Error)
	u, err := h.deps.Users.ByID(ctx, u.ID)
	must(h.t, err)
	return u
}

// addHome gives provider a home at postcode with beds free now.
func (h *harness) addHome(provider int64, urn, postcode string, beds int) marketplace.Home {
	h.t.Helper()
	ctx := context.Background()
	lots, _, err := h.deps.Market.AdmittedLots(ctx, provider)
	must(h.t, err)
	f, fe := marketplace.ParseHome(marketplace.HomeInput{Name: "Home " + urn, OfstedURN: urn, HomeType: "childrens_home", OfstedRating: "good", InspectionDate: "2025-01-01",
		RegisteredPlaces: "4", MinAge: "10", MaxAge: "17", Sexes: "any", Postcode: postcode, Needs: []string{"autism"}, Lots: []string{"residential"}}, lots, time.Now())
	if fe != nil {
		h.t.Fatal(fe)
	}
	home, err := h.deps.Market.SaveHome(ctx, provider, 0, 0, f)
	must(h.t, err)
	home, err = h.deps.Market.SetVacancy(ctx, home, marketplace.Vacancy{BedsFree: beds}, "web", 0)
	must(h.t, err)
	return home
}

var harnessUsers = []struct {
	email string
	role  kernel.Role
	org   string
}{
	{"admin@consortium.test", kernel.RoleConsortiumAdmin, "consortium"},
	{"commissioner@manchester.test", kernel.RoleCommissioner, "manchester"},
	{"approver@manchester.test", kernel.RoleApprover, "manchester"},
	{"commissioner@liverpool.test", kernel.RoleCommissioner, "liverpool"},
	{"admin@providerx.test", kernel.RoleProviderAdmin, "providerx"},
	{"staff@providerx.test", kernel.RoleProviderUser, "providerx"},
	{"admin@providery.test", kernel.RoleProviderAdmin, "providery"},
	{"coordinator@swcu.test", kernel.RoleSWCUCoordinator, "swcu"},
	{"manager@securehome.test", kernel.RoleSecureHomeUser, "securehome"},
	{"host@cumberland.test", kernel.RoleHostCouncilUser, "cumberland"}, // a council outside the consortium
	{"liaison@gmp.test", kernel.RolePoliceLiaison, "police"},           // Greater Manchester Police, invited by the consortium
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	db := dbtest.Open(t)
	h := &harness{t: t, orgs: map[string]commissioning.Organisation{}, users: map[string]auth.User{}}
	outbox := notify.NewOutbox(db.Gorm, true).WithLinkKey(harnessMailKey)
	h.deps = wiredDeps(t, db, outbox, billing.Config{SecretKey: "sk_test_123", APIBase: "http://127.0.0.1:1", WebhookSecret: testWebhookSecret})
	// The people are set up without mail; the server's Service emails credential changes.
	h.quiet = h.deps.Users.WithoutMail()
	h.clock = h.deps.Clock.(*kernel.FakeClock)
	must(t, h.deps.Orgs.SyncCouncils(ctx))
	cons, err := h.deps.Orgs.Create(ctx, kernel.KindConsortium, "Test Consortium")
	must(t, err)
	must(t, h.deps.Orgs.JoinConsortium(ctx, cons.ID, []string{"E08000003", "E08000012"})) // Manchester, Liverpool
	h.orgs["consortium"] = cons
	for key, ons := range map[string]string{"manchester": "E08000003", "liverpool": "E08000012", "leeds": "E08000035", "cumberland": "E06000063"} {
		var o commissioning.Organisation
		must(t, db.Gorm.Where("ons_code = ?", ons).First(&o).Error)
		h.orgs[key] = o
	}
	for key, name := range map[string]string{"providerx": "Provider X", "providery": "Provider Y", "securehome": "Secure Home Z"} {
		o, err := h.deps.Orgs.Create(ctx, kernel.KindProvider, name)
		must(t, err)
		h.orgs[key] = o
	}
	swcu, err := h.deps.Orgs.Create(ctx, kernel.KindSWCU, "SWCU")
	must(t, err)
	h.orgs["swcu"] = swcu
	h.orgs["police"], err = h.deps.Orgs.InvitePoliceForce(ctx, cons.ID, "E23000005")
	must(t, err)
	for _, hu := range harnessUsers {
		nu := auth.NewUser{Email: hu.email, Name: "Test " + string(hu.role), Role: hu.role, OrganisationID: h.orgs[hu.org].ID, Password: testPassword}
		if hu.role == kernel.RoleHostCouncilUser {
			nu.ManagedBy = cons.ID
		}
		u, err := h.quiet.Create(ctx, nu)
		must(t, err)
		if hu.role.RequiresMFA() {
			u = h.enrol(u)
		}
		h.users[hu.email] = u
	}
	h.framework, err = h.deps.Frameworks.CreateFramework(ctx, cons.ID, commissioning.FrameworkTerms{Name: "Test DPS", OpenForApplications: true, WeightPrice: 40, WeightQuality: 30, WeightDistance: 20, WeightFit: 10, LevyBPS: 150})
	must(t, err)
	h.lot, err = h.deps.Frameworks.AddLot(ctx, h.framework.ID, commissioning.NewLot{Code: "residential", Name: "Residential", PlacementType: "residential", Ceilings: map[string]kernel.Pence{"standard": 500000}})
	must(t, err)
	h.admit(h.orgs["providerx"].ID)
	h.s, err = New(Config{BaseURL: "http://hearth.test"}, h.deps)
	must(t, err)
	t.Cleanup(h.s.Close)
	h.srv = httptest.NewServer(h.s.Handler())
	t.Cleanup(h.srv.Close)
	return h
}

// wiredDeps builds every service the web layer takes, on db, as cmd/hearth wires them:
// each writes its notices and emails through outbox, with links to http://hearth.test.
// It is the one place the tests build services.
func wiredDeps(tb testing.TB, db *migrations.DB, outbox *notify.Outbox, bc billing.Config) Deps {
	tb.Helper()
	const base = "http://hearth.test"
	users := auth.NewService(db.Gorm).WithMail(outbox, base)
	users.Keys = testSeedKeys(tb)
	// One clock, running with the wall clock until a test moves it, for every service and
	// the server alike.
	clock := kernel.NewRunningFakeClock()
	d := Deps{DB: db, Orgs: commissioning.NewService(db.Gorm), Requests: marketplace.NewRequests(db.Gorm), Inbox: notify.NewInbox(db.Gorm), Users: users, Audit: audit.New(db.Gorm), Outbox: outbox,
		Market:       marketplace.NewService(db.Gorm).WithMail(outbox, base),
		Frameworks:   commissioning.NewFrameworks(db.Gorm).WithMail(outbox, base),
		Secure:       secure.NewService(db.Gorm).WithMail(outbox, base),
		Billing:      billing.NewService(db.Gorm, bc),
		Intelligence: intelligence.New(db.Gorm),
		Monitoring:   monitoring.New(db.Gorm),
		Police:       police.New(db.Gorm),
		Simulations:  simulate.NewRuns(db.Gorm),
		Webhooks:     webhook.New(db.Gorm, harnessWebhookKey, webhook.Options{AllowLoopback: true}),
		Clock:        clock}
	d.Users.Now, d.Market.Now, d.Frameworks.Now, d.Secure.Now, d.Billing.Now, d.Intelligence.Now, d.Monitoring.Now, d.Police.Now, d.Webhooks.Now, d.Simulations.Now = clock.Now, clock.Now, clock.Now, clock.Now, clock.Now, clock.Now, clock.Now, clock.Now, clock.Now, clock.Now
	return d
}

// harnessWebhookKey seals the harness's webhook secrets.
var harnessWebhookKey = func() *seal.Key {
	raw, err := seal.Random()
	if err != nil {
		panic(err)
	}
	k, err := seal.NewKey(raw)
	if err != nil {
		panic(err)
	}
	return k
}()

// testSeedKeys returns a random key for sealing TOTP seeds.
func testSeedKeys(t testing.TB) *auth.SeedKeys {
	t.Helper()
	enc, err := auth.NewSeedKey()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := auth.ParseSeedKey(enc)
	if err != nil {
		t.Fatal(err)
	}
	k, err := auth.NewSeedKeys(raw)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	h *harness
	c *http.Client
}

func (h *harness) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{h: h, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is a read response.
type response struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (b *browser) do(method, path string, form url.Values) response {
	b.h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.h.srv.URL+path, body)
	must(b.h.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	must(b.h.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Body: string(raw), Location: res.Header.Get("Location"), Header: res.Header}
}

func (b *browser) get(path string) response { return b.do(http.MethodGet, path, nil) }

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// post submits a form from page (to pick up its CSRF token) to path.
func (b *browser) post(page, path string, form url.Values) response {
	b.h.t.Helper()
	r := b.get(page)
	m := csrfRe.FindStringSubmatch(r.Body)
	if m == nil {
		b.h.t.Fatalf("no CSRF token on %s (status %d)", page, r.Status)
	}
	form.Set("_csrf", m[1])
	return b.do(http.MethodPost, path, form)
}

// signIn signs in as email, answering the second-factor step when the role needs it.
func (h *harness) signIn(email string) *browser {
	h.t.Helper()
	return h.browser().signInAs(email)
}

// signInAs signs in as email in this browser, whoever was signed in before.
func (b *browser) signInAs(email string) *browser {
	h := b.h
	h.t.Helper()
	page := "/sign-in"
	if b.get(page).Status == http.StatusSeeOther { // someone is signed in: sign in from their home page
		page = "/"
	}
	r := b.post(page, "/sign-in", url.Values{"email": {email}, "password": {testPassword}})
	if r.Status != http.StatusSeeOther {
		h.t.Fatalf("sign in %s: status %d", email, r.Status)
	}
	if r.Location == "/sign-in/mfa" {
		// Each code signs in once; tests sign the same user in many times a minute.
		must(h.t, h.deps.DB.Gorm.Exec("UPDATE users SET totp_last_step = NULL WHERE email = ?", email).Error)
		code, _ := totp.GenerateCode(testTOTP, time.Now())
		r = b.post("/sign-in/mfa", "/sign-in/mfa", url.Values{"code": {code}})
		if r.Status != http.StatusSeeOther || r.Location != "/" {
			h.t.Fatalf("MFA for %s: status %d to %q", email, r.Status, r.Location)
		}
	}
	return b
}

// token returns a new API token for email.
func (h *harness) token(email string) string {
	h.t.Helper()
	tok, _, err := h.quiet.CreateAPIToken(context.Background(), h.users[email], auth.NewAPIToken{Name: "test", Operator: true})
	must(h.t, err)
	return tok
}

// api calls the JSON API with a bearer token (empty: none). Every response to a
// documented route is validated against /api/openapi.json, status code included.
func (h *harness) api(method, path, token, body string) (int, map[string]any) {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	must(h.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	// Every 201 says where the new resource is.
	if res.StatusCode == http.StatusCreated && res.Header.Get("Location") == "" {
		h.t.Errorf("%s %s: 201 without a Location header", method, path)
	}
	if route, params, err := apiRouter(h.t).FindRoute(req); err == nil {
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 res.StatusCode, Header: res.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true},
		}
		in.SetBodyBytes(raw)
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			h.t.Errorf("%s %s: response %d does not match the OpenAPI document: %v", method, path, res.StatusCode, err)
		}
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

var (
	routerOnce sync.Once
	router     routers.Router
	routerErr  error
)

func apiRouter(t *testing.T) routers.Router {
	routerOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(openAPIDoc)
		if err != nil {
			routerErr = err
			return
		}
		if routerErr = doc.Validate(context.Background()); routerErr != nil {
			return
		}
		doc.Servers = nil // match any host: the test server's port changes
		router, routerErr = legacy.NewRouter(doc)
	})
	if routerErr != nil {
		t.Fatalf("openapi.json: %v", routerErr)
	}
	return router
}

func newUser(email, role string, org int64) auth.NewUser {
	return auth.NewUser{Email: email, Name: "Test", Role: kernel.Role(role), OrganisationID: org, Password: testPassword}
}

// passDeadline moves a request's deadline just into the past (by the database clock),
// as if its response time had run out.
func (h *harness) passDeadline(t *testing.T, requestID int64) {
	t.Helper()
	_, err := h.deps.DB.Pool.Exec(context.Background(), "UPDATE placement_requests SET submitted_at = now() - interval '3 hours', deadline = now() - interval '1 second' WHERE id = $1", requestID)
	must(t, err)
}

// leedsConsortium makes a second consortium, B, with Leeds as its member council, and two
// users: commissioner@leeds.test and B's admin, admin@consortium-b.test.
func (h *harness) leedsConsortium() commissioning.Organisation {
	h.t.Helper()
	ctx := context.Background()
	consB, err := h.deps.Orgs.Create(ctx, kernel.KindConsortium, "Consortium B")
	must(h.t, err)
	must(h.t, h.deps.Orgs.JoinConsortium(ctx, consB.ID, []string{"E08000035"})) // Leeds
	for _, nu := range []auth.NewUser{
		{Email: "commissioner@leeds.test", Name: "Leeds Commissioner", Role: kernel.RoleCommissioner, OrganisationID: h.orgs["leeds"].ID, Password: testPassword},
		{Email: "admin@consortium-b.test", Name: "B Admin", Role: kernel.RoleConsortiumAdmin, OrganisationID: consB.ID, Password: testPassword},
	} {
		u, err := h.quiet.Create(ctx, nu)
		must(h.t, err)
		h.users[nu.Email] = u
	}
	return consB
}
