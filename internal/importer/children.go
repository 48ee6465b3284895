// Package importer reads the files a DCO team already keeps (spreadsheets
// saved as CSV) into dco's records. It checks every row and reports every
// problem by line number and column, so that a file is either fixed and
// imported whole or not imported at all; the store does the writing, in one
// transaction.
package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Limits bound what one import may read, so that a wrong or hostile file
// cannot exhaust memory (QUALITY §15).
type Limits struct {
	MaxBytes  int64 // largest file accepted
	MaxRows   int   // most data rows accepted
	MaxCell   int   // longest cell accepted, in characters
	MaxErrors int   // row errors kept; further ones are only counted
}

// DefaultLimits are the limits ParseChildren applies: 50 MB, a million rows
// (more than every child with a plan in England), 1,000-character cells and
// the first 1,000 row errors.
var DefaultLimits = Limits{
	MaxBytes:  50 << 20,
	MaxRows:   1_000_000,
	MaxCell:   1000,
	MaxErrors: 1000,
}

// ErrTooLarge is returned when a file is over the byte or row limit.
var ErrTooLarge = errors.New("the file is too large")

// LAFunc finds the local authority a file names in its la_code column, by
// DfE number (800) or ONS code (E06000022). It returns an error coded
// errs.NotFound when there is no such LA; any other error stops the import.
type LAFunc func(code string) (store.Org, error)

// RowError is one problem with one line of a file. Line 1 is the header.
type RowError struct {
	Line    int    // the line the row starts on, counting the header as 1
	Column  string // the column at fault, "" when the whole row is
	Message string // what is wrong, naming the column and the value
}

// Error reads "line 7: date_of_birth "2023-02-29" is not a real date".
func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

// Result is everything one read of a children file found.
type Result struct {
	Children []store.Child // the valid rows, in file order
	Lines    []int         // the line each of Children starts on
	Errors   []RowError    // the first Limits.MaxErrors problems, in line order
	// MoreErrors counts the problems found beyond those kept in Errors.
	MoreErrors int
	// Rows is the number of data rows read, valid or not, blank ones excepted.
	Rows int
	// Notes are remarks that do not stop an import, such as ignored columns.
	Notes []string
}

// OK reports whether the file had no problems at all.
func (r *Result) OK() bool { return len(r.Errors) == 0 && r.MoreErrors == 0 }

// Options are what ReadChildren needs besides the file.
type Options struct {
	// LA resolves the la_code column; it is called once per distinct code.
	LA LAFunc
	// Today is the date in England, for refusing dates of birth in the
	// future. The zero date means today by the system clock.
	Today send.Date
	// Limits bound the file; the zero value means DefaultLimits.
	Limits Limits
}

// The columns of a children file. Required columns must be in the header;
// optional ones may be. Their order in the file does not matter.
const (
	colNHS       = "nhs_number"
	colGiven     = "given_name"
	colFamily    = "family_name"
	colDOB       = "date_of_birth"
	colPostcode  = "postcode"
	colLA        = "la_code"
	colSetting   = "setting"
	colLooked    = "looked_after"
	colEHE       = "elective_home_education"
	colMissing   = "missing_education"
	colYouth     = "youth_justice"
	colCare      = "continuing_care"
	colBudget    = "personal_health_budget"
	maxNameChars = 100
)

// RequiredColumns are the columns every children file must have, in the
// order the documentation lists them.
var RequiredColumns = []string{colNHS, colGiven, colFamily, colDOB, colPostcode, colLA}

// OptionalColumns are the further columns a children file may have.
var OptionalColumns = []string{colSetting, colLooked, colEHE, colMissing, colYouth, colCare, colBudget}

// flagColumns maps each yes/no column to the flag it sets.
var flagColumns = []struct {
	name string
	set  func(*store.Flags, bool)
}{
	{colLooked, func(f *store.Flags, v bool) { f.LookedAfter = v }},
	{colEHE, func(f *store.Flags, v bool) { f.ElectiveHomeEd = v }},
	{colMissing, func(f *store.Flags, v bool) { f.MissingEducation = v }},
	{colYouth, func(f *store.Flags, v bool) { f.YouthJustice = v }},
	{colCare, func(f *store.Flags, v bool) { f.ContinuingCare = v }},
	{colBudget, func(f *store.Flags, v bool) { f.PersonalHealthBudget = v }},
}

