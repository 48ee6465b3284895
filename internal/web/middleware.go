package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"dco/internal/errs"
	"dco/internal/store"
)

// maxBody is the largest request body accepted, form or JSON. Nothing dco
// takes over HTTP comes near it; file imports go through the CLI.
const maxBody = 1 << 20

// routeBodyLimits raises maxBody for the few routes that take an upload,
// by route pattern; a feature's file adds its own.
var routeBodyLimits = map[string]int64{}

// reqState is what the middleware learns about a request, carried in its
// context for the handlers, the error pages and the access log line.
type reqState struct {
	id      string
	pattern string // the route pattern, logged instead of the path
	api     bool
	user    *store.User
	session *store.Session
	status  int
	flash   string // a banner set during this request
}

type ctxKey struct{}

// state returns the request's state; every request passing through
// requestID has one.
func state(r *http.Request) *reqState {
	if st, ok := r.Context().Value(ctxKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

// actor is the signed-in user as the store's scope for case data.
func (st *reqState) actor(r *http.Request) store.Actor {
	if st.user == nil {
		return store.Actor{Addr: clientAddr(r)}
	}
	u := st.user
	return store.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID, LAID: u.LAID, Addr: clientAddr(r)}
}

// clientAddr is the address the connection came from. dco does not trust
// X-Forwarded-For: a proxy in front must be configured to pass the real
// address as the connection address, or throttling is per proxy.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// requestID gives every request an id, returned in X-Request-Id and logged
// with every line about it, so that a user quoting it from an error page
// can be matched to the log without the log holding anything personal.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		st := &reqState{id: hex.EncodeToString(b), api: isAPIPath(r.URL.Path)}
		w.Header().Set("X-Request-Id", st.id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, st)))
	})
}

// statusWriter remembers the status code for the access log.
type statusWriter struct {
	http.ResponseWriter
	st *reqState
}

func (w *statusWriter) WriteHeader(code int) {
	if w.st.status == 0 {
		w.st.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.st.status == 0 {
		w.st.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one line per request. It logs the route pattern, never
// the path or query: a query holds search terms (names, NHS numbers).
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := state(r)
		next.ServeHTTP(&statusWriter{ResponseWriter: w, st: st}, r)
		var uid int64
		if st.user != nil {
			uid = st.user.ID
		}
		pattern := st.pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		s.log.Info("request", "id", st.id, "method", r.Method, "route", pattern,
			"status", st.status, "user", uid, "ms", time.Since(start).Milliseconds())
	})
}

// recoverPanics turns a panic in a handler into the 500 page. The stack goes
// to the log with the request id; the person sees neither.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic", "id", state(r).id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			s.renderError(w, r, http.StatusInternalServerError)
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows only our own scripts, styles and images: no
// inline script or style anywhere, so injected markup cannot run.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// securityHeaders sets the headers every response carries. Cache-Control
// is no-store by default because almost every page shows a child's
// record or could; the static-file handlers override it for their files.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		// same-origin rather than no-referrer: under no-referrer a browser
		// sends "Origin: null" on form posts, which the cross-origin check
		// would refuse from browsers without Sec-Fetch-Site.
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cache-Control", "no-store")
		if s.opts.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// captureWriter records what ServeMux's own not-found, method-not-allowed
// and redirect handlers would send, so that dispatch can answer with our
// pages instead of its plain text.
type captureWriter struct {
	header http.Header
	status int
}

func (c *captureWriter) Header() http.Header         { return c.header }
func (c *captureWriter) Write(b []byte) (int, error) { return len(b), nil }
func (c *captureWriter) WriteHeader(code int)        { c.status = code }

// dispatch hands a request to its route, or answers an unmatched one with
// the styled 404 or 405 page.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// Who is asking decides only the header drawn round the error page;
	// a failure to find out is no reason not to answer.
	if !state(r).api {
		_ = s.identifySession(w, r)
	}
	c := &captureWriter{header: http.Header{}}
	h.ServeHTTP(c, r)
	switch c.status {
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", c.header.Get("Allow"))
		s.renderError(w, r, http.StatusMethodNotAllowed)
	case http.StatusMovedPermanently, http.StatusPermanentRedirect, http.StatusTemporaryRedirect, http.StatusFound:
		// The mux cleans paths ("/children/" → "/children"); keep only a
		// local target.
		if loc := c.header.Get("Location"); localPath(loc) {
			http.Redirect(w, r, loc, c.status)
			return
		}
		s.notFound(w, r)
	default:
		s.notFound(w, r)
	}
}

