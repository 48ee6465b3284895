package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dco/internal/auth"
	"dco/internal/errs"
	"dco/internal/store"
)

// The attack of issue 8 through the Users page: an ICB's administrator
// adding a DCO of no ICB (who saw every ICB's children), or one of another
// ICB. Each is refused, naming the field; nothing is stored; every problem
// of the form is reported at once.
func TestAdminCannotMakeDCOOutsideICB(t *testing.T) {
	e := newEnv(t)
	b := e.otherICB()
	admin := e.as("admin") // the administrator of ICB A
	refusedBefore := len(e.audit(store.ActionAccessRefused))
	good := "a long enough password"
	for _, tc := range []struct {
		name    string
		form    url.Values
		anchors []string // the error summary links, in order
		message string
	}{
		{"a DCO of no organisation",
			url.Values{"name": {"Eve"}, "email": {"eve1@example.nhs.uk"}, "role": {"dco"}, "org_id": {""}, "password": {good}},
			[]string{"#org_id"}, "Choose the ICB the DCO works for"},
		{"a DCO of another ICB",
			url.Values{"name": {"Eve"}, "email": {"eve2@example.nhs.uk"}, "role": {"dco"}, "org_id": {itoa(b.icb.ID)}, "password": {good}},
			[]string{"#org_id"}, "Choose an organisation of your ICB"},
		{"a provider user of another ICB's provider",
			url.Values{"name": {"Eve"}, "email": {"eve3@example.nhs.uk"}, "role": {"provider"}, "org_id": {itoa(b.prov.ID)}, "password": {good}},
			[]string{"#org_id"}, "Choose an organisation of your ICB"},
		{"an LA user of another ICB's LA",
			url.Values{"name": {"Eve"}, "email": {"eve4@example.nhs.uk"}, "role": {"la"}, "la_id": {itoa(b.la.ID)}, "password": {good}},
			[]string{"#la_id"}, "Choose an organisation of your ICB"},
		{"an administrator of the whole service",
			url.Values{"name": {"Eve"}, "email": {"eve5@example.nhs.uk"}, "role": {"admin"}, "org_id": {""}, "password": {good}},
			[]string{"#org_id"}, "only the administrator of the whole service"},
		{"everything wrong at once",
			url.Values{"name": {""}, "email": {"eve6@example.nhs.uk"}, "role": {"dco"}, "org_id": {""}, "password": {"short"}},
			[]string{"#name", "#org_id", "#password"}, "Choose the ICB the DCO works for"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := admin.post("/admin/users/new", tc.form)
			wantStatus(t, "add user", res, http.StatusUnprocessableEntity)
			at := 0
			for _, a := range tc.anchors {
				i := strings.Index(res.Body[at:], `href="`+a+`"`)
				if i < 0 {
					t.Errorf("error summary: got no link to %s in order, want %v", a, tc.anchors)
					continue
				}
				at += i
			}
			if !strings.Contains(res.Body, tc.message) {
				t.Errorf("got no %q on the page", tc.message)
			}
			if _, err := e.store.GetUserByEmail(context.Background(), tc.form.Get("email")); !errs.Is(err, errs.NotFound) {
				t.Errorf("the refused account was stored (%v)", err)
			}
		})
	}
	// Naming another ICB's organisation is a refusal, in the audit trail.
	if got := len(e.audit(store.ActionAccessRefused)); got < refusedBefore+3 {
		t.Errorf("access.refused rows: got %d, want at least %d", got-refusedBefore, 3)
	}

	// The form offers only the ICB's own organisations; the list shows only
	// its accounts; another ICB's account cannot be disabled.
	form := admin.get("/admin/users/new").Body
	for _, other := range []string{b.icb.Name, b.la.Name, b.prov.Name} {
		if strings.Contains(form, other) {
			t.Errorf("the form offers %q, of another ICB", other)
		}
	}
	for _, own := range []string{e.icb.Name, e.laA.Name, e.prov.Name} {
		if !strings.Contains(form, own) {
			t.Errorf("the form does not offer %q, of the ICB", own)
		}
	}
	list := admin.get("/admin/users").Body
	if strings.Contains(list, "dcob@example.nhs.uk") || strings.Contains(list, "national@example.nhs.uk") {
		t.Error("the users page lists an account of another ICB or of none")
	}
	dcoB := e.users["dcoB"]
	wantStatus(t, "disable another ICB's DCO", admin.post("/admin/users/"+itoa(dcoB.ID)+"/disable", nil), http.StatusNotFound)
	wantStatus(t, "confirm disabling another ICB's DCO", admin.get("/admin/users/"+itoa(dcoB.ID)+"/disable"), http.StatusNotFound)
	if got, _ := e.store.GetUser(context.Background(), dcoB.ID); got.Disabled {
		t.Error("another ICB's DCO was disabled")
	}

	// The ICB's own DCO is added, and must choose a password first.
	res := admin.post("/admin/users/new", url.Values{"name": {"Dee Coe"}, "email": {"dee@example.nhs.uk"}, "role": {"dco"},
		"org_id": {itoa(e.icb.ID)}, "password": {good}})
	wantStatus(t, "add the ICB's DCO", res, http.StatusSeeOther)
	if u, err := e.store.GetUserByEmail(context.Background(), "dee@example.nhs.uk"); err != nil || u.OrgID != e.icb.ID || !u.MustChangePassword {
		t.Errorf("stored: org %d, must change %v (%v); want org %d, true", u.OrgID, u.MustChangePassword, err, e.icb.ID)
	}
}

