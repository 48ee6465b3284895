package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
)

// csvCell neutralises a cell a spreadsheet would run as a formula
// (QUALITY 15): one starting = + - @, tab or carriage return gets a
// leading apostrophe.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

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
