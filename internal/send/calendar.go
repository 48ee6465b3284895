package send

import (
	"bytes"
	"sync"
	"time"

	// Today reads the date in Europe/London; the zone database is built in
	// so that a server without one still counts days in England, not UTC.
	_ "time/tzdata"
)

// Calendar knows which days are working days for the statutory clock. The
// SEND Regulations 2014 reg 2(1) define a working day as any day except a
// Saturday, a Sunday, Christmas Day, Good Friday or a day which is a bank
// holiday under the Banking and Financial Dealings Act 1971 in England.
//
// A Calendar holds the published bank holidays for a run of years. For a
// year outside that run it falls back on StandingHolidays, and every answer
// that depended on such a year is marked provisional: a one-off holiday may
// yet be proclaimed. A Calendar never changes once made, so one value can
// be shared by every request.
type Calendar struct {
	byDay     map[int]string // dayKey → title
	holidays  []Holiday      // in date order, one per date
	firstYear int            // 0 when the calendar holds no holidays
	lastYear  int
}

// dayKey identifies a date as a comparable integer, yyyymmdd.
func dayKey(d Date) int { return d.Year()*10000 + int(d.Month())*100 + d.Day() }

// NewCalendar returns a calendar of the given bank holidays. When two
// holidays share a date the later one in hs wins; the years they cover are
// the known years.
func NewCalendar(hs []Holiday) *Calendar {
	latest := make(map[int]Holiday, len(hs))
	for _, h := range hs {
		if !h.Date.IsZero() {
			latest[dayKey(h.Date)] = h
		}
	}
	c := &Calendar{
		byDay:    make(map[int]string, len(latest)),
		holidays: make([]Holiday, 0, len(latest)),
	}
	for k, h := range latest {
		c.byDay[k] = h.Title
		c.holidays = append(c.holidays, h)
		if y := h.Date.Year(); c.firstYear == 0 || y < c.firstYear {
			c.firstYear = y
		}
		if y := h.Date.Year(); y > c.lastYear {
			c.lastYear = y
		}
	}
	sortHolidays(c.holidays)
	return c
}

var defaultCalendar = sync.OnceValue(func() *Calendar {
	hs, err := ParseBankHolidays(bytes.NewReader(bankHolidaysJSON))
	if err != nil {
		// The file is part of the build and a test parses it; a failure
		// here is a broken build, not a runtime condition.
		panic("send: embedded bank-holidays.json: " + err.Error())
	}
	return NewCalendar(hs)
})

// DefaultCalendar returns the calendar of the gov.uk bank holidays embedded
// in dco, parsed once. Callers that hold imported later years add them with
// With.
func DefaultCalendar() *Calendar { return defaultCalendar() }

// With returns a new calendar holding c's holidays and extra together; on a
// date in both, extra's title is kept. c is unchanged. Imported years are
// merged into the embedded list this way.
func (c *Calendar) With(extra []Holiday) *Calendar {
	all := make([]Holiday, 0, len(c.holidays)+len(extra))
	all = append(all, c.holidays...)
	all = append(all, extra...)
	return NewCalendar(all)
}

// Holidays returns the calendar's published bank holidays in date order.
func (c *Calendar) Holidays() []Holiday {
	return append([]Holiday(nil), c.holidays...)
}

// FirstKnownYear returns the first year the calendar has published bank
// holidays for, or 0 when it has none.
func (c *Calendar) FirstKnownYear() int { return c.firstYear }

// LastKnownYear returns the last year the calendar has published bank
// holidays for, or 0 when it has none. Working days after it follow the
// standing rules and are provisional.
func (c *Calendar) LastKnownYear() int { return c.lastYear }

// Known reports whether d falls in a year the published bank holidays
// cover, so that whether it is a working day is settled, not provisional.
func (c *Calendar) Known(d Date) bool {
	return c.firstYear != 0 && d.Year() >= c.firstYear && d.Year() <= c.lastYear
}

// Holiday returns the name of the bank holiday on d, if it is one: from the
// published list in a known year, from the standing rules otherwise.
func (c *Calendar) Holiday(d Date) (string, bool) {
	if c.Known(d) {
		title, ok := c.byDay[dayKey(d)]
		return title, ok
	}
	for _, h := range StandingHolidays(d.Year()) {
		if h.Date.Equal(d) {
			return h.Title, true
		}
	}
	return "", false
}

// IsWorkingDay reports whether d is a working day under SEND Regulations
// 2014 reg 2(1): not a Saturday or Sunday, not Christmas Day or Good Friday
// (whatever the holiday list says), and not a bank holiday in England.
func (c *Calendar) IsWorkingDay(d Date) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	if d.Month() == time.December && d.Day() == 25 {
		return false
	}
	if d.Equal(EasterSunday(d.Year()).AddDays(-2)) {
		return false
	}
	_, holiday := c.Holiday(d)
	return !holiday
}

// AddWorkingDays returns the nth working day after d (before d for
// negative n; d itself for 0). d need not be a working day: three working
// days from a Saturday is the following Wednesday. provisional is true when
// any day counted falls in a year beyond the published bank holidays, so
// the answer may move if a holiday is added.
func (c *Calendar) AddWorkingDays(d Date, n int) (due Date, provisional bool) {
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDays(step)
		if !c.Known(d) {
			provisional = true
		}
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d, provisional
}

// WorkingDaysBetween counts the working days after from up to and including
// to, the measure a local standard in working days uses ("QA feedback within
// 10 working days"). It is negative when to is before from, and provisional
// as AddWorkingDays is.
func (c *Calendar) WorkingDaysBetween(from, to Date) (n int, provisional bool) {
	sign := 1
	if to.Before(from) {
		from, to, sign = to, from, -1
	}
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		if !c.Known(d) {
			provisional = true
		}
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return sign * n, provisional
}
