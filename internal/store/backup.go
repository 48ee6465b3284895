package store

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"

	"dco/internal/errs"
)

// Backup writes an online, consistent copy of a SQLite database to path
// (VACUUM INTO), refusing to overwrite a file that exists. Writers carry on
// meanwhile: the copy is read from one snapshot. PostgreSQL is backed up
// with pg_dump, not by dco.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.engine == EnginePostgres {
		return errs.E(errs.Invalid, "use pg_dump to back up a PostgreSQL database, for example: pg_dump --format=custom --file=dco.dump \"$DATABASE_URL\"")
	}
	if path == "" {
		return errs.E(errs.Invalid, "Give a file to back up to")
	}
	if _, err := os.Stat(path); err == nil {
		return errs.E(errs.Conflict, "The backup file %s already exists", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return errs.Wrap(errs.Invalid, err, "The backup file cannot be checked")
	}
	// The read pool is query_only, which VACUUM INTO refuses, and the
	// writer must stay free; so the copy gets a connection of its own.
	db, err := sql.Open("sqlite", s.liteDSN)
	if err != nil {
		return mapErr(err, "open for backup")
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return mapErr(err, "vacuum into")
	}
	return nil
}
