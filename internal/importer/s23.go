package importer

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
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
	// Rows are the valid rows, in file order, ready for s23db.Import.
	Rows []s23db.ImportRow
	// Errors are the first Limits.MaxErrors problems, in line order.
	Errors     []RowError
	MoreErrors int
	// Read is the number of data rows read, valid or not, blank ones excepted.
	Read int
	// Notes are remarks that do not stop an import: ignored columns, and
	// rows imported as "other" notifications because s.23 did not apply.
	Notes []string

	maxErrors int // Limits.MaxErrors of the read
}

// OK reports whether the file had no problems at all.
func (r *S23Result) OK() bool { return len(r.Errors) == 0 && r.MoreErrors == 0 }

// AddStoreErrors merges the problems the database found in the rows that
// parsed (a dry s23db.Import), already in the file's terms, into the
// file's own, as AdviceResult.AddStoreErrors does.
func (r *S23Result) AddStoreErrors(db []RowError) {
	r.Errors, r.MoreErrors = mergeErrors(r.Errors, r.MoreErrors, db, r.maxErrors)
}

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
	s := newSheet(opt.Limits, opt.Today)
	if opt.LA == nil || opt.Provider == nil {
		return nil, errors.New("importer: no LA or provider look-up given")
	}
	p := &s23Parser{
		sheet: s,
		la:    newLALookup(opt.LA),
		provider: &orgLookup{col: s23ColProvider, what: "a health provider", hint: "its ODS code",
			look: opt.Provider, memo: map[string]laAnswer{}},
		res: &S23Result{},
	}
	if err := s.run(r, columns{required: S23Columns, file: "a notifications file"}, p.row); err != nil {
		return nil, err
	}
	p.res.Errors, p.res.MoreErrors, p.res.Read, p.res.Notes = s.errors, s.moreErrors, s.read, s.notes
	p.res.maxErrors = s.lim.MaxErrors
	return p.res, nil
}

type s23Parser struct {
	*sheet
	la       *orgLookup
	provider *orgLookup
	res      *S23Result
}

func (p *s23Parser) row(rec []string) error {
	if !p.cellsFit(rec) {
		return nil
	}
	before := p.problems()
	var c store.Child
	c.NHSNumber = p.nhsNumber(s23ColNHS, p.cell(rec, s23ColNHS))
	c.GivenName = p.text(s23ColGiven, p.cell(rec, s23ColGiven), 100, true)
	c.FamilyName = p.text(s23ColFamily, p.cell(rec, s23ColFamily), 100, true)
	dob, dobOK := p.date(s23ColDOB, p.cell(rec, s23ColDOB), dateRule{required: true, past: true})
	c.DateOfBirth = dob
	la, err := p.org(p.la, p.cell(rec, s23ColLA))
	if err != nil {
		return err
	}
	prov, err := p.org(p.provider, p.cell(rec, s23ColProvider))
	if err != nil {
		return err
	}
	c.LAID, c.LAName = la.ID, la.Name
	n := s23db.Notification{
		Kind:          s23.KindS23,
		ProviderOrgID: prov.ID,
		ProviderName:  prov.Name,
		LAID:          la.ID,
		LAName:        la.Name,
		Professional:  p.text(s23ColProfessional, p.cell(rec, s23ColProfessional), 200, true),
		Reasons:       p.text(s23ColReason, p.cell(rec, s23ColReason), 2000, true),
	}
	var ok [3]bool
	n.Steps.ParentInformedOn, ok[0] = p.date(s23ColParent, p.cell(rec, s23ColParent), dateRule{past: true})
	n.Steps.DiscussionOfferedOn, ok[1] = p.date(s23ColOffered, p.cell(rec, s23ColOffered), dateRule{past: true})
	n.Steps.LANotifiedOn, ok[2] = p.date(s23ColNotified, p.cell(rec, s23ColNotified), dateRule{past: true})
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
		p.notes = append(p.notes, fmt.Sprintf("line %d: the child was of compulsory school age (from %s) on %s, so s.23 does not apply; it will be imported as an other notification",
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
	p.res.Rows = append(p.res.Rows, s23db.ImportRow{Line: p.line, Child: c, Notification: n})
	return nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
