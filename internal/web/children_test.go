package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dco/internal/send"
	"dco/internal/store"
)

func countChildren(t *testing.T, e *env) int {
	t.Helper()
	n, err := e.store.CountChildren(context.Background(), store.System)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRegisterChild(t *testing.T) {
	e := newEnv(t)
	c := e.as("dco")
	nhs := newNHSNumber()
	f := e.childForm(store.Child{NHSNumber: nhs, GivenName: "Noah", FamilyName: "Newman", DateOfBirth: send.NewDate(2020, 2, 29),
		Postcode: "ba2 3bb", Setting: "Little Acorns Nursery"}, "866")
	f["flags"] = []string{"looked_after", "continuing_care"}
	res := c.post("/children", f)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: got %d, want 303\n%s", res.StatusCode, res.Body)
	}
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, "/children/") {
		t.Fatalf("register went to %q, want the child's page", loc)
	}
	flash := cookieNamed(res, e.srv.flashCookie)
	if flash == nil {
		t.Fatal("no confirmation was arranged")
	}
	req := c.e.serve(func() *http.Request {
		r := httpGet(loc)
		r.AddCookie(c.cookie())
		r.AddCookie(flash)
		return r
	}())
	for _, want := range []string{"Child registered", "Noah Newman", nhs.String(), "29 February 2020", "BA2 3BB", "Betaborough",
		"Little Acorns Nursery", "Looked after child", "Continuing care", "Nothing has happened on this record yet", "Change details"} {
		if !strings.Contains(req.Body, want) {
			t.Errorf("child page does not show %q", want)
		}
	}
	if n := len(e.audit("child.create")); n != 3 {
		t.Errorf("child.create audit rows: got %d, want 3 (two seeded, one registered)", n)
	}
}

func TestRegisterValidation(t *testing.T) {
	e := newEnv(t)
	c := e.as("dco")
	good := e.childForm(store.Child{NHSNumber: newNHSNumber(), GivenName: "Valid", FamilyName: "Person", DateOfBirth: send.NewDate(2015, 1, 1)}, "800")
	cases := []struct {
		name, field, value, anchor, message string
	}{
		{"bad NHS number", "nhs_number", "999 123 4568", "#nhs_number", "check digit is wrong"},
		{"short NHS number", "nhs_number", "12345", "#nhs_number", "An NHS number has 10 digits"},
		{"no given name", "given_name", " ", "#given_name", "Enter the given name"},
		{"impossible date", "date_of_birth-day", "31", "#date_of_birth-day", "Date of birth must be a real date"},
		{"bad postcode", "postcode", "NOT A POSTCODE", "#postcode", "Enter a real postcode"},
		{"unknown LA", "la_code", "999", "#la_code", "Choose a local authority from the list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := countChildren(t, e)
			f := url.Values{}
			for k, v := range good {
				f[k] = v
			}
			f.Set(tc.field, tc.value)
			if tc.name == "impossible date" {
				f.Set("date_of_birth-month", "2")
				f.Set("date_of_birth-year", "2020")
			}
			res := c.post("/children", f)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", res.StatusCode)
			}
			body := html.UnescapeString(res.Body)
			if !strings.Contains(body, "There is a problem") || !strings.Contains(res.Body, `href="`+tc.anchor+`"`) {
				t.Errorf("error summary does not link to %s", tc.anchor)
			}
			if !strings.Contains(body, tc.message) {
				t.Errorf("page does not say %q", tc.message)
			}
			if !strings.Contains(res.Body, `<title>Error: `) {
				t.Errorf("title does not start Error:")
			}
			if got := countChildren(t, e); got != before {
				t.Errorf("children: got %d, want %d: an invalid form stored something", got, before)
			}
			// What was typed is kept.
			if tc.field != "la_code" && tc.value != " " && !strings.Contains(body, `value="`+tc.value+`"`) {
				t.Errorf("the form lost the value %q", tc.value)
			}
		})
	}
}

