package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dco/internal/send"
	"dco/internal/store"
)

// The access matrix reaches a registration request about each of its
// children: one made by a user of the env's ICB, so that its DCO may
// resolve it, for a child registered in another ICB.
func init() {
	matrixObjects["/registration-requests/"] = (*env).requestFor
}

// requestFor returns a registration request for the matrix, made for each
// child: a new LA user of the env's ICB registers, in LA A, the NHS number
// of a child registered in another ICB (added once per env).
func (e *env) requestFor(c store.Child) int64 {
	e.t.Helper()
	ctx := context.Background()
	if _, ok := e.users["dcoB"]; !ok {
		// The Section 23 matrix's second provider names no ICB, which
		// dco allows only while there is one: make it first.
		e.otherProvider()
		e.otherICB()
	}
	other, err := e.store.FindLA(ctx, "887") // otherICB's LA
	if err != nil {
		e.t.Fatalf("other ICB's LA: %v", err)
	}
	theirs := e.mkChild(store.Child{GivenName: "Elsewhere", FamilyName: "Registered", DateOfBirth: send.NewDate(2015, 4, 4), LAID: other.ID})
	u := e.addUser("requester"+itoa(c.ID)+"x"+itoa(theirs.ID), store.User{Role: store.RoleLA, LAID: e.laA.ID})
	try := store.Child{NHSNumber: theirs.NHSNumber, GivenName: "Matrix", FamilyName: "Request", DateOfBirth: send.NewDate(2015, 4, 4)}
	err = e.store.CreateChild(ctx, store.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, LAID: u.LAID}, &try)
	var sent *store.RegistrationSent
	if !errors.As(err, &sent) {
		e.t.Fatalf("matrix registration request: got %v", err)
	}
	return sent.RequestID
}

// addUser adds a user under key, with a made-up e-mail address.
func (e *env) addUser(key string, u store.User) store.User {
	e.t.Helper()
	u.Email, u.Name, u.PasswordHash = key+"@example.nhs.uk", "Test "+key, passwordHash(e.t)
	if err := e.store.CreateUser(context.Background(), store.System, &u); err != nil {
		e.t.Fatalf("create user %s: %v", key, err)
	}
	e.users[key] = u
	return u
}

// hiddenChild registers, as dco itself, a young child of LA B (s.23
// applies) with details no test types: the child the provider and LA A's
// user may not see.
func (e *env) hiddenChild(today send.Date) store.Child {
	return e.mkChild(store.Child{GivenName: "Secretgiven", FamilyName: "Hiddenfamily", DateOfBirth: today.AddDays(-730),
		Postcode: "SN2 2BB", Setting: "Secret Nursery", LAID: e.laB.ID})
}

// hiddenSecrets are what a user who may not see c must never be shown:
// everything of it they did not type (the date of birth last).
func hiddenSecrets(c store.Child) []string {
	return []string{c.GivenName, c.Postcode, c.Setting, c.DateOfBirth.Long(), c.DateOfBirth.String()}
}

// s23Guess is the form of a provider that knows a child's NHS number,
// family name and LA and guesses the date of birth.
func (e *env) s23Guess(c store.Child, la store.Org, dob, today send.Date) url.Values {
	f := s23Form(c.NHSNumber, "Typedgiven", dob, la.Code, today.AddDays(-9), today.AddDays(-7), send.Date{})
	f.Set("family_name", c.FamilyName)
	return f
}

// s23GuessJSON is the same guess through the API.
func s23GuessJSON(c store.Child, la store.Org, dob, today send.Date, extra string) string {
	return fmt.Sprintf(`{"child":{"nhs_number":%q,"given_name":"Typedgiven","family_name":%q,"date_of_birth":%q,"la_code":%q},
		"professional":"HV","needs":["communication"],"reasons":"Delay","parent_informed_on":%q,"discussion_offered_on":%q,
		"consent_to_share":"yes"%s}`, c.NHSNumber, c.FamilyName, dob, la.Code, today.AddDays(-7), today.AddDays(-7), extra)
}

// mismatchText returns the sentence of body that speaks of a registered
// child, for a failure message.
func mismatchText(body string) string {
	i := strings.Index(body, "already registered")
	if i < 0 {
		return "(nothing about a registered child)"
	}
	return body[max(0, i-40):min(len(body), i+120)]
}

