package main

import (
	"context"
	"errors"
	"fmt"

	"dco/internal/advice/advicedb"
	"dco/internal/advice/adviceimport"
	"dco/internal/send"
	"dco/internal/store"
)

func init() {
	importVerbs = append(importVerbs, verb{"advice-requests", "health advice requests (SEND Regs 2014 reg 8) from a CSV file", importAdvice})
}

// importAdviceUsage is adviceimport.Usage: the file format is the workflow's.
const importAdviceUsage = adviceimport.Usage

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
		db := advicedb.New(s)
		cal, err := storeCalendar(ctx, s)
		if err != nil {
			return failf(env, name, "%s", describe(err))
		}
		res, err := adviceimport.Read(f, adviceimport.Options{
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
			lines, err := db.CheckAdviceImport(ctx, store.System, cal, res.Rows)
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
		out, err := db.ImportAdviceRequests(ctx, store.System, cal, res.Rows, dryRun)
		var ie *advicedb.ImportError
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
