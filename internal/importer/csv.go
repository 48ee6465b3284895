package importer

// The CSV machinery the children's importer and every workflow's (through
// kit.go) share: limits, the header, the read loop, line-numbered row
// errors and the cells every file has.

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Limits bound what one import may read, so that a wrong or hostile file
// cannot exhaust memory (docs/quality-bar.md §15).
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

// mergeErrors adds the problems only the database found (in rows that
// parsed) to a file's own, in line order, the file's first on a shared line
// and a problem already reported not repeated, so that one run reports
// every problem of a file. No more than max are kept (0: DefaultLimits);
// the rest are added to more.
func mergeErrors(errs []RowError, more int, db []RowError, max int) ([]RowError, int) {
	seen := map[string]bool{}
	for _, e := range errs {
		seen[e.Error()] = true
	}
	for _, e := range db {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			errs = append(errs, e)
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	if max == 0 {
		max = DefaultLimits.MaxErrors
	}
	if len(errs) > max {
		more += len(errs) - max
		errs = errs[:max]
	}
	return errs, more
}

// columns describes a file's header.
type columns struct {
	required []string // columns the header must have, in documentation order
	optional []string // further columns it may have
	file     string   // the file, as in "a children file"
}

// sheet reads one CSV file against its columns and collects what is wrong
// with it. Each importer embeds one and supplies the row check.
type sheet struct {
	lim   Limits
	today send.Date

	errors     []RowError // the first lim.MaxErrors problems
	moreErrors int        // problems found beyond those kept
	read       int        // data rows read, valid or not, blank ones excepted
	notes      []string   // remarks that do not stop an import

	idx   map[string]int // column name → field index
	width int            // fields in the header
	line  int            // the current row's first line
}

// newSheet applies the defaults: DefaultLimits for zero limits and today by
// the system clock for a zero date.
func newSheet(lim Limits, today send.Date) *sheet {
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	if today.IsZero() {
		today = send.Today(time.Now())
	}
	return &sheet{lim: lim, today: today}
}

// fail records a problem on a line.
func (s *sheet) fail(line int, column, format string, args ...any) {
	if len(s.errors) >= s.lim.MaxErrors {
		s.moreErrors++
		return
	}
	s.errors = append(s.errors, RowError{Line: line, Column: column, Message: fmt.Sprintf(format, args...)})
}

// problems counts every problem found so far, kept or not.
func (s *sheet) problems() int { return len(s.errors) + s.moreErrors }

func (s *sheet) tooLarge() error {
	return fmt.Errorf("%w: it is larger than %d MB; split it into smaller files", ErrTooLarge, s.lim.MaxBytes>>20)
}

// run reads the file: the header, then each non-blank row of the header's
// width through row. Problems with the file as a whole that still let it be
// reported on (a header that is not valid CSV or lacks columns) are row
// errors; the error is for a file that cannot be read at all, or one row
// returns.
func (s *sheet) run(r io.Reader, cols columns, row func(rec []string) error) error {
	br := bufio.NewReaderSize(&limitedReader{r: r, n: s.lim.MaxBytes}, 64<<10)
	// A spreadsheet saved as "CSV UTF-8" starts with a byte order mark.
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	header, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		switch {
		case errors.Is(err, ErrTooLarge):
			return s.tooLarge()
		case errors.Is(err, io.EOF):
			return fmt.Errorf("the file is empty: its first line must be the header %s", strings.Join(cols.required, ","))
		case errors.As(err, &pe):
			s.fail(1, "", "the header is not valid CSV: %v", pe.Err)
			return nil
		}
		return fmt.Errorf("read header: %w", err)
	}
	for i, h := range header {
		if !utf8.ValidString(h) {
			s.fail(1, "", "column %d of the header %s", i+1, msgNotUTF8)
			return nil
		}
	}
	if !s.readHeader(header, cols) {
		return nil
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return s.tooLarge()
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				s.read++
				s.fail(pe.StartLine, "", "is not valid CSV: %v%s", pe.Err, quoteHint(pe.Err))
				continue
			}
			return fmt.Errorf("read: %w", err)
		}
		s.line, _ = cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		s.read++
		if s.read > s.lim.MaxRows {
			return fmt.Errorf("%w: it has more than %d rows; split it into smaller files", ErrTooLarge, s.lim.MaxRows)
		}
		if len(rec) != s.width {
			s.fail(s.line, "", "has %d fields but the header has %d", len(rec), s.width)
			continue
		}
		if !s.textIsUTF8(rec) {
			continue
		}
		if err := row(rec); err != nil {
			return err
		}
	}
	return nil
}

