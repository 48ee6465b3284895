package importer

import (
	"io"

	"dco/internal/send"
	"dco/internal/store"
)

// The kit a workflow's own file reader (internal/<workflow>/...import)
// builds on: one sheet reads a CSV file against its columns, row by row,
// with the checks every file shares (UTF-8, sizes, NHS numbers, dates,
// organisation codes), and collects every problem by line.

// Sheet reads one CSV file and collects what is wrong with it.
type Sheet struct{ s *sheet }

// NewSheet starts a file: DefaultLimits for zero limits, and today by the
// system clock for a zero date.
func NewSheet(lim Limits, today send.Date) *Sheet { return &Sheet{newSheet(lim, today)} }

// Run reads the file: the header, which must have every required column
// (file names the file in messages, as in "a notifications file"), then
// each non-blank row through row. The error is for a file that cannot be
// read at all, or one row returns.
func (s *Sheet) Run(r io.Reader, required []string, file string, row func(rec []string) error) error {
	return s.s.run(r, columns{required: required, file: file}, row)
}

// Line is the current row's first line.
func (s *Sheet) Line() int { return s.s.line }

// Today is the date the file is judged on.
func (s *Sheet) Today() send.Date { return s.s.today }

// Note adds a remark that does not stop an import.
func (s *Sheet) Note(n string) { s.s.notes = append(s.s.notes, n) }

// Fail records a problem on a line, in a column.
func (s *Sheet) Fail(line int, column, format string, args ...any) {
	s.s.fail(line, column, format, args...)
}

// Problems counts every problem found so far, kept or not.
func (s *Sheet) Problems() int { return s.s.problems() }

// CellsFit reports whether a row has the header's width, recording the
// problem when not.
func (s *Sheet) CellsFit(rec []string) bool { return s.s.cellsFit(rec) }

// Cell is a row's value in column col.
func (s *Sheet) Cell(rec []string, col string) string { return s.s.cell(rec, col) }

// Text checks a free-text cell: trimmed, at most max characters, required
// or not.
func (s *Sheet) Text(col, v string, max int, required bool) string {
	return s.s.text(col, v, max, required)
}

// NHSNumber checks an NHS number cell.
func (s *Sheet) NHSNumber(col, v string) send.NHSNumber { return s.s.nhsNumber(col, v) }

// Date reads a YYYY-MM-DD cell; required makes a blank a problem, past a
// date after today. ok is false when it is wrong.
func (s *Sheet) Date(col, v string, required, past bool) (send.Date, bool) {
	return s.s.date(col, v, dateRule{required: required, past: past})
}

// Org resolves a required code cell through l.
func (s *Sheet) Org(l *OrgLookup, v string) (store.Org, error) { return s.s.org(l, v) }

// Errors are the first Limits.MaxErrors problems, in line order, and how
// many more there were.
func (s *Sheet) Errors() ([]RowError, int) { return s.s.errors, s.s.moreErrors }

// Read is the number of data rows read, blank ones excepted.
func (s *Sheet) Read() int { return s.s.read }

// Notes are the remarks that do not stop an import.
func (s *Sheet) Notes() []string { return s.s.notes }

// MaxErrors is the limit of problems kept.
func (s *Sheet) MaxErrors() int { return s.s.lim.MaxErrors }

// OrgLookup resolves the codes in one column to organisations, once per
// distinct code whatever its case.
type OrgLookup = orgLookup

// NewLALookup resolves la_code by DfE number or ONS code.
func NewLALookup(la LAFunc) *OrgLookup { return newLALookup(la) }

// NewOrgLookup resolves column col through look; what names what a code
// must name ("a health provider") and hint how to name one ("its ODS code").
func NewOrgLookup(col, what, hint string, look func(code string) (store.Org, error)) *OrgLookup {
	return &orgLookup{col: col, what: what, hint: hint, look: look, memo: map[string]laAnswer{}}
}

// MergeErrors merges the problems the database found (db) into a file's own,
// in line order, keeping at most max.
func MergeErrors(errs []RowError, more int, db []RowError, max int) ([]RowError, int) {
	return mergeErrors(errs, more, db, max)
}

// DateInYears reads a YYYY-MM-DD cell as Date does, and reports a year
// outside 1900 to 2200 as such: for files of past records, where a typed
// year is the likeliest mistake. Dates after today are the caller's to judge.
func (s *Sheet) DateInYears(col, v string, required bool) (send.Date, bool) {
	return s.s.date(col, v, dateRule{required: required, years: true})
}

// FirstLine records the line key is first met on, and reports the first
// line when it was met before: for a value a file may hold only once.
func FirstLine[K comparable](seen map[K]int, key K, line int) (first int, dup bool) {
	return firstLine(seen, key, line)
}

// Outcome is what a workflow's read of a file found besides its valid
// rows; a workflow's Result embeds it.
type Outcome struct {
	// Errors are the first Limits.MaxErrors problems, in line order.
	Errors     []RowError
	MoreErrors int
	// Read is the number of data rows read, valid or not, blank ones excepted.
	Read int
	// Notes are remarks that do not stop an import, such as ignored columns.
	Notes []string

	maxErrors int // Limits.MaxErrors of the read
}

// Outcome is what the sheet has found once Run has returned.
func (s *Sheet) Outcome() Outcome {
	return Outcome{Errors: s.s.errors, MoreErrors: s.s.moreErrors, Read: s.s.read, Notes: s.s.notes, maxErrors: s.s.lim.MaxErrors}
}

// OK reports whether the file had no problems at all.
func (o *Outcome) OK() bool { return len(o.Errors) == 0 && o.MoreErrors == 0 }

// AddStoreErrors merges the problems the database found in the rows that
// parsed, already in the file's terms, into the file's own: in line order,
// the file's first on a shared line, a problem already reported not
// repeated, so that one run reports every problem of a file. No more than
// Limits.MaxErrors are kept; the rest are counted in MoreErrors.
func (o *Outcome) AddStoreErrors(db []RowError) {
	o.Errors, o.MoreErrors = MergeErrors(o.Errors, o.MoreErrors, db, o.maxErrors)
}
