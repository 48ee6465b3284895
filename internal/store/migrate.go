package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migration is one numbered, forward-only schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the engine's migrations in order. File names are
// NNNN_description.sql; the number is the version.
func (s *Store) migrations() ([]migration, error) {
	dir := "migrations/" + s.engine
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		b, err := migrationFS.ReadFile(path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a number", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// migrationSteps are the parts of migrations that SQL alone cannot do, such
// as writing the audit trail, whose hash chain is computed here. Each runs
// in its migration's transaction, after the file's SQL. They are keyed by
// the file's name after its number, so that renumbering a migration when
// branches merge keeps its step.
var migrationSteps = map[string]func(ctx context.Context, t *tx) error{
	"work_grants.sql": endLegacyWorkGrants,
}

const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL
)`

// Migrate applies every pending migration, each in its own transaction and
// recorded in schema_migrations. It is safe to run twice and, on
// PostgreSQL, from two processes at once (an advisory lock serialises them).
func (s *Store) Migrate(ctx context.Context) error {
	return s.migrate(ctx, 0)
}

// migrate applies the pending migrations numbered upTo or less (every one
// when upTo is 0): tests use it to build a database as an older dco left it.
func (s *Store) migrate(ctx context.Context, upTo int) error {
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	lock := func(ctx context.Context, t *tx) error {
		if s.engine != EnginePostgres {
			return nil // BEGIN IMMEDIATE already holds the write lock
		}
		_, err := t.exec(ctx, "SELECT pg_advisory_xact_lock(7262031)")
		return err
	}
	err = s.write(ctx, func(t *tx) error {
		if err := lock(ctx, t); err != nil {
			return err
		}
		_, err := t.exec(ctx, createSchemaMigrations)
		return err
	})
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, m := range ms {
		if upTo > 0 && m.version > upTo {
			break
		}
		err := s.writeAlone(ctx, func(t *tx) error {
			if err := lock(ctx, t); err != nil {
				return err
			}
			var n int
			if err := t.queryRow(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.version).Scan(&n); err != nil {
				return mapErr(err, "read schema_migrations")
			}
			if n > 0 {
				return nil
			}
			// Run the file as it is: no parameters, several statements.
			if _, err := t.tx.ExecContext(ctx, m.sql); err != nil {
				return mapErr(err, "migration "+m.name)
			}
			if _, rest, _ := strings.Cut(m.name, "_"); migrationSteps[rest] != nil {
				if err := migrationSteps[rest](ctx, t); err != nil {
					return fmt.Errorf("migration %s: %w", m.name, err)
				}
			}
			_, err := t.exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, fmtTime(s.now()))
			if err == nil {
				s.log.Info("migrated", "engine", s.engine, "migration", m.name)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	return nil
}

// PendingMigrations returns how many migrations have not been applied.
func (s *Store) PendingMigrations(ctx context.Context) (int, error) {
	ms, err := s.migrations()
	if err != nil {
		return 0, err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, s.tableExistsQuery(), "schema_migrations").Scan(&n); err != nil {
		return 0, mapErr(err, "find schema_migrations")
	}
	if n == 0 {
		return len(ms), nil
	}
	applied := map[int]bool{}
	rows, err := s.query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return 0, mapErr(err, "scan schema_migrations")
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return 0, mapErr(err, "read schema_migrations")
	}
	pending := 0
	for _, m := range ms {
		if !applied[m.version] {
			pending++
		}
	}
	return pending, nil
}