// msgNotUTF8 ends the problem of a cell that is not UTF-8: the one rule
// for text, as the forms and the API have, said for a file.
const msgNotUTF8 = `is not UTF-8 text: save the file as "CSV UTF-8" and import it again`

// textIsUTF8 reports a problem for each cell that is not UTF-8, in a
// column the file is read for (an ignored column stays ignored), naming the
// column, and returns false if there is one: such a row is not read
// further.
func (s *sheet) textIsUTF8(rec []string) bool {
	ok := true
	for i, f := range rec {
		if utf8.ValidString(f) {
			continue
		}
		for col, j := range s.idx {
			if j == i {
				ok = false
				s.fail(s.line, col, "%s %s", col, msgNotUTF8)
			}
		}
	}
	return ok
}

// readHeader indexes the columns and reports missing, repeated and unknown
// ones. It returns false when rows cannot be read against the header.
func (s *sheet) readHeader(header []string, cols columns) bool {
	s.idx = make(map[string]int, len(header))
	s.width = len(header)
	ok := true
	var unknown []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if utf8.RuneCountInString(name) > 100 {
			s.fail(1, "", "column %d of the header is %d characters long; a column name is at most 100", i+1, utf8.RuneCountInString(name))
			ok = false
			continue
		}
		if _, dup := s.idx[name]; dup && name != "" {
			s.fail(1, name, "column %q appears twice in the header", name)
			ok = false
			continue
		}
		if !slices.Contains(cols.required, name) && !slices.Contains(cols.optional, name) {
			if name == "" {
				name = fmt.Sprintf("(column %d, no name)", i+1)
			}
			unknown = append(unknown, name)
			continue
		}
		s.idx[name] = i
	}
	var missing []string
	for _, c := range cols.required {
		if _, has := s.idx[c]; !has {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		s.fail(1, missing[0], "the header has no %s column (%s needs %s)",
			strings.Join(missing, ", "), cols.file, strings.Join(cols.required, ", "))
		ok = false
	}
	if len(unknown) > 0 {
		s.notes = append(s.notes, fmt.Sprintf("ignored column(s) dco does not know: %s (it reads %s)",
			strings.Join(unknown, ", "), strings.Join(slices.Concat(cols.required, cols.optional), ", ")))
	}
	return ok
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

// cell is the trimmed value of a column the header is known to have.
func (s *sheet) cell(rec []string, col string) string {
	return strings.TrimSpace(rec[s.idx[col]])
}

// cellsFit reports the first cell over the cell limit, as a problem with
// the whole row, and returns false if there is one.
func (s *sheet) cellsFit(rec []string) bool {
	for i, f := range rec {
		if len(f) > s.lim.MaxCell {
			if n := utf8.RuneCountInString(f); n > s.lim.MaxCell {
				s.fail(s.line, "", "column %d is %d characters long; a cell is at most %d", i+1, n, s.lim.MaxCell)
				return false
			}
		}
	}
	return true
}

// text checks a free-text cell: trimmed, no control characters, at most max
// characters, present when required.
func (s *sheet) text(col, v string, max int, required bool) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && required:
		s.fail(s.line, col, "%s is empty", col)
		return ""
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f || r == utf8.RuneError }):
		s.fail(s.line, col, "%s contains a control character or invalid UTF-8", col)
		return ""
	}
	if n := utf8.RuneCountInString(v); n > max {
		s.fail(s.line, col, "%s is %d characters long; it is at most %d", col, n, max)
		return ""
	}
	return v
}

