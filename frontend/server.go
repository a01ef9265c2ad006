// Package frontend is Hearth's web layer: server-rendered GOV.UK pages, the JSON API
// under /api/v1, sessions, CSRF protection and the authorisation policy every route
// declares. Handlers are thin: they bind and validate input, call a domain service
// and render the result.
package frontend

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hearth-placements/hearth/commissioning"
	"github.com/hearth-placements/hearth/commissioning/intelligence"
	"github.com/hearth-placements/hearth/commissioning/kernel"
	"github.com/hearth-placements/hearth/commissioning/kernel/audit"
	"github.com/hearth-placements/hearth/commissioning/kernel/notify"
	"github.com/hearth-placements/hearth/commissioning/kernel/webhook"
	"github.com/hearth-placements/hearth/commissioning/monitoring"
	"github.com/hearth-placements/hearth/commissioning/police"
	"github.com/hearth-placements/hearth/commissioning/secure"
	"github.com/hearth-placements/hearth/commissioning/simulate"
	"github.com/hearth-placements/hearth/frontend/auth"
	"github.com/hearth-placements/hearth/marketplace"
	"github.com/hearth-placements/hearth/marketplace/billing"
	"github.com/hearth-placements/hearth/migrations"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is the web layer's part of Hearth's configuration.
type Config struct {
	// BaseURL is where users reach Hearth, used in emailed links. An https:// URL
	// also marks cookies Secure.
	BaseURL string
	// SMTPConfigured says whether email is delivered (otherwise kept in the outbox).
	SMTPConfigured bool
	// SessionIdle and SessionLifetime end sessions after inactivity and absolutely.
	SessionIdle, SessionLifetime time.Duration
	// ReportAt is when the daily secure welfare report goes out (after midnight).
	ReportAt time.Duration
	// TrustedProxies are the address ranges of reverse proxies whose X-Forwarded-For
	// is believed; none by default, when the peer's own address is the client's.
	TrustedProxies []*net.IPNet
}

// Deps are the services the web layer calls, each fully built (with its mail) by the
// caller; every one is required.
type Deps struct {
	DB   *migrations.DB
	Orgs *commissioning.Service
	// Requests is the store of placement requests and their drafts.
	Requests *marketplace.Requests
	// Inbox reads organisations' notices and acknowledges host notices.
	Inbox  *notify.Inbox
	Users  *auth.Service
	Audit  *audit.Log
	Outbox *notify.Outbox
	Market *marketplace.Service
	// Frameworks is commissioning's frameworks, providers' sign-up and admissions.
	Frameworks *commissioning.Frameworks
	Secure     *secure.Service
	Billing    *billing.Service
	// Intelligence is the consortium's regional picture (commissioning/intelligence).
	Intelligence *intelligence.Service
	// Monitoring is councils' monitoring visits and Ofsted-fall alerts.
	Monitoring *monitoring.Service
	// Police is what a police force's liaison officers see (commissioning/police).
	Police *police.Service
	// Simulations is the outcomes simulator's runs (issue 17).
	Simulations *simulate.Runs
	// Webhooks is the organisations' webhook endpoints and their delivery logs.
	Webhooks *webhook.Service
	// Clock is the one clock that the services were given too (see kernel.Clock);
	// the system clock if nil.
	Clock kernel.Clock
}