// TestS23CheckNoDateOfBirthOracle reproduces the attack of issue 8 item 3:
// a provider knowing a child's NHS number, family name and LA guesses the
// date of birth through the Section 23 check step, or through the API.
// Every wrong guess gets the one message, audited against the child; the
// 7th attempt waits (429), the right date included; and when the right
// date is finally accepted, the page shows what the provider typed, never
// the registered given name, postcode or setting.
func TestS23CheckNoDateOfBirthOracle(t *testing.T) {
	for _, route := range []string{"POST /s23-notifications/check", "POST /api/v1/s23-notifications"} {
		t.Run(route, func(t *testing.T) {
			e := newEnv(t)
			e.store.Now = e.clock.Now
			today := send.Today(e.clock.Now())
			hidden := e.hiddenChild(today)
			p := e.as("provider")
			try := func(dob send.Date) (response, string) {
				if route == "POST /s23-notifications/check" {
					f := e.s23Guess(hidden, e.laB, dob, today)
					return p.post("/s23-notifications/check", f), f.Encode()
				}
				body := s23GuessJSON(hidden, e.laB, dob, today, "")
				return p.api(http.MethodPost, "/api/v1/s23-notifications", body), body
			}
			for i := 1; i <= 6; i++ {
				res, sent := try(hidden.DateOfBirth.AddDays(i))
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("guess %d: got %d, want 422\n%s", i, res.StatusCode, res.Body)
				}
				if body := htmlUnescape(res.Body); !strings.Contains(body, "already registered with different details") {
					t.Errorf("guess %d: got %q, want the one mismatch message", i, mismatchText(body))
				}
				for _, s := range hiddenSecrets(hidden) {
					if strings.Contains(res.Body, s) && !strings.Contains(sent, s) {
						t.Errorf("guess %d shows %q of the registered child", i, s)
					}
				}
			}
			res, _ := try(hidden.DateOfBirth)
			if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.Body, "too many attempts") {
				t.Fatalf("7th attempt: got %d, want 429 saying so", res.StatusCode)
			}
			if strings.Contains(res.Body, hidden.GivenName) {
				t.Errorf("the throttled answer shows the child")
			}
			rows := 0
			for _, a := range e.audit("child.identity_mismatch") {
				if a.ChildID == hidden.ID && a.Outcome == store.OutcomeRefused && a.UserID == p.user.ID {
					rows++
				}
			}
			if rows != 6 {
				t.Errorf("mismatch audit rows against the child: got %d, want 6", rows)
			}
			e.clock.Add(2 * time.Second)
			res, sent := try(hidden.DateOfBirth)
			if route == "POST /s23-notifications/check" {
				wantStatus(t, "the right date after the wait", res, http.StatusOK)
				if !strings.Contains(res.Body, "Typedgiven") || !strings.Contains(res.Body, "Already in dco") {
					t.Errorf("check page: want the typed name and that the child is already in dco\n%s", res.Body)
				}
				for _, s := range hiddenSecrets(hidden) {
					if strings.Contains(res.Body, s) && !strings.Contains(sent, s) && s != hidden.DateOfBirth.Long() {
						t.Errorf("the check page shows %q of the registered child", s)
					}
				}
			} else {
				wantStatus(t, "the right date after the wait", res, http.StatusCreated)
			}
		})
	}
}

