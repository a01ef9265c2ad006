package frontend

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// withConfig restarts h's server with cfg on the same database.
func (h *harness) withConfig(cfg Config) {
	h.t.Helper()
	s, err := New(cfg, h.deps)
	must(h.t, err)
	h.t.Cleanup(s.Close)
	h.s = s
	h.srv = httptest.NewServer(s.Handler())
	h.t.Cleanup(h.srv.Close)
}

// send is do with extra request headers and a raw body of contentType.
func (b *browser) send(method, path string, hdr http.Header, contentType string, body []byte) response {
	b.h.t.Helper()
	req, err := http.NewRequest(method, b.h.srv.URL+path, bytes.NewReader(body))
	must(b.h.t, err)
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := b.c.Do(req)
	must(b.h.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return response{Status: res.StatusCode, Body: string(raw), Location: res.Header.Get("Location"), Header: res.Header}
}

// signInFrom signs staff@providerx.test in with an X-Forwarded-For header and
// returns the status and the addresses recorded for the attempt and the sign-in.
func (h *harness) signInFrom(xff string) (status int, attemptIP, auditIP string) {
	h.t.Helper()
	b := h.browser()
	m := csrfRe.FindStringSubmatch(b.get("/sign-in").Body)
	if m == nil {
		h.t.Fatal("no CSRF token on the sign-in page")
	}
	form := url.Values{"email": {"staff@providerx.test"}, "password": {testPassword}, "_csrf": {m[1]}}
	r := b.send(http.MethodPost, "/sign-in", http.Header{"X-Forwarded-For": {xff}}, "application/x-www-form-urlencoded", []byte(form.Encode()))
	ctx := context.Background()
	pool := h.deps.DB.Pool
	_ = pool.QueryRow(ctx, "SELECT coalesce(host(ip), '') FROM login_attempts ORDER BY id DESC LIMIT 1").Scan(&attemptIP)
	_ = pool.QueryRow(ctx, "SELECT coalesce(host(ip), '') FROM audit_log WHERE action = 'user.sign_in' ORDER BY id DESC LIMIT 1").Scan(&auditIP)
	return r.Status, attemptIP, auditIP
}

// TestClientAddressTrustsOnlyConfiguredProxies: X-Forwarded-For is believed only from
// configured proxies, so the sign-in throttle and the audit log hold the real peer,
// and a malformed header is never an error. ASVS V7.1.3 (audit source), V11.1.4
// (anti-automation by address).
func TestClientAddressTrustsOnlyConfiguredProxies(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name    string
		trusted string // CIDR of the trusted proxy; the test client is 127.0.0.1
		xff     string
		want    string
	}{
		{"UntrustedPeerSpoofIgnored", "", "203.0.113.7", "127.0.0.1"},
		{"UntrustedPeerGarbage", "", "not-an-ip", "127.0.0.1"},
		// With proxies configured, loopback, link-local and private peers are not
		// trusted unless they are in a configured range.
		{"LoopbackPeerNotTrustedImplicitly", "10.0.0.0/8", "203.0.113.7", "127.0.0.1"},
		{"TrustedProxyHonoured", "127.0.0.0/8", "203.0.113.7", "203.0.113.7"},
		{"TrustedProxyChainStopsAtFirstUntrusted", "127.0.0.0/8", "198.51.100.9, 203.0.113.7", "203.0.113.7"},
		{"TrustedProxyGarbage", "127.0.0.0/8", "not-an-ip", "127.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{BaseURL: "http://hearth.test"}
			if tt.trusted != "" {
				_, n, err := net.ParseCIDR(tt.trusted)
				must(t, err)
				cfg.TrustedProxies = []*net.IPNet{n}
			}
			h.withConfig(cfg)
			status, attempt, audited := h.signInFrom(tt.xff)
			if status != http.StatusSeeOther {
				t.Fatalf("sign in: status %d", status)
			}
			if attempt != tt.want || audited != tt.want {
				t.Fatalf("throttle saw %q, audit saw %q; want %q", attempt, audited, tt.want)
			}
		})
	}
}

