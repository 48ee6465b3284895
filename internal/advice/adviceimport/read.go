// Package adviceimport reads a health advice requests file (dco import
// advice-requests) on the importer's sheet kit, for advicedb's import.
package adviceimport

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/importer"
	"dco/internal/send"
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

// Columns are the columns of an advice requests file.
var Columns = []string{advColLA, advColReference, advColNHS, advColGiven, advColFamily, advColDOB,
	advColReceived, advColReturned, advColOutcome, advColException, advColExceptionOn}

// Options are what Read needs besides the file.
type Options struct {
	LA importer.LAFunc // resolves la_code, once per distinct code
	// Calendar gives each request its six-week due date, which a missed
	// appointment must fall within; nil means the embedded bank holidays.
	Calendar *send.Calendar
	// Today is the date in England; the zero date means today by the
	// system clock.
	Today  send.Date
	Limits importer.Limits // the zero value means DefaultLimits
}

// Result is everything one read of an advice requests file found.
type Result struct {
	// Rows are the valid rows, in file order, ready for
	// advicedb.ImportAdviceRequests.
	Rows []advicedb.ImportRow
	// Outcome holds the problems, the count of rows read and the notes.
	importer.Outcome
}

// AddStoreErrors merges the problems the database found in the rows that
// parsed (advicedb.CheckAdviceImport: a reference already recorded, an NHS
// number registered with another name or date of birth) into the file's
// own, in line order, the file's first on a shared line and a problem
// already reported not repeated, so that one run reports every problem of
// a file. No more than Limits.MaxErrors are kept; the rest are counted in
// MoreErrors.
func (r *Result) AddStoreErrors(lines []advicedb.LineError) {
	db := make([]importer.RowError, 0, len(lines))
	for _, l := range lines {
		db = append(db, importer.RowError{Line: l.Line, Column: l.Column, Message: l.Message})
	}
	r.Outcome.AddStoreErrors(db)
}

// Read reads a CSV file of health advice requests, past and open,
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
func Read(r io.Reader, opt Options) (*Result, error) {
	s := importer.NewSheet(opt.Limits, opt.Today)
	cal := opt.Calendar
	if cal == nil {
		cal = send.DefaultCalendar()
	}
	if opt.LA == nil {
		return nil, errors.New("adviceimport: no LA look-up given")
	}
	p := &adviceParser{
		Sheet: s, cal: cal, la: importer.NewLALookup(opt.LA),
		refs: map[string]int{}, people: map[send.NHSNumber]person{},
		res: &Result{},
	}
	if err := s.Run(r, Columns, "an advice requests file", p.row); err != nil {
		return nil, err
	}
	p.res.Outcome = s.Outcome()
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
	*importer.Sheet
	cal    *send.Calendar
	la     *importer.OrgLookup
	refs   map[string]int // LA id/reference → first line
	people map[send.NHSNumber]person
	res    *Result
}

func (p *adviceParser) row(rec []string) error {
	if !p.CellsFit(rec) {
		return nil
	}
	before := p.Problems()
	row := advicedb.ImportRow{Line: p.Line()}
	la, err := p.Org(p.la, p.Cell(rec, advColLA))
	if err != nil {
		return err
	}
	row.LAID = la.ID

	// The child's and the request's one set of rules (child.Validate,
	// advice.Request.Validate), as the form, the API and the store apply
	// them, each problem under its column.
	fail := func(bad map[string]string) {
		for _, f := range slices.Sorted(maps.Keys(bad)) {
			p.Fail(p.Line(), f, "%s: %s", f, bad[f])
		}
	}
	c := &row.Child
	c.NHSNumber = send.NHSNumber(p.Cell(rec, advColNHS))
	c.GivenName, c.FamilyName = p.Cell(rec, advColGiven), p.Cell(rec, advColFamily)
	dob, dobOK := p.DateInYears(advColDOB, p.Cell(rec, advColDOB), false)
	c.DateOfBirth = dob
	cbad := c.Validate(p.Today())
	delete(cbad, "postcode") // a requests file carries no postcode or setting
	delete(cbad, "setting")
	if !dobOK {
		delete(cbad, "date_of_birth")
	}
	fail(cbad)

	received, okR := p.DateInYears(advColReceived, p.Cell(rec, advColReceived), false)
	returned, okT := p.DateInYears(advColReturned, p.Cell(rec, advColReturned), false)
	req := advice.Request{LAReference: p.Cell(rec, advColReference), ReceivedOn: received}
	rbad := req.Validate(p.Today())
	row.LAReference = req.LAReference
	if !okR {
		delete(rbad, advColReceived)
	}
	fail(rbad)
	excOn, okE := p.DateInYears(advColExceptionOn, p.Cell(rec, advColExceptionOn), false)
	outcome, err := advice.ParseOutcome(strings.ToLower(p.Cell(rec, advColOutcome)))
	if err != nil {
		p.Fail(p.Line(), advColOutcome, "outcome %q is not advice, not_known, withdrawn or blank", p.Cell(rec, advColOutcome))
	}
	exc, err := send.ParseException(strings.ToLower(p.Cell(rec, advColException)))
	if err != nil {
		p.Fail(p.Line(), advColException, "exception %q is not missed_appointment, exceptional_circumstances, absent_from_area or blank",
			p.Cell(rec, advColException))
	}
	if okR && okT && okE && p.Problems() == before {
		var due send.Date
		if !received.IsZero() {
			if due, err = advice.Due(p.cal, received); err != nil {
				return err
			}
		}
		bad := advice.CheckRecord(received, due, returned, p.Today(), outcome, exc, excOn)
		for _, col := range []string{advColReceived, advColReturned, advColOutcome, advColException, advColExceptionOn} {
			if msg, ok := bad[col]; ok {
				p.Fail(p.Line(), col, "%s", msg)
			}
		}
	}
	row.ReceivedOn, row.ReturnedOn, row.Outcome, row.Exception, row.ExceptionOn = received, returned, outcome, exc, excOn

	if row.LAReference != "" && la.ID != 0 {
		key := fmt.Sprintf("%d/%s", la.ID, row.LAReference)
		if first, dup := importer.FirstLine(p.refs, key, p.Line()); dup {
			p.Fail(p.Line(), advColReference, "la_reference %q is also on line %d for the same LA", row.LAReference, first)
		}
	}
	if c.NHSNumber != "" && c.GivenName != "" && c.FamilyName != "" && !c.DateOfBirth.IsZero() {
		me := person{given: strings.ToLower(c.GivenName), family: strings.ToLower(c.FamilyName), dob: c.DateOfBirth, line: p.Line()}
		if first, met := p.people[c.NHSNumber]; met {
			if first.given != me.given || first.family != me.family || !first.dob.Equal(me.dob) {
				p.Fail(p.Line(), advColNHS, "nhs_number %s is given with a different name or date of birth on line %d", c.NHSNumber, first.line)
			}
		} else {
			p.people[c.NHSNumber] = me
		}
	}
	if p.Problems() > before {
		return nil
	}
	p.res.Rows = append(p.res.Rows, row)
	return nil
}
