// Package s23import reads a Section 23 notifications file (dco import s23)
// on the importer's sheet kit, and words the problems s23db finds in the
// file's terms.
package s23import

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"dco/internal/importer"
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

// Columns are the columns of a notifications file.
var Columns = []string{s23ColNHS, s23ColGiven, s23ColFamily, s23ColDOB, s23ColLA, s23ColProvider,
	s23ColProfessional, s23ColReason, s23ColParent, s23ColOffered, s23ColNotified}

// ProviderFunc finds the health provider a file names in its provider_code
// column, by ODS code. It returns an error coded errs.NotFound when there is
// no such provider; any other error stops the import.
type ProviderFunc func(code string) (store.Org, error)

// Options are what Read needs besides the file.
type Options struct {
	LA       importer.LAFunc // resolves la_code, once per distinct code
	Provider ProviderFunc    // resolves provider_code, once per distinct code
	// Today is the date in England, for refusing dates in the future. The
	// zero date means today by the system clock.
	Today  send.Date
	Limits importer.Limits // the zero value means importer.DefaultLimits
	// CheckChild is the kernel's check of a child's details
	// (store.Store.CheckChild), so that a row's child gets the problems
	// the form, the API and the store give, in the same run.
	CheckChild func(c *store.Child, today send.Date) map[string]string
}

// Result is everything one read of a notifications file found.
type Result struct {
	// Rows are the valid rows, in file order, ready for s23db.Import.
	Rows []s23db.ImportRow
	// Outcome holds the problems and the count of rows read; its Notes
	// include rows imported as "other" notifications because s.23 did not
	// apply. AddStoreErrors merges the problems a dry s23db.Import found.
	importer.Outcome
}

// Read reads a Section 23 notifications CSV file whose header is
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
func Read(r io.Reader, opt Options) (*Result, error) {
	s := importer.NewSheet(opt.Limits, opt.Today)
	if opt.LA == nil || opt.Provider == nil || opt.CheckChild == nil {
		return nil, errors.New("s23import: no LA or provider look-up or child check given")
	}
	p := &parser{
		Sheet:    s,
		la:       importer.NewLALookup(opt.LA),
		provider: importer.NewOrgLookup(s23ColProvider, "a health provider", "its ODS code", opt.Provider),
		res:      &Result{},
		child:    opt.CheckChild,
	}
	if err := s.Run(r, Columns, "a notifications file", p.row); err != nil {
		return nil, err
	}
	p.res.Outcome = s.Outcome()
	return p.res, nil
}

// parser checks each row of a notifications file.
type parser struct {
	*importer.Sheet
	la       *importer.OrgLookup
	provider *importer.OrgLookup
	res      *Result
	child    func(c *store.Child, today send.Date) map[string]string
}

func (p *parser) row(rec []string) error {
	if !p.CellsFit(rec) {
		return nil
	}
	before := p.Problems()
	// fail reports the record's own problems as the store's are reported
	// (StoreProblems): the column, then the message every route gives.
	fail := func(bad map[string]string) {
		for _, f := range slices.Sorted(maps.Keys(bad)) {
			col := Column(f)
			p.Fail(p.Line(), col, "%s: %s", col, bad[f])
		}
	}
	c := store.Child{
		NHSNumber:  send.NHSNumber(p.Cell(rec, s23ColNHS)),
		GivenName:  p.Cell(rec, s23ColGiven),
		FamilyName: p.Cell(rec, s23ColFamily),
	}
	dob, dobOK := p.Date(s23ColDOB, p.Cell(rec, s23ColDOB), false, false)
	c.DateOfBirth = dob
	bad := p.child(&c, p.Today())
	delete(bad, "postcode") // a notifications file carries no postcode
	if !dobOK {
		delete(bad, "date_of_birth")
	}
	fail(bad)
	la, err := p.Org(p.la, p.Cell(rec, s23ColLA))
	if err != nil {
		return err
	}
	prov, err := p.Org(p.provider, p.Cell(rec, s23ColProvider))
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
		Professional:  p.Cell(rec, s23ColProfessional),
		Reasons:       p.Cell(rec, s23ColReason),
	}
	var ok [3]bool
	n.Steps.ParentInformedOn, ok[0] = p.Date(s23ColParent, p.Cell(rec, s23ColParent), false, false)
	n.Steps.DiscussionOfferedOn, ok[1] = p.Date(s23ColOffered, p.Cell(rec, s23ColOffered), false, false)
	n.Steps.LANotifiedOn, ok[2] = p.Date(s23ColNotified, p.Cell(rec, s23ColNotified), false, false)
	steps := ok[0] && ok[1] && ok[2] // the order of the steps cannot be judged from bad dates
	n.Steps.OpinionOn = n.Steps.DefaultOpinionOn(p.Today())
	if steps && dobOK && bad["date_of_birth"] == "" {
		if n.Steps.OpinionOn.Before(dob) {
			p.Fail(p.Line(), s23ColDOB, "date_of_birth %s is after the first step recorded (%s)", dob, n.Steps.OpinionOn)
			return nil
		}
		if applies, csaFrom := s23.Applies(dob, n.Steps.OpinionOn); !applies {
			n.Kind = s23.KindOther
			p.Note(fmt.Sprintf("line %d: the child was of compulsory school age (from %s) on %s, so s.23 does not apply; it will be imported as an other notification",
				p.Line(), csaFrom, n.Steps.OpinionOn))
		}
	}
	// The notification's one set of rules (s23.Notification.Validate), as
	// the form, the API and the store apply them.
	r := n.Record()
	bad = r.Validate(p.Today())
	n.SetRecord(r)
	if !steps {
		for _, f := range []string{s23.FieldOpinion, s23.FieldParentInformed, s23.FieldDiscussionOffered, s23.FieldLANotified} {
			delete(bad, f)
		}
	}
	fail(bad)
	if p.Problems() > before {
		return nil
	}
	p.res.Rows = append(p.res.Rows, s23db.ImportRow{Line: p.Line(), Child: c, Notification: n})
	return nil
}
