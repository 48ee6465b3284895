package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// childInput is the one request type for registering or changing a child,
// whether it arrives as an HTML form or as JSON. decodeChildForm and
// decodeChildJSON fill it; validateChild reads it into a child and applies
// child.Validate, the rules the CSV import and the store apply too.
type childInput struct {
	NHSNumber  string
	GivenName  string
	FamilyName string
	// A form sends the date of birth as the three boxes of the NHS.UK date
	// input; JSON sends YYYY-MM-DD. Exactly one is used.
	DOBParts    dateParts
	DOBText     string
	DOBFromForm bool
	Postcode    string
	LACode      string
	Setting     string
	Flags       store.Flags
	Version     int64
	// ConfirmDuplicate is set when the person has seen the warning that a
	// child with the same name and date of birth exists and registers anyway.
	ConfirmDuplicate bool
}

// childFields is the order of the form's fields, for the error summary.
var childFields = []string{"nhs_number", "given_name", "family_name", "date_of_birth", "postcode", "la_code", "setting", "flags", "version"}

// childAnchors sends the error summary's date-of-birth link to the day box.
var childAnchors = map[string]string{"date_of_birth": "date_of_birth-day", "flags": "flags-looked_after"}

// flagDef is one of the flags recorded against a child.
type flagDef struct {
	Name  string // form value and JSON property
	Label string
	field func(*store.Flags) *bool
}

// flagList is every flag, in the order the form shows them (docs/design.md §3.1).
var flagList = []flagDef{
	{"looked_after", "Looked after child", func(f *store.Flags) *bool { return &f.LookedAfter }},
	{"elective_home_education", "Electively home educated", func(f *store.Flags) *bool { return &f.ElectiveHomeEd }},
	{"missing_education", "Missing education", func(f *store.Flags) *bool { return &f.MissingEducation }},
	{"youth_justice", "Youth justice", func(f *store.Flags) *bool { return &f.YouthJustice }},
	{"continuing_care", "Continuing care", func(f *store.Flags) *bool { return &f.ContinuingCare }},
	{"personal_health_budget", "Personal health budget", func(f *store.Flags) *bool { return &f.PersonalHealthBudget }},
}

// decodeChildForm reads the register and edit forms.
func decodeChildForm(r *http.Request) childInput {
	in := childInput{
		NHSNumber:  r.PostFormValue("nhs_number"),
		GivenName:  r.PostFormValue("given_name"),
		FamilyName: r.PostFormValue("family_name"),
		DOBParts: dateParts{
			Day:   strings.TrimSpace(r.PostFormValue("date_of_birth-day")),
			Month: strings.TrimSpace(r.PostFormValue("date_of_birth-month")),
			Year:  strings.TrimSpace(r.PostFormValue("date_of_birth-year")),
		},
		DOBFromForm:      true,
		Postcode:         r.PostFormValue("postcode"),
		LACode:           r.PostFormValue("la_code"),
		Setting:          r.PostFormValue("setting"),
		ConfirmDuplicate: r.PostFormValue("confirm_duplicate") == "1",
	}
	in.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	chosen := map[string]bool{}
	for _, v := range r.PostForm["flags"] {
		chosen[v] = true
	}
	for _, fl := range flagList {
		*fl.field(&in.Flags) = chosen[fl.Name]
	}
	return in
}

// inputFromChild fills the form from a stored record, for editing.
func inputFromChild(c store.Child, laCode string) childInput {
	return childInput{
		NHSNumber:   c.NHSNumber.String(),
		GivenName:   c.GivenName,
		FamilyName:  c.FamilyName,
		DOBParts:    datePartsOf(c.DateOfBirth),
		DOBText:     c.DateOfBirth.String(),
		DOBFromForm: true,
		Postcode:    c.Postcode,
		LACode:      laCode,
		Setting:     c.Setting,
		Flags:       c.Flags,
		Version:     c.Version,
	}
}

