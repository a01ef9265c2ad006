package frontend

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/labstack/echo/v4"
)

// An asset is one embedded static file as it is served: its bytes, with every reference
// to another asset fingerprinted, the hash of those bytes, and (for text) compressed
// copies made once, on first request, at the best ratio.
type asset struct {
	body  []byte
	hash  string
	ctype string
	text  bool // worth compressing (fonts and images are already compressed)

	once   sync.Once
	gz, br []byte
}

// Assets are served under /static/ (Hearth's files and GOV.UK Frontend's CSS and JS) and
// /assets/ (GOV.UK Frontend's fonts and images, which its stylesheet loads from there).
const (
	staticPrefix = "/static/"
	govukPrefix  = "/assets/"
	govukDir     = "govuk/assets/"
)

// assets maps each asset's URL path to it, built once from the embedded files.
var assets = sync.OnceValue(func() map[string]*asset { return buildAssets(staticFiles()) })

// buildAssets reads every file in fsys: fonts and images first, then GOV.UK Frontend's
// CSS and JS (whose url()s name the fonts), then Hearth's own files (which import GOV.UK
// Frontend's JS), so each file's references are fingerprinted before its own hash is taken.
func buildAssets(fsys fs.FS) map[string]*asset {
	var files []string
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	rank := func(p string) int {
		switch {
		case !isText(p):
			return 0
		case strings.HasPrefix(p, "govuk/"):
			return 1
		}
		return 2
	}
	sort.SliceStable(files, func(i, j int) bool { return rank(files[i]) < rank(files[j]) })
	out := map[string]*asset{}
	var refs []string // old, new pairs for strings.NewReplacer
	for _, p := range files {
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			continue
		}
		if isText(p) && len(refs) > 0 {
			body = []byte(strings.NewReplacer(refs...).Replace(string(body)))
		}
		sum := sha256.Sum256(body)
		a := &asset{body: body, hash: hex.EncodeToString(sum[:6]), ctype: contentType(p), text: isText(p)}
		urls := []string{staticPrefix + p}
		if rest, ok := strings.CutPrefix(p, govukDir); ok {
			urls = append(urls, govukPrefix+rest)
		}
		for _, u := range urls {
			out[u] = a
			// A reference ends at a quote or a closing parenthesis (url(...), import '...').
			for _, end := range []string{")", "'", `"`} {
				refs = append(refs, u+end, u+"?v="+a.hash+end)
			}
		}
	}
	return out
}

func isText(p string) bool {
	switch path.Ext(p) {
	case ".css", ".js", ".mjs", ".svg", ".json", ".html", ".txt", ".ico":
		return true
	}
	return false
}

func contentType(p string) string {
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// assetURL is the fingerprinted address of the asset at p ("/static/hearth.css" is
// "/static/hearth.css?v=3f2a…"): pages name every asset through it (the template func
// "asset"), so a changed file gets a new address and browsers may keep each one for a year.
func assetURL(p string) string {
	if a, ok := assets()[p]; ok {
		return p + "?v=" + a.hash
	}
	return p
}

// encodings makes the compressed copies once.
func (a *asset) encodings() (gz, br []byte) {
	a.once.Do(func() {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = zw.Write(a.body)
		_ = zw.Close()
		a.gz = bytes.Clone(b.Bytes())
		b.Reset()
		bw := brotli.NewWriterLevel(&b, brotli.BestCompression)
		_, _ = bw.Write(a.body)
		_ = bw.Close()
		a.br = bytes.Clone(b.Bytes())
	})
	return a.gz, a.br
}

// acceptsEncoding reports whether an Accept-Encoding header allows enc (a q of 0 refuses it).
func acceptsEncoding(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), enc) {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// assetHandler serves the embedded assets, brotli- or gzip-compressed when the browser
// takes it (the gzip middleware skips these paths: see skipGzip). A request naming the
// asset's current fingerprint is cached for a year as immutable; any other for an hour.
func assetHandler(c echo.Context) error {
	r := c.Request()
	a, ok := assets()[r.URL.Path]
	if !ok {
		return echo.ErrNotFound // nor directory listings
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, a.ctype)
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=3600")
	}
	body, tag := a.body, a.hash
	if a.text {
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
		gz, br := a.encodings()
		ae := r.Header.Get(echo.HeaderAcceptEncoding)
		switch {
		case acceptsEncoding(ae, "br"):
			body, tag = br, a.hash+"-br"
			h.Set(echo.HeaderContentEncoding, "br")
		case acceptsEncoding(ae, "gzip"):
			body, tag = gz, a.hash+"-gz"
			h.Set(echo.HeaderContentEncoding, "gzip")
		}
	}
	h.Set("ETag", `"`+tag+`"`)
	http.ServeContent(c.Response(), r, "", time.Time{}, bytes.NewReader(body))
	return nil
}
