package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
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

// auditRows returns the audit rows with an action about a child, oldest first.
func auditRows(t *testing.T, s *Store, action string, childID int64) []AuditEntry {
	t.Helper()
	rows, _, err := s.ListAudit(context.Background(), AuditFilter{Action: action, ChildID: childID, Limit: 1000})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows
}

// secretsOf are the details of a registered child that a user who may not
// see it must never be shown: what the registered record holds beyond what
// they typed.
func secretsOf(c Child) []string {
	return []string{c.GivenName, c.FamilyName, c.DateOfBirth.String(), c.DateOfBirth.Long(), c.LAName, c.Postcode, c.Setting}
}

// A Section 23 notification that gives a child's details rather than its id
// is matched to the child registered with that NHS number. When the details
// are not that child's, the answer is one message on nhs_number whichever
// detail differs (family name, date of birth or, for a child the user may
// not see, local authority), it shows nothing of the registered child, it
// is audited against that child, and nothing is written: on the check step
// and on the create step alike.
func TestIdentityMismatchOneMessage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		reg := youngChild(t, 3, f.LA1.ID)
		reg.GivenName, reg.Postcode, reg.Setting = "Registeredgiven", "BA2 2BB", "Registered Nursery"
		known := mustCreate(t, s, f.LA1User, reg)
		typed := func(mod func(c *Child)) Child {
			c := Child{NHSNumber: known.NHSNumber, GivenName: "Typedgiven", FamilyName: known.FamilyName,
				DateOfBirth: known.DateOfBirth, LAID: known.LAID}
			mod(&c)
			return c
		}
		cases := []struct {
			name string
			mod  func(c *Child)
		}{
			{"date of birth", func(c *Child) { c.DateOfBirth = c.DateOfBirth.AddDays(1) }},
			{"family name", func(c *Child) { c.FamilyName = "Otherfamily" }},
			{"local authority", func(c *Child) { c.LAID = f.LA2.ID }},
			{"all three", func(c *Child) {
				c.DateOfBirth, c.FamilyName, c.LAID = c.DateOfBirth.AddDays(-40), "Otherfamily", f.LA2.ID
			}},
		}
		steps := []struct {
			name string
			via  string
			call func(a Actor, n *S23Notification, c *Child) error
		}{
			{"check", "via=s23.check", func(a Actor, n *S23Notification, c *Child) error { return s.CheckS23(ctx, a, n, c) }},
			{"create", "via=s23.create", func(a Actor, n *S23Notification, c *Child) error { return s.CreateS23(ctx, a, n, c) }},
		}
		i := 0
		for _, step := range steps {
			for _, tc := range cases {
				t.Run(step.name+"/"+tc.name, func(t *testing.T) {
					i++
					// A provider that has never seen the child, fresh per
					// case so that the throttle stays out of the way.
					prov := newActor(t, s, fmt.Sprintf("probe%d@example.nhs.uk", i), RoleProvider, f.Provider2.ID, 0)
					before := tableCounts(t, s)
					auditBefore := len(auditRows(t, s, ActionIdentityMismatch, known.ID))
					n := notification(t, 0, "2025-05-01", "")
					c := typed(tc.mod)
					err := step.call(prov, &n, &c)
					wantCode(t, err, errs.Invalid)
					want := map[string]string{"nhs_number": msgIdentityMismatch}
					if got := errs.FieldsOf(err); !maps.Equal(got, want) {
						t.Errorf("fields: got %v, want %v", got, want)
					}
					text := err.Error() + fmt.Sprint(errs.FieldsOf(err)) + fmt.Sprintf("%+v", n)
					sent := fmt.Sprintf("%+v %s %s", c, c.DateOfBirth, c.DateOfBirth.Long())
					for _, secret := range secretsOf(known) {
						if secret != "" && !strings.Contains(sent, secret) && strings.Contains(text, secret) {
							t.Errorf("the answer shows %q of the registered child", secret)
						}
					}
					rows := auditRows(t, s, ActionIdentityMismatch, known.ID)
					if len(rows) != auditBefore+1 {
						t.Fatalf("mismatch audit rows: got %d, want %d", len(rows), auditBefore+1)
					}
					last := rows[len(rows)-1]
					if last.UserID != prov.UserID || last.Outcome != OutcomeRefused || last.Detail != step.via || last.ChildID != known.ID {
						t.Errorf("audit row: got user %d outcome %s detail %q child %d, want %d refused %q %d",
							last.UserID, last.Outcome, last.Detail, last.ChildID, prov.UserID, step.via, known.ID)
					}
					after := tableCounts(t, s)
					before["audit_log"]++
					if !maps.Equal(after, before) {
						t.Errorf("rows: got %v, want %v (only the audit row)", after, before)
					}
				})
			}
		}
		// A DCO who can see the child gets the same single message.
		n := notification(t, 0, "2025-05-01", "")
		n.ProviderOrgID = f.Provider1.ID
		c := typed(func(c *Child) { c.FamilyName = "Otherfamily" })
		err := s.CheckS23(ctx, f.DCO, &n, &c)
		if got := errs.FieldsOf(err); !maps.Equal(got, map[string]string{"nhs_number": msgIdentityMismatch}) {
			t.Errorf("DCO mismatch: got %v, want the one message", got)
		}
	})
}

