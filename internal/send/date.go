// Package send holds the rules of England's SEND system that dco computes:
// the statutory clock, working days, compulsory school age, age bands and
// NHS number checks. It is pure: no I/O, no database, no HTTP. Every rule
// cites its source so that a DCO can check it against the law.
package send

import (
	"encoding/json"
	"fmt"
	"time"
)

// Date is a calendar date with no time of day and no time zone: a birthday,
// the day a request was received, a deadline. The zero Date means "not set".
type Date struct {
	t time.Time // always midnight UTC; zero when unset
}

// NewDate returns the date y-m-d. Out-of-range values are normalised the way
// time.Date normalises them (31 April becomes 1 May), so callers that take
// user input use ParseDate or DateFromParts, which reject them.
func NewDate(y int, m time.Month, d int) Date {
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// ParseDate reads a date written YYYY-MM-DD and rejects anything else,
// including impossible dates such as 2023-02-29.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("date %q is not in the form YYYY-MM-DD", s)
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q is not a real date", s)
	}
	if t.Year() < 1900 || t.Year() > 2200 {
		return Date{}, fmt.Errorf("date %q is outside the years 1900 to 2200", s)
	}
	return Date{t}, nil
}

// DateFromParts builds a date from the day, month and year a person typed
// into the NHS.UK date input, rejecting impossible dates.
func DateFromParts(year, month, day int) (Date, error) {
	d := NewDate(year, time.Month(month), day)
	if month < 1 || month > 12 || day < 1 || d.Day() != day || d.Month() != time.Month(month) {
		return Date{}, fmt.Errorf("%d-%d-%d is not a real date", year, month, day)
	}
	if year < 1900 || year > 2200 {
		return Date{}, fmt.Errorf("year %d is outside 1900 to 2200", year)
	}
	return d, nil
}

// Today returns today's date in England (Europe/London), the date that the
// statutory clock counts from.
func Today(now time.Time) Date {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	n := now.In(loc)
	return NewDate(n.Year(), n.Month(), n.Day())
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Year returns the year.
func (d Date) Year() int { return d.t.Year() }

// Month returns the month.
func (d Date) Month() time.Month { return d.t.Month() }

// Day returns the day of the month.
func (d Date) Day() int { return d.t.Day() }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.t.Weekday() }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// DaysUntil returns the number of days from d to e: positive when e is later.
func (d Date) DaysUntil(e Date) int {
	return int(e.t.Sub(d.t).Hours() / 24)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// Equal reports whether d and e are the same date.
func (d Date) Equal(e Date) bool { return d.t.Equal(e.t) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int { return d.t.Compare(e.t) }

// String returns the date as YYYY-MM-DD, or "" when unset.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format("2006-01-02")
}

// Long returns the date as the NHS.UK style guide writes it: 17 February 2025.
func (d Date) Long() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format("2 January 2006")
}

// Time returns midnight UTC on the date, for code that must hand a time.Time
// to a library (spreadsheets, charts). Deadlines are never computed on it.
func (d Date) Time() time.Time { return d.t }

// MarshalText writes the date as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD; an empty string is the zero date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// MarshalJSON writes the date as "YYYY-MM-DD", or null when unset.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a date must be a string YYYY-MM-DD")
	}
	return d.UnmarshalText([]byte(s))
}
