package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"dco/internal/store"
)

// DB is the database a run fills and measures, and how to put it away.
type DB struct {
	Store *store.Store
	// Where says where the data are, for the report: a file path, or a
	// PostgreSQL schema.
	Where string
	// Kept is how to reach the dataset again after Close (a --db value
	// with any password hidden), or "" when Close removes it.
	Kept string

	drop func() error // removes what Open created; nil when it is kept
}

// Open opens the database a run uses. dsn is:
//
//   - "": a new SQLite file in a temporary directory, removed by Close
//     unless keep is set;
//   - a file path: that SQLite file, made if it does not exist; an existing
//     one must hold a bench dataset (ErrNotBench otherwise), which the run
//     reuses and tops up;
//   - a postgres:// URL: a new schema dco_bench_<random> in that database,
//     dropped by Close unless keep is set; or, when the URL names a
//     search_path, that existing schema, which must hold a bench dataset.
//
// The bench never drops or empties anything it did not create. Every
// database it uses is migrated to the current schema.
func Open(ctx context.Context, dsn string, keep bool, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		db  *DB
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		db, err = openPostgres(ctx, dsn, keep, log)
	case dsn == "":
		db, err = openTempSQLite(ctx, keep, log)
	default:
		db, err = openSQLite(ctx, dsn, log)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Store.Migrate(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("bench: migrate: %w", err), db.Close())
	}
	return db, nil
}

// Close closes the store and removes what Open created, unless it was kept.
func (d *DB) Close() error {
	err := d.Store.Close()
	if d.drop != nil {
		err = errors.Join(err, d.drop())
	}
	return err
}

func openTempSQLite(ctx context.Context, keep bool, log *slog.Logger) (*DB, error) {
	dir, err := os.MkdirTemp("", "dco-bench-")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	path := filepath.Join(dir, "bench.db")
	s, err := store.Open(ctx, path, log)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	db := &DB{Store: s, Where: "SQLite file " + path}
	if keep {
		db.Kept = path
	} else {
		db.drop = func() error { return os.RemoveAll(dir) }
	}
	return db, nil
}

// openSQLite opens a named file. One that exists already is checked before
// anything is written to it, migrations included.
func openSQLite(ctx context.Context, path string, log *slog.Logger) (*DB, error) {
	fi, err := os.Stat(path)
	existing := err == nil && fi.Size() > 0
	s, err := store.Open(ctx, path, log)
	if err != nil {
		return nil, err
	}
	if existing {
		if err := checkExisting(ctx, s); err != nil {
			s.Close()
			return nil, err
		}
	}
	return &DB{Store: s, Where: "SQLite file " + path, Kept: path}, nil
}

// checkExisting returns ErrNotBench unless s holds nothing but a bench
// dataset (or nothing at all).
func checkExisting(ctx context.Context, s *store.Store) error {
	orgs, err := s.ListOrgs(ctx, "")
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrNotBench, err)
	}
	users, err := s.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("%w (%v)", ErrNotBench, err)
	}
	if len(orgs) == 0 && len(users) == 0 {
		return nil
	}
	return checkBench(orgs, users)
}

func openPostgres(ctx context.Context, dsn string, keep bool, log *slog.Logger) (*DB, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("bench: the PostgreSQL URL does not parse: %w", err)
	}
	q := u.Query()
	if named := q.Get("search_path"); named != "" {
		s, err := store.Open(ctx, dsn, log)
		if err != nil {
			return nil, err
		}
		if err := checkExisting(ctx, s); err != nil {
			s.Close()
			return nil, fmt.Errorf("%w; leave out search_path and the bench makes a schema of its own", err)
		}
		return &DB{Store: s, Where: "PostgreSQL schema " + named, Kept: u.Redacted()}, nil
	}

	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("bench: random: %w", err)
	}
	schema := "dco_bench_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("bench: open PostgreSQL: %w", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return nil, fmt.Errorf("bench: create schema %s: %w", schema, err)
	}
	drop := func() error {
		// A fresh connection: the run's context may be cancelled by now.
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return fmt.Errorf("bench: drop schema %s: %w", schema, err)
		}
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			return fmt.Errorf("bench: drop schema %s: %w", schema, err)
		}
		return nil
	}
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := store.Open(ctx, u.String(), log)
	if err != nil {
		return nil, errors.Join(err, drop())
	}
	db := &DB{Store: s, Where: "PostgreSQL schema " + schema}
	if keep {
		db.Kept = u.Redacted()
	} else {
		db.drop = drop
	}
	return db, nil
}