// validateChild reads the input into the child it describes and returns
// it, or an invalid-input error naming every bad field with a message that
// says how to put it right, all in one round: what the request could not
// be read as (a date, an LA code), child.Validate's rules (the store's
// own), and, when anything else is wrong, where the actor may put the
// child, which the store decides (PlacementProblem); when nothing else is,
// the store reports it on saving. id is the child changed, 0 for a new
// one. An LA caseworker who names no LA registers in their own.
func (s *Server) validateChild(ctx context.Context, actor store.Actor, in childInput, id int64) (store.Child, error) {
	read := map[string]string{} // what could not be read, over Validate's
	c := store.Child{ID: id, NHSNumber: send.NHSNumber(in.NHSNumber), GivenName: in.GivenName, FamilyName: in.FamilyName,
		Postcode: in.Postcode, Setting: in.Setting, Flags: in.Flags, Version: in.Version}

	if in.DOBFromForm {
		c.DateOfBirth = checkDateParts(read, "date_of_birth", "Date of birth", in.DOBParts)
	} else if v := strings.TrimSpace(in.DOBText); v != "" {
		d, err := send.ParseDate(v)
		if err != nil {
			read["date_of_birth"] = "Date of birth must be a real date, written YYYY-MM-DD"
		}
		c.DateOfBirth = d
	}

	// Which LA the actor may choose is the store's decision (placeRule and
	// moveChild), for every route alike; here the code is only looked up.
	code := strings.TrimSpace(in.LACode)
	switch {
	case code == "" && actor.Role == store.RoleLA:
		c.LAID = actor.LAID // an LA caseworker's children live in their LA
	case code == "":
		read["la_code"] = "Choose the local authority the child lives in"
	default:
		org, err := s.store.FindLA(ctx, code)
		switch {
		case errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid):
			read["la_code"] = "Choose a local authority from the list"
		case err != nil:
			return c, err
		default:
			c.LAID, c.LAName = org.ID, org.Name
		}
	}

	bad := c.Validate(send.Today(s.now()))
	for k, v := range read {
		bad[k] = v
	}
	if len(bad) == 0 {
		return c, nil
	}
	if _, ok := bad["la_code"]; !ok {
		msg, err := s.store.PlacementProblem(ctx, actor, c)
		if err != nil {
			return c, err
		}
		if msg != "" {
			bad["la_code"] = msg
		}
	}
	return c, errs.InvalidFields(bad)
}

// checkName trims a name and records what is wrong with it: send.CheckName,
// the one rule for names.
func checkName(bad map[string]string, field, label, v string) string {
	v, msg := send.CheckName(v, label)
	if msg != "" {
		bad[field] = msg
	}
	return v
}

// checkDateParts reads the NHS.UK date input's three boxes, with the
// messages its guidance gives for each way they can be wrong.
func checkDateParts(bad map[string]string, field, label string, p dateParts) send.Date {
	if p.Day == "" && p.Month == "" && p.Year == "" {
		bad[field] = "Enter the " + strings.ToLower(label)
		return send.Date{}
	}
	var missing []string
	if p.Day == "" {
		missing = append(missing, "a day")
	}
	if p.Month == "" {
		missing = append(missing, "a month")
	}
	if p.Year == "" {
		missing = append(missing, "a year")
	}
	if len(missing) > 0 {
		bad[field] = label + " must include " + strings.Join(missing, " and ")
		return send.Date{}
	}
	day, err1 := strconv.Atoi(p.Day)
	month, err2 := strconv.Atoi(p.Month)
	year, err3 := strconv.Atoi(p.Year)
	if err1 != nil || err2 != nil || err3 != nil || len(p.Year) != 4 {
		bad[field] = label + " must be a real date, like 17 2 2019"
		return send.Date{}
	}
	d, err := send.DateFromParts(year, month, day)
	if err != nil {
		bad[field] = label + " must be a real date, like 17 2 2019"
		return send.Date{}
	}
	return d
}

// sentence capitalises the first letter of a message (send.Sentence).
func sentence(s string) string { return send.Sentence(s) }
