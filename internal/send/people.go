package send

import (
	"strconv"
	"time"
)

// anniversary returns the day a person born on dob attains the given age.
// The Family Law Reform Act 1969 s.9 says a person attains an age at the
// start of the relevant anniversary of their birth. For someone born on
// 29 February the Act does not say which day that is in a year with no
// 29 February; dco follows the usual English reading that the anniversary
// is 1 March, the day after 28 February, so the person is not treated as
// older than they are.
func anniversary(dob Date, years int) Date {
	y := dob.Year() + years
	if dob.Month() == time.February && dob.Day() == 29 && !isLeap(y) {
		return NewDate(y, time.March, 1)
	}
	return NewDate(y, dob.Month(), dob.Day())
}

// AgeOn returns the age in whole years on the date on of a person born on
// dob: the number of birthdays they have had, counting the birthday itself
// (see anniversary for 29 February). It is negative when on is before dob.
func AgeOn(dob, on Date) int {
	age := on.Year() - dob.Year()
	if on.Before(anniversary(dob, age)) {
		age--
	}
	return age
}

// CompulsorySchoolAge returns the first and last days of compulsory school
// age for a child born on dob.
//
// It starts (Education Act 1996 s.8(2); Education (Start of Compulsory
// School Age) Order 1998, SI 1998/1607) on the fifth birthday when that is a
// prescribed day (31 December, 31 March or 31 August), otherwise on the next
// prescribed day after it.
//
// It ends (s.8(3) and (4); Education (School Leaving Date) Order 1997,
// SI 1997/1970) at the end of the school leaving date, the last Friday in
// June, of the school year (1 September to 31 August) in which the child
// turns 16: the same calendar year for a 16th birthday from January to
// August, the next one for a birthday from September to December.
func CompulsorySchoolAge(dob Date) (from, until Date) {
	fifth := anniversary(dob, 5)
	from = nextPrescribedDay(fifth)

	sixteenth := anniversary(dob, 16)
	y := sixteenth.Year()
	if sixteenth.Month() >= time.September {
		y++
	}
	return from, lastWeekday(y, time.June, time.Friday)
}

// nextPrescribedDay returns d if it is 31 March, 31 August or 31 December,
// otherwise the first of those days after d.
func nextPrescribedDay(d Date) Date {
	for _, p := range []Date{
		NewDate(d.Year(), time.March, 31),
		NewDate(d.Year(), time.August, 31),
		NewDate(d.Year(), time.December, 31),
	} {
		if !d.After(p) {
			return p
		}
	}
	return NewDate(d.Year()+1, time.March, 31)
}

// Status is whether someone is a child or a young person in the sense of the
// Children and Families Act 2014 s.83(2): a child is not over compulsory
// school age; a young person is over it but under 25.
type Status string

// The statuses.
const (
	StatusChild       Status = "child"
	StatusYoungPerson Status = "young_person"
	StatusOver25      Status = "over_25"
)

// Label returns the status as a page shows it.
func (s Status) Label() string {
	switch s {
	case StatusChild:
		return "Child"
	case StatusYoungPerson:
		return "Young person"
	case StatusOver25:
		return "Aged 25 or over"
	}
	return string(s)
}

// StatusOn returns the status on the date on of a person born on dob: a
// child up to and including the last day of compulsory school age, a young
// person from the next day until the day before the 25th birthday, over 25
// from that birthday. (An EHC plan may continue to the end of the academic
// year in which the young person turns 25, SEND Regulations 2014 reg 30;
// the status still changes on the birthday.)
func StatusOn(dob, on Date) Status {
	if _, until := CompulsorySchoolAge(dob); !on.After(until) {
		return StatusChild
	}
	if on.Before(anniversary(dob, 25)) {
		return StatusYoungPerson
	}
	return StatusOver25
}

// NCYear returns the national curriculum year group that a person born on
// dob is in on the date on, by age (the year group of their cohort, which a
// particular child may be taught outside): "R" for Reception, the school
// year in which the child turns 5, then "1" to "14", year 14 being the
// school year in which they turn 19. It is "" before Reception and after
// year 14. School years run from 1 September to 31 August.
func NCYear(dob, on Date) string {
	n := schoolYearStart(on) - (schoolYearStart(dob) + 1 + 4)
	switch {
	case n < 0 || n > 14:
		return ""
	case n == 0:
		return "R"
	}
	return strconv.Itoa(n)
}

// schoolYearStart returns the calendar year in which the school year
// holding d began: 2024 for any date from 1 September 2024 to 31 August 2025.
func schoolYearStart(d Date) int {
	if d.Month() >= time.September {
		return d.Year()
	}
	return d.Year() - 1
}

// SEN2AgeBand returns the age band the DfE SEN2 return publishes for a
// person born on dob, by age on the date on: "under 5", "5 to 10",
// "11 to 15", "16 to 19", "20 to 25"; "" over 25 or before birth.
func SEN2AgeBand(dob, on Date) string {
	switch age := AgeOn(dob, on); {
	case age < 0 || age > 25:
		return ""
	case age < 5:
		return "under 5"
	case age <= 10:
		return "5 to 10"
	case age <= 15:
		return "11 to 15"
	case age <= 19:
		return "16 to 19"
	default:
		return "20 to 25"
	}
}

// Derived is everything dco works out from a date of birth; none of it is
// stored or typed by hand (docs/design.md §3.1).
type Derived struct {
	Age                      int
	CompulsorySchoolAgeFrom  Date
	CompulsorySchoolAgeUntil Date
	Status                   Status
	NCYear                   string
	SEN2AgeBand              string
}

// Derive works out a person's age, compulsory school age, status, national
// curriculum year and SEN2 age band on the date on.
func Derive(dob, on Date) Derived {
	from, until := CompulsorySchoolAge(dob)
	return Derived{
		Age:                      AgeOn(dob, on),
		CompulsorySchoolAgeFrom:  from,
		CompulsorySchoolAgeUntil: until,
		Status:                   StatusOn(dob, on),
		NCYear:                   NCYear(dob, on),
		SEN2AgeBand:              SEN2AgeBand(dob, on),
	}
}
