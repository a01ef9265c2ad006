package frontend

import (
	"compress/gzip"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// gzipMiddleware compresses pages and API responses of 1 KB or more (see skipGzip), at
// the fastest level: JSON and HTML shrink almost as much as at level 5 for half the CPU,
// which a busy replica needs more than the last few per cent of bytes.
func gzipMiddleware() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{Level: gzip.BestSpeed, MinLength: 1024, Skipper: skipGzip})
}

// skipGzip says which responses the gzip middleware leaves alone:
//   - the static assets, which assetHandler serves already compressed (brotli or gzip at
//     the best ratio, made once) or, for fonts and images, as they are;
//   - live event streams (/board/events, /secure/events), which must reach the browser
//     event by event;
//   - pages a browser fetches for another site (Sec-Fetch-Site: cross-site or same-site).
//     Compressing a page that holds a secret (the CSRF token) beside text an attacker
//     chose (a reflected filter) would let the attacker guess the secret from response
//     sizes (BREACH); Hearth's own pages, typed addresses and API clients are
//     compressed.
func skipGzip(c echo.Context) bool {
	r := c.Request()
	if strings.HasPrefix(r.URL.Path, staticPrefix) || strings.HasPrefix(r.URL.Path, govukPrefix) {
		return true
	}
	if strings.HasSuffix(r.URL.Path, "/events") || strings.Contains(r.Header.Get(echo.HeaderAccept), "text/event-stream") {
		return true
	}
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return false
	}
	return true
}