// ParseChildren reads a children CSV file with the default limits and
// today's date. The header is
//
//	nhs_number,given_name,family_name,date_of_birth,postcode,la_code
//
// optionally followed by setting and the yes/no flag columns looked_after,
// elective_home_education, missing_education, youth_justice,
// continuing_care and personal_health_budget, in any order. It returns the
// valid children and every row problem; the error is for a file that
// cannot be read at all (too large, unreadable, an LA look-up failing).
// Callers that want the notes about ignored columns use ReadChildren.
func ParseChildren(r io.Reader, la func(code string) (store.Org, error)) ([]store.Child, []RowError, error) {
	res, err := ReadChildren(r, Options{LA: la})
	if err != nil {
		return nil, nil, err
	}
	return res.Children, res.Errors, nil
}

// ReadChildren reads a children CSV file as ParseChildren does, with the
// given options, and returns the full result including notes.
func ReadChildren(r io.Reader, opt Options) (*Result, error) {
	lim := opt.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	today := opt.Today
	if today.IsZero() {
		today = send.Today(time.Now())
	}
	if opt.LA == nil {
		return nil, errors.New("importer: no LA look-up given")
	}
	p := &parser{
		lim:    lim,
		today:  today,
		oldest: send.NewDate(today.Year()-26, today.Month(), today.Day()),
		la:     opt.LA,
		laMemo: make(map[string]laAnswer),
		seen:   make(map[send.NHSNumber]int),
		res:    &Result{},
	}
	return p.run(r)
}

type laAnswer struct {
	org   store.Org
	found bool
}

type parser struct {
	lim    Limits
	today  send.Date
	oldest send.Date // the earliest date of birth accepted
	la     LAFunc
	laMemo map[string]laAnswer
	seen   map[send.NHSNumber]int // NHS number → first line it was on
	res    *Result

	idx     map[string]int // column name → field index
	flagIdx []int          // index of each flagColumns entry, -1 if absent
	width   int            // fields in the header
	line    int            // the current row's first line
}

// limitedReader fails once more than n bytes have been read, rather than
// quietly truncating the file as io.LimitReader would.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(b []byte) (int, error) {
	if l.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(b)) > l.n+1 {
		b = b[:l.n+1]
	}
	n, err := l.r.Read(b)
	l.n -= int64(n)
	if l.n < 0 {
		return n, ErrTooLarge
	}
	return n, err
}

func (p *parser) run(r io.Reader) (*Result, error) {
	br := bufio.NewReaderSize(&limitedReader{r: r, n: p.lim.MaxBytes}, 64<<10)
	// A spreadsheet saved as "CSV UTF-8" starts with a byte order mark.
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, p.tooLarge()
		}
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("the file is empty: its first line must be the header %s", strings.Join(RequiredColumns, ","))
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			p.fail(1, "", "the header is not valid CSV: %v", pe.Err)
			return p.res, nil
		}
		return nil, fmt.Errorf("read header: %w", err)
	}
	if !p.readHeader(header) {
		return p.res, nil
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return nil, p.tooLarge()
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				p.res.Rows++
				p.fail(pe.StartLine, "", "is not valid CSV: %v%s", pe.Err, quoteHint(pe.Err))
				continue
			}
			return nil, fmt.Errorf("read: %w", err)
		}
		p.line, _ = cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		p.res.Rows++
		if p.res.Rows > p.lim.MaxRows {
			return nil, fmt.Errorf("%w: it has more than %d rows; split it into smaller files", ErrTooLarge, p.lim.MaxRows)
		}
		if err := p.row(rec); err != nil {
			return nil, err
		}
	}
	return p.res, nil
}

func (p *parser) tooLarge() error {
	return fmt.Errorf("%w: it is larger than %d MB; split it into smaller files", ErrTooLarge, p.lim.MaxBytes>>20)
}

func quoteHint(err error) string {
	if errors.Is(err, csv.ErrQuote) || errors.Is(err, csv.ErrBareQuote) {
		return ` (a field containing a quote must be wrapped in quotes, with each quote doubled: "O""Brien")`
	}
	return ""
}

