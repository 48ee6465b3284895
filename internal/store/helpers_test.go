package store

import (
	"testing"
	"time"

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

// child returns a valid child of an LA, numbered i.
func child(t testing.TB, i int, laID int64) Child { return TestChild(t, i, laID) }

// youngChild is child i of an LA, born in 2022 so that s.23 applies at
// testNow.
func youngChild(t testing.TB, i int, laID int64) Child {
	c := child(t, i, laID)
	c.DateOfBirth = send.NewDate(2022, time.May, 1+i%28)
	return c
}

// The kernel's exported test helpers (testing.go), under the names these
// tests use.
var (
	newFixture = NewTestFixture
	mustCreate = MustCreateChild
	wantCode   = WantCode
	countAudit = CountAudit
	otherICB   = SeedKentICB
	shownIn    = ShownIn
	auditRows  = TestAuditRows
)
