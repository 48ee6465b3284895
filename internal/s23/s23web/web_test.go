package s23web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"dco/internal/s23/s23db"
	"dco/internal/store"
	"dco/internal/web"
)

// TestRoutesRegistered builds the service as dco serve does, with this
// workflow wired in by its one line, and asks every notification route
// without signing in: each is answered by the server's guard (sign in
// first; 401 for the API), none is missing (404) or open.
func TestRoutesRegistered(t *testing.T) {
	st := store.OpenTestSQLite(t)
	h, err := web.NewServer(web.Options{Store: st, Workflows: []web.Workflow{New(s23db.New(st))}})
	if err != nil {
		t.Fatal(err)
	}
	routes := New(s23db.New(nil)).Web(&web.Kit{}).Routes
	if len(routes) == 0 {
		t.Fatal("no routes")
	}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path = strings.ReplaceAll(path, "{id}", "1")
		req := httptest.NewRequest(method, path, nil)
		if method != http.MethodGet {
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		want := []int{http.StatusSeeOther, http.StatusFound, http.StatusForbidden}
		if strings.HasPrefix(path, "/api/") {
			want = []int{http.StatusUnauthorized}
		}
		ok := false
		for _, w := range want {
			ok = ok || rec.Code == w
		}
		if !ok {
			t.Errorf("%s signed out: got %d, want one of %v", rt.Pattern, rec.Code, want)
		}
	}
}