// blank reports whether every field is empty, as in the ",,,," lines a
// spreadsheet leaves after the last row.
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// fail records a problem on a line.
func (p *parser) fail(line int, column, format string, args ...any) {
	if len(p.res.Errors) >= p.lim.MaxErrors {
		p.res.MoreErrors++
		return
	}
	p.res.Errors = append(p.res.Errors, RowError{Line: line, Column: column, Message: fmt.Sprintf(format, args...)})
}

// readHeader indexes the columns and reports missing, repeated and unknown
// ones. It returns false when rows cannot be read against the header.
func (p *parser) readHeader(header []string) bool {
	p.idx = make(map[string]int, len(header))
	p.width = len(header)
	known := make(map[string]bool)
	for _, c := range RequiredColumns {
		known[c] = true
	}
	for _, c := range OptionalColumns {
		known[c] = true
	}
	ok := true
	var unknown []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if utf8.RuneCountInString(name) > 100 {
			p.fail(1, "", "column %d of the header is %d characters long; a column name is at most 100", i+1, utf8.RuneCountInString(name))
			ok = false
			continue
		}
		if _, dup := p.idx[name]; dup && name != "" {
			p.fail(1, name, "column %q appears twice in the header", name)
			ok = false
			continue
		}
		if !known[name] {
			if name == "" {
				name = fmt.Sprintf("(column %d, no name)", i+1)
			}
			unknown = append(unknown, name)
			continue
		}
		p.idx[name] = i
	}
	var missing []string
	for _, c := range RequiredColumns {
		if _, has := p.idx[c]; !has {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		p.fail(1, missing[0], "the header has no %s column (a children file needs %s)",
			strings.Join(missing, ", "), strings.Join(RequiredColumns, ", "))
		ok = false
	}
	if len(unknown) > 0 {
		p.res.Notes = append(p.res.Notes, fmt.Sprintf("ignored column(s) dco does not know: %s (it reads %s)",
			strings.Join(unknown, ", "), strings.Join(slices.Concat(RequiredColumns, OptionalColumns), ", ")))
	}
	p.flagIdx = make([]int, len(flagColumns))
	for i, f := range flagColumns {
		p.flagIdx[i] = -1
		if j, has := p.idx[f.name]; has {
			p.flagIdx[i] = j
		}
	}
	return ok
}

// row checks one data row and keeps it when it is valid.
func (p *parser) row(rec []string) error {
	if len(rec) != p.width {
		p.fail(p.line, "", "has %d fields but the header has %d", len(rec), p.width)
		return nil
	}
	before := len(p.res.Errors) + p.res.MoreErrors
	for i, f := range rec {
		if len(f) > p.lim.MaxCell {
			if n := utf8.RuneCountInString(f); n > p.lim.MaxCell {
				p.fail(p.line, p.nameOf(i), "%s is %d characters long; a cell is at most %d", p.nameOf(i), n, p.lim.MaxCell)
				rec[i] = ""
			}
		}
	}
	if len(p.res.Errors)+p.res.MoreErrors > before {
		return nil
	}
	var c store.Child
	c.NHSNumber = p.nhsNumber(rec[p.idx[colNHS]])
	c.GivenName = p.name(rec, colGiven)
	c.FamilyName = p.name(rec, colFamily)
	c.DateOfBirth = p.dateOfBirth(rec[p.idx[colDOB]])
	c.Postcode = p.postcode(rec[p.idx[colPostcode]])
	org, err := p.localAuthority(rec[p.idx[colLA]])
	if err != nil {
		return err
	}
	c.LAID, c.LAName = org.ID, org.Name
	if i, has := p.idx[colSetting]; has {
		c.Setting = p.text(colSetting, rec[i], 200)
	}
	for i, f := range flagColumns {
		if j := p.flagIdx[i]; j >= 0 {
			f.set(&c.Flags, p.yesNo(f.name, rec[j]))
		}
	}
	if len(p.res.Errors)+p.res.MoreErrors > before {
		return nil
	}
	p.res.Children = append(p.res.Children, c)
	p.res.Lines = append(p.res.Lines, p.line)
	return nil
}

func (p *parser) nameOf(i int) string {
	for name, j := range p.idx {
		if j == i {
			return name
		}
	}
	return fmt.Sprintf("column %d", i+1)
}

