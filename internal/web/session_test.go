package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"dco/internal/auth"
	"dco/internal/errs"
	"dco/internal/store"
)

// signInPage fetches the sign-in form and returns its CSRF cookie and token.
func (e *env) signInPage() (*http.Cookie, string) {
	e.t.Helper()
	res := e.serve(httptest.NewRequest(http.MethodGet, "/sign-in", nil))
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /sign-in: got %d, want 200", res.StatusCode)
	}
	c := cookieNamed(res, e.srv.csrfCookie)
	if c == nil {
		e.t.Fatalf("GET /sign-in set no CSRF cookie")
	}
	return c, csrfFrom(e.t, res.Body)
}

// signIn posts the sign-in form, with extra cookies if given.
func (e *env) signIn(email, password, next string, extra ...*http.Cookie) response {
	e.t.Helper()
	c, tok := e.signInPage()
	f := url.Values{"email": {email}, "password": {password}, "csrf_token": {tok}}
	if next != "" {
		f.Set("next", next)
	}
	r := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	r.AddCookie(c)
	for _, x := range extra {
		r.AddCookie(x)
	}
	return e.serve(r)
}

func TestSignInAndOut(t *testing.T) {
	e := newEnv(t)
	res := e.signIn("LA@Example.nhs.uk ", testPassword, "/children?q=ash")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: got %d, want 303\n%s", res.StatusCode, res.Body)
	}
	if got := res.Header.Get("Location"); got != "/children?q=ash" {
		t.Errorf("sign in went to %q, want the next page /children?q=ash", got)
	}
	sc := cookieNamed(res, e.srv.sessionCookie)
	if sc == nil || sc.Value == "" {
		t.Fatal("sign in set no session cookie")
	}
	if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" {
		t.Errorf("session cookie: HttpOnly=%v SameSite=%v Path=%q, want HttpOnly, Lax, /", sc.HttpOnly, sc.SameSite, sc.Path)
	}
	sess, _, err := e.store.GetSession(context.Background(), auth.HashSecret(sc.Value))
	if err != nil {
		t.Fatalf("session not stored: %v", err)
	}
	if n := len(e.audit("signin")); n != 1 {
		t.Errorf("signin audit rows: got %d, want 1", n)
	}

	c := &client{e: e, user: e.users["la"], secret: sc.Value, csrf: sess.CSRFToken}
	home := c.get("/")
	if home.StatusCode != http.StatusOK || !strings.Contains(home.Body, "Children in Alphashire") {
		t.Fatalf("home after sign in: got %d\n%s", home.StatusCode, home.Body)
	}

	out := c.post("/sign-out", nil)
	if out.StatusCode != http.StatusSeeOther || out.Header.Get("Location") != "/sign-in" {
		t.Fatalf("sign out: got %d to %q, want 303 to /sign-in", out.StatusCode, out.Header.Get("Location"))
	}
	if _, _, err := e.store.GetSession(context.Background(), sess.IDHash); !errs.Is(err, errs.NotFound) {
		t.Errorf("session after sign out: got %v, want not_found", err)
	}
	if n := len(e.audit("signout")); n != 1 {
		t.Errorf("signout audit rows: got %d, want 1", n)
	}
	again := c.get("/")
	if again.StatusCode != http.StatusSeeOther || !strings.HasPrefix(again.Header.Get("Location"), "/sign-in") {
		t.Errorf("old cookie after sign out: got %d to %q, want a redirect to sign in", again.StatusCode, again.Header.Get("Location"))
	}
}

func TestSignInGivesNewSessionID(t *testing.T) {
	e := newEnv(t)
	old := e.as("la")
	res := e.signIn("la@example.nhs.uk", testPassword, "", old.cookie())
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: got %d, want 303", res.StatusCode)
	}
	sc := cookieNamed(res, e.srv.sessionCookie)
	if sc == nil || sc.Value == old.secret {
		t.Fatal("sign in kept the old session id")
	}
	if _, _, err := e.store.GetSession(context.Background(), auth.HashSecret(old.secret)); !errs.Is(err, errs.NotFound) {
		t.Errorf("old session after sign in: got %v, want not_found", err)
	}
}

