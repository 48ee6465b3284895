package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"dco/internal/send"
)

const clockUsage = `Usage: dco clock RULE DATE [--db FILE|URL]
       dco clock --list

Prints the statutory deadline for RULE when its clock starts on DATE
(YYYY-MM-DD), as YYYY-MM-DD on one line, and nothing else.

"Within N weeks" of a date is that date plus 7N days, whatever the weekday;
months are calendar months (one month from 31 January is the last day of
February); "15 days beginning with" a date counts that date as day 1.
Working days skip Saturdays, Sundays, Christmas Day, Good Friday and bank
holidays in England (SEND Regulations 2014 reg 2), from the gov.uk list
built into dco and any years imported into the database (dco import
bank-holidays). The database is --db, else DCO_DATABASE, else dco.db; it is
only read, never created. When neither names one and dco.db is absent, the
built-in list is used alone. A working-day deadline that counts days in a
year dco does not know in full is provisional, and a note on standard error
says so.

For phase-transfer and phase-transfer-post16, DATE is the date of the move.

Examples:
  dco clock health-advice 2025-09-01           prints 2025-10-13
  dco clock mediation-certificate 2025-12-23   prints 2025-12-30
  dco clock --list                             the rules, with their sources

Exit status: 0 printed; 1 a working-day rule and the database named by
--db or DCO_DATABASE (or an existing dco.db) could not be opened or read;
2 bad input.`

// cmdClock prints one statutory deadline, or the list of rules.
// Its configuration follows every command's: defaults, then DCO_*, then
// flags; only the database matters to it.
func cmdClock(ctx context.Context, env *Env, args []string) int {
	cfg := defaultConfig()
	if err := cfg.loadEnv(env.Getenv); err != nil {
		fmt.Fprintf(env.Stderr, "dco clock: %v\n", err)
		return 2
	}
	fs := flag.NewFlagSet("dco clock", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.dbFlag(fs)
	list := fs.Bool("list", false, "list the rules with their deadlines and sources")
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(env.Stdout, fs, clockUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco clock: %v; run dco clock --help\n", err)
		return 2
	}
	cfg.noteFlags(fs)
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(env.Stderr, "dco clock: %v\n", err)
		return 2
	}

	if *list {
		if len(pos) > 0 {
			fmt.Fprintln(env.Stderr, "dco clock: --list takes no RULE or DATE")
			return 2
		}
		if err := writeRuleList(env.Stdout); err != nil {
			fmt.Fprintf(env.Stderr, "dco clock: %v\n", err)
			return 1
		}
		return 0
	}

	if len(pos) != 2 {
		fmt.Fprintln(env.Stderr, "dco clock: want RULE DATE, e.g. dco clock health-advice 2025-09-01; dco clock --list shows the rules")
		return 2
	}
	rule, ok := send.LookupRule(pos[0])
	if !ok {
		fmt.Fprintf(env.Stderr, "dco clock: unknown rule %q; dco clock --list shows the rules\n", pos[0])
		return 2
	}
	from, err := send.ParseDate(pos[1])
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco clock: %v\n", err)
		return 2
	}

	// A calendar-day rule needs no bank holidays, so it never opens the
	// database and a broken one does not stop it.
	cal := send.DefaultCalendar()
	if rule.WorkingDays {
		c, err := clockCalendar(ctx, &cfg)
		if err != nil {
			fmt.Fprintf(env.Stderr, "dco clock: bank holidays: %s\n", oneLine(err.Error()))
			return 1
		}
		cal = c
	}
	dl, err := cal.Deadline(rule.Name, from)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco clock: %v\n", err)
		return 2
	}
	fmt.Fprintln(env.Stdout, dl.Due)
	if dl.Provisional {
		fmt.Fprintf(env.Stderr, "dco clock: provisional: dco knows the bank holidays of %s; days in other years follow the standing rules until the gov.uk list of their year is imported\n", yearRanges(cal.KnownYears()))
	}
	return 0
}

// yearRanges words a list of ascending years as runs: "2012 to 2028 and
// 2030", "2012 to 2020, 2022 and 2024 to 2028", or "no year" for none.
func yearRanges(years []int) string {
	var runs []string
	for i := 0; i < len(years); {
		j := i
		for j+1 < len(years) && years[j+1] == years[j]+1 {
			j++
		}
		if j == i {
			runs = append(runs, strconv.Itoa(years[i]))
		} else {
			runs = append(runs, fmt.Sprintf("%d to %d", years[i], years[j]))
		}
		i = j + 1
	}
	switch len(runs) {
	case 0:
		return "no year"
	case 1:
		return runs[0]
	}
	return strings.Join(runs[:len(runs)-1], ", ") + " and " + runs[len(runs)-1]
}

// oneLine keeps an error message to one line of the terminal.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// writeRuleList prints the rules as an aligned checklist, in the order of
// docs/design.md §4.
func writeRuleList(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tDEADLINE\tFROM\tSOURCE")
	for _, r := range send.Rules() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Arithmetic, r.From, r.Citation)
	}
	return tw.Flush()
}

// printUsage writes a subcommand's help text and its flags.
func printUsage(w io.Writer, fs *flag.FlagSet, text string) {
	fmt.Fprintln(w, text)
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments (dco school-age 2018-01-01 --on 2025-01-01),
// where flag.Parse alone stops at the first positional one. It moves the
// flags, with the values of non-boolean flags, ahead of the rest and parses
// them. Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && !isBoolFlag(f) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	if err := fs.Parse(flags); err != nil {
		return nil, err
	}
	return append(pos, fs.Args()...), nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}
