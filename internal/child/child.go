// Package child is the child or young person every workflow stands on: the
// record's type and its one Validate, pure (no database, no HTTP), so that
// the register form, the JSON API, the CSV import and the store refuse a bad
// child with the same field errors, all in one round. Where the child may
// be put (which LA the actor may choose) and whether its NHS number is
// registered already need the database: the store decides those and
// reports them with Validate's problems.
package child

import (
	"time"

	"dco/internal/send"
)

// Flags are the circumstances recorded against a child (docs/design.md §3.1).
type Flags struct {
	LookedAfter          bool `json:"looked_after"`
	ElectiveHomeEd       bool `json:"elective_home_education"`
	MissingEducation     bool `json:"missing_education"`
	YouthJustice         bool `json:"youth_justice"`
	ContinuingCare       bool `json:"continuing_care"`
	PersonalHealthBudget bool `json:"personal_health_budget"`
}

// Child is a child or young person. Age, school-age status, NC year and age
// band are derived by internal/send from DateOfBirth, never stored.
type Child struct {
	ID          int64
	NHSNumber   send.NHSNumber
	GivenName   string
	FamilyName  string
	DateOfBirth send.Date
	Postcode    string
	LAID        int64 // LA of residence
	LAName      string
	ICBID       int64  // the ICB of the LA of residence, set by the store
	Setting     string // school, college or early-years setting
	Flags       Flags
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// MaxSettingChars is the longest setting dco keeps.
const MaxSettingChars = 200

// Validate normalises the child's own fields in place (trimmed names and
// setting, the NHS number without spaces, the postcode in capitals with one
// space) and returns every problem with them, by field name, with a
// message that says how to put it right; none when the map is empty. today
// is the date in England (send.Today). The LA is not checked here: which
// LA may be chosen is the store's rule.
func (c *Child) Validate(today send.Date) map[string]string {
	bad := map[string]string{}
	put := func(field, msg string) {
		if msg != "" {
			bad[field] = msg
		}
	}
	var msg string
	c.NHSNumber, msg = send.CheckNHSNumber(string(c.NHSNumber))
	put("nhs_number", msg)
	c.GivenName, msg = send.CheckName(c.GivenName, "given name")
	put("given_name", msg)
	c.FamilyName, msg = send.CheckName(c.FamilyName, "family name")
	put("family_name", msg)
	put("date_of_birth", send.CheckDateOfBirth(c.DateOfBirth, today))
	c.Postcode, msg = send.CheckPostcode(c.Postcode)
	put("postcode", msg)
	c.Setting, msg = send.TextRule{Label: "setting", Max: MaxSettingChars}.Check(c.Setting)
	put("setting", msg)
	return bad
}
