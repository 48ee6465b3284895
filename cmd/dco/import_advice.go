package main

import (
	"context"
	"errors"
	"fmt"

	"dco/internal/importer"
	"dco/internal/send"
	"dco/internal/store"
)

func init() {
	importVerbs = append(importVerbs, verb{"advice-requests", "health advice requests (SEND Regs 2014 reg 8) from a CSV file", importAdvice})
}

const importAdviceUsage = `Usage: dco import advice-requests FILE.csv [--dry-run]

Imports requests for health advice for EHC needs assessments (SEND
Regulations 2014 reg 8), past and open, from a CSV file (UTF-8, as a
spreadsheet saves it; FILE - reads standard input). The first line is the
header:

  la_code,la_reference,nhs_number,given_name,family_name,date_of_birth,
  received_on,returned_on,outcome,exception,exception_on

in any order. Dates are YYYY-MM-DD. received_on is when health received
the request: the six-week deadline is counted from it. outcome is advice,
not_known or withdrawn, and blank (with returned_on blank) while the request
is open. exception is a reg 8(2) exception, missed_appointment,
exceptional_circumstances or absent_from_area, with the date in
exception_on, or blank. la_code is the LA that asked, by DfE number (800)
or ONS code (E06000022). Each child is matched by NHS number (the name and
date of birth must agree) or registered in that LA.

Every problem is reported with its line number (the header is line 1), in
line order: problems in the file itself and those only the database finds
(an la_reference already recorded for the LA, a child registered with
another name or date of birth) are reported together, in one run. If there
is any, nothing is imported; otherwise every request is imported in one
transaction. --dry-run makes every check, against the database too, and
writes nothing.`

func importAdvice(ctx context.Context, env *Env, args []string) int {
	const name = "import advice-requests"
	var dryRun bool
	cfg, file, code, ok := importArgs(env, name, importAdviceUsage, args, &dryRun)
	if !ok {
		return code
	}
	f, err := openInput(env, file)
	if err != nil {
		return failf(env, name, "%v", err)
	}
	defer f.Close()
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		cal, err := storeCalendar(ctx, s)
		if err != nil {
			return failf(env, name, "%s", describe(err))
		}
		res, err := importer.ReadAdvice(f, importer.AdviceOptions{
			LA:       func(code string) (store.Org, error) { return s.FindLA(ctx, code) },
			Calendar: cal,
			Today:    send.Today(env.Now()),
		})
		if err != nil {
			return failf(env, name, "%s: %s", file, describe(err))
		}
		would := map[bool]string{true: "would be", false: "was"}[dryRun]
		for _, n := range res.Notes {
			fmt.Fprintf(env.Stderr, "note: %s\n", n)
		}
		if !res.OK() && len(res.Rows) > 0 {
			// Check the rows that parsed against the database too, writing
			// nothing, so that one run reports every problem. (A file with
			// no problem is checked, on --dry-run too, by the import below.)
			lines, err := s.CheckAdviceImport(ctx, store.System, cal, res.Rows)
			if err != nil {
				return failf(env, name, "%s", describe(err))
			}
			res.AddStoreErrors(lines)
		}
		for _, e := range res.Errors {
			fmt.Fprintln(env.Stderr, e.Error())
		}
		problems := len(res.Errors) + res.MoreErrors
		if res.MoreErrors > 0 {
			fmt.Fprintf(env.Stderr, "… and %d more %s not shown\n", res.MoreErrors, plural(res.MoreErrors, "problem", "problems"))
		}
		if problems > 0 {
			fmt.Fprintf(env.Stderr, "%d %s in %d %s: nothing %s imported. Fix the file and run again.\n",
				problems, plural(problems, "problem", "problems"), res.Read, plural(res.Read, "row", "rows"), would)
			return 1
		}
		if len(res.Rows) == 0 {
			fmt.Fprintln(env.Stdout, "The file has a header but no rows: nothing to import.")
			return 0
		}
		out, err := s.ImportAdviceRequests(ctx, store.System, cal, res.Rows, dryRun)
		var ie *store.ImportError
		if errors.As(err, &ie) {
			for _, l := range ie.Lines {
				fmt.Fprintf(env.Stderr, "line %d: %s\n", l.Line, l.Message)
			}
			fmt.Fprintf(env.Stderr, "%d %s in %d %s: nothing %s imported. Fix the file and run again.\n",
				len(ie.Lines), plural(len(ie.Lines), "problem", "problems"), res.Read, plural(res.Read, "row", "rows"), would)
			return 1
		}
		if err != nil {
			return failf(env, name, "%s", describe(err))
		}
		verb := "Imported"
		if dryRun {
			verb = "Dry run: would import"
		}
		fmt.Fprintf(env.Stdout, "%s %d advice %s (%d open, %d returned, %d withdrawn); %d %s registered.",
			verb, out.Requests, plural(out.Requests, "request", "requests"), out.Open, out.Returned, out.Withdrawn,
			out.NewChildren, plural(out.NewChildren, "child", "children"))
		if dryRun {
			fmt.Fprint(env.Stdout, " Nothing was written.")
		}
		fmt.Fprintln(env.Stdout)
		return 0
	})
}
