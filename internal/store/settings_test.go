package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/send"
)

func TestSettings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.Setting(ctx, System, 0, "qa_standard_days"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unset: got %v, want not_found", err)
		}
		if err := s.SetSetting(ctx, System, 0, "qa_standard_days", "10", 0); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.SetSetting(ctx, System, 0, "qa_standard_days", "12", 0), errs.Conflict)
		if err := s.SetSetting(ctx, System, 0, "qa_standard_days", "15", 1); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.SetSetting(ctx, System, 0, "qa_standard_days", "20", 1), errs.Conflict)
		wantCode(t, s.SetSetting(ctx, System, 0, "absent", "x", 3), errs.Conflict)
		wantCode(t, s.SetSetting(ctx, System, 0, " ", "x", 0), errs.Invalid)
		v, err := s.Setting(ctx, System, 0, "qa_standard_days")
		if err != nil || v.Value != "15" || v.Version != 2 || !v.Own || v.ICBID != 0 {
			t.Errorf("got %+v %v, want 15 v2, the defaults' own row", v, err)
		}
		rows, n, _ := s.ListAudit(ctx, AuditFilter{Action: "setting.update"})
		if n != 2 || rows[0].Detail != "key=qa_standard_days icb=0" {
			t.Errorf("audit: got %d %+v, want 2 rows, detail key=qa_standard_days icb=0", n, rows)
		}
	})
}

// standardDays reads the Section 23 local standard that applies to an ICB,
// as the workflow does (s23db.DB.Settings): its own, else the default.
func standardDays(ctx context.Context, s *Store, icbID int64) (int, error) {
	m, err := s.SettingsFor(ctx, icbID, s23.SettingStandardDays)
	days := s23.DefaultStandardDays
	if v, ok := m[s23.SettingStandardDays]; ok {
		days, _ = s23.ParseStandard(v.Value, days)
	}
	return days, err
}

// An actor's ICB: the organisation of a DCO, viewer or administrator; the
// parent of an LA user's LA and of a provider's or clinician's organisation.
func TestActorICB(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		f := newFixture(t, s)
		icbB, laB, provB, dcoB := otherICB(t, s)
		for _, tc := range []struct {
			name  string
			actor Actor
			want  int64
		}{
			{"dco itself", System, 0},
			{"a DCO", f.DCO, f.ICB.ID},
			{"the other ICB's DCO", dcoB, icbB.ID},
			{"an LA user", f.LA1User, f.ICB.ID},
			{"an LA user of the other ICB", Actor{UserID: 99, Role: RoleLA, LAID: laB.ID}, icbB.ID},
			{"a provider", f.Provider1User, f.ICB.ID},
			{"a provider of the other ICB", Actor{UserID: 99, Role: RoleProvider, OrgID: provB.ID}, icbB.ID},
			{"a clinician", f.Clinician, f.ICB.ID},
			{"a clinician of no organisation", f.Clinician2, 0},
			{"a viewer", f.Viewer, f.ICB.ID},
			{"a viewer of no organisation", Actor{UserID: 99, Role: RoleViewer}, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.ActorICB(context.Background(), tc.actor)
				if err != nil || got != tc.want {
					t.Errorf("got %d %v, want %d", got, err, tc.want)
				}
			})
		}
	})
}

