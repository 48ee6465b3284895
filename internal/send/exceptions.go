package send

import (
	"fmt"
	"strconv"
)

// Exception is a reason under SEND Regulations 2014 reg 8(2) why a health
// body need not meet the 6-week time limit for advice. The empty Exception
// means none was recorded.
type Exception string

// The reg 8(2) exceptions.
const (
	// ExceptionMissedAppointment: the child, parent or young person failed
	// to keep an appointment for an examination or test during the 6 weeks.
	ExceptionMissedAppointment Exception = "missed_appointment"
	// ExceptionExceptionalCircumstances: exceptional personal circumstances
	// affect the child, their parent or the young person.
	ExceptionExceptionalCircumstances Exception = "exceptional_circumstances"
	// ExceptionAbsentFromArea: the child, parent or young person is absent
	// from the LA's area for a period of at least 4 weeks.
	ExceptionAbsentFromArea Exception = "absent_from_area"
)

// Exceptions lists the reg 8(2) exceptions in the order forms offer them.
func Exceptions() []Exception {
	return []Exception{ExceptionMissedAppointment, ExceptionExceptionalCircumstances, ExceptionAbsentFromArea}
}

// ParseException reads an exception code; "" is no exception.
func ParseException(s string) (Exception, error) {
	if s == "" {
		return "", nil
	}
	for _, e := range Exceptions() {
		if string(e) == s {
			return e, nil
		}
	}
	return "", fmt.Errorf("%q is not a reg 8(2) exception: use missed_appointment, exceptional_circumstances or absent_from_area", s)
}

// Label returns the exception as a page shows it.
func (e Exception) Label() string {
	switch e {
	case ExceptionMissedAppointment:
		return "Missed appointment"
	case ExceptionExceptionalCircumstances:
		return "Exceptional personal circumstances"
	case ExceptionAbsentFromArea:
		return "Absent from the area for 4 weeks or more"
	case "":
		return "None"
	}
	return string(e)
}

// OnTime says how a piece of work returned on returned against a deadline
// due counts in the on-time measure (docs/design.md §5: "advice returned, and of
// those within 6 weeks, exceptions counted apart"). onTime is whether it was
// returned on or before the due date. counted is whether it belongs in the
// on-time measure at all: a recorded reg 8(2) exception takes it out of the
// measure without hiding it, and work not yet returned (a zero returned
// date) is neither on time nor counted; DueStatus measures that.
func OnTime(due Date, returned Date, exc Exception) (onTime bool, counted bool) {
	if returned.IsZero() {
		return false, false
	}
	return !returned.After(due), exc == ""
}

// DueStatus compares today with a deadline. days is the number of days
// left, or when overdue the number of days past it; both are never
// negative. A deadline is met on its due date, so today == due is not
// overdue.
func DueStatus(today, due Date) (days int, overdue bool) {
	n := today.DaysUntil(due)
	if n < 0 {
		return -n, true
	}
	return n, false
}

// DueText describes a deadline as pages show it (docs/design.md §8): "due today",
// "due in 3 days", "5 days overdue".
func DueText(today, due Date) string {
	n, overdue := DueStatus(today, due)
	switch {
	case n == 0:
		return "due today"
	case overdue:
		return plural(n, "day") + " overdue"
	default:
		return "due in " + plural(n, "day")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
