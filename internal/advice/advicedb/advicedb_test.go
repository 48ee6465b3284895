package advicedb

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// adviceDate parses a test date.
func adviceDate(t testing.TB, s string) send.Date {
	t.Helper()
	d, err := send.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testClock is the advice clock on testNow's day (Monday 2 June 2025).
func testClock() advice.Clock {
	return advice.NewClock(send.DefaultCalendar(), send.Today(testNow))
}

// mustRequest records an advice request for child c received on received.
func mustRequest(t *testing.T, s *store.Store, actor store.Actor, childID int64, received, ref string) Request {
	t.Helper()
	r := Request{ChildID: childID, ReceivedOn: adviceDate(t, received), LAReference: ref, ServicesRequested: "salt,paediatrics"}
	if err := New(s).CreateAdviceRequest(context.Background(), actor, send.DefaultCalendar(), &r, nil); err != nil {
		t.Fatalf("create advice request: %v", err)
	}
	return r
}

// mustClinician adds an active clinician of organisation orgID (0: none).
func mustClinician(t *testing.T, s *store.Store, email string, orgID int64) store.Actor {
	t.Helper()
	u := store.User{Email: email, Name: "Clinician " + email, Role: store.RoleClinician, OrgID: orgID}
	if err := s.CreateUser(context.Background(), store.System, &u); err != nil {
		t.Fatalf("create clinician %s: %v", email, err)
	}
	return store.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID, Addr: "192.0.2.1"}
}

func goodAdvice() Answer {
	return Answer{
		Kind: advice.KindAdvice,
		Advice: advice.Advice{
			Needs:     "Delayed expressive language",
			Outcomes:  "Uses two-word phrases by July",
			Provision: []advice.Provision{{Who: "Speech and language therapist", What: "Targeted therapy", HowOften: "Weekly", HowLong: "12 weeks"}},
		},
		ReturnedOn: send.Today(testNow),
	}
}

func TestAdviceCreateAndScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c1 := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		c2 := store.MustCreateChild(t, s, f.DCO, child(t, 2, f.LA2.ID))

		r := mustRequest(t, s, f.LA1User, c1.ID, "2025-05-01", "EHC-001")
		if r.ID == 0 || r.Version != 1 || r.LAID != f.LA1.ID || r.ICBID != f.ICB.ID || r.State != advice.StateOpen {
			t.Fatalf("created: %+v", r)
		}
		if r.DueOn.String() != "2025-06-12" {
			t.Errorf("due: got %s, want 2025-06-12 (six weeks, reg 8(1))", r.DueOn)
		}
		if store.CountAudit(t, s, "advice.create", c1.ID) != 1 {
			t.Errorf("no advice.create audit row with the child")
		}

		// The LA that asked, and the DCO, see it; the other LA does not,
		// and its attempt is refused and audited.
		for _, a := range []store.Actor{f.LA1User, f.DCO} {
			got, err := New(s).GetAdviceRequest(ctx, a, r.ID)
			if err != nil {
				t.Fatalf("%s get: %v", a.Email, err)
			}
			if got.LAReference != "EHC-001" || got.GivenName != c1.GivenName || !got.DueOn.Equal(r.DueOn) {
				t.Errorf("%s got %+v", a.Email, got)
			}
		}
		if n := store.CountAudit(t, s, "advice.view", c1.ID); n != 2 {
			t.Errorf("advice.view rows with the child: got %d, want 2", n)
		}
		refused := store.CountAudit(t, s, store.ActionAccessRefused, 0)
		for _, a := range []store.Actor{f.LA2User, f.Clinician, f.Clinician2} {
			_, err := New(s).GetAdviceRequest(ctx, a, r.ID)
			store.WantCode(t, err, errs.NotFound)
		}
		for _, a := range []store.Actor{f.Provider1User, f.Viewer, f.Admin} {
			_, err := New(s).GetAdviceRequest(ctx, a, r.ID)
			store.WantCode(t, err, errs.Forbidden)
		}
		if got := store.CountAudit(t, s, store.ActionAccessRefused, 0); got != refused+6 {
			t.Errorf("refusals audited: got %d, want %d", got-refused, 6)
		}

		// An LA cannot ask about another LA's child.
		bad := Request{ChildID: c2.ID, ReceivedOn: adviceDate(t, "2025-05-01")}
		err := New(s).CreateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &bad, nil)
		store.WantCode(t, err, errs.NotFound)

		// Lists are scoped the same way.
		mustRequest(t, s, f.LA2User, c2.ID, "2025-05-02", "SW-1")
		for _, tc := range []struct {
			a    store.Actor
			want int
		}{{f.DCO, 2}, {f.LA1User, 1}, {f.LA2User, 1}, {f.Clinician, 0}} {
			list, total, err := New(s).ListAdviceRequests(ctx, tc.a, testClock(), Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.want || len(list) != tc.want {
				t.Errorf("%s sees %d (%d listed), want %d", tc.a.Email, total, len(list), tc.want)
			}
		}

		// Validation and duplicates.
		for _, tc := range []struct {
			name  string
			r     Request
			field string
		}{
			{"no date", Request{ChildID: c1.ID}, "received_on"},
			{"received tomorrow", Request{ChildID: c1.ID, ReceivedOn: send.Today(testNow).AddDays(1)}, "received_on"},
			{"assessment after the request", Request{ChildID: c1.ID, ReceivedOn: adviceDate(t, "2025-05-01"),
				AssessmentRequestedOn: adviceDate(t, "2025-05-02")}, "assessment_requested_on"},
			{"unknown service", Request{ChildID: c1.ID, ReceivedOn: adviceDate(t, "2025-05-01"), ServicesRequested: "magic"}, "services_requested"},
			{"no child", Request{ReceivedOn: adviceDate(t, "2025-05-01")}, "nhs_number"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := New(s).CreateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &tc.r, nil)
				store.WantCode(t, err, errs.Invalid)
				if errs.FieldsOf(err)[tc.field] == "" {
					t.Errorf("got %v, want an error on %s", errs.FieldsOf(err), tc.field)
				}
			})
		}
		dup := Request{ChildID: c1.ID, ReceivedOn: adviceDate(t, "2025-05-03"), LAReference: "EHC-001"}
		err = New(s).CreateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &dup, nil)
		store.WantCode(t, err, errs.Conflict)
		if errs.FieldsOf(err)["la_reference"] == "" {
			t.Errorf("duplicate reference: %v", err)
		}
	})
}

