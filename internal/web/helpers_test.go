package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"dco/internal/auth"
	"dco/internal/send"
	"dco/internal/store"
)

// testPassword is every test user's password. Its argon2id hash is made
// once per test binary: hashing costs 64 MiB and a noticeable fraction of a
// second, and the tests make dozens of users.
const testPassword = "correct horse battery staple"

var (
	hashOnce sync.Once
	testHash string
)

func passwordHash(t testing.TB) string {
	hashOnce.Do(func() {
		h, err := auth.HashPassword(testPassword)
		if err != nil {
			panic(err)
		}
		testHash = h
	})
	return testHash
}

// clock is a settable clock for the server under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a running server over a real SQLite store, seeded with an ICB, two
// LAs (A and B), a provider, one user per role (the LA user in LA A, plus an
// LA user in LA B), and one child in each LA. The clinician and the
// provider are granted child A.
type env struct {
	t     *testing.T
	store *store.Store
	srv   *Server
	h     http.Handler
	clock *clock

	icb, laA, laB, prov store.Org
	users               map[string]store.User
	childA, childB      store.Child
}

// The users, by key.
var roleKeys = map[store.Role]string{
	store.RoleDCO: "dco", store.RoleLA: "la", store.RoleClinician: "clinician",
	store.RoleProvider: "provider", store.RoleViewer: "viewer", store.RoleAdmin: "admin",
}

func newEnv(t *testing.T, opts ...func(*Options)) *env {
	t.Helper()
	return newEnvOn(t, store.OpenTestSQLite(t), opts...)
}

// newEnvOn is newEnv on a store of the caller's engine (store.ForEachEngine).
func newEnvOn(t *testing.T, st *store.Store, opts ...func(*Options)) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, store: st, clock: &clock{t: time.Now().UTC()}, users: map[string]store.User{}}

	sys := store.System
	mkOrg := func(o store.Org) store.Org {
		t.Helper()
		if err := st.CreateOrg(ctx, sys, &o); err != nil {
			t.Fatalf("create org %s: %v", o.Name, err)
		}
		return o
	}
	e.icb = mkOrg(store.Org{Kind: store.OrgICB, Name: "Test ICB", Code: "QOX", ONSCode: "E54000040"})
	e.laA = mkOrg(store.Org{Kind: store.OrgLA, Name: "Alphashire", Code: "800", ONSCode: "E06000022"})
	e.laB = mkOrg(store.Org{Kind: store.OrgLA, Name: "Betaborough", Code: "866", ONSCode: "E06000030"})
	e.prov = mkOrg(store.Org{Kind: store.OrgProvider, Name: "Test Community Health", Code: "RXX"})

	mkUser := func(key string, role store.Role, orgID, laID int64) {
		t.Helper()
		u := store.User{Email: key + "@example.nhs.uk", Name: "Test " + key, Role: role, OrgID: orgID, LAID: laID, PasswordHash: passwordHash(t)}
		if err := st.CreateUser(ctx, sys, &u); err != nil {
			t.Fatalf("create user %s: %v", key, err)
		}
		e.users[key] = u
	}
	mkUser("dco", store.RoleDCO, e.icb.ID, 0)
	mkUser("la", store.RoleLA, 0, e.laA.ID)
	mkUser("laB", store.RoleLA, 0, e.laB.ID)
	mkUser("clinician", store.RoleClinician, e.prov.ID, 0)
	mkUser("provider", store.RoleProvider, e.prov.ID, 0)
	mkUser("viewer", store.RoleViewer, e.icb.ID, 0)
	mkUser("admin", store.RoleAdmin, e.icb.ID, 0)
	mkUser("victim", store.RoleViewer, e.icb.ID, 0)

	e.childA = e.mkChild(store.Child{GivenName: "Amelia", FamilyName: "Ashworth", DateOfBirth: send.NewDate(2016, 3, 15),
		Postcode: "BA1 1AA", LAID: e.laA.ID, Setting: "Alpha Primary", Flags: store.Flags{LookedAfter: true}})
	e.childB = e.mkChild(store.Child{GivenName: "Bartholomew", FamilyName: "Brackenbury", DateOfBirth: send.NewDate(2012, 7, 9),
		Postcode: "SN1 1AA", LAID: e.laB.ID, Setting: "Beta Academy"})
	if err := st.GrantChildAccess(ctx, sys, e.childA.ID, e.users["clinician"].ID, 0, "test"); err != nil {
		t.Fatalf("grant clinician: %v", err)
	}
	if err := st.GrantChildAccess(ctx, sys, e.childA.ID, 0, e.prov.ID, "test"); err != nil {
		t.Fatalf("grant provider: %v", err)
	}

	o := Options{Store: st, Log: slog.New(slog.DiscardHandler), Now: e.clock.Now, Workflows: TestWorkflows(st)}
	for _, f := range opts {
		f(&o)
	}
	srv, err := newServer(o)
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	e.srv, e.h = srv, srv.handler
	return e
}

// TestWorkflows are the workflows every test server runs, as cmd/dco wires
// them: set by workflows_test.go, in the external test package, which may
// import the workflows' web packages (they import this one). A nil store
// makes them for a listing of routes.
var TestWorkflows = func(st *store.Store) []Workflow { return nil }