// check refuses Deps with a service missing: New fills nothing in, so that cmd/hearth
// is the one place where services are built and wired (their mail included).
func (d Deps) check() error {
	missing := []string{}
	for name, absent := range map[string]bool{"DB": d.DB == nil, "Orgs": d.Orgs == nil, "Requests": d.Requests == nil, "Inbox": d.Inbox == nil, "Users": d.Users == nil, "Audit": d.Audit == nil,
		"Outbox": d.Outbox == nil, "Market": d.Market == nil, "Frameworks": d.Frameworks == nil, "Secure": d.Secure == nil, "Billing": d.Billing == nil,
		"Intelligence": d.Intelligence == nil, "Monitoring": d.Monitoring == nil, "Police": d.Police == nil, "Simulations": d.Simulations == nil, "Webhooks": d.Webhooks == nil} {
		if absent {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("frontend.New: missing dependencies %s", strings.Join(missing, ", "))
	}
	return nil
}

// Server is Hearth's HTTP server.
type Server struct {
	cfg       Config
	deps      Deps
	e         *echo.Echo
	sessions  *scs.SessionManager
	store     *pgxstore.PostgresStore
	views     *views
	validate  *validator.Validate
	policies  map[string]Policy
	metrics   *metrics
	hub       *hub // vacancy changes
	secureHub *hub // secure beds and referrals
	streams   streamCounts
	stopHub   context.CancelFunc
	closeOnce sync.Once
}

// New builds the server and registers every route.
func New(cfg Config, deps Deps) (*Server, error) {
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if deps.Clock == nil {
		deps.Clock = kernel.SystemClock
	}
	if cfg.SessionLifetime == 0 {
		cfg.SessionLifetime = 12 * time.Hour
	}
	v, err := loadViews(templateFS)
	if err != nil {
		return nil, err
	}
	if err := deps.check(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, deps: deps, e: echo.New(), views: v, validate: newValidator(), policies: map[string]Policy{}, metrics: newMetrics()}
	// No cleanup goroutine (interval 0): it raced with StopCleanup (alexedwards/scs#231).
	// The serve command deletes expired sessions in its periodic worker instead.
	s.store = pgxstore.NewWithCleanupInterval(deps.DB.Pool, 0)
	s.hub = newHub(deps.DB.Pool, "vacancy_changed")
	s.secureHub = newHub(deps.DB.Pool, "secure_changed")
	var hubCtx context.Context
	hubCtx, s.stopHub = context.WithCancel(context.Background())
	go s.hub.run(hubCtx)
	go s.secureHub.run(hubCtx)
	s.sessions = scs.New()
	// Sessions are stored under the SHA-256 of their token, never the token itself.
	s.sessions.Store = auth.HashedStore{Store: s.store}
	s.sessions.IdleTimeout = cfg.SessionIdle
	s.sessions.Lifetime = cfg.SessionLifetime
	s.sessions.Cookie.Name = "hearth_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = secureCookies(cfg.BaseURL)
	s.sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		slog.ErrorContext(r.Context(), "session", "err", err)
		http.Error(w, "Sorry, there is a problem with the service.", http.StatusInternalServerError)
	}

	e := s.e
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{TargetHeader: echo.HeaderXRequestID}))
	e.Use(s.observe, s.recoverPanics, securityHeaders(secureCookies(cfg.BaseURL)))
	e.Use(gzipMiddleware())
	// Sessions load first so that every error page, even for a refused body, can render.
	e.Use(echo.WrapMiddleware(s.sessions.LoadAndSave))
	e.Use(formLimit) // an ordinary form over the limit is cut, not refused: see formLimit
	e.Use(middleware.BodyLimit("2M"))
	e.Use(cleanText)
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		CookieName:     "hearth_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   secureCookies(cfg.BaseURL),
		CookieSameSite: http.SameSiteLaxMode,
		// The JSON API authenticates with bearer tokens, not cookies, so it is not
		// exposed to cross-site request forgery.
		// Stripe's webhooks are verified by their signature instead.
		Skipper: func(c echo.Context) bool {
			return isAPI(c.Request().URL.Path) || c.Request().URL.Path == "/stripe/webhook"
		},
		ErrorHandler: func(err error, c echo.Context) error {
			return echo.NewHTTPError(http.StatusForbidden, "Your form expired or was sent from another website. Go back, reload the page and try again.")
		},
	}))
	s.routes()
	return s, nil
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.e }

// MetricsHandler serves the Prometheus metrics, which are kept off the main
// listener (ASVS V14.3.x): serve it on an address only operators can reach.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// RegisterMetrics adds collectors from outside the web layer (the job queue's) to
// those MetricsHandler serves.
func (s *Server) RegisterMetrics(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := s.metrics.reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Close stops background work: the live-update listener
// (which holds a database connection until then). It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.stopHub()
		<-s.hub.done
		<-s.secureHub.done
	})
}

// WaitLive blocks until the live-update listeners are listening (for tests).
func (s *Server) WaitLive() {
	<-s.hub.ready
	<-s.secureHub.ready
}

// Run serves on addr until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context, addr string) error {
	srv := &http.Server{Addr: addr, Handler: s.e, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second}
	// Live-update streams never end by themselves: end them as shutdown begins, so that
	// it need not wait for them (their pages reconnect, to another replica).
	srv.RegisterOnShutdown(s.stopHub)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func secureCookies(baseURL string) bool {
	return len(baseURL) >= 8 && baseURL[:8] == "https://"
}

func staticFiles() fs.FS {
	sub, _ := fs.Sub(staticFS, "static")
	return sub
}
