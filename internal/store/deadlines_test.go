package store

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
)

// ledgerRow is a deadlines row as text, for comparing ledgers.
type ledgerRow struct {
	kind, recordType               string
	recordID, childID, laID, icbID int64
	rule, starts, due, paused, met string
	onTime                         string // "", "true" or "false"
	closed                         bool
}

func (r ledgerRow) String() string {
	return fmt.Sprintf("%s %s/%d child=%d la=%d icb=%d %s %s→%s paused=%q met=%q on_time=%q closed=%v",
		r.kind, r.recordType, r.recordID, r.childID, r.laID, r.icbID, r.rule, r.starts, r.due, r.paused, r.met, r.onTime, r.closed)
}

// ledgerOf reads the ledger of deadlines of one kind, in record order.
func ledgerOf(t *testing.T, s *Store, kind string) []ledgerRow {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), s.rebind(`SELECT kind, record_type, record_id, child_id, la_id, icb_id, rule,
		starts_on, due_on, paused, met_on, CASE WHEN on_time IS NULL THEN '' WHEN on_time THEN 'true' ELSE 'false' END, closed
		FROM deadlines WHERE kind = ? ORDER BY kind, record_type, record_id, rule`), kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []ledgerRow
	for rows.Next() {
		var r ledgerRow
		if err := rows.Scan(&r.kind, &r.recordType, &r.recordID, &r.childID, &r.laID, &r.icbID, &r.rule,
			&r.starts, &r.due, &r.paused, &r.met, &r.onTime, &r.closed); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// adviceLedgerWanted derives, from advice_requests alone, the ledger the
// health-advice clocks should have: one row per request, due six weeks
// from received (the request's due_on), paused by its exception, met when
// returned (on time when returned on or before due_on), closed when
// withdrawn. It is written apart from the code under test so that the
// two can disagree.
func adviceLedgerWanted(t *testing.T, s *Store) []ledgerRow {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), `SELECT id, child_id, la_id, icb_id, received_on, due_on,
		exception, state, returned_on FROM advice_requests ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []ledgerRow
	for rows.Next() {
		r := ledgerRow{kind: "advice", recordType: "advice_request", rule: send.RuleHealthAdvice}
		var state, returned string
		if err := rows.Scan(&r.recordID, &r.childID, &r.laID, &r.icbID, &r.starts, &r.due, &r.paused, &state, &returned); err != nil {
			t.Fatal(err)
		}
		switch state {
		case "returned":
			r.met, r.onTime = returned, fmt.Sprint(returned <= r.due)
		case "withdrawn":
			r.closed = true
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkLedger fails unless the ledger is what the records say.
func checkLedger(t *testing.T, s *Store, step string) {
	t.Helper()
	got, want := ledgerOf(t, s, "advice"), adviceLedgerWanted(t, s)
	if slices.Equal(got, want) {
		return
	}
	t.Errorf("after %s the ledger differs from the records:", step)
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i].String()
		}
		if i < len(want) {
			w = want[i].String()
		}
		if g != w {
			t.Errorf("  got  %s\n  want %s", g, w)
		}
	}
}

// Migrating a database that already holds advice requests and Section 23
// notifications fills the ledger with what they say, with due dates as
// internal/send counts them under each ICB's local standards.
func TestDeadlinesMigrationBackfill(t *testing.T) {
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
			before := migrationBefore(t, s, "deadlines.sql")
			if err := s.migrate(ctx, before); err != nil {
				t.Fatalf("migrate to %04d: %v", before, err)
			}
			s.Now = func() time.Time { return testNow }
			f := SeedFixture(t, s)
			at := fmtTime(testNow)
			for i, r := range []struct{ state, returned, exception string }{
				{"open", "", ""},
				{"open", "", "missed_appointment"},
				{"returned", "2025-06-10", ""},
				{"returned", "2025-06-13", ""},
				{"returned", "2025-06-20", "absent_from_area"},
				{"withdrawn", "2025-05-10", ""},
			} {
				c := mustCreate(t, s, f.DCO, child(t, i+1, f.LA1.ID))
				if _, err := s.wdb.ExecContext(ctx, s.rebind(`INSERT INTO advice_requests (icb_id, la_id, child_id, received_on, due_on,
					state, returned_on, exception, created_at, updated_at) VALUES (?, ?, ?, '2025-05-01', '2025-06-12', ?, ?, ?, ?, ?)`),
					c.ICBID, c.LAID, c.ID, r.state, r.returned, r.exception, at, at); err != nil {
					t.Fatal(err)
				}
			}

			// Section 23 notifications, under the ICB's own notification
			// standard (5 days) and the default acknowledgement standard
			// (3 days); another ICB's notification standard is not a
			// number, so it is the default 10 days.
			other := SeedOtherICB(t, s)
			for _, q := range []string{
				"DELETE FROM settings WHERE key IN ('s23_standard_days', 's23_ack_standard_days')",
				"INSERT INTO settings (key, value, version, updated_at, icb_id) VALUES ('s23_standard_days', '5', 1, '" + at + "', " + itoa(f.ICB.ID) + ")",
				"INSERT INTO settings (key, value, version, updated_at, icb_id) VALUES ('s23_standard_days', '7', 1, '" + at + "', 0)",
				"INSERT INTO settings (key, value, version, updated_at, icb_id) VALUES ('s23_ack_standard_days', '3', 1, '" + at + "', 0)",
				"INSERT INTO settings (key, value, version, updated_at, icb_id) VALUES ('s23_standard_days', 'ten', 1, '" + at + "', " + itoa(other.ICB.ID) + ")",
			} {
				if _, err := s.wdb.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			notifyDays := map[int64]int{f.ICB.ID: 5, other.ICB.ID: 10}
			const ackDays = 3
			var want []ledgerRow
			for i, n := range []struct {
				kind, informed, notified, acknowledged string
				other                                  bool
			}{
				{"s23", "2025-05-01", "", "", false},
				{"s23", "2025-05-01", "2025-05-06", "", false},
				{"s23", "2025-05-01", "2025-05-07", "2025-05-12", false},
				{"other", "2025-05-01", "2025-05-20", "2025-05-21", false},
				{"s23", "", "", "", false},
				{"s23", "2025-05-01", "2025-05-11", "", true},
			} {
				la, provider, dco := f.LA1, f.Provider1, f.DCO
				if n.other {
					la, provider, dco = other.LA, other.Provider, other.DCO
				}
				c := mustCreate(t, s, dco, child(t, 20+i, la.ID))
				var id int64
				if err := s.wdb.QueryRowContext(ctx, s.rebind(`INSERT INTO s23_notifications (icb_id, child_id, kind, provider_org_id,
					la_id, professional, opinion_on, parent_informed_on, la_notified_on, acknowledged_on, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, 'Dr Test', '2025-04-30', ?, ?, ?, ?, ?) RETURNING id`),
					c.ICBID, c.ID, n.kind, provider.ID, la.ID, n.informed, n.notified, n.acknowledged, at, at).Scan(&id); err != nil {
					t.Fatal(err)
				}
				clock := func(rule, from, met string, days int) ledgerRow {
					start := adviceDate(t, from)
					due := send.LocalStandardDue(start, days)
					r := ledgerRow{kind: "s23", recordType: "s23_notification", recordID: id, childID: c.ID, laID: la.ID,
						icbID: c.ICBID, rule: rule, starts: from, due: due.String(), met: met}
					if met != "" {
						r.onTime = fmt.Sprint(send.LocalStandardMet(start, adviceDate(t, met), days))
					}
					return r
				}
				if n.kind == "s23" && n.informed != "" {
					want = append(want, clock("s23-local-standard", n.informed, n.notified, notifyDays[c.ICBID]))
				}
				if n.notified != "" {
					want = append(want, clock("s23-ack-standard", n.notified, n.acknowledged, ackDays))
				}
			}
			slices.SortFunc(want, func(a, b ledgerRow) int {
				return cmp.Or(cmp.Compare(a.recordID, b.recordID), cmp.Compare(a.rule, b.rule))
			})

			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if n := len(ledgerOf(t, s, "advice")); n != 6 {
				t.Errorf("advice ledger rows: got %d, want 6", n)
			}
			checkLedger(t, s, "the migration")
			if got := ledgerOf(t, s, "s23"); !slices.Equal(got, want) {
				t.Errorf("Section 23 ledger:\ngot  %v\nwant %v", got, want)
			}
		})
	}
}

// SetDeadline refuses a row that names no record, child, LA, ICB or
// dates, and writes one row per kind, record and rule however often it is
// called; CloseDeadlines closes a record's open clocks and leaves its met
// ones as they were.
func TestSetAndCloseDeadlines(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		c := mustCreate(t, s, f.DCO, child(t, 1, f.LA1.ID))
		start := send.NewDate(2025, time.May, 1)
		d := Deadline{Kind: "test", RecordType: "test_record", RecordID: 7, ChildID: c.ID, LAID: c.LAID, ICBID: c.ICBID,
			Rule: "first", StartsOn: start, DueOn: start.AddDays(10)}
		set := func(d Deadline) error {
			return s.write(ctx, func(t *tx) error { return t.SetDeadline(ctx, d) })
		}
		for _, tc := range []struct {
			name string
			edit func(*Deadline)
		}{
			{"no kind", func(d *Deadline) { d.Kind = "" }},
			{"no rule", func(d *Deadline) { d.Rule = "" }},
			{"no record", func(d *Deadline) { d.RecordID = 0 }},
			{"no child", func(d *Deadline) { d.ChildID = 0 }},
			{"no LA", func(d *Deadline) { d.LAID = 0 }},
			{"no ICB", func(d *Deadline) { d.ICBID = 0 }},
			{"no due date", func(d *Deadline) { d.DueOn = send.Date{} }},
		} {
			bad := d
			tc.edit(&bad)
			if err := set(bad); !errs.Is(err, errs.Internal) {
				t.Errorf("%s: got %v, want an internal error", tc.name, err)
			}
		}
		second := d
		second.Rule = "second"
		for _, x := range []Deadline{d, d, second} {
			if err := set(x); err != nil {
				t.Fatal(err)
			}
		}
		met := second
		met.MetOn, met.OnTime = start.AddDays(3), true
		if err := set(met); err != nil {
			t.Fatal(err)
		}
		if err := s.write(ctx, func(t *tx) error { return t.CloseDeadlines(ctx, "test", "test_record", 7) }); err != nil {
			t.Fatal(err)
		}
		got := ledgerOf(t, s, "test")
		want := []ledgerRow{
			{kind: "test", recordType: "test_record", recordID: 7, childID: c.ID, laID: c.LAID, icbID: c.ICBID, rule: "first",
				starts: "2025-05-01", due: "2025-05-11", closed: true},
			{kind: "test", recordType: "test_record", recordID: 7, childID: c.ID, laID: c.LAID, icbID: c.ICBID, rule: "second",
				starts: "2025-05-01", due: "2025-05-11", met: "2025-05-04", onTime: "true"},
		}
		if !slices.Equal(got, want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	})
}

// The home pages' lists choose running clocks (neither met, closed nor
// paused) due from one day to another: a paused clock is not overdue.
func TestListDeadlinesRunningDueFrom(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		c := mustCreate(t, s, f.DCO, child(t, 1, f.LA1.ID))
		today := send.NewDate(2025, time.May, 12)
		row := func(id int64, due int, edit func(*Deadline)) {
			d := Deadline{Kind: "test", RecordType: "test_record", RecordID: id, ChildID: c.ID, LAID: c.LAID, ICBID: c.ICBID,
				Rule: "r", StartsOn: today.AddDays(-30), DueOn: today.AddDays(due)}
			if edit != nil {
				edit(&d)
			}
			if err := s.write(ctx, func(t *tx) error { return t.SetDeadline(ctx, d) }); err != nil {
				t.Fatal(err)
			}
		}
		row(1, -1, nil)
		row(2, -1, func(d *Deadline) { d.Paused = "absent_from_area" })
		row(3, -1, func(d *Deadline) { d.MetOn = today })
		row(4, -1, func(d *Deadline) { d.Closed = true })
		row(5, 2, nil)
		row(6, 20, nil)
		for _, tc := range []struct {
			name string
			f    DeadlineFilter
			want []int64
		}{
			{"running", DeadlineFilter{Running: true}, []int64{1, 5, 6}},
			{"overdue", DeadlineFilter{Running: true, DueBy: today.AddDays(-1)}, []int64{1}},
			{"due soon", DeadlineFilter{Running: true, DueFrom: today, DueBy: today.AddDays(7)}, []int64{5}},
			{"due from, any state", DeadlineFilter{DueFrom: today}, []int64{5, 6}},
		} {
			ds, total, err := s.ListDeadlines(ctx, f.DCO, send.DefaultCalendar(), today, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, d := range ds {
				got = append(got, d.RecordID)
			}
			if !slices.Equal(got, tc.want) || total != len(tc.want) {
				t.Errorf("%s: got %v (total %d), want %v", tc.name, got, total, tc.want)
			}
		}
	})
}
