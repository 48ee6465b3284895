package send

import "time"

// AddMonths returns the date n calendar months later (earlier for negative n)
// by the corresponding-date rule that English law uses for periods expressed
// in months (Dodds v Walker [1981] 1 WLR 1027, HL): the same day of the month
// n months on, or the last day of that month when it has no such day. So one
// month from 31 January is 28 or 29 February, and twelve months from
// 29 February 2024 is 28 February 2025. Unlike time.Time.AddDate it never
// spills into the following month.
func (d Date) AddMonths(n int) Date {
	m := int(d.Month()) - 1 + n
	y := d.Year() + floorDiv(m, 12)
	m = m - floorDiv(m, 12)*12 + 1
	day := d.Day()
	if last := daysInMonth(y, time.Month(m)); day > last {
		day = last
	}
	return NewDate(y, time.Month(m), day)
}

// daysInMonth returns the number of days in month m of year y.
func daysInMonth(y int, m time.Month) int {
	return NewDate(y, m+1, 0).Day()
}

// isLeap reports whether y is a leap year in the Gregorian calendar.
func isLeap(y int) bool {
	return y%4 == 0 && (y%100 != 0 || y%400 == 0)
}

// floorDiv divides rounding towards minus infinity, so that month
// arithmetic works the same before and after the starting month.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
