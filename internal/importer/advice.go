package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"dco/internal/advice"
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

	maxErrors int // Limits.MaxErrors of the read
}

// OK reports whether the file had no problems at all.
func (r *AdviceResult) OK() bool { return len(r.Errors) == 0 && r.MoreErrors == 0 }

// AddStoreErrors merges the problems the database found in the rows that
// parsed (store.CheckAdviceImport: a reference already recorded, an NHS
// number registered with another name or date of birth) into the file's
// own, in line order, the file's first on a shared line and a problem
// already reported not repeated, so that one run reports every problem of
// a file. No more than Limits.MaxErrors are kept; the rest are counted in
// MoreErrors.
func (r *AdviceResult) AddStoreErrors(lines []store.LineError) {
	db := make([]RowError, 0, len(lines))
	for _, l := range lines {
		db = append(db, RowError{Line: l.Line, Message: l.Message})
	}
	r.Errors, r.MoreErrors = mergeErrors(r.Errors, r.MoreErrors, db, r.maxErrors)
}

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
	s := newSheet(opt.Limits, opt.Today)
	cal := opt.Calendar
	if cal == nil {
		cal = send.DefaultCalendar()
	}
	if opt.LA == nil {
		return nil, errors.New("importer: no LA look-up given")
	}
	p := &adviceParser{
		sheet: s, cal: cal, la: newLALookup(opt.LA),
		oldest: send.NewDate(s.today.Year()-26, s.today.Month(), s.today.Day()),
		refs:   map[string]int{}, people: map[send.NHSNumber]person{},
		res: &AdviceResult{},
	}
	if err := s.run(r, columns{required: AdviceColumns, file: "an advice requests file"}, p.row); err != nil {
		return nil, err
	}
	p.res.Errors, p.res.MoreErrors, p.res.Read, p.res.Notes = s.errors, s.moreErrors, s.read, s.notes
	p.res.maxErrors = s.lim.MaxErrors
	return p.res, nil
}

// person is the first row an NHS number was met on, to catch the same
// number given for two different children.
type person struct {
	given, family string
	dob           send.Date
	line          int
}

type adviceParser struct {
	*sheet
	oldest send.Date
	cal    *send.Calendar
	la     *orgLookup
	refs   map[string]int // LA id/reference → first line
	people map[send.NHSNumber]person
	res    *AdviceResult
}

func (p *adviceParser) row(rec []string) error {
	if !p.cellsFit(rec) {
		return nil
	}
	before := p.problems()
	row := store.AdviceImportRow{Line: p.line}
	la, err := p.org(p.la, p.cell(rec, advColLA))
	if err != nil {
		return err
	}
	row.LAID = la.ID
	row.LAReference = p.text(advColReference, p.cell(rec, advColReference), 50, false)

	c := &row.Child
	c.NHSNumber = p.nhsNumber(advColNHS, p.cell(rec, advColNHS))
	c.GivenName = p.text(advColGiven, p.cell(rec, advColGiven), 100, true)
	c.FamilyName = p.text(advColFamily, p.cell(rec, advColFamily), 100, true)
	if dob, ok := p.date(advColDOB, p.cell(rec, advColDOB), dateRule{required: true, years: true}); ok {
		switch {
		case dob.After(p.today):
			p.fail(p.line, advColDOB, "date_of_birth %s is in the future", dob)
		case dob.Before(p.oldest):
			p.fail(p.line, advColDOB, "date_of_birth %s is more than 26 years ago: dco holds children and young people aged 0 to 25", dob)
		default:
			c.DateOfBirth = dob
		}
	}

	received, okR := p.date(advColReceived, p.cell(rec, advColReceived), dateRule{required: true, years: true})
	returned, okT := p.date(advColReturned, p.cell(rec, advColReturned), dateRule{years: true})
	excOn, okE := p.date(advColExceptionOn, p.cell(rec, advColExceptionOn), dateRule{years: true})
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
		if first, dup := firstLine(p.refs, key, p.line); dup {
			p.fail(p.line, advColReference, "la_reference %q is also on line %d for the same LA", row.LAReference, first)
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
