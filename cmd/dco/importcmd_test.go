package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dco/internal/send"
	"dco/internal/store"
)

// -update rewrites testdata/*.golden; it is shared with the package's other
// golden tests and registered by whichever file's init runs first.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite testdata/*.golden from the current output")
	}
}

// importGolden compares got with testdata/NAME.golden, or rewrites it under -update.
func importGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// writeFile writes a file into the test's temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func countChildren(t *testing.T, c *cli) int {
	t.Helper()
	n, err := c.store().CountChildren(context.Background(), store.System)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportChildrenDryRunErrors(t *testing.T) {
	c := newCLI(t)
	c.seedOrgs()
	file := filepath.Join("testdata", "import-children-errors.csv")
	code, out, errOut := c.run("", "import", "children", file, "--dry-run")
	importGolden(t, "import-children-errors", fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, out, errOut))
	if code != 1 {
		t.Errorf("exit: got %d, want 1", code)
	}
	if !strings.Contains(errOut, `line 7: date_of_birth "2023-02-29" is not a real date`) {
		t.Errorf("stderr lacks the line 7 error:\n%s", errOut)
	}
	// The same file imported for real stores nothing.
	if code, _, _ := c.run("", "import", "children", file); code != 1 {
		t.Errorf("real import: got exit %d, want 1", code)
	}
	if n := countChildren(t, c); n != 0 {
		t.Errorf("children stored after a failed import: got %d, want 0", n)
	}
}

const importHeader = "nhs_number,given_name,family_name,date_of_birth,postcode,la_code,setting,looked_after,personal_health_budget\n"

func TestImportChildrenAllOrNothing(t *testing.T) {
	c := newCLI(t)
	c.seedOrgs()
	oneBad := writeFile(t, "one-bad.csv", importHeader+
		"9990000018,Amelia,Smith,2014-03-02,BA1 1AA,800,Mainstream primary school,no,yes\n"+
		"9990000026,Oliver,Jones,2012-11-30,SN1 2DQ,866,,yes,\n"+
		"9990000034,Isla,Taylor,2016-02-30,SN1 2DQ,866,,,\n")
	code, out, errOut := c.run("", "import", "children", oneBad)
	if code != 1 || out != "" || errOut != "line 4: date_of_birth \"2016-02-30\" is not a real date\n"+
		"1 problem in 3 rows: nothing was imported. Fix the file and run again.\n" {
		t.Errorf("one bad row: got exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if n := countChildren(t, c); n != 0 {
		t.Fatalf("children stored: got %d, want 0", n)
	}

	good := writeFile(t, "good.csv", importHeader+
		"9990000018,Amelia,Smith,2014-03-02,ba1 1aa,800,Mainstream primary school,no,yes\n"+
		"9990000026,Oliver,Jones,2012-11-30,SN1 2DQ,E06000030,,yes,\n")
	if out := c.must("", "import", "children", "--dry-run", good); out != "Dry run: 2 rows would be imported. Nothing was written.\n" {
		t.Errorf("dry run: got %q", out)
	}
	if n := countChildren(t, c); n != 0 {
		t.Fatalf("children stored by a dry run: got %d, want 0", n)
	}
	if out := c.must("", "import", "children", good); out != "Imported 2 children\n" {
		t.Errorf("import: got %q", out)
	}
	s := c.store()
	kids, total, err := s.SearchChildren(context.Background(), store.System, store.ChildFilter{})
	if err != nil || total != 2 {
		t.Fatalf("search: got %d, %v", total, err)
	}
	for _, k := range kids {
		switch k.NHSNumber {
		case "9990000018":
			if k.Postcode != "BA1 1AA" || k.LAName != "Bath and North East Somerset" || !k.Flags.PersonalHealthBudget || k.Setting != "Mainstream primary school" {
				t.Errorf("Amelia: got %+v", k)
			}
		case "9990000026":
			if k.LAName != "Swindon" || !k.Flags.LookedAfter || k.DateOfBirth != send.NewDate(2012, 11, 30) {
				t.Errorf("Oliver: got %+v", k)
			}
		}
	}

	// A number already registered is found only by the database: the whole
	// file still fails, naming the line.
	again := writeFile(t, "again.csv", importHeader+
		"9990000042,George,Brown,2016-01-01,BA2 3AB,800,,,\n"+
		"\n"+
		"999 000 0026,Oliver,Jones,2012-11-30,SN1 2DQ,866,,,\n")
	code, out, errOut = c.run("", "import", "children", again)
	if code != 1 || out != "" || errOut != "dco import children: line 4: A child with this NHS number is already registered. Check the NHS number; if the child has moved to your area, ask the DCO team to move their record. Nothing was imported.\n" {
		t.Errorf("already registered: got exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if n := countChildren(t, c); n != 2 {
		t.Errorf("children stored: got %d, want still 2", n)
	}

	header := writeFile(t, "header.csv", importHeader)
	if out := c.must("", "import", "children", header); out != "The file has a header but no rows: nothing to import.\n" {
		t.Errorf("header only: got %q", out)
	}
	if out := c.must(importHeader+"9990000050,Ivy,Davies,2019-05-05,SN25 1AB,866,,,\n", "import", "children", "-"); out != "Imported 1 child\n" {
		t.Errorf("from stdin: got %q", out)
	}
}

func TestImportChildrenUsage(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"import", "children"}, 2, "name the file to import"},
		{[]string{"import", "children", "a.csv", "b.csv"}, 2, "one file at a time, not 2"},
		{[]string{"import", "children", "--dry-run=maybe", "a.csv"}, 2, "invalid boolean value"},
		{[]string{"import", "children", filepath.Join(t.TempDir(), "missing.csv")}, 1, "no such file or directory"},
		{[]string{"import", "children", writeFile(t, "empty.csv", "")}, 1, "the file is empty"},
		{[]string{"import", "bank-holidays"}, 2, "name the file to import"},
		{[]string{"import", "bank-holidays", writeFile(t, "x.json", `{"scotland":{}}`)}, 1, "bank holidays: no england-and-wales division"},
		{[]string{"import", "bank-holidays", writeFile(t, "y.json", `[1,2`)}, 1, "not the gov.uk bank-holidays.json format"},
	} {
		code, _, errOut := c.run("", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("dco %s: got exit %d, stderr %q; want %d and %q", strings.Join(tc.args, " "), code, errOut, tc.code, tc.stderr)
		}
	}
}