// TestNoStoreAndHSTS: authenticated pages, API responses and their errors are never
// cached; static files are; HSTS is sent whenever the base URL is https, even without
// TLS at Hearth itself (behind a proxy). ASVS V8.2.1, V8.1.1, V9.1.1.
func TestNoStoreAndHSTS(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@providerx.test")
	tok := h.token("admin@providerx.test")
	api := func(path, token string) response {
		hdr := http.Header{}
		if token != "" {
			hdr.Set("Authorization", "Bearer "+token)
		}
		return h.browser().send(http.MethodGet, path, hdr, "", nil)
	}
	tests := []struct {
		name   string
		get    func() response
		status int
	}{
		{"Page", func() response { return b.get("/homes") }, http.StatusOK},
		{"Account", func() response { return b.get("/account") }, http.StatusOK},
		{"PageNotFound", func() response { return b.get("/homes/999999") }, http.StatusNotFound},
		{"PageForbidden", func() response { return b.get("/admin/users") }, http.StatusForbidden},
		{"API", func() response { return api("/api/v1/homes", tok) }, http.StatusOK},
		{"APIUnauthorised", func() response { return api("/api/v1/homes", "") }, http.StatusUnauthorized},
		{"APINotFound", func() response { return api("/api/v1/homes/999999", tok) }, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.get()
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d", r.Status, tt.status)
			}
			if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
				t.Fatalf("Cache-Control %q, want no-store", cc)
			}
			if hsts := r.Header.Get("Strict-Transport-Security"); hsts != "" {
				t.Fatalf("HSTS %q on an http base URL", hsts)
			}
		})
	}
	t.Run("StaticFilesCached", func(t *testing.T) {
		r := b.get("/static/hearth.css")
		if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "max-age") {
			t.Fatalf("%d Cache-Control %q", r.Status, r.Header.Get("Cache-Control"))
		}
	})
	t.Run("HSTSBehindAProxy", func(t *testing.T) {
		h.withConfig(Config{BaseURL: "https://hearth.example.org"})
		for _, p := range []string{"/sign-in", "/static/hearth.css", "/no-such-page"} {
			r := h.browser().get(p)
			if hsts := r.Header.Get("Strict-Transport-Security"); hsts != "max-age=31536000; includeSubDomains" {
				t.Errorf("%s: HSTS %q", p, hsts)
			}
		}
	})
}

// TestRequestLogsHoldNoSecrets: a request's log line names its route, never the path
// or query, which can carry reset tokens. ASVS V7.1.1.
func TestRequestLogsHoldNoSecrets(t *testing.T) {
	h := newHarness(t)
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	const secret = "SeCrEtToKeN0123456789"
	h.browser().get("/password/reset/" + secret + "?email=child%40example.test&t=" + secret)
	h.browser().get("/no-such-page/" + secret)
	slog.SetDefault(prev)
	out := buf.String()
	if !strings.Contains(out, "route=/password/reset/:token") {
		t.Fatalf("no request line with the route:\n%s", out)
	}
	if strings.Contains(out, secret) || strings.Contains(out, "child") {
		t.Fatalf("the request log holds the token or the query:\n%s", out)
	}
}

