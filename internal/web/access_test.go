package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"dco/internal/send"
	"dco/internal/store"
)

// canSee says which seeded child each role may see: the DCO both (one ICB),
// the LA user, clinician and provider only child A (their LA, their
// grants), the viewer and administrator none.
func (e *env) canSee(role store.Role, c store.Child) bool {
	switch role {
	case store.RoleDCO:
		return true
	case store.RoleLA, store.RoleClinician, store.RoleProvider:
		return c.ID == e.childA.ID
	}
	return false
}

// secrets are the strings that identify a child on a page or in JSON.
func secrets(c store.Child) []string {
	return []string{c.GivenName, c.FamilyName, string(c.NHSNumber), c.NHSNumber.String()}
}

func (e *env) current(c store.Child) store.Child {
	e.t.Helper()
	got, err := e.store.GetChild(context.Background(), store.System, c.ID)
	if err != nil {
		e.t.Fatalf("reload child: %v", err)
	}
	return got
}

// cellRequest builds the request for one cell of the matrix: the route with
// its {id} filled in for the object (the child of one LA or the other), a
// complete and valid body for the route, and the credentials the route
// takes (session cookie or bearer token) for the role's user.
func (e *env) cellRequest(ri RouteInfo, key string, obj store.Child, victim store.User, la store.Org) *http.Request {
	e.t.Helper()
	path := ri.Path
	switch {
	case strings.Contains(path, "/admin/users/{id}"):
		path = strings.ReplaceAll(path, "{id}", itoa(victim.ID))
	case matrixObject(path) != nil:
		path = strings.ReplaceAll(path, "{id}", itoa(matrixObject(path)(e, obj)))
	default:
		path = strings.ReplaceAll(path, "{id}", itoa(obj.ID))
	}
	path = strings.NewReplacer("{hash}", "0000000000000000", "{name}", "app.css", "{path...}", "images/favicon.svg", "{$}", "").Replace(path)
	if ri.Method == http.MethodGet && (path == "/children" || path == "/api/v1/children") {
		path += "?q=" + url.QueryEscape(obj.FamilyName)
	}

	fresh := store.Child{NHSNumber: newNHSNumber(), GivenName: "Newly", FamilyName: "Registered",
		DateOfBirth: send.NewDate(2019, 1, 2), LAID: la.ID}
	cur := e.current(obj)

	var body string
	var contentType string
	switch {
	case ri.API && ri.Method == http.MethodPost:
		body = fmt.Sprintf(`{"nhs_number":%q,"given_name":"Newly","family_name":"Registered","date_of_birth":"2019-01-02","la_code":%q}`, fresh.NHSNumber, la.Code)
		contentType = "application/json"
	case ri.API && ri.Method == http.MethodPatch:
		body = fmt.Sprintf(`{"version":%d,"setting":"Changed by the matrix"}`, cur.Version)
		contentType = "application/json"
	case ri.Method == http.MethodPost:
		var f url.Values
		switch path {
		case "/children":
			f = e.childForm(fresh, la.Code)
		case "/children/" + itoa(obj.ID):
			code := e.laA.Code
			if cur.LAID == e.laB.ID {
				code = e.laB.Code
			}
			f = e.childForm(cur, code)
		default:
			f = url.Values{}
		}
		body, contentType = f.Encode(), "application/x-www-form-urlencoded"
	}
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(ri.Method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
	} else {
		r = httptest.NewRequest(ri.Method, path, nil)
	}
	if key == "" {
		return r
	}
	c := e.as(key) // a fresh session per cell: a sign-out cell must not end the next cell's
	if ri.API {
		r.Header.Set("Authorization", "Bearer "+c.apiToken())
		return r
	}
	r.AddCookie(c.cookie())
	if ri.Method == http.MethodPost {
		// Re-encode with the session's CSRF token, as the browser would.
		f, _ := url.ParseQuery(body)
		f.Set("csrf_token", c.csrf)
		r = httptest.NewRequest(ri.Method, path, strings.NewReader(f.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		r.AddCookie(c.cookie())
	}
	return r
}

// matrixObjects lets a workflow whose routes take the id of its own record
// rather than a child's give the matrix, for each child, a record about that
// child: path prefix → the record's id. Each workflow registers its own from
// an init function in its test file.
var matrixObjects = map[string]func(e *env, c store.Child) int64{}

// matrixObject returns the registered record maker for a path, or nil.
func matrixObject(path string) func(e *env, c store.Child) int64 {
	for prefix, f := range matrixObjects {
		if strings.HasPrefix(path, prefix) {
			return f
		}
	}
	return nil
}

// TestAccessMatrix is docs/quality-bar.md §8: every route × every role × an object of
// the user's own LA and of another. A role the route does not allow gets
// 403 (and an access.refused audit row); a record outside the user's scope
// is 404 or 403; neither kind of refusal, nor any page the role can reach,
// shows a child the user may not see; and the viewer never receives a
// child's name, NHS number or date of birth.
func TestAccessMatrix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	objects := []struct {
		name   string
		child  store.Child
		victim store.User
		la     store.Org
	}{
		{"own LA", e.childA, e.users["victim"], e.laA},
		{"other LA", e.childB, e.users["laB"], e.laB},
	}
	for _, ri := range allRoutes() {
		for _, role := range store.Roles {
			key := roleKeys[role]
			for _, obj := range objects {
				name := fmt.Sprintf("%s/%s/%s", ri.Pattern, role, obj.name)
				refusedBefore := len(e.audit(store.ActionAccessRefused))
				countB, _, _ := e.store.SearchChildren(ctx, store.System, store.ChildFilter{LAID: e.laB.ID, Limit: 1000})
				req := e.cellRequest(ri, key, obj.child, obj.victim, obj.la)
				sent := requestText(req)
				res := e.serve(req)
				st := res.StatusCode
				hidden := !e.canSee(role, obj.child)
				about := strings.Contains(ri.Path, "{id}") && (strings.Contains(ri.Path, "/children") || matrixObject(ri.Path) != nil)

				switch {
				case ri.Public:
					// Open to all; only the leak checks below apply.
				case !ri.Allows(role):
					if st != http.StatusForbidden {
						t.Errorf("%s: got %d, want 403", name, st)
					}
					if n := len(e.audit(store.ActionAccessRefused)); n <= refusedBefore {
						t.Errorf("%s: refused without an access.refused audit row", name)
					}
				case about && hidden:
					if st != http.StatusNotFound && st != http.StatusForbidden {
						t.Errorf("%s: got %d, want 404 or 403", name, st)
					}
				default:
					if st == http.StatusUnauthorized || st == http.StatusForbidden || st == http.StatusNotFound || st >= 500 {
						t.Errorf("%s: got %d, want the route to work\n%s", name, st, res.Body)
					}
				}

				// Nothing about a child the user may not see, whatever the
				// status; what the request itself carried (a search term, a
				// form re-shown) is the user's own and may be echoed.
				if hidden {
					for _, s := range secrets(obj.child) {
						if strings.Contains(res.Body, s) && !strings.Contains(sent, s) {
							t.Errorf("%s: response shows %q of a child the %s may not see", name, s, role)
						}
					}
				}
				if role == store.RoleViewer {
					for _, c := range []store.Child{e.childA, e.childB} {
						for _, s := range append(secrets(c), c.DateOfBirth.Long(), c.DateOfBirth.String()) {
							if strings.Contains(res.Body, s) {
								t.Errorf("%s: the viewer received %q", name, s)
							}
						}
					}
				}
				// Registering in another LA must store nothing there.
				if role == store.RoleLA && obj.la.ID == e.laB.ID {
					after, _, _ := e.store.SearchChildren(ctx, store.System, store.ChildFilter{LAID: e.laB.ID, Limit: 1000})
					if len(after) != len(countB) {
						t.Errorf("%s: an LA user changed the number of children in another LA", name)
					}
				}
			}
		}
	}
}

// requestText is everything a request carries that a page may echo back:
// the query and the form or JSON body. The body is read and put back.
func requestText(r *http.Request) string {
	text, _ := url.QueryUnescape(r.URL.RawQuery)
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		if u, err := url.QueryUnescape(string(b)); err == nil {
			text += " " + u
		}
		text += " " + string(b)
	}
	return text
}

