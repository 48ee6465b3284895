package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"dco/internal/errs"
	"dco/internal/importer"
	"dco/internal/send"
	"dco/internal/store"
)

// importVerbs are the kinds of file dco import reads, in the order its help
// lists them. A new kind of import is one more row here, or appended from
// an init function in the file that implements it.
var importVerbs = []verb{
	{"children", "children and young people from a CSV file", importChildren},
	{"bank-holidays", "bank holidays from a gov.uk bank-holidays.json file", importBankHolidays},
}

const importIntro = `Imports records from files. Every file is checked in full first: a file
with any problem imports nothing, and --dry-run checks without writing.`

func cmdImport(ctx context.Context, env *Env, args []string) int {
	return runVerbs(ctx, env, "import", importIntro, importVerbs, args)
}

// importArgs reads an import verb's flags, which may come before or after
// its one FILE argument, and returns the file name. ok is false when the
// command should stop with exit code.
func importArgs(env *Env, name, usage string, args []string, dryRun *bool) (cfg *Config, file string, code int, ok bool) {
	cfg, fs, code, ok := loadConfig(env, name, usage, args, func(_ *Config, fs *flag.FlagSet) {
		fs.BoolVar(dryRun, "dry-run", false, "check the file and report what would be imported; write nothing")
	})
	if !ok {
		return nil, "", code, false
	}
	rest, err := parseInterspersed(fs, fs.Args())
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, "", 0, false
		}
		return nil, "", 2, false
	}
	if err := cfg.validate(); err != nil {
		return nil, "", usagef(env, name, "%v", err), false
	}
	switch len(rest) {
	case 0:
		return nil, "", usagef(env, name, "name the file to import"), false
	case 1:
		return cfg, rest[0], 0, true
	}
	return nil, "", usagef(env, name, "one file at a time, not %d", len(rest)), false
}

// openInput opens the named file, or standard input for "-".
func openInput(env *Env, file string) (io.ReadCloser, error) {
	if file == "-" {
		if env.Stdin == nil {
			return nil, errors.New("there is no standard input")
		}
		return io.NopCloser(env.Stdin), nil
	}
	return os.Open(file)
}

const importChildrenUsage = `Usage: dco import children FILE.csv [--dry-run]

Imports children and young people from a CSV file (UTF-8, as a spreadsheet
saves it; FILE - reads standard input). The first line is the header:

  nhs_number,given_name,family_name,date_of_birth,postcode,la_code

in any order, optionally with setting and the yes/no columns looked_after,
elective_home_education, missing_education, youth_justice, continuing_care
and personal_health_budget (yes, no, true, false, 1, 0 or blank). Other
columns are ignored, with a note. Dates are YYYY-MM-DD; la_code is the LA's
DfE number (800) or ONS code (E06000022); NHS numbers must pass the
modulus 11 check and appear once. Files are limited to 50 MB and
1,000,000 rows, cells to 1,000 characters.

Every problem is reported with its line number (the header is line 1). If
there is any, nothing is imported; otherwise every child is imported in one
transaction. --dry-run checks the file against the database and writes nothing.`

func importChildren(ctx context.Context, env *Env, args []string) int {
	const name = "import children"
	var dryRun bool
	cfg, file, code, ok := importArgs(env, name, importChildrenUsage, args, &dryRun)
	if !ok {
		return code
	}
	f, err := openInput(env, file)
	if err != nil {
		return failf(env, name, "%v", err)
	}
	defer f.Close()
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		res, err := importer.ReadChildren(f, importer.Options{
			LA:    func(code string) (store.Org, error) { return s.FindLA(ctx, code) },
			Today: send.Today(env.Now()),
		})
		if err != nil {
			return failf(env, name, "%s: %s", file, describe(err))
		}
		for _, n := range res.Notes {
			fmt.Fprintf(env.Stderr, "note: %s\n", n)
		}
		for _, e := range res.Errors {
			fmt.Fprintln(env.Stderr, e.Error())
		}
		problems := len(res.Errors) + res.MoreErrors
		if res.MoreErrors > 0 {
			fmt.Fprintf(env.Stderr, "… and %d more %s not shown\n", res.MoreErrors, plural(res.MoreErrors, "problem", "problems"))
		}
		switch {
		case problems > 0 && dryRun:
			fmt.Fprintf(env.Stderr, "Dry run: %d %s in %d %s; as it stands nothing would be imported (%d %s valid). Fix the file and run again.\n",
				problems, plural(problems, "problem", "problems"), res.Rows, plural(res.Rows, "row", "rows"),
				len(res.Children), plural(len(res.Children), "row is", "rows are"))
			return 1
		case problems > 0:
			fmt.Fprintf(env.Stderr, "%d %s in %d %s: nothing was imported. Fix the file and run again.\n",
				problems, plural(problems, "problem", "problems"), res.Rows, plural(res.Rows, "row", "rows"))
			return 1
		case dryRun:
			fmt.Fprintf(env.Stdout, "Dry run: %d %s would be imported. Nothing was written.\n",
				len(res.Children), plural(len(res.Children), "row", "rows"))
			return 0
		case len(res.Children) == 0:
			fmt.Fprintln(env.Stdout, "The file has a header but no rows: nothing to import.")
			return 0
		}
		n, err := s.ImportChildren(ctx, store.System, res.Children)
		if err != nil {
			return failf(env, name, "%s", importFailure(err, res.Lines))
		}
		fmt.Fprintf(env.Stdout, "Imported %d %s\n", n, plural(n, "child", "children"))
		return 0
	})
}