// TestBadTextIsRefused: NUL characters and invalid UTF-8 anywhere in a request are a
// 400 with a message, never a 500 from PostgreSQL. ASVS V5.1.4.
func TestBadTextIsRefused(t *testing.T) {
	h := newHarness(t)
	tok := h.token("admin@consortium.test")
	provider := h.signIn("admin@providerx.test")
	var multi bytes.Buffer
	mw := multipart.NewWriter(&multi)
	_ = mw.WriteField("note", "a\x00b")
	fw, _ := mw.CreateFormFile("file", "homes.csv")
	_, _ = fw.Write([]byte("name\nHome\n"))
	_ = mw.Close()
	signInForm := func(email string) []byte {
		return []byte(url.Values{"email": {email}, "password": {testPassword}}.Encode())
	}
	bearer := http.Header{"Authorization": {"Bearer " + tok}}
	tests := []struct {
		name        string
		b           *browser
		method      string
		path        string
		hdr         http.Header
		contentType string
		body        []byte
	}{
		{"FormNUL", h.browser(), http.MethodPost, "/sign-in", nil, "application/x-www-form-urlencoded", signInForm("a\x00b@x.test")},
		{"FormInvalidUTF8", h.browser(), http.MethodPost, "/sign-in", nil, "application/x-www-form-urlencoded", signInForm("a\xffb@x.test")},
		{"QueryNUL", provider, http.MethodGet, "/placements?status=%00", nil, "", nil},
		{"QueryInvalidUTF8", h.browser(), http.MethodGet, "/sign-in?next=/%ff", nil, "", nil},
		{"PathNUL", h.browser(), http.MethodGet, "/password/reset/abc%00def", nil, "", nil},
		{"JSONEscapedNUL", h.browser(), http.MethodPost, "/api/v1/users", bearer, "application/json", []byte(`{"name": "A\u0000B", "email": "ann@x.test", "role": "commissioner", "organisation_id": 1}`)},
		{"JSONInvalidUTF8", h.browser(), http.MethodPost, "/api/v1/users", bearer, "application/json", []byte("{\"name\": \"A\xff\xfeB\", \"email\": \"ann@x.test\", \"role\": \"commissioner\", \"organisation_id\": 1}")},
		{"JSONWithoutContentType", h.browser(), http.MethodPost, "/api/v1/users", bearer, "", []byte(`{"name": "A\u0000B"}`)},
		{"MultipartTextField", provider, http.MethodPost, "/homes/upload", nil, mw.FormDataContentType(), multi.Bytes()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.b.send(tt.method, tt.path, tt.hdr, tt.contentType, tt.body)
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "characters Hearth cannot accept") {
				t.Fatalf("status %d, want 400 with a message:\n%.400s", r.Status, r.Body)
			}
		})
	}
	t.Run("EscapedBackslashIsNotNUL", func(t *testing.T) {
		if !goodJSON([]byte(`{"a": "\\u0000"}`)) || goodJSON([]byte(`{"a\u0000": 1}`)) {
			t.Fatal("goodJSON reads escapes wrongly")
		}
	})
}

// TestNumbersInTheAddressOutOfRange: numeric query parameters out of range are a 400
// naming the parameter, never a silent default or a 500. ASVS V5.1.3.
func TestNumbersInTheAddressOutOfRange(t *testing.T) {
	h := newHarness(t)
	b := h.signIn("admin@providerx.test")
	tok := h.token("admin@providerx.test")
	tests := []struct {
		name, path, param string
	}{
		{"VersionOverflow", "/placements/1/agreement?version=99999999999999999999", "version"},
		{"VersionNegative", "/placements/1/agreement?version=-1", "version"},
		{"PageNegative", "/placements?page=-1", "page"},
		{"PageZero", "/notices?page=0", "page"},
		{"PageFloat", "/placements?page=1e99", "page"},
		{"PageOverflow", "/homes?page=99999999999999999999", "page"},
		{"PerPageTooLarge", "/invitations?per_page=201", "per_page"},
		{"PerPageZero", "/billing?per_page=0", "per_page"},
		{"APIPage", "/api/v1/placements?page=abc", "page"},
		{"APIPerPage", "/api/v1/homes?per_page=100000", "per_page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r response
			if isAPI(tt.path) {
				r = h.browser().send(http.MethodGet, tt.path, http.Header{"Authorization": {"Bearer " + tok}}, "", nil)
			} else {
				r = b.get(tt.path)
			}
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, tt.param) {
				t.Fatalf("status %d, want 400 naming %q:\n%.400s", r.Status, tt.param, r.Body)
			}
		})
	}
}

