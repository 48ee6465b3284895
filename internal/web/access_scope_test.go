package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dco/internal/send"
	"dco/internal/store"
)

// TestAccessMatrixChangeScope is the access matrix's "change scope" cells
// (issue 8 items 1 and 9): every role, and the DCO of another ICB (dcoB), moving a
// child of LA A to its own LA (no move), to the other LA of the ICB and to
// another ICB's LA, through the API's PATCH and the form. Only the DCO of
// the child's ICB moves it, and only within its ICB; a role the route does
// not allow gets 403, a user who cannot see the child 404, and any other
// move is refused with 422 naming la_code; the child's LA changes only
// when the move is allowed.
func TestAccessMatrixChangeScope(t *testing.T) {
	e := newEnv(t)
	other := e.otherICB().la // with its DCO dcoB and provider user providerB
	ctx := context.Background()
	const (
		saved     = "saved"
		refused   = "refused"
		forbidden = "forbidden"
		notFound  = "not found"
	)
	targets := []struct {
		name string
		la   store.Org
	}{{"own LA", e.laA}, {"other LA of the ICB", e.laB}, {"another ICB's LA", other}}
	cells := []struct {
		who  string // the user's key
		want [3]string
	}{
		{"dco", [3]string{saved, saved, refused}},
		{"la", [3]string{saved, refused, refused}},
		{"provider", [3]string{saved, refused, refused}},
		{"clinician", [3]string{forbidden, forbidden, forbidden}},
		{"viewer", [3]string{forbidden, forbidden, forbidden}},
		{"admin", [3]string{forbidden, forbidden, forbidden}},
		{"dcoB", [3]string{notFound, notFound, notFound}},
	}
	for _, role := range store.Roles {
		found := false
		for _, c := range cells {
			found = found || e.users[c.who].Role == role
		}
		if !found {
			t.Fatalf("role %s has no change-scope cells", role)
		}
	}
	routes := []struct {
		name string
		send func(c *client, cur store.Child, code string) response
	}{
		{"PATCH /api/v1/children/{id}", func(c *client, cur store.Child, code string) response {
			return c.api(http.MethodPatch, "/api/v1/children/"+itoa(cur.ID),
				fmt.Sprintf(`{"version":%d,"la_code":%q,"setting":"Changed by the matrix"}`, cur.Version, code))
		}},
		{"POST /children/{id}", func(c *client, cur store.Child, code string) response {
			f := e.childForm(cur, code)
			f.Set("setting", "Changed by the matrix")
			return c.post("/children/"+itoa(cur.ID), f)
		}},
	}
	for _, rt := range routes {
		for _, cell := range cells {
			for ti, target := range targets {
				name := fmt.Sprintf("%s/%s/%s", rt.name, cell.who, target.name)
				t.Run(name, func(t *testing.T) {
					cur := e.current(e.childA)
					res := rt.send(e.as(cell.who), cur, target.la.Code)
					after := e.current(e.childA)
					want := cell.want[ti]
					wantLA := e.laA.ID
					switch want {
					case saved:
						if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusSeeOther {
							t.Fatalf("got %d, want the change saved\n%s", res.StatusCode, res.Body)
						}
						wantLA = target.la.ID
					case refused:
						if res.StatusCode != http.StatusUnprocessableEntity {
							t.Fatalf("got %d, want 422\n%s", res.StatusCode, res.Body)
						}
						if strings.HasPrefix(rt.name, "PATCH") {
							if got := decodeError(t, res).Fields["la_code"]; got == "" {
								t.Errorf("error fields: got none for la_code, want la_code named\n%s", res.Body)
							}
						} else if !strings.Contains(res.Body, `href="#la_code"`) {
							t.Errorf("form: got no error linked to la_code, want one\n%s", res.Body)
						}
					case forbidden:
						if res.StatusCode != http.StatusForbidden {
							t.Fatalf("got %d, want 403", res.StatusCode)
						}
					case notFound:
						if res.StatusCode != http.StatusNotFound {
							t.Fatalf("got %d, want 404", res.StatusCode)
						}
					}
					if after.LAID != wantLA {
						t.Errorf("child's LA: got %d, want %d", after.LAID, wantLA)
					}
					if want != saved && after.Version != cur.Version {
						t.Errorf("child's version: got %d, want %d (nothing saved)", after.Version, cur.Version)
					}
					if after.LAID != e.laA.ID { // put the child back for the next cell
						after.LAID = e.laA.ID
						if err := e.store.UpdateChild(ctx, store.System, &after); err != nil {
							t.Fatalf("move back: %v", err)
						}
					}
				})
			}
		}
	}
	// Every move made and refused is in the audit trail with both LAs.
	moved, refusedMoves := 0, 0
	for _, a := range e.audit("child.update") {
		if strings.Contains(a.Detail, "la_from="+itoa(e.laA.ID)+" la_to="+itoa(e.laB.ID)) && a.Role == store.RoleDCO {
			moved++
		}
	}
	for _, a := range e.audit(store.ActionAccessRefused) {
		if strings.Contains(a.Detail, "action=child.update la_from=") {
			refusedMoves++
		}
	}
	if moved != 2 {
		t.Errorf("moves by the DCO audited with both LAs: got %d, want 2", moved)
	}
	// LA and provider: 2 refused targets each; the DCO: 1; two routes.
	if refusedMoves != 10 {
		t.Errorf("refused moves audited with both LAs: got %d, want 10", refusedMoves)
	}
}

