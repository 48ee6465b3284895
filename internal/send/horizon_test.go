package send

import "testing"

// The "due soon" horizon counts five working days, so it reaches further
// over bank holidays; "this week" is always seven calendar days.
func TestHorizons(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		name        string
		today       string
		soon        string
		week        string
		provisional bool
	}{
		{"a Monday: the next Monday", "2025-06-02", "2025-06-09", "2025-06-09", false},
		{"a Wednesday: over one weekend", "2025-06-04", "2025-06-11", "2025-06-11", false},
		{"a Saturday: from the Monday after", "2025-06-07", "2025-06-13", "2025-06-14", false},
		{"Friday before Christmas: 25 and 26 December skipped", "2024-12-20", "2024-12-31", "2024-12-27", false},
		{"Thursday before Easter: Good Friday and Easter Monday skipped", "2025-04-17", "2025-04-28", "2025-04-24", false},
		{"late in the last known year: provisional", "2028-12-28", "2029-01-05", "2029-01-04", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			today := d(t, tc.today)
			soon, prov := c.DueSoonBy(today)
			if soon.String() != tc.soon || prov != tc.provisional {
				t.Errorf("DueSoonBy(%s): got %s (provisional %v), want %s (provisional %v)", tc.today, soon, prov, tc.soon, tc.provisional)
			}
			if got := WeekAheadBy(today); got.String() != tc.week {
				t.Errorf("WeekAheadBy(%s): got %s, want %s", tc.today, got, tc.week)
			}
		})
	}
}