func TestSignInFailures(t *testing.T) {
	e := newEnv(t)
	cases := []struct{ name, email, password string }{
		{"wrong password", "la@example.nhs.uk", "not the password at all"},
		{"unknown account", "Nobody@Example.nhs.uk", testPassword},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := e.signIn(tc.email, tc.password, "")
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("got %d, want 422", res.StatusCode)
			}
			if !strings.Contains(res.Body, failedSignIn) {
				t.Errorf("page does not say %q", failedSignIn)
			}
			if cookieNamed(res, e.srv.sessionCookie) != nil {
				t.Error("a failed sign-in set a session cookie")
			}
			found := false
			for _, a := range e.audit("signin.failed") {
				if a.Email == strings.ToLower(tc.email) && a.Outcome == store.OutcomeFailed {
					found = true
				}
				if strings.Contains(a.Detail, tc.password) {
					t.Error("the audit trail holds the password")
				}
			}
			if !found {
				t.Errorf("no signin.failed audit row for %q", strings.ToLower(tc.email))
			}
		})
	}
	t.Run("disabled user", func(t *testing.T) {
		if err := e.store.DisableUser(context.Background(), store.System, "victim@example.nhs.uk"); err != nil {
			t.Fatal(err)
		}
		res := e.signIn("victim@example.nhs.uk", testPassword, "")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, failedSignIn) {
			t.Errorf("disabled user: got %d, want 422 with the generic message", res.StatusCode)
		}
	})
	t.Run("empty form", func(t *testing.T) {
		res := e.signIn("", "", "")
		if !strings.Contains(res.Body, `href="#email"`) || !strings.Contains(res.Body, `href="#password"`) {
			t.Errorf("the error summary does not link to both fields")
		}
	})
}

func TestSignInThrottled(t *testing.T) {
	e := newEnv(t)
	free := e.srv.throttle.Pair.Free
	for i := 0; i <= free; i++ {
		res := e.signIn("la@example.nhs.uk", "wrong password, attempt", "")
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: got %d, want 422", i+1, res.StatusCode)
		}
	}
	// The real password, while throttled, is not even checked.
	res := e.signIn("la@example.nhs.uk", testPassword, "")
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("throttled attempt: got %d, want 429", res.StatusCode)
	}
	if !strings.Contains(res.Body, "Too many attempts; try again in 1 minute") {
		t.Errorf("throttled page does not say how long to wait:\n%s", res.Body)
	}
	// Throttling delays; it does not lock. Once the wait is over, the real
	// user gets in.
	e.clock.Add(2 * time.Second)
	if res := e.signIn("la@example.nhs.uk", testPassword, ""); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after the wait: got %d, want 303", res.StatusCode)
	}
}

// TestSignInThrottledByAddress checks that guessing across many accounts
// from one address slows that address down, and only that address.
func TestSignInThrottledByAddress(t *testing.T) {
	e := newEnv(t)
	for i := 0; i <= e.srv.throttle.Addr.Free; i++ {
		e.signIn(fmt.Sprintf("guess%d@example.nhs.uk", i), "wrong password, attempt", "")
	}
	res := e.signIn("dco@example.nhs.uk", testPassword, "")
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("from the guessing address: got %d, want 429", res.StatusCode)
	}
	c, tok := e.signInPage()
	f := url.Values{"email": {"dco@example.nhs.uk"}, "password": {testPassword}, "csrf_token": {tok}}
	r := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = "198.51.100.7:5555"
	r.AddCookie(c)
	if res := e.serve(r); res.StatusCode != http.StatusSeeOther {
		t.Errorf("from another address: got %d, want 303", res.StatusCode)
	}
}