// TestRegisterScope: a provider registers a child only in an LA of its own
// ICB, through the API and the form, and a DCO only in its ICB's LAs; the
// attack's POST /api/v1/children into another ICB's LA is refused, naming
// la_code, and stores nothing.
func TestRegisterScope(t *testing.T) {
	e := newEnv(t)
	other := e.otherICB().la // with its DCO dcoB and provider user providerB
	ctx := context.Background()
	tests := []struct {
		name, who string
		la        store.Org
		want      int
	}{
		{"provider, LA of its ICB", "provider", e.laB, http.StatusCreated},
		{"provider, another ICB's LA", "provider", other, http.StatusUnprocessableEntity},
		{"DCO, another ICB's LA", "dco", other, http.StatusUnprocessableEntity},
		{"other ICB's provider, its own LA", "providerB", other, http.StatusCreated},
		{"other ICB's provider, this ICB's LA", "providerB", e.laA, http.StatusUnprocessableEntity},
		{"LA user, another LA", "la", e.laB, http.StatusUnprocessableEntity},
	}
	n := 0
	for _, tc := range tests {
		for _, form := range []bool{false, true} {
			route := "POST /api/v1/children"
			if form {
				route = "POST /children"
			}
			t.Run(route+"/"+tc.name, func(t *testing.T) {
				n++ // a date of birth of its own, so that no child looks like a duplicate
				before, _ := e.store.CountChildren(ctx, store.System)
				fresh := store.Child{NHSNumber: newNHSNumber(), GivenName: "Newly", FamilyName: "Registered",
					DateOfBirth: send.NewDate(2019, 1, n)}
				c := e.as(tc.who)
				var res response
				want := tc.want
				if form {
					res = c.post("/children", e.childForm(fresh, tc.la.Code))
					if want == http.StatusCreated {
						want = http.StatusSeeOther
					}
				} else {
					res = c.api(http.MethodPost, "/api/v1/children", fmt.Sprintf(
						`{"nhs_number":%q,"given_name":"Newly","family_name":"Registered","date_of_birth":%q,"la_code":%q}`,
						fresh.NHSNumber, fresh.DateOfBirth.String(), tc.la.Code))
				}
				if res.StatusCode != want {
					t.Fatalf("got %d, want %d\n%s", res.StatusCode, want, res.Body)
				}
				after, _ := e.store.CountChildren(ctx, store.System)
				if want == http.StatusUnprocessableEntity {
					if after != before {
						t.Errorf("children: got %d, want %d (nothing stored)", after, before)
					}
					if form && !strings.Contains(res.Body, `href="#la_code"`) {
						t.Errorf("form: got no error linked to la_code")
					}
					if !form && decodeError(t, res).Fields["la_code"] == "" {
						t.Errorf("API: got no error for la_code\n%s", res.Body)
					}
				} else if after != before+1 {
					t.Errorf("children: got %d, want %d", after, before+1)
				}
			})
		}
	}
}

