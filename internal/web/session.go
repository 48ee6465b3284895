package web

import (
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"dco/internal/auth"
	"dco/internal/errs"
	"dco/internal/store"
)

// touchEvery is how stale a session's last-seen time may grow before a
// request writes the new time. Writing on every request would make every
// page view a database write; a minute is well inside the 30-minute idle
// limit.
const touchEvery = time.Minute

// identifySession loads the session named by the cookie, ending it when it
// has been idle too long, has reached its absolute lifetime, or belongs to a
// disabled user.
func (s *Server) identifySession(w http.ResponseWriter, r *http.Request) error {
	st := state(r)
	if st.user != nil {
		return nil
	}
	c, err := r.Cookie(s.sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	hash := auth.HashSecret(c.Value)
	sess, user, err := s.store.GetSession(r.Context(), hash)
	if errs.Is(err, errs.NotFound) {
		s.clearCookie(w, s.sessionCookie)
		return nil
	}
	if err != nil {
		return fmt.Errorf("load session: %w", err)
	}
	now := s.now()
	if user.Disabled || now.Sub(sess.CreatedAt) >= s.opts.SessionAbsolute || now.Sub(sess.LastSeenAt) >= s.opts.SessionIdle {
		if err := s.store.DeleteSession(r.Context(), hash); err != nil && !errs.Is(err, errs.NotFound) {
			return fmt.Errorf("end expired session: %w", err)
		}
		s.clearCookie(w, s.sessionCookie)
		s.setFlash(w, r, flashExpired)
		return nil
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(r.Context(), hash, now); err != nil {
			return fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeenAt = now
	}
	st.user, st.session = &user, &sess
	return nil
}

// identifyBearer finds the API client's user from an
// "Authorization: Bearer <token>" header. The store keeps only the token's
// SHA-256, so a copy of the database does not let anyone call the API.
func (s *Server) identifyBearer(r *http.Request) error {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil
	}
	user, err := s.store.UserByToken(r.Context(), auth.HashSecret(strings.TrimSpace(token)))
	if errs.Is(err, errs.NotFound) || errs.Is(err, errs.Unauthorized) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find token: %w", err)
	}
	if user.Disabled {
		return nil
	}
	state(r).user = &user
	return nil
}

// signInPage is the sign-in form.
type signInPage struct {
	page
	Email string
	Next  string
}

// signInFields is the order fields appear in, for the error summary.
var signInFields = []string{"email", "password"}

// signInForm shows the form, or sends a signed-in user on their way. The
// form's CSRF token lives in a short-lived cookie, since there is no session
// yet to hold it.
func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	if err := s.identifySession(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if state(r).user != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p := &signInPage{Next: next}
	p.CSRF = s.signInToken(w, r)
	s.render(w, r, http.StatusOK, "signin.html", p)
}

// signInToken returns the pre-session CSRF token, setting its cookie if the
// browser does not have one yet.
func (s *Server) signInToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.csrfCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	tok, _, err := auth.NewSecret()
	if err != nil {
		panic(err) // the system's random source failed; nothing can be safe
	}
	// A browser-session cookie, so that a sign-in page left open for a
	// while can still be submitted.
	http.SetCookie(w, s.cookie(s.csrfCookie, tok, 0))
	return tok
}

// failedSignIn is the one message for every wrong e-mail, wrong password or
// disabled account, so the form does not reveal who has an account.
const failedSignIn = "Enter a correct e-mail address and password"

