package advice

import (
	"fmt"
	"strings"

	"dco/internal/send"
)

// Limits on what a clinician types, so that one record cannot swamp a page
// or the combined response.
const (
	MaxText       = 5000 // needs, outcomes, notes
	MaxShortText  = 500  // each part of a provision line
	MaxReason     = 2000 // an exception's reason
	MaxProvisions = 20
)

// Provision is one line of the provision a clinician recommends. The SEND
// Code of Practice 2015 para 9.69 asks that provision be detailed and
// specific: who provides it, what it is, how often and for how long.
type Provision struct {
	Who      string `json:"who"`
	What     string `json:"what"`
	HowOften string `json:"how_often"`
	HowLong  string `json:"how_long"`
}

// Empty reports whether nothing was typed on the line.
func (p Provision) Empty() bool {
	return strings.TrimSpace(p.Who+p.What+p.HowOften+p.HowLong) == ""
}

// Advice is a contribution written in dco: the child's health needs, the
// provision recommended for them and the outcomes it should achieve.
type Advice struct {
	Needs     string      `json:"needs"`
	Provision []Provision `json:"provision"`
	Outcomes  string      `json:"outcomes"`
}

// Checks are what a service did before answering "not known to this
// service": BSW's HAS model reviews the records, talks to the family and
// asks the school SENCO (BSW ICB DCO annual report 2022-23, section 7).
type Checks struct {
	RecordsReviewed bool   `json:"records_reviewed"`
	FamilyContacted bool   `json:"family_contacted"`
	SENCOContacted  bool   `json:"senco_contacted"`
	Note            string `json:"note"`
}

// Any reports whether at least one check was made.
func (c Checks) Any() bool { return c.RecordsReviewed || c.FamilyContacted || c.SENCOContacted }

// CheckAdvice normalises written advice and returns what is wrong with it,
// by field: needs, outcomes, provision, and provision-N-who (N from 1) for
// one part of one line. Blank provision lines are dropped; at least one is
// needed, because advice that names needs and no provision leaves Section G
// of the plan empty.
func CheckAdvice(a *Advice) map[string]string {
	bad := map[string]string{}
	text(bad, "needs", "the child's health needs", &a.Needs, MaxText, true)
	text(bad, "outcomes", "the outcomes the provision should achieve", &a.Outcomes, MaxText, true)
	var kept []Provision
	for _, p := range a.Provision {
		if !p.Empty() {
			kept = append(kept, p)
		}
	}
	a.Provision = kept
	switch {
	case len(kept) == 0:
		bad["provision"] = "Enter at least one line of provision: who, what, how often and for how long"
	case len(kept) > MaxProvisions:
		bad["provision"] = fmt.Sprintf("Enter %d lines of provision or fewer", MaxProvisions)
	}
	for i := range a.Provision {
		p := &a.Provision[i]
		n := fmt.Sprintf("provision-%d-", i+1)
		text(bad, n+"who", fmt.Sprintf("who provides provision %d", i+1), &p.Who, MaxShortText, true)
		text(bad, n+"what", fmt.Sprintf("what provision %d is", i+1), &p.What, MaxShortText, true)
		text(bad, n+"how_often", fmt.Sprintf("how often provision %d happens", i+1), &p.HowOften, MaxShortText, true)
		text(bad, n+"how_long", fmt.Sprintf("how long provision %d lasts", i+1), &p.HowLong, MaxShortText, true)
	}
	return bad
}

// CheckNotKnown checks a "not known to this service" answer: at least one
// check must have been made, so that the answer is evidence and not a gap.
func CheckNotKnown(c *Checks) map[string]string {
	bad := map[string]string{}
	if !c.Any() {
		bad["checks"] = "Select the checks made before saying the child is not known to this service"
	}
	text(bad, "checks_note", "what the checks found", &c.Note, MaxText, false)
	return bad
}

// CheckReturned checks the date something was returned: not before the
// request was received, not in the future.
func CheckReturned(bad map[string]string, field string, returned, received, today send.Date) {
	checkClosedOn(bad, field, "returned", returned, received, today)
}