// TestChildFormLAChoice: the form offers only the LAs the user may choose:
// a provider registering a child its own ICB's, and nobody but the DCO team
// a choice when changing a child, who are told who can move the child.
func TestChildFormLAChoice(t *testing.T) {
	e := newEnv(t)
	other := e.otherICB().la // with its DCO dcoB and provider user providerB
	id := itoa(e.childA.ID)
	selectRE := `<select class="nhsuk-select" id="la_code" name="la_code"`
	option := func(o store.Org) string { return `<option value="` + o.Code + `"` }
	tests := []struct {
		name, who, path string
		select_         bool
		offered, hidden []store.Org
		hint            bool
	}{
		{"provider registers", "provider", "/children/new", true, []store.Org{e.laA, e.laB}, []store.Org{other}, false},
		{"other ICB's provider registers", "providerB", "/children/new", true, []store.Org{other}, []store.Org{e.laA, e.laB}, false},
		{"DCO registers", "dco", "/children/new", true, []store.Org{e.laA, e.laB}, []store.Org{other}, false},
		{"DCO changes", "dco", "/children/" + id + "/edit", true, []store.Org{e.laA, e.laB}, []store.Org{other}, false},
		{"provider changes", "provider", "/children/" + id + "/edit", false, nil, nil, true},
		{"LA user changes", "la", "/children/" + id + "/edit", false, nil, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := e.as(tc.who).get(tc.path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("got %d, want 200", res.StatusCode)
			}
			if got := strings.Contains(res.Body, selectRE); got != tc.select_ {
				t.Errorf("LA select shown: got %v, want %v", got, tc.select_)
			}
			for _, o := range tc.offered {
				if !strings.Contains(res.Body, option(o)) {
					t.Errorf("LA %s offered: got no, want yes", o.Code)
				}
			}
			for _, o := range tc.hidden {
				if strings.Contains(res.Body, option(o)) {
					t.Errorf("LA %s offered: got yes, want no", o.Code)
				}
			}
			if got := strings.Contains(res.Body, "Only the DCO team can change the local authority"); got != tc.hint {
				t.Errorf("who-can-move hint: got %v, want %v", got, tc.hint)
			}
		})
	}
	// The provider's edit form, sent back as it is, saves without moving.
	res := e.as("provider").get("/children/" + id + "/edit")
	f := url.Values{}
	for _, m := range formFieldRE.FindAllStringSubmatch(res.Body, -1) {
		f.Set(m[1], m[2])
	}
	f.Del("csrf_token")
	f.Del("flags")
	if f.Get("la_code") != e.laA.Code {
		t.Fatalf("edit form's la_code: got %q, want %q", f.Get("la_code"), e.laA.Code)
	}
	day, month, year := e.childA.DateOfBirth.Day(), int(e.childA.DateOfBirth.Month()), e.childA.DateOfBirth.Year()
	f.Set("date_of_birth-day", fmt.Sprint(day))
	f.Set("date_of_birth-month", fmt.Sprint(month))
	f.Set("date_of_birth-year", fmt.Sprint(year))
	if res := e.as("provider").post("/children/"+id, f); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("provider saves the form as shown: got %d, want 303\n%s", res.StatusCode, res.Body)
	}
	if got := e.current(e.childA); got.LAID != e.laA.ID {
		t.Errorf("child's LA: got %d, want %d", got.LAID, e.laA.ID)
	}
}

// formFieldRE finds the name and value of a page's input elements.
var formFieldRE = regexp.MustCompile(`<input [^>]*name="([^"]+)"[^>]*value="([^"]*)"`)
