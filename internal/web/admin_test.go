package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dco/internal/errs"
	"dco/internal/store"
)

// follow fetches the page a redirect points to, carrying the flash cookie
// the redirect set, and returns it.
func (c *client) follow(res response) response {
	c.e.t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		c.e.t.Fatalf("got %d, want 303\n%s", res.StatusCode, res.Body)
	}
	r := httpGet(res.Header.Get("Location"))
	r.AddCookie(c.cookie())
	if f := cookieNamed(res, c.e.srv.flashCookie); f != nil {
		r.AddCookie(f)
	}
	return c.e.serve(r)
}

func TestAdminUsers(t *testing.T) {
	e := newEnv(t)
	c := e.as("admin")

	res := c.post("/admin/users/new", url.Values{"name": {""}, "email": {"not-an-email"}, "role": {"la"}, "password": {"short"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid user: got %d", res.StatusCode)
	}
	for _, a := range []string{`href="#email"`, `href="#password"`} {
		if !strings.Contains(res.Body, a) {
			t.Errorf("error summary lacks %s", a)
		}
	}
	if strings.Contains(res.Body, `value="short"`) {
		t.Error("the password was echoed back")
	}

	res = c.post("/admin/users/new", url.Values{"name": {"Lara Caseworker"}, "email": {"Lara@Alphashire.gov.uk"}, "role": {"la"},
		"la_id": {itoa(e.laA.ID)}, "password": {"a long enough password"}})
	page := c.follow(res)
	if !strings.Contains(page.Body, "User added") || !strings.Contains(page.Body, "lara@alphashire.gov.uk") {
		t.Errorf("users page after adding does not confirm it")
	}
	u, err := e.store.GetUserByEmail(context.Background(), "lara@alphashire.gov.uk")
	if err != nil || u.Role != store.RoleLA || u.LAID != e.laA.ID {
		t.Fatalf("stored user: %+v %v", u, err)
	}

	res = c.post("/admin/users/new", url.Values{"name": {"Again"}, "email": {"lara@alphashire.gov.uk"}, "role": {"viewer"},
		"org_id": {itoa(e.icb.ID)}, "password": {"a long enough password"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "already exists") {
		t.Errorf("duplicate e-mail: got %d", res.StatusCode)
	}

	res = c.post("/admin/users/"+itoa(u.ID)+"/disable", nil)
	page = c.follow(res)
	if !strings.Contains(page.Body, "User disabled and signed out") || !strings.Contains(page.Body, "Disabled") {
		t.Errorf("users page after disabling does not confirm it")
	}
	if got, _ := e.store.GetUser(context.Background(), u.ID); !got.Disabled {
		t.Error("user not disabled")
	}
	res = c.post("/admin/users/"+itoa(c.user.ID)+"/disable", nil)
	if res.StatusCode == http.StatusSeeOther {
		t.Error("an administrator disabled their own account")
	}
	if res := c.post("/admin/users/99999/disable", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown user: got %d, want 404", res.StatusCode)
	}
}

func TestAdminOrgs(t *testing.T) {
	e := newEnv(t)
	c := e.as("admin")
	res := c.post("/admin/orgs/new", url.Values{"kind": {"la"}, "name": {"Gammaton"}, "code": {"12"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `href="#code"`) {
		t.Errorf("bad LA code: got %d", res.StatusCode)
	}
	res = c.post("/admin/orgs/new", url.Values{"kind": {"la"}, "name": {"Gammaton"}, "code": {"888"}, "ons_code": {"E06000099"}})
	page := c.follow(res)
	if !strings.Contains(page.Body, "Organisation added") || !strings.Contains(page.Body, "Gammaton") {
		t.Errorf("organisations page does not confirm the addition")
	}
	if _, err := e.store.FindLA(context.Background(), "888"); err != nil {
		t.Errorf("LA not stored: %v", err)
	}
	res = c.post("/admin/orgs/new", url.Values{"kind": {"la"}, "name": {"Gammaton again"}, "code": {"888"}})
	if res.StatusCode != http.StatusConflict {
		t.Errorf("duplicate code: got %d, want 409", res.StatusCode)
	}
}

func TestAdminSettings(t *testing.T) {
	e := newEnv(t)
	c := e.as("admin")
	form := c.get("/admin/settings")
	if !strings.Contains(form.Body, `name="s23_standard_days"`) || !strings.Contains(form.Body, `name="qa_standard_working_days"`) {
		t.Fatal("settings form lacks the settings")
	}
	if !strings.Contains(form.Body, "the values every ICB uses until its DCO sets its own") {
		t.Error("settings form does not say it edits the defaults")
	}
	res := c.post("/admin/settings", url.Values{"s23_standard_days": {"0"}, "s23_standard_days-version": {"0"},
		"qa_standard_working_days": {"ten"}, "qa_standard_working_days-version": {"0"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `href="#s23_standard_days"`) || !strings.Contains(res.Body, `href="#qa_standard_working_days"`) {
		t.Errorf("invalid settings: got %d", res.StatusCode)
	}
	res = c.post("/admin/settings", url.Values{"s23_standard_days": {"21"}, "s23_standard_days-version": {"0"},
		"qa_standard_working_days": {"10"}, "qa_standard_working_days-version": {"0"},
		"advice_reuse_months": {"12"}, "advice_reuse_months-version": {"0"}})
	page := c.follow(res)
	if !strings.Contains(page.Body, "Settings saved") || !strings.Contains(page.Body, `value="21"`) {
		t.Errorf("settings page does not confirm the save")
	}
	v, err := e.store.Setting(context.Background(), store.System, 0, "s23_standard_days")
	if err != nil || v.Value != "21" || v.Version != 1 || v.ICBID != 0 {
		t.Fatalf("stored default: got %+v %v, want 21 v1 for ICB 0", v, err)
	}
	if v, err := e.store.Setting(context.Background(), store.System, e.icb.ID, "s23_standard_days"); err != nil || v.Value != "21" || v.Own {
		t.Errorf("the ICB reads: got %+v %v, want the default 21", v, err)
	}
	// A save made from the page as it was before that save is a conflict.
	res = c.post("/admin/settings", url.Values{"s23_standard_days": {"30"}, "s23_standard_days-version": {"0"},
		"qa_standard_working_days": {"10"}, "qa_standard_working_days-version": {"0"},
		"advice_reuse_months": {"12"}, "advice_reuse_months-version": {"0"}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(html.UnescapeString(res.Body), conflictMessage) {
		t.Errorf("stale settings save: got %d", res.StatusCode)
	}
	if !strings.Contains(res.Body, `value="30"`) {
		t.Error("the conflict lost what was typed")
	}
	if v, _ := e.store.Setting(context.Background(), store.System, 0, "s23_standard_days"); v.Value != "21" {
		t.Errorf("stale save changed the setting to %q", v.Value)
	}
	if _, err := e.store.Setting(context.Background(), store.System, 0, "nope"); !errs.Is(err, errs.NotFound) {
		t.Errorf("unknown setting: %v", err)
	}
}

func TestAdminAudit(t *testing.T) {
	e := newEnv(t)
	e.as("la").get("/admin/users")                   // refused by role
	e.as("la").get("/children/" + itoa(e.childB.ID)) // refused by scope
	c := e.as("admin")
	res := c.get("/admin/audit?action=access.refused")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("got %d", res.StatusCode)
	}
	if !strings.Contains(res.Body, "GET /admin/users") || !strings.Contains(res.Body, "la@example.nhs.uk") {
		t.Errorf("audit page does not show the refused request")
	}
	all := c.get("/admin/audit").Body
	for _, ch := range []store.Child{e.childA, e.childB} {
		for _, s := range append(secrets(ch), ch.DateOfBirth.Long()) {
			if strings.Contains(all, s) {
				t.Errorf("the audit page shows %q", s)
			}
		}
	}
}