func TestAdviceCreateRegistersChild(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		reg := child(t, 5, 0)
		r := Request{ReceivedOn: adviceDate(t, "2025-05-20")}
		if err := New(s).CreateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &r, &reg); err != nil {
			t.Fatal(err)
		}
		if reg.ID == 0 || r.ChildID != reg.ID || r.LAID != f.LA1.ID {
			t.Fatalf("registered %+v, request %+v", reg, r)
		}
		if store.CountAudit(t, s, "child.create", reg.ID) != 1 || store.CountAudit(t, s, "advice.create", reg.ID) != 1 {
			t.Errorf("audit rows for the new child and request")
		}
		// A bad request registers no child.
		reg2 := child(t, 6, 0)
		r2 := Request{}
		err := New(s).CreateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &r2, &reg2)
		store.WantCode(t, err, errs.Invalid)
		if n, _ := s.CountChildren(ctx, f.DCO); n != 1 {
			t.Errorf("children after a refused request: got %d, want 1", n)
		}
	})
}

// A request's journey: triage, assignment (which grants the clinician the
// child in the same transaction), advice, return, on time.
func TestAdviceJourney(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		other := store.MustCreateChild(t, s, f.DCO, child(t, 2, f.LA1.ID))
		r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-01", "EHC-9")
		mustRequest(t, s, f.LA1User, other.ID, "2025-05-01", "EHC-10")

		// Only the DCO triages and assigns.
		_, err := New(s).TriageAdviceRequest(ctx, f.LA1User, r.ID, r.Version, advice.TriageKnown, []string{"salt"}, "")
		store.WantCode(t, err, errs.Forbidden)
		_, err = New(s).TriageAdviceRequest(ctx, f.DCO, r.ID, r.Version, advice.TriageKnown, nil, "")
		store.WantCode(t, err, errs.Invalid)
		v, err := New(s).TriageAdviceRequest(ctx, f.DCO, r.ID, r.Version, advice.TriageKnown, []string{"salt"}, "Open to SALT")
		if err != nil || v != 2 {
			t.Fatalf("triage: %d %v", v, err)
		}
		_, err = New(s).TriageAdviceRequest(ctx, f.DCO, r.ID, r.Version, advice.TriageKnown, []string{"salt"}, "")
		store.WantCode(t, err, errs.Conflict)

		// Before assignment the clinician sees neither the request nor the child.
		if _, err := s.GetChild(ctx, f.Clinician, c.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("clinician sees the child before assignment: %v", err)
		}
		_, err = New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", f.LA1User.UserID)
		store.WantCode(t, err, errs.Invalid) // not a clinician
		k, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", f.Clinician.UserID)
		if err != nil {
			t.Fatal(err)
		}
		has, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, advice.ServiceHAS, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetChild(ctx, f.Clinician, c.ID); err != nil {
			t.Fatalf("assignment did not grant the child: %v", err)
		}
		if store.CountAudit(t, s, "child.grant", c.ID) != 1 {
			t.Errorf("no child.grant audit row")
		}
		list, total, err := New(s).ListAdviceRequests(ctx, f.Clinician, testClock(), Filter{})
		if err != nil || total != 1 || list[0].ID != r.ID {
			t.Fatalf("clinician's caseload: %d %v", total, err)
		}
		// The unassigned HAS contribution keeps the request in the unassigned queue.
		got, _ := New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		if !testClock().In(advice.QueueUnassigned, got.QueueFacts()) {
			t.Errorf("request with an unallocated HAS contribution is not unassigned")
		}
		hasAdviser := mustClinician(t, s, "has@example.nhs.uk", f.Provider2.ID)
		if err := New(s).AssignAdviceContribution(ctx, f.DCO, has.ID, has.Version, hasAdviser.UserID); err != nil {
			t.Fatal(err)
		}

		// The clinician answers their own, not someone else's.
		_, err = New(s).AnswerAdviceContribution(ctx, f.Clinician, has.ID, 2, goodAdvice())
		store.WantCode(t, err, errs.Forbidden)
		bad := goodAdvice()
		bad.Advice.Provision[0].HowLong = ""
		_, err = New(s).AnswerAdviceContribution(ctx, f.Clinician, k.ID, k.Version, bad)
		store.WantCode(t, err, errs.Invalid)
		if _, err := New(s).AnswerAdviceContribution(ctx, f.Clinician, k.ID, k.Version, goodAdvice()); err != nil {
			t.Fatal(err)
		}

		// Returning with a contribution still open is refused.
		got, _ = New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		_, err = New(s).ReturnAdviceRequest(ctx, f.DCO, r.ID, got.Version, send.Today(testNow), "")
		store.WantCode(t, err, errs.Invalid)

		// The HAS adviser finds the child not known, after checks.
		_, err = New(s).AnswerAdviceContribution(ctx, hasAdviser, has.ID, 2, Answer{Kind: advice.KindNotKnown, ReturnedOn: send.Today(testNow)})
		store.WantCode(t, err, errs.Invalid)
		if _, err := New(s).AnswerAdviceContribution(ctx, hasAdviser, has.ID, 2, Answer{Kind: advice.KindNotKnown,
			Checks: advice.Checks{RecordsReviewed: true, SENCOContacted: true}, ReturnedOn: send.Today(testNow)}); err != nil {
			t.Fatal(err)
		}

		// Before the return the LA sees no contributions.
		la, _ := New(s).GetAdviceRequest(ctx, f.LA1User, r.ID)
		if len(la.Contributions) != 0 || !la.ContributionsHidden {
			t.Errorf("LA sees contributions before the response is returned")
		}
		got, _ = New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		if len(got.Contributions) != 2 || len(got.Contributions[0].Advice.Provision) != 1 || !got.Contributions[1].Checks.SENCOContacted {
			t.Fatalf("contributions: %+v", got.Contributions)
		}
		returned, err := New(s).ReturnAdviceRequest(ctx, f.DCO, r.ID, got.Version, adviceDate(t, "2025-06-02"), "With the family's consent")
		if err != nil {
			t.Fatal(err)
		}
		if returned.Outcome != advice.OutcomeAdvice || returned.State != advice.StateReturned {
			t.Errorf("returned: %+v", returned)
		}
		if onTime, counted := returned.OnTime(); !onTime || !counted {
			t.Errorf("on time: got %v %v, want true true (due 12 June, returned 2 June)", onTime, counted)
		}
		la, _ = New(s).GetAdviceRequest(ctx, f.LA1User, r.ID)
		if len(la.Contributions) != 2 {
			t.Errorf("LA sees %d contributions after return, want 2", len(la.Contributions))
		}
		// Nothing can change once it has gone.
		_, err = New(s).AnswerAdviceContribution(ctx, f.Clinician, k.ID, 2, goodAdvice())
		store.WantCode(t, err, errs.Conflict)
		if testClock().Status(la.Facts()) != advice.StatusOnTime {
			t.Errorf("status: %s", testClock().Status(la.Facts()))
		}
	})
}