// A new account's first sign-in: the password the administrator typed
// signs in once, and every page then asks for a new one until it is
// chosen; after that the old password is refused and the new one works.
func TestFirstSignInChoosesPassword(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	typed, chosen := "typed by the administrator", "chosen by the person"
	res := e.as("admin").post("/admin/users/new", url.Values{"name": {"Lara Caseworker"}, "email": {"lara@alphashire.gov.uk"},
		"role": {"la"}, "la_id": {itoa(e.laA.ID)}, "password": {typed}})
	wantStatus(t, "add user", res, http.StatusSeeOther)

	res = e.signIn("lara@alphashire.gov.uk", typed, "/children")
	wantStatus(t, "first sign-in", res, http.StatusSeeOther)
	sc := cookieNamed(res, e.srv.sessionCookie)
	if sc == nil {
		t.Fatal("first sign-in set no session cookie")
	}
	sess, u, err := e.store.GetSession(ctx, auth.HashSecret(sc.Value))
	if err != nil {
		t.Fatal(err)
	}
	c := &client{e: e, user: u, secret: sc.Value, csrf: sess.CSRFToken}

	// Every page, and every form, goes to the password page.
	before, _, _ := e.store.SearchChildren(ctx, store.System, store.ChildFilter{Limit: 100})
	for _, tc := range []struct {
		name string
		res  response
	}{
		{"home", c.get("/")},
		{"children", c.get("/children")},
		{"a child", c.get("/children/" + itoa(e.childA.ID))},
		{"registering a child", c.post("/children", e.childForm(store.Child{NHSNumber: newNHSNumber(), GivenName: "New",
			FamilyName: "Child", DateOfBirth: e.childA.DateOfBirth}, e.laA.Code))},
	} {
		if tc.res.StatusCode != http.StatusSeeOther || tc.res.Header.Get("Location") != "/account/password" {
			t.Errorf("%s: got %d to %q, want 303 to /account/password", tc.name, tc.res.StatusCode, tc.res.Header.Get("Location"))
		}
	}
	if after, _, _ := e.store.SearchChildren(ctx, store.System, store.ChildFilter{Limit: 100}); len(after) != len(before) {
		t.Errorf("a child was registered before the password was chosen: %d children, want %d", len(after), len(before))
	}
	page := c.get("/account/password")
	wantStatus(t, "password page", page, http.StatusOK)
	mustContain(t, "password page", page.Body, "<h1>Choose a new password</h1>", `name="csrf_token"`)

	for _, tc := range []struct {
		name      string
		form      url.Values
		anchors   []string
		messages  []string
		noEchoing string
	}{
		{"nothing entered", url.Values{}, []string{"#password", "#confirm_password"},
			[]string{"Enter a new password", "Enter the new password again"}, ""},
		{"too short and different", url.Values{"password": {"short"}, "confirm_password": {"shorter"}}, []string{"#password", "#confirm_password"},
			[]string{"Enter a password of at least 12 characters", "Enter the same password twice"}, "short"},
		{"the one given", url.Values{"password": {typed}, "confirm_password": {typed}}, []string{"#password"},
			[]string{"Enter a password different from the one you were given"}, typed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := c.post("/account/password", tc.form)
			wantStatus(t, "save", res, http.StatusUnprocessableEntity)
			mustContain(t, "error summary", res.Body, append(tc.messages, "There is a problem")...)
			for _, a := range tc.anchors {
				mustContain(t, "error summary", res.Body, `href="`+a+`"`)
			}
			if tc.noEchoing != "" && strings.Contains(res.Body, `value="`+tc.noEchoing+`"`) {
				t.Error("a password typed was shown again")
			}
		})
	}
	wantStatus(t, "without the form token", c.post("/account/password", url.Values{"password": {chosen}, "confirm_password": {chosen},
		"csrf_token": {"wrong"}}), http.StatusForbidden)

	res = c.post("/account/password", url.Values{"password": {chosen}, "confirm_password": {chosen}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("save: got %d to %q, want 303 to /", res.StatusCode, res.Header.Get("Location"))
	}
	mustContain(t, "home after choosing", c.follow(res).Body, "Your new password is saved", "Children in Alphashire")
	wantStatus(t, "children after choosing", c.get("/children"), http.StatusOK)
	if res := c.get("/account/password"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("password page after choosing: got %d to %q, want 303 to /", res.StatusCode, res.Header.Get("Location"))
	}
	if n := len(e.audit("user.password")); n != 1 {
		t.Errorf("user.password audit rows: got %d, want 1", n)
	}

	wantStatus(t, "sign in with the password given", e.signIn("lara@alphashire.gov.uk", typed, ""), http.StatusUnprocessableEntity)
	res = e.signIn("lara@alphashire.gov.uk", chosen, "/children")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/children" {
		t.Errorf("sign in with the password chosen: got %d to %q, want 303 to /children", res.StatusCode, res.Header.Get("Location"))
	}
}

