package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dco/internal/bench"
	"dco/internal/store"
)

// quickBench are the flags of a run that proves the command works end to
// end in a second or two; it says nothing about speed.
var quickBench = []string{"bench", "--children", "300", "--requests", "20", "--duration", "100ms", "--concurrency", "4"}

func TestBenchTableAndJSON(t *testing.T) {
	c := newCLI(t)
	db := filepath.Join(t.TempDir(), "bench.db")
	code, out, errOut := c.run("", append(quickBench, "--db", db)...)
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range append([]string{"300 children in 10 local authorities", "Targets (docs/quality-bar.md §19)", "import with full validation",
		"children list ÷ static file throughput", "reuse it with --db " + db}, bench.MetricNames...) {
		if !strings.Contains(out, want) {
			t.Errorf("the table does not contain %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "bench: importing 300 children") {
		t.Errorf("stderr: got %q, want progress", errOut)
	}

	// The kept file is reused, and --json gives the same report as data.
	code, out, errOut = c.run("", append(quickBench, "--db", db, "--json")...)
	if code != 0 {
		t.Fatalf("second run: exit %d\nstderr: %s", code, errOut)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if !rep.Reused || rep.Children != 300 || len(rep.Metrics) != len(bench.MetricNames) || len(rep.Targets) == 0 {
		t.Errorf("--json: got reused %v, %d children, %d metrics, %d targets", rep.Reused, rep.Children, len(rep.Metrics), len(rep.Targets))
	}
}

func TestBenchLeavesTheConfiguredDatabaseAlone(t *testing.T) {
	c := newCLI(t) // DCO_DATABASE names c.db
	c.seedOrgs()
	before, err := os.ReadFile(c.db)
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := c.run("", quickBench...); code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if after, _ := os.ReadFile(c.db); string(after) != string(before) {
		t.Error("dco bench wrote to the database DCO_DATABASE names; it must use its own")
	}

	code, out, errOut := c.run("", append(quickBench, "--db", c.db)...)
	if code != 1 || out != "" || !strings.Contains(errOut, "not the bench's") {
		t.Errorf("--db naming a real database: got exit %d, stdout %q, stderr %q; want a refusal", code, out, errOut)
	}
	orgs, err := c.store().ListOrgs(context.Background(), store.OrgLA)
	if err != nil || len(orgs) != 2 {
		t.Errorf("after the refusal: %d LAs (%v), want the 2 seeded", len(orgs), err)
	}
}

func TestBenchUsage(t *testing.T) {
	c := newCLI(t)
	code, out, _ := c.run("", "bench", "--help")
	if code != 0 || !strings.Contains(out, "Usage: dco bench") || !strings.Contains(out, "-concurrency") ||
		!strings.Contains(out, "dco bench --soak DURATION [--users 50]") || !strings.Contains(out, "-users int") ||
		!strings.Contains(out, "-icbs int") || !strings.Contains(out, "round-robin") {
		t.Errorf("--help: got exit %d\n%s", code, out)
	}
	for _, args := range [][]string{
		{"bench", "--children", "0"},
		{"bench", "--children", "2000000"},
		{"bench", "--concurrency", "0"},
		{"bench", "--duration", "0s"},
		{"bench", "--las", "500"},
		{"bench", "--icbs", "0"},
		{"bench", "--icbs", "-1"},
		{"bench", "--icbs", "43"},
		{"bench", "--icbs", "11"},              // more ICBs than the 10 LAs
		{"bench", "--las", "3", "--icbs", "4"}, // likewise
		{"bench", "--icbs", "many"},
		{"bench", "--soak", "0s"},
		{"bench", "--soak", "-5m"},
		{"bench", "--soak", "25h"},
		{"bench", "--soak", "thirty minutes"},
		{"bench", "--soak", "1m", "--users", "0"},
		{"bench", "--soak", "1m", "--users", "1001"},
		{"bench", "--users", "10"},
		{"bench", "extra"},
		{"bench", "--no-such-flag"},
	} {
		if code, _, errOut := c.run("", args...); code != 2 || errOut == "" {
			t.Errorf("dco %s: got exit %d, stderr %q; want 2 and a message", strings.Join(args, " "), code, errOut)
		}
	}
}

// TestBenchSoak runs a one-second soak end to end: the report has the soak
// section, as a table and as JSON, and none of the measurements it
// replaces. It says nothing about speed.
func TestBenchSoak(t *testing.T) {
	c := newCLI(t)
	db := filepath.Join(t.TempDir(), "bench.db")
	args := []string{"bench", "--children", "300", "--soak", "1s", "--users", "3", "--db", db}
	code, out, errOut := c.run("", args...)
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []string{"Load and soak (docs/quality-bar.md §20)", "3 virtual users (1 LA caseworker, 1 as the DCO, 1 as the board member)",
		"Targets (docs/quality-bar.md §20)", "duration (the bar: 30 minutes on SQLite)", "verdict: "} {
		if !strings.Contains(out, want) {
			t.Errorf("the table does not contain %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, bench.MetricCaseloadPage) || !strings.Contains(errOut, "bench: load and soak: 3 virtual users") {
		t.Errorf("a soak ran the measurements too, or said nothing of itself:\nstdout: %s\nstderr: %s", out, errOut)
	}

	code, out, errOut = c.run("", append(args, "--json")...)
	if code != 0 {
		t.Fatalf("--json: exit %d\nstderr: %s", code, errOut)
	}
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if rep.Soak == nil || rep.Soak.Users != 3 || rep.Soak.Requests == 0 || len(rep.Soak.Samples) == 0 || rep.Soak.Verdict == "" || len(rep.Soak.Targets) == 0 {
		t.Errorf("--json: got soak %+v", rep.Soak)
	}
}

// TestBenchICBs runs the bench over three ICBs: the report gives ICB 1's
// share, and the kept dataset is reused only with the same --icbs.
func TestBenchICBs(t *testing.T) {
	c := newCLI(t)
	db := filepath.Join(t.TempDir(), "bench.db")
	args := append(quickBench, "--las", "6", "--icbs", "3", "--db", db)
	code, out, errOut := c.run("", args...)
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	for _, want := range []string{"300 children in 6 local authorities", "ICB 1 of 3: 100 children in 2 LAs",
		"the ICB dashboard target, measured at ICB 1 of 3: 100 children in 2 LAs"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table does not contain %q:\n%s", want, out)
		}
	}
	code, out, errOut = c.run("", append(quickBench, "--las", "6", "--db", db)...)
	if code != 1 || out != "" || !strings.Contains(errOut, "another number of ICBs") || !strings.Contains(errOut, "--icbs 3") {
		t.Errorf("reuse with the default --icbs: got exit %d, stdout %q, stderr %q; want a refusal naming --icbs 3", code, out, errOut)
	}
	code, out, errOut = c.run("", append(args, "--json")...)
	var rep bench.Report
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || !rep.Reused || rep.ICBs != 3 || rep.ICBChildren != 100 || rep.ICBLAs != 2 {
		t.Errorf("reuse with --icbs 3: exit %d, report %+v\nstderr: %s", code, rep, errOut)
	}
}