// allRoutes lists every route of the test server (Routes).
func allRoutes() []RouteInfo { return Routes(TestWorkflows(nil)...) }

// nhsSeq hands out test NHS numbers.
var (
	nhsMu  sync.Mutex
	nhsSeq = 100000
)

// newNHSNumber returns a fresh valid NHS number in the never-issued
// 999 range.
func newNHSNumber() send.NHSNumber {
	nhsMu.Lock()
	defer nhsMu.Unlock()
	for {
		nhsSeq++
		if n, ok := send.CompleteNHSNumber(fmt.Sprintf("999%06d", nhsSeq)); ok {
			return n
		}
	}
}

func (e *env) mkChild(c store.Child) store.Child {
	e.t.Helper()
	if c.NHSNumber == "" {
		c.NHSNumber = newNHSNumber()
	}
	if err := e.store.CreateChild(context.Background(), store.System, &c); err != nil {
		e.t.Fatalf("create child: %v", err)
	}
	return c
}

// client is a browser signed in as one user: it carries the session
// cookie and puts the CSRF token on every form it posts.
type client struct {
	e      *env
	user   store.User
	secret string
	csrf   string
	token  string // API bearer token
}

// as signs a user in by creating a session directly in the store: the
// sign-in form itself is tested on its own, and argon2 is slow.
func (e *env) as(key string) *client {
	e.t.Helper()
	u, ok := e.users[key]
	if !ok {
		e.t.Fatalf("no user %q", key)
	}
	c := &client{e: e, user: u}
	if c.secret == "" {
		secret, hash, _ := auth.NewSecret()
		csrf, _, _ := auth.NewSecret()
		now := e.clock.Now()
		if err := e.store.CreateSession(context.Background(), store.Session{IDHash: hash, UserID: u.ID, CSRFToken: csrf, CreatedAt: now, LastSeenAt: now}); err != nil {
			e.t.Fatalf("create session: %v", err)
		}
		c.secret, c.csrf = secret, csrf
	}
	return c
}

// apiToken gives the client an API token.
func (c *client) apiToken() string {
	c.e.t.Helper()
	if c.token == "" {
		tok, hash, _ := auth.NewSecret()
		if err := c.e.store.CreateToken(context.Background(), store.System, c.user.ID, hash); err != nil {
			c.e.t.Fatalf("create token: %v", err)
		}
		c.token = tok
	}
	return c.token
}

// response is what a request returned.
type response struct {
	*http.Response
	Body string
}

// serve runs one request through the whole handler.
func (e *env) serve(r *http.Request) response {
	e.t.Helper()
	if r.RemoteAddr == "" || r.RemoteAddr == "192.0.2.1:1234" {
		r.RemoteAddr = "192.0.2.10:4321"
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	res := w.Result()
	b, _ := io.ReadAll(res.Body)
	return response{Response: res, Body: string(b)}
}

func (c *client) cookie() *http.Cookie {
	return &http.Cookie{Name: c.e.srv.sessionCookie, Value: c.secret}
}

// get fetches a page as the signed-in user.
func (c *client) get(path string) response {
	c.e.t.Helper()
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if c.secret != "" {
		r.AddCookie(c.cookie())
	}
	return c.e.serve(r)
}

// post submits a form as the signed-in user, with the session's CSRF token
// and the headers a same-origin browser sends.
func (c *client) post(path string, form url.Values) response {
	c.e.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if _, ok := f["csrf_token"]; !ok {
		f.Set("csrf_token", c.csrf)
	}
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	if c.secret != "" {
		r.AddCookie(c.cookie())
	}
	return c.e.serve(r)
}

// api calls the JSON API with the client's bearer token.
func (c *client) api(method, path, body string) response {
	c.e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	r.Header.Set("Authorization", "Bearer "+c.apiToken())
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return c.e.serve(r)
}

// childForm is a complete, valid register or edit form for c.
func (e *env) childForm(c store.Child, laCode string) url.Values {
	f := url.Values{
		"nhs_number":          {string(c.NHSNumber)},
		"given_name":          {c.GivenName},
		"family_name":         {c.FamilyName},
		"date_of_birth-day":   {fmt.Sprint(c.DateOfBirth.Day())},
		"date_of_birth-month": {fmt.Sprint(int(c.DateOfBirth.Month()))},
		"date_of_birth-year":  {fmt.Sprint(c.DateOfBirth.Year())},
		"postcode":            {c.Postcode},
		"la_code":             {laCode},
		"setting":             {c.Setting},
	}
	if c.Version != 0 {
		f.Set("version", fmt.Sprint(c.Version))
	}
	return f
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrfFrom finds the CSRF token in a page.
func csrfFrom(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token in page")
	}
	return m[1]
}

// cookieNamed returns the response's cookie with the name, or nil.
func cookieNamed(res response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// auditActions returns the actions of the audit trail, newest first.
func (e *env) audit(action string) []store.AuditEntry {
	e.t.Helper()
	got, _, err := e.store.ListAudit(context.Background(), store.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		e.t.Fatalf("list audit: %v", err)
	}
	return got
}

func itoa(n int64) string { return fmt.Sprint(n) }