// nhsNumber reads a required NHS number cell; it is "" when the cell is
// wrong.
func (s *sheet) nhsNumber(col, v string) send.NHSNumber {
	v = strings.TrimSpace(v)
	if v == "" {
		s.fail(s.line, col, "%s is empty", col)
		return ""
	}
	n, err := send.ParseNHSNumber(v)
	if err != nil {
		s.fail(s.line, col, "%s %q is not valid: %v", col, v, err)
		return ""
	}
	return n
}

// dateRule is how a date cell is checked.
type dateRule struct {
	required bool // a blank cell is a problem
	years    bool // a year outside 1900 to 2200 is reported as such
	past     bool // a date after today is a problem
}

// date reads a YYYY-MM-DD cell. ok is false when it is wrong; a blank cell
// that is allowed is the zero date.
func (s *sheet) date(col, v string, rule dateRule) (d send.Date, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		if rule.required {
			s.fail(s.line, col, "%s is empty", col)
			return send.Date{}, false
		}
		return send.Date{}, true
	}
	d, err := send.ParseDate(v)
	if err != nil {
		s.fail(s.line, col, "%s", unreadableDate(col, v, rule.years))
		return send.Date{}, false
	}
	if rule.past && d.After(s.today) {
		s.fail(s.line, col, "%s %s is in the future", col, v)
		return send.Date{}, false
	}
	return d, true
}

// unreadableDate says why v, trimmed, is not a YYYY-MM-DD date; years
// reports a year outside 1900 to 2200 as such.
func unreadableDate(col, v string, years bool) string {
	switch {
	case len(v) != 10 || v[4] != '-' || v[7] != '-' || !digits(v[:4]) || !digits(v[5:7]) || !digits(v[8:]):
		return fmt.Sprintf("%s %q is not in the form YYYY-MM-DD", col, v)
	case years && (v[:4] < "1900" || v[:4] > "2200"):
		return fmt.Sprintf("%s %q is outside the years 1900 to 2200", col, v)
	}
	return fmt.Sprintf("%s %q is not a real date", col, v)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// yesNo reads a yes/no flag cell; blank is no.
func (s *sheet) yesNo(col, v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "no", "false", "0":
		return false
	case "yes", "true", "1":
		return true
	}
	s.fail(s.line, col, "%s %q is not yes, no, true, false, 1, 0 or blank", col, v)
	return false
}

// firstLine reports the line key was first met on, or records this line
// for it, to catch what must appear once in a file.
func firstLine[K comparable](seen map[K]int, key K, line int) (first int, dup bool) {
	if first, dup = seen[key]; !dup {
		seen[key] = line
	}
	return first, dup
}

type laAnswer struct {
	org   store.Org
	found bool
}

// orgLookup resolves the codes in one column to organisations, once per
// distinct code whatever its case.
type orgLookup struct {
	col  string
	what string // what the code must name, as in "a local authority"
	hint string // how to name one, as in "its ODS code"
	look func(code string) (store.Org, error)
	memo map[string]laAnswer
}

func newLALookup(la LAFunc) *orgLookup {
	return &orgLookup{col: "la_code", what: "a local authority",
		hint: "its DfE number, such as 800, or its ONS code, such as E06000022",
		look: la, memo: map[string]laAnswer{}}
}

// org resolves a required code cell through l. A code that names nothing is
// a row problem; a look-up that fails otherwise stops the import.
func (s *sheet) org(l *orgLookup, v string) (store.Org, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		s.fail(s.line, l.col, "%s is empty", l.col)
		return store.Org{}, nil
	}
	key := strings.ToUpper(v)
	a, done := l.memo[key]
	if !done {
		org, err := l.look(v)
		switch {
		case err == nil:
			a = laAnswer{org: org, found: true}
		case errs.Is(err, errs.NotFound):
		default:
			return store.Org{}, fmt.Errorf("line %d: look up %s %q: %w", s.line, l.col, v, err)
		}
		l.memo[key] = a
	}
	if !a.found {
		s.fail(s.line, l.col, "%s %q is not %s in dco (give %s)", l.col, v, l.what, l.hint)
	}
	return a.org, nil
}
