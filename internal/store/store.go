// Package store is dco's persistence: hand-written SQL over database/sql,
// embedded forward-only migrations, and the transactions that keep every
// change and its audit row together. SQLite (pure Go) is the default engine;
// PostgreSQL is selected by a postgres:// URL. Both run one schema and, where
// the engines agree, one set of queries; their differences live in
// dialect.go.
//
// Calendar dates are stored as TEXT YYYY-MM-DD and timestamps as TEXT in UTC,
// fixed width (2006-01-02T15:04:05.000000Z), on both engines, so that text
// order is time order and the audit hash covers exactly what is stored.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"

	"dco/internal/errs"
)

// The engines.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// Store is the database. It is safe for concurrent use.
type Store struct {
	db     *sql.DB // reads
	wdb    *sql.DB // writes: one connection on SQLite, the same pool as db on PostgreSQL
	engine string
	log    *slog.Logger
	// liteDSN is the SQLite DSN without pool-specific options, for Backup.
	liteDSN string

	// Now is the clock, UTC; tests replace it.
	Now func() time.Time

	// failAfterChange, when set, runs after a write transaction's work
	// (change and audit rows) and before its commit; an error rolls it all
	// back. Tests use it to prove a change and its audit row stand or fall
	// together.
	failAfterChange func() error
}

// sqlitePragmas are applied to every pooled SQLite connection through the DSN.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)"

// Open opens the database named by dsn: a postgres:// or postgresql:// URL
// selects PostgreSQL; anything else is a SQLite file path ("" means dco.db).
// It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{log: log, Now: func() time.Time { return time.Now().UTC() }}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, errs.Wrap(errs.Unavailable, err, "The database could not be opened")
		}
		db.SetMaxOpenConns(32)
		db.SetMaxIdleConns(16)
		db.SetConnMaxIdleTime(5 * time.Minute)
		s.db, s.wdb, s.engine = db, db, EnginePostgres
	} else {
		path := dsn
		if path == "" {
			path = "dco.db"
		}
		if strings.ContainsAny(path, "?#") {
			return nil, errs.E(errs.Invalid, "a SQLite database path may not contain ? or #")
		}
		base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + sqlitePragmas
		// Writes go through one connection whose transactions take the write
		// lock at BEGIN (_txlock=immediate): writers queue in Go rather than
		// failing with SQLITE_BUSY, and a read-then-write transaction can
		// never be refused its upgrade.
		wdb, err := sql.Open("sqlite", base+"&_txlock=immediate")
		if err != nil {
			return nil, errs.Wrap(errs.Unavailable, err, "The database could not be opened")
		}
		wdb.SetMaxOpenConns(1)
		wdb.SetMaxIdleConns(1)
		wdb.SetConnMaxLifetime(0)
		wdb.SetConnMaxIdleTime(0)
		// Reads run in parallel on their own pool; WAL lets them proceed
		// while a write is in progress. query_only keeps them honest.
		db, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
		if err != nil {
			wdb.Close()
			return nil, errs.Wrap(errs.Unavailable, err, "The database could not be opened")
		}
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
		s.db, s.wdb, s.engine, s.liteDSN = db, wdb, EngineSQLite, base
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.wdb != s.db {
		err = errors.Join(err, s.wdb.Close())
	}
	return err
}

// Engine returns "sqlite" or "postgres".
func (s *Store) Engine() string { return s.engine }

// Ping checks that the database answers, on the write path too for SQLite:
// the writer connection is the one that opens (and creates) the file.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.wdb.PingContext(ctx); err != nil {
		return mapErr(err, "ping")
	}
	if s.db != s.wdb {
		if err := s.db.PingContext(ctx); err != nil {
			return mapErr(err, "ping")
		}
	}
	return nil
}

// now returns the clock's time in UTC.
func (s *Store) now() time.Time { return s.Now().UTC() }

// tx is a write transaction that rewrites parameter markers for the engine and
// turns driver errors into coded errors.
type tx struct {
	s  *Store
	tx *sql.Tx
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r, err := t.tx.ExecContext(ctx, t.s.rebind(query), args...)
	if err != nil {
		return nil, mapErr(err, "exec")
	}
	return r, nil
}

// execN runs a statement and returns the number of rows it affected.
func (t *tx) execN(ctx context.Context, query string, args ...any) (int64, error) {
	r, err := t.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, mapErr(err, "rows affected")
	}
	return n, nil
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := t.tx.QueryContext(ctx, t.s.rebind(query), args...)
	if err != nil {
		return nil, mapErr(err, "query")
	}
	return rows, nil
}

func (t *tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.s.rebind(query), args...)
}

// insertID runs an INSERT ... RETURNING id and returns the id.
func (t *tx) insertID(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	if err := t.queryRow(ctx, query+" RETURNING id", args...).Scan(&id); err != nil {
		return 0, mapErr(err, "insert")
	}
	return id, nil
}

// write runs fn in a write transaction and commits it. Any error from fn, or
// from the test hook failAfterChange, rolls everything back, audit rows
// included.
func (s *Store) write(ctx context.Context, fn func(t *tx) error) error {
	stx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin")
	}
	t := &tx{s: s, tx: stx}
	if err := fn(t); err != nil {
		_ = stx.Rollback()
		return err
	}
	if s.failAfterChange != nil {
		if err := s.failAfterChange(); err != nil {
			_ = stx.Rollback()
			return fmt.Errorf("before commit: %w", err)
		}
	}
	if err := stx.Commit(); err != nil {
		return mapErr(err, "commit")
	}
	return nil
}

// query runs a read on the read pool.
func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := s.db.QueryContext(ctx, s.rebind(query), args...)
	if err != nil {
		return nil, mapErr(err, "query")
	}
	return rows, nil
}

// queryRow runs a one-row read on the read pool.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return s.db.QueryRowContext(ctx, s.rebind(query), args...)
}

// scanErr maps a Scan error: no rows becomes not_found with the message given.
func scanErr(err error, notFound string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "%s", notFound)
	}
	return mapErr(err, "scan")
}

// timeFormat is how every timestamp is stored: UTC, fixed width.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC()
}

// nullID stores 0 as NULL for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