// A match with a child the user may not see shows only what they typed:
// not the registered given name, postcode, setting or anything else; a
// user who may see the child gets the record.
func TestIdentityMatchShowsOnlyTyped(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		reg := youngChild(t, 5, f.LA1.ID)
		reg.GivenName, reg.Postcode, reg.Setting = "Registeredgiven", "BA2 2BB", "Registered Nursery"
		known := mustCreate(t, s, f.LA1User, reg)
		details := Child{NHSNumber: known.NHSNumber, GivenName: "Typedgiven", FamilyName: strings.ToUpper(known.FamilyName),
			DateOfBirth: known.DateOfBirth, LAID: known.LAID}
		n := notification(t, 0, "2025-05-01", "")
		c := details
		if err := s.CheckS23(ctx, f.Provider2User, &n, &c); err != nil {
			t.Fatalf("check: %v (%v)", err, errs.FieldsOf(err))
		}
		if n.ChildID != known.ID {
			t.Errorf("matched child: got %d, want %d", n.ChildID, known.ID)
		}
		got := n.Child
		if got.GivenName != "Typedgiven" || got.FamilyName != details.FamilyName || got.Postcode != "" || got.Setting != "" ||
			got.LAID != known.LAID || !got.DateOfBirth.Equal(known.DateOfBirth) {
			t.Errorf("child shown: got %+v, want only what was typed", got)
		}
		for _, secret := range []string{known.GivenName, known.Postcode, known.Setting, known.FamilyName} {
			if strings.Contains(fmt.Sprintf("%+v", n), secret) {
				t.Errorf("the check shows %q of the registered child", secret)
			}
		}
		if len(auditRows(t, s, ActionIdentityMismatch, known.ID)) != 0 {
			t.Errorf("a match was audited as a mismatch")
		}
		if _, err := s.GetChild(ctx, f.Provider2User, known.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("the check gave the provider sight of the child: %v", err)
		}
		// The DCO sees the child: the record as registered.
		n = notification(t, 0, "2025-05-01", "")
		n.ProviderOrgID = f.Provider1.ID
		c = details
		if err := s.CheckS23(ctx, f.DCO, &n, &c); err != nil {
			t.Fatalf("DCO check: %v (%v)", err, errs.FieldsOf(err))
		}
		if n.Child.GivenName != known.GivenName || n.Child.Setting != known.Setting {
			t.Errorf("DCO: got %+v, want the registered record", n.Child)
		}
	})
}

// Identity checks are throttled per user as sign-in is: 5 mismatches are
// free, the 6th makes the user wait 1 s, doubling; while they wait every
// identity check and registration is refused (too_many) before anything is
// looked up, whatever the NHS number, and audited. A match does not clear
// the count. Duplicate registrations count too. dco itself is never
// throttled.
func TestIdentityThrottle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		now := testNow
		s.Now = func() time.Time { return now }
		known := mustCreate(t, s, f.LA1User, youngChild(t, 6, f.LA1.ID))
		guess := func(a Actor, days int) error {
			n := notification(t, 0, "2025-05-01", "")
			c := Child{NHSNumber: known.NHSNumber, GivenName: "Guess", FamilyName: known.FamilyName,
				DateOfBirth: known.DateOfBirth.AddDays(days), LAID: known.LAID}
			return s.CheckS23(ctx, a, &n, &c)
		}
		prov := f.Provider2User
		for i := 1; i <= 6; i++ {
			if err := guess(prov, i); !errs.Is(err, errs.Invalid) {
				t.Fatalf("guess %d: got %v, want invalid", i, err)
			}
		}
		refused := len(auditRows(t, s, ActionAccessRefused, 0))
		before := tableCounts(t, s)
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"the right date of birth", func() error { return guess(prov, 0) }},
			{"an NHS number not registered", func() error {
				n := notification(t, 0, "2025-05-01", "")
				c := youngChild(t, 40, f.LA2.ID)
				return s.CheckS23(ctx, prov, &n, &c)
			}},
			{"registering a child", func() error {
				c := youngChild(t, 41, f.LA2.ID)
				return s.CreateChild(ctx, prov, &c)
			}},
		} {
			err := tc.call()
			wantCode(t, err, errs.TooMany)
			if msg := errs.FieldsOf(err)["nhs_number"]; !strings.Contains(msg, "Wait 1 minute") {
				t.Errorf("%s: got %q, want a wait of 1 minute on nhs_number", tc.name, msg)
			}
		}
		after := tableCounts(t, s)
		if got := len(auditRows(t, s, ActionAccessRefused, 0)) - refused; got != 3 || after["audit_log"]-before["audit_log"] != 3 {
			t.Errorf("throttled attempts audited: got %d refused rows (%d rows in all), want 3", got, after["audit_log"]-before["audit_log"])
		}
		// Another user is not slowed.
		if err := guess(f.DCO, 0); err != nil && !errs.Is(err, errs.Invalid) {
			t.Errorf("another user: got %v", err)
		}
		// After the wait, the right details match; the count is not cleared,
		// so the next mismatch makes the user wait again, for longer.
		now = now.Add(2 * time.Second)
		n := notification(t, 0, "2025-05-01", "")
		c := Child{NHSNumber: known.NHSNumber, GivenName: "Guess", FamilyName: known.FamilyName, DateOfBirth: known.DateOfBirth, LAID: known.LAID}
		if err := s.CheckS23(ctx, prov, &n, &c); err != nil {
			t.Fatalf("after the wait: got %v, want the match", err)
		}
		wantCode(t, guess(prov, 9), errs.Invalid)
		wantCode(t, guess(prov, 10), errs.TooMany)
		now = now.Add(3 * time.Second)
		wantCode(t, guess(prov, 10), errs.Invalid)
		// A day without a failure forgets them.
		now = now.Add(25 * time.Hour)
		for i := 1; i <= 6; i++ {
			wantCode(t, guess(prov, 20+i), errs.Invalid)
		}
		wantCode(t, guess(prov, 30), errs.TooMany)

		// Registering a number already held counts the same way.
		la := f.LA2User
		for i := 1; i <= 6; i++ {
			c := youngChild(t, 50+i, f.LA2.ID)
			c.NHSNumber = known.NHSNumber
			wantCode(t, s.CreateChild(ctx, la, &c), errs.Conflict)
		}
		c = youngChild(t, 60, f.LA2.ID)
		wantCode(t, s.CreateChild(ctx, la, &c), errs.TooMany)

		// dco itself is never slowed.
		for i := 1; i <= 10; i++ {
			c := youngChild(t, 70+i, f.LA1.ID)
			c.NHSNumber = known.NHSNumber
			wantCode(t, s.CreateChild(ctx, System, &c), errs.Conflict)
		}
	})
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

