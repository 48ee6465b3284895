package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"

	"dco/internal/store"
)

const migrateUsage = `Usage: dco migrate [--db FILE|URL] [--check]

Brings the database schema up to date with the migrations built into this
binary. Migrations only go forward and each runs in one transaction. With
--check nothing changes: it prints how many migrations are pending and exits
1 if there are any.`

func cmdMigrate(ctx context.Context, env *Env, args []string) int {
	var check bool
	cfg, _, code, ok := loadConfig(env, "migrate", migrateUsage, args, func(_ *Config, fs *flag.FlagSet) {
		fs.BoolVar(&check, "check", false, "report pending migrations without applying them")
	})
	if !ok {
		return code
	}
	s, err := store.Open(ctx, cfg.Database, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco migrate: %v\n", err)
		return 1
	}
	defer s.Close()
	n, err := s.PendingMigrations(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco migrate: %v\n", err)
		return 1
	}
	if check {
		fmt.Fprintf(env.Stdout, "%d migration(s) pending on %s\n", n, s.Engine())
		if n > 0 {
			return 1
		}
		return 0
	}
	if err := s.Migrate(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "dco migrate: %v\n", err)
		return 1
	}
	fmt.Fprintf(env.Stdout, "Applied %d migration(s) on %s; the schema is up to date\n", n, s.Engine())
	return 0
}
