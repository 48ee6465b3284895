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
	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/store"
)

// The columns of a Section 23 notifications file, all required, in the
// order the documentation lists them. A step not yet taken is left blank.
const (
	s23ColNHS          = "nhs_number"
	s23ColGiven        = "given_name"
	s23ColFamily       = "family_name"
	s23ColDOB          = "date_of_birth"
	s23ColLA           = "la_code"
	s23ColProvider     = "provider_code"
	s23ColProfessional = "professional"
	s23ColReason       = "reason"
	s23ColParent       = s23.FieldParentInformed
	s23ColOffered      = s23.FieldDiscussionOffered
	s23ColNotified     = s23.FieldLANotified
)

// S23Columns are the columns of a notifications file.
var S23Columns = []string{s23ColNHS, s23ColGiven, s23ColFamily, s23ColDOB, s23ColLA, s23ColProvider,
	s23ColProfessional, s23ColReason, s23ColParent, s23ColOffered, s23ColNotified}

// ProviderFunc finds the health provider a file names in its provider_code
// column, by ODS code. It returns an error coded errs.NotFound when there is
// no such provider; any other error stops the import.
type ProviderFunc func(code string) (store.Org, error)

// S23Options are what ReadS23 needs besides the file.
type S23Options struct {
	LA       LAFunc       // resolves la_code, once per distinct code
	Provider ProviderFunc // resolves provider_code, once per distinct code
	// Today is the date in England, for refusing dates in the future. The
	// zero date means today by the system clock.
	Today  send.Date
	Limits Limits // the zero value means DefaultLimits
}

// S23Result is everything one read of a notifications file found.
type S23Result struct {
	// Rows are the valid rows, in file order, ready for store.ImportS23.
	Rows []store.S23ImportRow
	// Errors are the first Limits.MaxErrors problems, in line order.
	Errors     []RowError
	MoreErrors int
	// Read is the number of data rows read, valid or not, blank ones excepted.
	Read int
	// Notes are remarks that do not stop an import: ignored columns, and
	// rows imported as "other" notifications because s.23 did not apply.
	Notes []string
}

// OK reports whether the file had no problems at all.
func (r *S23Result) OK() bool { return len(r.Errors) == 0 && r.MoreErrors == 0 }

// ReadS23 reads a Section 23 notifications CSV file whose header is
//
//	nhs_number,given_name,family_name,date_of_birth,la_code,provider_code,professional,reason,parent_informed_on,discussion_offered_on,la_notified_on
//
// in any order. Dates are YYYY-MM-DD, blank for a step not yet taken. The
// LA is the child's LA of residence and the LA notified. Each row is checked
// as a notification made in dco is: the steps in the statute's order (the
// LA never told before the parent, s.23(2) before s.23(3)), no date in the
// future, known LA and provider codes. A child of compulsory school age on
// the date the parent was informed (or, failing that, today) is outside
// s.23(1): the row is imported as an "other" notification, with a note. It
// returns the valid rows and every row problem; the error is for a file
// that cannot be read at all.
func ReadS23(r io.Reader, opt S23Options) (*S23Result, error) {
	lim := opt.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits
	}
	today := opt.Today
	if today.IsZero() {
		today = send.Today(time.Now())
	}
	if opt.LA == nil || opt.Provider == nil {
		return nil, errors.New("importer: no LA or provider look-up given")
	}
	p := &s23Parser{
		lim: lim, today: today, la: opt.LA, provider: opt.Provider,
		laMemo: map[string]laAnswer{}, providerMemo: map[string]laAnswer{},
		res: &S23Result{},
	}
	return p.run(r)
}

type s23Parser struct {
	lim          Limits
	today        send.Date
	la           LAFunc
	provider     ProviderFunc
	laMemo       map[string]laAnswer
	providerMemo map[string]laAnswer
	res          *S23Result
	idx          map[string]int
	width        int
	line         int
}

func (p *s23Parser) fail(line int, column, format string, args ...any) {
	if len(p.res.Errors) >= p.lim.MaxErrors {
		p.res.MoreErrors++
		return
	}
	p.res.Errors = append(p.res.Errors, RowError{Line: line, Column: column, Message: fmt.Sprintf(format, args...)})
}

func (p *s23Parser) problems() int { return len(p.res.Errors) + p.res.MoreErrors }