// Assigning gives a clinician the child's record, so only an active
// clinician of the request's ICB (of one of its providers) can be offered
// or given a part: not another ICB's, not one of no organisation, not a
// disabled one, whatever id the DCO sends.
func TestAdviceAssigneeOfTheICB(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		other := store.Org{Kind: store.OrgICB, Name: "Other ICB", Code: "QXX"}
		if err := s.CreateOrg(ctx, store.System, &other); err != nil {
			t.Fatal(err)
		}
		otherProv := store.Org{Kind: store.OrgProvider, Name: "Other Community Health", Code: "RYY", ParentID: other.ID}
		if err := s.CreateOrg(ctx, store.System, &otherProv); err != nil {
			t.Fatal(err)
		}
		elsewhere := mustClinician(t, s, "elsewhere@example.nhs.uk", otherProv.ID)
		ours2 := mustClinician(t, s, "ours2@example.nhs.uk", f.Provider2.ID)
		gone := mustClinician(t, s, "gone@example.nhs.uk", f.Provider1.ID)
		if err := s.DisableUser(ctx, store.System, gone.Email); err != nil {
			t.Fatal(err)
		}
		c := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-01", "ICB-1")

		names := func(us []store.User) []string {
			var out []string
			for _, u := range us {
				out = append(out, u.Email)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			icb  int64
			want string
		}{
			{"the ICB's", f.ICB.ID, "[ours2@example.nhs.uk clin@example.nhs.uk]"},
			{"the other ICB's", other.ID, "[elsewhere@example.nhs.uk]"},
			{"no ICB: none", 0, "[]"},
		} {
			got, err := New(s).CliniciansOfICB(ctx, tc.icb)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(names(got)) != tc.want {
				t.Errorf("clinicians, %s: got %v, want %s", tc.name, names(got), tc.want)
			}
		}

		for _, tc := range []struct {
			name  string
			who   store.Actor
			sight bool // an active clinician, who could open the child if granted
		}{
			{"a clinician of another ICB", elsewhere, true},
			{"a clinician of no organisation", f.Clinician2, true},
			{"a disabled clinician of the ICB", gone, false},
			{"not a clinician", f.Provider1User, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", tc.who.UserID)
				store.WantCode(t, err, errs.Invalid)
				if msg := errs.FieldsOf(err)["assignee_id"]; msg == "" {
					t.Errorf("add: got fields %v, want assignee_id named", errs.FieldsOf(err))
				}
				k, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", 0)
				if err != nil {
					t.Fatal(err)
				}
				err = New(s).AssignAdviceContribution(ctx, f.DCO, k.ID, k.Version, tc.who.UserID)
				store.WantCode(t, err, errs.Invalid)
				if err := New(s).RemoveAdviceContribution(ctx, f.DCO, k.ID, k.Version); err != nil {
					t.Fatal(err)
				}
				if tc.sight {
					if _, err := s.GetChild(ctx, tc.who, c.ID); !errs.Is(err, errs.NotFound) {
						t.Errorf("refused assignee sees the child: got %v, want not_found", err)
					}
				}
			})
		}
		if n := store.CountAudit(t, s, "child.grant", c.ID); n != 0 {
			t.Errorf("child.grant audit rows after refusals: got %d, want 0", n)
		}
		// A clinician of another of the ICB's providers is accepted.
		if _, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "ot", ours2.UserID); err != nil {
			t.Errorf("clinician of the ICB: %v", err)
		}
	})
}

