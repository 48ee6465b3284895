// Command dco runs the dco service and its tools: the web service, database
// migrations, accounts, organisations, imports, backups, the audit check and
// the statutory clock. main only wires; every subcommand lives in its own file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"
)

// Env is what a subcommand may touch of the outside world, passed in so that
// tests run the real commands with their own streams, environment and clock.
type Env struct {
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	Getenv func(string) string
	Now    func() time.Time
}

type command struct {
	run     func(ctx context.Context, env *Env, args []string) int
	summary string
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":      {cmdServe, "run the web service and JSON API"},
		"migrate":    {cmdMigrate, "bring the database schema up to date"},
		"user":       {cmdUser, "add, list, disable users; issue API tokens"},
		"org":        {cmdOrg, "add and list organisations (ICB, LAs, providers)"},
		"demo":       {cmdDemo, "seed a synthetic ICB with demo users and children"},
		"import":     {cmdImport, "import children, notifications, advice requests or bank holidays"},
		"backup":     {cmdBackup, "take an online, consistent copy of the database"},
		"audit":      {cmdAudit, "verify the hash-chained audit trail"},
		"clock":      {cmdClock, "compute a statutory deadline: dco clock RULE DATE"},
		"school-age": {cmdSchoolAge, "compulsory school age and derived fields for a date of birth"},
		"version":    {cmdVersion, "print the version"},
		"bench":      {cmdBench, "measure the performance targets in docs/quality-bar.md"},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &Env{
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Stdin:  os.Stdin,
		Getenv: os.Getenv,
		Now:    time.Now,
	}
	code := run(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and returns the process exit code:
// 0 success, 1 failure, 2 bad usage.
func run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(env.Stderr, "dco: unknown command %q; run dco --help for the list\n", args[0])
		return 2
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "dco: statutory clocks, casework and reports for an ICB's SEND team.")
	fmt.Fprintln(w, "\nUsage: dco COMMAND [flags]   (dco COMMAND --help for each)")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nThe database is the SQLite file dco.db unless --db or DCO_DATABASE names")
	fmt.Fprintln(w, "another file or a postgres:// URL.")
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const versionUsage = `Usage: dco version

Prints the version of this build, as "dco VERSION" on one line.

Exit status: 0 printed, 2 bad usage.`

// cmdVersion prints the build's version; like every command it has its own
// flag set, so -h and --help print help rather than the version.
func cmdVersion(_ context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("dco version", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintln(env.Stdout, versionUsage)
		return 0
	case err != nil:
		fmt.Fprintf(env.Stderr, "dco version: %v; run dco version --help\n", err)
		return 2
	case fs.NArg() > 0:
		fmt.Fprintf(env.Stderr, "dco version: takes no arguments, not %q; run dco version --help\n", fs.Arg(0))
		return 2
	}
	fmt.Fprintf(env.Stdout, "dco %s\n", version)
	return 0
}