// Settings are per ICB: an ICB's own value overrides the default, another
// ICB still reads the default, a DCO reads and saves only their own ICB's,
// the defaults are the administrator's, and a stale save writes nothing.
func TestSettingsPerICB(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		icbB, _, _, dcoB := otherICB(t, s)
		icbA := f.ICB
		key := s23.SettingStandardDays
		if err := s.SetSetting(ctx, f.Admin, 0, key, "10", 0); err != nil {
			t.Fatalf("admin sets the default: %v", err)
		}
		read, err := s.Setting(ctx, f.DCO, icbA.ID, key)
		if err != nil || read.Value != "10" || read.Own || read.ICBID != 0 || read.SaveVersion() != 0 {
			t.Fatalf("ICB A before it sets its own: got %+v %v, want the default 10, not its own, save version 0", read, err)
		}
		if err := s.SetSetting(ctx, f.DCO, icbA.ID, key, "15", read.SaveVersion()); err != nil {
			t.Fatalf("DCO of ICB A sets its own: %v", err)
		}
		if err := s.SetSetting(ctx, System, 0, "advice_reuse_months", "24", 0); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSetting(ctx, dcoB, icbB.ID, "advice_reuse_months", "6", 0); err != nil {
			t.Fatalf("DCO of ICB B sets its own reuse period: %v", err)
		}

		for _, tc := range []struct {
			name    string
			actor   Actor
			icb     int64
			want    string
			own     bool
			version int64
		}{
			{"ICB A's own value overrides the default", f.DCO, icbA.ID, "15", true, 1},
			{"ICB B still reads the default", dcoB, icbB.ID, "10", false, 1},
			{"the defaults are unchanged", f.Admin, 0, "10", true, 1},
			{"an LA user of ICB A reads A's", f.LA1User, icbA.ID, "15", true, 1},
			{"a provider of ICB A reads A's", f.Provider1User, icbA.ID, "15", true, 1},
			{"the administrator reads ICB B's", f.Admin, icbB.ID, "10", false, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.Setting(ctx, tc.actor, tc.icb, key)
				if err != nil {
					t.Fatal(err)
				}
				if got.Value != tc.want || got.Own != tc.own || got.Version != tc.version {
					t.Errorf("got %q own %v v%d, want %q own %v v%d", got.Value, got.Own, got.Version, tc.want, tc.own, tc.version)
				}
			})
		}
		for _, tc := range []struct {
			name       string
			icb        int64
			days, reus int
		}{
			{"ICB A", icbA.ID, 15, 24},
			{"ICB B", icbB.ID, 10, 6},
			{"the defaults", 0, 10, 24},
		} {
			days, err := standardDays(ctx, s, tc.icb)
			if err != nil || days != tc.days {
				t.Errorf("standard days, %s: got %d days %v, want %d", tc.name, days, err, tc.days)
			}
			// A second key resolves per ICB the same way (the advice
			// workflow's reuse period: advicedb.TestAdviceReuseMonthsPerICB).
			m, err := s.SettingsFor(ctx, tc.icb, "advice_reuse_months")
			if got := m["advice_reuse_months"].Value; err != nil || got != strconv.Itoa(tc.reus) {
				t.Errorf("advice_reuse_months, %s: got %q %v, want %d", tc.name, got, err, tc.reus)
			}
		}

		refusedBefore := countAudit(t, s, ActionAccessRefused, 0)
		for _, tc := range []struct {
			name  string
			actor Actor
			icb   int64
		}{
			{"the DCO of ICB A saving ICB B's", f.DCO, icbB.ID},
			{"the DCO of ICB A saving the defaults", f.DCO, 0},
			{"the DCO of ICB B saving ICB A's", dcoB, icbA.ID},
			{"an LA user saving its ICB's", f.LA1User, icbA.ID},
			{"a provider saving its ICB's", f.Provider1User, icbA.ID},
			{"a clinician saving its ICB's", f.Clinician, icbA.ID},
			{"a viewer saving the defaults", f.Viewer, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantCode(t, s.SetSetting(ctx, tc.actor, tc.icb, key, "99", 0), errs.Forbidden)
				wantCode(t, s.SetSetting(ctx, tc.actor, tc.icb, key, "99", 1), errs.Forbidden)
			})
		}
		if got, want := countAudit(t, s, ActionAccessRefused, 0), refusedBefore+14; got != want {
			t.Errorf("refusals audited: got %d, want %d", got, want)
		}
		for _, tc := range []struct {
			name  string
			actor Actor
			icb   int64
		}{
			{"the DCO of ICB A reading ICB B's", f.DCO, icbB.ID},
			{"the DCO of ICB B reading ICB A's", dcoB, icbA.ID},
			{"an LA user of ICB A reading ICB B's", f.LA1User, icbB.ID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.Setting(ctx, tc.actor, tc.icb, key)
				wantCode(t, err, errs.Forbidden)
			})
		}

		for _, tc := range []struct {
			name    string
			actor   Actor
			icb     int64
			version int64
		}{
			{"creating ICB A's row again", f.DCO, icbA.ID, 0},
			{"an old version of ICB A's row", f.DCO, icbA.ID, 7},
			{"ICB B saving with the default's version", dcoB, icbB.ID, 1},
			{"the defaults, created again", f.Admin, 0, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantCode(t, s.SetSetting(ctx, tc.actor, tc.icb, key, "99", tc.version), errs.Conflict)
			})
		}
		wantCode(t, s.SetSetting(ctx, f.Admin, f.LA1.ID, key, "99", 0), errs.Invalid) // an LA is not an ICB

		// Nothing refused or stale was written: A's own, the default, and
		// no row for B.
		for _, tc := range []struct {
			name string
			icb  int64
			want string
			own  bool
		}{
			{"ICB A", icbA.ID, "15", true},
			{"ICB B", icbB.ID, "10", false},
			{"the defaults", 0, "10", true},
		} {
			got, err := s.Setting(ctx, System, tc.icb, key)
			if err != nil || got.Value != tc.want || got.Own != tc.own || got.Version != 1 {
				t.Errorf("after refusals, %s: got %+v %v, want %q own %v v1", tc.name, got, err, tc.want, tc.own)
			}
		}

		// Updating the ICB's own row with its version.
		if err := s.SetSetting(ctx, f.DCO, icbA.ID, key, "12", 1); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.SetSetting(ctx, f.DCO, icbA.ID, key, "13", 1), errs.Conflict)
		if got, _ := s.Setting(ctx, f.DCO, icbA.ID, key); got.Value != "12" || got.Version != 2 {
			t.Errorf("after the stale save: got %q v%d, want 12 v2", got.Value, got.Version)
		}
		rows, _, _ := s.ListAudit(ctx, AuditFilter{Action: "setting.update", Limit: 10})
		if want := fmt.Sprintf("key=%s icb=%d", key, icbA.ID); len(rows) == 0 || rows[0].Detail != want {
			t.Errorf("audit: got %+v, want newest detail %q", rows, want)
		}
	})
}

