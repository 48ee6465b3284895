package store

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
)

// forEachEngine runs fn on a fresh, migrated SQLite store and, when
// DCO_TEST_POSTGRES_URL is set, on a fresh PostgreSQL schema.
func forEachEngine(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run(EngineSQLite, func(t *testing.T) {
		t.Parallel()
		fn(t, OpenTestSQLite(t))
	})
	t.Run(EnginePostgres, func(t *testing.T) {
		TestPostgresURL(t)
		t.Parallel()
		fn(t, OpenTestPostgres(t))
	})
}

// testNow is the clock the tests run at.
var testNow = time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)

// nhsNumber returns the i-th valid NHS number in the never-issued 999 range.
func nhsNumber(t testing.TB, i int) send.NHSNumber {
	t.Helper()
	for n := 999000000 + i*3; ; n++ {
		if v, ok := send.CompleteNHSNumber(strconv.Itoa(n)); ok {
			return v
		}
	}
}

// newFixture seeds the shared test fixture and sets the clock to testNow.
func newFixture(t *testing.T, s *Store) *Fixture {
	t.Helper()
	s.Now = func() time.Time { return testNow }
	return SeedFixture(t, s)
}

// child returns a valid child of an LA, numbered i.
func child(t testing.TB, i int, laID int64) Child {
	return Child{
		NHSNumber:   nhsNumber(t, i),
		GivenName:   fmt.Sprintf("Given%d", i),
		FamilyName:  fmt.Sprintf("Family%d", i),
		DateOfBirth: send.NewDate(2015, time.March, 1+i%28),
		Postcode:    "ba1 1aa",
		LAID:        laID,
		Setting:     "Test Primary School",
	}
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
