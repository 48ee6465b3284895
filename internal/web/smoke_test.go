package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"dco/internal/store"
)

// TestPagesRender opens the children's, administration and health advice
// pages each role uses, as that role, and expects each to draw.
func TestPagesRender(t *testing.T) {
	e := newEnv(t)
	id := itoa(e.childA.ID)
	// Health advice: an open request about child A with a part assigned to
	// the clinician, and a returned one (the matrix's) for its response.
	open := e.openAdvice(e.childA, 10, "SMOKE-OPEN")
	part, err := e.advice().AddAdviceContribution(context.Background(), store.System, open.ID, "ot", e.users["clinician"].ID)
	if err != nil {
		t.Fatal(err)
	}
	returned := e.adviceFor(e.childA)
	req, ret, contribution := advicePath(open.ID), advicePath(returned.request), "/advice-contributions/"+itoa(part.ID)
	cases := map[string][]string{
		"dco": {"/", "/children", "/children?q=ash", "/children/new", "/children/" + id, "/children/" + id + "/edit", "/children/" + id + "/access",
			"/advice-requests", "/advice-requests?queue=at_risk", "/advice-requests.csv", "/advice-requests/at-risk", "/advice-requests/new",
			req, req + "/edit", req + "/triage", req + "/return", req + "/withdraw", req + "/response", contribution,
			ret, ret + "/response"},
		"la": {"/", "/children", "/children/new", "/children/" + id, "/children/" + id + "/edit",
			"/advice-requests", "/advice-requests.csv", "/advice-requests/new", req, req + "/edit", req + "/withdraw", ret, ret + "/response"},
		"clinician": {"/", "/children", "/children/" + id, "/advice-requests", "/advice-requests.csv", req, contribution, ret, ret + "/response"},
		"provider":  {"/", "/children", "/children/new", "/children/" + id},
		"viewer":    {"/"},
		"admin":     {"/", "/admin/users", "/admin/users/new", "/admin/users/" + itoa(e.users["victim"].ID) + "/disable", "/admin/orgs", "/admin/orgs/new", "/admin/audit", "/admin/settings"},
	}
	for key, paths := range cases {
		c := e.as(key)
		for _, p := range paths {
			res := c.get(p)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s GET %s: got %d, want 200\n%s", key, p, res.StatusCode, res.Body)
			}
		}
	}
}

func TestDemoBannerAndErrorPageNavigation(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Demo = true })
	body := e.as("dco").get("/").Body
	if !strings.Contains(body, "synthetic demonstration data") {
		t.Error("demo banner missing")
	}
	res := e.as("la").get("/no-such-page")
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.Body, `href="/children"`) {
		t.Errorf("signed-in 404 page: got %d without the navigation", res.StatusCode)
	}
	plain := newEnv(t)
	if strings.Contains(plain.as("dco").get("/").Body, "synthetic demonstration data") {
		t.Error("demo banner shown without Demo")
	}
}

// TestNavigationByRole checks each role's header links go only to pages
// the role may open.
func TestNavigationByRole(t *testing.T) {
	e := newEnv(t)
	for _, role := range store.Roles {
		for _, item := range e.srv.navFor(role, "/") {
			res := e.as(roleKeys[role]).get(item.Href)
			if res.StatusCode != http.StatusOK {
				t.Errorf("%s: nav link %s gives %d", role, item.Href, res.StatusCode)
			}
		}
	}
}