// An account dco itself adds (the command line, the demo, these tests)
// signs in with its password and goes straight on.
func TestSignInWithoutChoosingPassword(t *testing.T) {
	e := newEnv(t)
	res := e.signIn("la@example.nhs.uk", testPassword, "/children")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/children" {
		t.Fatalf("sign in: got %d to %q, want 303 to /children", res.StatusCode, res.Header.Get("Location"))
	}
	wantStatus(t, "home", e.as("la").get("/"), http.StatusOK)
	if res := e.as("la").get("/account/password"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("password page: got %d to %q, want 303 to /", res.StatusCode, res.Header.Get("Location"))
	}
}

// The DCO's home lists the accounts of their ICB added or changed this
// month, with who did it; another ICB's DCO sees only theirs; with none,
// it says so.
func TestDCOHomeListsAccountChanges(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.otherICB()
	admin := e.as("admin")
	wantStatus(t, "add", admin.post("/admin/users/new", url.Values{"name": {"Clara Clinician"}, "email": {"clara@example.nhs.uk"},
		"role": {"clinician"}, "org_id": {itoa(e.prov.ID)}, "password": {"a long enough password"}}), http.StatusSeeOther)
	u, err := e.store.GetUserByEmail(ctx, "clara@example.nhs.uk")
	if err != nil {
		t.Fatal(err)
	}
	adminActor := store.Actor{UserID: e.users["admin"].ID, Email: e.users["admin"].Email, Role: store.RoleAdmin, OrgID: e.icb.ID}
	u.Role, u.OrgID = store.RoleDCO, e.icb.ID
	if err := e.store.UpdateUser(ctx, adminActor, &u); err != nil {
		t.Fatal(err)
	}

	home := e.as("dco").get("/")
	wantStatus(t, "DCO home", home, http.StatusOK)
	mustContain(t, "DCO home", home.Body, "Accounts added or changed this month",
		"Clara Clinician", "Account added", "Role changed from Clinician to DCO",
		"Organisation changed from Test Community Health to Test ICB", "admin@example.nhs.uk")
	// The demo and test accounts dco itself added are its own.
	mustContain(t, "DCO home", home.Body, "dco itself")
	for _, other := range []string{"Test DCO of ICB B", "Test provider of ICB B"} {
		if strings.Contains(home.Body, other) {
			t.Errorf("ICB A's DCO home lists %q, of ICB B", other)
		}
	}

	homeB := e.as("dcoB").get("/")
	mustContain(t, "ICB B's DCO home", homeB.Body, "Test DCO of ICB B", "Test provider of ICB B")
	if strings.Contains(homeB.Body, "Clara Clinician") {
		t.Error("ICB B's DCO home lists an account of ICB A")
	}

	// Next month, nothing yet.
	e.clock.Add(40 * 24 * time.Hour)
	mustContain(t, "DCO home next month", e.as("dco").get("/").Body, "No accounts of your ICB have been added or changed in")
}

