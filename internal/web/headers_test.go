package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// pagesFor lists pages to check as each role, including error pages.
func (e *env) pagesFor() map[string][]string {
	id := itoa(e.childA.ID)
	return map[string][]string{
		"":          {"/sign-in", "/no-such-page", "/healthz", "/api/v1/openapi.json"},
		"dco":       {"/", "/children", "/children/" + id, "/children/" + id + "/edit", "/children/" + id + "/access", "/children/new", "/children/999999", "/admin/users"},
		"la":        {"/", "/children", "/children/" + itoa(e.childB.ID)},
		"clinician": {"/"},
		"provider":  {"/"},
		"viewer":    {"/", "/children"},
		"admin":     {"/admin/users", "/admin/orgs", "/admin/audit", "/admin/settings", "/admin/users/new", "/admin/orgs/new"},
	}
}

var inlineScript = regexp.MustCompile(`<script(?:\s[^>]*)?>`)

func TestSecurityHeaders(t *testing.T) {
	for _, secure := range []bool{false, true} {
		name := "http"
		if secure {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) { o.SecureCookies = secure })
			for key, paths := range e.pagesFor() {
				var c *client
				if key != "" {
					c = e.as(key)
				} else {
					c = &client{e: e}
				}
				for _, p := range paths {
					res := c.get(p)
					h := res.Header
					check := func(name, want string) {
						if got := h.Get(name); got != want {
							t.Errorf("%s %s: %s = %q, want %q", key, p, name, got, want)
						}
					}
					check("Content-Security-Policy", contentSecurityPolicy)
					check("X-Content-Type-Options", "nosniff")
					check("Referrer-Policy", "same-origin")
					check("X-Frame-Options", "DENY")
					if !strings.HasPrefix(p, "/api/v1/openapi") {
						check("Cache-Control", "no-store")
					}
					if secure {
						check("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
					} else if h.Get("Strict-Transport-Security") != "" {
						t.Errorf("%s %s: HSTS over plain HTTP", key, p)
					}
					if strings.Contains(res.Body, " style=") {
						t.Errorf("%s %s: inline style attribute", key, p)
					}
					for _, tag := range inlineScript.FindAllString(res.Body, -1) {
						if !strings.Contains(tag, " src=") {
							t.Errorf("%s %s: inline script %s", key, p, tag)
						}
					}
					for _, ck := range res.Cookies() {
						if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
							t.Errorf("%s %s: cookie %s HttpOnly=%v SameSite=%v", key, p, ck.Name, ck.HttpOnly, ck.SameSite)
						}
						if secure && (!ck.Secure || !strings.HasPrefix(ck.Name, "__Host-") || ck.Path != "/" || ck.Domain != "") {
							t.Errorf("%s %s: cookie %s is not a Secure __Host- cookie", key, p, ck.Name)
						}
					}
				}
			}
			// The sign-in itself sets the session cookie.
			res := e.signIn("dco@example.nhs.uk", testPassword, "")
			sc := cookieNamed(res, e.srv.sessionCookie)
			if sc == nil {
				t.Fatal("no session cookie")
			}
			if secure != sc.Secure || secure != strings.HasPrefix(sc.Name, "__Host-") {
				t.Errorf("session cookie %s Secure=%v under TLS=%v", sc.Name, sc.Secure, secure)
			}
		})
	}
}

func TestStaticFiles(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{nhsukCSS, nhsukJS, appCSS, appJS} {
		u := e.srv.assets.url(name)
		if u == "" {
			t.Errorf("%s is missing: run make assets", name)
			continue
		}
		res := e.serve(httptest.NewRequest(http.MethodGet, u, nil))
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: got %d", u, res.StatusCode)
		}
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: Cache-Control %q", u, got)
		}
	}
	js := e.serve(httptest.NewRequest(http.MethodGet, e.srv.assets.url(appJS), nil))
	if want := `from "` + e.srv.assets.url(nhsukJS) + `"`; !strings.Contains(js.Body, want) {
		t.Errorf("app.js does not import the hashed NHS.UK module %s", want)
	}
	if res := e.serve(httptest.NewRequest(http.MethodGet, "/static/0000000000000000/app.css", nil)); res.StatusCode != http.StatusNotFound {
		t.Errorf("a stale hash: got %d, want 404", res.StatusCode)
	}
	img := e.serve(httptest.NewRequest(http.MethodGet, "/assets/images/nhsuk-icon-search.svg", nil))
	if img.StatusCode != http.StatusOK || !strings.HasPrefix(img.Header.Get("Content-Type"), "image/svg+xml") {
		t.Errorf("NHS.UK image: got %d %q", img.StatusCode, img.Header.Get("Content-Type"))
	}
	if res := e.serve(httptest.NewRequest(http.MethodGet, "/assets/../static/app.css", nil)); res.StatusCode == http.StatusOK {
		t.Errorf("path traversal under /assets/ was served")
	}
}

func TestErrorPages(t *testing.T) {
	e := newEnv(t)
	c := e.as("dco")
	res := c.get("/no/such/page")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.Body, "Page not found") || !strings.Contains(res.Body, "nhsuk-header") {
		t.Errorf("unknown path: got %d\n%s", res.StatusCode, res.Body)
	}
	r := httptest.NewRequest(http.MethodDelete, "/children", nil)
	r.AddCookie(c.cookie())
	res = e.serve(r)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") == "" || !strings.Contains(res.Body, "nhsuk-header") {
		t.Errorf("DELETE /children: got %d, Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
	res = c.get("/children/abc")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("malformed id: got %d, want 404", res.StatusCode)
	}
	res = e.serve(httptest.NewRequest(http.MethodGet, "/api/v1/nothing", nil))
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.Body, `"code":"not_found"`) {
		t.Errorf("unknown API path: got %d %s", res.StatusCode, res.Body)
	}
}

func TestPanicRecovery(t *testing.T) {
	e := newEnv(t)
	h := e.srv.requestID(e.srv.recoverPanics(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(errors.New("secret detail 999 123 4567"))
	})))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("got %d, want 500", w.Code)
	}
	body := w.Body.String()
	if !strings.Contains(body, "Sorry, there is a problem with the service") || strings.Contains(body, "secret detail") || strings.Contains(body, "goroutine") {
		t.Errorf("500 page shows the wrong thing:\n%s", body)
	}
	if ref := w.Header().Get("X-Request-Id"); ref == "" || !strings.Contains(body, ref) {
		t.Errorf("500 page does not quote the request id %q", ref)
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		res := e.serve(httptest.NewRequest(http.MethodGet, p, nil))
		if res.StatusCode != http.StatusOK || strings.TrimSpace(res.Body) != "ok" {
			t.Errorf("GET %s: got %d %q", p, res.StatusCode, res.Body)
		}
	}
	e.store.Close()
	if res := e.serve(httptest.NewRequest(http.MethodGet, "/readyz", nil)); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: got %d, want 503", res.StatusCode)
	}
	if res := e.serve(httptest.NewRequest(http.MethodGet, "/healthz", nil)); res.StatusCode != http.StatusOK {
		t.Errorf("healthz with the database closed: got %d, want 200", res.StatusCode)
	}
}

func TestNewServerNeedsStore(t *testing.T) {
	if _, err := NewServer(Options{Log: slog.New(slog.DiscardHandler)}); err == nil {
		t.Error("NewServer without a store: got no error")
	}
}