// TestSignInGuesserElsewhere checks that someone guessing one account's
// password from another address keeps the real user out for at most the
// account throttle's minute, however long they keep going, while their own
// address waits up to 15 minutes.
func TestSignInGuesserElsewhere(t *testing.T) {
	e := newEnv(t)
	from := func(addr, password string) int {
		c, tok := e.signInPage()
		f := url.Values{"email": {"la@example.nhs.uk"}, "password": {password}, "csrf_token": {tok}}
		r := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(f.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.RemoteAddr = addr
		r.AddCookie(c)
		return e.serve(r).StatusCode
	}
	const guesser, user = "203.0.113.9:4000", "198.51.100.7:5555"
	// The guesser keeps going: every time their wait is over, another guess.
	for fails := 0; fails < 20; {
		if got := from(guesser, "wrong password, attempt"); got == http.StatusTooManyRequests {
			e.clock.Add(e.srv.throttle.Wait("la@example.nhs.uk", "203.0.113.9", e.clock.Now()))
		} else {
			fails++
		}
	}
	if got := e.srv.throttle.Wait("la@example.nhs.uk", "203.0.113.9", e.clock.Now()); got <= time.Minute {
		t.Errorf("guesser's own wait: got %v, want more than a minute", got)
	}
	if got := e.srv.throttle.Wait("la@example.nhs.uk", "198.51.100.7", e.clock.Now()); got > time.Minute {
		t.Errorf("real user's wait: got %v, want at most a minute", got)
	}
	e.clock.Add(time.Minute)
	if got := from(user, testPassword); got != http.StatusSeeOther {
		t.Errorf("real user from their own address a minute later: got %d, want 303", got)
	}
	if got := from(guesser, testPassword); got != http.StatusTooManyRequests {
		t.Errorf("the guesser's address, even with the right password: got %d, want 429", got)
	}
}

func TestSessionExpiry(t *testing.T) {
	e := newEnv(t)
	c := e.as("dco")
	if res := c.get("/"); res.StatusCode != http.StatusOK {
		t.Fatalf("fresh session: got %d", res.StatusCode)
	}
	// Used every 20 minutes, the session stays alive past 30 minutes.
	for i := 0; i < 3; i++ {
		e.clock.Add(20 * time.Minute)
		if res := c.get("/"); res.StatusCode != http.StatusOK {
			t.Fatalf("after %d×20 minutes of use: got %d, want 200", i+1, res.StatusCode)
		}
	}
	e.clock.Add(31 * time.Minute)
	res := c.get("/children")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/sign-in?next=%2Fchildren" {
		t.Fatalf("idle session: got %d to %q, want 303 to /sign-in?next=%%2Fchildren", res.StatusCode, res.Header.Get("Location"))
	}
	if _, _, err := e.store.GetSession(context.Background(), auth.HashSecret(c.secret)); !errs.Is(err, errs.NotFound) {
		t.Errorf("idle session not deleted: %v", err)
	}

	t.Run("absolute", func(t *testing.T) {
		secret, hash, _ := auth.NewSecret()
		now := e.clock.Now()
		err := e.store.CreateSession(context.Background(), store.Session{IDHash: hash, UserID: e.users["dco"].ID, CSRFToken: "x",
			CreatedAt: now.Add(-12*time.Hour - time.Minute), LastSeenAt: now.Add(-time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		old := &client{e: e, secret: secret}
		if res := old.get("/"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("12-hour-old session: got %d, want 303", res.StatusCode)
		}
	})
}

func TestDisabledUserSessionEnds(t *testing.T) {
	e := newEnv(t)
	victim := e.as("victim")
	res := e.as("admin").post("/admin/users/"+itoa(victim.user.ID)+"/disable", nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: got %d, want 303\n%s", res.StatusCode, res.Body)
	}
	if res := victim.get("/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("disabled user's session: got %d, want 303 to sign in", res.StatusCode)
	}
}

func TestNextMustBeLocal(t *testing.T) {
	e := newEnv(t)
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		res := e.signIn("dco@example.nhs.uk", testPassword, next)
		if got := res.Header.Get("Location"); got != "/" {
			t.Errorf("next=%q: went to %q, want /", next, got)
		}
	}
}

func TestUnauthorizedRedirects(t *testing.T) {
	e := newEnv(t)
	res := e.serve(httptest.NewRequest(http.MethodGet, "/children/1?x=1", nil))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/sign-in?next=%2Fchildren%2F1%3Fx%3D1" {
		t.Errorf("signed out: got %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.as("dco")
	form := e.childForm(e.childA, "800")
	before, _ := e.store.CountChildren(context.Background(), store.System)

	send := func(mod func(r *http.Request), f url.Values) response {
		r := httptest.NewRequest(http.MethodPost, "/children", strings.NewReader(f.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(c.cookie())
		mod(r)
		return e.serve(r)
	}
	with := func(tok string) url.Values {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		if tok != "" {
			f.Set("csrf_token", tok)
		}
		return f
	}
	foreign, _, _ := auth.NewSecret()
	cases := []struct {
		name string
		mod  func(*http.Request)
		form url.Values
	}{
		{"missing token", func(r *http.Request) {}, with("")},
		{"foreign token", func(r *http.Request) {}, with(foreign)},
		{"another session's token", func(r *http.Request) {}, with(e.as("la").csrf)},
		{"cross-site fetch", func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") }, with(c.csrf)},
		{"foreign origin", func(r *http.Request) { r.Header.Set("Origin", "https://evil.example") }, with(c.csrf)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refusedBefore := len(e.audit(store.ActionAccessRefused))
			res := send(tc.mod, tc.form)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("got %d, want 403", res.StatusCode)
			}
			if n := len(e.audit(store.ActionAccessRefused)); n != refusedBefore+1 {
				t.Errorf("access.refused audit rows: got %d more, want 1", n-refusedBefore)
			}
		})
	}
	after, _ := e.store.CountChildren(context.Background(), store.System)
	if after != before {
		t.Errorf("children: got %d, want %d: a refused request changed state", after, before)
	}

	t.Run("sign-in without its token", func(t *testing.T) {
		f := url.Values{"email": {"dco@example.nhs.uk"}, "password": {testPassword}}
		r := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(f.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res := e.serve(r); res.StatusCode != http.StatusForbidden {
			t.Errorf("got %d, want 403", res.StatusCode)
		}
	})
	t.Run("sign-out needs the token", func(t *testing.T) {
		res := c.post("/sign-out", url.Values{"csrf_token": {foreign}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("got %d, want 403", res.StatusCode)
		}
		if res := c.get("/"); res.StatusCode != http.StatusOK {
			t.Errorf("session ended by a forged sign-out: got %d", res.StatusCode)
		}
	})
}

// TestNoStateChangeByGet checks that the pages in front of a state change
// only ask: GET of the sign-out address is refused, and the disable page
// disables nobody.
func TestNoStateChangeByGet(t *testing.T) {
	e := newEnv(t)
	c := e.as("admin")
	if res := c.get("/sign-out"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /sign-out: got %d, want 405", res.StatusCode)
	}
	if res := c.get("/"); res.StatusCode != http.StatusOK {
		t.Errorf("session after GET /sign-out: got %d, want 200", res.StatusCode)
	}
	victim := e.users["victim"]
	if res := c.get("/admin/users/" + itoa(victim.ID) + "/disable"); res.StatusCode != http.StatusOK {
		t.Fatalf("disable page: got %d", res.StatusCode)
	}
	u, err := e.store.GetUser(context.Background(), victim.ID)
	if err != nil || u.Disabled {
		t.Errorf("GET of the disable page disabled the user (err %v)", err)
	}
}
