package send

import (
	"errors"
	"fmt"
	"time"
)

// The statutory clocks dco runs (docs/design.md §4). Each name is the rule's key in
// the database, the API and `dco clock`; Rules gives the wording and the
// arithmetic.
const (
	// RuleHealthAdvice: a health body asked by the LA for advice and
	// information for an EHC needs assessment must give it within 6 weeks of
	// the request. SEND Regulations 2014 reg 8(1); reg 8(2) lifts the time
	// limit for a missed appointment, exceptional personal circumstances or
	// absence from the area for 4 weeks or more.
	RuleHealthAdvice = "health-advice"

	// RuleAssessmentDecision: the LA must tell the family whether it will
	// carry out an EHC needs assessment within 6 weeks of receiving the
	// request. SEND Regulations 2014 reg 5(1).
	RuleAssessmentDecision = "assessment-decision"

	// RuleNoPlanDecision: an LA that decides after assessment not to issue
	// an EHC plan must say so within 16 weeks of the request for assessment.
	// SEND Regulations 2014 reg 10(1).
	RuleNoPlanDecision = "no-plan-decision"

	// RuleFinalPlan: the final EHC plan must be issued within 20 weeks of
	// the LA receiving the request for assessment. SEND Regulations 2014
	// reg 13(2).
	RuleFinalPlan = "final-plan"

	// RuleDraftComments: the family has at least 15 days to comment on the
	// draft plan and ask for a school, "beginning with the day on which the
	// draft plan was served" (SEND Regulations 2014 reg 13(1)(a)). The day
	// served is day 1, so the 15th and last day is 14 days after it: a
	// draft served on 1 March may be answered up to 15 March.
	RuleDraftComments = "draft-comments"

	// RuleAnnualReview: the LA must review an EHC plan within 12 months of
	// its making and then of each review. Children and Families Act 2014
	// s.44(1).
	RuleAnnualReview = "annual-review"

	// RuleReviewReport: the report of a review meeting goes to everyone
	// invited within 2 weeks of the meeting. SEND Regulations 2014
	// regs 20–21.
	RuleReviewReport = "review-report"

	// RuleReviewDecision: the LA decides whether to keep, amend or cease the
	// plan, and tells the family, within 4 weeks of the review meeting. SEND
	// Regulations 2014 regs 20–21.
	RuleReviewDecision = "review-decision"

	// RulePhaseTransfer: before a move between phases of education the plan
	// must be reviewed and amended by 15 February of the calendar year of the
	// move. SEND Regulations 2014 reg 18(1)(b).
	RulePhaseTransfer = "phase-transfer"

	// RulePhaseTransferPost16: for a move from secondary school to a post-16
	// institution the date is 31 March of the calendar year of the move. SEND
	// Regulations 2014 reg 18(1)(a).
	RulePhaseTransferPost16 = "phase-transfer-post16"

	// RuleReg6Response: the ICB answers the First-tier Tribunal's health care
	// recommendations in writing within 5 weeks of receiving them. The
	// Special Educational Needs and Disability (First-tier Tribunal
	// Recommendations Power) Regulations 2017 (SI 2017/1306) reg 6.
	RuleReg6Response = "reg6-response"

	// RuleMediationArranged: when the mediation issues are about health care
	// provision only, the commissioning body must arrange mediation within
	// 30 days of the LA telling it the issues. SEND Regulations 2014
	// regs 32–42; Children and Families Act 2014 ss.53–55.
	RuleMediationArranged = "mediation-arranged"

	// RuleMediationCertificate: the mediation adviser issues the certificate
	// within 3 working days of the mediation ending or of the family
	// declining it. SEND Regulations 2014 regs 32–42 (reg 34 where mediation
	// is declined); Children and Families Act 2014 s.55.
	RuleMediationCertificate = "mediation-certificate"
)

// Rule is one statutory clock: what must happen, counted from what, by what
// arithmetic, and the law that says so.
type Rule struct {
	Name       string // key, e.g. "health-advice"
	Title      string // what must happen, e.g. "Health advice to the LA"
	From       string // the event the clock starts from
	Arithmetic string // how the deadline is counted, e.g. "6 weeks (42 days)"
	Citation   string // the Act or regulation
	Who        string // who must act
	// WorkingDays is true when the rule counts working days, so that its
	// deadline depends on the bank holidays and can be provisional.
	WorkingDays bool

	due func(c *Calendar, from Date) (Date, bool)
}

// weeks is "within n weeks of D": D + 7n days (docs/design.md §4). The deadline is
// that date whatever day of the week it falls on.
func weeks(n int) func(*Calendar, Date) (Date, bool) {
	return func(_ *Calendar, d Date) (Date, bool) { return d.AddDays(7 * n), false }
}

// days is "within n days of D": D + n.
func days(n int) func(*Calendar, Date) (Date, bool) {
	return func(_ *Calendar, d Date) (Date, bool) { return d.AddDays(n), false }
}

// daysBeginningWith is "n days beginning with D": D is the first of the n
// days, so the last is D + n − 1.
func daysBeginningWith(n int) func(*Calendar, Date) (Date, bool) {
	return days(n - 1)
}

func months(n int) func(*Calendar, Date) (Date, bool) {
	return func(_ *Calendar, d Date) (Date, bool) { return d.AddMonths(n), false }
}

func workingDays(n int) func(*Calendar, Date) (Date, bool) {
	return func(c *Calendar, d Date) (Date, bool) { return c.AddWorkingDays(d, n) }
}

