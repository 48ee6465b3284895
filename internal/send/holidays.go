package send

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// bankHolidaysJSON is the gov.uk list of bank holidays
// (https://www.gov.uk/bank-holidays.json), kept in the repository so that
// the statutory clock works offline. Later years are added by import.
//
//go:embed bank-holidays.json
var bankHolidaysJSON []byte

// Division is the gov.uk bank-holidays.json division dco reads. SEND law
// applies in England; gov.uk publishes England and Wales as one division.
const Division = "england-and-wales"

// Holiday is one bank holiday: its date and its name as gov.uk gives it,
// with a note such as "(substitute day)" when gov.uk adds one.
type Holiday struct {
	Date  Date
	Title string
}

// Errors from ParseBankHolidays, for callers that explain them to a person.
var (
	ErrBankHolidaysJSON     = errors.New("bank holidays: not the gov.uk bank-holidays.json format")
	ErrBankHolidaysDivision = errors.New("bank holidays: no " + Division + " division")
)

// ParseBankHolidays reads bank holidays in the shape of gov.uk's
// bank-holidays.json and returns those of the england-and-wales division,
// in date order. One-off holidays (a jubilee, a state funeral, a
// coronation) and substitute days are in that file like any other and are
// returned like any other. Every date must be a real YYYY-MM-DD date.
func ParseBankHolidays(r io.Reader) ([]Holiday, error) {
	type event struct {
		Title string `json:"title"`
		Date  string `json:"date"`
		Notes string `json:"notes"`
	}
	type division struct {
		Division string  `json:"division"`
		Events   []event `json:"events"`
	}
	var file map[string]division
	if err := json.NewDecoder(r).Decode(&file); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBankHolidaysJSON, err)
	}
	div, ok := file[Division]
	if !ok {
		return nil, ErrBankHolidaysDivision
	}
	if len(div.Events) == 0 {
		return nil, fmt.Errorf("%w: the division lists no holidays", ErrBankHolidaysJSON)
	}
	hs := make([]Holiday, 0, len(div.Events))
	for i, e := range div.Events {
		d, err := ParseDate(e.Date)
		if err != nil {
			return nil, fmt.Errorf("bank holidays: event %d (%q): %w", i+1, e.Title, err)
		}
		title := strings.TrimSpace(e.Title)
		if title == "" {
			return nil, fmt.Errorf("bank holidays: event %d (%s) has no title", i+1, d)
		}
		hs = append(hs, Holiday{Date: d, Title: holidayTitle(title, e.Notes)})
	}
	sortHolidays(hs)
	return hs, nil
}

// holidayTitle joins a gov.uk title and its notes: "Christmas Day" and
// "Substitute day" make "Christmas Day (substitute day)".
func holidayTitle(title, notes string) string {
	notes = strings.TrimSpace(notes)
	if notes == "" {
		return title
	}
	return title + " (" + strings.ToLower(notes[:1]) + notes[1:] + ")"
}

func sortHolidays(hs []Holiday) {
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].Date.Before(hs[j].Date) })
}

// The names gov.uk gives the standing bank holidays.
const (
	titleNewYear   = "New Year’s Day"
	titleGoodFri   = "Good Friday"
	titleEasterMon = "Easter Monday"
	titleEarlyMay  = "Early May bank holiday"
	titleSpring    = "Spring bank holiday"
	titleSummer    = "Summer bank holiday"
	titleChristmas = "Christmas Day"
	titleBoxing    = "Boxing Day"
	noteSubstitute = "Substitute day"
)