func (p *s23Parser) run(r io.Reader) (*S23Result, error) {
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
			return nil, fmt.Errorf("the file is empty: its first line must be the header %s", strings.Join(S23Columns, ","))
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

func (p *s23Parser) readHeader(header []string) bool {
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
		if !slices.Contains(S23Columns, name) {
			if name == "" {
				name = fmt.Sprintf("(column %d, no name)", i+1)
			}
			unknown = append(unknown, name)
			continue
		}
		p.idx[name] = i
	}
	var missing []string
	for _, c := range S23Columns {
		if _, has := p.idx[c]; !has {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		p.fail(1, missing[0], "the header has no %s column (a notifications file needs %s)",
			strings.Join(missing, ", "), strings.Join(S23Columns, ", "))
		ok = false
	}
	if len(unknown) > 0 {
		p.res.Notes = append(p.res.Notes, fmt.Sprintf("ignored column(s) dco does not know: %s (it reads %s)",
			strings.Join(unknown, ", "), strings.Join(S23Columns, ", ")))
	}
	return ok
}

func (p *s23Parser) cell(rec []string, col string) string { return rec[p.idx[col]] }

// text checks a free-text cell: trimmed, no control characters, at most max
// characters, present when required.
func (p *s23Parser) text(rec []string, col string, max int, required bool) string {
	v := strings.TrimSpace(p.cell(rec, col))
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

// date reads an optional YYYY-MM-DD cell that must not be in the future.
func (p *s23Parser) date(rec []string, col string, required bool) (send.Date, bool) {
	v := strings.TrimSpace(p.cell(rec, col))
	if v == "" {
		if required {
			p.fail(p.line, col, "%s is empty", col)
			return send.Date{}, false
		}
		return send.Date{}, true
	}
	d, err := send.ParseDate(v)
	if err != nil {
		if len(v) != 10 || v[4] != '-' || v[7] != '-' || !digits(v[:4]) || !digits(v[5:7]) || !digits(v[8:]) {
			p.fail(p.line, col, "%s %q is not in the form YYYY-MM-DD", col, v)
		} else {
			p.fail(p.line, col, "%s %q is not a real date", col, v)
		}
		return send.Date{}, false
	}
	if d.After(p.today) {
		p.fail(p.line, col, "%s %s is in the future", col, v)
		return send.Date{}, false
	}
	return d, true
}

// org resolves a code through look-up, once per distinct code.
func (p *s23Parser) org(rec []string, col string, memo map[string]laAnswer, look func(string) (store.Org, error), what, hint string) (store.Org, error) {
	v := strings.TrimSpace(p.cell(rec, col))
	if v == "" {
		p.fail(p.line, col, "%s is empty", col)
		return store.Org{}, nil
	}
	key := strings.ToUpper(v)
	a, done := memo[key]
	if !done {
		org, err := look(v)
		switch {
		case err == nil:
			a = laAnswer{org: org, found: true}
		case errs.Is(err, errs.NotFound):
		default:
			return store.Org{}, fmt.Errorf("line %d: look up %s %q: %w", p.line, col, v, err)
		}
		memo[key] = a
	}
	if !a.found {
		p.fail(p.line, col, "%s %q is not %s in dco (give %s)", col, v, what, hint)
	}
	return a.org, nil
}

func (p *s23Parser) row(rec []string) error {
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
	var c store.Child
	if v := strings.TrimSpace(p.cell(rec, s23ColNHS)); v == "" {
		p.fail(p.line, s23ColNHS, "nhs_number is empty")
	} else if n, err := send.ParseNHSNumber(v); err != nil {
		p.fail(p.line, s23ColNHS, "nhs_number %q is not valid: %v", v, err)
	} else {
		c.NHSNumber = n
	}
	c.GivenName = p.text(rec, s23ColGiven, 100, true)
	c.FamilyName = p.text(rec, s23ColFamily, 100, true)
	dob, dobOK := p.date(rec, s23ColDOB, true)
	c.DateOfBirth = dob
	la, err := p.org(rec, s23ColLA, p.laMemo, p.la, "a local authority",
		"its DfE number, such as 800, or its ONS code, such as E06000022")
	if err != nil {
		return err
	}
	prov, err := p.org(rec, s23ColProvider, p.providerMemo, p.provider, "a health provider", "its ODS code")
	if err != nil {
		return err
	}
	c.LAID, c.LAName = la.ID, la.Name
	n := store.S23Notification{
		Kind:          s23.KindS23,
		ProviderOrgID: prov.ID,
		ProviderName:  prov.Name,
		LAID:          la.ID,
		LAName:        la.Name,
		Professional:  p.text(rec, s23ColProfessional, 200, true),
		Reasons:       p.text(rec, s23ColReason, 2000, true),
	}
	var ok [3]bool
	n.Steps.ParentInformedOn, ok[0] = p.date(rec, s23ColParent, false)
	n.Steps.DiscussionOfferedOn, ok[1] = p.date(rec, s23ColOffered, false)
	n.Steps.LANotifiedOn, ok[2] = p.date(rec, s23ColNotified, false)
	if !ok[0] || !ok[1] || !ok[2] || !dobOK {
		return nil // the order of the steps cannot be judged from bad dates
	}
	n.Steps.OpinionOn = n.Steps.DefaultOpinionOn(p.today)
	if n.Steps.OpinionOn.Before(dob) {
		p.fail(p.line, s23ColDOB, "date_of_birth %s is after the first step recorded (%s)", dob, n.Steps.OpinionOn)
		return nil
	}
	if applies, csaFrom := s23.Applies(dob, n.Steps.OpinionOn); !applies {
		n.Kind = s23.KindOther
		p.res.Notes = append(p.res.Notes, fmt.Sprintf("line %d: the child was of compulsory school age (from %s) on %s, so s.23 does not apply; it will be imported as an other notification",
			p.line, csaFrom, n.Steps.OpinionOn))
	}
	bad := n.Steps.Check(n.Kind, p.today)
	for _, col := range []string{s23ColParent, s23ColOffered, s23ColNotified} {
		if msg, has := bad[col]; has {
			p.fail(p.line, col, "%s: %s", col, lowerFirst(msg))
		}
	}
	if p.problems() > before {
		return nil
	}
	p.res.Rows = append(p.res.Rows, store.S23ImportRow{Line: p.line, Child: c, Notification: n})
	return nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
