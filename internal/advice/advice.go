// Package advice holds the rules of health advice for EHC needs
// assessments: the LA asks the health body for advice and information, and
// the health body must give it within 6 weeks of receiving the request
// (SEND Regulations 2014 reg 8(1)) unless a reg 8(2) exception applies.
//
// It is pure: it derives a request's status from its facts and today's
// date, sorts requests into the work queues every home page shows, checks
// what a clinician records, and counts the on-time measure. Deadlines and
// the horizons of the work queues (due soon, due this week) come from
// internal/send and nowhere else (docs/design.md §4); this package only compares
// dates. The one date it works out itself is ReuseFrom, the start of the
// ICB's local look-back period for reusing advice, which is not a
// deadline: it is counted in calendar months by send.Date.AddMonths.
package advice

import (
	"fmt"
	"slices"
	"strings"

	"dco/internal/send"
)

// Due returns the reg 8(1) deadline for a request received by health on
// received: the health-advice rule of the statutory clock.
func Due(cal *send.Calendar, received send.Date) (send.Date, error) {
	d, err := cal.Deadline(send.RuleHealthAdvice, received)
	if err != nil {
		return send.Date{}, err
	}
	return d.Due, nil
}

// FinalPlanDue returns the LA's own 20-week deadline for the final EHC plan
// (SEND Regulations 2014 reg 13(2)), counted from the request for an EHC
// needs assessment, shown beside the health deadline for context. It is the
// zero date when the LA did not say when the assessment was requested.
func FinalPlanDue(cal *send.Calendar, assessmentRequested send.Date) send.Date {
	if assessmentRequested.IsZero() {
		return send.Date{}
	}
	d, err := cal.Deadline(send.RuleFinalPlan, assessmentRequested)
	if err != nil {
		return send.Date{}
	}
	return d.Due
}

// State is where a request stands in its life: open until it is returned
// to the LA or withdrawn.
type State string

// The states.
const (
	StateOpen      State = "open"
	StateReturned  State = "returned"
	StateWithdrawn State = "withdrawn"
)

// Triage is what the DCO found about the child when the request came in:
// whether any health service knows them. A child known to no service is
// the HAS team's light-touch holistic assessment (BSW ICB DCO annual report
// 2022-23, section 7).
type Triage string

// The triage answers; "" is not triaged yet.
const (
	TriageKnown       Triage = "known"
	TriageNotKnown    Triage = "not_known"
	TriageWaitingList Triage = "waiting_list"
)

// Triages lists the triage answers in the order forms offer them.
func Triages() []Triage { return []Triage{TriageKnown, TriageNotKnown, TriageWaitingList} }

