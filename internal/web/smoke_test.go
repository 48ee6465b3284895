package web

import (
	"net/http"
	"testing"
)

// TestPagesRender opens every page a role uses, as that role, and expects
// each to draw.
func TestPagesRender(t *testing.T) {
	e := newEnv(t)
	id := itoa(e.childA.ID)
	cases := map[string][]string{
		"dco":       {"/", "/children", "/children?q=ash", "/children/new", "/children/" + id, "/children/" + id + "/edit", "/children/" + id + "/access"},
		"la":        {"/", "/children", "/children/new", "/children/" + id, "/children/" + id + "/edit"},
		"clinician": {"/", "/children", "/children/" + id},
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
