package send

import (
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
	c := NewCalendar([]Holiday{{d(t, "2024-01-01"), "New Year’s Day"}})
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
	extra := []Holiday{
		{d(t, "2029-01-01"), "New Year’s Day"},
		{d(t, "2029-06-01"), "Imagined one-off bank holiday"},
		{d(t, "2028-12-26"), "Boxing Day (imported)"},
	}
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
	if got, want := len(c.Holidays()), len(base.Holidays())+2; got != want {
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

func TestCalendarConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := DefaultCalendar()
			from := NewDate(2020+i, 1, 1)
			for n := 0; n < 300; n++ {
				c.AddWorkingDays(from, n)
			}
			c.With([]Holiday{{NewDate(2035, 1, 1), "x"}}).IsWorkingDay(from)
		}(i)
	}
	wg.Wait()
}
