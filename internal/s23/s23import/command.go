package s23import

import (
	"dco/internal/importer"
	"dco/internal/s23"
	"dco/internal/s23/s23db"
)

// Usage is the help of dco import s23: the file format and what an import
// does.
const Usage = `Usage: dco import s23 FILE.csv [--dry-run]

Imports Section 23 notifications (Children and Families Act 2014 s.23) from
a CSV file (UTF-8, as a spreadsheet saves it; FILE - reads standard input).
The first line is the header:

  nhs_number,given_name,family_name,date_of_birth,la_code,provider_code,
  professional,reason,parent_informed_on,discussion_offered_on,la_notified_on

in any order. Dates are YYYY-MM-DD; leave a step blank if it has not
happened. la_code is the child's LA, and the LA notified, by DfE number
(800) or ONS code (E06000022); provider_code is the provider's ODS code.
Each child is matched by NHS number, as on the notification form (the
family name, ignoring case and spacing, and the date of birth must agree;
the given name may differ), or registered. A child registered in another LA
than la_code is a problem: a file cannot give the reason for notifying
another LA.

The steps must be in the statute's order: the parent informed, a discussion
offered, and only then the LA notified (the same day is allowed). A child
already of compulsory school age is outside s.23 and is imported as an
"other" notification, with a note.

Every problem is reported with its line number (the header is line 1), in
line order: problems in the file itself and those only the database finds
(a child registered with another family name, date of birth or LA) are
reported together, in one run. If there is any, nothing is imported;
otherwise every notification is imported in one transaction. --dry-run
makes every check, against the database too, and writes nothing.`

// s23Columns maps the store's field names to the file's columns, so that a
// problem only the database finds names the column to fix.
var s23Columns = map[string]string{
	"provider_org_id": "provider_code",
	"la_id":           "la_code",
	"la_reason":       "la_code", // the file's LA is the LA notified; it has no reason column
	"kind":            "date_of_birth",
	"reasons":         "reason",
	"needs":           "reason",     // a file gives no areas of need: its reason is what to fill in
	s23.FieldOpinion:  s23ColParent, // a file gives no opinion date: it is its first step's
}

// Column is the file's column for a field of a notification or its child,
// as the form, the API and the store name it.
func Column(field string) string {
	if c, ok := s23Columns[field]; ok {
		return c
	}
	return field
}

// StoreProblems turns the problems the store found into the file's
// terms: each names the column to fix.
func StoreProblems(ps []s23db.ImportProblem) []importer.RowError {
	out := make([]importer.RowError, 0, len(ps))
	for _, p := range ps {
		col := Column(p.Field)
		out = append(out, importer.RowError{Line: p.Line, Column: col, Message: col + ": " + p.Message})
	}
	return out
}
