package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSchoolAgeGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"school_age_flag_after", []string{"school-age", "2018-09-01", "--on", "2025-01-15"}},
		{"school_age_flag_before", []string{"school-age", "--on", "2025-01-15", "2018-08-31"}},
		// The test clock is 23:30 UTC on 30 June 2025: 1 July in England.
		{"school_age_today_in_england", []string{"school-age", "2009-06-30"}},
		{"school_age_last_day", []string{"school-age", "2018-12-31", "--on", "2035-06-29"}},
		{"school_age_young_person", []string{"school-age", "2018-12-31", "--on=2035-06-30"}},
		{"school_age_leap_day_over_25", []string{"school-age", "2000-02-29", "--on", "2025-03-01"}},
		{"school_age_baby", []string{"school-age", "2025-01-01", "--on", "2025-01-01"}},
		{"school_age_help", []string{"school-age", "--help"}},
		{"school_age_bad_dob", []string{"school-age", "2023-02-29"}},
		{"school_age_bad_on", []string{"school-age", "2018-01-01", "--on", "tomorrow"}},
		{"school_age_born_after_on", []string{"school-age", "2026-01-01", "--on", "2025-01-01"}},
		{"school_age_no_dob", []string{"school-age"}},
		{"school_age_two_dobs", []string{"school-age", "2018-01-01", "2019-01-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := clockRun(t, nil, tt.args...)
			clockGolden(t, tt.name, code, stdout, stderr)
		})
	}
}

// The output is one JSON object with its keys in the documented order.
func TestSchoolAgeJSONShape(t *testing.T) {
	code, stdout, stderr := clockRun(t, nil, "school-age", "2018-01-01", "--on", "2025-01-01")
	if code != 0 || stderr != "" {
		t.Fatalf("got exit %d, stderr %q", code, stderr)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	var keys []string
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	want := "date_of_birth on age compulsory_school_age_from compulsory_school_age_until status nc_year sen2_age_band"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("got keys %s, want %s", got, want)
	}
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	if dec.More() {
		t.Error("more than one JSON value on stdout")
	}
}
