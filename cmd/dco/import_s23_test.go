package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/store"
)

func countS23(t *testing.T, c *cli) int {
	t.Helper()
	_, n, err := s23db.New(c.store()).List(context.Background(), store.System, s23db.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportS23Errors pins every kind of row problem, each reported by line
// and column, and proves a file with any problem imports nothing.
func TestImportS23Errors(t *testing.T) {
	c := newCLI(t)
	c.seedOrgs()
	file := filepath.Join("testdata", "import-s23-errors.csv")
	code, out, errOut := c.run("", "import", "s23", file, "--dry-run")
	importGolden(t, "import-s23-errors", fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", code, out, errOut))
	if code != 1 {
		t.Errorf("exit: got %d, want 1", code)
	}
	for _, want := range []string{
		"line 3: la_notified_on: The date the LA was notified must be on or after the date the parent was informed",
		"line 4: la_notified_on: The LA cannot be notified before the parent is informed",
		`line 5: la_code "999" is not a local authority in dco`,
		`line 6: provider_code "XXX9" is not a health provider in dco`,
		"line 12: la_notified_on: The date the LA was notified must be on or after the date the discussion was offered",
		"note: line 11: the child was of compulsory school age",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if code, _, _ := c.run("", "import", "s23", file); code != 1 {
		t.Errorf("real import: got exit %d, want 1", code)
	}
	if n := countS23(t, c); n != 0 {
		t.Errorf("notifications stored after a failed import: got %d, want 0", n)
	}
	if n := countChildren(t, c); n != 0 {
		t.Errorf("children stored after a failed import: got %d, want 0", n)
	}
}

func TestImportS23(t *testing.T) {
	c := newCLI(t)
	c.seedOrgs()
	file := filepath.Join("testdata", "import-s23.csv")
	out := c.must("", "import", "s23", file, "--dry-run")
	if want := "Dry run: would import 4 notifications: 3 children registered, 1 row matched to a child already registered. Nothing was written.\n"; out != want {
		t.Errorf("dry run: got %q, want %q", out, want)
	}
	if n := countS23(t, c); n != 0 {
		t.Fatalf("a dry run stored %d notifications", n)
	}
	out = c.must("", "import", "s23", file)
	if !strings.HasPrefix(out, "Imported 4 notifications") {
		t.Errorf("import: got %q", out)
	}
	ns, _, err := s23db.New(c.store()).List(context.Background(), store.System, s23db.Filter{})
	if err != nil || len(ns) != 4 {
		t.Fatalf("stored: got %d, %v", len(ns), err)
	}
	kinds := map[string]s23.Kind{}
	for _, n := range ns {
		kinds[n.Child.GivenName+" "+n.Steps.ParentInformedOn.String()] = n.Kind
		if n.Others != map[string]int{"Ava": 1}[n.Child.GivenName] {
			t.Errorf("%s: others %d", n.Child.GivenName, n.Others)
		}
	}
	if kinds["Jack 2025-05-01"] != s23.KindOther || kinds["Ava 2025-05-01"] != s23.KindS23 {
		t.Errorf("kinds: got %v", kinds)
	}

	// A second import whose child's date of birth disagrees with the one
	// registered is refused by line, with the one message every identity
	// mismatch gets, whichever detail differs.
	bad := writeFile(t, "bad.csv", strings.Join(s23FileHeader, ",")+"\n"+
		"9991000003,Ava,Synthetic,2023-01-16,800,DEMO1,Health visitor A,Speech,2025-06-01,,\n")
	code, _, errOut := c.run("", "import", "s23", bad)
	if code != 1 || !strings.Contains(errOut, "line 2: nhs_number: A child with this NHS number is already registered with different details.") {
		t.Errorf("mismatched date of birth: exit %d, stderr %s", code, errOut)
	}
	if n := countS23(t, c); n != 4 {
		t.Errorf("after a refused import: got %d notifications, want 4", n)
	}
}

// TestImportS23MixedProblems: a file with problems of its own and problems
// only the database finds (a child registered with another date of birth,
// family name or LA) reports them all in one run, in line order, with or
// without --dry-run, and imports nothing. A family name that differs only
// in case and spacing is the same child.
func TestImportS23MixedProblems(t *testing.T) {
	c := newCLI(t)
	c.seedOrgs()
	c.must("", "import", "s23", filepath.Join("testdata", "import-s23.csv"))
	file := filepath.Join("testdata", "import-s23-mixed.csv")
	want := []string{
		"line 2: nhs_number: A child with this NHS number is already registered with different details. Check the NHS number, family name, date of birth and local authority. If they are right, ask your DCO team to check the child's record.",
		"line 3: la_notified_on: The date the LA was notified must be on or after the date the parent was informed: the parent is told first",
		"line 4: nhs_number: A child with this NHS number is already registered with different details. Check the NHS number, family name, date of birth and local authority. If they are right, ask your DCO team to check the child's record.",
		"line 5: la_code: The child is registered in Swindon, not Bath and North East Somerset: give Swindon as the child's local authority, or, if the child has moved, change the local authority on their record in dco first",
		`line 6: provider_code "XXX9" is not a health provider in dco (give its ODS code)`,
		"5 problems in 6 rows: nothing would be imported. Fix the file and run again.",
	}
	tests := []struct {
		name string
		args []string
		last string
	}{
		{"dry run", []string{"--dry-run"}, "5 problems in 6 rows: nothing would be imported. Fix the file and run again."},
		{"import", nil, "5 problems in 6 rows: nothing was imported. Fix the file and run again."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := c.run("", append([]string{"import", "s23", file}, tt.args...)...)
			if code != 1 || out != "" {
				t.Errorf("exit, stdout: got %d, %q; want 1, nothing", code, out)
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
				if !strings.HasPrefix(l, "note: ") {
					got = append(got, l)
				}
			}
			w := append(slices.Clone(want[:len(want)-1]), tt.last)
			if !slices.Equal(got, w) {
				t.Errorf("stderr:\ngot  %q\nwant %q", got, w)
			}
			if n := countS23(t, c); n != 4 {
				t.Errorf("notifications after a refused import: got %d, want the first file's 4", n)
			}
		})
	}
	// Without the rows in error, the rest (Jack's family name in capitals)
	// imports.
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	good := writeFile(t, "good.csv", lines[0]+"\n"+lines[6]+"\n")
	if out := c.must("", "import", "s23", good); !strings.HasPrefix(out, "Imported 1 notification: 0 children registered, 1 row matched") {
		t.Errorf("the good row: got %q", out)
	}
}

var s23FileHeader = []string{"nhs_number", "given_name", "family_name", "date_of_birth", "la_code", "provider_code",
	"professional", "reason", "parent_informed_on", "discussion_offered_on", "la_notified_on"}
