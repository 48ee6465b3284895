package s23

import (
	"strings"

	"dco/internal/send"
)

// Letters are plain text templates the ICB edits in Settings, with fields
// written {{child_name}}. Filling one is a single pass of substitution, never
// execution: a template can do nothing but name fields, a field's value is
// inserted as it is and never read again as a template, and a name that is
// not a field is left exactly as written so the person editing sees it. The
// letter is then shown as text, escaped by the page that shows it.

// Field is one field a letter template may use.
type Field struct {
	Name        string
	Description string
}

// Fields are the fields letter templates may use, in the order Settings
// lists them.
var Fields = []Field{
	{"child_name", "the child's given and family name"},
	{"child_given_name", "the child's given name"},
	{"child_family_name", "the child's family name"},
	{"child_date_of_birth", "the child's date of birth, as 17 February 2025"},
	{"child_nhs_number", "the child's NHS number, as 999 123 4567"},
	{"child_postcode", "the child's postcode"},
	{"la_name", "the local authority notified"},
	{"icb_name", "the ICB"},
	{"provider_name", "the health provider making the notification"},
	{"professional", "the professional making the notification"},
	{"service", "their service"},
	{"needs", "the areas of need, one per line"},
	{"reasons", "the reasons for the notification"},
	{"opinion_on", "the date the opinion was formed"},
	{"parent_informed_on", "the date the parent was informed"},
	{"discussion_offered_on", "the date a discussion was offered"},
	{"discussion_held_on", "the date the discussion was held"},
	{"la_notified_on", "the date the LA was notified"},
	{"consent_to_share", "what the parent said about sharing information"},
	{"voluntary_organisations", "the voluntary organisations the parent was told about"},
	{"today", "the date the letter is printed"},
}

