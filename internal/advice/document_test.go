package advice

import (
	"archive/zip"
	"bytes"
	"testing"
)

func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte("<x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSniffDocument(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"pdf", []byte("%PDF-1.4\n..."), TypePDF},
		{"docx", zipOf(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml"), TypeDOCX},
		{"xlsx is not docx", zipOf(t, "[Content_Types].xml", "xl/workbook.xml"), ""},
		{"zip", zipOf(t, "a.txt"), ""},
		{"truncated zip", []byte("PK\x03\x04rest"), ""},
		{"html", []byte("<!doctype html><p>"), ""},
		{"pdf named in the middle", []byte(" %PDF-1.4"), ""},
		{"exe", []byte("MZ\x90\x00"), ""},
		{"empty", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := SniffDocument(tc.data)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("got %q %v, want %q", got, ok, tc.want)
			}
		})
	}
}

func TestCleanFilename(t *testing.T) {
	tests := []struct{ in, ctype, want string }{
		{"report.pdf", TypePDF, "report.pdf"},
		{`C:\Users\x\OT "final"; report.docx`, TypeDOCX, "OT final report.docx"},
		{"../../etc/passwd", TypePDF, "passwd.pdf"},
		{"advice.exe", TypePDF, "advice.pdf"},
		{"line\r\nbreak.pdf", TypePDF, "linebreak.pdf"},
		{"", TypePDF, "advice.pdf"},
		{"....pdf", TypeDOCX, "advice.docx"},
	}
	for _, tc := range tests {
		if got := CleanFilename(tc.in, tc.ctype); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzSniffDocument(f *testing.F) {
	f.Add([]byte("%PDF-1.7"))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ctype, ok := SniffDocument(b)
		if ok != (ctype != "") {
			t.Fatalf("ok %v with type %q", ok, ctype)
		}
		_ = CleanFilename(string(b), ctype)
	})
}
