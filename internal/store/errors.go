package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"dco/internal/errs"
)

// constraint is the kind of integrity rule a driver error reports.
type constraint int

const (
	noConstraint constraint = iota
	uniqueViolation
	foreignKeyViolation
	checkViolation
	notNullViolation
)

// constraintOf recognises an integrity violation by the driver's code, never
// by its message: SQLite extended result codes, PostgreSQL SQLSTATE.
func constraintOf(err error) constraint {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueViolation
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation
		case sqlite3.SQLITE_CONSTRAINT_CHECK:
			return checkViolation
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return notNullViolation
		}
		return noConstraint
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return uniqueViolation
		case "23503":
			return foreignKeyViolation
		case "23514":
			return checkViolation
		case "23502":
			return notNullViolation
		}
	}
	return noConstraint
}

// notUTF8 reports whether PostgreSQL refused text that is not UTF-8
// (SQLSTATE 22021), which the checks before it should have refused: it is
// the caller's input, not a fault.
func notUTF8(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "22021"
}

// unavailable reports whether err means the database cannot be reached or
// cannot take a write right now: disk full, I/O error, lock timeout, a lost
// connection. These are worth retrying later, not bugs.
func unavailable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY,
			sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY,
			sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL:
			return true
		}
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case len(pe.Code) == 5 && pe.Code[:2] == "08": // connection exception
			return true
		case len(pe.Code) == 5 && pe.Code[:2] == "53": // insufficient resources, 53100 disk full
			return true
		case pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // shutdown, cannot connect now
			return true
		case pe.Code == "40001", pe.Code == "40P01": // serialization failure, deadlock: retryable
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ENOSPC)
}

// mapErr turns a driver error into a coded error, keeping the cause for the
// log. Already-coded errors pass through; context cancellation stays as it is
// so callers can tell a client that went away from a fault.
func mapErr(err error, op string) error {
	if err == nil {
		return nil
	}
	var ce *errs.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	switch constraintOf(err) {
	case uniqueViolation:
		return errs.Wrap(errs.Conflict, fmt.Errorf("%s: %w", op, err), "This is already recorded")
	case foreignKeyViolation:
		return errs.Wrap(errs.Invalid, fmt.Errorf("%s: %w", op, err), "This refers to something that does not exist")
	case checkViolation, notNullViolation:
		return errs.Wrap(errs.Invalid, fmt.Errorf("%s: %w", op, err), "A value was missing or out of range")
	}
	if notUTF8(err) {
		return errs.Wrap(errs.Invalid, fmt.Errorf("%s: %w", op, err), MsgNotUTF8)
	}
	if unavailable(err) {
		return errs.Wrap(errs.Unavailable, fmt.Errorf("%s: %w", op, err), "The database is unavailable; try again shortly")
	}
	return errs.Wrap(errs.Internal, fmt.Errorf("%s: %w", op, err), "database error")
}