// Two people returning the same request from the same version: exactly one
// wins, the other gets a conflict, and the version rises by one.
func TestAdviceReturnConflict(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-01", "")
		k, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", f.Clinician.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New(s).AnswerAdviceContribution(ctx, f.Clinician, k.ID, k.Version, goodAdvice()); err != nil {
			t.Fatal(err)
		}
		got, _ := New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		const n = 8
		var wg sync.WaitGroup
		results := make([]error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				_, results[i] = New(s).ReturnAdviceRequest(ctx, f.DCO, r.ID, got.Version, send.Today(testNow), fmt.Sprintf("note %d", i))
			}(i)
		}
		wg.Wait()
		wins := 0
		for _, err := range results {
			switch {
			case err == nil:
				wins++
			case !errs.Is(err, errs.Conflict):
				t.Errorf("loser: got %v, want a conflict", err)
			}
		}
		if wins != 1 {
			t.Errorf("winners: got %d, want 1", wins)
		}
		after, _ := New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		if after.Version != got.Version+1 || after.State != advice.StateReturned {
			t.Errorf("after: version %d state %s, want %d returned", after.Version, after.State, got.Version+1)
		}
		if store.CountAudit(t, s, "advice.return", c.ID) != 1 {
			t.Errorf("advice.return rows: want 1")
		}
	})
}

// An exception takes the request out of the on-time measure without hiding
// it: it stays in lists, purple while open, and counted apart once returned.
func TestAdviceExceptions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		r := mustRequest(t, s, f.LA1User, c.ID, "2025-04-01", "") // due 13 May: overdue on 2 June
		k, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "paediatrics", f.Clinician.UserID)
		if err != nil {
			t.Fatal(err)
		}
		clock := testClock()
		got, _ := New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		if clock.Status(got.Facts()) != advice.StatusOverdue {
			t.Fatalf("status before exception: %s", clock.Status(got.Facts()))
		}
		e := advice.Exception{Kind: send.ExceptionMissedAppointment, Reason: "Did not attend clinic", On: adviceDate(t, "2025-05-14")}
		_, err = New(s).RecordContributionException(ctx, f.Clinician, k.ID, k.Version, e)
		store.WantCode(t, err, errs.Invalid) // after the six weeks
		e.On = adviceDate(t, "2025-05-06")
		v, err := New(s).RecordContributionException(ctx, f.Clinician, k.ID, k.Version, e)
		if err != nil {
			t.Fatal(err)
		}
		got, _ = New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		if got.Exception.Kind != send.ExceptionMissedAppointment || clock.Status(got.Facts()) != advice.StatusPaused {
			t.Fatalf("request exception: %+v, status %s", got.Exception, clock.Status(got.Facts()))
		}
		if _, n, _ := New(s).ListAdviceRequests(ctx, f.DCO, clock, Filter{Queue: advice.QueueOverdue}); n != 0 {
			t.Errorf("overdue queue holds a request with an exception")
		}
		if _, n, _ := New(s).ListAdviceRequests(ctx, f.DCO, clock, Filter{Queue: advice.QueueAtRisk}); n != 1 {
			t.Errorf("at-risk list hides a request with an exception")
		}
		if _, err := New(s).AnswerAdviceContribution(ctx, f.Clinician, k.ID, v, goodAdvice()); err != nil {
			t.Fatal(err)
		}
		got, _ = New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		returned, err := New(s).ReturnAdviceRequest(ctx, f.DCO, r.ID, got.Version, send.Today(testNow), "")
		if err != nil {
			t.Fatal(err)
		}
		if onTime, counted := returned.OnTime(); onTime || counted {
			t.Errorf("late with an exception: got on time %v counted %v, want false false", onTime, counted)
		}
		if clock.Status(returned.Facts()) != advice.StatusLate {
			t.Errorf("status: %s", clock.Status(returned.Facts()))
		}
		var tally advice.Tally
		list, _, _ := New(s).ListAdviceRequests(ctx, f.DCO, clock, Filter{})
		for _, r := range list {
			tally.Add(clock, r.Facts())
		}
		if tally.Returned != 1 || tally.Exceptions != 1 || tally.Measured != 0 {
			t.Errorf("tally: %+v", tally)
		}

		// The DCO records and clears an exception on a request.
		r2 := mustRequest(t, s, f.LA1User, store.MustCreateChild(t, s, f.DCO, child(t, 2, f.LA1.ID)).ID, "2025-05-01", "")
		_, err = New(s).RecordAdviceException(ctx, f.LA1User, r2.ID, r2.Version, advice.Exception{})
		store.WantCode(t, err, errs.Forbidden)
		v, err = New(s).RecordAdviceException(ctx, f.DCO, r2.ID, r2.Version, advice.Exception{Kind: send.ExceptionAbsentFromArea,
			Reason: "Family abroad", On: adviceDate(t, "2025-05-10")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := New(s).RecordAdviceException(ctx, f.DCO, r2.ID, v, advice.Exception{}); err != nil {
			t.Fatal(err)
		}
		got, _ = New(s).GetAdviceRequest(ctx, f.DCO, r2.ID)
		if got.Exception.Kind != "" {
			t.Errorf("exception not cleared")
		}
	})
}