// isField reports whether name is a letter field.
func isField(name string) bool {
	for _, f := range Fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// fieldMark is one {{name}} found in a template: where it starts and
// ends, and the name with spaces trimmed.
type fieldMark struct {
	start, end int
	name       string
}

// fieldMarks finds every {{...}} in t, left to right, without nesting.
func fieldMarks(t string) []fieldMark {
	var out []fieldMark
	for i := 0; i < len(t); {
		open := strings.Index(t[i:], "{{")
		if open < 0 {
			break
		}
		open += i
		end := strings.Index(t[open+2:], "}}")
		if end < 0 {
			break
		}
		end += open + 2
		out = append(out, fieldMark{start: open, end: end + 2, name: strings.TrimSpace(t[open+2 : end])})
		i = end + 2
	}
	return out
}

// Fill returns the template with each {{field}} replaced by its value.
// Marks naming no field in values are left as written.
func Fill(template string, values map[string]string) string {
	var b strings.Builder
	last := 0
	for _, p := range fieldMarks(template) {
		v, ok := values[p.name]
		if !ok {
			continue
		}
		b.WriteString(template[last:p.start])
		b.WriteString(v)
		last = p.end
	}
	b.WriteString(template[last:])
	return b.String()
}

// UnknownFields returns the names in {{...}} that are not letter fields, in
// the order they first appear, so Settings can refuse a mistyped template.
func UnknownFields(template string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range fieldMarks(template) {
		if !isField(p.name) && !seen[p.name] {
			seen[p.name] = true
			out = append(out, p.name)
		}
	}
	return out
}

// BlankFields returns the fields the template uses whose values are empty,
// in order of first use, so the print view can say what is missing before
// the letter is sent.
func BlankFields(template string, values map[string]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range fieldMarks(template) {
		if v, ok := values[p.name]; ok && strings.TrimSpace(v) == "" && !seen[p.name] {
			seen[p.name] = true
			out = append(out, p.name)
		}
	}
	return out
}

// Letter is what a letter is filled from, gathered from the notification
// record so that nothing is retyped.
type Letter struct {
	ChildGivenName, ChildFamilyName string
	ChildDateOfBirth                send.Date
	ChildNHSNumber                  send.NHSNumber
	ChildPostcode                   string
	LAName, ICBName, ProviderName   string
	Professional, Service           string
	Needs                           []string // keys of Needs
	Reasons                         string
	Steps                           Steps
	Consent                         Consent
	VoluntaryOrgs                   string
	Today                           send.Date
}

// Values returns the letter's field values. Dates read "17 February 2025";
// a step not yet taken is empty, which BlankFields reports.
func (l Letter) Values() map[string]string {
	date := func(d send.Date) string {
		if d.IsZero() {
			return ""
		}
		return d.Long()
	}
	var needs []string
	for _, k := range l.Needs {
		if label, ok := NeedLabel(k); ok {
			needs = append(needs, label)
		}
	}
	consent := ""
	if l.Consent != ConsentNotRecorded {
		consent = l.Consent.Label()
	}
	nhs := ""
	if l.ChildNHSNumber != "" {
		nhs = l.ChildNHSNumber.String()
	}
	return map[string]string{
		"child_name":              strings.TrimSpace(l.ChildGivenName + " " + l.ChildFamilyName),
		"child_given_name":        l.ChildGivenName,
		"child_family_name":       l.ChildFamilyName,
		"child_date_of_birth":     date(l.ChildDateOfBirth),
		"child_nhs_number":        nhs,
		"child_postcode":          l.ChildPostcode,
		"la_name":                 l.LAName,
		"icb_name":                l.ICBName,
		"provider_name":           l.ProviderName,
		"professional":            l.Professional,
		"service":                 l.Service,
		"needs":                   strings.Join(needs, "\n"),
		"reasons":                 l.Reasons,
		"opinion_on":              date(l.Steps.OpinionOn),
		"parent_informed_on":      date(l.Steps.ParentInformedOn),
		"discussion_offered_on":   date(l.Steps.DiscussionOfferedOn),
		"discussion_held_on":      date(l.Steps.DiscussionHeldOn),
		"la_notified_on":          date(l.Steps.LANotifiedOn),
		"consent_to_share":        consent,
		"voluntary_organisations": l.VoluntaryOrgs,
		"today":                   date(l.Today),
	}
}

// The setting keys of the ICB's S23 configuration.
const (
	SettingStandardDays    = "s23_standard_days"
	SettingAckStandardDays = "s23_ack_standard_days"
	SettingParentLetter    = "s23_parent_letter_template"
	SettingLANotification  = "s23_la_notification_template"
)

// DefaultParentLetter is the letter to the parent when the ICB has not
// written its own: it tells the parent of the opinion and of the duty to
// tell the LA (s.23(2)(a)), offers the discussion (s.23(2)(b)) and names
// the voluntary organisations (s.23(4)).
const DefaultParentLetter = `{{provider_name}}
{{service}}

{{today}}

Dear parent or carer of {{child_name}}

Child: {{child_name}}, born {{child_date_of_birth}}
NHS number: {{child_nhs_number}}

I am writing to confirm what we talked about on {{parent_informed_on}}.

Having worked with {{child_given_name}}, we think that {{child_given_name}} has, or probably has, special educational needs or a disability. The areas we think {{child_given_name}} may need help with are:

{{needs}}

{{reasons}}

Section 23 of the Children and Families Act 2014 means we must tell {{la_name}} about this. The council uses what we tell it to plan support for young children and to make sure help is ready when {{child_given_name}} starts school. Being told about does not by itself mean {{child_given_name}} will get an assessment or extra help, and it does not need you to do anything.

Before we tell the council you can talk this through with us. We offered you that conversation on {{discussion_offered_on}}. If you would like to talk to us, or to talk again, please contact {{professional}}.

These organisations may be able to give you advice and support:

{{voluntary_organisations}}

Yours sincerely

{{professional}}
{{service}}, {{provider_name}}
`

// DefaultLANotification is the notification to the LA when the ICB has not
// written its own (s.23(3)).
const DefaultLANotification = `Notification to {{la_name}} under section 23 of the Children and Families Act 2014

From: {{professional}}, {{service}}, {{provider_name}} ({{icb_name}})
Date: {{la_notified_on}}

Child: {{child_name}}
Date of birth: {{child_date_of_birth}}
NHS number: {{child_nhs_number}}
Postcode: {{child_postcode}}

In the course of our work with this child, who is under compulsory school age, we formed the opinion on {{opinion_on}} that the child has, or probably has, special educational needs or a disability.

Areas of need:
{{needs}}

Reasons:
{{reasons}}

We informed the child's parent of our opinion, and of our duty to tell you, on {{parent_informed_on}}, and offered them the chance to discuss it on {{discussion_offered_on}}.

Consent to share information: {{consent_to_share}}
Voluntary organisations the parent was told about: {{voluntary_organisations}}

Please acknowledge this notification in dco.
`
