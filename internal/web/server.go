// Package web is dco's HTTP face: the NHS.UK-styled pages, the JSON API,
// sessions, CSRF protection, access control and the mapping of coded errors
// to responses. Every route, with the roles that may use it, is listed once
// in routes.go; one middleware chain decides access for all of them, and the
// store repeats the decision in SQL for every child record (defence in depth).
package web

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"dco/internal/auth"
	"dco/internal/send"
	"dco/internal/store"
)

// Options is what the web service needs from the outside world. cmd/dco
// fills it from configuration; tests fill it with a test store and clock.
type Options struct {
	Store *store.Store
	Log   *slog.Logger
	// Now is the clock; tests move it to expire sessions.
	Now func() time.Time
	// Calendar returns the working-day calendar for deadline pages: the
	// embedded gov.uk bank holidays with those imported into Store. It is
	// called on every request that shows a deadline, so it must be cheap
	// and must not open a store of its own: dco serve passes one read once
	// from Store and re-read at most once a minute. Nil means the embedded
	// bank holidays alone.
	Calendar func(ctx context.Context) (*send.Calendar, error)
	// SecureCookies is set when the service is reached over TLS: cookies
	// get Secure and the __Host- prefix, and responses carry HSTS.
	SecureCookies bool
	// SessionIdle ends a session nobody has used for this long (default 30
	// minutes, OWASP ASVS 5.0 V7.3.1).
	SessionIdle time.Duration
	// SessionAbsolute ends every session this long after sign-in (default 12
	// hours), however busy it has been.
	SessionAbsolute time.Duration
	// Demo shows a phase banner saying the data are synthetic.
	Demo bool
	// Workflows are the workflows the service runs, each wired in by one
	// line in internal/workflows: their routes, pages, navigation and
	// what they add to the home and child pages (kit.go).
	Workflows []Workflow
}

// Server holds the parsed templates, assets and sign-in throttle that the
// handlers share. It is built once by NewServer.
type Server struct {
	store    *store.Store
	log      *slog.Logger
	now      func() time.Time
	calendar func(ctx context.Context) (*send.Calendar, error)
	opts     Options

	pages    map[string]*template.Template
	assets   *assetSet
	throttle *auth.SignInThrottle
	cop      *http.CrossOriginProtection
	mux      *http.ServeMux
	handler  http.Handler

	// routes are routes.go's table with every workflow's routes added;
	// workflows are the workflows' parts (kit.go).
	routes    []route
	workflows []Parts

	sessionCookie string
	csrfCookie    string
	flashCookie   string
}

// NewServer returns the whole web service as one handler: pages, API,
// static files, health checks.
func NewServer(opts Options) (http.Handler, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	return s.handler, nil
}

func newServer(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("web: a store is required")
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 30 * time.Minute
	}
	if opts.SessionAbsolute <= 0 {
		opts.SessionAbsolute = 12 * time.Hour
	}
	s := &Server{
		store:    opts.Store,
		log:      opts.Log,
		now:      opts.Now,
		calendar: opts.Calendar,
		opts:     opts,
		throttle: auth.NewSignInThrottle(),
		cop:      http.NewCrossOriginProtection(),
	}
	// The __Host- prefix makes the browser refuse the cookie unless it is
	// Secure, has Path=/ and no Domain, so a sibling subdomain cannot plant
	// or overwrite it. It is only possible over TLS.
	prefix := "dco_"
	if opts.SecureCookies {
		prefix = "__Host-dco_"
	}
	s.sessionCookie = prefix + "session"
	s.csrfCookie = prefix + "signin"
	s.flashCookie = prefix + "flash"

	s.assets = loadAssets(opts.Log)
	s.addWorkflows(opts.Workflows)
	pages, err := parsePages(s.templateFuncs(), s.workflows)
	if err != nil {
		return nil, err
	}
	s.pages = pages

	s.mux = http.NewServeMux()
	for _, rt := range s.routes {
		s.mux.Handle(rt.pattern, s.guard(rt))
	}
	s.handler = s.requestID(s.logRequests(s.recoverPanics(s.securityHeaders(http.HandlerFunc(s.dispatch)))))
	return s, nil
}
