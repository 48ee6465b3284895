package s23db

import (
	"context"
	"testing"

	"dco/internal/send"
	"dco/internal/store"
)

// The store's test helpers, for the Section 23 store tests (store/testing.go).
var (
	forEachEngine = store.ForEachEngine
	testNow       = store.TestNow
)

func nhsNumber(t testing.TB, i int) send.NHSNumber { return store.TestNHSNumber(t, i) }

func child(t testing.TB, i int, laID int64) store.Child { return store.TestChild(t, i, laID) }

// countRows runs a count query on the read pool.
func countRows(t *testing.T, s *store.Store, q string, args ...any) int {
	t.Helper()
	rows, err := s.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var n int
	if !rows.Next() {
		t.Fatalf("%s: no row", q)
	}
	if err := rows.Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
