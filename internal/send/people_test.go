package send

import (
	"strconv"
	"testing"
	"time"
)

func TestCompulsorySchoolAge(t *testing.T) {
	tests := []struct {
		dob, from, until, why string
	}{
		// EXAMPLES.md
		{"2018-12-31", "2023-12-31", "2035-06-29", "fifth birthday on a prescribed day"},
		{"2018-01-01", "2023-03-31", "2034-06-30", "next prescribed day after the fifth birthday"},
		{"2018-08-31", "2023-08-31", "2034-06-30", "born on the last day of the school year"},
		{"2018-09-01", "2023-12-31", "2035-06-29", "one day younger: a school year later"},
		// more
		{"2019-03-31", "2024-03-31", "2035-06-29", "fifth birthday on 31 March"},
		{"2019-04-01", "2024-08-31", "2035-06-29", "the day after a prescribed day"},
		{"2019-09-01", "2024-12-31", "2036-06-27", "start of the school year"},
		{"2019-12-30", "2024-12-31", "2036-06-27", "the day before a prescribed day"},
		{"2020-02-29", "2025-03-31", "2036-06-27", "leap-day birth: fifth birthday 1 March 2025"},
		{"2018-06-29", "2023-08-31", "2034-06-30", "turns 16 on 29 June 2034, the day before the leaving date"},
		{"2018-06-30", "2023-08-31", "2034-06-30", "turns 16 on the school leaving date itself"},
		{"2018-07-01", "2023-08-31", "2034-06-30", "turns 16 the day after the last Friday in June: already left"},
		{"2007-09-01", "2012-12-31", "2024-06-28", "16 on 1 September 2023, leaves June 2024"},
		{"2008-08-31", "2013-08-31", "2024-06-28", "16 on 31 August 2024"},
	}
	for _, tt := range tests {
		from, until := CompulsorySchoolAge(d(t, tt.dob))
		if from.String() != tt.from || until.String() != tt.until {
			t.Errorf("%s (%s): got %s to %s, want %s to %s", tt.dob, tt.why, from, until, tt.from, tt.until)
		}
	}
}

// TestCompulsorySchoolAgeInvariants checks every birthday of 2000 to 2030
// against what the Act says in words.
func TestCompulsorySchoolAgeInvariants(t *testing.T) {
	for dob := d(t, "2000-01-01"); dob.Year() <= 2030; dob = dob.AddDays(1) {
		from, until := CompulsorySchoolAge(dob)
		if k := dayKey(from) % 10000; k != 331 && k != 831 && k != 1231 {
			t.Fatalf("%s: starts %s, not a prescribed day", dob, from)
		}
		fifth := anniversary(dob, 5)
		if from.Before(fifth) {
			t.Fatalf("%s: starts %s, before the fifth birthday", dob, from)
		}
		for y := fifth.Year(); y <= fifth.Year()+1; y++ {
			for _, p := range []Date{NewDate(y, 3, 31), NewDate(y, 8, 31), NewDate(y, 12, 31)} {
				if !p.Before(fifth) && p.Before(from) {
					t.Fatalf("%s: starts %s, but %s is an earlier prescribed day at 5", dob, from, p)
				}
			}
		}
		if until.Weekday() != time.Friday || until.Month() != time.June || until.Day() < 24 {
			t.Fatalf("%s: ends %s, not the last Friday in June", dob, until)
		}
		if a := AgeOn(dob, until); a != 15 && a != 16 {
			t.Fatalf("%s: aged %d on the leaving date %s", dob, a, until)
		}
		// The leaving date is in the school year in which they turn 16.
		if schoolYearStart(until) != schoolYearStart(anniversary(dob, 16)) {
			t.Fatalf("%s: leaves %s, not in the school year of the 16th birthday", dob, until)
		}
	}
}

func TestAgeOn(t *testing.T) {
	tests := []struct {
		dob, on string
		want    int
	}{
		{"2018-01-01", "2025-01-01", 7},
		{"2018-01-01", "2024-12-31", 6},
		{"2018-01-01", "2018-01-01", 0},
		{"2018-01-01", "2017-12-31", -1},
		{"2008-02-29", "2009-02-28", 0}, // no 29 February: the birthday is 1 March
		{"2008-02-29", "2009-03-01", 1},
		{"2008-02-29", "2012-02-28", 3},
		{"2008-02-29", "2012-02-29", 4},
		{"2000-02-29", "2025-02-28", 24},
		{"2000-02-29", "2025-03-01", 25},
	}
	for _, tt := range tests {
		if got := AgeOn(d(t, tt.dob), d(t, tt.on)); got != tt.want {
			t.Errorf("born %s, on %s: got %d, want %d", tt.dob, tt.on, got, tt.want)
		}
	}
}

