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
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"

	"dco/internal/auth"
	"dco/internal/errs"
	"dco/internal/send"
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

	// group batches concurrent write transactions into one commit.
	group *committer

	// identity slows a user whose identity checks keep failing (identity.go).
	identity *auth.Throttle

	// settingHooks run when a setting is saved (OnSettingSaved, kernel.go).
	settingHooks sync.Map
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
	s := &Store{log: log, Now: func() time.Time { return time.Now().UTC() }, identity: auth.NewThrottle()}
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
		wdb, err := sql.Open("sqlite", base+"&_txlock=immediate&_pragma=cache_size(-32768)")
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
	// One committer on both engines. SQLite has one writer anyway. On
	// PostgreSQL a second committer's batch could wait for a row that a
	// batch holding the audit head wants next: a deadlock, where one
	// committer has none.
	committers := 1
	s.group = newCommitter(s, committers)
	return s, nil
}

// Close closes the database, after the writes in progress have finished.
func (s *Store) Close() error {
	if s.group != nil {
		s.group.stop()
	}
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
	// shared marks a transaction that carries several writers' work (group
	// commit): their statements ignore their own context's cancellation,
	// which would otherwise interrupt the statement and, on SQLite, abort
	// the transaction the others share.
	shared bool
	// stmts are the statements prepared in this transaction, by text; the
	// transaction's end closes them.
	stmts map[string]*sql.Stmt
}

// prepared returns query prepared in this transaction, preparing it the first
// time: a statement run many times is parsed once.
func (t *tx) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	st, err := t.tx.PrepareContext(t.c(ctx), t.s.rebind(query))
	if err != nil {
		return nil, mapErr(err, "prepare")
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st, nil
}

// execPrepared runs a statement through prepared.
func (t *tx) execPrepared(ctx context.Context, query string, args ...any) error {
	st, err := t.prepared(ctx, query)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(t.c(ctx), args...); err != nil {
		return mapErr(err, "exec")
	}
	return nil
}

// queryPrepared runs a query through prepared.
func (t *tx) queryPrepared(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := t.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(t.c(ctx), args...)
	if err != nil {
		return nil, mapErr(err, "query")
	}
	return rows, nil
}

// c is the context a statement runs with.
func (t *tx) c(ctx context.Context) context.Context {
	if t.shared {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	r, err := t.tx.ExecContext(t.c(ctx), t.s.rebind(query), args...)
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
	rows, err := t.tx.QueryContext(t.c(ctx), t.s.rebind(query), args...)
	if err != nil {
		return nil, mapErr(err, "query")
	}
	return rows, nil
}

func (t *tx) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.c(ctx), t.s.rebind(query), args...)
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
// from the test hook failAfterChange, rolls back everything fn did, audit
// rows included. Concurrent writes are group-committed (see group.go): fn may
// share its transaction with other writers' work, each behind a savepoint,
// so that many changes and reads with their audit rows cost one commit.
func (s *Store) write(ctx context.Context, fn func(t *tx) error) error {
	if s.group == nil {
		return s.writeAlone(ctx, fn)
	}
	return s.group.do(ctx, fn)
}

// runFn runs a writer's work and then the test hook failAfterChange. A panic
// in fn is returned as an internal error: fn may run on a committer's
// goroutine, whose panic would end the process.
func (s *Store) runFn(t *tx, fn func(t *tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in a write transaction", "panic", p, "stack", string(debug.Stack()))
			err = errs.E(errs.Internal, "database error")
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	if s.failAfterChange != nil {
		if err := s.failAfterChange(); err != nil {
			return fmt.Errorf("before commit: %w", err)
		}
	}
	return nil
}

// writeAlone runs fn in a transaction of its own. Imports and migrations
// always do: they are long, and have their own prepared statements.
func (s *Store) writeAlone(ctx context.Context, fn func(t *tx) error) error {
	stx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err, "begin")
	}
	t := &tx{s: s, tx: stx}
	if err := s.runFn(t, fn); err != nil {
		_ = stx.Rollback()
		return err
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

// optDate reads a stored date that may be empty.
func optDate(s string) (send.Date, error) {
	if s == "" {
		return send.Date{}, nil
	}
	return send.ParseDate(s)
}
