package send

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseBankHolidaysEmbedded(t *testing.T) {
	hs, err := ParseBankHolidays(bytes.NewReader(bankHolidaysJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 140 {
		t.Errorf("got %d England and Wales holidays, want 140", len(hs))
	}
	for i := 1; i < len(hs); i++ {
		if !hs[i-1].Date.Before(hs[i].Date) {
			t.Fatalf("holidays not in date order at %s, %s", hs[i-1].Date, hs[i].Date)
		}
	}
	want := map[string]string{
		"2012-06-05": "Queen’s Diamond Jubilee (extra bank holiday)",
		"2020-05-08": "Early May bank holiday (VE day)",
		"2022-06-03": "Platinum Jubilee bank holiday",
		"2022-09-19": "Bank Holiday for the State Funeral of Queen Elizabeth II",
		"2023-05-08": "Bank holiday for the coronation of King Charles III",
		"2021-12-27": "Christmas Day (substitute day)",
		"2028-01-03": "New Year’s Day (substitute day)",
	}
	got := map[string]string{}
	for _, h := range hs {
		got[h.Date.String()] = h.Title
	}
	for date, title := range want {
		if got[date] != title {
			t.Errorf("%s: got %q, want %q", date, got[date], title)
		}
	}
}

func TestParseBankHolidaysErrors(t *testing.T) {
	tests := []struct {
		name, json string
		is         error  // when set, errors.Is must hold
		contains   string // the message must mention this
	}{
		{"not JSON", `{"england-and-wales":`, ErrBankHolidaysJSON, "format"},
		{"wrong shape", `[1,2,3]`, ErrBankHolidaysJSON, "format"},
		{"no division", `{"scotland":{"division":"scotland","events":[{"title":"x","date":"2025-01-01"}]}}`, ErrBankHolidaysDivision, "england-and-wales"},
		{"no events", `{"england-and-wales":{"division":"england-and-wales","events":[]}}`, ErrBankHolidaysJSON, "no holidays"},
		{"impossible date", `{"england-and-wales":{"events":[{"title":"Leap","date":"2023-02-29"}]}}`, nil, `"2023-02-29" is not a real date`},
		{"wrong date form", `{"england-and-wales":{"events":[{"title":"Slash","date":"01/01/2025"}]}}`, nil, "YYYY-MM-DD"},
		{"no title", `{"england-and-wales":{"events":[{"title":" ","date":"2025-01-01"}]}}`, nil, "no title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseBankHolidays(strings.NewReader(tt.json))
			if err == nil {
				t.Fatal("got no error, want one")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("got %v, want it to wrap %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("got %q, want it to mention %q", err, tt.contains)
			}
		})
	}
}

func TestParseBankHolidaysKeepsOnlyEngland(t *testing.T) {
	const in = `{
	  "england-and-wales": {"division": "england-and-wales", "events": [
	    {"title": "Boxing Day", "date": "2030-12-26", "notes": "", "bunting": true},
	    {"title": "Christmas Day", "date": "2030-12-25", "notes": "", "bunting": true}]},
	  "scotland": {"division": "scotland", "events": [
	    {"title": "St Andrew’s Day", "date": "2030-12-02", "notes": "", "bunting": true}]}}`
	hs, err := ParseBankHolidays(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Holiday{{d(t, "2030-12-25"), "Christmas Day"}, {d(t, "2030-12-26"), "Boxing Day"}}
	if len(hs) != len(want) {
		t.Fatalf("got %v, want %v", hs, want)
	}
	for i := range want {
		if !hs[i].Date.Equal(want[i].Date) || hs[i].Title != want[i].Title {
			t.Errorf("holiday %d: got %v, want %v", i, hs[i], want[i])
		}
	}
}

func TestEasterSunday(t *testing.T) {
	for _, s := range []string{
		"2000-04-23", "2008-03-23", "2011-04-24", "2019-04-21", "2022-04-17",
		"2024-03-31", "2025-04-20", "2026-04-05", "2038-04-25", "1943-04-25", "1913-03-23",
	} {
		want := d(t, s)
		if got := EasterSunday(want.Year()); !got.Equal(want) {
			t.Errorf("Easter %d: got %s, want %s", want.Year(), got, want)
		}
	}
}

// TestStandingHolidaysReproducePublished checks the standing rules against
// every year of the gov.uk file. They must agree except where a holiday was
// moved or added by proclamation, and those differences are listed here.
func TestStandingHolidaysReproducePublished(t *testing.T) {
	published, err := ParseBankHolidays(bytes.NewReader(bankHolidaysJSON))
	if err != nil {
		t.Fatal(err)
	}
	byYear := map[int]map[string]string{}
	for _, h := range published {
		y := h.Date.Year()
		if byYear[y] == nil {
			byYear[y] = map[string]string{}
		}
		byYear[y][h.Date.String()] = h.Title
	}
	// Dates only the published list has (one-offs and moved days), and
	// dates only the standing rules have (the days they were moved from).
	onlyPublished := map[string]bool{
		"2012-06-04": true, "2012-06-05": true, // Diamond Jubilee; spring holiday moved
		"2020-05-08": true,                     // early May moved to VE day
		"2022-06-02": true, "2022-06-03": true, // Platinum Jubilee; spring holiday moved
		"2022-09-19": true, // State Funeral of Queen Elizabeth II
		"2023-05-08": true, // coronation of King Charles III
	}
	onlyStanding := map[string]bool{"2012-05-28": true, "2020-05-04": true, "2022-05-30": true}

	for y := 2012; y <= 2028; y++ {
		pub := byYear[y]
		if len(pub) == 0 {
			t.Fatalf("no published holidays for %d", y)
		}
		std := map[string]string{}
		for _, h := range StandingHolidays(y) {
			std[h.Date.String()] = h.Title
		}
		for date, title := range pub {
			if onlyPublished[date] {
				if _, ok := std[date]; ok {
					t.Errorf("%s (%s): standing rules give it too; the test's list of one-offs is wrong", date, title)
				}
				continue
			}
			if std[date] != title {
				t.Errorf("%d: published %s %q, standing rules give %q", y, date, title, std[date])
			}
		}
		for date, title := range std {
			if _, ok := pub[date]; !ok && !onlyStanding[date] {
				t.Errorf("%d: standing rules give %s %q, which is not published", y, date, title)
			}
		}
	}
}

func TestStandingHolidaysSubstitutes(t *testing.T) {
	tests := []struct {
		year int
		want []string // the date of every holiday in December and January
	}{
		{2021, []string{"2021-01-01", "2021-12-27", "2021-12-28"}}, // Christmas on Saturday
		{2022, []string{"2022-01-03", "2022-12-26", "2022-12-27"}}, // New Year on Saturday; Christmas on Sunday
		{2026, []string{"2026-01-01", "2026-12-25", "2026-12-28"}}, // Boxing Day on Saturday
		{2027, []string{"2027-01-01", "2027-12-27", "2027-12-28"}},
		{2028, []string{"2028-01-03", "2028-12-25", "2028-12-26"}}, // New Year on Saturday
		{2033, []string{"2033-01-03", "2033-12-26", "2033-12-27"}}, // New Year on Saturday; Christmas on Sunday
		{2034, []string{"2034-01-02", "2034-12-25", "2034-12-26"}}, // New Year on Sunday
	}
	for _, tt := range tests {
		var got []string
		for _, h := range StandingHolidays(tt.year) {
			if m := h.Date.Month(); m == 1 || m == 12 {
				got = append(got, h.Date.String())
			}
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%d: got %v, want %v", tt.year, got, tt.want)
		}
	}
}

func TestStandingHolidaysShape(t *testing.T) {
	for y := 1990; y <= 2200; y++ {
		hs := StandingHolidays(y)
		if len(hs) != 8 {
			t.Fatalf("%d: got %d holidays, want 8", y, len(hs))
		}
		for _, h := range hs {
			if wd := h.Date.Weekday(); wd == 0 || wd == 6 {
				if h.Title != titleChristmas {
					t.Errorf("%d: %s %q falls at a weekend", y, h.Date, h.Title)
				}
			}
			if h.Date.Year() != y {
				t.Errorf("%d: %s %q is in another year", y, h.Date, h.Title)
			}
		}
	}
}
