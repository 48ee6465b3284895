package send

import (
	"errors"
	"strings"
	"testing"
)

func TestRulesTable(t *testing.T) {
	want := []string{
		"health-advice", "assessment-decision", "no-plan-decision", "final-plan",
		"draft-comments", "annual-review", "review-report", "review-decision",
		"phase-transfer", "phase-transfer-post16", "reg6-response",
		"mediation-arranged", "mediation-certificate",
	}
	rs := Rules()
	if len(rs) != len(want) {
		t.Fatalf("got %d rules, want %d", len(rs), len(want))
	}
	for i, r := range rs {
		if r.Name != want[i] {
			t.Errorf("rule %d: got %q, want %q", i, r.Name, want[i])
		}
		for field, v := range map[string]string{"Title": r.Title, "From": r.From, "Arithmetic": r.Arithmetic, "Citation": r.Citation, "Who": r.Who} {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", r.Name, field)
			}
		}
		if !strings.Contains(r.Citation, "reg") && !strings.Contains(r.Citation, "s.") {
			t.Errorf("%s: citation %q names no regulation or section", r.Name, r.Citation)
		}
		got, ok := LookupRule(r.Name)
		if !ok || got.Name != r.Name {
			t.Errorf("LookupRule(%q): got %q %v", r.Name, got.Name, ok)
		}
	}
	rs[0].Name = "changed"
	if Rules()[0].Name != "health-advice" {
		t.Error("Rules returned the package's own slice")
	}
	if _, ok := LookupRule("section-23"); ok {
		t.Error("LookupRule found a rule that does not exist")
	}
}

func TestDeadline(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		rule, from, want string
		provisional      bool
	}{
		{"health-advice", "2025-09-01", "2025-10-13", false},
		{"health-advice", "2025-11-20", "2026-01-01", false}, // lands on New Year's Day: calendar days, no roll
		{"health-advice", "2024-01-18", "2024-02-29", false}, // leap day
		{"assessment-decision", "2025-03-10", "2025-04-21", false},
		{"no-plan-decision", "2025-09-01", "2025-12-22", false},
		{"final-plan", "2025-09-01", "2026-01-19", false},
		{"final-plan", "2028-09-01", "2029-01-19", false}, // calendar days are never provisional
		// reg 13(1)(a): 15 days beginning with the day served, so D + 14.
		{"draft-comments", "2025-03-01", "2025-03-15", false}, // the day served is day 1
		{"draft-comments", "2025-12-20", "2026-01-03", false}, // across the year end
		{"draft-comments", "2025-01-20", "2025-02-03", false}, // across a month end
		{"draft-comments", "2024-02-20", "2024-03-05", false}, // across the leap day
		{"draft-comments", "2025-02-20", "2025-03-06", false}, // the same, no leap day
		{"draft-comments", "2024-02-29", "2024-03-14", false}, // served on the leap day
		{"draft-comments", "2028-12-25", "2029-01-08", false}, // calendar days: never provisional
		{"annual-review", "2023-05-31", "2024-05-31", false},
		{"annual-review", "2024-02-29", "2025-02-28", false},
		{"annual-review", "2027-02-28", "2028-02-28", false},
		{"review-report", "2025-06-30", "2025-07-14", false},
		{"review-decision", "2025-06-30", "2025-07-28", false},
		{"phase-transfer", "2026-09-01", "2026-02-15", false},
		{"phase-transfer", "2027-01-06", "2027-02-15", false},
		{"phase-transfer-post16", "2026-09-03", "2026-03-31", false},
		{"reg6-response", "2025-11-03", "2025-12-08", false},
		{"mediation-arranged", "2025-01-31", "2025-03-02", false},
		{"mediation-arranged", "2024-01-31", "2024-03-01", false},
		{"mediation-certificate", "2025-12-23", "2025-12-30", false},
		{"mediation-certificate", "2024-03-28", "2024-04-04", false},
		{"mediation-certificate", "2022-09-15", "2022-09-21", false}, // Queen's funeral
		{"mediation-certificate", "2023-05-04", "2023-05-10", false}, // coronation
		{"mediation-certificate", "2022-05-31", "2022-06-07", false}, // Jubilee
		{"mediation-certificate", "2028-12-28", "2029-01-03", true},
		{"mediation-certificate", "2030-04-18", "2030-04-25", true}, // Good Friday, Easter Monday 2030
	}
	for _, tt := range tests {
		t.Run(tt.rule+"/"+tt.from, func(t *testing.T) {
			got, err := c.Deadline(tt.rule, d(t, tt.from))
			if err != nil {
				t.Fatal(err)
			}
			if got.Due.String() != tt.want || got.Provisional != tt.provisional {
				t.Errorf("got %s provisional=%v, want %s provisional=%v", got.Due, got.Provisional, tt.want, tt.provisional)
			}
			if got.Rule != tt.rule || got.From.String() != tt.from {
				t.Errorf("got rule %q from %s, want %q from %s", got.Rule, got.From, tt.rule, tt.from)
			}
		})
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.rule] = true
	}
	for _, r := range Rules() {
		if !covered[r.Name] {
			t.Errorf("rule %s has no test row", r.Name)
		}
	}
}

// The draft-comments period begins with the day served (reg 13(1)(a)), and
// the rule says so wherever the rules are listed.
func TestDraftCommentsCountsTheDayServed(t *testing.T) {
	r, _ := LookupRule(RuleDraftComments)
	if got, want := r.Arithmetic, "15 days, counting the day served"; got != want {
		t.Errorf("Arithmetic: got %q, want %q", got, want)
	}
	if got, want := r.From, "draft plan served"; got != want {
		t.Errorf("From: got %q, want %q", got, want)
	}
	from := d(t, "2025-09-01")
	due, _ := r.due(DefaultCalendar(), from)
	// Counting from the day served, 1 September is day 1 and the due date
	// is day 15.
	if got := from.DaysUntil(due) + 1; got != 15 {
		t.Errorf("got %d days counting the day served, want 15", got)
	}
}

func TestDeadlineErrors(t *testing.T) {
	c := DefaultCalendar()
	if _, err := c.Deadline("section-23", d(t, "2025-01-01")); !errors.Is(err, ErrUnknownRule) || !strings.Contains(err.Error(), "section-23") {
		t.Errorf("unknown rule: got %v, want ErrUnknownRule naming it", err)
	}
	if _, err := c.Deadline("health-advice", Date{}); err == nil {
		t.Error("zero date: got no error")
	}
}

func TestRuleDue(t *testing.T) {
	r, _ := LookupRule(RuleMediationCertificate)
	if !r.WorkingDays {
		t.Error("mediation-certificate does not say it counts working days")
	}
	due, _ := r.due(DefaultCalendar(), d(t, "2025-12-23"))
	if due.String() != "2025-12-30" {
		t.Errorf("got %s, want 2025-12-30", due)
	}
	for _, r := range Rules() {
		if r.WorkingDays != (r.Name == RuleMediationCertificate) {
			t.Errorf("%s: WorkingDays is %v", r.Name, r.WorkingDays)
		}
	}
}
