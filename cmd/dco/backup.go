package main

import (
	"context"
	"fmt"
	"log/slog"

	"dco/internal/store"
)

const backupUsage = `Usage: dco backup [--db FILE] DEST

Takes an online, consistent copy of a SQLite database into the new file DEST
(SQLite VACUUM INTO), while the service keeps running. DEST must not exist.
Restore by stopping the service and putting the copy in place of dco.db.

For PostgreSQL use the server's own tools, which are consistent while the
service runs:  pg_dump --format=custom --file=dco.dump "$DCO_DATABASE"
and restore with pg_restore --clean --dbname=URL dco.dump.`

func cmdBackup(ctx context.Context, env *Env, args []string) int {
	cfg, fs, code, ok := loadConfig(env, "backup", backupUsage, args, nil)
	if !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(env.Stderr, "dco backup: name one destination file, for example: dco backup dco-2026-11-23.db")
		return 2
	}
	dest := fs.Arg(0)
	s, err := store.Open(ctx, cfg.Database, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco backup: %v\n", err)
		return 1
	}
	defer s.Close()
	if err := s.Backup(ctx, dest); err != nil {
		fmt.Fprintf(env.Stderr, "dco backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "Backed up %s to %s\n", cfg.Database, dest)
	return 0
}
