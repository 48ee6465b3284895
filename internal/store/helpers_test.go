package store

import (
	"context"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
)

// forEachEngine runs fn on both engines (ForEachEngine).
func forEachEngine(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	ForEachEngine(t, fn)
}

// testNow is the clock the tests run at.
var testNow = TestNow

// nhsNumber returns the i-th valid NHS number in the never-issued 999 range.
func nhsNumber(t testing.TB, i int) send.NHSNumber { return TestNHSNumber(t, i) }

// newFixture seeds the shared test fixture and sets the clock to testNow.
func newFixture(t *testing.T, s *Store) *Fixture {
	t.Helper()
	s.Now = func() time.Time { return testNow }
	return SeedFixture(t, s)
}

// child returns a valid child of an LA, numbered i.
func child(t testing.TB, i int, laID int64) Child { return TestChild(t, i, laID) }

// youngChild is child i of an LA, born in 2022 so that s.23 applies at
// testNow.
func youngChild(t testing.TB, i int, laID int64) Child {
	c := child(t, i, laID)
	c.DateOfBirth = send.NewDate(2022, time.May, 1+i%28)
	return c
}

// mustCreate registers a child as actor, failing the test on error.
func mustCreate(t *testing.T, s *Store, actor Actor, c Child) Child {
	t.Helper()
	if err := s.CreateChild(context.Background(), actor, &c); err != nil {
		t.Fatalf("create child: %v", err)
	}
	return c
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
}

// countAudit counts audit rows with an action (and a child, when non-zero).
func countAudit(t *testing.T, s *Store, action string, childID int64) int {
	t.Helper()
	_, n, err := s.ListAudit(context.Background(), AuditFilter{Action: action, ChildID: childID, Limit: 1})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	return n
}
