package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
)

func countAdvice(t *testing.T, c *cli) []advicedb.Request {
	t.Helper()
	clock := advice.NewClock(send.DefaultCalendar(), send.Today(cliNow))
	list, _, err := advicedb.New(c.store()).ListAdviceRequests(context.Background(), store.System, clock, advicedb.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestImportAdviceErrors pins every kind of row problem, each reported by
// line, and proves a file with any problem imports nothing.
func TestImportAdviceErrors(t *testing.T) {
	c := newCLI(t)
	c.seedOrgs()
	file := filepath.Join("testdata", "import-advice-requests-errors.csv")
	code, out, errOut := c.run("", "import", "advice-requests", file, "--dry-run")
	importGolden(t, "import-advice-requests-errors", fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, out, errOut))
	if code != 1 {
		t.Errorf("exit: got %d, want 1", code)
	}
	for _, want := range []string{
		`line 3: la_code "999" is not a local authority in dco`,
		"line 4: returned_on 2025-03-01 is before received_on 2025-03-10",
		`line 5: la_reference "A1" is also on line 2 for the same LA`,
		"line 6: nhs_number 999 000 0018 is given with a different name or date of birth on line 2",
		`line 7: outcome "done" is not advice, not_known, withdrawn or blank`,
		"line 8: exception_on 2025-05-20 is after the six weeks ended on 2025-05-13",
		"line 9: received_on: The date received must be today or in the past",
		"7 problems in 8 rows: nothing would be imported",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "line 2:") {
		t.Errorf("the good line 2 was reported:\n%s", errOut)
	}
	if code, _, _ := c.run("", "import", "advice-requests", file); code != 1 {
		t.Errorf("real import: got exit %d, want 1", code)
	}
	if n := len(countAdvice(t, c)); n != 0 {
		t.Errorf("requests stored after a failed import: got %d, want 0", n)
	}
	if n := countChildren(t, c); n != 0 {
		t.Errorf("children stored after a failed import: got %d, want 0", n)
	}
}

func TestImportAdvice(t *testing.T) {
	c := newCLI(t)
	c.seedOrgs()
	file := filepath.Join("testdata", "import-advice-requests.csv")
	out := c.must("", "import", "advice-requests", file, "--dry-run")
	if !strings.Contains(out, "Dry run: would import 5 advice requests (1 open, 3 returned, 1 withdrawn); 4 children registered. Nothing was written.") {
		t.Errorf("dry run: %s", out)
	}
	if n := len(countAdvice(t, c)); n != 0 {
		t.Fatalf("dry run stored %d requests", n)
	}
	out = c.must("", "import", "advice-requests", file)
	if !strings.Contains(out, "Imported 5 advice requests (1 open, 3 returned, 1 withdrawn); 4 children registered.") {
		t.Errorf("import: %s", out)
	}
	clock := advice.NewClock(send.DefaultCalendar(), send.Today(cliNow))
	var tally advice.Tally
	for _, r := range countAdvice(t, c) {
		tally.Add(clock, r.Facts())
	}
	// 0101 returned 14 Feb, due 17 Feb: on time; 0102 late but excepted;
	// SW/2025/017 on time; SW/2025/022 open and overdue on 30 June.
	want := advice.Tally{Received: 5, Open: 1, Overdue: 1, Returned: 3, Measured: 2, OnTime: 2, Exceptions: 1, Withdrawn: 1}
	if tally != want {
		t.Errorf("tally: got %+v, want %+v", tally, want)
	}
	// The same file again: every reference is now taken.
	code, _, errOut := c.run("", "import", "advice-requests", file)
	if code != 1 || !strings.Contains(errOut, `line 2: la_reference "BANES-EHC-0101" is already recorded for this LA`) {
		t.Errorf("second import: exit %d\n%s", code, errOut)
	}
}

// TestImportAdviceReportsEveryProblemInOneRun: a file with problems of its
// own (line 3, line 5) and problems only the database finds (line 2's
// reference is already recorded, line 4's child is registered with another
// date of birth) reports all four, in line order, in one run, dry or not,
// and imports nothing.
func TestImportAdviceReportsEveryProblemInOneRun(t *testing.T) {
	c := newCLI(t)
	c.seedOrgs()
	c.must("", "import", "advice-requests", filepath.Join("testdata", "import-advice-requests.csv"))
	before, children := len(countAdvice(t, c)), countChildren(t, c)
	file := filepath.Join("testdata", "import-advice-requests-mixed.csv")
	want := strings.Join([]string{
		`line 2: la_reference "BANES-EHC-0101" is already recorded for this LA`,
		`line 3: outcome "done" is not advice, not_known, withdrawn or blank`,
		"line 4: nhs_number 999 000 0026 is registered with a different name or date of birth",
		"line 5: received_on: The date received must be today or in the past",
	}, "\n") + "\n"
	for _, tc := range []struct {
		name  string
		args  []string
		would string
	}{
		{"dry run", []string{"--dry-run"}, "would be"},
		{"import", nil, "was"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := c.run("", append([]string{"import", "advice-requests", file}, tc.args...)...)
			if code != 1 {
				t.Errorf("exit: got %d, want 1", code)
			}
			if out != "" {
				t.Errorf("stdout: got %q, want nothing", out)
			}
			wantErr := want + "4 problems in 5 rows: nothing " + tc.would + " imported. Fix the file and run again.\n"
			if errOut != wantErr {
				t.Errorf("stderr:\ngot\n%s\nwant\n%s", errOut, wantErr)
			}
			if n := len(countAdvice(t, c)); n != before {
				t.Errorf("requests: got %d, want %d, as before", n, before)
			}
			if n := countChildren(t, c); n != children {
				t.Errorf("children: got %d, want %d, as before", n, children)
			}
		})
	}
}
