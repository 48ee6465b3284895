// Package importer reads the files a DCO team already keeps (spreadsheets
// saved as CSV) into dco's records. It checks every row and reports every
// problem by line number and column, so that a file is either fixed and
// imported whole or not imported at all; the store does the writing, in one
// transaction.
package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"dco/internal/send"
	"dco/internal/store"
)

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
	s := newSheet(opt.Limits, opt.Today)
	if opt.LA == nil {
		return nil, errors.New("importer: no LA look-up given")
	}
	p := &parser{
		sheet:  s,
		oldest: send.NewDate(s.today.Year()-26, s.today.Month(), s.today.Day()),
		la:     newLALookup(opt.LA),
		seen:   make(map[send.NHSNumber]int),
		res:    &Result{},
	}
	cols := columns{required: RequiredColumns, optional: OptionalColumns, file: "a children file"}
	if err := s.run(r, cols, p.row); err != nil {
		return nil, err
	}
	p.res.Errors, p.res.MoreErrors, p.res.Rows, p.res.Notes = s.errors, s.moreErrors, s.read, s.notes
	return p.res, nil
}

type parser struct {
	*sheet
	oldest send.Date // the earliest date of birth accepted
	la     *orgLookup
	seen   map[send.NHSNumber]int // NHS number → first line it was on
	res    *Result
}

// row checks one data row and keeps it when it is valid.
func (p *parser) row(rec []string) error {
	before := p.problems()
	for i, f := range rec {
		if len(f) > p.lim.MaxCell {
			if n := utf8.RuneCountInString(f); n > p.lim.MaxCell {
				p.fail(p.line, p.nameOf(i), "%s is %d characters long; a cell is at most %d", p.nameOf(i), n, p.lim.MaxCell)
				rec[i] = ""
			}
		}
	}
	if p.problems() > before {
		return nil
	}
	var c store.Child
	c.NHSNumber = p.nhsNumber(rec[p.idx[colNHS]])
	c.GivenName = p.text(colGiven, rec[p.idx[colGiven]], maxNameChars, true)
	c.FamilyName = p.text(colFamily, rec[p.idx[colFamily]], maxNameChars, true)
	c.DateOfBirth = p.dateOfBirth(rec[p.idx[colDOB]])
	c.Postcode = p.postcode(rec[p.idx[colPostcode]])
	org, err := p.org(p.la, rec[p.idx[colLA]])
	if err != nil {
		return err
	}
	c.LAID, c.LAName = org.ID, org.Name
	if i, has := p.idx[colSetting]; has {
		c.Setting = p.text(colSetting, rec[i], 200, false)
	}
	for _, f := range flagColumns {
		if j, has := p.idx[f.name]; has {
			f.set(&c.Flags, p.yesNo(f.name, rec[j]))
		}
	}
	if p.problems() > before {
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
	n := p.sheet.nhsNumber(colNHS, v)
	if n == "" {
		return ""
	}
	if first, dup := firstLine(p.seen, n, p.line); dup {
		p.fail(p.line, colNHS, "nhs_number %s is also on line %d: each child appears once", n, first)
		return ""
	}
	return n
}

func (p *parser) dateOfBirth(v string) send.Date {
	d, ok := p.date(colDOB, v, dateRule{required: true, years: true, past: true})
	if !ok || d.IsZero() {
		return send.Date{}
	}
	// The store keeps children and young people to their 26th birthday
	// (NHS Records Management Code), and refuses anyone older.
	if d.Before(p.oldest) {
		p.fail(p.line, colDOB, "date_of_birth %s is more than 26 years ago: dco holds children and young people aged 0 to 25", strings.TrimSpace(v))
		return send.Date{}
	}
	return d
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
