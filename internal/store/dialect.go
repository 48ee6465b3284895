package store

import (
	"strconv"
	"strings"
	"sync"
)

// The dialect: the few places where SQLite and PostgreSQL differ. Queries are
// written once with ? parameter markers; everything engine-specific is here, and
// where a whole statement differs the method is written twice rather than
// bent to fit both.
//
// What the engines share and the store relies on: INSERT ... RETURNING id
// (SQLite 3.35+), INSERT ... ON CONFLICT (...) DO NOTHING, partial indexes,
// LIKE ... ESCAPE, LIMIT/OFFSET, and TEXT comparison in byte order for the
// sort keys (COLLATE "C" on PostgreSQL).

// rebind turns ? parameter markers into $1, $2, ... for PostgreSQL. Queries never
// contain a literal question mark.
func (s *Store) rebind(q string) string {
	if s.engine != EnginePostgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// insertRowsSQL returns prefix (an INSERT ending in VALUES), then n copies
// of row (one row's values, such as "(?, ?, 1)") joined by commas, then
// suffix: a multi-row insert. Statements are built once for each shape.
func insertRowsSQL(prefix, row string, n int, suffix string) string {
	key := rowsKey{prefix, row, n, suffix}
	if q, ok := rowsSQL.Load(key); ok {
		return q.(string)
	}
	var b strings.Builder
	b.Grow(len(prefix) + n*(len(row)+2) + len(suffix))
	b.WriteString(prefix)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(suffix)
	q := b.String()
	rowsSQL.Store(key, q)
	return q
}

// placeholders returns "(?, ?, …)" with n markers: one row of a multi-row
// insert.
func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

type rowsKey struct {
	prefix, row string
	n           int
	suffix      string
}

// rowsSQL caches insertRowsSQL's statements. Its keys are few: a handful of
// statements, each with its chunk size and the sizes of last chunks.
var rowsSQL sync.Map

// forUpdate is the row-lock suffix for a SELECT inside a write transaction.
// SQLite has none and needs none: a write transaction there holds the whole
// database's write lock from BEGIN IMMEDIATE.
func (s *Store) forUpdate() string {
	if s.engine == EnginePostgres {
		return " FOR UPDATE"
	}
	return ""
}

// auditChildrenInsert is the statement that indexes one audit row's
// children (withChildren): its parameters are the audit row's id and the
// children's ids as a JSON array ("[12,15,40]"), so one statement of one
// text inserts them all, however many there are.
func (s *Store) auditChildrenInsert() string {
	if s.engine == EnginePostgres {
		return `INSERT INTO audit_children (child_id, audit_id)
			SELECT CAST(j.value AS BIGINT), CAST(? AS BIGINT) FROM json_array_elements_text(CAST(CAST(? AS TEXT) AS JSON)) AS j`
	}
	return `INSERT INTO audit_children (child_id, audit_id)
		SELECT CAST(j.value AS INTEGER), CAST(? AS INTEGER) FROM json_each(?) AS j`
}

// concatIDs aggregates a column of ids into "12,15,40" (in no set order).
func (s *Store) concatIDs(col string) string {
	if s.engine == EnginePostgres {
		return "string_agg(CAST(" + col + " AS TEXT), ',')"
	}
	return "group_concat(" + col + ", ',')"
}

// tableExistsQuery returns the query that counts tables of a given name in
// the current schema.
func (s *Store) tableExistsQuery() string {
	if s.engine == EnginePostgres {
		return "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
	}
	return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
}
