package advicedb

import (
	"context"
	"testing"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// closedColumns are the stored columns that say how a request was closed.
type closedColumns struct {
	State, ReturnedOn, WithdrawnOn, Outcome string
	ReturnedBy, WithdrawnBy                 int64
}

func readClosed(t *testing.T, s *store.Store, id int64) closedColumns {
	t.Helper()
	var c closedColumns
	rows, err := s.Query(context.Background(), `SELECT state, returned_on, withdrawn_on, outcome,
		returned_by, withdrawn_by FROM advice_requests WHERE id = ?`, id)
	if err != nil {
		t.Fatalf("read request %d: %v", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("read request %d: no row", id)
	}
	if err := rows.Scan(&c.State, &c.ReturnedOn, &c.WithdrawnOn, &c.Outcome, &c.ReturnedBy, &c.WithdrawnBy); err != nil {
		t.Fatalf("read request %d: %v", id, err)
	}
	return c
}

// A withdrawal is stored as one, in its own columns, by the page's and the
// API's call (WithdrawAdviceRequest) and by the import: nothing of it is a
// return. Its date is checked with messages of its own.
func TestAdviceWithdrawnStoredAsWithdrawn(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		today := send.Today(testNow)
		c := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
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
			err := New(s).WithdrawAdviceRequest(ctx, f.LA1User, r.ID, r.Version, tc.on)
			if got := errs.FieldsOf(err)["withdrawn_on"]; got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			}
		}

		on := adviceDate(t, "2025-05-20")
		if err := New(s).WithdrawAdviceRequest(ctx, f.LA1User, r.ID, r.Version, on); err != nil {
			t.Fatal(err)
		}
		want := closedColumns{State: "withdrawn", WithdrawnOn: "2025-05-20", Outcome: "withdrawn", WithdrawnBy: f.LA1User.UserID}
		if got := readClosed(t, s, r.ID); got != want {
			t.Errorf("stored: got %+v, want %+v", got, want)
		}
		got, err := New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
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
		rows := []ImportRow{
			{Line: 2, LAID: f.LA1.ID, LAReference: "IW", Child: child(t, 2, 0), ReceivedOn: adviceDate(t, "2025-03-03"),
				ReturnedOn: adviceDate(t, "2025-03-10"), Outcome: advice.OutcomeWithdrawn},
			{Line: 3, LAID: f.LA1.ID, LAReference: "IR", Child: child(t, 3, 0), ReceivedOn: adviceDate(t, "2025-03-03"),
				ReturnedOn: adviceDate(t, "2025-04-01"), Outcome: advice.OutcomeAdvice},
		}
		if _, err := New(s).ImportAdviceRequests(ctx, f.DCO, send.DefaultCalendar(), rows, false); err != nil {
			t.Fatal(err)
		}
		list, _, err := New(s).ListAdviceRequests(ctx, f.DCO, testClock(), Filter{})
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