// Migrating a database whose settings were global keeps each one, with its
// version and updated_at, as the default every ICB reads.
func TestSettingsMigrateKeepsGlobalAsDefaults(t *testing.T) {
	for _, e := range []struct {
		name string
		dsn  func(testing.TB) string
	}{
		{EngineSQLite, func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "old.db") }},
		{EnginePostgres, TestPostgresSchema},
	} {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			s, err := Open(ctx, e.dsn(t), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.migrate(ctx, 6); err != nil {
				t.Fatalf("migrate to 0006: %v", err)
			}
			old := []struct{ key, value, updated string }{
				{s23.SettingStandardDays, "14", "2025-01-02T03:04:05.000000Z"},
				{s23.SettingParentLetter, "Dear {{parent_name}}", "2025-02-03T04:05:06.000000Z"},
			}
			for _, o := range old {
				if _, err := s.wdb.ExecContext(ctx, s.rebind("INSERT INTO settings (key, value, version, updated_at) VALUES (?, ?, 3, ?)"),
					o.key, o.value, o.updated); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			s.Now = func() time.Time { return testNow }
			f := SeedFixture(t, s)
			for _, o := range old {
				for _, tc := range []struct {
					name  string
					actor Actor
					icb   int64
					own   bool
				}{
					{"the defaults", System, 0, true},
					{"an ICB", f.DCO, f.ICB.ID, false},
				} {
					got, err := s.Setting(ctx, tc.actor, tc.icb, o.key)
					if err != nil || got.Value != o.value || got.Version != 3 || got.ICBID != 0 || got.Own != tc.own {
						t.Errorf("%s, %s: got %+v %v, want %q v3 from the defaults' row", o.key, tc.name, got, err, o.value)
					}
				}
				var updated string
				if err := s.db.QueryRowContext(ctx, s.rebind("SELECT updated_at FROM settings WHERE icb_id = 0 AND key = ?"), o.key).Scan(&updated); err != nil || updated != o.updated {
					t.Errorf("%s updated_at: got %q %v, want %q", o.key, updated, err, o.updated)
				}
			}
			if days, err := standardDays(ctx, s, f.ICB.ID); err != nil || days != 14 {
				t.Errorf("standard days: got %d days %v, want 14", days, err)
			}
			if n, err := s.PendingMigrations(ctx); n != 0 || err != nil {
				t.Errorf("pending: got %d %v, want 0", n, err)
			}
		})
	}
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
