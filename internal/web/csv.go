package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"unicode/utf8"
)

// csvCell neutralises a cell a spreadsheet would run as a formula
// (docs/quality-bar.md §15): one starting = + - @, tab, carriage return or line feed,
// or a Unicode look-alike of = + - @ that a spreadsheet may read as one
// (fullwidth, small and super- or subscript forms, the minus sign, dashes),
// even after spaces, gets a leading apostrophe.
func csvCell(v string) string {
	first := strings.TrimLeft(v, " \u00a0\u3000")
	if r, _ := utf8.DecodeRuneInString(first); first != "" && strings.ContainsRune(formulaStarts, r) {
		return "'" + v
	}
	return v
}

// formulaStarts are the characters a cell may not start with unguarded:
// = + - @, tab, carriage return and line feed, and their look-alikes
// (U+FF1D ＝, U+FE66 ﹦, U+207C ⁼, U+208C ₌; U+FF0B ＋, U+FE62 ﹢, U+207A ⁺,
// U+208A ₊, U+2795 ➕; U+FF0D －, U+FE63 ﹣, U+2212 −, U+207B ⁻, U+208B ₋,
// U+2796 ➖, U+2010 to U+2015 hyphens and dashes, U+FE58 ﹘; U+FF20 ＠,
// U+FE6B ﹫).
const formulaStarts = "=+-@\t\r\n" +
	"\uff1d\ufe66\u207c\u208c" +
	"\uff0b\ufe62\u207a\u208a\u2795" +
	"\uff0d\ufe63\u2212\u207b\u208b\u2796\u2010\u2011\u2012\u2013\u2014\u2015\ufe58" +
	"\uff20\ufe6b"

// writeCSV sends header and rows as a CSV download named filename, every
// cell through csvCell. The whole file is built before anything is sent,
// so a download is complete or an error page, never half a table.
func writeCSV(w http.ResponseWriter, filename string, header []string, rows [][]string) {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(header)
	for _, row := range rows {
		for i := range row {
			row[i] = csvCell(row[i])
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	_, _ = w.Write(buf.Bytes())
}
