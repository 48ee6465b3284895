package send

import "testing"

func TestAddMonths(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2023-05-31", 12, "2024-05-31"},
		{"2024-02-29", 12, "2025-02-28"}, // no 29 February in 2025
		{"2024-02-29", 48, "2028-02-29"},
		{"2025-01-31", 1, "2025-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2025-01-30", 1, "2025-02-28"},
		{"2025-03-31", 1, "2025-04-30"},
		{"2025-08-31", 6, "2026-02-28"},
		{"2025-12-31", 2, "2026-02-28"},
		{"2025-11-15", 3, "2026-02-15"},
		{"2024-03-31", -1, "2024-02-29"},
		{"2025-01-15", -13, "2023-12-15"},
		{"2025-01-15", -12, "2024-01-15"},
		{"2025-06-10", 0, "2025-06-10"},
		{"2100-01-31", 1, "2100-02-28"}, // 2100 is not a leap year
		{"2000-01-31", 1, "2000-02-29"}, // 2000 is
	}
	for _, tt := range tests {
		if got := d(t, tt.from).AddMonths(tt.n); got.String() != tt.want {
			t.Errorf("%s %+d months: got %s, want %s", tt.from, tt.n, got, tt.want)
		}
	}
}

func TestAddMonthsNeverSpills(t *testing.T) {
	for day := d(t, "2023-01-01"); day.Year() < 2026; day = day.AddDays(1) {
		for n := -25; n <= 25; n++ {
			got := day.AddMonths(n)
			wantMonth := (int(day.Month())-1+n%12+12)%12 + 1
			if int(got.Month()) != wantMonth {
				t.Fatalf("%s %+d months: got %s, in the wrong month", day, n, got)
			}
			if got.Day() > day.Day() {
				t.Fatalf("%s %+d months: got %s, a later day of the month", day, n, got)
			}
		}
	}
}
