package send

import (
	"encoding/json"
	"testing"
	"time"
)

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2025-02-17", "2024-02-29", "2023-02-29", "1900-01-01", "2200-12-31", "2201-01-01", "17/02/2025", "", "2025-1-1", "+025-01-01", "2025-02-17T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseDate(s)
		if err != nil {
			if !v.IsZero() {
				t.Fatalf("%q: error %v with a date %s", s, err, v)
			}
			return
		}
		if v.String() != s {
			t.Fatalf("%q: parsed as %s, which does not round trip", s, v)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back Date
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(v) {
			t.Fatalf("%q: JSON %s reads back as %s, %v", s, b, back, err)
		}
		// Arithmetic on any accepted date stays sane.
		if got := v.AddMonths(12); got.Day() > v.Day() || got.Year() != v.Year()+1 {
			t.Fatalf("%s + 12 months = %s", v, got)
		}
		if v.DaysUntil(v.AddDays(100)) != 100 {
			t.Fatalf("%s: DaysUntil and AddDays disagree", v)
		}
		_ = DefaultCalendar().IsWorkingDay(v)
		from, until := CompulsorySchoolAge(v)
		if !until.After(from) {
			t.Fatalf("born %s: school age %s to %s", v, from, until)
		}
		_ = Derive(v, v.AddDays(4000))
	})
}

func TestDateLong(t *testing.T) {
	if got := d(t, "2025-02-17").Long(); got != "17 February 2025" {
		t.Errorf("got %q, want %q", got, "17 February 2025")
	}
	if got := NewDate(2025, time.March, 1).String(); got != "2025-03-01" {
		t.Errorf("got %q", got)
	}
}
