package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"dco/internal/send"
)

// Hooks for the external tests of this package (package store_test), which
// build a database as an older dco left it and read it raw: the migration
// tests of a workflow's tables (migrate_advice_test.go).

// MigrateTo applies the migrations numbered upTo or less.
func (s *Store) MigrateTo(ctx context.Context, upTo int) error { return s.migrate(ctx, upTo) }

// WriteDB is the write pool, for rows as an older dco wrote them.
func (s *Store) WriteDB() *sql.DB { return s.wdb }

// ReadDB is the read pool.
func (s *Store) ReadDB() *sql.DB { return s.db }

// Rebind rewrites a statement's placeholders for the engine.
func (s *Store) Rebind(q string) string { return s.rebind(q) }

// MigrationBefore is migrationBefore for the external tests.
func MigrationBefore(t *testing.T, s *Store, name string) int { return migrationBefore(t, s, name) }

// LegacyWorkGrant is the condition on child_access for the grants the
// work_grants migration removes.
const LegacyWorkGrant = legacyWorkGrant

// migrationBefore is the number of the migration before the one named
// (after its number) name, so that a test can build the database that one
// finds.
func migrationBefore(t *testing.T, s *Store, name string) int {
	t.Helper()
	ms, err := s.migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if _, rest, _ := strings.Cut(m.name, "_"); rest == name && i > 0 {
			return ms[i-1].version
		}
	}
	t.Fatalf("no migration %s", name)
	return 0
}

// adviceDate reads a date in a test table, failing the test when it is not
// one.
func adviceDate(t testing.TB, s string) send.Date {
	t.Helper()
	d, err := send.ParseDate(s)
	if err != nil {
		t.Fatalf("date %q: %v", s, err)
	}
	return d
}
