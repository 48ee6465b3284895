package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"dco/internal/bench"
)

const benchUsage = `Usage: dco bench [--children N] [--advice N] [--las N] [--icbs N] [--db FILE|URL] [--requests N] [--concurrency 32] [--json]
       dco bench --soak DURATION [--users 50] [--children N] [--db FILE|URL] [--json]

Measures dco against the performance targets of docs/quality-bar.md §19 and reports
what it finds. It fills a database with a synthetic ICB (local authorities
and children with NHS numbers from the never-issued 999 range, imported
through the CSV importer in batches, one audit row per child), then times:
the import; an LA caseworker's children list, first page, through the real
web handler with a signed-in session; the same page and a static file under
--concurrency clients over loopback HTTP; searches by NHS number and by
name; the DCO's home page and the board's dashboard; verification of the
audit chain; and the process's resident memory.

With --soak DURATION (for example 30m; at most 24h) the run is instead the
load and soak test of docs/quality-bar.md §20. Once the dataset is filled, --users
virtual users (1 to 1000; of every ten, eight LA caseworkers spread over the
local authorities, the DCO and a board member, each with a session of its
own) work through the real web handler over loopback HTTP for DURATION,
each waiting 0–200 ms between requests: children lists, a child's page,
searches by name and by NHS number, the caseload page, the DCO's home and
at-risk pages, the board's dashboard, and changes to children through the
JSON API with the LA's bearer token. Every 10 seconds and at the end the
bench samples resident memory, goroutines, the Go heap, and the interval's
requests/s and p95. It reports them, the p50/p95/p99 of every request, the
error rate, and a verdict against §20: p95 ≤ 300 ms, errors < 0.1 %, memory
and goroutines flat (the last quarter's mean at most 1.2 × the second
quarter's), and the duration the quality bar asks for (docs/quality-bar.md §20) (30 minutes on SQLite, an
hour and 150 requests/s on PostgreSQL). The other measurements are skipped;
the audit chain is verified afterwards.

With --icbs N (1 to 42; default 1) the dataset has N synthetic ICBs, codes
BENCH and BENCH02 to BENCH42, and the --las local authorities go to them
round-robin (LA i to ICB (i-1) mod N + 1); children and advice requests
follow their LA. The DCO and the board member measured are ICB 1's and the
LA caseworker is its first LA's, so "one ICB's dashboard" is measured at
one ICB's share: --children 650000 --las 153 --icbs 42 is docs/quality-bar.md §18's
nation. A kept dataset is reused only with the --icbs it was made with.

Without --db the data go in a temporary SQLite file, removed afterwards.
--db FILE keeps them in that SQLite file and reuses (and tops up) a bench
dataset already there; --db postgres://… makes a new schema in that
database and drops it afterwards (add ?search_path=SCHEMA to reuse a kept
one). The bench never uses DCO_DATABASE and refuses a database that holds
anything but its own data.

Every measurement is bounded in count and time, and the load stays on the
loopback interface. A missed target is reported, not an error: the exit
code is 0 when the run completes and 1 when it cannot.`

func cmdBench(ctx context.Context, env *Env, args []string) int {
	const name = "bench"
	var (
		opt    bench.Options
		dsn    string
		keep   bool
		asJSON bool
		soak   time.Duration
		users  int
	)
	fs := flag.NewFlagSet("dco "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.IntVar(&opt.Children, "children", bench.DefaultChildren, fmt.Sprintf("children in the dataset (national scale is %d)", bench.NationalChildren))
	fs.IntVar(&opt.Advice, "advice", 0, "health-advice requests in the dataset (0: half the children; negative: none)")
	fs.IntVar(&opt.LAs, "las", bench.DefaultLAs, "local authorities a new dataset spreads the children over")
	fs.IntVar(&opt.ICBs, "icbs", 1, fmt.Sprintf("ICBs a new dataset spreads the local authorities over, round-robin (1 to %d); the DCO measured is ICB 1's", bench.MaxICBs))
	fs.IntVar(&opt.Batch, "batch", bench.DefaultBatch, "rows per import call (each call is all or nothing)")
	fs.StringVar(&dsn, "db", "", "SQLite file or postgres:// URL (default: a temporary SQLite file)")
	fs.BoolVar(&keep, "keep", false, "keep a temporary file or a new PostgreSQL schema, and say how to reuse it")
	fs.IntVar(&opt.Requests, "requests", bench.DefaultRequests, "requests timed in each one-at-a-time measurement")
	fs.DurationVar(&opt.MaxTime, "max-time", bench.DefaultMaxTime, "longest each one-at-a-time measurement may run")
	fs.IntVar(&opt.Concurrency, "concurrency", bench.DefaultConcurrency, "clients in the concurrent measurements")
	fs.DurationVar(&opt.Duration, "duration", bench.DefaultDuration, "length of each concurrent measurement")
	fs.DurationVar(&soak, "soak", 0, "run the load and soak test of docs/quality-bar.md §20 for this long (e.g. 30m, at most 24h) instead of the measurements")
	fs.IntVar(&users, "users", bench.DefaultUsers, fmt.Sprintf("virtual users of a --soak run (1 to %d)", bench.MaxUsers))
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON instead of tables")
	fs.Usage = func() { printUsage(env.Stdout, fs, benchUsage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		return usagef(env, name, "unexpected argument %q", fs.Arg(0))
	}
	// Zero means "the default" to bench.Options; on the command line it is
	// a mistake.
	for _, f := range []struct {
		flag string
		v    int
	}{{"children", opt.Children}, {"las", opt.LAs}, {"icbs", opt.ICBs}, {"batch", opt.Batch}, {"requests", opt.Requests}, {"concurrency", opt.Concurrency}} {
		if f.v < 1 {
			return usagef(env, name, "--%s must be at least 1", f.flag)
		}
	}
	if opt.MaxTime <= 0 || opt.Duration <= 0 {
		return usagef(env, name, "--max-time and --duration must be positive")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case set["soak"] && (soak <= 0 || soak > bench.MaxSoak):
		return usagef(env, name, "--soak must be a positive duration of at most 24h, for example 30m")
	case set["users"] && !set["soak"]:
		return usagef(env, name, "--users needs --soak DURATION")
	case users < 1 || users > bench.MaxUsers:
		return usagef(env, name, "--users must be 1 to %d", bench.MaxUsers)
	}
	opt.Soak, opt.Users = soak, users
	if err := opt.Check(); err != nil {
		return usagef(env, name, "%v", err)
	}
	opt.Progress = env.Stderr

	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := bench.Open(ctx, dsn, keep, log)
	if err != nil {
		return failf(env, name, "%s", describe(err))
	}
	fmt.Fprintf(env.Stderr, "bench: %s\n", db.Where)
	start := time.Now()
	rep, err := bench.Run(ctx, db.Store, opt)
	if cerr := db.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return failf(env, name, "%s", describe(err))
	}
	rep.Where = db.Where
	if db.Kept != "" {
		rep.Notes = append(rep.Notes, "the dataset is kept: reuse it with --db "+db.Kept)
	}
	fmt.Fprintf(env.Stderr, "bench: done in %s\n", time.Since(start).Round(time.Second))
	if asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return failf(env, name, "%v", err)
		}
		return 0
	}
	if err := rep.WriteText(env.Stdout); err != nil {
		return failf(env, name, "%v", err)
	}
	return 0
}