func TestXSSRendersInert(t *testing.T) {
	e := newEnv(t)
	c := e.as("dco")
	payload := `<script>alert(1)</script>"'`
	f := e.childForm(store.Child{NHSNumber: newNHSNumber(), GivenName: payload, FamilyName: `<img src=x onerror=alert(2)>`,
		DateOfBirth: send.NewDate(2014, 6, 1), Setting: `"><svg onload=alert(3)>`}, "800")
	res := c.post("/children", f)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: got %d\n%s", res.StatusCode, res.Body)
	}
	loc := res.Header.Get("Location")
	for _, p := range []string{loc, loc + "/edit", "/children?q=script", "/children/" + strings.TrimPrefix(loc, "/children/") + "/access"} {
		body := c.get(p).Body
		for _, raw := range []string{"<script>alert(1)", "<img src=x", "<svg onload"} {
			if strings.Contains(body, raw) {
				t.Errorf("GET %s: the payload %q is live in the page", p, raw)
			}
		}
	}
	page := c.get(loc).Body
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;") {
		t.Errorf("the name is not shown escaped")
	}
	api := c.api(http.MethodGet, "/api/v1"+loc, "")
	if strings.Contains(api.Body, "<script>") {
		t.Errorf("the API returns the payload unescaped for HTML: %s", api.Body)
	}
}

func TestDuplicateWarning(t *testing.T) {
	e := newEnv(t)
	c := e.as("dco")
	a := e.childA
	f := e.childForm(store.Child{NHSNumber: newNHSNumber(), GivenName: a.GivenName, FamilyName: strings.ToUpper(a.FamilyName),
		DateOfBirth: a.DateOfBirth}, "800")
	before := countChildren(t, e)
	res := c.post("/children", f)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "This child may already be registered") {
		t.Fatalf("same name and date of birth: got %d, want the warning\n%s", res.StatusCode, res.Body)
	}
	if !strings.Contains(res.Body, `name="confirm_duplicate" value="1"`) || !strings.Contains(res.Body, "Register anyway") {
		t.Error("the warning does not offer to register anyway")
	}
	if !strings.Contains(res.Body, `href="/children/`+itoa(a.ID)+`"`) {
		t.Error("the warning does not link to the existing record")
	}
	if got := countChildren(t, e); got != before {
		t.Fatal("the warning stored the child")
	}
	f.Set("confirm_duplicate", "1")
	if res := c.post("/children", f); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("register anyway: got %d", res.StatusCode)
	}
	if got := countChildren(t, e); got != before+1 {
		t.Errorf("children: got %d, want %d", got, before+1)
	}

	t.Run("same NHS number", func(t *testing.T) {
		f := e.childForm(store.Child{NHSNumber: a.NHSNumber, GivenName: "Other", FamilyName: "Name", DateOfBirth: send.NewDate(2010, 1, 1)}, "800")
		res := c.post("/children", f)
		if res.StatusCode != http.StatusConflict || !strings.Contains(res.Body, "A child with this NHS number is already registered") {
			t.Errorf("got %d, want 409 naming the NHS number\n%s", res.StatusCode, res.Body)
		}
		if !strings.Contains(res.Body, `href="#nhs_number"`) {
			t.Error("the conflict does not link to the NHS number")
		}
	})
}

func TestEditConflict(t *testing.T) {
	e := newEnv(t)
	c := e.as("la")
	a := e.current(e.childA)
	form := c.get("/children/" + itoa(a.ID) + "/edit")
	if !strings.Contains(form.Body, `name="version" value="`+itoa(a.Version)+`"`) {
		t.Fatalf("edit form does not carry the version")
	}
	// Someone else saves first.
	other := a
	other.Setting = "Changed by the DCO"
	if err := e.store.UpdateChild(context.Background(), store.System, &other); err != nil {
		t.Fatal(err)
	}
	f := e.childForm(a, "800")
	f.Set("given_name", "Typed By LA")
	f.Set("setting", "Typed setting")
	res := c.post("/children/"+itoa(a.ID), f)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale save: got %d, want 409\n%s", res.StatusCode, res.Body)
	}
	if !strings.Contains(html.UnescapeString(res.Body), conflictMessage) {
		t.Errorf("page does not say %q", conflictMessage)
	}
	if !strings.Contains(res.Body, `value="Typed By LA"`) || !strings.Contains(res.Body, `value="Typed setting"`) {
		t.Error("the person's input was not kept")
	}
	got := e.current(a)
	if got.GivenName != a.GivenName || got.Setting != "Changed by the DCO" || got.Version != a.Version+1 {
		t.Errorf("after the refused save: %+v", got)
	}

	// Saving from the current version works and says so.
	f.Set("version", itoa(got.Version))
	res = c.post("/children/"+itoa(a.ID), f)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("fresh save: got %d\n%s", res.StatusCode, res.Body)
	}
	if got := e.current(a); got.GivenName != "Typed By LA" || got.Version != a.Version+2 {
		t.Errorf("after saving: %+v", got)
	}
}

