package web

import (
	"net/http/httptest"
	"testing"
)

func TestCSVCell(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Amelia Smith", "Amelia Smith"},
		{"empty", "", ""},
		{"formula", "=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"plus", "+44 1225", "'+44 1225"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(A1)", "'@SUM(A1)"},
		{"tab", "\t=1", "'\t=1"},
		{"carriage return", "\r=1", "'\r=1"},
		{"inside only", "a=1", "a=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := csvCell(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestWriteCSV: a download names its file, neutralises every cell of every
// row (not the header, which is ours) and quotes as RFC 4180 asks.
func TestWriteCSV(t *testing.T) {
	w := httptest.NewRecorder()
	writeCSV(w, "x.csv", []string{"name", "note"}, [][]string{{"=cmd", "a, \"b\""}, {"Amy", "@x"}})
	if got := w.Header().Get("Content-Disposition"); got != `attachment; filename="x.csv"` {
		t.Errorf("Content-Disposition: got %q", got)
	}
	if got := w.Header().Get("Content-Type"); got != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type: got %q", got)
	}
	want := "name,note\n'=cmd,\"a, \"\"b\"\"\"\nAmy,'@x\n"
	if got := w.Body.String(); got != want {
		t.Errorf("body: got %q, want %q", got, want)
	}
}