// StandingHolidays returns the bank holidays in England for year y as the
// standing rules make them, before any proclamation moves one or adds a
// one-off. The Banking and Financial Dealings Act 1971 s.1 and Schedule 1
// give Easter Monday, the last Monday in May, the last Monday in August and
// 26 December (27 December when 25 or 26 December is a Sunday); royal
// proclamation adds New Year's Day and the first Monday in May each year,
// and a substitute weekday when New Year's Day, Christmas Day or Boxing Day
// falls at a weekend; Christmas Day and Good Friday are common-law holidays. dco uses it
// for years the published list does not yet reach and marks the answers
// provisional.
func StandingHolidays(y int) []Holiday {
	var hs []Holiday
	add := func(d Date, title, notes string) {
		hs = append(hs, Holiday{Date: d, Title: holidayTitle(title, notes)})
	}

	newYear := NewDate(y, time.January, 1)
	switch newYear.Weekday() {
	case time.Saturday:
		add(newYear.AddDays(2), titleNewYear, noteSubstitute)
	case time.Sunday:
		add(newYear.AddDays(1), titleNewYear, noteSubstitute)
	default:
		add(newYear, titleNewYear, "")
	}

	easter := EasterSunday(y)
	add(easter.AddDays(-2), titleGoodFri, "")
	add(easter.AddDays(1), titleEasterMon, "")
	add(nthWeekday(y, time.May, time.Monday, 1), titleEarlyMay, "")
	add(lastWeekday(y, time.May, time.Monday), titleSpring, "")
	add(lastWeekday(y, time.August, time.Monday), titleSummer, "")

	christmas := NewDate(y, time.December, 25)
	switch christmas.Weekday() {
	case time.Friday: // Boxing Day on Saturday moves to Monday 28th
		add(christmas, titleChristmas, "")
		add(christmas.AddDays(3), titleBoxing, noteSubstitute)
	case time.Saturday: // both move: Monday 27th and Tuesday 28th
		add(christmas.AddDays(2), titleChristmas, noteSubstitute)
		add(christmas.AddDays(3), titleBoxing, noteSubstitute)
	case time.Sunday: // Boxing Day keeps Monday 26th; Christmas moves to the 27th
		add(christmas.AddDays(1), titleBoxing, "")
		add(christmas.AddDays(2), titleChristmas, noteSubstitute)
	default:
		add(christmas, titleChristmas, "")
		add(christmas.AddDays(1), titleBoxing, "")
	}
	sortHolidays(hs)
	return hs
}

// MinBankHolidays is the fewest bank holidays England has in any year: the
// eight StandingHolidays gives (New Year's Day, Good Friday, Easter Monday,
// the early May, spring and summer bank holidays, Christmas Day and Boxing
// Day). A substitute day replaces the day it stands for and a proclamation
// that moves a holiday (the early May holiday to VE Day in 2020, the spring
// holiday for the jubilees of 2012 and 2022) keeps the count, while one-off
// holidays only add to it: gov.uk lists 8 for most years, 9 for 2012 and
// 2023, 10 for 2022. Banking and Financial Dealings Act 1971 s.1 and
// Schedule 1, with the annual royal proclamations.
const MinBankHolidays = 8

// CompleteYear reports whether n bank holidays listed for one year can be
// that whole year: at least MinBankHolidays. A list with fewer holds only
// part of the year (a file cut at a month, or one date imported on its
// own), and a calendar built on it would count a missing holiday as a
// working day, so dco neither treats such a year as known nor imports it.
func CompleteYear(n int) bool { return n >= MinBankHolidays }

// EasterSunday returns the date of Easter Sunday in year y of the
// Gregorian calendar, by the anonymous Gregorian computus (Meeus, Jones,
// Butcher), the rule the Church of England's tables follow.
func EasterSunday(y int) Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return NewDate(y, time.Month(month), day)
}

// nthWeekday returns the nth (1-based) weekday wd of month m in year y.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) Date {
	first := NewDate(y, m, 1)
	offset := (int(wd) - int(first.Weekday()) + 7) % 7
	return first.AddDays(offset + 7*(n-1))
}

// lastWeekday returns the last weekday wd of month m in year y.
func lastWeekday(y int, m time.Month, wd time.Weekday) Date {
	last := NewDate(y, m, daysInMonth(y, m))
	offset := (int(last.Weekday()) - int(wd) + 7) % 7
	return last.AddDays(-offset)
}