// The SQL for each status and queue agrees with advice.Clock, on both
// engines, over requests spread around today.
func TestAdviceFiltersAgreeWithDomain(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		clock := testClock()
		received := []string{"2025-03-01", "2025-04-15", "2025-04-20", "2025-04-21", "2025-04-22", "2025-04-25",
			"2025-04-27", "2025-04-28", "2025-05-20", "2025-06-01"}
		for i, d := range received {
			c := store.MustCreateChild(t, s, f.DCO, child(t, 10+i, f.LA1.ID))
			r := mustRequest(t, s, f.LA1User, c.ID, d, "")
			switch i % 5 {
			case 1:
				if _, err := New(s).TriageAdviceRequest(ctx, f.DCO, r.ID, 1, advice.TriageNotKnown, nil, ""); err != nil {
					t.Fatal(err)
				}
				if _, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, advice.ServiceHAS, f.Clinician.UserID); err != nil {
					t.Fatal(err)
				}
			case 2:
				if _, err := New(s).TriageAdviceRequest(ctx, f.DCO, r.ID, 1, advice.TriageKnown, []string{"ot"}, ""); err != nil {
					t.Fatal(err)
				}
			case 3:
				if _, err := New(s).RecordAdviceException(ctx, f.DCO, r.ID, 1, advice.Exception{Kind: send.ExceptionExceptionalCircumstances,
					Reason: "Bereavement", On: adviceDate(t, d)}); err != nil {
					t.Fatal(err)
				}
			case 4:
				k, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", f.Clinician.UserID)
				if err != nil {
					t.Fatal(err)
				}
				a := goodAdvice()
				a.ReturnedOn = adviceDate(t, d).AddDays(i * 5)
				if a.ReturnedOn.After(send.Today(testNow)) {
					a.ReturnedOn = send.Today(testNow)
				}
				if _, err := New(s).AnswerAdviceContribution(ctx, f.DCO, k.ID, 1, a); err != nil {
					t.Fatal(err)
				}
				if _, err := New(s).ReturnAdviceRequest(ctx, f.DCO, r.ID, 1, a.ReturnedOn, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		// One more, every part answered but the response not yet sent: it
		// waits on the DCO team alone.
		{
			c := store.MustCreateChild(t, s, f.DCO, child(t, 30, f.LA1.ID))
			r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-25", "")
			k, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", f.Clinician.UserID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := New(s).AnswerAdviceContribution(ctx, f.DCO, k.ID, 1, goodAdvice()); err != nil {
				t.Fatal(err)
			}
		}
		all, total, err := New(s).ListAdviceRequests(ctx, f.DCO, clock, Filter{Limit: 100})
		if err != nil || total != len(received)+1 {
			t.Fatalf("all: got %d (%v), want %d", total, err, len(received)+1)
		}
		// Waiting on the DCO team to return it: the SQL and the domain agree.
		wantReturn := map[int64]bool{}
		for _, r := range all {
			if r.QueueFacts().ToReturn() {
				wantReturn[r.ID] = true
			}
		}
		got, n, err := New(s).ListAdviceRequests(ctx, f.DCO, clock, Filter{ToReturn: true, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if n != 1 || len(wantReturn) != 1 {
			t.Errorf("to return: SQL finds %d, domain %d, want 1 each", n, len(wantReturn))
		}
		for _, r := range got {
			if !wantReturn[r.ID] {
				t.Errorf("to return: SQL finds request %d the domain leaves out", r.ID)
			}
		}
		for i := 1; i < len(all); i++ {
			if all[i].DueOn.Before(all[i-1].DueOn) {
				t.Errorf("not sorted by due date")
			}
		}
		for _, st := range advice.Statuses() {
			want := map[int64]bool{}
			for _, r := range all {
				if clock.Status(r.Facts()) == st {
					want[r.ID] = true
				}
			}
			got, n, err := New(s).ListAdviceRequests(ctx, f.DCO, clock, Filter{Status: st, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if n != len(want) {
				t.Errorf("status %s: SQL finds %d, domain %d", st, n, len(want))
			}
			for _, r := range got {
				if !want[r.ID] {
					t.Errorf("status %s: SQL finds request %d, domain says %s", st, r.ID, clock.Status(r.Facts()))
				}
			}
		}
		for _, q := range advice.Queues() {
			want := map[int64]bool{}
			for _, r := range all {
				if clock.In(q, r.QueueFacts()) {
					want[r.ID] = true
				}
			}
			got, n, err := New(s).ListAdviceRequests(ctx, f.DCO, clock, Filter{Queue: q, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if n != len(want) {
				t.Errorf("queue %s: SQL finds %d, domain %d", q, n, len(want))
			}
			for _, r := range got {
				if !want[r.ID] {
					t.Errorf("queue %s: SQL finds request %d the domain leaves out", q, r.ID)
				}
			}
		}
		// The per-LA counts are the queue lists' totals.
		counts, err := New(s).AdviceQueueCounts(ctx, f.DCO, clock, ByLA)
		if err != nil || len(counts) != 1 {
			t.Fatalf("counts: %v %v", counts, err)
		}
		for _, tc := range []struct {
			q    advice.Queue
			have int
		}{{advice.QueueOverdue, counts[0].Overdue}, {advice.QueueDueThisWeek, counts[0].DueThisWeek},
			{advice.QueueUnassigned, counts[0].Unassigned}, {advice.QueuePaused, counts[0].Paused}, {advice.QueueAtRisk, counts[0].AtRisk}} {
			_, n, _ := New(s).ListAdviceRequests(ctx, f.DCO, clock, Filter{Queue: tc.q, LAID: f.LA1.ID})
			if n != tc.have {
				t.Errorf("count for %s: got %d, list has %d", tc.q, tc.have, n)
			}
		}
		// By service and by assignee, each figure is the total of the list
		// filtered the same way.
		for _, by := range []string{ByService, ByAssignee} {
			counts, err := New(s).AdviceQueueCounts(ctx, f.DCO, clock, by)
			if err != nil || len(counts) == 0 {
				t.Fatalf("counts by %s: %v %v", by, counts, err)
			}
			for _, c := range counts {
				base := Filter{Service: c.Code}
				if by == ByAssignee {
					base = Filter{AssigneeID: c.ID}
				}
				for _, tc := range []struct {
					q    advice.Queue
					have int
				}{{advice.QueueOverdue, c.Overdue}, {advice.QueueDueThisWeek, c.DueThisWeek}, {advice.QueueUnassigned, c.Unassigned},
					{advice.QueuePaused, c.Paused}, {advice.QueueAtRisk, c.AtRisk}, {"", c.Open}} {
					fl := base
					fl.Queue, fl.Open = tc.q, true
					_, n, err := New(s).ListAdviceRequests(ctx, f.DCO, clock, fl)
					if err != nil {
						t.Fatal(err)
					}
					if n != tc.have {
						t.Errorf("%s %s %q: count %d, list %d", by, c.Label, tc.q, tc.have, n)
					}
				}
			}
		}
		if _, err := New(s).AdviceQueueCounts(ctx, f.LA2User, clock, ByLA); err != nil {
			t.Errorf("LA counts: %v", err)
		}
		if c, _ := New(s).AdviceQueueCounts(ctx, f.LA2User, clock, ByLA); len(c) != 0 {
			t.Errorf("LA2 counts LA1's requests: %+v", c)
		}
		_, err = New(s).AdviceQueueCounts(ctx, f.Viewer, clock, ByLA)
		store.WantCode(t, err, errs.Forbidden)
		// Month filter.
		_, n, _ = New(s).ListAdviceRequests(ctx, f.DCO, clock, Filter{Month: "2025-04"})
		if n != 7 {
			t.Errorf("received in April: got %d, want 7", n)
		}
		_, _, err = New(s).ListAdviceRequests(ctx, f.DCO, clock, Filter{Month: "2025-13"})
		store.WantCode(t, err, errs.Invalid)
	})
}

// minimalDOCX builds the smallest archive SniffDocument accepts as DOCX.
func minimalDOCX(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte("<x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAdviceDocuments(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-01", "")
		k, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "ot", f.Clinician.UserID)
		if err != nil {
			t.Fatal(err)
		}
		today := send.Today(testNow)
		for _, tc := range []struct {
			name string
			data []byte
		}{
			{"empty", nil},
			{"html", []byte("<html><script>alert(1)</script></html>")},
			{"zip that is not a document", func() []byte {
				var b bytes.Buffer
				zw := zip.NewWriter(&b)
				w, _ := zw.Create("evil.exe")
				_, _ = w.Write([]byte("MZ"))
				_ = zw.Close()
				return b.Bytes()
			}()},
			{"too large", append([]byte("%PDF-1.7\n"), make([]byte, advice.MaxDocument)...)},
		} {
			_, err := New(s).UploadAdviceDocument(ctx, f.Clinician, k.ID, k.Version, "x.pdf", tc.data, today)
			store.WantCode(t, err, errs.Invalid)
		}
		_, err = New(s).UploadAdviceDocument(ctx, f.Clinician2, k.ID, k.Version, "x.pdf", []byte("%PDF-1.7\n"), today)
		store.WantCode(t, err, errs.NotFound) // not assigned: the request is out of scope
		pdf := []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
		d, err := New(s).UploadAdviceDocument(ctx, f.Clinician, k.ID, k.Version, `C:\reports\"OT report";.exe.pdf`, pdf, today)
		if err != nil {
			t.Fatal(err)
		}
		if d.ContentType != advice.TypePDF || d.Filename != "OT report.exe.pdf" || d.Size != int64(len(pdf)) {
			t.Errorf("document: %+v", d)
		}
		docx, err := New(s).UploadAdviceDocument(ctx, f.Clinician, k.ID, k.Version+1, "report.pdf", minimalDOCX(t), today)
		if err != nil {
			t.Fatal(err)
		}
		if docx.ContentType != advice.TypeDOCX || docx.Filename != "report.docx" {
			t.Errorf("docx: %+v", docx)
		}
		got, _ := New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		if got.Contributions[0].Kind != advice.KindDocument || got.Contributions[0].Document == nil || got.Contributions[0].Document.ID != docx.ID {
			t.Errorf("contribution after upload: %+v", got.Contributions[0])
		}
		// The clinician and the DCO may read it; the LA only after the return.
		for _, a := range []store.Actor{f.Clinician, f.DCO} {
			back, err := New(s).GetAdviceDocument(ctx, a, d.ID)
			if err != nil || !bytes.Equal(back.Content, pdf) {
				t.Errorf("%s read: %v", a.Email, err)
			}
		}
		for _, a := range []store.Actor{f.LA1User, f.LA2User, f.Clinician2} {
			_, err := New(s).GetAdviceDocument(ctx, a, d.ID)
			store.WantCode(t, err, errs.NotFound)
		}
		if _, err := New(s).ReturnAdviceRequest(ctx, f.DCO, r.ID, got.Version, today, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := New(s).GetAdviceDocument(ctx, f.LA1User, d.ID); err != nil {
			t.Errorf("LA after return: %v", err)
		}
		_, err = New(s).GetAdviceDocument(ctx, f.LA2User, d.ID)
		store.WantCode(t, err, errs.NotFound)
		if n := store.CountAudit(t, s, "advice.document.view", c.ID); n != 3 {
			t.Errorf("document views audited: got %d, want 3", n)
		}
	})
}

func TestAdviceReuse(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		old := mustRequest(t, s, f.LA1User, c.ID, "2025-01-06", "OLD")
		k, err := New(s).AddAdviceContribution(ctx, f.DCO, old.ID, "paediatrics", f.Clinician.UserID)
		if err != nil {
			t.Fatal(err)
		}
		a := goodAdvice()
		a.ReturnedOn = adviceDate(t, "2025-02-01")
		if _, err := New(s).AnswerAdviceContribution(ctx, f.Clinician, k.ID, 1, a); err != nil {
			t.Fatal(err)
		}
		r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-20", "NEW")
		k2, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "paediatrics", f.Clinician.UserID)
		if err != nil {
			t.Fatal(err)
		}
		cands, err := New(s).AdviceReuseCandidates(ctx, f.Clinician, r.ID)
		if err != nil || len(cands) != 1 || cands[0].ID != k.ID {
			t.Fatalf("candidates: %v %v", cands, err)
		}
		// Reg 6(4): not without the author, the LA and the family all
		// satisfied it is sufficient, whichever way the advice is chosen.
		agreed := advice.Reuse{AuthorAgreed: true, LAAgreed: true, FamilyAgreed: true}
		for _, tc := range []struct {
			name  string
			reuse advice.Reuse
			of    int64
		}{
			{"from dco, no agreement recorded", advice.Reuse{}, k.ID},
			{"from dco, the family not asked", advice.Reuse{AuthorAgreed: true, LAAgreed: true}, k.ID},
			{"described, the LA not asked", advice.Reuse{Source: "Clinic letter", Dated: adviceDate(t, "2025-05-01"), AuthorAgreed: true, FamilyAgreed: true}, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := New(s).AnswerAdviceContribution(ctx, f.Clinician, k2.ID, 1, Answer{Kind: advice.KindReuse, ReuseOfID: tc.of,
					Reuse: tc.reuse, ReturnedOn: send.Today(testNow)})
				store.WantCode(t, err, errs.Invalid)
				if errs.FieldsOf(err)["reuse_agreed"] == "" {
					t.Errorf("got fields %v, want reuse_agreed named", errs.FieldsOf(err))
				}
			})
		}
		if _, err := New(s).AnswerAdviceContribution(ctx, f.Clinician, k2.ID, 1, Answer{Kind: advice.KindReuse, ReuseOfID: k.ID,
			Reuse: agreed, ReturnedOn: send.Today(testNow)}); err != nil {
			t.Fatal(err)
		}
		got, _ := New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		kc := got.Contributions[0]
		if kc.Kind != advice.KindReuse || kc.ReuseOfID != k.ID || !kc.Reuse.Dated.Equal(a.ReturnedOn) {
			t.Errorf("reused: %+v", kc)
		}
		if !kc.Reuse.AuthorAgreed || !kc.Reuse.LAAgreed || !kc.Reuse.FamilyAgreed {
			t.Errorf("agreement stored: got author %v, LA %v, family %v, want all true", kc.Reuse.AuthorAgreed, kc.Reuse.LAAgreed, kc.Reuse.FamilyAgreed)
		}
		// With a one-month period the old advice is too old to offer.
		if err := s.SetSetting(ctx, f.Admin, 0, "advice_reuse_months", "1", 0); err != nil {
			t.Fatal(err)
		}
		if cands, _ := New(s).AdviceReuseCandidates(ctx, f.DCO, r.ID); len(cands) != 0 {
			t.Errorf("candidates older than the period: %d", len(cands))
		}
		_, err = New(s).AnswerAdviceContribution(ctx, f.DCO, k2.ID, 2, Answer{Kind: advice.KindReuse, ReuseOfID: k.ID,
			Reuse: agreed, ReturnedOn: send.Today(testNow)})
		store.WantCode(t, err, errs.Invalid)
		// Advice from outside dco, described.
		if _, err := New(s).AnswerAdviceContribution(ctx, f.DCO, k2.ID, 2, Answer{Kind: advice.KindReuse,
			Reuse: advice.Reuse{Source: "Hospital clinic letter, Dr A", Dated: adviceDate(t, "2025-05-01"),
				AuthorAgreed: true, LAAgreed: true, FamilyAgreed: true},
			ReturnedOn: send.Today(testNow)}); err != nil {
			t.Fatal(err)
		}
		// Written advice afterwards clears the reuse and its agreements.
		if _, err := New(s).AnswerAdviceContribution(ctx, f.DCO, k2.ID, 3, goodAdvice()); err != nil {
			t.Fatal(err)
		}
		got, _ = New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		if kc := got.Contributions[0]; kc.Reuse != (advice.Reuse{}) {
			t.Errorf("after written advice: got reuse %+v, want none", kc.Reuse)
		}
	})
}