// TestSafeNext: after signing in, only a path on this site is followed. ASVS V5.1.5.
func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/", "/"},
		{"/homes", "/homes"},
		{"/board?near=M1&within=20", "/board?near=M1&within=20"},
		{"/requests/12/edit/child", "/requests/12/edit/child"},
		{"", "/"},
		{"homes", "/"},
		{"//evil.example", "/"},
		{"///evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"/homes\\..\\..\\evil", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r/evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/\x7f", "/"},
		{"/%09/evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"https://evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"/javascript:alert(1)", "/javascript:alert(1)"}, // a path on this site, harmless
		{"data:text/html,x", "/"},
		{" /homes", "/"},
		{"/\u2028evil", "/"},
		{"/\xff", "/"},
		{"/" + strings.Repeat("a", 3000), "/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLiveStreamsPerUser: one user holds at most five live-update streams; the sixth
// is a 429 with a message, and closing one frees its slot. ASVS V11.1.4.
func TestLiveStreamsPerUser(t *testing.T) {
	h := newHarness(t)
	h.s.WaitLive()
	b := h.signIn("commissioner@manchester.test")
	open := func() (*http.Response, context.CancelFunc) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/board/events", nil)
		res, err := b.c.Do(req)
		must(t, err)
		return res, cancel
	}
	var cancels []context.CancelFunc
	t.Cleanup(func() {
		for _, c := range cancels {
			c()
		}
	})
	for i := range maxStreamsPerUser {
		res, cancel := open()
		cancels = append(cancels, cancel)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %d", i+1, res.StatusCode)
		}
	}
	res, cancel := open()
	body, _ := io.ReadAll(res.Body)
	cancel()
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "live pages open") {
		t.Fatalf("sixth stream: %d\n%.300s", res.StatusCode, body)
	}
	if other := h.signIn("approver@manchester.test"); other != nil {
		res, cancel := func() (*http.Response, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.srv.URL+"/board/events", nil)
			res, err := other.c.Do(req)
			must(t, err)
			return res, cancel
		}()
		cancels = append(cancels, cancel)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("another user's stream: %d", res.StatusCode)
		}
	}
	cancels[0]() // close one
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, cancel := open()
		cancels = append(cancels, cancel)
		if res.StatusCode == http.StatusOK {
			break
		}
		cancel()
		if time.Now().After(deadline) {
			t.Fatalf("closing a stream did not free its slot: %d", res.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMetricsAreNotOnTheMainPort: /metrics is served only by MetricsHandler, which
// cmd/hearth puts on its own (loopback) address. ASVS V14.3.2.
func TestMetricsAreNotOnTheMainPort(t *testing.T) {
	h := newHarness(t)
	b := h.browser()
	b.get("/readyz")
	if r := b.get("/metrics"); r.Status != http.StatusNotFound {
		t.Fatalf("/metrics on the main port: %d", r.Status)
	}
	rec := httptest.NewRecorder()
	h.s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `hearth_http_requests_total{method="GET",route="/readyz",status="200"} 1`) {
		t.Fatalf("metrics: %d\n%s", rec.Code, rec.Body.String())
	}
}

// TestListsArePaged: every list page and API list reads one page at a time, 50 rows
// by default and at most 200, with links to the next and previous pages. ASVS V11.1.4.
func TestListsArePaged(t *testing.T) {
	h := newHarness(t)
	provider := h.orgs["providerx"].ID
	for _, urn := range []string{"SC100001", "SC100002", "SC100003"} {
		h.addHome(provider, urn, "M1 1AA", 1)
	}
	lists := []struct{ email, path string }{
		{"admin@providerx.test", "/homes"},
		{"admin@providerx.test", "/invitations"},
		{"admin@providerx.test", "/billing"},
		{"commissioner@manchester.test", "/requests"},
		{"commissioner@manchester.test", "/placements"},
		{"commissioner@manchester.test", "/notices"},
		{"commissioner@manchester.test", "/secure/referrals"},
		{"commissioner@manchester.test", "/billing"},
		{"approver@manchester.test", "/approvals"},
		{"coordinator@swcu.test", "/secure/waiting"},
		{"admin@consortium.test", "/admin/users"},
		{"admin@consortium.test", "/admin/frameworks"},
		{"admin@providerx.test", "/api/v1/homes"},
		{"admin@providerx.test", "/api/v1/invitations"},
		{"admin@providerx.test", "/api/v1/payments"},
		{"commissioner@manchester.test", "/api/v1/placements"},
		{"commissioner@manchester.test", "/api/v1/notices"},
		{"commissioner@manchester.test", "/api/v1/invoices"},
		{"approver@manchester.test", "/api/v1/approvals"},
		{"coordinator@swcu.test", "/api/v1/secure/waiting"},
		{"admin@consortium.test", "/api/v1/users"},
		{"admin@consortium.test", "/api/v1/vacancies"},
	}
	browsers, tokens := map[string]*browser{}, map[string]string{}
	for _, l := range lists {
		t.Run(strings.TrimPrefix(l.path, "/")+"-"+strings.Split(l.email, "@")[0], func(t *testing.T) {
			if isAPI(l.path) {
				tok, ok := tokens[l.email]
				if !ok {
					tok = h.token(l.email)
					tokens[l.email] = tok
				}
				if status, _ := h.api(http.MethodGet, l.path+"?per_page=201", tok, ""); status != http.StatusBadRequest {
					t.Fatalf("per_page=201: %d", status)
				}
				status, body := h.api(http.MethodGet, l.path, tok, "")
				if status != http.StatusOK || body["per_page"] != float64(defaultPerPage) || body["page"] != float64(1) || body["total"] == nil {
					t.Fatalf("default page: %d %v", status, body)
				}
				return
			}
			b, ok := browsers[l.email]
			if !ok {
				b = h.signIn(l.email)
				browsers[l.email] = b
			}
			if r := b.get(l.path + "?per_page=201"); r.Status != http.StatusBadRequest {
				t.Fatalf("per_page=201: %d", r.Status)
			}
			if r := b.get(l.path + "?per_page=200&page=2"); r.Status != http.StatusOK {
				t.Fatalf("per_page=200: %d", r.Status)
			}
		})
	}
	t.Run("HTMLLinks", func(t *testing.T) {
		b := h.signIn("admin@providerx.test")
		r := b.get("/homes?per_page=2")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `href="/homes?page=2&amp;per_page=2"`) || strings.Contains(r.Body, `rel="prev"`) {
			t.Fatalf("page 1: %d\n%s", r.Status, r.Body)
		}
		r = b.get("/homes?per_page=2&page=2")
		if !strings.Contains(r.Body, `rel="prev"`) || strings.Contains(r.Body, `rel="next"`) || !strings.Contains(r.Body, "Page 2 of 2") {
			t.Fatalf("page 2: %d\n%s", r.Status, r.Body)
		}
	})
	t.Run("APINext", func(t *testing.T) {
		tok := h.token("admin@providerx.test")
		_, body := h.api(http.MethodGet, "/api/v1/homes?per_page=2", tok, "")
		homes, _ := body["homes"].([]any)
		if len(homes) != 2 || body["total"] != float64(3) || body["next"] != "/api/v1/homes?page=2&per_page=2" {
			t.Fatalf("page 1: %v", body)
		}
		_, body = h.api(http.MethodGet, "/api/v1/homes?page=2&per_page=2", tok, "")
		homes, _ = body["homes"].([]any)
		if _, more := body["next"]; len(homes) != 1 || more {
			t.Fatalf("page 2: %v", body)
		}
		_, body = h.api(http.MethodGet, "/api/v1/users?per_page=1", h.token("admin@consortium.test"), "")
		if users, _ := body["users"].([]any); len(users) != 1 || body["total"].(float64) < 2 {
			t.Fatalf("users: %v", body)
		}
	})
}

// TestShutdownEndsLiveStreams: a graceful shutdown ends the open live-update streams
// (their pages reconnect, to another replica) instead of waiting out its timeout for
// them, so Run returns without error.
func TestShutdownEndsLiveStreams(t *testing.T) {
	h := newHarness(t)
	h.s.WaitLive()
	b := h.signIn("commissioner@manchester.test")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- h.s.Run(ctx, addr) }()
	var res *http.Response
	for range 100 { // until Run listens
		if res, err = b.c.Get("http://" + addr + "/board/events"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	must(t, err)
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", res.StatusCode)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if _, err := io.ReadAll(res.Body); err != nil {
		t.Errorf("the stream did not end cleanly: %v", err)
	}
}
