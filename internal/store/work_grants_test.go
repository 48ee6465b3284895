package store

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
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
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		clin := f.Clinician
		other := mustClinician(t, s, "other@example.nhs.uk", f.Provider1.ID)

		// work is a child with one open request whose part k is the
		// clinician's.
		type work struct {
			c Child
			r AdviceRequest
			k AdviceContribution
		}
		newWork := func(t *testing.T, i int) work {
			t.Helper()
			c := mustCreate(t, s, f.DCO, child(t, 100+i, f.LA1.ID))
			r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-01", fmt.Sprintf("EHC-W%d", i))
			k, err := s.AddAdviceContribution(ctx, f.DCO, r.ID, "salt", clin.UserID)
			if err != nil {
				t.Fatalf("assign: %v", err)
			}
			return work{c, r, k}
		}
		version := func(t *testing.T, id int64) int64 {
			t.Helper()
			got, err := s.GetAdviceRequest(ctx, f.DCO, id)
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
			act     func(t *testing.T, w work) (Actor, string)
			sees    bool // the clinician still sees the child
			request bool // the clinician still reads the request
		}{
			{"the only part reassigned", func(t *testing.T, w work) (Actor, string) {
				must(t, "reassign", s.AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, other.UserID))
				return f.DCO, fmt.Sprintf("contribution=%d reassigned", w.k.ID)
			}, false, false},
			{"the only part given back to its service", func(t *testing.T, w work) (Actor, string) {
				must(t, "unassign", s.AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, 0))
				return f.DCO, fmt.Sprintf("contribution=%d reassigned", w.k.ID)
			}, false, false},
			{"the only part removed", func(t *testing.T, w work) (Actor, string) {
				must(t, "remove", s.RemoveAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version))
				return f.DCO, fmt.Sprintf("contribution=%d removed", w.k.ID)
			}, false, false},
			{"the request returned", func(t *testing.T, w work) (Actor, string) {
				_, err := s.AnswerAdviceContribution(ctx, clin, w.k.ID, w.k.Version, goodAdvice())
				must(t, "answer", err)
				_, err = s.ReturnAdviceRequest(ctx, f.DCO, w.r.ID, version(t, w.r.ID), send.Today(testNow), "")
				must(t, "return", err)
				return f.DCO, fmt.Sprintf("request=%d returned", w.r.ID)
			}, false, true},
			{"the request withdrawn by the LA", func(t *testing.T, w work) (Actor, string) {
				must(t, "withdraw", s.WithdrawAdviceRequest(ctx, f.LA1User, w.r.ID, version(t, w.r.ID), send.Today(testNow)))
				return f.LA1User, fmt.Sprintf("request=%d withdrawn", w.r.ID)
			}, false, true},
			{"one of two parts reassigned", func(t *testing.T, w work) (Actor, string) {
				_, err := s.AddAdviceContribution(ctx, f.DCO, w.r.ID, "paediatrics", clin.UserID)
				must(t, "second part", err)
				must(t, "reassign", s.AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, other.UserID))
				return f.DCO, ""
			}, true, true},
			{"another request about the child still open", func(t *testing.T, w work) (Actor, string) {
				r2 := mustRequest(t, s, f.LA1User, w.c.ID, "2025-05-02", fmt.Sprintf("EHC-X%d", w.c.ID))
				_, err := s.AddAdviceContribution(ctx, f.DCO, r2.ID, "ot", clin.UserID)
				must(t, "part of another request", err)
				must(t, "withdraw", s.WithdrawAdviceRequest(ctx, f.LA1User, w.r.ID, version(t, w.r.ID), send.Today(testNow)))
				return f.LA1User, ""
			}, true, true},
			{"a DCO's own grant, then the part reassigned", func(t *testing.T, w work) (Actor, string) {
				must(t, "grant", s.GrantChildAccess(ctx, f.DCO, w.c.ID, clin.UserID, 0, "Known to the community paediatric team"))
				must(t, "reassign", s.AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, other.UserID))
				return f.DCO, ""
			}, true, false},
			{"the same clinician assigned again", func(t *testing.T, w work) (Actor, string) {
				must(t, "assign again", s.AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, clin.UserID))
				return f.DCO, ""
			}, true, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				w := newWork(t, i)
				if _, err := s.GetChild(ctx, clin, w.c.ID); err != nil {
					t.Fatalf("after assignment: got %v, want the child", err)
				}
				before := countAudit(t, s, "child.revoke", w.c.ID)
				by, why := tc.act(t, w)

				_, err := s.GetChild(ctx, clin, w.c.ID)
				if got := err == nil; got != tc.sees {
					t.Errorf("clinician sees the child: got %v (%v), want %v", got, err, tc.sees)
				}
				if !tc.sees && errs.CodeOf(err) != errs.NotFound {
					t.Errorf("GetChild: got %q, want %q", errs.CodeOf(err), errs.NotFound)
				}
				list, _, err := s.SearchChildren(ctx, clin, ChildFilter{Limit: 1000})
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
				_, err = s.GetAdviceRequest(ctx, clin, w.r.ID)
				if got := err == nil; got != tc.request {
					t.Errorf("clinician reads the request: got %v (%v), want %v", got, err, tc.request)
				}

				rows, _, err := s.ListAudit(ctx, AuditFilter{Action: "child.revoke", ChildID: w.c.ID, Limit: 10})
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
			must(t, "reassign", s.AssignAdviceContribution(ctx, f.DCO, w.k.ID, w.k.Version, other.UserID))
			if _, err := s.GetChild(ctx, other, w.c.ID); err != nil {
				t.Errorf("new clinician: got %v, want the child", err)
			}
			rows, _, err := s.ListAudit(ctx, AuditFilter{Action: "child.grant", ChildID: w.c.ID, Limit: 10})
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
		{EngineSQLite, func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "shared.db") }},
		{EnginePostgres, TestPostgresSchema},
	} {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := e.dsn(t)
			var stores [2]*Store
			for i := range stores {
				s, err := Open(ctx, dsn, slog.New(slog.DiscardHandler))
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
			f := SeedFixture(t, s)
			other := mustClinician(t, s, "other@example.nhs.uk", f.Provider1.ID)
			for round := range 10 {
				c := mustCreate(t, s, f.DCO, child(t, round, f.LA1.ID))
				var parts [2]AdviceContribution
				for i := range parts {
					r := mustRequest(t, s, f.LA1User, c.ID, "2025-05-01", fmt.Sprintf("EHC-P%d-%d", round, i))
					k, err := s.AddAdviceContribution(ctx, f.DCO, r.ID, "salt", f.Clinician.UserID)
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
						errs2[i] = stores[i].AssignAdviceContribution(ctx, f.DCO, k.ID, k.Version, other.UserID)
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
				if n := countAudit(t, s, "child.revoke", c.ID); n != 1 {
					t.Errorf("round %d: child.revoke rows: got %d, want 1", round, n)
				}
			}
		})
	}
}