// TestRegisterKnownNumberOutsideICB reproduces issue 8 item 6: a user of
// another ICB registering an NHS number dco holds learned that it is held
// (409). Through the API and the form it is now accepted as a request for
// their DCO team, in words that do not say the number is known; nothing
// is registered; their DCO lists it and resolves it; the child's own DCO
// sees the attempt in "who has accessed this record".
func TestRegisterKnownNumberOutsideICB(t *testing.T) {
	e := newEnv(t)
	b := e.otherICB()
	pb := e.as("providerB")
	known := e.current(e.childA)

	res := pb.api(http.MethodPost, "/api/v1/children", fmt.Sprintf(
		`{"nhs_number":%q,"given_name":"Apiprobe","family_name":"Probe","date_of_birth":"2016-03-15","la_code":%q}`, known.NHSNumber, b.la.Code))
	if res.StatusCode != http.StatusAccepted || !strings.Contains(res.Body, "Your registration has been sent to the DCO team") {
		t.Errorf("API: got %d %s, want 202 saying it was sent to the DCO team", res.StatusCode, res.Body)
	}
	form := e.childForm(store.Child{NHSNumber: known.NHSNumber, GivenName: "Formprobe", FamilyName: "Probe",
		DateOfBirth: send.NewDate(2016, 3, 15)}, b.la.Code)
	res = pb.post("/children", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/children" {
		t.Fatalf("form: got %d to %q, want 303 to /children (%s)", res.StatusCode, res.Header.Get("Location"), mismatchText(htmlUnescape(res.Body)))
	}
	if body := htmlUnescape(pb.follow(res).Body); !strings.Contains(body, "Your registration has been sent to the DCO team") {
		t.Errorf("form: no banner saying it was sent to the DCO team")
	}
	for _, s := range append(secrets(known), "already registered") {
		if strings.Contains(res.Body, s) && !strings.Contains(form.Encode(), s) {
			t.Errorf("form answer shows %q", s)
		}
	}
	if got, _, _ := e.store.SearchChildren(context.Background(), store.System, store.ChildFilter{LAID: b.la.ID}); len(got) != 0 {
		t.Errorf("a child was registered in ICB B: %d", len(got))
	}

	// ICB B's DCO sees both, with what was sent and where the child is
	// registered, and nothing of the registered record.
	db := e.as("dcoB")
	if home := db.get("/"); !strings.Contains(home.Body, "Registration requests") || !strings.Contains(home.Body, "(2 open)") {
		t.Errorf("home: no link to 2 open registration requests")
	}
	res = db.get("/registration-requests")
	wantStatus(t, "requests", res, http.StatusOK)
	for _, want := range []string{"Apiprobe Probe", "Formprobe Probe", known.NHSNumber.String(), "providerb@example.nhs.uk", "Test ICB"} {
		if !strings.Contains(res.Body, want) {
			t.Errorf("requests page lacks %q\n%s", want, res.Body)
		}
	}
	if strings.Contains(res.Body, known.GivenName) {
		t.Errorf("requests page shows the registered child's given name")
	}
	m := regexp.MustCompile(`action="(/registration-requests/\d+/resolve)"[^>]*>\s*<input type="hidden" name="csrf_token" value="[^"]*">\s*<input type="hidden" name="version" value="(\d+)">`).
		FindStringSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no resolve form on the requests page\n%s", res.Body)
	}
	res = db.post(m[1], url.Values{"version": {m[2]}})
	wantStatus(t, "resolve", res, http.StatusSeeOther)
	if body := db.follow(res).Body; !strings.Contains(body, "Registration request marked as resolved") || strings.Count(body, "Mark as resolved<") != 1 {
		t.Errorf("after resolving: want the banner and one request left\n%s", body)
	}
	wantStatus(t, "resolve twice", db.post(m[1], url.Values{"version": {m[2]}}), http.StatusConflict)
	wantStatus(t, "ICB A's DCO resolves ICB B's", e.as("dco").post(m[1], url.Values{"version": {"2"}}), http.StatusNotFound)

	// The child's own DCO sees the attempts against the record.
	access := e.as("dco").get("/children/" + itoa(known.ID) + "/access")
	if n := strings.Count(access.Body, "Tried to register the child again"); n != 2 {
		t.Errorf("access history: got %d registration attempts, want 2", n)
	}
	// Within the child's ICB the conflict stays.
	res = e.as("la").api(http.MethodPost, "/api/v1/children", fmt.Sprintf(
		`{"nhs_number":%q,"given_name":"Same","family_name":"Icb","date_of_birth":"2016-03-15"}`, known.NHSNumber))
	wantStatus(t, "same ICB", res, http.StatusConflict)
}

// identityRoutes are the routes that take a child's details and decide
// against the child registered with the NHS number given.
var identityRoutes = []string{"POST /s23-notifications/check", "POST /s23-notifications", "POST /api/v1/s23-notifications",
	"POST /children", "POST /api/v1/children"}

