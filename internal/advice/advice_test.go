package advice

import (
	"strings"
	"testing"

	"dco/internal/send"
)

func date(t *testing.T, s string) send.Date {
	t.Helper()
	d, err := send.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The six weeks of reg 8(1) are calendar weeks: Christmas, New Year and
// Easter do not move the deadline, even when it falls on one of them.
func TestDueIsSixCalendarWeeks(t *testing.T) {
	cal := send.DefaultCalendar()
	tests := []struct {
		name, received, want string
	}{
		{"ordinary", "2025-06-02", "2025-07-14"},
		{"across Christmas and New Year", "2024-12-02", "2025-01-13"},
		{"received on Christmas Day", "2023-12-25", "2024-02-05"},
		{"due on New Year's Day, a bank holiday", "2024-11-20", "2025-01-01"},
		{"due on Boxing Day", "2024-11-14", "2024-12-26"},
		{"received on Good Friday", "2024-03-29", "2024-05-10"},
		{"due on Easter Monday 2025", "2025-03-10", "2025-04-21"},
		{"across the one-off holiday of 8 May 2023", "2023-04-10", "2023-05-22"},
		{"across a leap day", "2024-02-01", "2024-03-14"},
		{"received on a Saturday", "2025-06-07", "2025-07-19"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Due(cal, date(t, tc.received))
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tc.want {
				t.Errorf("due for %s: got %s, want %s", tc.received, got, tc.want)
			}
		})
	}
	if _, err := Due(cal, send.Date{}); err == nil {
		t.Errorf("due for no date: got no error")
	}
}

func TestFinalPlanDue(t *testing.T) {
	cal := send.DefaultCalendar()
	if got := FinalPlanDue(cal, date(t, "2025-01-06")); got.String() != "2025-05-26" {
		t.Errorf("final plan due: got %s, want 2025-05-26 (20 weeks, reg 13(2))", got)
	}
	if got := FinalPlanDue(cal, send.Date{}); !got.IsZero() {
		t.Errorf("final plan due with no start: got %s, want none", got)
	}
}

// "Due soon" counts five working days, so it reaches further over Christmas.
func TestClockSoonCountsWorkingDays(t *testing.T) {
	cal := send.DefaultCalendar()
	tests := []struct{ today, soon string }{
		{"2025-06-02", "2025-06-09"}, // Monday: next Monday
		{"2024-12-20", "2024-12-31"}, // Friday before Christmas: 25 and 26 December are skipped
		{"2025-04-17", "2025-04-28"}, // Thursday before Easter: Good Friday and Easter Monday skipped
	}
	for _, tc := range tests {
		c := NewClock(cal, date(t, tc.today))
		if c.Soon.String() != tc.soon {
			t.Errorf("soon from %s: got %s, want %s", tc.today, c.Soon, tc.soon)
		}
		if c.WeekEnd.String() != date(t, tc.today).AddDays(7).String() {
			t.Errorf("week end from %s: got %s", tc.today, c.WeekEnd)
		}
	}
}