// A database that had grants made by assignment before grants named their
// part: migrating keeps each clinician's sight of the children they hold
// open work on, ends it for those whose work had closed (audited
// "child.revoke" by dco itself, the hash chain intact), leaves a DCO's own
// grant alone, and from then on the new rule applies to the old work.
func TestWorkGrantsMigration(t *testing.T) {
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
			before := migrationBefore(t, s, "work_grants.sql")
			if err := s.migrate(ctx, before); err != nil {
				t.Fatalf("migrate to %04d: %v", before, err)
			}
			s.Now = func() time.Time { return testNow }
			f := SeedFixture(t, s)
			clin, dco := f.Clinician, f.DCO
			other := mustClinician(t, s, "other@example.nhs.uk", f.Provider1.ID)
			at := fmtTime(testNow)
			exec := func(q string, args ...any) int64 {
				t.Helper()
				var id int64
				if strings.HasPrefix(q, "INSERT") {
					q += " RETURNING id"
					if err := s.wdb.QueryRowContext(ctx, s.rebind(q), args...).Scan(&id); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					return id
				}
				if _, err := s.wdb.ExecContext(ctx, s.rebind(q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return 0
			}
			// As the old code left them: a request, a part, and one grant
			// per clinician and child with the old reason.
			oldWork := func(c Child, state string, assignee Actor) (requestID, partID int64) {
				requestID = exec(`INSERT INTO advice_requests (icb_id, la_id, child_id, received_on, due_on, state, created_at, updated_at)
					VALUES (?, ?, ?, '2025-05-01', '2025-06-12', ?, ?, ?)`, c.ICBID, c.LAID, c.ID, state, at, at)
				partID = exec(`INSERT INTO advice_contributions (request_id, child_id, service, assignee_id, assigned_by, created_at, updated_at)
					VALUES (?, ?, 'salt', ?, ?, ?, ?)`, requestID, c.ID, assignee.UserID, dco.UserID, at, at)
				return requestID, partID
			}
			oldGrant := func(c Child, u Actor, reason string) {
				exec(`INSERT INTO child_access (child_id, user_id, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
					c.ID, u.UserID, reason, dco.UserID, at)
			}
			open := mustCreate(t, s, dco, child(t, 1, f.LA1.ID))     // open work
			closed := mustCreate(t, s, dco, child(t, 2, f.LA1.ID))   // work returned
			moved := mustCreate(t, s, dco, child(t, 3, f.LA1.ID))    // part now someone else's
			explicit := mustCreate(t, s, dco, child(t, 4, f.LA1.ID)) // a DCO's grant, work returned
			openReq, openPart := oldWork(open, "open", clin)
			oldGrant(open, clin, fmt.Sprintf("assigned health advice request %d", openReq))
			closedReq, _ := oldWork(closed, "returned", clin)
			oldGrant(closed, clin, fmt.Sprintf("assigned health advice request %d", closedReq))
			movedReq, _ := oldWork(moved, "open", other)
			oldGrant(moved, clin, fmt.Sprintf("assigned health advice request %d", movedReq))
			oldGrant(moved, other, fmt.Sprintf("assigned health advice request %d", movedReq))
			oldWork(explicit, "returned", clin)
			oldGrant(explicit, clin, "Known to the community paediatric team")

			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			for _, tc := range []struct {
				name   string
				who    Actor
				c      Child
				sees   bool
				revoke bool
			}{
				{"open work", clin, open, true, false},
				{"work returned", clin, closed, false, true},
				{"part reassigned", clin, moved, false, true},
				{"part's new clinician", other, moved, true, false},
				{"a DCO's grant", clin, explicit, true, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := s.GetChild(ctx, tc.who, tc.c.ID)
					if got := err == nil; got != tc.sees {
						t.Errorf("sees the child: got %v (%v), want %v", got, err, tc.sees)
					}
					rows, _, err := s.ListAudit(ctx, AuditFilter{Action: "child.revoke", ChildID: tc.c.ID, Limit: 10})
					if err != nil {
						t.Fatal(err)
					}
					var theirs []AuditEntry
					for _, r := range rows {
						if strings.HasPrefix(r.Detail, fmt.Sprintf("user_id=%d ", tc.who.UserID)) {
							theirs = append(theirs, r)
						}
					}
					want := 0
					if tc.revoke {
						want = 1
					}
					if len(theirs) != want {
						t.Fatalf("child.revoke rows about the user: got %d, want %d", len(theirs), want)
					}
					if want == 1 && (theirs[0].UserID != 0 || theirs[0].Email != System.Email) {
						t.Errorf("child.revoke: got %+v, want by dco itself", theirs[0])
					}
				})
			}
			if _, broken, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
				t.Errorf("audit chain: first broken %d, %v; want intact", broken, err)
			}
			var legacy int
			if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM child_access WHERE "+legacyWorkGrant).Scan(&legacy); err != nil || legacy != 0 {
				t.Errorf("old work grants left: got %d %v, want 0", legacy, err)
			}
			// The new rule applies to the old work.
			var v int64
			if err := s.db.QueryRowContext(ctx, s.rebind("SELECT version FROM advice_contributions WHERE id = ?"), openPart).Scan(&v); err != nil {
				t.Fatal(err)
			}
			if err := s.AssignAdviceContribution(ctx, dco, openPart, v, other.UserID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.GetChild(ctx, clin, open.ID); errs.CodeOf(err) != errs.NotFound {
				t.Errorf("old open part reassigned: got %v, want not_found", err)
			}
			if n, err := s.PendingMigrations(ctx); n != 0 || err != nil {
				t.Errorf("pending: got %d %v, want 0", n, err)
			}
		})
	}
}

// migrationBefore is the number of the migration before the one named
// (after its number) name, so that a test can build the database that one
// finds.
func migrationBefore(t *testing.T, s *Store, name string) int {
	t.Helper()
	ms, err := s.migrations()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if _, rest, _ := strings.Cut(m.name, "_"); rest == name && i > 0 {
			return ms[i-1].version
		}
	}
	t.Fatalf("no migration %s", name)
	return 0
}