func TestImportBankHolidays(t *testing.T) {
	c := newCLI(t)
	file := filepath.Join("testdata", "import-bank-holidays-2029.json")
	last := send.DefaultCalendar().LastKnownYear()
	if last >= 2029 {
		t.Skipf("the embedded calendar already reaches %d", last)
	}
	if out := c.must("", "import", "bank-holidays", file, "--dry-run"); !strings.HasPrefix(out, "Dry run: 8 of 9 bank holidays would be new; dco would then know the bank holidays of 2012 to 2029.") {
		t.Errorf("dry run: got %q", out)
	}
	if hs, _ := c.store().BankHolidays(context.Background()); len(hs) != 0 {
		t.Fatalf("a dry run stored %d holidays", len(hs))
	}
	want := "Added 8 new bank holidays (1 in the file was already known); dco now knows the bank holidays of 2012 to 2029.\n"
	if out := c.must("", "import", "bank-holidays", file); out != want {
		t.Errorf("import: got %q, want %q", out, want)
	}
	want = "Added 0 new bank holidays (9 in the file were already known); dco now knows the bank holidays of 2012 to 2029.\n"
	if out := c.must("", "import", "bank-holidays", file); out != want {
		t.Errorf("import again: got %q, want %q", out, want)
	}
	hs, err := c.store().BankHolidays(context.Background())
	if err != nil || len(hs) != 8 {
		t.Fatalf("stored: got %d, %v; want 8", len(hs), err)
	}
	// The stored 2029 holidays are the ones the standing rules give, and the
	// service's calendar now counts 2029 as known.
	standing := send.StandingHolidays(2029)
	for i, h := range hs {
		if !h.Date.Equal(standing[i].Date) {
			t.Errorf("holiday %d: got %s, want %s", i, h.Date, standing[i].Date)
		}
	}
	cal, err := clockCalendar(context.Background(), &Config{Database: c.db, DatabaseNamed: true})
	if err != nil || cal.LastKnownYear() != 2029 || !cal.Known(send.NewDate(2029, 6, 1)) {
		t.Errorf("calendar: got last known year %d (%v), want 2029", cal.LastKnownYear(), err)
	}
}

