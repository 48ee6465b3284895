package main

import (
	"context"
	"fmt"

	"dco/internal/importer"
	"dco/internal/s23/s23db"
	"dco/internal/s23/s23import"
	"dco/internal/send"
	"dco/internal/store"
)

func init() {
	importVerbs = append(importVerbs, verb{"s23", "Section 23 notifications from a CSV file", importS23})
}

// importS23Usage is s23import.Usage: the file format is the workflow's.
const importS23Usage = s23import.Usage

func importS23(ctx context.Context, env *Env, args []string) int {
	const name = "import s23"
	var dryRun bool
	cfg, file, code, ok := importArgs(env, name, importS23Usage, args, &dryRun)
	if !ok {
		return code
	}
	f, err := openInput(env, file)
	if err != nil {
		return failf(env, name, "%v", err)
	}
	defer f.Close()
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		res, err := s23import.Read(f, s23import.Options{
			LA:       func(code string) (store.Org, error) { return s.FindLA(ctx, code) },
			Provider: func(code string) (store.Org, error) { return s.FindOrgByCode(ctx, store.OrgProvider, code) },
			Today:    send.Today(env.Now()),
			// The child's details get the kernel's one check, as on the form.
			CheckChild: s.CheckChild,
		})
		if err != nil {
			return failf(env, name, "%s: %s", file, describe(err))
		}
		for _, n := range res.Notes {
			fmt.Fprintf(env.Stderr, "note: %s\n", n)
		}
		// refuse reports every problem, the file's and the database's,
		// and says nothing was imported.
		refuse := func(problems []importer.RowError, more int) int {
			for _, e := range problems {
				fmt.Fprintln(env.Stderr, e.Error())
			}
			if more > 0 {
				fmt.Fprintf(env.Stderr, "… and %d more %s not shown\n", more, plural(more, "problem", "problems"))
			}
			n := len(problems) + more
			fmt.Fprintf(env.Stderr, "%d %s in %d %s: nothing %s imported. Fix the file and run again.\n",
				n, plural(n, "problem", "problems"), res.Read, plural(res.Read, "row", "rows"),
				map[bool]string{true: "would be", false: "was"}[dryRun])
			return 1
		}
		var out s23db.ImportResult
		if !res.OK() || dryRun {
			// Check the rows that parsed against the database too, writing
			// nothing, so that one run reports every problem.
			if len(res.Rows) > 0 {
				out, err = s23db.New(s).Import(ctx, store.System, res.Rows, true)
				if err != nil && len(out.Problems) == 0 {
					return failf(env, name, "%s", describe(err))
				}
			}
			res.AddStoreErrors(s23import.StoreProblems(out.Problems))
			if !res.OK() {
				return refuse(res.Errors, res.MoreErrors)
			}
		}
		if len(res.Rows) == 0 {
			fmt.Fprintln(env.Stdout, "The file has a header but no rows: nothing to import.")
			return 0
		}
		if !dryRun {
			out, err = s23db.New(s).Import(ctx, store.System, res.Rows, false)
			if len(out.Problems) > 0 {
				return refuse(s23import.StoreProblems(out.Problems), 0)
			}
			if err != nil {
				return failf(env, name, "%s", describe(err))
			}
		}
		verb := "Imported"
		if dryRun {
			verb = "Dry run: would import"
		}
		fmt.Fprintf(env.Stdout, "%s %d %s: %d %s registered, %d %s matched to a child already registered.",
			verb, out.Notifications, plural(out.Notifications, "notification", "notifications"),
			out.ChildrenCreated, plural(out.ChildrenCreated, "child", "children"),
			out.ChildrenMatched, plural(out.ChildrenMatched, "row", "rows"))
		if dryRun {
			fmt.Fprint(env.Stdout, " Nothing was written.")
		}
		fmt.Fprintln(env.Stdout)
		return 0
	})
}
