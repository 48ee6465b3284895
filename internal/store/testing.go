package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// TestPostgresEnv names the environment variable holding the PostgreSQL URL
// the tests use; PostgreSQL tests are skipped when it is unset.
const TestPostgresEnv = "DCO_TEST_POSTGRES_URL"

// OpenTestSQLite opens a migrated SQLite store in a fresh temporary file,
// closed when the test ends. For tests of other packages.
func OpenTestSQLite(tb testing.TB) *Store {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(tb.TempDir(), "dco.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate sqlite: %v", err)
	}
	return s
}

// OpenTestPostgres opens a migrated PostgreSQL store in a fresh schema of
// the database named by DCO_TEST_POSTGRES_URL, dropped when the test ends;
// it skips the test when the variable is unset.
func OpenTestPostgres(tb testing.TB) *Store {
	tb.Helper()
	base := os.Getenv(TestPostgresEnv)
	if base == "" {
		tb.Skip(TestPostgresEnv + " is not set")
	}
	ctx := context.Background()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			tb.Errorf("open postgres: %v", err)
			return
		}
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", TestPostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := Open(ctx, u.String(), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("open postgres: %v", err)
	}
	tb.Cleanup(func() { s.Close() }) // runs before the schema is dropped
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate postgres: %v", err)
	}
	return s
}
