package send

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The rows of /work/shared/EXAMPLES.md, the hand-worked cases that pin the
// conventions down, copied here so the test runs without that file.
var exampleDeadlines = []struct{ rule, from, due string }{
	{"health-advice", "2025-09-01", "2025-10-13"},
	{"reg6-response", "2025-11-03", "2025-12-08"},
	{"final-plan", "2025-09-01", "2026-01-19"},
	{"annual-review", "2023-05-31", "2024-05-31"},
	{"mediation-certificate", "2025-12-23", "2025-12-30"},
	{"mediation-certificate", "2024-03-28", "2024-04-04"},
}

var exampleSchoolAge = []struct{ dob, from, until string }{
	{"2018-12-31", "2023-12-31", "2035-06-29"},
	{"2018-01-01", "2023-03-31", "2034-06-30"},
	{"2018-08-31", "2023-08-31", "2034-06-30"},
	{"2018-09-01", "2023-12-31", "2035-06-29"},
}

func TestExamples(t *testing.T) {
	c := DefaultCalendar()
	for _, ex := range exampleDeadlines {
		got, err := c.Deadline(ex.rule, d(t, ex.from))
		if err != nil {
			t.Fatal(err)
		}
		if got.Due.String() != ex.due || got.Provisional {
			t.Errorf("%s from %s: got %s (provisional %v), want %s", ex.rule, ex.from, got.Due, got.Provisional, ex.due)
		}
	}
	for _, ex := range exampleSchoolAge {
		dob := d(t, ex.dob)
		from, until := CompulsorySchoolAge(dob)
		if from.String() != ex.from || until.String() != ex.until {
			t.Errorf("born %s: got %s to %s, want %s to %s", ex.dob, from, until, ex.from, ex.until)
		}
		if StatusOn(dob, until) != StatusChild || StatusOn(dob, until.AddDays(1)) != StatusYoungPerson {
			t.Errorf("born %s: not a child up to %s and a young person after", ex.dob, until)
		}
	}
}

// TestExamplesFileInSync reads EXAMPLES.md when it is there (it sits in the
// shared design folder, outside the module) and checks that every table row
// is one of the cases above, so the two cannot drift apart silently.
func TestExamplesFileInSync(t *testing.T) {
	path := os.Getenv("DCO_EXAMPLES_MD")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "EXAMPLES.md")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("EXAMPLES.md not found (%v); set DCO_EXAMPLES_MD to check it", err)
	}
	defer f.Close()
	known := map[string]bool{}
	for _, ex := range exampleDeadlines {
		known[ex.rule+" "+ex.from+" "+ex.due] = true
	}
	for _, ex := range exampleSchoolAge {
		known[ex.dob+" "+ex.from+" "+ex.until] = true
	}
	rows := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) < 5 {
			continue
		}
		key := strings.TrimSpace(cells[1]) + " " + strings.TrimSpace(cells[2]) + " " + strings.TrimSpace(cells[3])
		if _, err := ParseDate(strings.TrimSpace(cells[2])); err != nil {
			continue // a heading or rule line
		}
		rows++
		if !known[key] {
			t.Errorf("EXAMPLES.md row %q is not in the test tables", key)
		}
	}
	if rows != len(known) {
		t.Errorf("EXAMPLES.md has %d rows, the test tables %d", rows, len(known))
	}
}