func (p *parser) nhsNumber(v string) send.NHSNumber {
	v = strings.TrimSpace(v)
	if v == "" {
		p.fail(p.line, colNHS, "nhs_number is empty")
		return ""
	}
	n, err := send.ParseNHSNumber(v)
	if err != nil {
		p.fail(p.line, colNHS, "nhs_number %q is not valid: %v", v, err)
		return ""
	}
	if first, dup := p.seen[n]; dup {
		p.fail(p.line, colNHS, "nhs_number %s is also on line %d: each child appears once", n, first)
		return ""
	}
	p.seen[n] = p.line
	return n
}

// text checks a free-text cell: trimmed, no control characters, at most max
// characters.
func (p *parser) text(col, v string, max int) string {
	v = strings.TrimSpace(v)
	for _, r := range v {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			p.fail(p.line, col, "%s contains a control character or invalid UTF-8", col)
			return ""
		}
	}
	if n := utf8.RuneCountInString(v); n > max {
		p.fail(p.line, col, "%s is %d characters long; it is at most %d", col, n, max)
		return ""
	}
	return v
}

func (p *parser) name(rec []string, col string) string {
	v := rec[p.idx[col]]
	if strings.TrimSpace(v) == "" {
		p.fail(p.line, col, "%s is empty", col)
		return ""
	}
	return p.text(col, v, maxNameChars)
}

func (p *parser) dateOfBirth(v string) send.Date {
	v = strings.TrimSpace(v)
	if v == "" {
		p.fail(p.line, colDOB, "date_of_birth is empty")
		return send.Date{}
	}
	d, err := send.ParseDate(v)
	if err != nil {
		switch {
		case len(v) != 10 || v[4] != '-' || v[7] != '-':
			p.fail(p.line, colDOB, "date_of_birth %q is not in the form YYYY-MM-DD", v)
		case !digits(v[:4]) || !digits(v[5:7]) || !digits(v[8:]):
			p.fail(p.line, colDOB, "date_of_birth %q is not in the form YYYY-MM-DD", v)
		case v[:4] < "1900" || v[:4] > "2200":
			p.fail(p.line, colDOB, "date_of_birth %q is outside the years 1900 to 2200", v)
		default:
			p.fail(p.line, colDOB, "date_of_birth %q is not a real date", v)
		}
		return send.Date{}
	}
	if d.After(p.today) {
		p.fail(p.line, colDOB, "date_of_birth %s is in the future", v)
		return send.Date{}
	}
	// The store keeps children and young people to their 26th birthday
	// (NHS Records Management Code), and refuses anyone older.
	if d.Before(p.oldest) {
		p.fail(p.line, colDOB, "date_of_birth %s is more than 26 years ago: dco holds children and young people aged 0 to 25", v)
		return send.Date{}
	}
	return d
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (p *parser) postcode(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		// No fixed abode, or not known: the store allows it too.
		return ""
	}
	pc, ok := store.NormalisePostcode(v)
	if !ok {
		p.fail(p.line, colPostcode, "postcode %q is not a UK postcode such as BA1 1AA", v)
		return ""
	}
	return pc
}

func (p *parser) localAuthority(v string) (store.Org, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		p.fail(p.line, colLA, "la_code is empty")
		return store.Org{}, nil
	}
	key := strings.ToUpper(v)
	a, done := p.laMemo[key]
	if !done {
		org, err := p.la(v)
		switch {
		case err == nil:
			a = laAnswer{org: org, found: true}
		case errs.Is(err, errs.NotFound):
		default:
			return store.Org{}, fmt.Errorf("line %d: look up la_code %q: %w", p.line, v, err)
		}
		p.laMemo[key] = a
	}
	if !a.found {
		p.fail(p.line, colLA, "la_code %q is not a local authority in dco (give its DfE number, such as 800, or its ONS code, such as E06000022)", v)
	}
	return a.org, nil
}

func (p *parser) yesNo(col, v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "no", "false", "0":
		return false
	case "yes", "true", "1":
		return true
	}
	p.fail(p.line, col, "%s %q is not yes, no, true, false, 1, 0 or blank", col, v)
	return false
}
