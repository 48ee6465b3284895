package store

import (
	"context"
	"database/sql"
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
			mustCreate(t, s, f.dco, child(t, i, f.la1.ID))
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
		if _, broken, err := b.VerifyAudit(ctx); broken != 0 || err != nil {
			t.Errorf("backup audit chain: broken %d, %v", broken, err)
		}
		if n, err := b.PendingMigrations(ctx); n != 0 || err != nil {
			t.Errorf("backup pending migrations: %d %v", n, err)
		}
	})
}
