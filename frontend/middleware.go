package frontend

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// securityHeaders forbids framing, sniffing, referrers and any request to another
// site: every script, style, font and image is served by Hearth itself. No response
// may be stored by a browser or proxy cache (ASVS V8.2.1) unless its handler says so,
// as the static files do. HSTS is sent whenever Hearth is reached over https, which
// behind a TLS-terminating proxy only the configured base URL tells.
func securityHeaders(https bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
			h.Set(echo.HeaderCacheControl, "no-store")
			if https || c.Request().TLS != nil {
				h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
			}
			return next(c)
		}
	}
}

// ipExtractor is how Hearth finds a client's address for the sign-in throttle, the
// audit log and request logs (ASVS V7.1.x): the peer's own address, unless the peer is
// one of the trusted proxies, whose X-Forwarded-For is then believed as far back as
// it runs through trusted proxies. No address is trusted by default, not even loopback
// or private networks.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// recoverPanics turns a panic into a logged 500 with the request ID, never a trace.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				slog.ErrorContext(c.Request().Context(), "panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()),
					"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
				err = echo.NewHTTPError(http.StatusInternalServerError)
			}
		}()
		return next(c)
	}
}

// observe handles any error, then writes one structured log line per request and
// records its metrics.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		s.metrics.observe(c, time.Since(start))
		// The route, never the path or query: those can hold reset tokens and other
		// secrets (ASVS V7.1.1).
		attrs := []any{"method", c.Request().Method, "route", routeOf(c),
			"status", c.Response().Status, "duration_ms", time.Since(start).Milliseconds(),
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "ip", c.RealIP()}
		if u, ok := currentUser(c); ok {
			attrs = append(attrs, "user_id", u.ID)
		}
		slog.InfoContext(c.Request().Context(), "request", attrs...)
		return nil
	}
}

// routeOf is the request's route pattern, like /password/reset/:token, for logs.
func routeOf(c echo.Context) string {
	if r := c.Path(); r != "" {
		return r
	}
	return "unmatched"
}

// metrics are Prometheus counters and histograms of HTTP traffic by route.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hearth_http_requests_total", Help: "HTTP requests by route and status."},
			[]string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hearth_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.002, .005, .01, .02, .05, .1, .25, .5, 1, 2.5}}, []string{"method", "route"}),
	}
	m.reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observe(c echo.Context, d time.Duration) {
	route := routeOf(c)
	m.requests.WithLabelValues(c.Request().Method, route, strconv.Itoa(c.Response().Status)).Inc()
	m.duration.WithLabelValues(c.Request().Method, route).Observe(d.Seconds())
}
