package frontend

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"
)

// Each file's references to other assets carry the other file's fingerprint, and its own
// hash is taken after that, so changing a font changes the stylesheet's address too.
func TestBuildAssetsFingerprintsReferences(t *testing.T) {
	fsys := fstest.MapFS{
		"govuk/assets/fonts/a.woff2": {Data: []byte("font")},
		"govuk/frontend.css":         {Data: []byte("@font-face{src:url(/assets/fonts/a.woff2)}")},
		"govuk/frontend.js":          {Data: []byte("export const x = 1")},
		"init.js":                    {Data: []byte("import { x } from '/static/govuk/frontend.js';")},
	}
	got := buildAssets(fsys)
	font, css, js, init := got["/assets/fonts/a.woff2"], got["/static/govuk/frontend.css"], got["/static/govuk/frontend.js"], got["/static/init.js"]
	for name, a := range map[string]*asset{"font": font, "css": css, "js": js, "init": init} {
		if a == nil {
			t.Fatalf("%s missing from %v", name, got)
		}
	}
	if got["/static/govuk/assets/fonts/a.woff2"] != font {
		t.Errorf("the font is not also served under /static/")
	}
	if want := "url(/assets/fonts/a.woff2?v=" + font.hash + ")"; !strings.Contains(string(css.body), want) {
		t.Errorf("css %q lacks %q", css.body, want)
	}
	if want := "'/static/govuk/frontend.js?v=" + js.hash + "'"; !strings.Contains(string(init.body), want) {
		t.Errorf("init.js %q lacks %q", init.body, want)
	}
	if font.text || !css.text || len(css.hash) != 12 {
		t.Errorf("font text %v, css text %v, hash %q", font.text, css.text, css.hash)
	}
}

func TestAcceptsEncoding(t *testing.T) {
	for _, tt := range []struct {
		header, enc string
		want        bool
	}{
		{"gzip, deflate, br, zstd", "br", true},
		{"gzip, deflate, br, zstd", "gzip", true},
		{"gzip;q=1.0, br;q=0", "br", false},
		{"GZIP", "gzip", true},
		{"", "gzip", false},
		{"brotli", "br", false},
	} {
		if got := acceptsEncoding(tt.header, tt.enc); got != tt.want {
			t.Errorf("acceptsEncoding(%q, %q) = %v", tt.header, tt.enc, got)
		}
	}
}

// The embedded assets go out compressed when they are text, never double-compressed by
// the gzip middleware, cached for a year under their fingerprinted address, and the
// stylesheet's fonts and images resolve.
func TestAssetsServedCompressedAndImmutable(t *testing.T) {
	e := echo.New()
	e.Use(gzipMiddleware())
	e.GET(staticPrefix+"*", assetHandler)
	e.GET(govukPrefix+"*", assetHandler)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	get := func(path string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		tr := &http.Transport{DisableCompression: true}
		res, err := (&http.Client{Transport: tr}).Do(req)
		must(t, err)
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res, raw
	}
	decode := func(enc string, raw []byte) []byte {
		t.Helper()
		var r io.Reader = bytes.NewReader(raw)
		switch enc {
		case "br":
			r = brotli.NewReader(r)
		case "gzip":
			zr, err := gzip.NewReader(r)
			must(t, err)
			r = zr
		}
		out, err := io.ReadAll(r)
		must(t, err)
		return out
	}
	css := assetURL("/static/govuk/govuk-frontend.min.css")
	if !strings.Contains(css, "?v=") {
		t.Fatalf("no fingerprint: %s", css)
	}
	for _, tt := range []struct {
		name, path, accept, wantEnc, wantCache string
	}{
		{"brotli", css, "gzip, deflate, br", "br", "public, max-age=31536000, immutable"},
		{"gzip", css, "gzip", "gzip", "public, max-age=31536000, immutable"},
		{"gzip cross-site", css, "gzip", "gzip", "public, max-age=31536000, immutable"},
		{"identity", css, "", "", "public, max-age=31536000, immutable"},
		{"stale fingerprint", "/static/govuk/govuk-frontend.min.css?v=0", "br", "br", "public, max-age=3600"},
		{"no fingerprint", "/static/hearth.css", "gzip", "gzip", "public, max-age=3600"},
		{"own js", assetURL("/static/init.js"), "br", "br", "public, max-age=31536000, immutable"},
		{"font as it is", assetURL("/assets/fonts/bold-b542beb274-v2.woff2"), "gzip, br", "", "public, max-age=31536000, immutable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hdr := []string{"Accept-Encoding", tt.accept}
			if tt.name == "gzip cross-site" {
				hdr = append(hdr, "Sec-Fetch-Site", "cross-site")
			}
			res, raw := get(tt.path, hdr...)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != tt.wantEnc || res.Header.Get("Cache-Control") != tt.wantCache {
				t.Fatalf("%d, Content-Encoding %q, Cache-Control %q", res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Cache-Control"))
			}
			path, _, _ := strings.Cut(tt.path, "?")
			if body := decode(tt.wantEnc, raw); !bytes.Equal(body, assets()[path].body) {
				t.Fatalf("body of %d bytes differs from the asset's %d", len(body), len(assets()[path].body))
			}
			if res2, _ := get(tt.path, append(hdr, "If-None-Match", res.Header.Get("ETag"))...); res2.StatusCode != http.StatusNotModified {
				t.Errorf("revalidation: %d", res2.StatusCode)
			}
		})
	}
	for _, p := range []string{"/static/", "/static/govuk/", "/static/nope.css", "/assets/../server.go"} {
		if res, _ := get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
	// Every url() in GOV.UK Frontend's stylesheet names an asset, with its fingerprint.
	_, raw := get(css)
	urls := regexp.MustCompile(`url\(([^)]+)\)`).FindAllStringSubmatch(string(raw), -1)
	if len(urls) == 0 {
		t.Fatal("no url() in the stylesheet")
	}
	for _, m := range urls {
		if strings.HasPrefix(m[1], "data:") {
			continue
		}
		if res, _ := get(m[1]); res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: %d, %q", m[1], res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
}

// Pages name every script, stylesheet and icon by its fingerprinted address.
func TestPagesUseFingerprintedAssets(t *testing.T) {
	h := newHarness(t)
	r := h.browser().get("/sign-in")
	refs := regexp.MustCompile(`(?:src|href)="(/(?:static|assets)/[^"]*)"`).FindAllStringSubmatch(r.Body, -1)
	if len(refs) < 4 {
		t.Fatalf("%d asset references on the sign-in page", len(refs))
	}
	for _, m := range refs {
		path, v, _ := strings.Cut(m[1], "?v=")
		if a := assets()[path]; a == nil || v != a.hash {
			t.Errorf("%s is not fingerprinted", m[1])
		}
	}
}
