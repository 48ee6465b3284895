package advicedb

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Access that work gave ends when the work moves or closes (issue 8 item 4):
// a clinician assigned a part sees the child; once the part is reassigned
// or removed, or the request is returned or withdrawn, they do not, unless
// another open part or a DCO's own grant still gives it. The end is audited
// "child.revoke" against the child, with the clinician's user id, in the
// transaction that moves or closes the work. A clinician keeps reading a
// request they hold a part of after it closes (the advice they wrote), not
// one whose part went to someone else.
func TestWorkGrantEndsWithTheWork(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		clin := f.Clinician
		other := mustClinician(t, s, "other@example.nhs.uk", f.Provider1.ID)

		// work is a child with one open request whose part k is the
		// clinician's.
		type work struct {
			c store.Child
			r Request
			k Contribution
		}
		newWork := func(t *testing.T, i int) work {
			t.Helper()
			c := store.MustCreateChild(t, s, f.DCO, child(t, 100+i, f.LA1.ID))
			r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-01", fmt.Sprintf("EHC-W%d", i))
			k, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", clin.UserID)
			if err != nil {
				t.Fatalf("assign: %v", err)
			}
			return work{c, r, k}
		}
		version := func(t *testing.T, id int64) int64 {
			t.Helper()
			got, err := New(s).GetAdviceRequest(ctx, f.DCO, id)
			if err != nil {
				t.Fatal(err)
			}
			return got.Version
		}
		must := func(t *testing.T, what string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
		}

		for i, tc := range []struct {
			name string
			// act moves or closes the work; it returns the actor who did and
			// the audit detail after the user id, "" when access stays.
			act     func(t *testing.T, w work) (store.Actor, string)
			sees    bool // the clinician still sees the child
			request bool // the clinician still reads the request
		}{
			{"the only part reassigned", func(t *testing.T, w work) (store.Actor, string) {
				must(t, "reassign", New(s).AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, other.UserID))
				return f.DCO, fmt.Sprintf("contribution=%d reassigned", w.k.ID)
			}, false, false},
			{"the only part given back to its service", func(t *testing.T, w work) (store.Actor, string) {
				must(t, "unassign", New(s).AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, 0))
				return f.DCO, fmt.Sprintf("contribution=%d reassigned", w.k.ID)
			}, false, false},
			{"the only part removed", func(t *testing.T, w work) (store.Actor, string) {
				must(t, "remove", New(s).RemoveAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version))
				return f.DCO, fmt.Sprintf("contribution=%d removed", w.k.ID)
			}, false, false},
			{"the request returned", func(t *testing.T, w work) (store.Actor, string) {
				_, err := New(s).AnswerAdviceContribution(ctx, clin, w.k.ID, w.k.Version, goodAdvice())
				must(t, "answer", err)
				_, err = New(s).ReturnAdviceRequest(ctx, f.DCO, w.r.ID, version(t, w.r.ID), send.Today(testNow), "")
				must(t, "return", err)
				return f.DCO, fmt.Sprintf("request=%d returned", w.r.ID)
			}, false, true},
			{"the request withdrawn by the LA", func(t *testing.T, w work) (store.Actor, string) {
				must(t, "withdraw", New(s).WithdrawAdviceRequest(ctx, f.LA1User, w.r.ID, version(t, w.r.ID), send.Today(testNow)))
				return f.LA1User, fmt.Sprintf("request=%d withdrawn", w.r.ID)
			}, false, true},
			{"one of two parts reassigned", func(t *testing.T, w work) (store.Actor, string) {
				_, err := New(s).AddAdviceContribution(ctx, f.DCO, w.r.ID, "paediatrics", clin.UserID)
				must(t, "second part", err)
				must(t, "reassign", New(s).AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, other.UserID))
				return f.DCO, ""
			}, true, true},
			{"another request about the child still open", func(t *testing.T, w work) (store.Actor, string) {
				r2 := mustRequest(t, s, f.LA1User, w.c.ID, "2025-05-02", fmt.Sprintf("EHC-X%d", w.c.ID))
				_, err := New(s).AddAdviceContribution(ctx, f.DCO, r2.ID, "ot", clin.UserID)
				must(t, "part of another request", err)
				must(t, "withdraw", New(s).WithdrawAdviceRequest(ctx, f.LA1User, w.r.ID, version(t, w.r.ID), send.Today(testNow)))
				return f.LA1User, ""
			}, true, true},
			{"a DCO's own grant, then the part reassigned", func(t *testing.T, w work) (store.Actor, string) {
				must(t, "grant", s.GrantChildAccess(ctx, f.DCO, w.c.ID, clin.UserID, 0, "Known to the community paediatric team"))
				must(t, "reassign", New(s).AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, other.UserID))
				return f.DCO, ""
			}, true, false},
			{"the same clinician assigned again", func(t *testing.T, w work) (store.Actor, string) {
				must(t, "assign again", New(s).AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, clin.UserID))
				return f.DCO, ""
			}, true, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := newWork(t, i)
				if _, err := s.GetChild(ctx, clin, w.c.ID); err != nil {
					t.Fatalf("after assignment: got %v, want the child", err)
				}
				before := store.CountAudit(t, s, "child.revoke", w.c.ID)
				by, why := tc.act(t, w)

				_, err := s.GetChild(ctx, clin, w.c.ID)
				if got := err == nil; got != tc.sees {
					t.Errorf("clinician sees the child: got %v (%v), want %v", got, err, tc.sees)
				}
				if !tc.sees && errs.CodeOf(err) != errs.NotFound {
					t.Errorf("GetChild: got %q, want %q", errs.CodeOf(err), errs.NotFound)
				}
				list, _, err := s.SearchChildren(ctx, clin, store.ChildFilter{Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				listed := false
				for _, c := range list {
					listed = listed || c.ID == w.c.ID
				}
				if listed != tc.sees {
					t.Errorf("child in the clinician's list: got %v, want %v", listed, tc.sees)
				}
				_, err = New(s).GetAdviceRequest(ctx, clin, w.r.ID)
				if got := err == nil; got != tc.request {
					t.Errorf("clinician reads the request: got %v (%v), want %v", got, err, tc.request)
				}

				rows, _, err := s.ListAudit(ctx, store.AuditFilter{Action: "child.revoke", ChildID: w.c.ID, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if why == "" {
					if len(rows) != before {
						t.Errorf("child.revoke rows: got %d, want %d (access did not end)", len(rows), before)
					}
					return
				}
				if len(rows) != before+1 {
					t.Fatalf("child.revoke rows: got %d, want %d", len(rows), before+1)
				}
				e := rows[0]
				want := fmt.Sprintf("user_id=%d %s", clin.UserID, why)
				if e.Detail != want || e.UserID != by.UserID || e.ChildID != w.c.ID || e.ObjectType != "child" || e.ObjectID != w.c.ID {
					t.Errorf("child.revoke: got %q by user %d on %s %d child %d, want %q by user %d on child %d",
						e.Detail, e.UserID, e.ObjectType, e.ObjectID, e.ChildID, want, by.UserID, w.c.ID)
				}
			})
		}

		// The clinician the part went to sees the child, and only they hold
		// its grant.
		t.Run("the new clinician", func(t *testing.T) {
			w := newWork(t, 50)
			must(t, "reassign", New(s).AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, other.UserID))
			if _, err := s.GetChild(ctx, other, w.c.ID); err != nil {
				t.Errorf("new clinician: got %v, want the child", err)
			}
			rows, _, err := s.ListAudit(ctx, store.AuditFilter{Action: "child.grant", ChildID: w.c.ID, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, r.Detail)
			}
			want := []string{fmt.Sprintf("user_id=%d contribution=%d", other.UserID, w.k.ID),
				fmt.Sprintf("user_id=%d contribution=%d", clin.UserID, w.k.ID)}
			if !slices.Equal(got, want) {
				t.Errorf("child.grant details, newest first: got %q, want %q", got, want)
			}
		})
	})
}