func TestStatus(t *testing.T) {
	c := NewClock(send.DefaultCalendar(), date(t, "2025-06-02")) // Monday; soon = 9 June
	due := func(s string) send.Date { return date(t, s) }
	tests := []struct {
		name   string
		f      Facts
		want   Status
		colour string
	}{
		{"new, not triaged", Facts{State: StateOpen, Due: due("2025-07-01")}, StatusNotStarted, "grey"},
		{"triaged", Facts{State: StateOpen, Due: due("2025-07-01"), Started: true}, StatusInProgress, "blue"},
		{"due in five working days", Facts{State: StateOpen, Due: due("2025-06-09"), Started: true}, StatusDueSoon, "orange"},
		{"due in six working days", Facts{State: StateOpen, Due: due("2025-06-10"), Started: true}, StatusInProgress, "blue"},
		{"due soon and not triaged", Facts{State: StateOpen, Due: due("2025-06-03")}, StatusDueSoon, "orange"},
		{"due today", Facts{State: StateOpen, Due: due("2025-06-02"), Started: true}, StatusDueSoon, "orange"},
		{"a day overdue", Facts{State: StateOpen, Due: due("2025-06-01"), Started: true}, StatusOverdue, "red"},
		{"overdue with an exception", Facts{State: StateOpen, Due: due("2025-05-01"), Exception: send.ExceptionAbsentFromArea}, StatusPaused, "purple"},
		{"returned on the due date", Facts{State: StateReturned, Due: due("2025-05-30"), Returned: due("2025-05-30")}, StatusOnTime, "green"},
		{"returned a day late", Facts{State: StateReturned, Due: due("2025-05-30"), Returned: due("2025-05-31")}, StatusLate, "yellow"},
		{"withdrawn", Facts{State: StateWithdrawn, Due: due("2025-05-01")}, StatusWithdrawn, "grey"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Status(tc.f)
			if got != tc.want || got.Colour() != tc.colour {
				t.Errorf("got %s (%s), want %s (%s)", got, got.Colour(), tc.want, tc.colour)
			}
			if got.Label() == "" || got.Label() == string(got) {
				t.Errorf("status %s has no label", got)
			}
			if _, ok := ParseStatus(string(got)); !ok {
				t.Errorf("status %s does not parse", got)
			}
		})
	}
	if got := c.DueText(Facts{State: StateOpen, Due: date(t, "2025-05-28")}); got != "5 days overdue" {
		t.Errorf("due text: got %q", got)
	}
	if got := c.DueText(Facts{State: StateReturned, Due: date(t, "2025-05-28")}); got != "" {
		t.Errorf("due text when returned: got %q, want none", got)
	}
}

