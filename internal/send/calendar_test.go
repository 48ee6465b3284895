package send

import (
	"fmt"
	"sync"
	"testing"
)

func TestDefaultCalendar(t *testing.T) {
	c := DefaultCalendar()
	if c != DefaultCalendar() {
		t.Error("DefaultCalendar parsed the file twice")
	}
	if got := c.FirstKnownYear(); got != 2012 {
		t.Errorf("FirstKnownYear: got %d, want 2012", got)
	}
	if got := c.LastKnownYear(); got != 2028 {
		t.Errorf("LastKnownYear: got %d, want 2028", got)
	}
	if got := len(c.Holidays()); got != 140 {
		t.Errorf("Holidays: got %d, want 140", got)
	}
	// Every year of the embedded gov.uk list is complete, so all of them,
	// and only they, are known.
	years := c.KnownYears()
	if len(years) != 2028-2012+1 {
		t.Fatalf("KnownYears: got %v, want 2012 to 2028", years)
	}
	for i, y := range years {
		if y != 2012+i {
			t.Errorf("KnownYears[%d]: got %d, want %d", i, y, 2012+i)
		}
		if n := c.HolidaysIn(y); !CompleteYear(n) {
			t.Errorf("%d: got %d holidays, want at least %d", y, n, MinBankHolidays)
		}
	}
}

func TestCompleteYear(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want bool
	}{
		{"none", 0, false},
		{"one date imported alone", 1, false},
		{"one holiday missing", 7, false},
		{"the standing eight", 8, true},
		{"a coronation year", 9, true},
		{"2022, jubilee and state funeral", 10, true},
	}
	for _, tt := range tests {
		if got := CompleteYear(tt.n); got != tt.want {
			t.Errorf("%s: CompleteYear(%d): got %v, want %v", tt.name, tt.n, got, tt.want)
		}
	}
	// The standing rules give exactly the minimum every year.
	for y := 1990; y <= 2100; y++ {
		if n := len(StandingHolidays(y)); n != MinBankHolidays {
			t.Fatalf("%d: StandingHolidays gives %d, want %d", y, n, MinBankHolidays)
		}
	}
}

// A year is known only if the list holds all of it: importing one date of
// 2030 neither settles 2030 nor the gap year 2029 before it. This is the
// case found in review, where 7 May 2029 was lost.
func TestCalendarKnownYearByYear(t *testing.T) {
	base := DefaultCalendar()
	oneDate := base.With([]Holiday{{d(t, "2030-01-01"), "New Year’s Day"}})
	full2030 := base.With(StandingHolidays(2030))
	tests := []struct {
		name        string
		cal         *Calendar
		from        string
		want        string
		provisional bool
		last        int
	}{
		{"one date of 2030: a 2029 date", oneDate, "2029-05-03", "2029-05-09", true, 2028},
		{"one date of 2030: a 2030 date", oneDate, "2030-04-18", "2030-04-25", true, 2028},
		{"all of 2030: 2029 is still a gap", full2030, "2029-05-03", "2029-05-09", true, 2030},
		{"all of 2030: a 2030 date", full2030, "2030-04-18", "2030-04-25", false, 2030},
		{"all of 2030: 2028 still known", full2030, "2028-12-20", "2028-12-27", false, 2030},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, prov := tt.cal.AddWorkingDays(d(t, tt.from), 3)
			if due.String() != tt.want || prov != tt.provisional {
				t.Errorf("got %s provisional=%v, want %s provisional=%v", due, prov, tt.want, tt.provisional)
			}
			if got := tt.cal.LastKnownYear(); got != tt.last {
				t.Errorf("LastKnownYear: got %d, want %d", got, tt.last)
			}
		})
	}
	if full2030.Known(d(t, "2029-06-01")) {
		t.Error("2029: got known, want not known (nothing of it was imported)")
	}
	if got, want := fmt.Sprint(full2030.KnownYears()[len(full2030.KnownYears())-2:]), "[2028 2030]"; got != want {
		t.Errorf("last two known years: got %s, want %s", got, want)
	}
}