// Two processes on one database (two dco serve, or a server and the
// command line) each move one of a clinician's two parts on a child at the
// same moment: neither may count on the other's grant, so access ends and
// its end is audited exactly once.
func TestWorkGrantEndsOnceAcrossProcesses(t *testing.T) {
	for _, e := range []struct {
		name string
		dsn  func(testing.TB) string
	}{
		{store.EngineSQLite, func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "shared.db") }},
		{store.EnginePostgres, store.TestPostgresSchema},
	} {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := e.dsn(t)
			var stores [2]*store.Store
			for i := range stores {
				s, err := store.Open(ctx, dsn, slog.New(slog.DiscardHandler))
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				s.Now = func() time.Time { return testNow }
				stores[i] = s
			}
			s := stores[0]
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			f := store.SeedFixture(t, s)
			other := mustClinician(t, s, "other@example.nhs.uk", f.Provider1.ID)
			for round := range 10 {
				c := store.MustCreateChild(t, s, f.DCO, child(t, round, f.LA1.ID))
				var parts [2]Contribution
				for i := range parts {
					r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-01", fmt.Sprintf("EHC-P%d-%d", round, i))
					k, err := New(s).AddAdviceContribution(ctx, f.DCO, r.ID, "salt", f.Clinician.UserID)
					if err != nil {
						t.Fatal(err)
					}
					parts[i] = k
				}
				var wg sync.WaitGroup
				var errs2 [2]error
				for i, k := range parts {
					wg.Add(1)
					go func() {
						defer wg.Done()
						errs2[i] = New(stores[i]).AssignAdviceContribution(ctx, f.DCO, k.ID, k.Version, other.UserID)
					}()
				}
				wg.Wait()
				for i, err := range errs2 {
					if err != nil {
						t.Fatalf("round %d, process %d: %v", round, i, err)
					}
				}
				if _, err := s.GetChild(ctx, f.Clinician, c.ID); errs.CodeOf(err) != errs.NotFound {
					t.Errorf("round %d: GetChild: got %v, want not_found", round, err)
				}
				if n := store.CountAudit(t, s, "child.revoke", c.ID); n != 1 {
					t.Errorf("round %d: child.revoke rows: got %d, want 1", round, n)
				}
			}
		})
	}
}