func TestStatusOn(t *testing.T) {
	tests := []struct {
		dob, on string
		want    Status
	}{
		{"2018-01-01", "2025-01-01", StatusChild},
		{"2018-01-01", "2019-01-01", StatusChild}, // under compulsory school age is still a child
		{"2018-01-01", "2034-06-30", StatusChild}, // the last day
		{"2018-01-01", "2034-07-01", StatusYoungPerson},
		{"2018-09-01", "2035-06-29", StatusChild},
		{"2018-09-01", "2035-06-30", StatusYoungPerson},
		{"2018-07-01", "2034-06-30", StatusChild},
		{"2018-07-01", "2034-07-01", StatusYoungPerson}, // young person on the 16th birthday
		{"2000-05-10", "2025-05-09", StatusYoungPerson},
		{"2000-05-10", "2025-05-10", StatusOver25},
		{"2000-02-29", "2025-02-28", StatusYoungPerson},
		{"2000-02-29", "2025-03-01", StatusOver25},
	}
	for _, tt := range tests {
		if got := StatusOn(d(t, tt.dob), d(t, tt.on)); got != tt.want {
			t.Errorf("born %s, on %s: got %s, want %s", tt.dob, tt.on, got, tt.want)
		}
	}
	for _, s := range []Status{StatusChild, StatusYoungPerson, StatusOver25} {
		if s.Label() == string(s) {
			t.Errorf("%s: no label", s)
		}
	}
}

func TestNCYear(t *testing.T) {
	tests := []struct {
		dob, on, want string
	}{
		{"2018-08-31", "2022-08-31", ""},
		{"2018-08-31", "2022-09-01", "R"}, // oldest-first: 31 August is the last of its cohort
		{"2018-08-31", "2023-08-31", "R"},
		{"2018-08-31", "2023-09-01", "1"},
		{"2018-09-01", "2022-09-01", ""}, // one day younger: a year later
		{"2018-09-01", "2023-09-01", "R"},
		{"2017-09-01", "2022-09-01", "R"},
		{"2013-05-10", "2025-01-15", "7"},
		{"2012-09-01", "2025-01-15", "7"},
		{"2012-08-31", "2025-01-15", "8"},
		{"2006-09-01", "2025-08-31", "13"},
		{"2006-09-01", "2025-09-01", "14"},
		{"2006-08-31", "2024-09-01", "14"},
		{"2006-08-31", "2025-08-31", "14"},
		{"2006-08-31", "2025-09-01", ""}, // beyond year 14
		{"2020-02-29", "2024-09-02", "R"},
		{"2025-01-01", "2024-12-31", ""}, // not yet born
	}
	for _, tt := range tests {
		if got := NCYear(d(t, tt.dob), d(t, tt.on)); got != tt.want {
			t.Errorf("born %s, on %s: got %q, want %q", tt.dob, tt.on, got, tt.want)
		}
	}
}

// A child in year group N turns N+5 during that school year (Reception: 5).
func TestNCYearMatchesAge(t *testing.T) {
	on := d(t, "2025-01-15")
	endOfYear := d(t, "2025-08-31")
	for dob := d(t, "2004-01-01"); dob.Before(on); dob = dob.AddDays(1) {
		got := NCYear(dob, on)
		age := AgeOn(dob, endOfYear)
		want := ""
		switch {
		case age == 5:
			want = "R"
		case age >= 6 && age <= 19:
			want = strconv.Itoa(age - 5)
		}
		if got != want {
			t.Fatalf("born %s (%d on 31 Aug 2025): got %q, want %q", dob, age, got, want)
		}
	}
}

func TestSEN2AgeBand(t *testing.T) {
	dob := d(t, "2000-06-15")
	tests := []struct {
		on, want string
	}{
		{"2000-06-14", ""},
		{"2000-06-15", "under 5"},
		{"2005-06-14", "under 5"},
		{"2005-06-15", "5 to 10"},
		{"2011-06-14", "5 to 10"},
		{"2011-06-15", "11 to 15"},
		{"2016-06-14", "11 to 15"},
		{"2016-06-15", "16 to 19"},
		{"2020-06-14", "16 to 19"},
		{"2020-06-15", "20 to 25"},
		{"2026-06-14", "20 to 25"}, // aged 25
		{"2026-06-15", ""},         // 26
	}
	for _, tt := range tests {
		if got := SEN2AgeBand(dob, d(t, tt.on)); got != tt.want {
			t.Errorf("on %s: got %q, want %q", tt.on, got, tt.want)
		}
	}
}

func TestDerive(t *testing.T) {
	got := Derive(d(t, "2018-09-01"), d(t, "2025-01-15"))
	want := Derived{
		Age:                      6,
		CompulsorySchoolAgeFrom:  d(t, "2023-12-31"),
		CompulsorySchoolAgeUntil: d(t, "2035-06-29"),
		Status:                   StatusChild,
		NCYear:                   "1",
		SEN2AgeBand:              "5 to 10",
	}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