// In a year the list holds only in part, a date it names is a holiday as
// well as those of the standing rules.
func TestCalendarPartYearListedAndStanding(t *testing.T) {
	c := DefaultCalendar().With([]Holiday{{d(t, "2031-06-02"), "Imagined one-off bank holiday"}})
	tests := []struct{ date, want string }{
		{"2031-06-02", "Imagined one-off bank holiday"},
		{"2031-05-05", "Early May bank holiday"},
		{"2031-06-03", ""},
	}
	for _, tt := range tests {
		got, ok := c.Holiday(d(t, tt.date))
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: got %q %v, want %q", tt.date, got, ok, tt.want)
		}
	}
	if c.Known(d(t, "2031-06-02")) {
		t.Error("2031: got known, want not known")
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		date string
		want bool
		why  string
	}{
		{"2025-09-03", true, "an ordinary Wednesday"},
		{"2025-09-06", false, "Saturday"},
		{"2025-09-07", false, "Sunday"},
		{"2022-06-02", false, "spring bank holiday moved for the Platinum Jubilee"},
		{"2022-06-03", false, "Platinum Jubilee bank holiday"},
		{"2022-05-30", true, "last Monday in May 2022, a working day because the holiday moved"},
		{"2022-09-19", false, "State Funeral of Queen Elizabeth II"},
		{"2023-05-08", false, "coronation of King Charles III"},
		{"2020-05-08", false, "early May holiday moved to VE day"},
		{"2020-05-04", true, "first Monday in May 2020, a working day because the holiday moved"},
		{"2021-12-27", false, "Christmas Day substitute"},
		{"2021-12-28", false, "Boxing Day substitute"},
		{"2021-12-29", true, "first working day after Christmas 2021"},
		{"2022-12-26", false, "Boxing Day"},
		{"2022-12-27", false, "Christmas Day substitute"},
		{"2023-01-02", false, "New Year's Day substitute"},
		{"2027-12-27", false, "Christmas Day substitute"},
		{"2027-12-28", false, "Boxing Day substitute"},
		{"2028-01-03", false, "New Year's Day substitute"},
		{"2024-03-29", false, "Good Friday"},
		{"2024-04-01", false, "Easter Monday"},
		{"2024-02-29", true, "leap day, a Thursday"},
		{"2029-03-30", false, "Good Friday 2029, from the standing rules"},
		{"2029-05-07", false, "early May 2029, from the standing rules"},
		{"2030-12-25", false, "Christmas Day 2030, a Wednesday"},
		{"2032-12-27", false, "Christmas Day 2032 substitute, from the standing rules"},
		{"2029-05-08", true, "an ordinary Tuesday in 2029"},
		{"2011-04-29", true, "royal wedding 2011: before the file, so not known to dco"},
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(d(t, tt.date)); got != tt.want {
			t.Errorf("%s (%s): got %v, want %v", tt.date, tt.why, got, tt.want)
		}
	}
}