// signIn checks the e-mail address and password. Attempts are throttled per
// account and address together, per account and per address
// (auth.SignInThrottle); throttling delays, it never locks, and the waits a
// guesser elsewhere can impose on the real user are capped at one minute.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	p := &signInPage{Email: email, Next: next}
	p.CSRF = s.signInToken(w, r)

	bad := map[string]string{}
	if email == "" {
		bad["email"] = "Enter your e-mail address"
	}
	if password == "" {
		bad["password"] = "Enter your password"
	}
	if len(bad) > 0 {
		p.setErrors(bad, signInFields, nil)
		s.render(w, r, http.StatusUnprocessableEntity, "signin.html", p)
		return
	}

	now := s.now()
	addr := clientAddr(r)
	if wait := s.throttle.Wait(email, addr, now); wait > 0 {
		s.auditSignIn(r, store.AuditEntry{Email: email, Action: "signin.failed", Outcome: store.OutcomeFailed, Detail: "throttled"})
		p.setErrors(map[string]string{"email": tooManyAttempts(wait)}, signInFields, nil)
		s.render(w, r, http.StatusTooManyRequests, "signin.html", p)
		return
	}

	user, err := s.store.GetUserByEmail(ctx, email)
	ok := false
	switch {
	case errs.Is(err, errs.NotFound):
		auth.CheckNoUser(password)
	case err != nil:
		s.fail(w, r, err)
		return
	default:
		ok, err = auth.CheckPassword(user.PasswordHash, password)
		if err != nil {
			s.log.Error("check password", "id", state(r).id, "user", user.ID, "err", err)
			ok = false
		}
		ok = ok && !user.Disabled
	}
	if !ok {
		s.throttle.Fail(email, addr, now)
		s.auditSignIn(r, store.AuditEntry{UserID: user.ID, Email: email, Role: user.Role, OrgID: user.OrgID,
			Action: "signin.failed", Outcome: store.OutcomeFailed})
		p.setErrors(map[string]string{"email": failedSignIn}, signInFields, nil)
		s.render(w, r, http.StatusUnprocessableEntity, "signin.html", p)
		return
	}
	s.throttle.Succeed(email, addr)

	// A new session id at every sign-in (OWASP ASVS V7.2.4), and any
	// session the browser already had is ended, so an id planted before
	// sign-in is worthless after it.
	if c, err := r.Cookie(s.sessionCookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(ctx, auth.HashSecret(c.Value)); err != nil && !errs.Is(err, errs.NotFound) {
			s.fail(w, r, err)
			return
		}
	}
	if err := s.startSession(w, r, user); err != nil {
		s.fail(w, r, err)
		return
	}
	s.auditSignIn(r, store.AuditEntry{UserID: user.ID, Email: user.Email, Role: user.Role, OrgID: user.OrgID,
		Action: "signin", Outcome: store.OutcomeOK})
	s.clearCookie(w, s.csrfCookie)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// startSession creates a server-side session for user and gives the browser
// its id. It is the seam for every way of signing in: the password form
// calls it today. Sign-in through OpenID Connect (NHS CIS2, LA identity
// providers; docs/quality-bar.md §13) is not built yet; its callback handler, once it
// has checked state, nonce, PKCE, issuer, audience, signature and expiry
// and found the user, will call startSession in the same way, and nothing
// after it changes.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, user store.User) error {
	secret, hash, err := auth.NewSecret()
	if err != nil {
		return err
	}
	csrf, _, err := auth.NewSecret()
	if err != nil {
		return err
	}
	now := s.now().UTC()
	if err := s.store.CreateSession(r.Context(), store.Session{
		IDHash: hash, UserID: user.ID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now,
	}); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	// No Max-Age: the cookie dies with the browser, and the server enforces
	// the idle and absolute limits whatever the browser keeps.
	http.SetCookie(w, s.cookie(s.sessionCookie, secret, 0))
	return nil
}

// signOut ends the session on the server, not just in the browser.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	st := state(r)
	if st.session != nil {
		if err := s.store.DeleteSession(r.Context(), st.session.IDHash); err != nil && !errs.Is(err, errs.NotFound) {
			s.fail(w, r, err)
			return
		}
		a := st.actor(r)
		s.auditSignIn(r, store.AuditEntry{UserID: a.UserID, Email: a.Email, Role: a.Role, OrgID: a.OrgID,
			Action: "signout", Outcome: store.OutcomeOK})
	}
	s.clearCookie(w, s.sessionCookie)
	s.setFlash(w, r, flashSignedOut)
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}

// auditSignIn writes a sign-in, failed sign-in or sign-out row. The password
// is never recorded; the e-mail address as typed is, so that guessing is
// visible even against accounts that do not exist.
func (s *Server) auditSignIn(r *http.Request, e store.AuditEntry) {
	e.At = s.now().UTC()
	e.Addr = clientAddr(r)
	e.ObjectType = "user"
	e.ObjectID = e.UserID
	if err := s.store.Audit(r.Context(), e); err != nil {
		s.log.Error("audit sign-in", "id", state(r).id, "action", e.Action, "err", err)
	}
}

// tooManyAttempts words the throttle's wait in whole minutes, rounded up.
func tooManyAttempts(wait time.Duration) string {
	mins := int((wait + time.Minute - 1) / time.Minute)
	if mins <= 1 {
		return "Too many attempts; try again in 1 minute"
	}
	return fmt.Sprintf("Too many attempts; try again in %d minutes", mins)
}

// safeNext returns next if it is a local path to send the user back to
// after sign-in, and "/" otherwise: an open redirect would let a phishing
// link borrow our address.
func safeNext(next string) string {
	if !localPath(next) || strings.HasPrefix(next, "/sign-in") || strings.HasPrefix(next, "/sign-out") {
		return "/"
	}
	return next
}

// cookie returns a cookie with dco's settings: HttpOnly (no script reads
// it), SameSite=Lax (not sent on cross-site posts), Path=/ (required by the
// __Host- prefix) and Secure over TLS. maxAge 0 makes a browser-session
// cookie.
func (s *Server) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.opts.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	}
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, s.cookie(name, "", -1))
}

// validEmail reports whether s looks like one e-mail address.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}
