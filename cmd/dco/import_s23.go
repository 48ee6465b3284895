package main

import (
	"context"
	"fmt"

	"dco/internal/importer"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
)

func init() {
	importVerbs = append(importVerbs, verb{"s23", "Section 23 notifications from a CSV file", importS23})
}

const importS23Usage = `Usage: dco import s23 FILE.csv [--dry-run]

Imports Section 23 notifications (Children and Families Act 2014 s.23) from
a CSV file (UTF-8, as a spreadsheet saves it; FILE - reads standard input).
The first line is the header:

  nhs_number,given_name,family_name,date_of_birth,la_code,provider_code,
  professional,reason,parent_informed_on,discussion_offered_on,la_notified_on

in any order. Dates are YYYY-MM-DD; leave a step blank if it has not
happened. la_code is the child's LA, and the LA notified, by DfE number
(800) or ONS code (E06000022); provider_code is the provider's ODS code.
Each child is matched by NHS number, as on the notification form (the
family name, ignoring case and spacing, and the date of birth must agree;
the given name may differ), or registered. A child registered in another LA
than la_code is a problem: a file cannot give the reason for notifying
another LA.

The steps must be in the statute's order: the parent informed, a discussion
offered, and only then the LA notified (the same day is allowed). A child
already of compulsory school age is outside s.23 and is imported as an
"other" notification, with a note.

Every problem is reported with its line number (the header is line 1), in
line order: problems in the file itself and those only the database finds
(a child registered with another family name, date of birth or LA) are
reported together, in one run. If there is any, nothing is imported;
otherwise every notification is imported in one transaction. --dry-run
makes every check, against the database too, and writes nothing.`

// s23Columns maps the store's field names to the file's columns, so that a
// problem only the database finds names the column to fix.
var s23Columns = map[string]string{
	"provider_org_id": "provider_code",
	"la_id":           "la_code",
	"la_reason":       "la_code", // the file's LA is the LA notified; it has no reason column
	"kind":            "date_of_birth",
	"reasons":         "reason",
}

// s23StoreProblems turns the problems the store found into the file's
// terms: each names the column to fix.
func s23StoreProblems(ps []s23db.ImportProblem) []importer.RowError {
	out := make([]importer.RowError, 0, len(ps))
	for _, p := range ps {
		col := p.Field
		if c, ok := s23Columns[col]; ok {
			col = c
		}
		out = append(out, importer.RowError{Line: p.Line, Column: col, Message: col + ": " + p.Message})
	}
	return out
}

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
		res, err := importer.ReadS23(f, importer.S23Options{
			LA:       func(code string) (store.Org, error) { return s.FindLA(ctx, code) },
			Provider: func(code string) (store.Org, error) { return s.FindOrgByCode(ctx, store.OrgProvider, code) },
			Today:    send.Today(env.Now()),
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
			res.AddStoreErrors(s23StoreProblems(out.Problems))
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
				return refuse(s23StoreProblems(out.Problems), 0)
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
