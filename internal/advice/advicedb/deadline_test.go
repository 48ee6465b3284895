package advicedb

import (
	"context"
	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
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
func ledgerOf(t *testing.T, s *store.Store, kind string) []ledgerRow {
	t.Helper()
	rows, err := s.Query(context.Background(), `SELECT kind, record_type, record_id, child_id, la_id, icb_id, rule,
		starts_on, due_on, paused, met_on, CASE WHEN on_time IS NULL THEN '' WHEN on_time THEN 'true' ELSE 'false' END, closed
		FROM deadlines WHERE kind = ? ORDER BY kind, record_type, record_id, rule`, kind)
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
func adviceLedgerWanted(t *testing.T, s *store.Store) []ledgerRow {
	t.Helper()
	rows, err := s.Query(context.Background(), `SELECT id, child_id, la_id, icb_id, received_on, due_on,
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
func checkLedger(t *testing.T, s *store.Store, step string) {
	t.Helper()
	store.DiffRows(t, step, "records", ledgerOf(t, s, "advice"), adviceLedgerWanted(t, s))
}

// The ledger says what the advice requests say after every kind of change
// to them, by every route into the store (the page and the API call
// CreateAdviceRequest, the CSV import ImportAdviceRequests), and a change
// that fails leaves both as they were: they are written together.
func TestDeadlineLedgerFollowsAdvice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		cal := send.DefaultCalendar()
		c1 := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		c2 := store.MustCreateChild(t, s, f.DCO, child(t, 2, f.LA2.ID))
		checkLedger(t, s, "no requests")
		get := func(id int64) Request {
			t.Helper()
			r, err := New(s).GetAdviceRequest(ctx, f.DCO, id)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		answerAll := func(r Request) {
			t.Helper()
			k, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", f.Clinician.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := New(s).AnswerAdviceContribution(ctx, f.Clinician, k.ID, k.Version, goodAdvice()); err != nil {
				t.Fatal(err)
			}
		}

		// Created by an LA (the page and the API both call this).
		early := mustRequest(t, s, f.LA1User, c1.ID, "2025-04-01", "L-1") // due 13 May: late on 2 June
		checkLedger(t, s, "create by an LA")
		onTime := mustRequest(t, s, f.LA2User, c2.ID, "2025-05-20", "S-1")
		checkLedger(t, s, "create by another LA")

		// Created with the child registered in the same transaction.
		newChild := child(t, 3, f.LA1.ID)
		withChild := Request{ReceivedOn: adviceDate(t, "2025-05-28")}
		if err := New(s).CreateAdviceRequest(ctx, f.DCO, cal, &withChild, &newChild); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "create with a new child")

		// Imported: open, returned on time, returned late with an
		// exception, withdrawn.
		imp := func(line int, ref string, c store.Child, received, returned string, outcome advice.Outcome) ImportRow {
			r := ImportRow{Line: line, LAID: f.LA1.ID, LAReference: ref, Child: c, ReceivedOn: adviceDate(t, received), Outcome: outcome}
			if returned != "" {
				r.ReturnedOn = adviceDate(t, returned)
			}
			return r
		}
		rows := []ImportRow{
			imp(2, "I-1", child(t, 4, 0), "2025-05-01", "", ""),
			imp(3, "I-2", child(t, 5, 0), "2025-01-06", "2025-02-10", advice.OutcomeAdvice),
			imp(4, "I-3", child(t, 6, 0), "2025-02-03", "2025-03-31", advice.OutcomeNotKnown),
			imp(5, "I-4", child(t, 7, 0), "2025-05-01", "2025-05-10", advice.OutcomeWithdrawn),
		}
		rows[2].Exception, rows[2].ExceptionOn = send.ExceptionAbsentFromArea, adviceDate(t, "2025-02-20")
		if _, err := New(s).ImportAdviceRequests(ctx, f.DCO, cal, rows, false); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "import")
		if n := len(ledgerOf(t, s, "advice")); n != 7 {
			t.Errorf("ledger rows after import: got %d, want 7", n)
		}

		// The DCO corrects the date received: the due date moves.
		r := get(onTime.ID)
		r.ReceivedOn = adviceDate(t, "2025-05-19")
		if err := New(s).UpdateAdviceRequest(ctx, f.DCO, cal, &r); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "the date received changed")
		// The LA changes other details: the clock stays.
		r = get(onTime.ID)
		r.RequestNote = "Please include the audiology report"
		if err := New(s).UpdateAdviceRequest(ctx, f.LA2User, cal, &r); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "the LA changed its note")

		// An exception on the request pauses the clock; clearing it
		// restarts it; a clinician's on their part pauses it again.
		e := advice.Exception{Kind: send.ExceptionExceptionalCircumstances, Reason: "Family bereavement", On: adviceDate(t, "2025-05-21")}
		v, err := New(s).RecordAdviceException(ctx, f.DCO, onTime.ID, get(onTime.ID).Version, e)
		if err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "an exception recorded")
		if _, err := New(s).RecordAdviceException(ctx, f.DCO, onTime.ID, v, advice.Exception{}); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "an exception cleared")
		k, err := New(s).AddAdviceContribution(ctx, f.DCO, withChild.ID, "paediatrics", f.Clinician.UserID)
		if err != nil {
			t.Fatal(err)
		}
		ke := advice.Exception{Kind: send.ExceptionMissedAppointment, Reason: "Did not attend clinic", On: adviceDate(t, "2025-05-30")}
		kv, err := New(s).RecordContributionException(ctx, f.Clinician, k.ID, k.Version, ke)
		if err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "an exception on a part")

		// A change that fails after its work leaves record and ledger as
		// they were.
		before, version := ledgerOf(t, s, "advice"), get(early.ID).Version
		store.SetFailAfterChange(s, func() error { return errors.New("injected") })
		err = New(s).WithdrawAdviceRequest(ctx, f.LA1User, early.ID, version, send.Today(testNow))
		store.SetFailAfterChange(s, nil)
		if err == nil {
			t.Fatal("withdraw with an injected failure succeeded")
		}
		if got := ledgerOf(t, s, "advice"); !slices.Equal(got, before) {
			t.Errorf("a failed change moved the ledger:\ngot  %v\nwant %v", got, before)
		}
		checkLedger(t, s, "a failed change")

		// Returned on time, returned late, returned with an exception,
		// withdrawn.
		answerAll(get(onTime.ID))
		if _, err := New(s).ReturnAdviceRequest(ctx, f.DCO, onTime.ID, get(onTime.ID).Version, send.Today(testNow), ""); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "returned on time")
		answerAll(get(early.ID))
		if _, err := New(s).ReturnAdviceRequest(ctx, f.DCO, early.ID, get(early.ID).Version, send.Today(testNow), ""); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "returned late")
		if _, err := New(s).AnswerAdviceContribution(ctx, f.Clinician, k.ID, kv, goodAdvice()); err != nil {
			t.Fatal(err)
		}
		if _, err := New(s).ReturnAdviceRequest(ctx, f.DCO, withChild.ID, get(withChild.ID).Version, send.Today(testNow), ""); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "returned with an exception")
		open := mustRequest(t, s, f.LA1User, c1.ID, "2025-05-30", "L-2")
		if err := New(s).WithdrawAdviceRequest(ctx, f.LA1User, open.ID, open.Version, send.Today(testNow)); err != nil {
			t.Fatal(err)
		}
		checkLedger(t, s, "withdrawn")

		// What the steps above should have left, spelled out.
		want := map[int64]string{
			early.ID:     "paused= met=2025-06-02 on_time=false closed=false",
			onTime.ID:    "paused= met=2025-06-02 on_time=true closed=false",
			withChild.ID: "paused=missed_appointment met=2025-06-02 on_time=true closed=false",
			open.ID:      "paused= met= on_time= closed=true",
		}
		for _, row := range ledgerOf(t, s, "advice") {
			if w, ok := want[row.recordID]; ok {
				if got := fmt.Sprintf("paused=%s met=%s on_time=%s closed=%v", row.paused, row.met, row.onTime, row.closed); got != w {
					t.Errorf("request %d: got %s, want %s", row.recordID, got, w)
				}
			}
		}
	})
}

// ListDeadlines and DeadlineCounts are scoped as the records are: a DCO
// sees the ICB's, an LA user its LA's only, a clinician only the
// deadlines of the children they may see, and a role with no case data is
// refused. Each list is audited with the children it showed.
func TestListDeadlinesScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		cal := send.DefaultCalendar()
		today := send.Today(testNow) // Monday 2 June 2025
		c1 := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		c2 := store.MustCreateChild(t, s, f.DCO, child(t, 2, f.LA1.ID))
		c3 := store.MustCreateChild(t, s, f.DCO, child(t, 3, f.LA2.ID))
		overdue := mustRequest(t, s, f.LA1User, c1.ID, "2025-04-01", "A") // due 13 May
		soon := mustRequest(t, s, f.LA1User, c2.ID, "2025-04-24", "B")    // due 5 June
		later := mustRequest(t, s, f.LA2User, c3.ID, "2025-05-30", "C")   // due 11 July
		// The clinician is given c2 by being assigned its request.
		if _, err := New(s).AddAdviceContribution(ctx, f.DCO, soon.ID, "salt", f.Clinician.UserID); err != nil {
			t.Fatal(err)
		}
		other := store.SeedOtherICB(t, s)

		ids := func(ds []store.Deadline) []int64 {
			var out []int64
			for _, d := range ds {
				out = append(out, d.RecordID)
			}
			return out
		}
		for _, tc := range []struct {
			name  string
			actor store.Actor
			f     store.DeadlineFilter
			want  []int64
		}{
			{"DCO sees the ICB's", f.DCO, store.DeadlineFilter{}, []int64{overdue.ID, soon.ID, later.ID}},
			{"DCO of another ICB sees none of them", other.DCO, store.DeadlineFilter{}, nil},
			{"LA sees its own LA's", f.LA1User, store.DeadlineFilter{}, []int64{overdue.ID, soon.ID}},
			{"other LA sees its own only", f.LA2User, store.DeadlineFilter{}, []int64{later.ID}},
			{"LA filtering by another LA sees nothing", f.LA1User, store.DeadlineFilter{LAID: f.LA2.ID}, nil},
			{"LA filtering by another LA's child sees nothing", f.LA1User, store.DeadlineFilter{ChildID: c3.ID}, nil},
			{"clinician sees only the child assigned", f.Clinician, store.DeadlineFilter{}, []int64{soon.ID}},
			{"clinician with no work sees none", f.Clinician2, store.DeadlineFilter{}, nil},
			{"due by a day", f.DCO, store.DeadlineFilter{DueBy: send.WeekAheadBy(today)}, []int64{overdue.ID, soon.ID}},
			{"by child", f.DCO, store.DeadlineFilter{ChildID: c3.ID}, []int64{later.ID}},
			{"by kind and rule", f.DCO, store.DeadlineFilter{Kind: "advice", Rule: send.RuleHealthAdvice, Open: true}, []int64{overdue.ID, soon.ID, later.ID}},
			{"another kind", f.DCO, store.DeadlineFilter{Kind: "s23"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := s.ListDeadlines(ctx, tc.actor, cal, today, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(ids(got), tc.want) || total != len(tc.want) {
					t.Errorf("got %v (total %d), want %v", ids(got), total, tc.want)
				}
				// The audit row names the children shown, and only those.
				var shown []int64
				for _, d := range got {
					shown = append(shown, d.ChildID)
				}
				es, _, err := s.ListAudit(ctx, store.AuditFilter{Action: "deadline.list", UserID: tc.actor.UserID, Limit: 1})
				if err != nil || len(es) != 1 {
					t.Fatalf("audit: %v %v", es, err)
				}
				slices.Sort(shown)
				if !slices.Equal(es[0].Children, slices.Compact(shown)) {
					t.Errorf("audited children: got %v, want %v", es[0].Children, shown)
				}
			})
		}

		// Statuses come from internal/send on the day asked.
		list, _, err := s.ListDeadlines(ctx, f.DCO, cal, today, store.DeadlineFilter{})
		if err != nil {
			t.Fatal(err)
		}
		wantStatus := map[int64]store.DeadlineStatus{
			overdue.ID: {Days: 20, Overdue: true, Text: "20 days overdue"},
			soon.ID:    {Days: 3, DueSoon: true, Text: "due in 3 days"},
			later.ID:   {Days: 39, Text: "due in 39 days"},
		}
		for _, d := range list {
			if d.Status != wantStatus[d.RecordID] {
				t.Errorf("request %d status: got %+v, want %+v", d.RecordID, d.Status, wantStatus[d.RecordID])
			}
			if d.GivenName == "" {
				t.Errorf("request %d: no child name", d.RecordID)
			}
		}

		for _, tc := range []struct {
			name  string
			actor store.Actor
			want  store.DeadlineTally
		}{
			{"DCO", f.DCO, store.DeadlineTally{Open: 3, Overdue: 1, DueSoon: 1, DueThisWeek: 1, AtRisk: 2}},
			{"LA", f.LA1User, store.DeadlineTally{Open: 2, Overdue: 1, DueSoon: 1, DueThisWeek: 1, AtRisk: 2}},
			{"other LA", f.LA2User, store.DeadlineTally{Open: 1}},
			{"clinician", f.Clinician, store.DeadlineTally{Open: 1, DueSoon: 1, DueThisWeek: 1, AtRisk: 1}},
		} {
			got, err := s.DeadlineCounts(ctx, tc.actor, cal, today, store.DeadlineFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s counts: got %+v, want %+v", tc.name, got, tc.want)
			}
		}

		// A paused clock is neither overdue nor due soon, and has no
		// status, but is still at risk: the work is still to do.
		e := advice.Exception{Kind: send.ExceptionExceptionalCircumstances, Reason: "Family bereavement", On: adviceDate(t, "2025-05-01")}
		if _, err := New(s).RecordAdviceException(ctx, f.DCO, overdue.ID, overdue.Version, e); err != nil {
			t.Fatal(err)
		}
		tally, err := s.DeadlineCounts(ctx, f.DCO, cal, today, store.DeadlineFilter{})
		if want := (store.DeadlineTally{Open: 3, Paused: 1, DueSoon: 1, DueThisWeek: 1, AtRisk: 2}); err != nil || tally != want {
			t.Errorf("counts with a paused clock: got %+v, %v, want %+v", tally, err, want)
		}
		paused, _, err := s.ListDeadlines(ctx, f.DCO, cal, today, store.DeadlineFilter{ChildID: c1.ID})
		if err != nil || len(paused) != 1 || paused[0].Paused != string(send.ExceptionExceptionalCircumstances) || paused[0].Status != (store.DeadlineStatus{}) {
			t.Errorf("paused clock listed: got %+v, %v", paused, err)
		}

		for _, a := range []store.Actor{f.Viewer, f.Admin} {
			refused := store.CountAudit(t, s, store.ActionAccessRefused, 0)
			_, _, err := s.ListDeadlines(ctx, a, cal, today, store.DeadlineFilter{})
			store.WantCode(t, err, errs.Forbidden)
			if got := store.CountAudit(t, s, store.ActionAccessRefused, 0); got != refused+1 {
				t.Errorf("%s refusal audited: got %d rows, want 1", a.Email, got-refused)
			}
			_, err = s.DeadlineCounts(ctx, a, cal, today, store.DeadlineFilter{})
			store.WantCode(t, err, errs.Forbidden)
		}
	})
}

// On-time figures: met clocks counted by whether they were on time, those
// with an exception apart, over the days they were met.
func TestDeadlineCountsOnTime(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		cal := send.DefaultCalendar()
		imp := func(line int, ref, received, returned string, outcome advice.Outcome) ImportRow {
			r := ImportRow{Line: line, LAID: f.LA1.ID, LAReference: ref, Child: child(t, line, 0), ReceivedOn: adviceDate(t, received), Outcome: outcome}
			if returned != "" {
				r.ReturnedOn = adviceDate(t, returned)
			}
			return r
		}
		rows := []ImportRow{
			imp(2, "A", "2025-01-06", "2025-02-10", advice.OutcomeAdvice),    // due 17 Feb: on time
			imp(3, "B", "2025-01-06", "2025-02-18", advice.OutcomeAdvice),    // late
			imp(4, "C", "2025-01-06", "2025-03-18", advice.OutcomeNotKnown),  // late, excepted
			imp(5, "D", "2025-01-06", "2025-01-20", advice.OutcomeWithdrawn), // closed
			imp(6, "E", "2025-03-03", "2025-04-01", advice.OutcomeAdvice),    // on time, in April
		}
		rows[2].Exception, rows[2].ExceptionOn = send.ExceptionAbsentFromArea, adviceDate(t, "2025-01-20")
		if _, err := New(s).ImportAdviceRequests(ctx, f.DCO, cal, rows, false); err != nil {
			t.Fatal(err)
		}
		today := send.Today(testNow)
		got, err := s.DeadlineCounts(ctx, f.DCO, cal, today, store.DeadlineFilter{Kind: "advice"})
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.DeadlineTally{MetOnTime: 2, MetLate: 1, MetPaused: 1, Closed: 1}); got != want {
			t.Errorf("all: got %+v, want %+v", got, want)
		}
		got, err = s.DeadlineCounts(ctx, f.DCO, cal, today, store.DeadlineFilter{MetFrom: adviceDate(t, "2025-02-01"), MetTo: adviceDate(t, "2025-03-31")})
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.DeadlineTally{MetOnTime: 1, MetLate: 1, MetPaused: 1}); got != want {
			t.Errorf("February and March: got %+v, want %+v", got, want)
		}
	})
}

// BenchmarkAdviceExceptionLedger measures an advice change with its ledger
// row: compare with the same benchmark on the code before the ledger.
func BenchmarkAdviceExceptionLedger(b *testing.B) {
	s := store.OpenTestSQLite(b)
	ctx := context.Background()
	s.Now = func() time.Time { return testNow }
	f := store.SeedFixture(b, s)
	c := child(b, 1, f.LA1.ID)
	if err := s.CreateChild(ctx, f.DCO, &c); err != nil {
		b.Fatal(err)
	}
	r := Request{ChildID: c.ID, ReceivedOn: send.NewDate(2025, time.May, 1)}
	if err := New(s).CreateAdviceRequest(ctx, f.DCO, send.DefaultCalendar(), &r, nil); err != nil {
		b.Fatal(err)
	}
	kinds := []advice.Exception{
		{Kind: send.ExceptionExceptionalCircumstances, Reason: "Family bereavement", On: send.NewDate(2025, time.May, 20)},
		{},
	}
	v := r.Version
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var err error
		if v, err = New(s).RecordAdviceException(ctx, f.DCO, r.ID, v, kinds[i%2]); err != nil {
			b.Fatal(err)
		}
	}
}