// A failure between a change and its audit row leaves neither.
func TestAdviceAuditAtomic(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		store.SetFailAfterChange(s, func() error { return errors.New("injected") })
		r := Request{ChildID: c.ID, ReceivedOn: adviceDate(t, "2025-05-01")}
		if err := New(s).CreateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &r, nil); err == nil {
			t.Fatal("no error from the injected failure")
		}
		store.SetFailAfterChange(s, nil)
		if _, n, _ := New(s).ListAdviceRequests(ctx, f.DCO, testClock(), Filter{}); n != 0 {
			t.Errorf("request kept after a failed commit")
		}
		if store.CountAudit(t, s, "advice.create", 0) != 0 {
			t.Errorf("audit row kept after a failed commit")
		}
	})
}

func TestAdviceUpdateAndWithdraw(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-01", "A")
		upd := r
		upd.ReceivedOn = adviceDate(t, "2025-05-02")
		err := New(s).UpdateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &upd)
		store.WantCode(t, err, errs.Invalid) // only the DCO moves the clock
		upd = r
		upd.LAReference, upd.AssessmentRequestedOn = "B", adviceDate(t, "2025-04-01")
		if err := New(s).UpdateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &upd); err != nil {
			t.Fatal(err)
		}
		dco := upd
		dco.ReceivedOn = adviceDate(t, "2025-05-02")
		if err := New(s).UpdateAdviceRequest(ctx, f.DCO, send.DefaultCalendar(), &dco); err != nil {
			t.Fatal(err)
		}
		if dco.DueOn.String() != "2025-06-13" || dco.Version != 3 {
			t.Errorf("after the DCO's change: due %s version %d", dco.DueOn, dco.Version)
		}
		err = New(s).UpdateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &upd) // stale
		store.WantCode(t, err, errs.Conflict)
		err = New(s).WithdrawAdviceRequest(ctx, f.LA2User, r.ID, dco.Version, send.Today(testNow))
		store.WantCode(t, err, errs.NotFound)
		if err := New(s).WithdrawAdviceRequest(ctx, f.LA1User, r.ID, dco.Version, send.Today(testNow)); err != nil {
			t.Fatal(err)
		}
		got, _ := New(s).GetAdviceRequest(ctx, f.DCO, r.ID)
		if got.State != advice.StateWithdrawn || got.Outcome != advice.OutcomeWithdrawn {
			t.Errorf("withdrawn: %+v", got)
		}
		_, err = New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", 0)
		store.WantCode(t, err, errs.Conflict)
	})
}

