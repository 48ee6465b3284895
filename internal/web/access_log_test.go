package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dco/internal/s23/s23db"
	"dco/internal/store"
)

// seenBy counts, for each child, the rows of action by the user in its
// "who has accessed this record", as its ICB's DCO reads it.
func (e *env) seenBy(cs []store.Child, action, email string) map[int64]int {
	e.t.Helper()
	d := e.users["dco"]
	dco := store.Actor{UserID: d.ID, Email: d.Email, Role: d.Role, OrgID: d.OrgID}
	out := map[int64]int{}
	for _, c := range cs {
		log, err := e.store.ChildAccessLog(context.Background(), dco, c.ID)
		if err != nil {
			e.t.Fatalf("access log of %s: %v", c.GivenName, err)
		}
		for _, a := range log {
			if a.Action == action && a.Email == email {
				out[c.ID]++
			}
		}
	}
	return out
}

// TestAccessLogShowsAPISearch is the attack of issue 8 item 5: an API
// client searching by NHS number gets the child's whole record, and the
// child's access page must say so.
func TestAccessLogShowsAPISearch(t *testing.T) {
	e := newEnv(t)
	la, dco := e.as("la"), e.as("dco")
	res := la.api(http.MethodGet, "/api/v1/children?q="+string(e.childA.NHSNumber), "")
	wantStatus(t, "search", res, http.StatusOK)
	if !strings.Contains(res.Body, e.childA.FamilyName) {
		t.Fatalf("search by NHS number: got %s, want child A's record", res.Body)
	}
	page := dco.get("/children/" + itoa(e.childA.ID) + "/access")
	wantStatus(t, "access page", page, http.StatusOK)
	row := regexpRow(page.Body, la.user.Email)
	if row == "" || !strings.Contains(row, "Searched, and the record was in the results") {
		t.Errorf("child A's access page: got no row of the LA's search, want one (page %q)", page.Body)
	}
	if n := e.seenBy([]store.Child{e.childB}, "child.search", la.user.Email)[e.childB.ID]; n != 0 {
		t.Errorf("child B's history: got %d searches by the LA, want 0", n)
	}
}

// TestAccessLogListRoutes: every page, API list, home queue, at-risk page
// and CSV download that shows children puts the read in the history of
// each child it showed, and of no other (issue 8 item 5).
func TestAccessLogListRoutes(t *testing.T) {
	e := newEnv(t)
	e.adviceFor(e.childA) // returned to LA A, its part with the env's clinician
	e.adviceFor(e.childB) // open, LA B's
	e.s23For(e.childA)    // by the env's provider
	e.s23For(e.childB)    // by another provider
	risky := e.mkChild(store.Child{GivenName: "Rhiannon", FamilyName: "Risby", DateOfBirth: e.childA.DateOfBirth, LAID: e.laA.ID})
	e.openAdvice(risky, 40, "RISK-1") // due in two days: at risk this week
	all := []store.Child{e.childA, e.childB, risky}

	dup := e.childA
	dup.NHSNumber = newNHSNumber()
	dup.ID, dup.Version = 0, 0
	dupForm := e.childForm(dup, e.laA.Code)

	tests := []struct {
		name, user, action string
		request            func(c *client) response
		shown              []store.Child
	}{
		{"children page, search by NHS number", "la", "child.search",
			func(c *client) response { return c.get("/children?q=" + string(e.childA.NHSNumber)) }, []store.Child{e.childA}},
		{"children API, search by NHS number", "la", "child.search",
			func(c *client) response {
				return c.api(http.MethodGet, "/api/v1/children?q="+string(e.childA.NHSNumber), "")
			}, []store.Child{e.childA}},
		{"children API, the LA's whole list", "la", "child.search",
			func(c *client) response { return c.api(http.MethodGet, "/api/v1/children", "") }, []store.Child{e.childA, risky}},
		{"home page, the provider's children", "provider", "child.search",
			func(c *client) response { return c.get("/") }, []store.Child{e.childA}},
		{"duplicates check on registering", "la", "child.duplicates",
			func(c *client) response { return c.post("/children", dupForm) }, []store.Child{e.childA}},
		{"advice requests page", "dco", "advice.list",
			func(c *client) response { return c.get("/advice-requests") }, all},
		{"advice requests CSV", "dco", "advice.list",
			func(c *client) response { return c.get("/advice-requests.csv") }, all},
		{"advice requests API", "la", "advice.list",
			func(c *client) response { return c.api(http.MethodGet, "/api/v1/advice-requests", "") }, []store.Child{e.childA, risky}},
		{"at-risk page", "dco", "advice.list",
			func(c *client) response { return c.get("/advice-requests/at-risk") }, []store.Child{risky}},
		{"notifications page", "provider", s23db.ActionList,
			func(c *client) response { return c.get("/s23-notifications") }, []store.Child{e.childA}},
		{"notifications CSV", "provider", s23db.ActionList,
			func(c *client) response { return c.get("/s23-notifications.csv") }, []store.Child{e.childA}},
		{"notifications API", "dco", s23db.ActionList,
			func(c *client) response { return c.api(http.MethodGet, "/api/v1/s23-notifications", "") }, []store.Child{e.childA, e.childB}},
		{"notifications of a provider, as compliance links them", "dco", s23db.ActionList,
			func(c *client) response {
				return c.get("/s23-notifications?" + url.Values{"provider": {e.prov.Code}}.Encode())
			}, []store.Child{e.childA}},
		{"notifications API filtered by a child the provider cannot see", "provider", s23db.ActionList,
			func(c *client) response {
				return c.api(http.MethodGet, "/api/v1/s23-notifications?child_id="+itoa(e.childB.ID), "")
			}, nil},
		{"notifications API filtered by the provider's own child", "provider", s23db.ActionList,
			func(c *client) response {
				return c.api(http.MethodGet, "/api/v1/s23-notifications?child_id="+itoa(e.childA.ID), "")
			}, []store.Child{e.childA}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := e.as(tc.user)
			before := e.seenBy(all, tc.action, c.user.Email)
			res := tc.request(c)
			wantStatus(t, tc.name, res, http.StatusOK)
			after := e.seenBy(all, tc.action, c.user.Email)
			for _, ch := range all {
				want := 0
				for _, s := range tc.shown {
					if s.ID == ch.ID {
						want = 1
					}
				}
				if got := after[ch.ID] - before[ch.ID]; got != want {
					t.Errorf("%s rows added to %s's access history: got %d, want %d", tc.action, ch.GivenName, got, want)
				}
				if shown := strings.Contains(res.Body, ch.FamilyName); shown != (want == 1) {
					t.Errorf("%s in the response: got %v, want %v", ch.GivenName, shown, want == 1)
				}
			}
		})
	}
}