// Christmas Day and Good Friday are not working days under reg 2 whatever
// a holiday list says, even one that leaves them out.
func TestIsWorkingDayChristmasAndGoodFridayAlways(t *testing.T) {
	// A complete-looking 2024 that leaves out Good Friday, Christmas Day and
	// Boxing Day, with three imagined holidays in their place.
	var hs []Holiday
	for _, h := range StandingHolidays(2024) {
		switch h.Date.String() {
		case "2024-03-29", "2024-12-25", "2024-12-26":
			continue
		}
		hs = append(hs, h)
	}
	hs = append(hs, Holiday{d(t, "2024-07-01"), "x"}, Holiday{d(t, "2024-07-02"), "y"}, Holiday{d(t, "2024-07-03"), "z"})
	c := NewCalendar(hs)
	if !c.Known(d(t, "2024-01-01")) {
		t.Fatal("2024: got not known, want known")
	}
	for _, s := range []string{"2024-12-25", "2024-03-29"} {
		if c.IsWorkingDay(d(t, s)) {
			t.Errorf("%s: got a working day, want not", s)
		}
	}
	if !c.IsWorkingDay(d(t, "2024-12-26")) {
		t.Error("2024-12-26: a list without Boxing Day makes it a working day in a known year")
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		from        string
		n           int
		want        string
		provisional bool
	}{
		{"2025-12-23", 3, "2025-12-30", false}, // 24; 25, 26 holidays; 29, 30
		{"2024-03-28", 3, "2024-04-04", false}, // Good Friday and Easter Monday skipped
		{"2022-09-16", 1, "2022-09-20", false}, // Friday; Monday 19th is the Queen's funeral
		{"2023-05-05", 1, "2023-05-09", false}, // Friday; Monday 8th is the coronation
		{"2022-06-01", 1, "2022-06-06", false}, // Jubilee Thursday and Friday
		{"2021-12-24", 1, "2021-12-29", false}, // substitute days 27 and 28
		{"2022-12-23", 2, "2022-12-29", false}, // 26 Boxing Day, 27 substitute
		{"2027-12-24", 1, "2027-12-29", false},
		{"2025-09-06", 3, "2025-09-10", false}, // from a Saturday
		{"2025-09-05", 0, "2025-09-05", false},
		{"2025-12-30", -3, "2025-12-23", false},
		{"2024-04-02", -1, "2024-03-28", false},
		{"2028-12-20", 3, "2028-12-27", false}, // 25, 26 Dec 2028 are published
		{"2028-12-29", 3, "2029-01-04", true},  // New Year 2029 from the standing rules
		{"2031-12-23", 3, "2031-12-30", true},
		{"2012-01-02", -1, "2011-12-30", true}, // before the file
	}
	for _, tt := range tests {
		got, prov := c.AddWorkingDays(d(t, tt.from), tt.n)
		if got.String() != tt.want || prov != tt.provisional {
			t.Errorf("%s %+d working days: got %s provisional=%v, want %s provisional=%v",
				tt.from, tt.n, got, prov, tt.want, tt.provisional)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		from, to string
		want     int
	}{
		{"2025-12-23", "2025-12-30", 3},
		{"2025-12-30", "2025-12-23", -3},
		{"2025-09-01", "2025-09-01", 0},
		{"2025-09-01", "2025-09-08", 5},
		{"2022-09-16", "2022-09-20", 1},
	}
	for _, tt := range tests {
		got, _ := c.WorkingDaysBetween(d(t, tt.from), d(t, tt.to))
		if got != tt.want {
			t.Errorf("%s to %s: got %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
	// AddWorkingDays and WorkingDaysBetween agree.
	from := d(t, "2022-01-01")
	for n := 1; n <= 400; n++ {
		to, _ := c.AddWorkingDays(from, n)
		if got, _ := c.WorkingDaysBetween(from, to); got != n {
			t.Fatalf("%s to %s: got %d working days, want %d", from, to, got, n)
		}
	}
}

func TestCalendarWith(t *testing.T) {
	base := DefaultCalendar()
	extra := append(StandingHolidays(2029),
		Holiday{d(t, "2029-06-01"), "Imagined one-off bank holiday"},
		Holiday{d(t, "2028-12-26"), "Boxing Day (imported)"},
	)
	c := base.With(extra)
	if base.LastKnownYear() != 2028 || !base.IsWorkingDay(d(t, "2029-06-01")) {
		t.Fatal("With changed the calendar it was called on")
	}
	if got := c.LastKnownYear(); got != 2029 {
		t.Errorf("LastKnownYear: got %d, want 2029", got)
	}
	if c.IsWorkingDay(d(t, "2029-06-01")) {
		t.Error("2029-06-01: imported one-off is a working day")
	}
	if title, _ := c.Holiday(d(t, "2028-12-26")); title != "Boxing Day (imported)" {
		t.Errorf("2028-12-26: got %q, want the imported title", title)
	}
	if title, _ := c.Holiday(d(t, "2022-09-19")); title == "" {
		t.Error("2022-09-19: the embedded holidays were lost")
	}
	if got, want := len(c.Holidays()), len(base.Holidays())+9; got != want {
		t.Errorf("got %d holidays, want %d", got, want)
	}
	// 2029 is now known: 28 Dec 2028 + 3 working days is no longer provisional.
	if due, prov := c.AddWorkingDays(d(t, "2028-12-29"), 3); due.String() != "2029-01-04" || prov {
		t.Errorf("got %s provisional=%v, want 2029-01-04 provisional=false", due, prov)
	}
}

func TestCalendarHoliday(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct{ date, want string }{
		{"2022-09-19", "Bank Holiday for the State Funeral of Queen Elizabeth II"},
		{"2026-12-28", "Boxing Day (substitute day)"},
		{"2030-04-22", "Easter Monday"},
		{"2025-09-03", ""},
	}
	for _, tt := range tests {
		got, ok := c.Holiday(d(t, tt.date))
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: got %q %v, want %q", tt.date, got, ok, tt.want)
		}
	}
}

func TestEmptyCalendar(t *testing.T) {
	c := NewCalendar(nil)
	if c.LastKnownYear() != 0 || c.Known(d(t, "2025-01-01")) {
		t.Error("an empty calendar claims to know a year")
	}
	due, prov := c.AddWorkingDays(d(t, "2025-12-23"), 3)
	if due.String() != "2025-12-30" || !prov {
		t.Errorf("got %s provisional=%v, want 2025-12-30 provisional=true", due, prov)
	}
}

// The calendar is shared by every request: eight goroutines asking it at
// once get the answers the same questions get asked one at a time
// (and, under -race, touch no shared state unguarded).
func TestCalendarConcurrentUse(t *testing.T) {
	const goroutines, span = 8, 300
	type answer struct {
		due         Date
		provisional bool
	}
	type answers struct {
		due     [span]answer
		working bool // 1 January, with an extra holiday added by With
	}
	extra := []Holiday{{NewDate(2035, 1, 1), "x"}}
	ask := func(c *Calendar, i int) answers {
		var a answers
		from := NewDate(2020+i, 1, 1)
		for n := range span {
			a.due[n].due, a.due[n].provisional = c.AddWorkingDays(from, n)
		}
		a.working = c.With(extra).IsWorkingDay(from)
		return a
	}
	got := make([]answers, goroutines)
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got[i] = ask(DefaultCalendar(), i)
		}(i)
	}
	wg.Wait()
	// New Year's Day 2020 was a Wednesday: five working days on is Wednesday 8th.
	if g := got[0].due[5].due; g != NewDate(2020, 1, 8) {
		t.Errorf("2020-01-01 plus 5 working days at once: got %s, want 2020-01-08", g)
	}
	for i := range goroutines {
		want := ask(DefaultCalendar(), i)
		from := NewDate(2020+i, 1, 1)
		for n := range span {
			if g, w := got[i].due[n], want.due[n]; g != w {
				t.Errorf("%s plus %d working days at once: got %s (provisional %v), want %s (provisional %v)",
					from, n, g.due, g.provisional, w.due, w.provisional)
			}
		}
		if got[i].working != want.working || got[i].working {
			t.Errorf("%s with an extra holiday: got working day %v, want false (a bank holiday)", from, got[i].working)
		}
		// Day 0 is the start itself; a working day later is after it.
		if got[i].due[0].due != from || !got[i].due[1].due.After(from) {
			t.Errorf("%s: got day 0 %s and day 1 %s, want the start and a later day", from, got[i].due[0].due, got[i].due[1].due)
		}
	}
}
