package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"dco/internal/send"
)

const clockUsage = `Usage: dco clock RULE DATE
       dco clock --list

Prints the statutory deadline for RULE when its clock starts on DATE
(YYYY-MM-DD), as YYYY-MM-DD on one line, and nothing else.

"Within N weeks" of a date is that date plus 7N days, whatever the weekday;
months are calendar months (one month from 31 January is the last day of
February). Working days skip Saturdays, Sundays, Christmas Day, Good Friday
and bank holidays in England (SEND Regulations 2014 reg 2), from the gov.uk
list built into dco and any later years imported into the database named by
DCO_DATABASE. A working-day deadline that reaches past the last known year is
provisional, and a note on standard error says so.

For phase-transfer and phase-transfer-post16, DATE is the date of the move.

Examples:
  dco clock health-advice 2025-09-01           prints 2025-10-13
  dco clock mediation-certificate 2025-12-23   prints 2025-12-30
  dco clock --list                             the rules, with their sources

Exit status: 0 printed, 1 the bank holidays could not be read, 2 bad input.`

// cmdClock prints one statutory deadline, or the list of rules.
func cmdClock(ctx context.Context, env *Env, args []string) int {
	fs := flag.NewFlagSet("dco clock", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
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

	cal := send.DefaultCalendar()
	if rule.WorkingDays && env.Calendar != nil {
		c, err := env.Calendar(ctx)
		if err != nil {
			fmt.Fprintf(env.Stderr, "dco clock: reading bank holidays: %v\n", err)
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
		fmt.Fprintf(env.Stderr, "dco clock: provisional: dco knows the bank holidays of %d to %d; days outside those years follow the standing rules until the gov.uk list is imported\n", cal.FirstKnownYear(), cal.LastKnownYear())
	}
	return 0
}

// writeRuleList prints the rules as an aligned checklist, in the order of
// DESIGN §4.
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
