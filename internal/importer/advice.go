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

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// The columns of an advice requests file, all required, in the order the
// documentation lists them. returned_on and outcome are blank while a
// request is open; exception and exception_on are blank when none applied.
const (
	advColLA          = "la_code"
	advColReference   = "la_reference"
	advColNHS         = "nhs_number"
	advColGiven       = "given_name"
	advColFamily      = "family_name"
	advColDOB         = "date_of_birth"
	advColReceived    = "received_on"
	advColReturned    = "returned_on"
	advColOutcome     = "outcome"
	advColException   = "exception"
	advColExceptionOn = "exception_on"
)

// AdviceColumns are the columns of an advice requests file.
var AdviceColumns = []string{advColLA, advColReference, advColNHS, advColGiven, advColFamily, advColDOB,
	advColReceived, advColReturned, advColOutcome, advColException, advColExceptionOn}

// AdviceOptions are what ReadAdvice needs besides the file.
type AdviceOptions struct {
	LA LAFunc // resolves la_code, once per distinct code
	// Calendar gives each request its six-week due date, which a missed
	// appointment must fall within; nil means the embedded bank holidays.
	Calendar *send.Calendar
	// Today is the date in England; the zero date means today by the
	// system clock.
	Today  send.Date
	Limits Limits // the zero value means DefaultLimits
}

// AdviceResult is everything one read of an advice requests file found.
type AdviceResult struct {
	// Rows are the valid rows, in file order, ready for
	// store.ImportAdviceRequests.
	Rows []store.AdviceImportRow
	// Errors are the first Limits.MaxErrors problems, in line order.
	Errors     []RowError
	MoreErrors int
	// Read is the number of data rows read, valid or not, blank ones excepted.
	Read  int
	Notes []string
}

// OK reports whether the file had no problems at all.
func (r *AdviceResult) OK() bool { return len(r.Errors) == 0 && r.MoreErrors == 0 }

// ReadAdvice reads a CSV file of health advice requests, past and open,
// as a DCO team's spreadsheet keeps them. The header is
//
//	la_code,la_reference,nhs_number,given_name,family_name,date_of_birth,received_on,returned_on,outcome,exception,exception_on
//
// in any order. Dates are YYYY-MM-DD. outcome is advice, not_known or
// withdrawn, blank while the request is open; exception is
// missed_appointment, exceptional_circumstances or absent_from_area (SEND
// Regulations 2014 reg 8(2)) or blank. Each row is checked as a request
// made in dco is: real dates, none in the future, returned on or after it
// was received, an exception dated within the request (a missed
// appointment within the six weeks), an LA reference used once per LA, the
// same NHS number always with the same name and date of birth. It returns
// the valid rows and every row problem; the error is for a file that
// cannot be read at all.
func ReadAdvice(r io.Reader, opt AdviceOptions) (*AdviceResult, error) {
	lim := opt.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	today := opt.Today
	if today.IsZero() {
		today = send.Today(time.Now())
	}
	cal := opt.Calendar
	if cal == nil {
		cal = send.DefaultCalendar()
	}
	if opt.LA == nil {
		return nil, errors.New("importer: no LA look-up given")
	}
	p := &adviceParser{
		lim: lim, today: today, cal: cal, la: opt.LA,
		oldest: send.NewDate(today.Year()-26, today.Month(), today.Day()),
		laMemo: map[string]laAnswer{}, refs: map[string]int{}, people: map[send.NHSNumber]person{},
		res: &AdviceResult{},
	}
	return p.run(r)
}

// person is the first row an NHS number was met on, to catch the same
// number given for two different children.
type person struct {
	given, family string
	dob           send.Date
	line          int
}

type adviceParser struct {
	lim    Limits
	today  send.Date
	oldest send.Date
	cal    *send.Calendar
	la     LAFunc
	laMemo map[string]laAnswer
	refs   map[string]int // LA id/reference → first line
	people map[send.NHSNumber]person
	res    *AdviceResult
	idx    map[string]int
	width  int
	line   int
}

func (p *adviceParser) fail(line int, column, format string, args ...any) {
	if len(p.res.Errors) >= p.lim.MaxErrors {
		p.res.MoreErrors++
		return
	}
	p.res.Errors = append(p.res.Errors, RowError{Line: line, Column: column, Message: fmt.Sprintf(format, args...)})
}

