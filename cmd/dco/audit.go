package main

import (
	"context"
	"fmt"
	"log/slog"

	"dco/internal/store"
)

const auditUsage = `Usage: dco audit verify [--db FILE|URL]

Checks the hash chain of the audit trail from its first row to its last and
reports the first row whose hash does not follow from the one before it: a
row changed, removed or inserted outside dco. It also checks the index of the
children each list, search or download showed against the row that names
them, so that no child's access history gains or loses a row outside dco.
Exit 0 when the chain is whole, 1 when it is broken.`

func cmdAudit(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			fmt.Fprintln(env.Stdout, auditUsage)
			return 0
		}
		fmt.Fprintln(env.Stderr, "dco audit: usage: dco audit verify [--db FILE|URL]")
		return 2
	}
	cfg, _, code, ok := loadConfig(env, "audit verify", auditUsage, args[1:], nil)
	if !ok {
		return code
	}
	s, err := store.Open(ctx, cfg.Database, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco audit: %v\n", err)
		return 1
	}
	defer s.Close()
	checked, broken, err := s.VerifyAudit(ctx)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco audit: %v\n", err)
		return 1
	}
	if broken != 0 {
		fmt.Fprintf(env.Stdout, "Audit trail BROKEN at row %d (%d rows checked before it)\n", broken, checked)
		return 1
	}
	fmt.Fprintf(env.Stdout, "Audit trail intact: %d rows checked\n", checked)
	return 0
}
