package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"

	"dco/internal/errs"
	"dco/internal/send"
)

func TestSettings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, _, err := s.Setting(ctx, "qa_standard_days"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unset: %v", err)
		}
		if err := s.SetSetting(ctx, System, "qa_standard_days", "10", 0); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.SetSetting(ctx, System, "qa_standard_days", "12", 0), errs.Conflict)
		if err := s.SetSetting(ctx, System, "qa_standard_days", "15", 1); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.SetSetting(ctx, System, "qa_standard_days", "20", 1), errs.Conflict)
		wantCode(t, s.SetSetting(ctx, System, "absent", "x", 3), errs.Conflict)
		wantCode(t, s.SetSetting(ctx, System, " ", "x", 0), errs.Invalid)
		v, ver, err := s.Setting(ctx, "qa_standard_days")
		if err != nil || v != "15" || ver != 2 {
			t.Errorf("got %q v%d %v, want 15 v2", v, ver, err)
		}
		rows, n, _ := s.ListAudit(ctx, AuditFilter{Action: "setting.update"})
		if n != 2 || rows[0].Detail != "key=qa_standard_days" {
			t.Errorf("audit: %d %+v", n, rows)
		}
	})
}

func TestBankHolidays(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		hs := []send.Holiday{
			{Date: send.NewDate(2025, 12, 25), Title: "Christmas Day"},
			{Date: send.NewDate(2023, 5, 8), Title: "Bank holiday for the coronation of King Charles III"},
		}
		n, err := s.AddBankHolidays(ctx, System, hs)
		if err != nil || n != 2 {
			t.Fatalf("add: %d %v", n, err)
		}
		n, err = s.AddBankHolidays(ctx, System, append(hs, send.Holiday{Date: send.NewDate(2022, 9, 19), Title: "State funeral"}))
		if err != nil || n != 1 {
			t.Fatalf("add again: %d %v, want 1", n, err)
		}
		got, err := s.BankHolidays(ctx)
		if err != nil || len(got) != 3 || got[0].Date.String() != "2022-09-19" || got[2].Title != "Christmas Day" {
			t.Errorf("list: %+v %v", got, err)
		}
		_, err = s.AddBankHolidays(ctx, System, []send.Holiday{{Title: "no date"}})
		wantCode(t, err, errs.Invalid)
	})
}

func TestBackup(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "backup.db")
		if s.Engine() == EnginePostgres {
			wantCode(t, s.Backup(ctx, path), errs.Invalid)
			return
		}
		f := newFixture(t, s)
		for i := range 20 {
			mustCreate(t, s, f.DCO, child(t, i, f.LA1.ID))
		}
		if err := s.Backup(ctx, path); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.Backup(ctx, path), errs.Conflict)

		b, err := Open(ctx, path, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		var check string
		if err := b.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			t.Fatalf("integrity_check: %q %v", check, err)
		}
		for _, table := range []string{"orgs", "users", "children", "child_access", "audit_log", "schema_migrations"} {
			count := func(db *sql.DB) int {
				var n int
				if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			if got, want := count(b.db), count(s.db); got != want || want == 0 && table != "child_access" {
				t.Errorf("%s rows: got %d, want %d", table, got, want)
			}
		}
		for _, table := range []string{"children", "audit_log", "users", "orgs"} {
			if got, want := tableChecksum(t, b.db, table), tableChecksum(t, s.db, table); got != want {
				t.Errorf("%s checksum: got %s, want %s", table, got, want)
			}
		}
		if _, broken, err := b.VerifyAudit(ctx); broken != 0 || err != nil {
			t.Errorf("backup audit chain: broken %d, %v", broken, err)
		}
		if n, err := b.PendingMigrations(ctx); n != 0 || err != nil {
			t.Errorf("backup pending migrations: %d %v", n, err)
		}
	})
}

// tableChecksum is the SHA-256 of every row of a table, in key order.
func tableChecksum(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query("SELECT * FROM " + table + " ORDER BY 1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	h := sha256.New()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%v\n", vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