// TestLACannotReachOtherLA walks every way an LA caseworker might reach a
// child of another LA, one by one, so a failure names the way.
func TestLACannotReachOtherLA(t *testing.T) {
	e := newEnv(t)
	c := e.as("la")
	b := e.current(e.childB)
	id := itoa(b.ID)
	// sent is what the user typed into the request, which a page may echo.
	check := func(what, sent string, res response, want ...int) {
		t.Helper()
		ok := false
		for _, w := range want {
			ok = ok || res.StatusCode == w
		}
		if !ok {
			t.Errorf("%s: got %d, want one of %v", what, res.StatusCode, want)
		}
		for _, s := range secrets(b) {
			if strings.Contains(res.Body, s) && !strings.Contains(sent, s) {
				t.Errorf("%s: shows %q", what, s)
			}
		}
	}
	check("child page", "", c.get("/children/"+id), 404)
	check("edit page", "", c.get("/children/"+id+"/edit"), 404)
	check("save", "", c.post("/children/"+id, e.childForm(b, "866")), 404)
	check("access log", "", c.get("/children/"+id+"/access"), 403)
	check("search by name", b.FamilyName, c.get("/children?q="+b.FamilyName), 200)
	check("search by NHS number", string(b.NHSNumber), c.get("/children?q="+string(b.NHSNumber)), 200)
	check("search by LA", "", c.get("/children?la=866"), 200)
	check("API get", "", c.api(http.MethodGet, "/api/v1/children/"+id, ""), 404)
	check("API search", b.FamilyName, c.api(http.MethodGet, "/api/v1/children?la=866&q="+b.FamilyName, ""), 200)
	check("API patch", "", c.api(http.MethodPatch, "/api/v1/children/"+id, fmt.Sprintf(`{"version":%d,"setting":"x"}`, b.Version)), 404)
	check("register in other LA", "", c.post("/children", e.childForm(store.Child{NHSNumber: newNHSNumber(), GivenName: "New", FamilyName: "Child",
		DateOfBirth: send.NewDate(2018, 5, 5)}, "866")), 422)
	if got := e.current(e.childB); got.Version != b.Version || got.Setting != b.Setting {
		t.Errorf("child B changed: version %d→%d", b.Version, got.Version)
	}
}