func (p *adviceParser) problems() int { return len(p.res.Errors) + p.res.MoreErrors }

func (p *adviceParser) run(r io.Reader) (*AdviceResult, error) {
	br := bufio.NewReaderSize(&limitedReader{r: r, n: p.lim.MaxBytes}, 64<<10)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	tooLarge := func() error {
		return fmt.Errorf("%w: it is larger than %d MB; split it into smaller files", ErrTooLarge, p.lim.MaxBytes>>20)
	}
	header, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		switch {
		case errors.Is(err, ErrTooLarge):
			return nil, tooLarge()
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("the file is empty: its first line must be the header %s", strings.Join(AdviceColumns, ","))
		case errors.As(err, &pe):
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
			var pe *csv.ParseError
			if errors.Is(err, ErrTooLarge) {
				return nil, tooLarge()
			}
			if errors.As(err, &pe) {
				p.res.Read++
				p.fail(pe.StartLine, "", "is not valid CSV: %v%s", pe.Err, quoteHint(pe.Err))
				continue
			}
			return nil, fmt.Errorf("read: %w", err)
		}
		p.line, _ = cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		p.res.Read++
		if p.res.Read > p.lim.MaxRows {
			return nil, fmt.Errorf("%w: it has more than %d rows; split it into smaller files", ErrTooLarge, p.lim.MaxRows)
		}
		if err := p.row(rec); err != nil {
			return nil, err
		}
	}
	return p.res, nil
}

func (p *adviceParser) readHeader(header []string) bool {
	p.idx = make(map[string]int, len(header))
	p.width = len(header)
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
		if !slices.Contains(AdviceColumns, name) {
			if name == "" {
				name = fmt.Sprintf("(column %d, no name)", i+1)
			}
			unknown = append(unknown, name)
			continue
		}
		p.idx[name] = i
	}
	var missing []string
	for _, c := range AdviceColumns {
		if _, has := p.idx[c]; !has {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		p.fail(1, missing[0], "the header has no %s column (an advice requests file needs %s)",
			strings.Join(missing, ", "), strings.Join(AdviceColumns, ", "))
		ok = false
	}
	if len(unknown) > 0 {
		p.res.Notes = append(p.res.Notes, fmt.Sprintf("ignored column(s) dco does not know: %s (it reads %s)",
			strings.Join(unknown, ", "), strings.Join(AdviceColumns, ", ")))
	}
	return ok
}

func (p *adviceParser) cell(rec []string, col string) string {
	return strings.TrimSpace(rec[p.idx[col]])
}

// text checks a free-text cell: no control characters, at most max
// characters, present when required.
func (p *adviceParser) text(rec []string, col string, max int, required bool) string {
	v := p.cell(rec, col)
	switch {
	case v == "" && required:
		p.fail(p.line, col, "%s is empty", col)
		return ""
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f || r == utf8.RuneError }):
		p.fail(p.line, col, "%s contains a control character or invalid UTF-8", col)
		return ""
	}
	if n := utf8.RuneCountInString(v); n > max {
		p.fail(p.line, col, "%s is %d characters long; it is at most %d", col, n, max)
		return ""
	}
	return v
}

// date reads a YYYY-MM-DD cell. ok is false when it was given and wrong.
func (p *adviceParser) date(rec []string, col string, required bool) (send.Date, bool) {
	v := p.cell(rec, col)
	if v == "" {
		if required {
			p.fail(p.line, col, "%s is empty", col)
			return send.Date{}, false
		}
		return send.Date{}, true
	}
	d, err := send.ParseDate(v)
	if err != nil {
		switch {
		case len(v) != 10 || v[4] != '-' || v[7] != '-' || !digits(v[:4]) || !digits(v[5:7]) || !digits(v[8:]):
			p.fail(p.line, col, "%s %q is not in the form YYYY-MM-DD", col, v)
		case v[:4] < "1900" || v[:4] > "2200":
			p.fail(p.line, col, "%s %q is outside the years 1900 to 2200", col, v)
		default:
			p.fail(p.line, col, "%s %q is not a real date", col, v)
		}
		return send.Date{}, false
	}
	return d, true
}

func (p *adviceParser) localAuthority(rec []string) (store.Org, error) {
	v := p.cell(rec, advColLA)
	if v == "" {
		p.fail(p.line, advColLA, "la_code is empty")
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
		p.fail(p.line, advColLA, "la_code %q is not a local authority in dco (give its DfE number, such as 800, or its ONS code, such as E06000022)", v)
	}
	return a.org, nil
}

