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
	colNHS      = "nhs_number"
	colGiven    = "given_name"
	colFamily   = "family_name"
	colDOB      = "date_of_birth"
	colPostcode = "postcode"
	colLA       = "la_code"
	colSetting  = "setting"
	colLooked   = "looked_after"
	colEHE      = "elective_home_education"
	colMissing  = "missing_education"
	colYouth    = "youth_justice"
	colCare     = "continuing_care"
	colBudget   = "personal_health_budget"
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
		sheet: s,
		la:    newLALookup(opt.LA),
		seen:  make(map[send.NHSNumber]int),
		res:   &Result{},
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
	la   *orgLookup
	seen map[send.NHSNumber]int // NHS number → first line it was on
	res  *Result
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
	// The child's own fields are checked by child.Validate, the rules of
	// the form, the API and the store, each problem reported as
	// "column: message"; a date that cannot be read is the file's own
	// problem, reported instead of Validate's.
	c := store.Child{NHSNumber: send.NHSNumber(rec[p.idx[colNHS]]), GivenName: rec[p.idx[colGiven]],
		FamilyName: rec[p.idx[colFamily]], Postcode: rec[p.idx[colPostcode]]}
	if i, has := p.idx[colSetting]; has {
		c.Setting = rec[i]
	}
	unread := ""
	if v := strings.TrimSpace(rec[p.idx[colDOB]]); v != "" {
		d, err := send.ParseDate(v)
		if err != nil {
			unread = unreadableDate(colDOB, v, true)
		}
		c.DateOfBirth = d
	}
	bad := c.Validate(p.today)
	if unread != "" {
		bad[colDOB] = ""
	}
	report := func(col string) {
		if msg := bad[col]; msg != "" {
			p.fail(p.line, col, "%s: %s", col, msg)
		} else if col == colDOB && unread != "" {
			p.fail(p.line, col, "%s", unread)
		}
	}
	for _, col := range []string{colNHS, colGiven, colFamily, colDOB, colPostcode} {
		report(col)
		if col == colNHS && bad[colNHS] == "" {
			if first, dup := firstLine(p.seen, c.NHSNumber, p.line); dup {
				p.fail(p.line, colNHS, "nhs_number %s is also on line %d: each child appears once", c.NHSNumber, first)
			}
		}
	}
	org, err := p.org(p.la, rec[p.idx[colLA]])
	if err != nil {
		return err
	}
	c.LAID, c.LAName = org.ID, org.Name
	report(colSetting)
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
