package advice

import "dco/internal/send"

// Status is where a request or a contribution stands today, as a status tag
// shows it. Each has the colour docs/design.md §8 fixes for its meaning.
type Status string

// The statuses.
const (
	StatusNotStarted Status = "not_started"      // grey: not triaged, or no one assigned
	StatusInProgress Status = "in_progress"      // blue
	StatusDueSoon    Status = "due_soon"         // orange: due within five working days
	StatusOverdue    Status = "overdue"          // red: past the six weeks, no exception
	StatusPaused     Status = "paused"           // purple: a reg 8(2) exception is recorded
	StatusOnTime     Status = "returned_on_time" // green
	StatusLate       Status = "returned_late"    // yellow
	StatusWithdrawn  Status = "withdrawn"        // grey
)

// Statuses lists every status in the order a filter offers them.
func Statuses() []Status {
	return []Status{StatusNotStarted, StatusInProgress, StatusDueSoon, StatusOverdue, StatusPaused,
		StatusOnTime, StatusLate, StatusWithdrawn}
}

// ParseStatus reads a status code.
func ParseStatus(s string) (Status, bool) {
	for _, st := range Statuses() {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// Label words the status for its tag.
func (s Status) Label() string {
	switch s {
	case StatusNotStarted:
		return "Not started"
	case StatusInProgress:
		return "In progress"
	case StatusDueSoon:
		return "Due soon"
	case StatusOverdue:
		return "Overdue"
	case StatusPaused:
		return "Exception recorded"
	case StatusOnTime:
		return "Returned on time"
	case StatusLate:
		return "Returned late"
	case StatusWithdrawn:
		return "Withdrawn"
	}
	return string(s)
}

// Colour is the status tag's colour (docs/design.md §8): grey not started, blue in
// progress, orange due within five working days, red overdue, green done on
// time, yellow done late, purple paused by a recorded exception.
func (s Status) Colour() string {
	switch s {
	case StatusInProgress:
		return "blue"
	case StatusDueSoon:
		return "orange"
	case StatusOverdue:
		return "red"
	case StatusPaused:
		return "purple"
	case StatusOnTime:
		return "green"
	case StatusLate:
		return "yellow"
	}
	return "grey"
}

// Open reports whether the status is one of an open request.
func (s Status) Open() bool {
	switch s {
	case StatusOnTime, StatusLate, StatusWithdrawn:
		return false
	}
	return true
}

// Clock is today and the horizons the work queues look to, worked out once
// for a page so that every row is judged by the same dates.
type Clock struct {
	Today send.Date
	// Soon is the fifth working day after today (send.Calendar.DueSoonBy):
	// an open request due on or before it is "due soon" (orange). Working
	// days are those of SEND Regulations 2014 reg 2(1), from the calendar.
	Soon send.Date
	// WeekEnd is seven days after today (send.WeekAheadBy): an open request
	// due on or before it is "due this week", and one due by then or
	// overdue is at risk of missing the six weeks.
	WeekEnd send.Date
}

// NewClock returns the clock for today. The horizons come from
// internal/send; a "due soon" horizon past the published bank holidays is
// provisional, and a page shows it as it is.
func NewClock(cal *send.Calendar, today send.Date) Clock {
	soon, _ := cal.DueSoonBy(today)
	return Clock{Today: today, Soon: soon, WeekEnd: send.WeekAheadBy(today)}
}

// Facts are what a status is derived from: the stored record, never a
// status stored by hand.
type Facts struct {
	State     State
	Due       send.Date
	Returned  send.Date
	Exception send.Exception
	// Started is true once a request is triaged, or a contribution has a
	// clinician.
	Started bool
}

// Status derives the status of a request or a contribution on the clock's
// day. A recorded exception pauses the clock (purple) rather than letting it
// go red: the health body need not meet the time limit (reg 8(2)), but the
// request stays in sight.
func (c Clock) Status(f Facts) Status {
	switch f.State {
	case StateWithdrawn:
		return StatusWithdrawn
	case StateReturned:
		if f.Returned.After(f.Due) {
			return StatusLate
		}
		return StatusOnTime
	}
	switch {
	case f.Exception != "":
		return StatusPaused
	case f.Due.Before(c.Today):
		return StatusOverdue
	case !f.Due.After(c.Soon):
		return StatusDueSoon
	case !f.Started:
		return StatusNotStarted
	}
	return StatusInProgress
}

// DueText describes an open item's deadline as pages do: "due in 3 days",
// "5 days overdue"; "" once it is closed.
func (c Clock) DueText(f Facts) string {
	if f.State != StateOpen && f.State != "" {
		return ""
	}
	return send.DueText(c.Today, f.Due)
}

// Queue is one of the work lists on every home page.
type Queue string

// The queues.
const (
	// QueueOverdue: open, past the six weeks, no exception.
	QueueOverdue Queue = "overdue"
	// QueueDueThisWeek: open, no exception, due today or in the next seven days.
	QueueDueThisWeek Queue = "due_this_week"
	// QueueAtRisk: open and due within seven days or already overdue,
	// exceptions included and shown as such: the DCO's "which requests will
	// miss six weeks this week, and whose are they?".
	QueueAtRisk Queue = "at_risk"
	// QueueUnassigned: open and not triaged, or with a contribution no
	// clinician has been given.
	QueueUnassigned Queue = "unassigned"
	// QueuePaused: open with a reg 8(2) exception recorded.
	QueuePaused Queue = "paused"
)

// Queues lists the queues in the order home pages show them.
func Queues() []Queue {
	return []Queue{QueueOverdue, QueueDueThisWeek, QueueUnassigned, QueuePaused, QueueAtRisk}
}

// ParseQueue reads a queue code.
func ParseQueue(s string) (Queue, bool) {
	for _, q := range Queues() {
		if string(q) == s {
			return q, true
		}
	}
	return "", false
}

// Label words the queue for a heading.
func (q Queue) Label() string {
	switch q {
	case QueueOverdue:
		return "Overdue"
	case QueueDueThisWeek:
		return "Due this week"
	case QueueAtRisk:
		return "Will miss six weeks this week"
	case QueueUnassigned:
		return "Unassigned"
	case QueuePaused:
		return "Paused by an exception"
	}
	return string(q)
}

// QueueFacts add to Facts what the unassigned queue and "whose are they"
// need.
type QueueFacts struct {
	Facts
	// Unassigned is true when a contribution has no clinician yet.
	Unassigned bool
	// Parts is how many contributions the request has, and OpenParts how
	// many of them are not answered yet.
	Parts, OpenParts int
}

// ToReturn reports whether an open request is waiting on the DCO team
// alone: it has parts and every one is answered, so what remains is to send
// the combined response to the LA (reg 8(1) is met only then). Such a
// request is no clinician's, and "whose are they" credits it to the DCO
// team.
func (f QueueFacts) ToReturn() bool {
	return f.State == StateOpen && f.Parts > 0 && f.OpenParts == 0
}

// In reports whether a request belongs in the queue on the clock's day. The
// store's SQL for each queue must agree with it; a test holds them together.
func (c Clock) In(q Queue, f QueueFacts) bool {
	if f.State != StateOpen {
		return false
	}
	switch q {
	case QueueOverdue:
		return f.Exception == "" && f.Due.Before(c.Today)
	case QueueDueThisWeek:
		return f.Exception == "" && !f.Due.Before(c.Today) && !f.Due.After(c.WeekEnd)
	case QueueAtRisk:
		return !f.Due.After(c.WeekEnd)
	case QueueUnassigned:
		return !f.Started || f.Unassigned
	case QueuePaused:
		return f.Exception != ""
	}
	return false
}

// Tally counts requests for the on-time measure (docs/design.md §5: advice
// returned, and of those within 6 weeks, exceptions counted apart).
type Tally struct {
	Received int // requests counted
	Open     int
	Overdue  int // open, past the six weeks, no exception
	Returned int // returned to the LA, exceptions included
	// Measured is the returned requests the on-time measure counts: those
	// without a reg 8(2) exception.
	Measured int
	OnTime   int // of Measured, returned within six weeks
	// Exceptions is the returned requests with an exception, outside the
	// measure but counted so that they are not hidden.
	Exceptions int
	Withdrawn  int
}

// Add counts one request.
func (t *Tally) Add(c Clock, f Facts) {
	t.Received++
	switch f.State {
	case StateWithdrawn:
		t.Withdrawn++
	case StateReturned:
		t.Returned++
		onTime, counted := send.OnTime(f.Due, f.Returned, f.Exception)
		if !counted {
			t.Exceptions++
			return
		}
		t.Measured++
		if onTime {
			t.OnTime++
		}
	default:
		t.Open++
		if f.Exception == "" && f.Due.Before(c.Today) {
			t.Overdue++
		}
	}
}

// OnTimePercent is the share of measured returns made within six weeks, in
// whole percent rounded down, and false when nothing was measured.
func (t Tally) OnTimePercent() (int, bool) {
	if t.Measured == 0 {
		return 0, false
	}
	return t.OnTime * 100 / t.Measured, true
}
