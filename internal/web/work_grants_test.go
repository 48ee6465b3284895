package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
)

// A clinician keeps the child no longer than the work (issue 8 item 4):
// after the DCO reassigns the clinician's only part, or the request is
// closed, the clinician gets 404 for the child's page and its API record, as
// for a child never theirs, and the child's access history says when their
// access ended. With a second part of theirs still open, they keep it.
// Child B is used: the env's clinician has no grant of its own on it.
func TestClinicianLosesChildWithTheWork(t *testing.T) {
	for _, tc := range []struct {
		name string
		// act moves or closes the clinician's part k of request r, through
		// the route a user would take; it returns that route's status.
		act  func(e *env, r advicedb.Request, k advicedb.Contribution, other store.User) int
		sees bool
	}{
		{"the only part reassigned on its page", func(e *env, r advicedb.Request, k advicedb.Contribution, other store.User) int {
			return e.as("dco").post(fmt.Sprintf("/advice-contributions/%d/assign", k.ID),
				url.Values{"version": {itoa(k.Version)}, "assignee_id": {itoa(other.ID)}}).StatusCode
		}, false},
		{"the only part removed", func(e *env, r advicedb.Request, k advicedb.Contribution, other store.User) int {
			return e.as("dco").post(fmt.Sprintf("/advice-contributions/%d/remove", k.ID),
				url.Values{"version": {itoa(k.Version)}}).StatusCode
		}, false},
		{"the request withdrawn by the LA on its page", func(e *env, r advicedb.Request, k advicedb.Contribution, other store.User) int {
			f := url.Values{"version": {itoa(e.adviceNow(r.ID).Version)}}
			dateForm(f, "withdrawn_on", send.Today(e.clock.Now()))
			return e.as("laB").post(advicePath(r.ID)+"/withdraw", f).StatusCode
		}, false},
		{"the request withdrawn through the API", func(e *env, r advicedb.Request, k advicedb.Contribution, other store.User) int {
			return e.as("laB").api(http.MethodPatch, fmt.Sprintf("/api/v1/advice-requests/%d", r.ID),
				fmt.Sprintf(`{"version":%d,"status":"withdrawn","withdrawn_on":%q}`, e.adviceNow(r.ID).Version,
					send.Today(e.clock.Now()))).StatusCode
		}, false},
		{"one of two parts reassigned", func(e *env, r advicedb.Request, k advicedb.Contribution, other store.User) int {
			if _, err := e.advice().AddAdviceContribution(context.Background(), store.System, r.ID, "ot", e.users["clinician"].ID); err != nil {
				e.t.Fatal(err)
			}
			return e.as("dco").post(fmt.Sprintf("/advice-contributions/%d/assign", k.ID),
				url.Values{"version": {itoa(k.Version)}, "assignee_id": {itoa(other.ID)}}).StatusCode
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			other := store.User{Email: "other@example.nhs.uk", Name: "Other Clinician", Role: store.RoleClinician, OrgID: e.prov.ID}
			if err := e.store.CreateUser(ctx, store.System, &other); err != nil {
				t.Fatal(err)
			}
			r := e.openAdvice(e.childB, 5, "EHC-WORK")
			k, err := e.advice().AddAdviceContribution(ctx, store.System, r.ID, "salt", e.users["clinician"].ID)
			if err != nil {
				t.Fatal(err)
			}
			clin := e.as("clinician")
			pages := []string{childPath(e.childB.ID), fmt.Sprintf("/api/v1/children/%d", e.childB.ID)}
			for _, p := range pages {
				if got := e.get(clin, p); got != http.StatusOK {
					t.Fatalf("%s while the part is theirs: got %d, want 200", p, got)
				}
			}

			if got := tc.act(e, r, k, other); got != http.StatusSeeOther && got != http.StatusOK {
				t.Fatalf("moving the work: got %d, want 303 or 200", got)
			}

			want := http.StatusNotFound
			if tc.sees {
				want = http.StatusOK
			}
			for _, p := range pages {
				if got := e.get(clin, p); got != want {
					t.Errorf("%s: got %d, want %d", p, got, want)
				}
			}
			revokes := 0
			for _, a := range e.audit("child.revoke") {
				if a.ChildID == e.childB.ID && strings.HasPrefix(a.Detail, fmt.Sprintf("user_id=%d ", e.users["clinician"].ID)) {
					revokes++
				}
			}
			if wantRevokes := map[bool]int{true: 0, false: 1}[tc.sees]; revokes != wantRevokes {
				t.Errorf("child.revoke audit rows for the clinician on child B: got %d, want %d", revokes, wantRevokes)
			}
			if !tc.sees {
				page := e.as("dco").get(childPath(e.childB.ID) + "/access")
				if !strings.Contains(page.Body, "Took back access to the record") {
					t.Errorf("child B's access history (%d): no row \"Took back access to the record\"", page.StatusCode)
				}
			}
		})
	}
}

// A clinician keeps reading the request they answered once it has gone to
// the LA (the advice they wrote), but its page no longer links to the
// child's record, which they can no longer open.
func TestClinicianKeepsAdviceTheyWrote(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.openAdvice(e.childB, 5, "EHC-WROTE")
	k, err := e.advice().AddAdviceContribution(ctx, store.System, r.ID, "salt", e.users["clinician"].ID)
	if err != nil {
		t.Fatal(err)
	}
	clin := e.as("clinician")
	if res := clin.get(advicePath(r.ID)); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, childPath(e.childB.ID)) {
		t.Fatalf("open request: got %d, want 200 with a link to the child", res.StatusCode)
	}
	today := send.Today(e.clock.Now())
	if _, err := e.advice().AnswerAdviceContribution(ctx, store.System, k.ID, k.Version, advicedb.Answer{Kind: advice.KindNotKnown,
		ReturnedOn: today, Checks: advice.Checks{RecordsReviewed: true, FamilyContacted: true, SENCOContacted: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.advice().ReturnAdviceRequest(ctx, store.System, r.ID, e.adviceNow(r.ID).Version, today, ""); err != nil {
		t.Fatal(err)
	}
	res := clin.get(advicePath(r.ID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("returned request: got %d, want 200", res.StatusCode)
	}
	if strings.Contains(res.Body, `href="`+childPath(e.childB.ID)+`"`) {
		t.Errorf("returned request links the clinician to a child's record they cannot open")
	}
	if got := e.get(clin, childPath(e.childB.ID)); got != http.StatusNotFound {
		t.Errorf("child's record after the return: got %d, want 404", got)
	}
}

// get fetches path as c, through the API when it is an API path, and
// returns the status.
func (e *env) get(c *client, path string) int {
	e.t.Helper()
	if strings.HasPrefix(path, "/api/") {
		return c.api(http.MethodGet, path, "").StatusCode
	}
	return c.get(path).StatusCode
}
