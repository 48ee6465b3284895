package importer

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"dco/internal/send"
)

func testSheet(t *testing.T) *sheet {
	t.Helper()
	s := newSheet(Limits{MaxBytes: 1 << 20, MaxRows: 10, MaxCell: 5, MaxErrors: 2}, send.NewDate(2024, 6, 1))
	s.line = 7
	return s
}

func TestSheetRun(t *testing.T) {
	s := testSheet(t)
	cols := columns{required: []string{"a", "b"}, optional: []string{"c"}, file: "a test file"}
	var rows [][]string
	in := "\xEF\xBB\xBF A ,b,c,x\n1,2,3,4\n,,,\n5,6\n7,8,9,0\n"
	err := s.run(strings.NewReader(in), cols, func(rec []string) error {
		rows = append(rows, append([]string(nil), rec...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "1" || rows[1][3] != "0" {
		t.Errorf("rows = %q", rows)
	}
	if s.read != 3 {
		t.Errorf("read = %d, want 3 (the blank line not counted)", s.read)
	}
	if len(s.errors) != 1 || s.errors[0].Error() != "line 4: has 2 fields but the header has 4" {
		t.Errorf("errors = %v", s.errors)
	}
	if len(s.notes) != 1 || s.notes[0] != "ignored column(s) dco does not know: x (it reads a, b, c)" {
		t.Errorf("notes = %q", s.notes)
	}

	s = testSheet(t)
	if err := s.run(strings.NewReader("a,c\n"), cols, nil); err != nil {
		t.Fatal(err)
	}
	if len(s.errors) != 1 || s.errors[0].Message != "the header has no b column (a test file needs a, b)" {
		t.Errorf("errors = %v", s.errors)
	}

	s = testSheet(t)
	err = s.run(strings.NewReader(""), cols, nil)
	if err == nil || err.Error() != "the file is empty: its first line must be the header a,b" {
		t.Errorf("empty file: err = %v", err)
	}

	s = testSheet(t)
	stop := errors.New("stop")
	if err := s.run(strings.NewReader("a,b\n1,2\n"), cols, func([]string) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("row error: err = %v", err)
	}
}

func TestSheetFailCountsBeyondMax(t *testing.T) {
	s := testSheet(t)
	for range 5 {
		s.fail(s.line, "", "x")
	}
	if len(s.errors) != 2 || s.moreErrors != 3 || s.problems() != 5 {
		t.Errorf("errors %d, more %d, problems %d", len(s.errors), s.moreErrors, s.problems())
	}
}

func TestSheetDate(t *testing.T) {
	for _, tc := range []struct {
		v    string
		rule dateRule
		ok   bool
		msg  string
	}{
		{"", dateRule{}, true, ""},
		{" ", dateRule{required: true}, false, "d is empty"},
		{"2024-5-01", dateRule{}, false, `d "2024-5-01" is not in the form YYYY-MM-DD`},
		{"1800-01-01", dateRule{}, false, `d "1800-01-01" is not a real date`},
		{"1800-01-01", dateRule{years: true}, false, `d "1800-01-01" is outside the years 1900 to 2200`},
		{"2023-02-29", dateRule{years: true}, false, `d "2023-02-29" is not a real date`},
		{"2024-06-02", dateRule{}, true, ""},
		{"2024-06-02", dateRule{past: true}, false, "d 2024-06-02 is in the future"},
		{" 2024-06-01 ", dateRule{required: true, years: true, past: true}, true, ""},
	} {
		s := testSheet(t)
		_, ok := s.date("d", tc.v, tc.rule)
		var msg string
		if len(s.errors) > 0 {
			msg = s.errors[0].Message
		}
		if ok != tc.ok || msg != tc.msg {
			t.Errorf("date(%q, %+v) = %v, %q; want %v, %q", tc.v, tc.rule, ok, msg, tc.ok, tc.msg)
		}
	}
}

func TestSheetCells(t *testing.T) {
	s := testSheet(t)
	if s.cellsFit([]string{"abcde", "ééééé"}) != true || !s.cellsFit(nil) {
		t.Error("cells at the limit do not fit")
	}
	if s.cellsFit([]string{"a", "abcdef"}) || s.errors[0].Message != "column 2 is 6 characters long; a cell is at most 5" {
		t.Errorf("errors = %v", s.errors)
	}
	s = testSheet(t)
	if v := s.text("t", " hi ", 5, true); v != "hi" || len(s.errors) != 0 {
		t.Errorf("text = %q, %v", v, s.errors)
	}
	if s.text("t", "a\tb", 5, false) != "" || s.errors[0].Message != "t contains a control character or invalid UTF-8" {
		t.Errorf("errors = %v", s.errors)
	}
	s = testSheet(t)
	if s.yesNo("f", " Yes ") != true || s.yesNo("f", "") || s.yesNo("f", "maybe") || s.errors[0].Message != `f "maybe" is not yes, no, true, false, 1, 0 or blank` {
		t.Errorf("yesNo errors = %v", s.errors)
	}
}

func TestFirstLine(t *testing.T) {
	seen := map[string]int{}
	if _, dup := firstLine(seen, "x", 2); dup {
		t.Error("first sight is a duplicate")
	}
	if first, dup := firstLine(seen, "x", 5); !dup || first != 2 {
		t.Errorf("second sight = %d, %v; want 2, true", first, dup)
	}
	if first, _ := firstLine(seen, "x", 9); first != 2 {
		t.Errorf("third sight = %d; want still 2", first)
	}
}

func TestMergeErrors(t *testing.T) {
	file := []RowError{{Line: 2, Message: "nhs_number: bad"}, {Line: 5, Message: "date_of_birth: bad"}}
	db := []RowError{{Line: 5, Message: "la_code: other LA"}, {Line: 3, Message: "family_name: differs"}, {Line: 2, Message: "nhs_number: bad"}}
	got, more := mergeErrors(slices.Clone(file), 0, db, 0)
	want := []RowError{file[0], db[1], file[1], db[0]}
	if !slices.Equal(got, want) || more != 0 {
		t.Errorf("got %v (+%d), want %v: line order, the file's first on a line, the repeat dropped", got, more, want)
	}
	got, more = mergeErrors(slices.Clone(file), 1, db, 3)
	if len(got) != 3 || more != 2 {
		t.Errorf("capped at 3: got %d kept and %d more, want 3 and 2", len(got), more)
	}
}