// guard is the one access decision for every route: who the caller is
// (session cookie for pages, bearer token for the API), whether their role
// may use the route, and, for anything that changes state, the cross-origin
// check and the CSRF token.
func (s *Server) guard(rt route) http.Handler {
	_, path, _ := strings.Cut(rt.pattern, " ")
	api := isAPIPath(path)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		st.pattern, st.api = rt.pattern, api
		limit := int64(maxBody)
		if n, ok := s.bodyLimit(rt.pattern); ok {
			limit = n
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		unsafe := !(r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions)

		if unsafe {
			if err := s.cop.Check(r); err != nil {
				s.refuse(w, r, "cross-origin request")
				return
			}
		}
		if !rt.policy.public {
			if err := s.identify(w, r); err != nil {
				s.fail(w, r, err)
				return
			}
			if st.user == nil {
				s.fail(w, r, errs.E(errs.Unauthorized, "Sign in to use this service"))
				return
			}
			// A password an administrator typed works once: until its owner
			// has chosen their own, every page is the one to choose it.
			// API tokens are issued on the command line, and left alone.
			if !api && st.user.MustChangePassword && !passwordPaths[rt.pattern] {
				http.Redirect(w, r, "/account/password", http.StatusSeeOther)
				return
			}
			if !rt.policy.permits(st.user.Role) {
				s.refuse(w, r, "role not allowed on route")
				return
			}
		}
		// The form is read here, once, so that a body over the limit is
		// answered 413 rather than as a missing CSRF token.
		if unsafe && !api {
			if err := readForm(r); bodyTooLarge(err) {
				s.renderTooLarge(w, r, limit)
				return
			} else if err != nil {
				s.fail(w, r, malformed("The form could not be read. Go back and try again.", nil))
				return
			}
		}
		// The API is exempt from the form token: it never reads a cookie,
		// so a browser cannot be tricked into sending its credentials.
		if unsafe && !api && !s.checkCSRF(r) {
			s.refuse(w, r, "missing or wrong csrf token")
			return
		}
		if s.refuseNotUTF8(w, r) {
			return
		}
		rt.handler(s, w, r)
	})
}

// checkCSRF compares the form's csrf_token with the session's token, or,
// before sign-in, with the token in the sign-in cookie (a double-submit
// token: a cross-site form can neither read nor set it). The comparison is
// constant-time.
func (s *Server) checkCSRF(r *http.Request) bool {
	got := r.PostFormValue("csrf_token")
	if got == "" {
		return false
	}
	want := ""
	if st := state(r); st.session != nil {
		want = st.session.CSRFToken
	} else if c, err := r.Cookie(s.csrfCookie); err == nil {
		want = c.Value
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// identify finds the signed-in user: by bearer token on the API, by session
// cookie everywhere else. No user is not an error; a database failure is.
func (s *Server) identify(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	if st.api {
		return s.identifyBearer(r)
	}
	return s.identifySession(w, r)
}

// refuse answers 403, and records the refusal in the audit trail with the
// route pattern (never the path, which may hold an id of someone else's
// child: the pattern is enough to investigate).
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, reason string) {
	st := state(r)
	a := st.actor(r)
	entry := store.AuditEntry{
		At:      s.now().UTC(),
		UserID:  a.UserID,
		Email:   a.Email,
		Role:    a.Role,
		OrgID:   a.OrgID,
		Action:  "access.refused",
		Outcome: "refused",
		Detail:  reason + ": " + st.pattern,
	}
	if err := s.store.Audit(r.Context(), entry); err != nil {
		s.log.Error("audit refused request", "id", st.id, "err", err)
	}
	s.fail(w, r, errs.E(errs.Forbidden, "You do not have permission to do this"))
}

// localPath reports whether p is a path on this site, safe to redirect to:
// it must start with one slash and not name another host ("//evil",
// "/\evil").
func localPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return false
		}
	}
	return true
}
