package send

import "testing"

func TestLocalStandardDue(t *testing.T) {
	tests := []struct {
		name string
		from string
		days int
		want string
	}{
		{"ten days lands on a Sunday and stays there", "2025-05-01", 10, "2025-05-11"},
		{"over a bank holiday, not skipped", "2025-05-01", 4, "2025-05-05"},
		{"across a month and a year end", "2025-12-25", 10, "2026-01-04"},
		{"across 29 February", "2024-02-20", 10, "2024-03-01"},
		{"one day", "2025-05-01", 1, "2025-05-02"},
		{"the longest standard a setting allows", "2025-05-01", 365, "2026-05-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LocalStandardDue(d(t, tt.from), tt.days); got.String() != tt.want {
				t.Errorf("LocalStandardDue(%s, %d): got %s, want %s", tt.from, tt.days, got, tt.want)
			}
		})
	}
}

func TestLocalStandardMet(t *testing.T) {
	tests := []struct {
		name       string
		from, done string
		days       int
		want       bool
	}{
		{"same day", "2025-05-01", "2025-05-01", 10, true},
		{"on the due day", "2025-05-01", "2025-05-11", 10, true},
		{"the day after", "2025-05-01", "2025-05-12", 10, false},
		{"well late", "2025-05-01", "2025-06-01", 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LocalStandardMet(d(t, tt.from), d(t, tt.done), tt.days); got != tt.want {
				t.Errorf("LocalStandardMet(%s, %s, %d): got %v, want %v", tt.from, tt.done, tt.days, got, tt.want)
			}
		})
	}
}

// TestLocalStandardOverdueBefore proves the cut-off a query uses agrees
// with LocalStandardDue for every start day around it.
func TestLocalStandardOverdueBefore(t *testing.T) {
	tests := []struct {
		name  string
		today string
		days  int
		want  string
	}{
		{"ten days", "2025-06-02", 10, "2025-05-23"},
		{"across a year end", "2026-01-03", 10, "2025-12-24"},
		{"one day", "2025-03-01", 1, "2025-02-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			today := d(t, tt.today)
			cut := LocalStandardOverdueBefore(today, tt.days)
			if cut.String() != tt.want {
				t.Errorf("LocalStandardOverdueBefore(%s, %d): got %s, want %s", tt.today, tt.days, cut, tt.want)
			}
			for start := today.AddDays(-tt.days - 5); !start.After(today); start = start.AddDays(1) {
				overdue := today.After(LocalStandardDue(start, tt.days))
				if got := start.Before(cut); got != overdue {
					t.Errorf("start %s: before the cut-off %v, but overdue on %s %v", start, got, today, overdue)
				}
			}
		})
	}
}