// The access matrix's account cells through the page (issue 8 item 9):
// every role, and the administrator of the whole service, × adding a DCO
// of their own ICB, of another ICB, or of none. 303 is added; 422 refused
// naming the field; 403 not a page for that role.
func TestAccountMatrixHTTP(t *testing.T) {
	e := newEnv(t)
	b := e.otherICB()
	super := store.User{Email: "super@example.nhs.uk", Name: "Whole service", Role: store.RoleAdmin, PasswordHash: passwordHash(t)}
	if err := e.store.CreateUser(context.Background(), store.System, &super); err != nil {
		t.Fatal(err)
	}
	e.users["super"] = super
	targets := []struct {
		name string
		org  string
	}{{"own ICB", itoa(e.icb.ID)}, {"another ICB", itoa(b.icb.ID)}, {"no ICB", ""}}
	cells := map[string][3]int{
		"super":     {http.StatusSeeOther, http.StatusSeeOther, http.StatusUnprocessableEntity},
		"admin":     {http.StatusSeeOther, http.StatusUnprocessableEntity, http.StatusUnprocessableEntity},
		"dco":       {http.StatusForbidden, http.StatusForbidden, http.StatusForbidden},
		"la":        {http.StatusForbidden, http.StatusForbidden, http.StatusForbidden},
		"clinician": {http.StatusForbidden, http.StatusForbidden, http.StatusForbidden},
		"provider":  {http.StatusForbidden, http.StatusForbidden, http.StatusForbidden},
		"viewer":    {http.StatusForbidden, http.StatusForbidden, http.StatusForbidden},
	}
	n := 0
	for key, want := range cells {
		for i, target := range targets {
			t.Run(key+"/"+target.name, func(t *testing.T) {
				n++
				email := "m" + itoa(int64(n)) + "@example.nhs.uk"
				res := e.as(key).post("/admin/users/new", url.Values{"name": {"Matrix"}, "email": {email}, "role": {"dco"},
					"org_id": {target.org}, "password": {"a long enough password"}})
				if res.StatusCode != want[i] {
					t.Errorf("got %d, want %d", res.StatusCode, want[i])
				}
				if want[i] == http.StatusUnprocessableEntity && !strings.Contains(res.Body, `href="#org_id"`) {
					t.Error("the refusal does not name the organisation field")
				}
				_, err := e.store.GetUserByEmail(context.Background(), email)
				if stored := err == nil; stored != (want[i] == http.StatusSeeOther) {
					t.Errorf("stored: got %v, want %v", stored, want[i] == http.StatusSeeOther)
				}
			})
		}
	}
}
