package advice

import (
	"strings"

	"dco/internal/send"
)

// Request is an advice request as a person gives it, by any route (the
// form, the JSON API, a requests file): what its one Validate checks. The
// child, the LA, the clock and the version are the store's
// (advicedb.Request, whose Record and SetRecord carry this).
type Request struct {
	LAReference           string
	ReceivedOn            send.Date
	AssessmentRequestedOn send.Date // zero when the LA did not give it
	ServicesRequested     string    // service codes, comma separated (JoinServices)
	RequestNote           string
}

// The limits of a request's own fields.
const (
	MaxLAReference   = 50   // characters
	MaxRequestNote   = 2000 // characters
	MaxReceivedYears = 10   // how far back a date received may be
)

// Validate normalises r (trimmed text, the services once each in the
// list's order) and returns, by field, everything wrong with it as of
// today, in one go: the LA reference, the date received (given, not in the
// future, within MaxReceivedYears), the date the assessment was requested
// (not after the date received), the services and the note. It is the one
// set of rules for a request's own fields: the form, the API, the import
// and the store all call it. The child is child.Validate's; what needs the
// database (the child's scope, a reference already used) the store checks
// after.
func (r *Request) Validate(today send.Date) map[string]string {
	bad := map[string]string{}
	var msg string
	if r.LAReference, msg = (send.TextRule{Label: "the LA reference", Max: MaxLAReference}).Check(r.LAReference); msg != "" {
		bad["la_reference"] = msg
	}
	switch {
	case r.ReceivedOn.IsZero():
		bad["received_on"] = "Enter the date health received the request"
	case r.ReceivedOn.After(today):
		bad["received_on"] = "The date received must be today or in the past"
	case r.ReceivedOn.Before(send.NewDate(today.Year()-MaxReceivedYears, today.Month(), today.Day())):
		bad["received_on"] = "The date received must be within the last 10 years"
	}
	if !r.AssessmentRequestedOn.IsZero() && !r.ReceivedOn.IsZero() && r.AssessmentRequestedOn.After(r.ReceivedOn) {
		bad["assessment_requested_on"] = "The date the assessment was requested must be on or before the date health received the request"
	}
	codes, unknown := JoinServices(SplitServices(r.ServicesRequested))
	if len(unknown) > 0 {
		bad["services_requested"] = "Choose services from the list"
	}
	r.ServicesRequested = codes
	text(bad, "request_note", "the note", &r.RequestNote, MaxRequestNote, false)
	return bad
}

// Part is a clinician's answer to one part of a request (a contribution),
// as any route gives it: written advice, "not known to this service" with
// the checks made, or existing advice reused. An uploaded document is
// checked by SniffDocument.
type Part struct {
	Kind   Kind
	Advice Advice
	Checks Checks
	Reuse  Reuse
	// ReuseOf: the advice reused is an earlier contribution in dco, whose
	// source and date the store fills; only the agreements are checked.
	ReuseOf    bool
	ReturnedOn send.Date
}

// Validate normalises p (what the other kinds of answer hold is cleared,
// text trimmed, blank provision lines dropped) and returns, by field,
// everything wrong with it, in one go: the answer of its kind and the date
// returned, not before received nor after today. reuseMonths is the ICB's
// reuse period (advice_reuse_months). It is the one set of rules for an
// answer: the form and the store both call it.
func (p *Part) Validate(received, today send.Date, reuseMonths int) map[string]string {
	bad := map[string]string{}
	switch p.Kind {
	case KindAdvice:
		bad = CheckAdvice(&p.Advice)
		p.Checks, p.Reuse, p.ReuseOf = Checks{}, Reuse{}, false
	case KindNotKnown:
		bad = CheckNotKnown(&p.Checks)
		p.Advice, p.Reuse, p.ReuseOf = Advice{}, Reuse{}, false
	case KindReuse:
		p.Advice, p.Checks = Advice{}, Checks{}
		if p.ReuseOf {
			CheckReuseAgreed(bad, p.Reuse)
		} else {
			bad = CheckReuse(&p.Reuse, received, today, reuseMonths)
		}
	default:
		bad["kind"] = "Choose how you are answering"
	}
	CheckReturned(bad, "returned_on", p.ReturnedOn, received, today)
	return bad
}

// text is the rule for a clinician's free text (send.TextRule, several
// lines allowed), with the request's own wording when it is missing:
// "Enter " and label. It trims v and adds to bad what is wrong.
func text(bad map[string]string, field, label string, v *string, max int, required bool) {
	if required && strings.TrimSpace(*v) == "" {
		*v = ""
		bad[field] = "Enter " + label
		return
	}
	var msg string
	if *v, msg = (send.TextRule{Label: label, Max: max, Lines: true}).Check(*v); msg != "" {
		bad[field] = msg
	}
}
