package s23

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"dco/internal/send"
)

// Notification is a Section 23 (or other) notification as a person gives
// it, by any route (the form, the JSON API, a notifications file): what
// its one Validate checks. The child, the organisations, the letters and
// the version are the store's (s23db.Notification, which holds this).
type Notification struct {
	Kind          Kind
	LAReason      string // why an LA other than the child's is notified
	Professional  string // who formed the opinion: name and role
	Service       string // their service, e.g. "Health visiting, Swindon"
	Needs         []string
	Reasons       string
	Steps         Steps
	Consent       Consent
	VoluntaryOrgs string // the voluntary organisations the parent was told about (s.23(4))
}

// The limits of a notification's free text, in characters.
const (
	MaxProfessional  = 200
	MaxService       = 200
	MaxReasons       = 2000
	MaxVoluntaryOrgs = 1000
	MaxLAReason      = 500
)

// MsgNotUTF8 is the message for text that is not UTF-8, as the child's
// record words it.
const MsgNotUTF8 = "This must be text, but it contains characters that cannot be read (not UTF-8). Type it again, or paste it as plain text."

// Text is the one rule for a notification's free text: it trims v (and
// makes Windows line ends plain), then requires it when required, and
// refuses text that is not UTF-8, longer than max characters, or holding
// control characters other than line breaks and tabs. label names the
// field in the message ("the service"). It adds to bad what is wrong.
func Text(bad map[string]string, field, label string, v *string, max int, required bool) {
	*v = strings.TrimSpace(strings.ReplaceAll(*v, "\r\n", "\n"))
	switch {
	case *v == "" && required:
		bad[field] = "Enter " + label
	case !utf8.ValidString(*v):
		bad[field] = MsgNotUTF8
	case utf8.RuneCountInString(*v) > max:
		bad[field] = fmt.Sprintf("%s must be %d characters or fewer", upperFirst(label), max)
	case strings.ContainsFunc(*v, func(r rune) bool { return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f }):
		bad[field] = upperFirst(label) + " must not contain control characters"
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

// Validate normalises n (the kind s23 when none is given, trimmed text, the
// areas of need once each, the opinion date assumed from the first step
// when none is given) and returns, by field, everything wrong with it as of
// today, in one go: the kind, the free text, the areas of need (at least
// one, or the reasons), the parent's answer on consent, and the dates of
// the steps, in the statute's order (Steps.Check). It is the one set of
// rules for a notification's own fields: the form, the API, the import and
// the store all call it. What needs the database (the child, whether s.23
// applies to them, the organisations, the scope) the store checks after.
func (n *Notification) Validate(today send.Date) map[string]string {
	bad := map[string]string{}
	if n.Kind == "" {
		n.Kind = KindS23
	}
	if !n.Kind.Valid() {
		bad["kind"] = "Choose whether this is a Section 23 notification or another notification"
	}
	Text(bad, "professional", "the name and role of the professional", &n.Professional, MaxProfessional, true)
	Text(bad, "service", "the service", &n.Service, MaxService, false)
	Text(bad, "reasons", "the reasons", &n.Reasons, MaxReasons, false)
	Text(bad, "voluntary_orgs", "the voluntary organisations", &n.VoluntaryOrgs, MaxVoluntaryOrgs, false)
	Text(bad, "la_reason", "the reason for notifying this LA", &n.LAReason, MaxLAReason, false)
	var needs []string
	for _, k := range n.Needs {
		k = strings.TrimSpace(k)
		if _, ok := NeedLabel(k); !ok {
			bad["needs"] = "Choose the areas of need from the list"
			continue
		}
		if !slices.Contains(needs, k) {
			needs = append(needs, k)
		}
	}
	n.Needs = needs
	if len(n.Needs) == 0 && n.Reasons == "" && bad["reasons"] == "" && bad["needs"] == "" {
		bad["needs"] = "Choose at least one area of need, or enter the reasons"
	}
	if !n.Consent.Valid() {
		bad["consent_to_share"] = MsgConsent
	}
	if n.Steps.OpinionOn.IsZero() {
		n.Steps.OpinionOn = n.Steps.DefaultOpinionOn(today)
	}
	for f, msg := range n.Steps.Check(n.Kind, today) {
		if _, ok := bad[f]; !ok {
			bad[f] = msg
		}
	}
	return bad
}

// MsgConsent asks for the parent's answer on sharing information, when it
// is missing where a person is asked (the form) or is not one of the
// answers.
const MsgConsent = "Choose whether the parent agreed to information being shared with the local authority"
