package adviceweb

import (
	"testing"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
)

// A returned request says whether it met the six weeks and, when late, by
// how many days: the days from the due date to the day it was returned.
func TestOnTimeText(t *testing.T) {
	due := send.NewDate(2025, 6, 2)
	tests := []struct {
		name     string
		state    advice.State
		returned send.Date
		exc      send.Exception
		want     string
	}{
		{"open", advice.StateOpen, send.Date{}, "", ""},
		{"returned on the due date", advice.StateReturned, due, "", "On time"},
		{"returned early", advice.StateReturned, due.AddDays(-10), "", "On time"},
		{"one day late", advice.StateReturned, due.AddDays(1), "", "Late, 1 day after the due date"},
		{"eleven days late over a month end", advice.StateReturned, send.NewDate(2025, 6, 13), "", "Late, 11 days after the due date"},
		{"late with an exception", advice.StateReturned, due.AddDays(3), send.ExceptionAbsentFromArea, "Late (exception recorded: not counted in the measure)"},
		{"on time with an exception", advice.StateReturned, due, send.ExceptionAbsentFromArea, "On time (exception recorded: not counted in the measure)"},
		{"withdrawn", advice.StateWithdrawn, due.AddDays(5), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := advicedb.Request{State: tc.state, DueOn: due, ReturnedOn: tc.returned, Exception: advice.Exception{Kind: tc.exc}}
			if got := onTimeText(r); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
