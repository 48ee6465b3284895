package s23db

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/store"
)

// newActor adds a user and returns them as an actor.
func newActor(t *testing.T, s *store.Store, email string, role store.Role, org, la int64) store.Actor {
	t.Helper()
	u := store.User{Email: email, Name: "Test " + string(role), Role: role, OrgID: org, LAID: la}
	if err := s.CreateUser(context.Background(), store.System, &u); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return store.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID, LAID: u.LAID, Addr: "192.0.2.1"}
}

// tableCounts counts the rows of the tables a registration or notification
// could write to.
func tableCounts(t *testing.T, s *store.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"children", "child_access", "s23_notifications", "registration_requests", "audit_log"} {
		out[table] = countRows(t, s, "SELECT count(*) FROM "+table)
	}
	return out
}

// secretsOf are the details of a registered child that a user who may not
// see it must never be shown: what the registered record holds beyond what
// they typed.
func secretsOf(c store.Child) []string {
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
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		reg := store.TestYoungChild(t, 3, f.LA1.ID)
		reg.GivenName, reg.Postcode, reg.Setting = "Registeredgiven", "BA2 2BB", "Registered Nursery"
		known := store.MustCreateChild(t, s, f.LA1User, reg)
		typed := func(mod func(c *store.Child)) store.Child {
			c := store.Child{NHSNumber: known.NHSNumber, GivenName: "Typedgiven", FamilyName: known.FamilyName,
				DateOfBirth: known.DateOfBirth, LAID: known.LAID}
			mod(&c)
			return c
		}
		cases := []struct {
			name string
			mod  func(c *store.Child)
		}{
			{"date of birth", func(c *store.Child) { c.DateOfBirth = c.DateOfBirth.AddDays(1) }},
			{"family name", func(c *store.Child) { c.FamilyName = "Otherfamily" }},
			{"local authority", func(c *store.Child) { c.LAID = f.LA2.ID }},
			{"all three", func(c *store.Child) {
				c.DateOfBirth, c.FamilyName, c.LAID = c.DateOfBirth.AddDays(-40), "Otherfamily", f.LA2.ID
			}},
		}
		steps := []struct {
			name string
			via  string
			call func(a store.Actor, n *Notification, c *store.Child) error
		}{
			{"check", "via=s23.check", func(a store.Actor, n *Notification, c *store.Child) error { return New(s).Check(ctx, a, n, c) }},
			{"create", "via=s23.create", func(a store.Actor, n *Notification, c *store.Child) error { return New(s).Create(ctx, a, n, c) }},
		}
		i := 0
		for _, step := range steps {
			for _, tc := range cases {
				t.Run(step.name+"/"+tc.name, func(t *testing.T) {
					i++
					// A provider that has never seen the child, fresh per
					// case so that the throttle stays out of the way.
					prov := newActor(t, s, fmt.Sprintf("probe%d@example.nhs.uk", i), store.RoleProvider, f.Provider2.ID, 0)
					before := tableCounts(t, s)
					auditBefore := len(store.TestAuditRows(t, s, store.ActionIdentityMismatch, known.ID))
					n := notification(t, 0, "2025-05-01", "")
					c := typed(tc.mod)
					err := step.call(prov, &n, &c)
					store.WantCode(t, err, errs.Invalid)
					want := map[string]string{"nhs_number": store.MsgIdentityMismatch}
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
					rows := store.TestAuditRows(t, s, store.ActionIdentityMismatch, known.ID)
					if len(rows) != auditBefore+1 {
						t.Fatalf("mismatch audit rows: got %d, want %d", len(rows), auditBefore+1)
					}
					last := rows[len(rows)-1]
					if last.UserID != prov.UserID || last.Outcome != store.OutcomeRefused || last.Detail != step.via || last.ChildID != known.ID {
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
		c := typed(func(c *store.Child) { c.FamilyName = "Otherfamily" })
		err := New(s).Check(ctx, f.DCO, &n, &c)
		if got := errs.FieldsOf(err); !maps.Equal(got, map[string]string{"nhs_number": store.MsgIdentityMismatch}) {
			t.Errorf("DCO mismatch: got %v, want the one message", got)
		}
	})
}

// A match with a child the user may not see shows only what they typed:
// not the registered given name, postcode, setting or anything else; a
// user who may see the child gets the record.
func TestIdentityMatchShowsOnlyTyped(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		reg := store.TestYoungChild(t, 5, f.LA1.ID)
		reg.GivenName, reg.Postcode, reg.Setting = "Registeredgiven", "BA2 2BB", "Registered Nursery"
		known := store.MustCreateChild(t, s, f.LA1User, reg)
		details := store.Child{NHSNumber: known.NHSNumber, GivenName: "Typedgiven", FamilyName: strings.ToUpper(known.FamilyName),
			DateOfBirth: known.DateOfBirth, LAID: known.LAID}
		n := notification(t, 0, "2025-05-01", "")
		c := details
		if err := New(s).Check(ctx, f.Provider2User, &n, &c); err != nil {
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
		if len(store.TestAuditRows(t, s, store.ActionIdentityMismatch, known.ID)) != 0 {
			t.Errorf("a match was audited as a mismatch")
		}
		if _, err := s.GetChild(ctx, f.Provider2User, known.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("the check gave the provider sight of the child: %v", err)
		}
		// The DCO sees the child: the record as registered.
		n = notification(t, 0, "2025-05-01", "")
		n.ProviderOrgID = f.Provider1.ID
		c = details
		if err := New(s).Check(ctx, f.DCO, &n, &c); err != nil {
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
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		now := testNow
		s.Now = func() time.Time { return now }
		known := store.MustCreateChild(t, s, f.LA1User, store.TestYoungChild(t, 6, f.LA1.ID))
		guess := func(a store.Actor, days int) error {
			n := notification(t, 0, "2025-05-01", "")
			c := store.Child{NHSNumber: known.NHSNumber, GivenName: "Guess", FamilyName: known.FamilyName,
				DateOfBirth: known.DateOfBirth.AddDays(days), LAID: known.LAID}
			return New(s).Check(ctx, a, &n, &c)
		}
		prov := f.Provider2User
		for i := 1; i <= 6; i++ {
			if err := guess(prov, i); !errs.Is(err, errs.Invalid) {
				t.Fatalf("guess %d: got %v, want invalid", i, err)
			}
		}
		refused := len(store.TestAuditRows(t, s, store.ActionAccessRefused, 0))
		before := tableCounts(t, s)
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"the right date of birth", func() error { return guess(prov, 0) }},
			{"an NHS number not registered", func() error {
				n := notification(t, 0, "2025-05-01", "")
				c := store.TestYoungChild(t, 40, f.LA2.ID)
				return New(s).Check(ctx, prov, &n, &c)
			}},
			{"registering a child", func() error {
				c := store.TestYoungChild(t, 41, f.LA2.ID)
				return s.CreateChild(ctx, prov, &c)
			}},
		} {
			err := tc.call()
			store.WantCode(t, err, errs.TooMany)
			if msg := errs.FieldsOf(err)["nhs_number"]; !strings.Contains(msg, "Wait 1 minute") {
				t.Errorf("%s: got %q, want a wait of 1 minute on nhs_number", tc.name, msg)
			}
		}
		after := tableCounts(t, s)
		if got := len(store.TestAuditRows(t, s, store.ActionAccessRefused, 0)) - refused; got != 3 || after["audit_log"]-before["audit_log"] != 3 {
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
		c := store.Child{NHSNumber: known.NHSNumber, GivenName: "Guess", FamilyName: known.FamilyName, DateOfBirth: known.DateOfBirth, LAID: known.LAID}
		if err := New(s).Check(ctx, prov, &n, &c); err != nil {
			t.Fatalf("after the wait: got %v, want the match", err)
		}
		store.WantCode(t, guess(prov, 9), errs.Invalid)
		store.WantCode(t, guess(prov, 10), errs.TooMany)
		now = now.Add(3 * time.Second)
		store.WantCode(t, guess(prov, 10), errs.Invalid)
		// A day without a failure forgets them.
		now = now.Add(25 * time.Hour)
		for i := 1; i <= 6; i++ {
			store.WantCode(t, guess(prov, 20+i), errs.Invalid)
		}
		store.WantCode(t, guess(prov, 30), errs.TooMany)

		// Registering a number already held counts the same way.
		la := f.LA2User
		for i := 1; i <= 6; i++ {
			c := store.TestYoungChild(t, 50+i, f.LA2.ID)
			c.NHSNumber = known.NHSNumber
			store.WantCode(t, s.CreateChild(ctx, la, &c), errs.Conflict)
		}
		c = store.TestYoungChild(t, 60, f.LA2.ID)
		store.WantCode(t, s.CreateChild(ctx, la, &c), errs.TooMany)

		// dco itself is never slowed.
		for i := 1; i <= 10; i++ {
			c := store.TestYoungChild(t, 70+i, f.LA1.ID)
			c.NHSNumber = known.NHSNumber
			store.WantCode(t, s.CreateChild(ctx, store.System, &c), errs.Conflict)
		}
	})
}

// The Section 23 import takes the same decision as the form: a DCO
// importing a row about a child of another ICB whose details differ gets
// the one message, audited against that child; dco itself gets it too,
// unaudited and unthrottled.
func TestImportS23IdentityMismatch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		_, _, provB, dcoB := store.SeedKentICB(t, s)
		known := store.MustCreateChild(t, s, f.LA1User, store.TestYoungChild(t, 7, f.LA1.ID))
		wrong := store.TestYoungChild(t, 7, f.LA1.ID)
		wrong.DateOfBirth = wrong.DateOfBirth.AddDays(3)
		row := ImportRow{Line: 2, Child: wrong, Notification: notification(t, 0, "2025-05-06", "")}
		row.Notification.LAID, row.Notification.ProviderOrgID = wrong.LAID, provB.ID
		for _, a := range []store.Actor{dcoB, store.System} {
			res, err := New(s).Import(ctx, a, []ImportRow{row}, false)
			store.WantCode(t, err, errs.Invalid)
			if len(res.Problems) != 1 || res.Problems[0].Field != "nhs_number" || res.Problems[0].Message != store.MsgIdentityMismatch {
				t.Errorf("%s: problems got %+v, want one on nhs_number", a.Email, res.Problems)
			}
		}
		rows := store.TestAuditRows(t, s, store.ActionIdentityMismatch, known.ID)
		if len(rows) != 1 || rows[0].UserID != dcoB.UserID || rows[0].Detail != "via="+ActionImport {
			t.Errorf("audit: got %+v, want one row for the DCO's import", rows)
		}
	})
}
