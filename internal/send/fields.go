package send

// The rules for the fields every record shares (a child, and each
// workflow's records): names, free text, NHS numbers,
// postcodes and dates of birth, each written once with its message, so that
// a form, the JSON API, a CSV import and the store refuse the same value
// with the same words. Each returns the value normalised and what is wrong
// with it, "" when nothing is; the caller files the message under its own
// field name.

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MsgNotUTF8 refuses text that is not UTF-8, which SQLite would store as
// it came and PostgreSQL refuse: one answer on both engines, and the one
// the web layer gives for any field.
const MsgNotUTF8 = "This must be text, but it contains characters that cannot be read (not UTF-8). Type it again, or paste it as plain text."

// TextRule is the one rule for text a person types: trimmed; present when
// Required; UTF-8; no control characters (a tab or line break can disguise
// a name in a list or a spreadsheet), except line breaks and tabs where
// Lines allows a note of several lines; at most Max characters (0: no
// limit).
type TextRule struct {
	Label    string // the field in messages, as in "given name"
	Max      int
	Required bool
	Lines    bool
}

// Check trims v and returns it with what is wrong with it, "" when nothing.
func (r TextRule) Check(v string) (string, string) {
	v = strings.TrimSpace(v)
	switch {
	case v == "" && r.Required:
		return v, "Enter the " + strings.ToLower(r.Label)
	case !utf8.ValidString(v):
		return v, MsgNotUTF8
	case strings.ContainsFunc(v, func(c rune) bool {
		return unicode.IsControl(c) && !(r.Lines && (c == '\n' || c == '\r' || c == '\t'))
	}):
		if r.Lines {
			return v, Sentence(r.Label) + " must not contain special characters"
		}
		return v, Sentence(r.Label) + " must not contain special characters such as tabs or line breaks"
	case r.Max > 0 && utf8.RuneCountInString(v) > r.Max:
		return v, Sentence(r.Label) + " must be " + strconv.Itoa(r.Max) + " characters or fewer"
	}
	return v, ""
}

// MaxNameChars is the longest name dco keeps.
const MaxNameChars = 100

// CheckName is the rule for a person's given or family name: required, one
// line, at most MaxNameChars characters.
func CheckName(v, label string) (string, string) {
	return TextRule{Label: label, Max: MaxNameChars, Required: true}.Check(v)
}

// CheckNHSNumber is the rule for a required NHS number (ParseNHSNumber).
func CheckNHSNumber(v string) (NHSNumber, string) {
	if strings.TrimSpace(v) == "" {
		return "", "Enter the NHS number"
	}
	n, err := ParseNHSNumber(v)
	if err != nil {
		return NHSNumber(v), Sentence(err.Error())
	}
	return n, ""
}

var postcodeRE = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$`)

// NormalisePostcode returns a UK postcode in capitals with one space before
// the inward code ("BA1 1AA"), and whether it has the shape of one.
func NormalisePostcode(p string) (string, bool) {
	p = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, p)
	if !postcodeRE.MatchString(p) {
		return p, false
	}
	return p[:len(p)-3] + " " + p[len(p)-3:], true
}

// MsgPostcode refuses what is not a UK postcode.
const MsgPostcode = "Enter a real postcode, like BA1 1AA"

// CheckPostcode is the rule for an optional postcode: blank is "" (no
// fixed abode, or not known), anything else a UK postcode, normalised.
func CheckPostcode(v string) (string, string) {
	if strings.TrimSpace(v) == "" {
		return "", ""
	}
	p, ok := NormalisePostcode(v)
	if !ok {
		return strings.TrimSpace(v), MsgPostcode
	}
	return p, ""
}

// MaxAgeYears is the age from which dco holds no one: children and young
// people are kept to their 26th birthday (SEND Code of Practice 0–25; NHS
// Records Management Code).
const MaxAgeYears = 26

// CheckDateOfBirth is the rule for a child's or young person's date of
// birth: given, today or earlier, and within the last MaxAgeYears years.
func CheckDateOfBirth(d, today Date) string {
	switch {
	case d.IsZero():
		return "Enter the date of birth"
	case d.After(today):
		return "Date of birth must be today or in the past"
	case d.Before(NewDate(today.Year()-MaxAgeYears, today.Month(), today.Day())):
		return "Date of birth must be within the last 26 years"
	}
	return ""
}

// Sentence capitalises the first letter of a message.
func Sentence(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