// ParseTriage reads a triage code; "" is not triaged.
func ParseTriage(s string) (Triage, error) {
	if s == "" {
		return "", nil
	}
	for _, t := range Triages() {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("%q is not a triage answer: use known, not_known or waiting_list", s)
}

// Label words the triage answer for a page.
func (t Triage) Label() string {
	switch t {
	case TriageKnown:
		return "Known to health services"
	case TriageNotKnown:
		return "Not known to any health service"
	case TriageWaitingList:
		return "On a waiting list"
	case "":
		return "Not triaged"
	}
	return string(t)
}

// Outcome is what the health body's combined response to the LA said.
type Outcome string

// The outcomes of a request; "" while it is open.
const (
	// OutcomeAdvice: at least one service gave advice.
	OutcomeAdvice Outcome = "advice"
	// OutcomeNotKnown: the child is not known to any health service, and
	// the checks made to establish that are recorded. It is an answer to
	// the LA, not a gap.
	OutcomeNotKnown Outcome = "not_known"
	// OutcomeWithdrawn: the LA withdrew the request.
	OutcomeWithdrawn Outcome = "withdrawn"
)

// ParseOutcome reads an outcome code; "" is none.
func ParseOutcome(s string) (Outcome, error) {
	switch o := Outcome(s); o {
	case "", OutcomeAdvice, OutcomeNotKnown, OutcomeWithdrawn:
		return o, nil
	}
	return "", fmt.Errorf("%q is not an outcome: use advice, not_known or withdrawn", s)
}

// Label words the outcome for a page.
func (o Outcome) Label() string {
	switch o {
	case OutcomeAdvice:
		return "Health advice given"
	case OutcomeNotKnown:
		return "Not known to health services"
	case OutcomeWithdrawn:
		return "Withdrawn by the LA"
	case "":
		return "Not returned yet"
	}
	return string(o)
}

// Kind is how one contribution was answered; "" while it is open.
type Kind string

// The kinds of answer.
const (
	// KindAdvice: advice written in dco: needs, provision, outcomes.
	KindAdvice Kind = "advice"
	// KindDocument: advice written elsewhere and uploaded.
	KindDocument Kind = "document"
	// KindNotKnown: the child is not known to this service; the checks
	// made are recorded.
	KindNotKnown Kind = "not_known"
	// KindReuse: advice already given for another purpose, reused with the
	// agreement of its author, the LA and the family (SEND Regulations 2014
	// reg 6(4)).
	KindReuse Kind = "reuse"
)

// Label words the kind of answer for a page.
func (k Kind) Label() string {
	switch k {
	case KindAdvice:
		return "Advice written"
	case KindDocument:
		return "Advice uploaded"
	case KindNotKnown:
		return "Not known to this service"
	case KindReuse:
		return "Existing advice reused"
	case "":
		return "Not returned yet"
	}
	return string(k)
}

// OutcomeOf is the outcome of a combined response made of contributions of
// these kinds: advice if any service gave some, otherwise not known.
func OutcomeOf(kinds []Kind) Outcome {
	for _, k := range kinds {
		if k != KindNotKnown {
			return OutcomeAdvice
		}
	}
	return OutcomeNotKnown
}

// Service is a health service that may be asked for advice or contribute it.
type Service struct {
	Code  string
	Label string
}

// ServiceHAS is the Health Advisers for SEND team, which makes a
// light-touch holistic assessment of children on no community health
// caseload (BSW ICB DCO annual report 2022-23, section 7).
const ServiceHAS = "has"

// services are the children's health services an ICB's advice comes from.
var services = []Service{
	{"paediatrics", "Community paediatrics"},
	{"salt", "Speech and language therapy"},
	{"ot", "Occupational therapy"},
	{"physio", "Physiotherapy"},
	{"camhs", "Mental health (CAMHS)"},
	{"health_visiting", "Health visiting"},
	{"school_nursing", "School nursing"},
	{"audiology", "Audiology"},
	{"vision", "Vision and orthoptics"},
	{"dietetics", "Dietetics"},
	{"continuing_care", "Children's continuing care"},
	{"acute", "Hospital specialist"},
	{ServiceHAS, "Health Advisers for SEND (HAS) team"},
}

// Services lists the services in the order forms offer them.
func Services() []Service { return slices.Clone(services) }

// ServiceLabel names a service by its code; an unknown code is shown as it is.
func ServiceLabel(code string) string {
	for _, s := range services {
		if s.Code == code {
			return s.Label
		}
	}
	return code
}

// ValidService reports whether code names a service.
func ValidService(code string) bool {
	for _, s := range services {
		if s.Code == code {
			return true
		}
	}
	return false
}

// JoinServices stores a set of service codes as one comma-separated value,
// in the order of Services and without repeats; it returns the codes that
// are not services.
func JoinServices(codes []string) (string, []string) {
	want := map[string]bool{}
	var bad []string
	for _, c := range codes {
		c = strings.TrimSpace(c)
		switch {
		case c == "":
		case ValidService(c):
			want[c] = true
		default:
			bad = append(bad, c)
		}
	}
	var out []string
	for _, s := range services {
		if want[s.Code] {
			out = append(out, s.Code)
		}
	}
	return strings.Join(out, ","), bad
}

// SplitServices reads a stored set of service codes.
func SplitServices(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// ServiceLabels names a stored set of services: "Audiology, Physiotherapy".
func ServiceLabels(v string) string {
	codes := SplitServices(v)
	labels := make([]string, len(codes))
	for i, c := range codes {
		labels[i] = ServiceLabel(c)
	}
	return strings.Join(labels, ", ")
}