func TestSearch(t *testing.T) {
	e := newEnv(t)
	c := e.as("dco")
	for i := 0; i < 30; i++ {
		e.mkChild(store.Child{GivenName: "Many", FamilyName: "Pagesworth", DateOfBirth: send.NewDate(2017, 1, 1+i%28), LAID: e.laA.ID})
	}
	res := c.get("/children?q=pagesworth")
	if !strings.Contains(res.Body, "30 results") || !strings.Contains(res.Body, "Showing 1 to 25 of 30") {
		t.Errorf("first page does not show the count")
	}
	if !strings.Contains(res.Body, `href="/children?offset=25&amp;q=pagesworth"`) {
		t.Errorf("no link to the next page keeping the filter")
	}
	res = c.get("/children?q=pagesworth&offset=25")
	if !strings.Contains(res.Body, "Showing 26 to 30 of 30") {
		t.Errorf("second page wrong")
	}
	res = c.get("/children?dob-day=15&dob-month=3&dob-year=2016")
	if !strings.Contains(res.Body, "1 result") || !strings.Contains(res.Body, e.childA.NHSNumber.String()) {
		t.Errorf("search by date of birth did not find child A")
	}
	res = c.get("/children?la=866")
	if !strings.Contains(res.Body, "Brackenbury") || strings.Contains(res.Body, "Ashworth") {
		t.Errorf("LA filter does not filter")
	}
	res = c.get("/children?dob-day=31&dob-month=2&dob-year=2020")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `href="#dob-day"`) {
		t.Errorf("impossible date in search: got %d", res.StatusCode)
	}
	res = c.get("/children?q=nobody-is-called-this")
	if !strings.Contains(res.Body, "No children or young people match your search") {
		t.Errorf("no empty-result message")
	}
}

func TestHomeByRole(t *testing.T) {
	e := newEnv(t)
	cases := map[string][]string{
		"dco":       {"Alphashire", "Betaborough", `href="/children?la=800"`},
		"la":        {"Children in Alphashire", "1 child or young person is registered in Alphashire"},
		"clinician": {"Cases assigned to you", "Ashworth"},
		"provider":  {"Ashworth"},
		"viewer":    {"Dashboard", "low"},
		"admin":     {`href="/admin/users"`, `href="/admin/orgs"`, `href="/admin/settings"`, `href="/admin/audit"`},
	}
	for key, wants := range cases {
		body := e.as(key).get("/").Body
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s home does not show %q", key, want)
			}
		}
	}
	// An empty caseload says so and what would fill it.
	e2 := newEnv(t)
	if err := e2.store.DisableUser(context.Background(), store.System, "clinician@example.nhs.uk"); err != nil {
		t.Fatal(err)
	}
	u := store.User{Email: "new@example.nhs.uk", Name: "New Clinician", Role: store.RoleClinician, OrgID: e2.prov.ID, PasswordHash: passwordHash(t)}
	if err := e2.store.CreateUser(context.Background(), store.System, &u); err != nil {
		t.Fatal(err)
	}
	e2.users["new"] = u
	body := e2.as("new").get("/").Body
	if !strings.Contains(body, "No cases are assigned to you yet. When the DCO assigns you a request it will appear here.") {
		t.Errorf("empty clinician home does not explain itself")
	}
}

func TestChildAccessLog(t *testing.T) {
	e := newEnv(t)
	e.as("la").get("/children/" + itoa(e.childA.ID))
	e.as("laB").get("/children/" + itoa(e.childA.ID)) // refused
	res := e.as("dco").get("/children/" + itoa(e.childA.ID) + "/access")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("got %d", res.StatusCode)
	}
	for _, want := range []string{"la@example.nhs.uk", e.users["laB"].Email, "Viewed the record", "Tried to open the record", "Refused", "Allowed", "Local authority"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("access log does not show %q", want)
		}
	}
}

func httpGet(path string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = "192.0.2.10:4321"
	return r
}