// CheckWithdrawn checks the date the LA withdrew a request, by the same
// rules as a return: not before the request was received, not in the future.
func CheckWithdrawn(bad map[string]string, field string, withdrawn, received, today send.Date) {
	checkClosedOn(bad, field, "withdrawn", withdrawn, received, today)
}

// checkClosedOn checks the date a request or a part was closed, the way
// ("returned", "withdrawn") named in the message.
func checkClosedOn(bad map[string]string, field, how string, on, received, today send.Date) {
	switch {
	case on.IsZero():
		bad[field] = "Enter the date it was " + how
	case on.Before(received):
		bad[field] = "The date " + how + " must be on or after the date the request was received, " + received.Long()
	case on.After(today):
		bad[field] = "The date " + how + " must be today or in the past"
	}
}

// Exception is a recorded reg 8(2) exception: which one, why, and when it
// happened.
type Exception struct {
	Kind   send.Exception
	Reason string
	On     send.Date
}

// CheckException checks an exception against the request it pauses. It
// must be one of reg 8(2)'s, with a reason and a date no earlier than the
// request and no later than today; a missed appointment counts only if it
// fell within the six weeks (reg 8(2)).
func CheckException(e *Exception, received, due, today send.Date) map[string]string {
	bad := map[string]string{}
	if e.Kind == "" {
		bad["exception"] = "Select the reg 8(2) exception"
	} else if _, err := send.ParseException(string(e.Kind)); err != nil {
		bad["exception"] = "Select one of the reg 8(2) exceptions"
	}
	text(bad, "exception_reason", "the reason", &e.Reason, MaxReason, true)
	switch {
	case e.On.IsZero():
		bad["exception_on"] = "Enter the date of the exception"
	case e.On.Before(received):
		bad["exception_on"] = "The date of the exception must be on or after the date the request was received, " + received.Long()
	case e.On.After(today):
		bad["exception_on"] = "The date of the exception must be today or in the past"
	case e.Kind == send.ExceptionMissedAppointment && e.On.After(due):
		bad["exception_on"] = "A missed appointment counts only if it was within the six weeks, on or before " + due.Long()
	}
	return bad
}

// Reuse is advice already given for another purpose, offered for this
// assessment (SEND Regulations 2014 reg 6(4)): what it is, when it was
// written, and who is satisfied that it is sufficient. Reg 6(4): the LA
// "must not seek" fresh advice where advice has already been provided and
// "the person providing that advice, the local authority and the child's
// parent or the young person are satisfied that it is sufficient"; all
// three agreements are needed to reuse it.
type Reuse struct {
	Source string
	Dated  send.Date
	// AuthorAgreed: the person who provided the advice is satisfied it is
	// sufficient for this assessment.
	AuthorAgreed bool
	// LAAgreed: the local authority is.
	LAAgreed bool
	// FamilyAgreed: the child's parent, or the young person, is.
	FamilyAgreed bool
}

// The parties whose agreement reg 6(4) asks for, as pages name them.
const (
	PartyAuthor = "the person who wrote the advice"
	PartyLA     = "the local authority"
	PartyFamily = "the child's parent or the young person"
)

// Missing names the parties whose agreement is not recorded, in the order
// reg 6(4) lists them; none when the advice may be reused.
func (r Reuse) Missing() []string {
	var out []string
	if !r.AuthorAgreed {
		out = append(out, PartyAuthor)
	}
	if !r.LAAgreed {
		out = append(out, PartyLA)
	}
	if !r.FamilyAgreed {
		out = append(out, PartyFamily)
	}
	return out
}

// Agreed reports whether all three parties are recorded as satisfied that
// the advice is sufficient.
func (r Reuse) Agreed() bool { return len(r.Missing()) == 0 }

// AgreementText words the recorded agreement for a page: who agreed, or
// whose agreement is not recorded (advice reused before dco recorded it).
func (r Reuse) AgreementText() string {
	if r.Agreed() {
		return "Agreed to be sufficient by " + PartyAuthor + ", " + PartyLA + " and " + PartyFamily + " (reg 6(4))."
	}
	return "Agreement that it is sufficient not recorded for " + joinAnd(r.Missing()) + "."
}