func TestQueues(t *testing.T) {
	c := NewClock(send.DefaultCalendar(), date(t, "2025-06-02"))
	open := func(due string, exc send.Exception, started, unassigned bool) QueueFacts {
		return QueueFacts{Facts: Facts{State: StateOpen, Due: date(t, due), Exception: exc, Started: started}, Unassigned: unassigned}
	}
	tests := []struct {
		name string
		f    QueueFacts
		want []Queue
	}{
		{"overdue", open("2025-06-01", "", true, false), []Queue{QueueOverdue, QueueAtRisk}},
		{"due today", open("2025-06-02", "", true, false), []Queue{QueueDueThisWeek, QueueAtRisk}},
		{"due in seven days", open("2025-06-09", "", true, false), []Queue{QueueDueThisWeek, QueueAtRisk}},
		{"due in eight days", open("2025-06-10", "", true, false), nil},
		{"not triaged, due later", open("2025-07-01", "", false, false), []Queue{QueueUnassigned}},
		{"a contribution with no clinician", open("2025-07-01", "", true, true), []Queue{QueueUnassigned}},
		{"overdue with an exception", open("2025-05-01", send.ExceptionMissedAppointment, true, false), []Queue{QueuePaused, QueueAtRisk}},
		{"returned", QueueFacts{Facts: Facts{State: StateReturned, Due: date(t, "2025-05-01")}}, nil},
		{"withdrawn", QueueFacts{Facts: Facts{State: StateWithdrawn, Due: date(t, "2025-05-01")}, Unassigned: true}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []Queue
			for _, q := range Queues() {
				if c.In(q, tc.f) {
					got = append(got, q)
				}
			}
			if !sameQueues(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// A request whose parts are all answered waits on the DCO team alone, to
// send the combined response; one with no parts, or a part still open, or
// already closed, does not.
func TestToReturn(t *testing.T) {
	tests := []struct {
		name             string
		state            State
		parts, openParts int
		want             bool
	}{
		{"every part answered", StateOpen, 2, 0, true},
		{"one part answered", StateOpen, 1, 0, true},
		{"one of two parts open", StateOpen, 2, 1, false},
		{"no parts yet", StateOpen, 0, 0, false},
		{"returned", StateReturned, 2, 0, false},
		{"withdrawn", StateWithdrawn, 1, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := QueueFacts{Facts: Facts{State: tc.state}, Parts: tc.parts, OpenParts: tc.openParts}
			if got := f.ToReturn(); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func sameQueues(a, b []Queue) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[Queue]bool{}
	for _, q := range a {
		in[q] = true
	}
	for _, q := range b {
		if !in[q] {
			return false
		}
	}
	return true
}

// An exception takes a request out of the on-time measure without hiding
// it: it is counted among the returns and as an exception.
func TestTallyExceptionsCountedApart(t *testing.T) {
	c := NewClock(send.DefaultCalendar(), date(t, "2025-06-02"))
	due := date(t, "2025-05-01")
	var tally Tally
	for _, f := range []Facts{
		{State: StateReturned, Due: due, Returned: date(t, "2025-04-30")},                                             // on time
		{State: StateReturned, Due: due, Returned: date(t, "2025-05-01")},                                             // on time, on the day
		{State: StateReturned, Due: due, Returned: date(t, "2025-05-09")},                                             // late
		{State: StateReturned, Due: due, Returned: date(t, "2025-05-20"), Exception: send.ExceptionMissedAppointment}, // late, excepted
		{State: StateReturned, Due: due, Returned: date(t, "2025-04-20"), Exception: send.ExceptionAbsentFromArea},    // on time, excepted
		{State: StateOpen, Due: due}, // overdue
		{State: StateOpen, Due: due, Exception: send.ExceptionExceptionalCircumstances}, // paused
		{State: StateOpen, Due: date(t, "2025-07-01")},                                  // open
		{State: StateWithdrawn, Due: due},
	} {
		tally.Add(c, f)
	}
	want := Tally{Received: 9, Open: 3, Overdue: 1, Returned: 5, Measured: 3, OnTime: 2, Exceptions: 2, Withdrawn: 1}
	if tally != want {
		t.Errorf("got %+v, want %+v", tally, want)
	}
	if p, ok := tally.OnTimePercent(); !ok || p != 66 {
		t.Errorf("on time: got %d%% %v, want 66%%", p, ok)
	}
	if _, ok := (Tally{}).OnTimePercent(); ok {
		t.Errorf("on time with nothing measured: got a figure")
	}
}

func TestCheckAdvice(t *testing.T) {
	good := func() Advice {
		return Advice{
			Needs:     " Delayed expressive language. ",
			Outcomes:  "Uses two-word phrases by the summer term.",
			Provision: []Provision{{}, {Who: "SALT", What: "Targeted therapy", HowOften: "Weekly", HowLong: "12 weeks"}, {}},
		}
	}
	a := good()
	if bad := CheckAdvice(&a); len(bad) != 0 {
		t.Fatalf("good advice: %v", bad)
	}
	if a.Needs != "Delayed expressive language." || len(a.Provision) != 1 {
		t.Errorf("not normalised: %+v", a)
	}
	tests := []struct {
		name   string
		change func(*Advice)
		field  string
	}{
		{"no needs", func(a *Advice) { a.Needs = " " }, "needs"},
		{"no outcomes", func(a *Advice) { a.Outcomes = "" }, "outcomes"},
		{"no provision", func(a *Advice) { a.Provision = nil }, "provision"},
		{"provision with no frequency", func(a *Advice) { a.Provision[1].HowOften = "" }, "provision-1-how_often"},
		{"needs too long", func(a *Advice) { a.Needs = strings.Repeat("x", MaxText+1) }, "needs"},
		{"too many lines", func(a *Advice) {
			for i := 0; i < MaxProvisions; i++ {
				a.Provision = append(a.Provision, a.Provision[1])
			}
		}, "provision"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := good()
			tc.change(&a)
			bad := CheckAdvice(&a)
			if bad[tc.field] == "" {
				t.Errorf("got %v, want an error on %s", bad, tc.field)
			}
		})
	}
}

func TestCheckNotKnown(t *testing.T) {
	if bad := CheckNotKnown(&Checks{}); bad["checks"] == "" {
		t.Errorf("no checks: got %v, want an error", bad)
	}
	if bad := CheckNotKnown(&Checks{SENCOContacted: true, Note: " SENCO knows of no health input "}); len(bad) != 0 {
		t.Errorf("one check: got %v", bad)
	}
}

func TestCheckException(t *testing.T) {
	received, due, today := date(t, "2025-04-01"), date(t, "2025-05-13"), date(t, "2025-06-02")
	tests := []struct {
		name  string
		e     Exception
		field string
	}{
		{"good", Exception{send.ExceptionAbsentFromArea, "Family abroad for six weeks", date(t, "2025-04-10")}, ""},
		{"no kind", Exception{"", "x", date(t, "2025-04-10")}, "exception"},
		{"unknown kind", Exception{"holiday", "x", date(t, "2025-04-10")}, "exception"},
		{"no reason", Exception{send.ExceptionAbsentFromArea, " ", date(t, "2025-04-10")}, "exception_reason"},
		{"before the request", Exception{send.ExceptionAbsentFromArea, "x", date(t, "2025-03-31")}, "exception_on"},
		{"in the future", Exception{send.ExceptionAbsentFromArea, "x", date(t, "2025-06-03")}, "exception_on"},
		{"missed appointment after the six weeks", Exception{send.ExceptionMissedAppointment, "x", date(t, "2025-05-14")}, "exception_on"},
		{"missed appointment on the last day", Exception{send.ExceptionMissedAppointment, "x", date(t, "2025-05-13")}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := CheckException(&tc.e, received, due, today)
			if tc.field == "" && len(bad) != 0 {
				t.Errorf("got %v, want none", bad)
			}
			if tc.field != "" && bad[tc.field] == "" {
				t.Errorf("got %v, want an error on %s", bad, tc.field)
			}
		})
	}
}

func TestReuse(t *testing.T) {
	received, today := date(t, "2025-03-31"), date(t, "2025-06-02")
	if got := ReuseFrom(received, 12); got.String() != "2024-03-31" {
		t.Errorf("reuse from: got %s", got)
	}
	if got := ReuseFrom(date(t, "2025-02-28"), 12); got.String() != "2024-02-28" {
		t.Errorf("reuse from 28 Feb: got %s", got)
	}
	ok := Reuse{Source: "Paediatric clinic letter", Dated: date(t, "2024-03-31"), AuthorAgreed: true, LAAgreed: true, FamilyAgreed: true}
	if bad := CheckReuse(&ok, received, today, 12); len(bad) != 0 {
		t.Errorf("reuse on the first day of the period: %v", bad)
	}
	old := Reuse{Source: "Paediatric clinic letter", Dated: date(t, "2024-03-30")}
	if bad := CheckReuse(&old, received, today, 12); bad["reuse_dated"] == "" {
		t.Errorf("reuse too old: got %v", bad)
	}
	if bad := CheckReuse(&Reuse{Dated: date(t, "2025-01-01")}, received, today, 12); bad["reuse_source"] == "" {
		t.Errorf("reuse with no source: got %v", bad)
	}
	if bad := CheckReuse(&Reuse{Source: "x", Dated: today.AddDays(1)}, received, today, 12); bad["reuse_dated"] == "" {
		t.Errorf("reuse dated tomorrow: got %v", bad)
	}
}

// Reg 6(4): advice is reused only when its author, the LA and the parent
// or young person are all satisfied it is sufficient; each missing
// agreement is named.
func TestReuseAgreement(t *testing.T) {
	received, today := date(t, "2025-03-31"), date(t, "2025-06-02")
	tests := []struct {
		name               string
		author, la, family bool
		inErr, notInErr    []string // what the error names, and what it must not
		wantText           string
	}{
		{"all three agreed", true, true, true, nil, nil,
			"Agreed to be sufficient by the person who wrote the advice, the local authority and the child's parent or the young person (reg 6(4))."},
		{"none recorded", false, false, false, []string{PartyAuthor, PartyLA, PartyFamily}, nil,
			"Agreement that it is sufficient not recorded for the person who wrote the advice, the local authority and the child's parent or the young person."},
		{"the family not asked", true, true, false, []string{"confirm the agreement of the child's parent or the young person"}, []string{"agreement of the person who wrote"},
			"Agreement that it is sufficient not recorded for the child's parent or the young person."},
		{"the LA not asked", true, false, true, []string{"confirm the agreement of the local authority"}, nil,
			"Agreement that it is sufficient not recorded for the local authority."},
		{"the author not asked", false, true, true, []string{"confirm the agreement of the person who wrote the advice"}, nil,
			"Agreement that it is sufficient not recorded for the person who wrote the advice."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Reuse{Source: "Paediatric clinic letter", Dated: date(t, "2025-01-10"), AuthorAgreed: tc.author, LAAgreed: tc.la, FamilyAgreed: tc.family}
			bad := CheckReuse(&r, received, today, 12)
			msg := bad["reuse_agreed"]
			if (msg != "") != (tc.inErr != nil) {
				t.Fatalf("reuse_agreed: got %q, want an error: %v", msg, tc.inErr != nil)
			}
			for _, w := range tc.inErr {
				if !strings.Contains(msg, w) {
					t.Errorf("got %q, want it to contain %q", msg, w)
				}
			}
			for _, w := range tc.notInErr {
				if strings.Contains(msg, w) {
					t.Errorf("got %q, want it not to contain %q", msg, w)
				}
			}
			if got := r.AgreementText(); got != tc.wantText {
				t.Errorf("text: got %q, want %q", got, tc.wantText)
			}
			if r.Agreed() != (tc.inErr == nil) {
				t.Errorf("agreed: got %v, want %v", r.Agreed(), tc.inErr == nil)
			}
		})
	}
}

func TestCheckReturned(t *testing.T) {
	received, today := date(t, "2025-04-01"), date(t, "2025-06-02")
	for _, tc := range []struct {
		returned string
		ok       bool
	}{{"2025-04-01", true}, {"2025-06-02", true}, {"2025-03-31", false}, {"2025-06-03", false}} {
		bad := map[string]string{}
		CheckReturned(bad, "returned_on", date(t, tc.returned), received, today)
		if (len(bad) == 0) != tc.ok {
			t.Errorf("returned %s: got %v, want ok=%v", tc.returned, bad, tc.ok)
		}
	}
}

func TestServicesAndCodes(t *testing.T) {
	joined, bad := JoinServices([]string{"physio", "audiology", "physio", "", "x-ray"})
	if joined != "physio,audiology" || len(bad) != 1 || bad[0] != "x-ray" {
		t.Errorf("join: got %q %v", joined, bad)
	}
	if got := ServiceLabels(joined); got != "Physiotherapy, Audiology" {
		t.Errorf("labels: got %q", got)
	}
	if !ValidService(ServiceHAS) || ServiceLabel(ServiceHAS) == ServiceHAS {
		t.Errorf("the HAS team is not a service")
	}
	if OutcomeOf([]Kind{KindNotKnown, KindNotKnown}) != OutcomeNotKnown || OutcomeOf([]Kind{KindNotKnown, KindDocument}) != OutcomeAdvice {
		t.Errorf("outcome of contributions")
	}
	for _, s := range []string{"", "advice", "not_known", "withdrawn"} {
		if _, err := ParseOutcome(s); err != nil {
			t.Errorf("outcome %q: %v", s, err)
		}
	}
	if _, err := ParseOutcome("done"); err == nil {
		t.Errorf("outcome done: no error")
	}
	for _, tr := range Triages() {
		if got, err := ParseTriage(string(tr)); err != nil || got != tr {
			t.Errorf("triage %s: %v", tr, err)
		}
	}
	if _, err := ParseTriage("maybe"); err == nil {
		t.Errorf("triage maybe: no error")
	}
}
