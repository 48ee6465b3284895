package advice

import (
	"archive/zip"
	"bytes"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDocument is the largest document a clinician may upload as advice:
// 10 MB, enough for a scanned report, small enough to keep in the database.
const MaxDocument = 10 << 20

// The document types accepted, by what their bytes are rather than what
// their name or the browser says.
const (
	TypePDF  = "application/pdf"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)

// SniffDocument says what a document is by its content: a PDF starts with
// "%PDF-"; a DOCX is a ZIP archive holding [Content_Types].xml and
// word/document.xml. Anything else (an executable, an HTML page, another
// kind of ZIP) is refused. Only the archive's directory is read, never its
// contents, so a compressed bomb cannot expand here.
func SniffDocument(b []byte) (contentType string, ok bool) {
	if bytes.HasPrefix(b, []byte("%PDF-")) {
		return TypePDF, true
	}
	if !bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		return "", false
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "", false
	}
	var types, body bool
	for _, f := range zr.File {
		switch f.Name {
		case "[Content_Types].xml":
			types = true
		case "word/document.xml":
			body = true
		}
	}
	if types && body {
		return TypeDOCX, true
	}
	return "", false
}

// Extension is the file extension for a sniffed content type.
func Extension(contentType string) string {
	switch contentType {
	case TypePDF:
		return ".pdf"
	case TypeDOCX:
		return ".docx"
	}
	return ""
}

// CleanFilename makes an uploaded file's name safe to store and to send
// back in a Content-Disposition header: the last path element only, control
// characters, quotes and backslashes removed, at most 100 characters, and
// the extension that matches what the content is. An empty result becomes
// "advice" plus the extension.
func CleanFilename(name, contentType string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '"' || r == ';' || r == '/' || r == utf8.RuneError:
			return -1
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	ext := Extension(contentType)
	base := strings.TrimSuffix(name, path.Ext(name))
	base = strings.Trim(base, ". ")
	if r := []rune(base); len(r) > 100 {
		base = string(r[:100])
	}
	if base == "" {
		base = "advice"
	}
	return base + ext
}
