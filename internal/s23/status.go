package s23

import (
	"strconv"

	"dco/internal/send"
)

// Colour is a status tag's colour; each means the same on every page
// (docs/design.md §8). The values are the NHS.UK tag modifiers.
type Colour string

// The colours and what they mean.
const (
	Grey   Colour = "grey"   // not started
	Blue   Colour = "blue"   // in progress
	Orange Colour = "orange" // due within five working days
	Red    Colour = "red"    // overdue
	Green  Colour = "green"  // done on time
	Yellow Colour = "yellow" // done late
	Purple Colour = "purple" // paused by a recorded exception
)

// Tag is a status as a page shows it: a coloured tag and its words, and a
// line of detail such as "due in 3 days".
type Tag struct {
	Colour Colour
	Label  string
	Detail string
}

// dueSoon is how close, in working days, a due date must be for its tag to
// turn orange (docs/design.md §8).
const dueSoon = 5

// clockTag words a step that is due on due and not yet taken, as of today.
func clockTag(cal *send.Calendar, today, due send.Date, label string) Tag {
	detail := send.DueText(today, due)
	if today.After(due) {
		return Tag{Colour: Red, Label: label + " overdue", Detail: detail}
	}
	if n, _ := cal.WorkingDaysBetween(today, due); n <= dueSoon {
		return Tag{Colour: Orange, Label: label + " due", Detail: detail}
	}
	return Tag{Colour: Blue, Label: "In progress", Detail: detail}
}

// Progress is the notification's status from the health side, as of today:
// grey until the parent is informed; then, while the LA is still to be
// told, blue, orange or red against the local standard (standardDays from
// the parent being informed); green or yellow once the LA is told, as it
// was on time or late. An "other" notification has no standard, so it is
// blue until the LA is told and green after.
func Progress(kind Kind, st Steps, standardDays int, cal *send.Calendar, today send.Date) Tag {
	switch {
	case st.ParentInformedOn.IsZero():
		return Tag{Colour: Grey, Label: "Parent not yet informed"}
	case st.LANotifiedOn.IsZero():
		if kind != KindS23 {
			return Tag{Colour: Blue, Label: "LA not yet notified"}
		}
		due, _ := st.NotifyDue(standardDays)
		return clockTag(cal, today, due, "LA notification")
	}
	if kind != KindS23 {
		return Tag{Colour: Green, Label: "LA notified", Detail: "on " + st.LANotifiedOn.Long()}
	}
	days, _ := st.DaysToNotify()
	detail := plural(days, "day") + " after the parent was informed"
	if within, _ := st.NotifiedWithin(standardDays); within {
		return Tag{Colour: Green, Label: "LA notified on time", Detail: detail}
	}
	return Tag{Colour: Yellow, Label: "LA notified late", Detail: detail}
}

// Receipt is the notification's status from the LA's side, as of today:
// nothing before the LA is told; then "Received 12 days ago", blue, orange
// or red as the acknowledgement falls due under the local standard
// (ackDays from notification); green or yellow once acknowledged, as it was
// on time or late.
func Receipt(st Steps, ackDays int, cal *send.Calendar, today send.Date) Tag {
	due, sent := st.AckDue(ackDays)
	if !sent {
		return Tag{Colour: Grey, Label: "Not yet sent to the LA"}
	}
	if !st.AcknowledgedOn.IsZero() {
		detail := "on " + st.AcknowledgedOn.Long()
		if !send.LocalStandardMet(st.LANotifiedOn, st.AcknowledgedOn, ackDays) {
			return Tag{Colour: Yellow, Label: "Acknowledged late", Detail: detail}
		}
		return Tag{Colour: Green, Label: "Acknowledged", Detail: detail}
	}
	t := clockTag(cal, today, due, "Acknowledgement")
	t.Detail = ReceivedText(st.LANotifiedOn, today) + ", acknowledgement " + t.Detail
	if t.Colour == Blue {
		t.Label = "Awaiting acknowledgement"
	}
	return t
}

// ReceivedText says how long ago the LA was notified: "received today",
// "received 1 day ago", "received 12 days ago".
func ReceivedText(notified, today send.Date) string {
	n := notified.DaysUntil(today)
	switch {
	case n <= 0:
		return "received today"
	case n == 1:
		return "received 1 day ago"
	}
	return "received " + strconv.Itoa(n) + " days ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
