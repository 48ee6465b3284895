package send

import "testing"

func TestParseException(t *testing.T) {
	tests := []struct {
		in      string
		want    Exception
		wantErr bool
	}{
		{"", "", false},
		{"missed_appointment", ExceptionMissedAppointment, false},
		{"exceptional_circumstances", ExceptionExceptionalCircumstances, false},
		{"absent_from_area", ExceptionAbsentFromArea, false},
		{"Missed appointment", "", true},
		{"holiday", "", true},
	}
	for _, tt := range tests {
		got, err := ParseException(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseException(%q): got %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
	for _, e := range Exceptions() {
		if e.Label() == string(e) || e.Label() == "" {
			t.Errorf("%s: no label", e)
		}
	}
	if got := Exception("").Label(); got != "None" {
		t.Errorf("empty label: got %q, want None", got)
	}
}

func TestOnTime(t *testing.T) {
	due := d(t, "2025-10-13")
	tests := []struct {
		name            string
		returned        Date
		exc             Exception
		onTime, counted bool
	}{
		{"early", d(t, "2025-10-01"), "", true, true},
		{"on the due date", due, "", true, true},
		{"a day late", d(t, "2025-10-14"), "", false, true},
		{"late with an exception", d(t, "2025-11-20"), ExceptionMissedAppointment, false, false},
		{"on time with an exception", d(t, "2025-10-10"), ExceptionAbsentFromArea, true, false},
		{"not returned", Date{}, "", false, false},
	}
	for _, tt := range tests {
		onTime, counted := OnTime(due, tt.returned, tt.exc)
		if onTime != tt.onTime || counted != tt.counted {
			t.Errorf("%s: got onTime=%v counted=%v, want %v %v", tt.name, onTime, counted, tt.onTime, tt.counted)
		}
	}
}

func TestDueStatusAndText(t *testing.T) {
	due := d(t, "2025-03-01")
	tests := []struct {
		today   string
		days    int
		overdue bool
		text    string
	}{
		{"2025-03-01", 0, false, "due today"},
		{"2025-02-28", 1, false, "due in 1 day"},
		{"2025-02-26", 3, false, "due in 3 days"},
		{"2025-03-02", 1, true, "1 day overdue"},
		{"2025-03-06", 5, true, "5 days overdue"},
		{"2024-03-01", 365, false, "due in 365 days"},
	}
	for _, tt := range tests {
		days, overdue := DueStatus(d(t, tt.today), due)
		if days != tt.days || overdue != tt.overdue {
			t.Errorf("%s: got %d %v, want %d %v", tt.today, days, overdue, tt.days, tt.overdue)
		}
		if got := DueText(d(t, tt.today), due); got != tt.text {
			t.Errorf("%s: got %q, want %q", tt.today, got, tt.text)
		}
	}
}