// The Section 23 import takes the same decision as the form: a DCO
// importing a row about a child of another ICB whose details differ gets
// the one message, audited against that child; dco itself gets it too,
// unaudited and unthrottled.
func TestImportS23IdentityMismatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		_, _, provB, dcoB := otherICB(t, s)
		known := mustCreate(t, s, f.LA1User, youngChild(t, 7, f.LA1.ID))
		wrong := youngChild(t, 7, f.LA1.ID)
		wrong.DateOfBirth = wrong.DateOfBirth.AddDays(3)
		row := S23ImportRow{Line: 2, Child: wrong, Notification: notification(t, 0, "2025-05-06", "")}
		row.Notification.LAID, row.Notification.ProviderOrgID = wrong.LAID, provB.ID
		for _, a := range []Actor{dcoB, System} {
			res, err := s.ImportS23(ctx, a, []S23ImportRow{row}, false)
			wantCode(t, err, errs.Invalid)
			if len(res.Problems) != 1 || res.Problems[0].Field != "nhs_number" || res.Problems[0].Message != msgIdentityMismatch {
				t.Errorf("%s: problems got %+v, want one on nhs_number", a.Email, res.Problems)
			}
		}
		rows := auditRows(t, s, ActionIdentityMismatch, known.ID)
		if len(rows) != 1 || rows[0].UserID != dcoB.UserID || rows[0].Detail != "via="+ActionS23Import {
			t.Errorf("audit: got %+v, want one row for the DCO's import", rows)
		}
	})
}

// TestDuplicateAttemptAudited: the two routes that cannot turn a known NHS
// number into a registration request (changing a child's NHS number, and
// registering a child with an advice request) still answer the conflict,
// but audit the attempt against the registered child and count it against
// the user, so that repeating it is slowed as every identity check is.
func TestDuplicateAttemptAudited(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		known := mustCreate(t, s, f.LA2User, child(t, 60, f.LA2.ID))
		mine := mustCreate(t, s, f.LA1User, child(t, 61, f.LA1.ID))
		routes := []struct {
			name string
			call func() error
		}{
			{"changing a child's NHS number", func() error {
				c := mine
				c.NHSNumber = known.NHSNumber
				return s.UpdateChild(ctx, f.LA1User, &c)
			}},
			{"registering a child with an advice request", func() error {
				r := AdviceRequest{LAReference: "DUP-1", ReceivedOn: send.NewDate(2025, time.May, 20)}
				c := child(t, 62, f.LA1.ID)
				c.NHSNumber = known.NHSNumber
				return s.CreateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &r, &c)
			}},
		}
		for _, rt := range routes {
			before := len(auditRows(t, s, ActionAccessRefused, known.ID))
			wantCode(t, rt.call(), errs.Conflict)
			if got := len(auditRows(t, s, ActionAccessRefused, known.ID)) - before; got != 1 {
				t.Errorf("%s: got %d refused rows against the registered child, want 1", rt.name, got)
			}
		}
		// Two attempts counted; four more, and the next one waits.
		for i := 0; i < 4; i++ {
			wantCode(t, routes[i%2].call(), errs.Conflict)
		}
		for _, rt := range routes {
			if err := rt.call(); !errs.Is(err, errs.TooMany) {
				t.Errorf("%s after 6 attempts: got %v, want too_many", rt.name, err)
			}
		}
	})
}
