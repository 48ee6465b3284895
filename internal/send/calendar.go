package send

import (
	"bytes"
	"sort"
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
// A Calendar holds the published bank holidays for a set of years. A year
// is known when the list holds all of it, which dco recognises by count:
// every year has at least MinBankHolidays bank holidays in England (see
// CompleteYear), so a year with fewer was published or imported only in
// part. For a year that is not known the calendar falls back on
// StandingHolidays, and every answer that depended on such a year is
// marked provisional: a holiday may be missing or a one-off may yet be
// proclaimed. Known years need not be consecutive: an import of 2030 alone
// leaves 2029 provisional. A Calendar never changes once made, so one value
// can be shared by every request.
type Calendar struct {
	byDay      map[int]string // dayKey → title
	perYear    map[int]int    // year → how many holidays the list holds in it
	known      map[int]bool   // the known years
	knownYears []int          // the same, ascending
	holidays   []Holiday      // in date order, one per date
}

// dayKey identifies a date as a comparable integer, yyyymmdd.
func dayKey(d Date) int { return d.Year()*10000 + int(d.Month())*100 + d.Day() }

// NewCalendar returns a calendar of the given bank holidays. When two
// holidays share a date the later one in hs wins. The known years are those
// in which hs holds a complete year (CompleteYear).
func NewCalendar(hs []Holiday) *Calendar {
	latest := make(map[int]Holiday, len(hs))
	for _, h := range hs {
		if !h.Date.IsZero() {
			latest[dayKey(h.Date)] = h
		}
	}
	c := &Calendar{
		byDay:    make(map[int]string, len(latest)),
		perYear:  make(map[int]int),
		known:    make(map[int]bool),
		holidays: make([]Holiday, 0, len(latest)),
	}
	for k, h := range latest {
		c.byDay[k] = h.Title
		c.holidays = append(c.holidays, h)
		c.perYear[h.Date.Year()]++
	}
	for y, n := range c.perYear {
		if CompleteYear(n) {
			c.knownYears = append(c.knownYears, y)
			c.known[y] = true
		}
	}
	sort.Ints(c.knownYears)
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

// KnownYears returns the years the calendar holds complete bank holidays
// for, ascending; there may be gaps between them.
func (c *Calendar) KnownYears() []int { return append([]int(nil), c.knownYears...) }

// FirstKnownYear returns the first known year, or 0 when there is none.
func (c *Calendar) FirstKnownYear() int {
	if len(c.knownYears) == 0 {
		return 0
	}
	return c.knownYears[0]
}

// LastKnownYear returns the last known year, or 0 when there is none.
// Years after it follow the standing rules and are provisional; so are any
// gaps before it (KnownYears lists them all).
func (c *Calendar) LastKnownYear() int {
	if len(c.knownYears) == 0 {
		return 0
	}
	return c.knownYears[len(c.knownYears)-1]
}

// HolidaysIn returns how many bank holidays the calendar's list holds in
// year y: the count CompleteYear judges.
func (c *Calendar) HolidaysIn(y int) int { return c.perYear[y] }

// Known reports whether d falls in a year the published bank holidays
// cover in full, so that whether it is a working day is settled, not
// provisional.
func (c *Calendar) Known(d Date) bool { return c.known[d.Year()] }

// Holiday returns the name of the bank holiday on d, if it is one: from the
// published list in a known year; in any other year from the list where it
// names d (part of the year was imported) and from the standing rules
// otherwise.
func (c *Calendar) Holiday(d Date) (string, bool) {
	title, listed := c.byDay[dayKey(d)]
	if listed || c.Known(d) {
		return title, listed
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
// any day counted falls in a year the published bank holidays do not cover
// in full (Known), so the answer may move when that year is imported.
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
