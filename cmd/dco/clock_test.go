package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dco/internal/send"
)

// -update rewrites testdata/*.golden. The flag is shared with any other
// golden test in this package, so it is registered only once.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite testdata/*.golden from the current output")
	}
}

func updatingGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// clockRun runs dco with args through the real dispatcher, with a fixed
// clock and the given calendar, and returns the exit code and both streams.
func clockRun(t *testing.T, cal func(context.Context) (*send.Calendar, error), args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if cal == nil {
		cal = func(context.Context) (*send.Calendar, error) { return send.DefaultCalendar(), nil }
	}
	env := &Env{
		Stdout:   &out,
		Stderr:   &errOut,
		Stdin:    strings.NewReader(""),
		Getenv:   func(string) string { return "" },
		Now:      func() time.Time { return time.Date(2025, time.June, 30, 23, 30, 0, 0, time.UTC) },
		Calendar: cal,
	}
	code = run(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

// clockGolden compares a command's result with testdata/NAME.golden, or
// rewrites that file under -update.
func clockGolden(t *testing.T, name string, code int, stdout, stderr string) {
	t.Helper()
	got := fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, stdout, stderr)
	path := filepath.Join("testdata", name+".golden")
	if updatingGolden() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", name, path, got, want)
	}
}

func TestClockGolden(t *testing.T) {
	imported := func(context.Context) (*send.Calendar, error) {
		return send.DefaultCalendar().With([]send.Holiday{
			{Date: send.NewDate(2029, time.January, 1), Title: "New Year’s Day"},
			{Date: send.NewDate(2029, time.January, 2), Title: "Imagined extra bank holiday"},
		}), nil
	}
	broken := func(context.Context) (*send.Calendar, error) { return nil, errors.New("database is locked") }
	tests := []struct {
		name string
		cal  func(context.Context) (*send.Calendar, error)
		args []string
	}{
		{"clock_health_advice", nil, []string{"clock", "health-advice", "2025-09-01"}},
		{"clock_mediation_certificate_christmas", nil, []string{"clock", "mediation-certificate", "2025-12-23"}},
		{"clock_phase_transfer", nil, []string{"clock", "phase-transfer", "2026-09-02"}},
		{"clock_provisional", nil, []string{"clock", "mediation-certificate", "2028-12-28"}},
		{"clock_imported_holidays", imported, []string{"clock", "mediation-certificate", "2028-12-28"}},
		{"clock_list", nil, []string{"clock", "--list"}},
		{"clock_help", nil, []string{"clock", "--help"}},
		{"clock_unknown_rule", nil, []string{"clock", "section-23", "2025-09-01"}},
		{"clock_bad_date", nil, []string{"clock", "health-advice", "2025-02-29"}},
		{"clock_date_form", nil, []string{"clock", "health-advice", "01/09/2025"}},
		{"clock_missing_date", nil, []string{"clock", "health-advice"}},
		{"clock_list_with_args", nil, []string{"clock", "--list", "health-advice"}},
		{"clock_bad_flag", nil, []string{"clock", "--weeks", "6"}},
		{"clock_calendar_error", broken, []string{"clock", "mediation-certificate", "2025-12-23"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := clockRun(t, tt.cal, tt.args...)
			clockGolden(t, tt.name, code, stdout, stderr)
		})
	}
}

// A calendar-day rule never needs the database, so a broken one does not
// stop it.
func TestClockCalendarDaysNeedNoDatabase(t *testing.T) {
	broken := func(context.Context) (*send.Calendar, error) { return nil, errors.New("database is locked") }
	code, stdout, stderr := clockRun(t, broken, "clock", "final-plan", "2025-09-01")
	if code != 0 || stdout != "2026-01-19\n" || stderr != "" {
		t.Errorf("got exit %d, %q, %q; want 0, 2026-01-19", code, stdout, stderr)
	}
}

// Every rule answers through the command exactly as the package computes
// it, on one line and nothing else, and every error is one line.
func TestClockEveryRule(t *testing.T) {
	from := send.NewDate(2025, time.September, 1)
	for _, r := range send.Rules() {
		want, err := send.DefaultCalendar().Deadline(r.Name, from)
		if err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := clockRun(t, nil, "clock", r.Name, from.String())
		if code != 0 || stdout != want.Due.String()+"\n" || stderr != "" {
			t.Errorf("%s: got exit %d, %q, %q; want 0, %q", r.Name, code, stdout, stderr, want.Due)
		}
	}
	for _, args := range [][]string{
		{"clock"}, {"clock", "x", "2025-01-01"}, {"clock", "health-advice", "x"},
		{"clock", "health-advice", "2025-01-01", "extra"},
	} {
		code, stdout, stderr := clockRun(t, nil, args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: got exit %d, stdout %q, stderr %q; want 2 and one line on stderr", args, code, stdout, stderr)
		}
	}
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		args    []string
		on      string
		list    bool
		pos     string
		wantErr bool
	}{
		{[]string{"2018-01-01", "--on", "2025-01-01"}, "2025-01-01", false, "2018-01-01", false},
		{[]string{"--on", "2025-01-01", "2018-01-01"}, "2025-01-01", false, "2018-01-01", false},
		{[]string{"2018-01-01", "--on=2025-01-01", "--list"}, "2025-01-01", true, "2018-01-01", false},
		{[]string{"a", "-list", "b"}, "", true, "a b", false},
		{[]string{"a", "--", "--on", "b"}, "", false, "a --on b", false},
		{[]string{"a", "--on"}, "", false, "", true},
		{[]string{"--nope"}, "", false, "", true},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(new(bytes.Buffer))
		on := fs.String("on", "", "")
		list := fs.Bool("list", false, "")
		pos, err := parseInterspersed(fs, tt.args)
		if (err != nil) != tt.wantErr {
			t.Errorf("%v: got error %v, want error %v", tt.args, err, tt.wantErr)
			continue
		}
		if err == nil && (*on != tt.on || *list != tt.list || strings.Join(pos, " ") != tt.pos) {
			t.Errorf("%v: got on=%q list=%v pos=%q, want %q %v %q", tt.args, *on, *list, pos, tt.on, tt.list, tt.pos)
		}
	}
}