func (p *adviceParser) row(rec []string) error {
	if len(rec) != p.width {
		p.fail(p.line, "", "has %d fields but the header has %d", len(rec), p.width)
		return nil
	}
	for i, f := range rec {
		if len(f) > p.lim.MaxCell {
			if n := utf8.RuneCountInString(f); n > p.lim.MaxCell {
				p.fail(p.line, "", "column %d is %d characters long; a cell is at most %d", i+1, n, p.lim.MaxCell)
				return nil
			}
		}
	}
	before := p.problems()
	row := store.AdviceImportRow{Line: p.line}
	la, err := p.localAuthority(rec)
	if err != nil {
		return err
	}
	row.LAID = la.ID
	row.LAReference = p.text(rec, advColReference, 50, false)

	c := &row.Child
	if v := p.cell(rec, advColNHS); v == "" {
		p.fail(p.line, advColNHS, "nhs_number is empty")
	} else if n, err := send.ParseNHSNumber(v); err != nil {
		p.fail(p.line, advColNHS, "nhs_number %q is not valid: %v", v, err)
	} else {
		c.NHSNumber = n
	}
	c.GivenName = p.text(rec, advColGiven, 100, true)
	c.FamilyName = p.text(rec, advColFamily, 100, true)
	if dob, ok := p.date(rec, advColDOB, true); ok {
		switch {
		case dob.After(p.today):
			p.fail(p.line, advColDOB, "date_of_birth %s is in the future", dob)
		case dob.Before(p.oldest):
			p.fail(p.line, advColDOB, "date_of_birth %s is more than 26 years ago: dco holds children and young people aged 0 to 25", dob)
		default:
			c.DateOfBirth = dob
		}
	}

	received, okR := p.date(rec, advColReceived, true)
	returned, okT := p.date(rec, advColReturned, false)
	excOn, okE := p.date(rec, advColExceptionOn, false)
	outcome, err := advice.ParseOutcome(strings.ToLower(p.cell(rec, advColOutcome)))
	if err != nil {
		p.fail(p.line, advColOutcome, "outcome %q is not advice, not_known, withdrawn or blank", p.cell(rec, advColOutcome))
	}
	exc, err := send.ParseException(strings.ToLower(p.cell(rec, advColException)))
	if err != nil {
		p.fail(p.line, advColException, "exception %q is not missed_appointment, exceptional_circumstances, absent_from_area or blank",
			p.cell(rec, advColException))
	}
	if okR && okT && okE && p.problems() == before {
		var due send.Date
		if !received.IsZero() {
			if due, err = advice.Due(p.cal, received); err != nil {
				return err
			}
		}
		bad := advice.CheckRecord(received, due, returned, p.today, outcome, exc, excOn)
		for _, col := range []string{advColReceived, advColReturned, advColOutcome, advColException, advColExceptionOn} {
			if msg, ok := bad[col]; ok {
				p.fail(p.line, col, "%s", msg)
			}
		}
	}
	row.ReceivedOn, row.ReturnedOn, row.Outcome, row.Exception, row.ExceptionOn = received, returned, outcome, exc, excOn

	if row.LAReference != "" && la.ID != 0 {
		key := fmt.Sprintf("%d/%s", la.ID, row.LAReference)
		if first, dup := p.refs[key]; dup {
			p.fail(p.line, advColReference, "la_reference %q is also on line %d for the same LA", row.LAReference, first)
		} else {
			p.refs[key] = p.line
		}
	}
	if c.NHSNumber != "" && c.GivenName != "" && c.FamilyName != "" && !c.DateOfBirth.IsZero() {
		me := person{given: strings.ToLower(c.GivenName), family: strings.ToLower(c.FamilyName), dob: c.DateOfBirth, line: p.line}
		if first, met := p.people[c.NHSNumber]; met {
			if first.given != me.given || first.family != me.family || !first.dob.Equal(me.dob) {
				p.fail(p.line, advColNHS, "nhs_number %s is given with a different name or date of birth on line %d", c.NHSNumber, first.line)
			}
		} else {
			p.people[c.NHSNumber] = me
		}
	}
	if p.problems() > before {
		return nil
	}
	p.res.Rows = append(p.res.Rows, row)
	return nil
}
