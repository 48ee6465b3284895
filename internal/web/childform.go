package web

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// childInput is the one request type for registering or changing a child,
// whether it arrives as an HTML form or as JSON. decodeChildForm and
// decodeChildJSON fill it; validate is the one set of rules both share.
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

// postcodeRE is the shape of a UK postcode (outward code, space, inward
// code), after upper-casing and removing spaces.
var postcodeRE = regexp.MustCompile(`^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$`)

// validate checks the input and returns the child it describes, or an
// invalid-input error naming every bad field with a message that says how
// to put it right. The LA is settled by who is asking: an LA caseworker can
// only register children of their own LA.
func (s *Server) validateChild(ctx context.Context, actor store.Actor, in childInput) (store.Child, error) {
	bad := map[string]string{}
	var c store.Child

	if strings.TrimSpace(in.NHSNumber) == "" {
		bad["nhs_number"] = "Enter the NHS number"
	} else if n, err := send.ParseNHSNumber(in.NHSNumber); err != nil {
		bad["nhs_number"] = sentence(err.Error())
	} else {
		c.NHSNumber = n
	}

	c.GivenName = checkName(bad, "given_name", "given name", in.GivenName)
	c.FamilyName = checkName(bad, "family_name", "family name", in.FamilyName)

	today := send.Today(s.now())
	if in.DOBFromForm {
		c.DateOfBirth = checkDateParts(bad, "date_of_birth", "Date of birth", in.DOBParts)
	} else if strings.TrimSpace(in.DOBText) == "" {
		bad["date_of_birth"] = "Enter the date of birth"
	} else if d, err := send.ParseDate(strings.TrimSpace(in.DOBText)); err != nil {
		bad["date_of_birth"] = "Date of birth must be a real date, written YYYY-MM-DD"
	} else {
		c.DateOfBirth = d
	}
	if _, ok := bad["date_of_birth"]; !ok && c.DateOfBirth.After(today) {
		bad["date_of_birth"] = "Date of birth must be today or in the past"
	}

	if pc := strings.ToUpper(strings.Join(strings.Fields(in.Postcode), "")); pc != "" {
		if m := postcodeRE.FindStringSubmatch(pc); m == nil {
			bad["postcode"] = "Enter a real postcode, like BA1 1AA"
		} else {
			c.Postcode = m[1] + " " + m[2]
		}
	}

	// Which LA the actor may choose is the store's decision (placeRule and
	// moveChild), for every route alike; here the code is only looked up.
	code := strings.TrimSpace(in.LACode)
	switch {
	case code == "" && actor.Role == store.RoleLA:
		c.LAID = actor.LAID // an LA caseworker's children live in their LA
	case code == "":
		bad["la_code"] = "Choose the local authority the child lives in"
	default:
		org, err := s.store.FindLA(ctx, code)
		switch {
		case errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid):
			bad["la_code"] = "Choose a local authority from the list"
		case err != nil:
			return c, err
		default:
			c.LAID, c.LAName = org.ID, org.Name
		}
	}

	c.Setting = strings.TrimSpace(in.Setting)
	if utf8.RuneCountInString(c.Setting) > 200 {
		bad["setting"] = "The setting must be 200 characters or fewer"
	} else if hasControl(c.Setting) {
		bad["setting"] = "The setting must not contain special characters such as tabs or line breaks"
	}
	c.Flags = in.Flags
	c.Version = in.Version

	if len(bad) > 0 {
		return c, errs.InvalidFields(bad)
	}
	return c, nil
}

// checkName trims a name and records what is wrong with it.
func checkName(bad map[string]string, field, label, v string) string {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		bad[field] = "Enter the " + label
	case utf8.RuneCountInString(v) > 100:
		bad[field] = sentence(label) + " must be 100 characters or fewer"
	case hasControl(v):
		bad[field] = sentence(label) + " must not contain special characters such as tabs or line breaks"
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

// hasControl reports whether s holds control characters: they have no
// place in a name and can disguise one in a list or a spreadsheet.
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// sentence capitalises the first letter of a message.
func sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