// TestAccessMatrixIdentityChecks is the access matrix's identity cell:
// every route that matches details to a registered child × every role × a
// child the user may see and one they may not. A role the route does not
// allow gets 403; for one it allows, a mismatch (a wrong date of birth, or
// an NHS number already registered) shows nothing of a child the user may
// not see beyond what they typed, nor does a match on the check page, and
// the 7th mismatch in a row waits (429).
func TestAccessMatrixIdentityChecks(t *testing.T) {
	e := newEnv(t)
	e.store.Now = e.clock.Now
	today := send.Today(e.clock.Now())
	own := e.mkChild(store.Child{GivenName: "Owngiven", FamilyName: "Ownfamily", DateOfBirth: today.AddDays(-700),
		Postcode: "BA1 1AA", Setting: "Own Nursery", LAID: e.laA.ID})
	if err := e.store.GrantChildAccess(context.Background(), store.System, own.ID, 0, e.prov.ID, "test"); err != nil {
		t.Fatal(err)
	}
	hidden := e.hiddenChild(today)
	objects := []struct {
		name  string
		child store.Child
		la    store.Org
	}{{"own", own, e.laA}, {"hidden", hidden, e.laB}}
	seen := map[string]bool{}
	for _, ri := range allRoutes() {
		seen[ri.Pattern] = true
	}
	n := 0
	for _, pattern := range identityRoutes {
		if !seen[pattern] {
			t.Fatalf("%s is not a route", pattern)
		}
		var ri RouteInfo
		for _, r := range allRoutes() {
			if r.Pattern == pattern {
				ri = r
			}
		}
		register := strings.HasSuffix(ri.Path, "/children")
		for _, role := range store.Roles {
			for _, obj := range objects {
				name := fmt.Sprintf("%s/%s/%s", pattern, role, obj.name)
				n++
				key := fmt.Sprintf("cell%d", n)
				base := e.users[roleKeys[role]]
				e.addUser(key, store.User{Role: role, OrgID: base.OrgID, LAID: base.LAID})
				c := e.as(key)
				hide := !(role == store.RoleDCO || obj.name == "own" && (role == store.RoleLA || role == store.RoleProvider))
				la := obj.la
				if role == store.RoleLA {
					la = e.laA // an LA user registers in their own LA
				}
				attempt := func(i int) (response, string) {
					dob := obj.child.DateOfBirth.AddDays(i)
					switch {
					case register && ri.API:
						body := fmt.Sprintf(`{"nhs_number":%q,"given_name":"Typedgiven","family_name":%q,"date_of_birth":%q,"la_code":%q}`,
							obj.child.NHSNumber, obj.child.FamilyName, dob, la.Code)
						return c.api(http.MethodPost, ri.Path, body), body
					case register:
						f := e.childForm(store.Child{NHSNumber: obj.child.NHSNumber, GivenName: "Typedgiven", FamilyName: obj.child.FamilyName,
							DateOfBirth: dob}, la.Code)
						return c.post(ri.Path, f), f.Encode()
					case ri.API:
						body := s23GuessJSON(obj.child, obj.la, dob, today, fmt.Sprintf(`,"provider_code":%q`, e.prov.Code))
						if role != store.RoleDCO {
							body = s23GuessJSON(obj.child, obj.la, dob, today, "")
						}
						return c.api(http.MethodPost, ri.Path, body), body
					default:
						f := e.s23Guess(obj.child, obj.la, dob, today)
						if role == store.RoleDCO {
							f.Set("provider_code", e.prov.Code)
						}
						return c.post(ri.Path, f), f.Encode()
					}
				}
				leak := func(i int, res response, sent string) {
					if !hide {
						return
					}
					secrets := hiddenSecrets(obj.child)
					if i == 0 {
						secrets = secrets[:3] // the date of birth was typed, in boxes
					}
					for _, s := range secrets {
						if strings.Contains(res.Body, s) && !strings.Contains(sent, s) {
							t.Errorf("%s attempt %d: shows %q of a child the %s may not see", name, i, s, role)
						}
					}
				}
				if !ri.Allows(role) {
					res, sent := attempt(1)
					if res.StatusCode != http.StatusForbidden {
						t.Errorf("%s: got %d, want 403", name, res.StatusCode)
					}
					leak(1, res, sent)
					continue
				}
				if pattern == "POST /s23-notifications/check" {
					// The right details: the check page, showing only what
					// was typed of a child the user may not see.
					res, sent := attempt(0)
					if res.StatusCode != http.StatusOK {
						t.Errorf("%s match: got %d, want 200", name, res.StatusCode)
					}
					leak(0, res, sent)
				}
				want := http.StatusUnprocessableEntity
				if register {
					want = http.StatusConflict // the env has one ICB: the conflict stays
				}
				for i := 1; i <= 7; i++ {
					res, sent := attempt(i)
					if i == 7 {
						want = http.StatusTooManyRequests
					}
					if res.StatusCode != want {
						t.Errorf("%s attempt %d: got %d, want %d", name, i, res.StatusCode, want)
					}
					leak(i, res, sent)
				}
			}
		}
	}
}