func TestAdviceImport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		existing := store.MustCreateChild(t, s, f.DCO, child(t, 1, f.LA1.ID))
		cal := send.DefaultCalendar()
		row := func(line int, la int64, ref string, c store.Child, received, returned string, outcome advice.Outcome) ImportRow {
			r := ImportRow{Line: line, LAID: la, LAReference: ref, Child: c, ReceivedOn: adviceDate(t, received), Outcome: outcome}
			if returned != "" {
				r.ReturnedOn = adviceDate(t, returned)
			}
			return r
		}
		fresh := child(t, 2, 0)
		rows := []ImportRow{
			row(2, f.LA1.ID, "R1", existing, "2025-01-06", "2025-02-10", advice.OutcomeAdvice),
			row(3, f.LA1.ID, "R2", fresh, "2025-02-03", "2025-03-31", advice.OutcomeNotKnown),
			row(4, f.LA2.ID, "R1", fresh, "2025-05-01", "", ""),
			row(5, f.LA2.ID, "", child(t, 3, 0), "2025-05-01", "2025-05-10", advice.OutcomeWithdrawn),
		}
		rows[1].Exception, rows[1].ExceptionOn = send.ExceptionAbsentFromArea, adviceDate(t, "2025-02-20")

		res, err := New(s).ImportAdviceRequests(ctx, f.DCO, cal, clone(rows), true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests != 4 || res.NewChildren != 2 {
			t.Errorf("dry run: %+v", res)
		}
		if _, n, _ := New(s).ListAdviceRequests(ctx, f.DCO, testClock(), Filter{}); n != 0 {
			t.Fatalf("dry run stored %d requests", n)
		}
		res, err = New(s).ImportAdviceRequests(ctx, f.DCO, cal, clone(rows), false)
		if err != nil {
			t.Fatal(err)
		}
		want := ImportResult{Requests: 4, NewChildren: 2, Open: 1, Returned: 2, Withdrawn: 1}
		if res != want {
			t.Errorf("got %+v, want %+v", res, want)
		}
		list, _, _ := New(s).ListAdviceRequests(ctx, f.DCO, testClock(), Filter{})
		var tally advice.Tally
		for _, r := range list {
			tally.Add(testClock(), r.Facts())
			if !r.Imported {
				t.Errorf("request %d not marked imported", r.ID)
			}
		}
		// R1 returned 10 Feb, due 17 Feb: on time. R2 late but excepted.
		if tally.Measured != 1 || tally.OnTime != 1 || tally.Exceptions != 1 || tally.Open != 1 {
			t.Errorf("tally after import: %+v", tally)
		}

		// Every bad row is reported by line, and nothing is stored.
		wrongName := existing
		wrongName.GivenName = "Someone"
		badRows := []ImportRow{
			row(2, f.LA1.ID, "R1", child(t, 7, 0), "2025-05-01", "", ""),                            // reference already held
			row(3, f.LA1.ID, "X", wrongName, "2025-05-01", "", ""),                                  // name differs
			row(4, f.LA1.ID, "Y", child(t, 8, 0), "2025-05-01", "2025-04-01", advice.OutcomeAdvice), // returned before received
			row(5, f.Provider1.ID, "Z", child(t, 9, 0), "2025-05-01", "", ""),                       // not an LA
			row(6, f.LA1.ID, "W", child(t, 10, 0), "2025-05-01", "", ""),                            // good
			row(7, f.LA1.ID, "W", child(t, 11, 0), "2025-05-01", "", ""),                            // reference repeated
		}
		_, err = New(s).ImportAdviceRequests(ctx, f.DCO, cal, badRows, false)
		store.WantCode(t, err, errs.Invalid)
		var ie *ImportError
		if !errors.As(err, &ie) {
			t.Fatalf("no line errors: %v", err)
		}
		lines := map[int]bool{}
		for _, l := range ie.Lines {
			lines[l.Line] = true
		}
		for _, l := range []int{2, 3, 4, 5, 7} {
			if !lines[l] {
				t.Errorf("line %d not reported: %v", l, ie)
			}
		}
		if lines[6] {
			t.Errorf("good line 6 reported: %v", ie)
		}
		if _, n, _ := New(s).ListAdviceRequests(ctx, f.DCO, testClock(), Filter{}); n != 4 {
			t.Errorf("requests after a failed import: got %d, want 4", n)
		}
		_, err = New(s).ImportAdviceRequests(ctx, f.LA1User, cal, rows, false)
		store.WantCode(t, err, errs.Forbidden)

		// The checks alone report the same lines, in order, and write nothing.
		children := countChildrenOf(t, s, f)
		checked, err := New(s).CheckAdviceImport(ctx, f.DCO, cal, badRows)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(checked) != fmt.Sprint(ie.Lines) {
			t.Errorf("CheckAdviceImport: got %v, want %v", checked, ie.Lines)
		}
		if n := countChildrenOf(t, s, f); n != children {
			t.Errorf("children after checking: got %d, want %d", n, children)
		}
		if _, n, _ := New(s).ListAdviceRequests(ctx, f.DCO, testClock(), Filter{}); n != 4 {
			t.Errorf("requests after checking: got %d, want 4", n)
		}
		if got, err := New(s).CheckAdviceImport(ctx, f.DCO, cal, clone(badRows[4:5])); err != nil || len(got) != 0 {
			t.Errorf("checking a good row: got %v, %v, want no problems", got, err)
		}
		_, err = New(s).CheckAdviceImport(ctx, f.LA1User, cal, badRows)
		store.WantCode(t, err, errs.Forbidden)
	})
}

// countChildrenOf counts the children a DCO of the fixture sees.
func countChildrenOf(t *testing.T, s *store.Store, f *store.Fixture) int {
	t.Helper()
	n, err := s.CountChildren(context.Background(), f.DCO)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func clone(rows []ImportRow) []ImportRow { return append([]ImportRow(nil), rows...) }
