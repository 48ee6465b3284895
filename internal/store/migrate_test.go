package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestMigrateIdempotent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		n, err := s.PendingMigrations(ctx)
		if err != nil || n != 0 {
			t.Fatalf("pending after migrate: got %d, %v, want 0", n, err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("second migrate: %v", err)
		}
		var applied int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&applied); err != nil {
			t.Fatal(err)
		}
		ms, _ := s.migrations()
		if applied != len(ms) {
			t.Errorf("schema_migrations rows: got %d, want %d", applied, len(ms))
		}
	})
}

func TestPendingMigrationsOnEmptyDatabase(t *testing.T) {
	s, err := Open(context.Background(), t.TempDir()+"/empty.db", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.PendingMigrations(context.Background())
	ms, _ := s.migrations()
	if err != nil || n != len(ms) || n == 0 {
		t.Fatalf("pending: got %d, %v, want %d", n, err, len(ms))
	}
}

// columnsQuery returns the query the schema test reads: listing (table, column, type, not null,
// primary key) for every user table, in table and column order.
func (s *Store) columnsQuery() string {
	if s.engine == EnginePostgres {
		return `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO',
			EXISTS (SELECT 1 FROM information_schema.table_constraints tc
				JOIN information_schema.key_column_usage k
				  ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
				WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = c.table_schema
				  AND tc.table_name = c.table_name AND k.column_name = c.column_name)
			FROM information_schema.columns c
			WHERE c.table_schema = current_schema()
			ORDER BY c.table_name, c.ordinal_position`
	}
	return `SELECT m.name, p.name, p.type, p."notnull" <> 0, p.pk <> 0
		FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
		ORDER BY m.name, p.cid`
}

// schemaOf describes every column as "table.column type notnull".
func schemaOf(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), s.columnsQuery())
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, col, typ string
		var notNull, pk bool
		if err := rows.Scan(&table, &col, &typ, &notNull, &pk); err != nil {
			t.Fatal(err)
		}
		switch strings.ToLower(typ) {
		case "integer", "bigint":
			typ = "int"
		case "boolean":
			typ = "bool"
		case "text":
			typ = "text"
		case "blob", "bytea": // uploaded documents (0003_advice)
			typ = "bytes"
		default:
			t.Errorf("%s.%s: unexpected type %q", table, col, typ)
		}
		out = append(out, fmt.Sprintf("%s.%s %s notnull=%v", table, col, typ, notNull || pk))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSchemasMatchAcrossEngines(t *testing.T) {
	TestPostgresURL(t)
	lite := schemaOf(t, OpenTestSQLite(t))
	pg := schemaOf(t, OpenTestPostgres(t))
	if !reflect.DeepEqual(lite, pg) {
		t.Errorf("schemas differ:\nsqlite:   %v\npostgres: %v", lite, pg)
		ls, ps := map[string]bool{}, map[string]bool{}
		for _, c := range lite {
			ls[c] = true
		}
		for _, c := range pg {
			ps[c] = true
		}
		for c := range ls {
			if !ps[c] {
				t.Errorf("only in sqlite: %s", c)
			}
		}
		for c := range ps {
			if !ls[c] {
				t.Errorf("only in postgres: %s", c)
			}
		}
	}
	for _, table := range []string{"orgs", "users", "sessions", "api_tokens", "audit_log", "audit_head",
		"children", "child_access", "settings", "bank_holidays", "schema_migrations"} {
		found := false
		for _, c := range lite {
			if strings.HasPrefix(c, table+".") {
				found = true
			}
		}
		if !found {
			t.Errorf("table %s missing", table)
		}
	}
}