// inYearOf gives a fixed day of the calendar year of the date given: the
// phase-transfer rules take the date of the move.
func inYearOf(m time.Month, day int) func(*Calendar, Date) (Date, bool) {
	return func(_ *Calendar, d Date) (Date, bool) { return NewDate(d.Year(), m, day), false }
}

// rules is the table of docs/design.md §4, in its order.
var rules = []Rule{
	{
		Name: RuleHealthAdvice, Title: "Health advice to the LA",
		From:       "request for advice received by health",
		Arithmetic: "6 weeks (42 days)",
		Citation:   "SEND Regulations 2014 reg 8(1); exceptions reg 8(2)",
		Who:        "health body", due: weeks(6),
	},
	{
		Name: RuleAssessmentDecision, Title: "LA decides whether to assess",
		From:       "request for an EHC needs assessment",
		Arithmetic: "6 weeks (42 days)",
		Citation:   "SEND Regulations 2014 reg 5(1)",
		Who:        "LA", due: weeks(6),
	},
	{
		Name: RuleNoPlanDecision, Title: "LA decides not to issue a plan",
		From:       "request for an EHC needs assessment",
		Arithmetic: "16 weeks (112 days)",
		Citation:   "SEND Regulations 2014 reg 10(1)",
		Who:        "LA", due: weeks(16),
	},
	{
		Name: RuleFinalPlan, Title: "Final EHC plan issued",
		From:       "request for an EHC needs assessment",
		Arithmetic: "20 weeks (140 days)",
		Citation:   "SEND Regulations 2014 reg 13(2)",
		Who:        "LA", due: weeks(20),
	},
	{
		Name: RuleDraftComments, Title: "Comments on a draft plan",
		From:       "draft plan served",
		Arithmetic: "15 days, counting the day served",
		Citation:   "SEND Regulations 2014 reg 13(1)(a)",
		Who:        "parent or young person", due: daysBeginningWith(15),
	},
	{
		Name: RuleAnnualReview, Title: "Annual review of the plan",
		From:       "plan issued, or last review",
		Arithmetic: "12 calendar months",
		Citation:   "Children and Families Act 2014 s.44(1)",
		Who:        "LA", due: months(12),
	},
	{
		Name: RuleReviewReport, Title: "Review report sent",
		From:       "review meeting",
		Arithmetic: "2 weeks (14 days)",
		Citation:   "SEND Regulations 2014 regs 20–21",
		Who:        "school or LA", due: weeks(2),
	},
	{
		Name: RuleReviewDecision, Title: "LA decision after a review",
		From:       "review meeting",
		Arithmetic: "4 weeks (28 days)",
		Citation:   "SEND Regulations 2014 regs 20–21",
		Who:        "LA", due: weeks(4),
	},
	{
		Name: RulePhaseTransfer, Title: "Plan amended for a phase transfer",
		From:       "date of the move",
		Arithmetic: "15 February of the year of the move",
		Citation:   "SEND Regulations 2014 reg 18(1)(b)",
		Who:        "LA", due: inYearOf(time.February, 15),
	},
	{
		Name: RulePhaseTransferPost16, Title: "Plan amended for a move to post-16",
		From:       "date of the move",
		Arithmetic: "31 March of the year of the move",
		Citation:   "SEND Regulations 2014 reg 18(1)(a)",
		Who:        "LA", due: inYearOf(time.March, 31),
	},
	{
		Name: RuleReg6Response, Title: "ICB response to tribunal recommendations",
		From:       "recommendation received",
		Arithmetic: "5 weeks (35 days)",
		Citation:   "SI 2017/1306 reg 6",
		Who:        "ICB", due: weeks(5),
	},
	{
		Name: RuleMediationArranged, Title: "Health mediation arranged",
		From:       "ICB informed",
		Arithmetic: "30 days",
		Citation:   "SEND Regulations 2014 regs 32–42",
		Who:        "ICB", due: days(30),
	},
	{
		Name: RuleMediationCertificate, Title: "Mediation certificate issued",
		From:       "mediation ends or is declined",
		Arithmetic: "3 working days",
		Citation:   "SEND Regulations 2014 regs 32–42",
		Who:        "mediation adviser", WorkingDays: true, due: workingDays(3),
	},
}

// Rules returns every statutory clock, in the order of docs/design.md §4.
func Rules() []Rule { return append([]Rule(nil), rules...) }

// LookupRule returns the rule with the given name.
func LookupRule(name string) (Rule, bool) {
	for _, r := range rules {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}

// ErrUnknownRule is returned by Deadline for a name that is not a rule.
var ErrUnknownRule = errors.New("unknown rule")

// Deadline is a computed statutory deadline.
type Deadline struct {
	Rule        string
	From        Date
	Due         Date
	Provisional bool // counted working days beyond the published bank holidays
}

// Deadline computes rule's deadline for a clock started on from.
func (c *Calendar) Deadline(rule string, from Date) (Deadline, error) {
	r, ok := LookupRule(rule)
	if !ok {
		return Deadline{}, fmt.Errorf("%w %q", ErrUnknownRule, rule)
	}
	if from.IsZero() {
		return Deadline{}, fmt.Errorf("%s: the date the clock starts from is not set", rule)
	}
	due, provisional := r.due(c, from)
	return Deadline{Rule: rule, From: from, Due: due, Provisional: provisional}, nil
}