// joinAnd writes "a", "a and b", "a, b and c".
func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// CheckReuseAgreed checks that all three agreements reg 6(4) asks for are
// recorded, adding to bad under reuse_agreed.
func CheckReuseAgreed(bad map[string]string, r Reuse) {
	if m := r.Missing(); len(m) > 0 {
		bad["reuse_agreed"] = "Existing advice can be reused only if " + PartyAuthor + ", " + PartyLA + " and " + PartyFamily +
			" are all satisfied it is sufficient (SEND Regulations 2014 reg 6(4)): confirm the agreement of " + joinAnd(m)
	}
}

// ReuseFrom is the earliest date existing advice may carry and still be
// offered for reuse: months before the request was received, months being
// the ICB's setting advice_reuse_months. Reg 6(4) sets no period; it asks
// that the advice be sufficient, and the ICB's period is how the DCO judges
// it is recent enough to offer. A month is counted as send.Date.AddMonths
// counts one.
func ReuseFrom(received send.Date, months int) send.Date {
	return received.AddMonths(-months)
}

// DefaultReuseMonths is advice_reuse_months when the setting is not made.
const DefaultReuseMonths = 12

// CheckReuse checks advice offered for reuse: it must say what the advice
// is, be dated within the reuse period and not after today, and have the
// three agreements of CheckReuseAgreed.
func CheckReuse(r *Reuse, received, today send.Date, months int) map[string]string {
	bad := map[string]string{}
	CheckReuseAgreed(bad, *r)
	text(bad, "reuse_source", "what the existing advice is, who wrote it and for what purpose", &r.Source, MaxShortText, true)
	from := ReuseFrom(received, months)
	switch {
	case r.Dated.IsZero():
		bad["reuse_dated"] = "Enter the date the existing advice was written"
	case r.Dated.Before(from):
		bad["reuse_dated"] = fmt.Sprintf("Advice written before %s is older than %d months and cannot be offered for reuse", from.Long(), months)
	case r.Dated.After(today):
		bad["reuse_dated"] = "The date the existing advice was written must be today or in the past"
	}
	return bad
}

// CheckRecord checks a request as a spreadsheet of past work records it
// (the date received itself is Request.Validate's): the date returned, the outcome and any exception. An open
// request (no outcome) has no return date; a closed one has one, on or
// after the date received. An exception needs its date, within the
// request's life, and a missed appointment must fall within the six weeks
// (reg 8(2)). Fields are keyed by the spreadsheet's column names.
func CheckRecord(received, due, returned, today send.Date, outcome Outcome, exc send.Exception, excOn send.Date) map[string]string {
	bad := map[string]string{}
	switch {
	case outcome == "" && !returned.IsZero():
		bad["outcome"] = "returned_on is set but outcome is empty: give advice, not_known or withdrawn"
	case outcome != "" && returned.IsZero():
		bad["returned_on"] = "outcome is " + string(outcome) + " but returned_on is empty"
	case !returned.IsZero() && !received.IsZero() && returned.Before(received):
		bad["returned_on"] = "returned_on " + returned.String() + " is before received_on " + received.String()
	case returned.After(today):
		bad["returned_on"] = "returned_on " + returned.String() + " is in the future"
	}
	switch {
	case exc == "" && !excOn.IsZero():
		bad["exception"] = "exception_on is set but exception is empty"
	case exc == "":
	case excOn.IsZero():
		bad["exception_on"] = "exception is " + string(exc) + " but exception_on is empty"
	case !received.IsZero() && excOn.Before(received):
		bad["exception_on"] = "exception_on " + excOn.String() + " is before received_on " + received.String()
	case !returned.IsZero() && excOn.After(returned):
		bad["exception_on"] = "exception_on " + excOn.String() + " is after returned_on " + returned.String()
	case excOn.After(today):
		bad["exception_on"] = "exception_on " + excOn.String() + " is in the future"
	case exc == send.ExceptionMissedAppointment && !due.IsZero() && excOn.After(due):
		bad["exception_on"] = "exception_on " + excOn.String() + " is after the six weeks ended on " + due.String() +
			": a missed appointment counts only within them"
	}
	return bad
}
