package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"dco/internal/errs"
)

// newActor adds a user and returns them as an actor.
func newActor(t *testing.T, s *Store, email string, role Role, org, la int64) Actor {
	t.Helper()
	u := User{Email: email, Name: "Test " + string(role), Role: role, OrgID: org, LAID: la}
	if err := s.CreateUser(context.Background(), System, &u); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID, LAID: u.LAID, Addr: "192.0.2.1"}
}

// tableCounts counts the rows of the tables a registration or notification
// could write to.
func tableCounts(t *testing.T, s *Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"children", "child_access", "s23_notifications", "registration_requests", "audit_log"} {
		var n int
		if err := s.db.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// Registering a child whose NHS number dco holds in another ICB does not
// tell the user so: the registration becomes a request for the DCO team of
// the user's ICB (answered RegistrationSent), audited against the
// registered child, and nothing else is written. Within the child's ICB,
// and for dco itself, it stays a conflict naming nothing of the record.
// The DCO of the submitter's ICB lists the open requests and resolves them;
// nobody else sees them.
func TestRegisterDuplicateOutsideICB(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		icbB, laB, provB, dcoB := otherICB(t, s)
		known := mustCreate(t, s, f.LA1User, child(t, 1, f.LA1.ID))
		laUserB := newActor(t, s, "la@medway.example.gov.uk", RoleLA, 0, laB.ID)
		provUserB := newActor(t, s, "prov@kent.example.nhs.uk", RoleProvider, provB.ID, 0)

		attempt := func(a Actor, laID int64, i int) (Child, error) {
			c := child(t, 100+i, laID)
			c.NHSNumber = known.NHSNumber
			c.GivenName = fmt.Sprintf("Submitted%d", i)
			return c, s.CreateChild(ctx, a, &c)
		}
		// Outside the child's ICB: a request, and only the request.
		for i, tc := range []struct {
			name  string
			actor Actor
		}{{"an LA user", laUserB}, {"a provider", provUserB}, {"a DCO", dcoB}} {
			before := tableCounts(t, s)
			requests := len(auditRows(t, s, ActionRegisterRequest, known.ID))
			c, err := attempt(tc.actor, laB.ID, i)
			var sent *RegistrationSent
			if !errors.As(err, &sent) || sent.RequestID == 0 || c.ID != 0 {
				t.Fatalf("%s: got %v (child id %d), want a registration request", tc.name, err, c.ID)
			}
			if errs.CodeOf(err) == errs.Conflict || strings.Contains(err.Error(), "already registered") {
				t.Errorf("%s: the answer %q says the number is known", tc.name, err)
			}
			after := tableCounts(t, s)
			before["registration_requests"]++
			before["audit_log"]++
			if !maps.Equal(after, before) {
				t.Errorf("%s: rows got %v, want %v (one request, one audit row)", tc.name, after, before)
			}
			rows := auditRows(t, s, ActionRegisterRequest, known.ID)
			if len(rows) != requests+1 {
				t.Fatalf("%s: request audit rows: got %d, want %d", tc.name, len(rows), requests+1)
			}
			if last := rows[len(rows)-1]; last.UserID != tc.actor.UserID || last.Outcome != OutcomeRefused ||
				last.Detail != "request_id="+itoa(sent.RequestID) {
				t.Errorf("%s: audit row: got %+v", tc.name, last)
			}
		}
		// Within the child's ICB, and for dco itself: the conflict.
		for i, a := range []Actor{f.LA2User, f.Provider2User, f.DCO, System} {
			before := tableCounts(t, s)
			_, err := attempt(a, f.LA2.ID, 10+i)
			wantCode(t, err, errs.Conflict)
			if got := errs.FieldsOf(err)["nhs_number"]; got != msgDuplicateNHS {
				t.Errorf("%s: got %q, want %q", a.Email, got, msgDuplicateNHS)
			}
			after := tableCounts(t, s)
			if after["registration_requests"] != before["registration_requests"] || after["children"] != before["children"] {
				t.Errorf("%s: a conflict stored %v, was %v", a.Email, after, before)
			}
		}

		// The DCO of ICB B lists its three; ICB A's DCO none; nobody else.
		reqs, err := s.ListRegistrationRequests(ctx, dcoB)
		if err != nil || len(reqs) != 3 {
			t.Fatalf("ICB B's requests: got %d, %v, want 3", len(reqs), err)
		}
		r := reqs[0]
		if r.ChildID != known.ID || r.ICBID != icbB.ID || r.RegisteredICB != f.ICB.Name || r.Child.GivenName != "Submitted0" ||
			r.Child.LAName != laB.Name || r.SubmitterEmail != laUserB.Email || r.SubmitterOrg != laB.Name || r.Status != RegistrationOpen {
			t.Errorf("request: got %+v", r)
		}
		if n, err := s.CountRegistrationRequests(ctx, dcoB); n != 3 || err != nil {
			t.Errorf("count: got %d, %v, want 3", n, err)
		}
		if got := countAudit(t, s, ActionRegisterList, known.ID); got != 3 {
			t.Errorf("listing audited: got %d rows against the child, want 3", got)
		}
		if mine, err := s.ListRegistrationRequests(ctx, f.DCO); err != nil || len(mine) != 0 {
			t.Errorf("ICB A's DCO: got %d, %v, want none", len(mine), err)
		}
		for _, a := range []Actor{laUserB, provUserB, f.Viewer, f.Admin} {
			_, err := s.ListRegistrationRequests(ctx, a)
			wantCode(t, err, errs.Forbidden)
			wantCode(t, s.ResolveRegistrationRequest(ctx, a, r.ID, r.Version), errs.Forbidden)
		}
		wantCode(t, s.ResolveRegistrationRequest(ctx, f.DCO, r.ID, r.Version), errs.NotFound)
		if err := s.ResolveRegistrationRequest(ctx, dcoB, r.ID, r.Version); err != nil {
			t.Fatalf("resolve: %v", err)
		}
		wantCode(t, s.ResolveRegistrationRequest(ctx, dcoB, r.ID, r.Version), errs.Conflict)
		if n, _ := s.CountRegistrationRequests(ctx, dcoB); n != 2 {
			t.Errorf("open after resolving one: got %d, want 2", n)
		}
		if got := countAudit(t, s, ActionRegisterResolve, known.ID); got != 1 {
			t.Errorf("resolve audited: got %d, want 1", got)
		}
	})
}
