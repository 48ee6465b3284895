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
		{"line feed", "\n=1", "'\n=1"},
		{"fullwidth equals", "\uff1dHYPERLINK(\"http://x\")", "'\uff1dHYPERLINK(\"http://x\")"},
		{"fullwidth plus", "\uff0b1", "'\uff0b1"},
		{"fullwidth minus", "\uff0d1", "'\uff0d1"},
		{"fullwidth at", "\uff20SUM(A1)", "'\uff20SUM(A1)"},
		{"minus sign", "\u22121+2", "'\u22121+2"},
		{"small plus", "\ufe621", "'\ufe621"},
		{"small hyphen-minus", "\ufe631", "'\ufe631"},
		{"small equals", "\ufe661", "'\ufe661"},
		{"small at", "\ufe6bx", "'\ufe6bx"},
		{"superscript plus", "\u207a1", "'\u207a1"},
		{"en dash", "\u20131", "'\u20131"},
		{"after spaces", "  =1+1", "'  =1+1"},
		{"after a no-break space", "\u00a0=1", "'\u00a0=1"},
		{"fullwidth inside only", "a\uff1d1", "a\uff1d1"},
		{"letters after spaces", "  Amelia", "  Amelia"},
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
