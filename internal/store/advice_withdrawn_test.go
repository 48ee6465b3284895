package store

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
)

// closedColumns are the stored columns that say how a request was closed.
type closedColumns struct {
	State, ReturnedOn, WithdrawnOn, Outcome string
	ReturnedBy, WithdrawnBy                 int64
}

func readClosed(t *testing.T, s *Store, id int64) closedColumns {
	t.Helper()
	var c closedColumns
	err := s.db.QueryRowContext(context.Background(), s.rebind(`SELECT state, returned_on, withdrawn_on, outcome,
		returned_by, withdrawn_by FROM advice_requests WHERE id = ?`), id).
		Scan(&c.State, &c.ReturnedOn, &c.WithdrawnOn, &c.Outcome, &c.ReturnedBy, &c.WithdrawnBy)
	if err != nil {
		t.Fatalf("read request %d: %v", id, err)
	}
	return c
}

// A withdrawal is stored as one, in its own columns, by the page's and the
// API's call (WithdrawAdviceRequest) and by the import: nothing of it is a
// return. Its date is checked with messages of its own.
func TestAdviceWithdrawnStoredAsWithdrawn(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		today := send.Today(testNow)
		c := mustCreate(t, s, f.DCO, child(t, 1, f.LA1.ID))
		r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-01", "W1")

		for _, tc := range []struct {
			name string
			on   send.Date
			want string
		}{
			{"no date", send.Date{}, "Enter the date it was withdrawn"},
			{"before received", adviceDate(t, "2025-04-30"),
				"The date withdrawn must be on or after the date the request was received, 1 May 2025"},
			{"in the future", today.AddDays(1), "The date withdrawn must be today or in the past"},
		} {
			err := s.WithdrawAdviceRequest(ctx, f.LA1User, r.ID, r.Version, tc.on)
			if got := errs.FieldsOf(err)["withdrawn_on"]; got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			}
		}

		on := adviceDate(t, "2025-05-20")
		if err := s.WithdrawAdviceRequest(ctx, f.LA1User, r.ID, r.Version, on); err != nil {
			t.Fatal(err)
		}
		want := closedColumns{State: "withdrawn", WithdrawnOn: "2025-05-20", Outcome: "withdrawn", WithdrawnBy: f.LA1User.UserID}
		if got := readClosed(t, s, r.ID); got != want {
			t.Errorf("stored: got %+v, want %+v", got, want)
		}
		got, err := s.GetAdviceRequest(ctx, f.DCO, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.WithdrawnOn != on || !got.ReturnedOn.IsZero() || got.ClosedOn() != on {
			t.Errorf("read: got withdrawn %s, returned %s, closed %s; want %s, none, %s", got.WithdrawnOn, got.ReturnedOn, got.ClosedOn(), on, on)
		}
		if st := testClock().Status(got.Facts()); st != advice.StatusWithdrawn {
			t.Errorf("status: got %s, want %s", st, advice.StatusWithdrawn)
		}
		if onTime, counted := got.OnTime(); onTime || counted {
			t.Errorf("on time: got %v, counted %v; want neither", onTime, counted)
		}

		// The import stores the file's returned_on of a withdrawn row as the
		// date withdrawn, and of a returned row as the date returned.
		rows := []AdviceImportRow{
			{Line: 2, LAID: f.LA1.ID, LAReference: "IW", Child: child(t, 2, 0), ReceivedOn: adviceDate(t, "2025-03-03"),
				ReturnedOn: adviceDate(t, "2025-03-10"), Outcome: advice.OutcomeWithdrawn},
			{Line: 3, LAID: f.LA1.ID, LAReference: "IR", Child: child(t, 3, 0), ReceivedOn: adviceDate(t, "2025-03-03"),
				ReturnedOn: adviceDate(t, "2025-04-01"), Outcome: advice.OutcomeAdvice},
		}
		if _, err := s.ImportAdviceRequests(ctx, f.DCO, send.DefaultCalendar(), rows, false); err != nil {
			t.Fatal(err)
		}
		list, _, err := s.ListAdviceRequests(ctx, f.DCO, testClock(), AdviceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		wantImported := map[string]closedColumns{
			"IW": {State: "withdrawn", WithdrawnOn: "2025-03-10", Outcome: "withdrawn"},
			"IR": {State: "returned", ReturnedOn: "2025-04-01", Outcome: "advice"},
		}
		for _, rq := range list {
			w, ok := wantImported[rq.LAReference]
			if !ok {
				continue
			}
			if got := readClosed(t, s, rq.ID); got != w {
				t.Errorf("imported %s: got %+v, want %+v", rq.LAReference, got, w)
			}
			delete(wantImported, rq.LAReference)
		}
		if len(wantImported) > 0 {
			t.Errorf("imported requests not listed: %v", wantImported)
		}
	})
}

// A database written before withdrawals had their own columns held a
// withdrawal as a return (its date in returned_on, its user in
// returned_by): migrating moves them to withdrawn_on and withdrawn_by, and
// leaves returned and open requests as they were.
func TestAdviceWithdrawnMigration(t *testing.T) {
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
			before := migrationBefore(t, s, "advice_withdrawn.sql")
			if err := s.migrate(ctx, before); err != nil {
				t.Fatalf("migrate to %04d: %v", before, err)
			}
			s.Now = func() time.Time { return testNow }
			f := SeedFixture(t, s)
			at := fmtTime(testNow)
			old := func(i int, state, returned, outcome string, by int64) int64 {
				t.Helper()
				c := mustCreate(t, s, f.DCO, child(t, i, f.LA1.ID))
				var id int64
				err := s.wdb.QueryRowContext(ctx, s.rebind(`INSERT INTO advice_requests (icb_id, la_id, child_id, received_on,
					due_on, state, returned_on, outcome, returned_by, created_at, updated_at)
					VALUES (?, ?, ?, '2025-05-01', '2025-06-12', ?, ?, ?, ?, ?, ?) RETURNING id`),
					c.ICBID, c.LAID, c.ID, state, returned, outcome, by, at, at).Scan(&id)
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			withdrawn := old(1, "withdrawn", "2025-05-09", "withdrawn", f.LA1User.UserID)
			returned := old(2, "returned", "2025-06-02", "advice", f.DCO.UserID)
			open := old(3, "open", "", "", 0)

			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			for _, tc := range []struct {
				name string
				id   int64
				want closedColumns
			}{
				{"withdrawn", withdrawn, closedColumns{State: "withdrawn", WithdrawnOn: "2025-05-09", Outcome: "withdrawn",
					WithdrawnBy: f.LA1User.UserID}},
				{"returned", returned, closedColumns{State: "returned", ReturnedOn: "2025-06-02", Outcome: "advice",
					ReturnedBy: f.DCO.UserID}},
				{"open", open, closedColumns{State: "open"}},
			} {
				if got := readClosed(t, s, tc.id); got != tc.want {
					t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
				}
			}
			got, err := s.GetAdviceRequest(ctx, f.DCO, withdrawn)
			if err != nil {
				t.Fatal(err)
			}
			if got.WithdrawnOn.String() != "2025-05-09" || !got.ReturnedOn.IsZero() {
				t.Errorf("read after migrating: got withdrawn %q, returned %q; want 2025-05-09, none", got.WithdrawnOn, got.ReturnedOn)
			}
		})
	}
}