// A file that would leave a year it touches with fewer than the 8 bank
// holidays England always has holds only part of that year: it is refused,
// naming the year, with exit 2, and nothing is stored, dry run or not.
func TestImportBankHolidaysRefusesPartYear(t *testing.T) {
	event := func(date, title string) string {
		return fmt.Sprintf(`{"title":%q,"date":%q,"notes":""}`, title, date)
	}
	file := func(events ...string) string {
		return `{"england-and-wales":{"division":"england-and-wales","events":[` + strings.Join(events, ",") + `]}}`
	}
	var all2029, all2031 []string
	for _, h := range send.StandingHolidays(2029) {
		all2029 = append(all2029, event(h.Date.String(), h.Title))
	}
	for _, h := range send.StandingHolidays(2031) {
		all2031 = append(all2031, event(h.Date.String(), h.Title))
	}
	tests := []struct {
		name, json string
		dryRun     bool
		stderr     []string
	}{
		{"one date of 2030", file(event("2030-01-01", "New Year’s Day")), false,
			[]string{"2030 would have 1 bank holiday in England", "at least 8", "only part of that year", "Nothing was imported"}},
		{"one date of 2030, dry run", file(event("2030-01-01", "New Year’s Day")), true,
			[]string{"2030 would have 1 bank holiday in England"}},
		{"2029 without Boxing Day", file(all2029[:7]...), false,
			[]string{"2029 would have 7 bank holidays in England"}},
		{"all of 2029 and part of 2030", file(append(append([]string{}, all2029...), event("2030-01-01", "New Year’s Day"))...), false,
			[]string{"2030 would have 1 bank holiday"}},
		{"part of 2030 and of 2031", file(append([]string{event("2030-01-01", "New Year’s Day")}, all2031[:3]...)...), false,
			[]string{"2030 would have 1 bank holiday in England; 2031 would have 3 bank holidays in England", "only part of those years"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCLI(t)
			args := []string{"import", "bank-holidays", writeFile(t, "part.json", tt.json)}
			if tt.dryRun {
				args = append(args, "--dry-run")
			}
			code, out, errOut := c.run("", args...)
			if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 {
				t.Errorf("got exit %d, stdout %q, stderr %q; want 2, nothing on stdout, one line on stderr", code, out, errOut)
			}
			for _, want := range tt.stderr {
				if !strings.Contains(errOut, want) {
					t.Errorf("got stderr %q, want it to contain %q", errOut, want)
				}
			}
			if hs, err := c.store().BankHolidays(context.Background()); err != nil || len(hs) != 0 {
				t.Errorf("stored: got %d holidays (%v), want 0", len(hs), err)
			}
		})
	}
}

// A file that completes a year dco already holds in part is accepted: the
// year check counts the holidays dco knows together with the file's.
func TestImportBankHolidaysCompletesAYear(t *testing.T) {
	c := newCLI(t)
	c.must("", "migrate")
	s := c.store()
	standing := send.StandingHolidays(2030)
	if _, err := s.AddBankHolidays(context.Background(), store.System, standing[:1]); err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, h := range standing[1:] {
		events = append(events, fmt.Sprintf(`{"title":%q,"date":%q}`, h.Title, h.Date))
	}
	f := writeFile(t, "rest.json", `{"england-and-wales":{"events":[`+strings.Join(events, ",")+`]}}`)
	want := "Added 7 new bank holidays (0 in the file were already known); dco now knows the bank holidays of 2012 to 2028 and 2030.\n"
	if out := c.must("", "import", "bank-holidays", f); out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}
