package send

// The horizons the work lists look to. They are not statutory deadlines:
// they decide when an open item's status tag turns orange and which items
// a home page lists as due this week. They live here, with the clock, so
// that nothing outside this package adds days to a date (docs/design.md §4).

// DueSoonWorkingDays is how far ahead "due soon" looks, in working days:
// docs/design.md §8 status tags — orange = due within five working days.
const DueSoonWorkingDays = 5

// WeekAheadDays is how far ahead "due this week" looks, in calendar days:
// today and the seven days after it.
const WeekAheadDays = 7

// DueSoonBy returns the last day of the "due soon" horizon from today: the
// fifth working day after it (docs/design.md §8 status tags — orange = due within
// five working days). An open item due on or before it, and not yet
// overdue, is tagged orange. Working days are those of SEND Regulations
// 2014 reg 2(1), as AddWorkingDays counts them; provisional is true when
// the count reaches beyond the published bank holidays.
func (c *Calendar) DueSoonBy(today Date) (by Date, provisional bool) {
	return c.AddWorkingDays(today, DueSoonWorkingDays)
}

// WeekAheadBy returns the last day of the "due this week" horizon from
// today: seven calendar days after it. An open item due on or before it is
// due this week, and with the overdue ones it is at risk of missing its
// deadline this week.
func WeekAheadBy(today Date) Date {
	return today.AddDays(WeekAheadDays)
}