// importFailure describes a failed ImportChildren for the terminal. The
// store names the row at fault ("Row N…", counting the children passed from
// 1); that becomes the file's "line L…", so that a problem only the database
// can find, such as an NHS number already registered, points at the line to
// fix.
func importFailure(err error, lines []int) string {
	var e *errs.Error
	if !errors.As(err, &e) || e.Code == errs.Internal {
		return describe(err)
	}
	msg := e.Message
	var row int
	if _, serr := fmt.Sscanf(msg, "Row %d", &row); serr == nil && row >= 1 && row <= len(lines) {
		msg = fmt.Sprintf("line %d%s", lines[row-1], strings.TrimPrefix(msg, fmt.Sprintf("Row %d", row)))
	}
	if e.Code == errs.Invalid && len(e.Fields) > 0 {
		msg += " (" + describe(err) + ")"
	}
	return msg
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

const importBankHolidaysUsage = `Usage: dco import bank-holidays FILE.json [--dry-run] [--db FILE|URL]

Adds bank holidays from a file in the shape of gov.uk's bank-holidays.json
(https://www.gov.uk/bank-holidays.json; FILE - reads standard input). Only
the england-and-wales division is read. Holidays dco already knows are left
alone. The statutory clock counts working days with them, in dco clock and
in dco serve (which re-reads them within a minute, without a restart).

A year is known to dco only when it holds the whole year. England has at
least 8 bank holidays every year (New Year's Day, Good Friday, Easter
Monday, the early May, spring and summer bank holidays, Christmas Day and
Boxing Day, or their substitute days), so a file that would leave any year
it touches with fewer, together with those dco already knows, holds only
part of that year: it is refused, naming the year, and nothing is
imported. A deadline that counts days in a year dco does not know in full
is marked provisional until that year is imported.

Exit status: 0 imported (or checked, with --dry-run); 1 the file or the
database could not be read; 2 bad usage or a year only partly in the file.`

// maxBankHolidaysBytes bounds a bank-holidays file: gov.uk's is about 20 KB.
const maxBankHolidaysBytes = 5 << 20

func importBankHolidays(ctx context.Context, env *Env, args []string) int {
	const name = "import bank-holidays"
	var dryRun bool
	cfg, file, code, ok := importArgs(env, name, importBankHolidaysUsage, args, &dryRun)
	if !ok {
		return code
	}
	f, err := openInput(env, file)
	if err != nil {
		return failf(env, name, "%v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxBankHolidaysBytes+1))
	if err != nil {
		return failf(env, name, "%s: %v", file, err)
	}
	if len(data) > maxBankHolidaysBytes {
		return failf(env, name, "%s is larger than %d MB: it is not a bank-holidays file", file, maxBankHolidaysBytes>>20)
	}
	hs, err := send.ParseBankHolidays(bytes.NewReader(data))
	if err != nil {
		return failf(env, name, "%s: %v", file, err)
	}
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		stored, err := s.BankHolidays(ctx)
		if err != nil {
			return failf(env, name, "%s", describe(err))
		}
		known := send.DefaultCalendar().With(stored)
		have := map[string]bool{}
		for _, h := range known.Holidays() {
			have[h.Date.String()] = true
		}
		var fresh []send.Holiday
		for _, h := range hs {
			if !have[h.Date.String()] {
				fresh = append(fresh, h)
			}
		}
		after := known.With(fresh)
		if part := partYears(hs, after); len(part) > 0 {
			fmt.Fprintf(env.Stderr, "dco %s: %s: %s; every year has at least %d (New Year's Day, Good Friday, Easter Monday, the early May, spring and summer bank holidays, Christmas Day and Boxing Day, or their substitutes), so the file holds only part of %s. Nothing was imported; import the whole of gov.uk's bank-holidays.json.\n",
				name, file, strings.Join(part, "; "), send.MinBankHolidays, plural(len(part), "that year", "those years"))
			return 2
		}
		if dryRun {
			fmt.Fprintf(env.Stdout, "Dry run: %d of %d bank %s would be new; dco would then know the bank holidays of %s. Nothing was written.\n",
				len(fresh), len(hs), plural(len(hs), "holiday", "holidays"), yearRanges(after.KnownYears()))
			return 0
		}
		added := 0
		if len(fresh) > 0 {
			if added, err = s.AddBankHolidays(ctx, store.System, fresh); err != nil {
				return failf(env, name, "%s", describe(err))
			}
		}
		fmt.Fprintf(env.Stdout, "Added %d new bank %s (%d in the file %s already known); dco now knows the bank holidays of %s.\n",
			added, plural(added, "holiday", "holidays"), len(hs)-added, plural(len(hs)-added, "was", "were"), yearRanges(after.KnownYears()))
		return 0
	})
}

// partYears returns, for each year hs touches that cal (what dco would know
// after the import) does not hold in full, the year with its count, e.g.
// "2030 would have 1 bank holiday in England". send.CompleteYear decides.
func partYears(hs []send.Holiday, cal *send.Calendar) []string {
	var part []string
	seen := map[int]bool{}
	for _, h := range hs { // in date order, so the years come out in order
		y := h.Date.Year()
		if seen[y] {
			continue
		}
		seen[y] = true
		if n := cal.HolidaysIn(y); !send.CompleteYear(n) {
			part = append(part, fmt.Sprintf("%d would have %d bank %s in England", y, n, plural(n, "holiday", "holidays")))
		}
	}
	return part
}
