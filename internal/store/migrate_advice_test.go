package store_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dco/internal/advice/advicedb"
	"dco/internal/errs"
	"dco/internal/store"
)

// The migrations of the health advice tables (withdrawals in their own
// columns, work grants that name their part) on a database as an older dco
// left it, read back through the workflow's store (internal/advice/advicedb).

var testNow = store.TestNow

func child(t testing.TB, i int, laID int64) store.Child { return store.TestChild(t, i, laID) }

// mustClinician adds a clinician of organisation orgID.
func mustClinician(t *testing.T, s *store.Store, email string, orgID int64) store.Actor {
	t.Helper()
	u := store.User{Email: email, Name: "Clinician " + email, Role: store.RoleClinician, OrgID: orgID}
	if err := s.CreateUser(context.Background(), store.System, &u); err != nil {
		t.Fatalf("create clinician %s: %v", email, err)
	}
	return store.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID, Addr: "192.0.2.1"}
}

// closedColumns are the stored columns that say how a request was closed.
type closedColumns struct {
	State, ReturnedOn, WithdrawnOn, Outcome string
	ReturnedBy, WithdrawnBy                 int64
}

func readClosed(t *testing.T, s *store.Store, id int64) closedColumns {
	t.Helper()
	var c closedColumns
	err := s.ReadDB().QueryRowContext(context.Background(), s.Rebind(`SELECT state, returned_on, withdrawn_on, outcome,
		returned_by, withdrawn_by FROM advice_requests WHERE id = ?`), id).
		Scan(&c.State, &c.ReturnedOn, &c.WithdrawnOn, &c.Outcome, &c.ReturnedBy, &c.WithdrawnBy)
	if err != nil {
		t.Fatalf("read request %d: %v", id, err)
	}
	return c
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
		{store.EngineSQLite, func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "old.db") }},
		{store.EnginePostgres, store.TestPostgresSchema},
	} {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, e.dsn(t), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			before := store.MigrationBefore(t, s, "advice_withdrawn.sql")
			if err := s.MigrateTo(ctx, before); err != nil {
				t.Fatalf("migrate to %04d: %v", before, err)
			}
			s.Now = func() time.Time { return testNow }
			f := store.SeedFixture(t, s)
			at := store.FmtTime(testNow)
			old := func(i int, state, returned, outcome string, by int64) int64 {
				t.Helper()
				c := mustCreate(t, s, f.DCO, child(t, i, f.LA1.ID))
				var id int64
				err := s.WriteDB().QueryRowContext(ctx, s.Rebind(`INSERT INTO advice_requests (icb_id, la_id, child_id, received_on,
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
			got, err := advicedb.New(s).GetAdviceRequest(ctx, f.DCO, withdrawn)
			if err != nil {
				t.Fatal(err)
			}
			if got.WithdrawnOn.String() != "2025-05-09" || !got.ReturnedOn.IsZero() {
				t.Errorf("read after migrating: got withdrawn %q, returned %q; want 2025-05-09, none", got.WithdrawnOn, got.ReturnedOn)
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
		{store.EngineSQLite, func(tb testing.TB) string { return filepath.Join(tb.TempDir(), "old.db") }},
		{store.EnginePostgres, store.TestPostgresSchema},
	} {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, e.dsn(t), slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			before := store.MigrationBefore(t, s, "work_grants.sql")
			if err := s.MigrateTo(ctx, before); err != nil {
				t.Fatalf("migrate to %04d: %v", before, err)
			}
			s.Now = func() time.Time { return testNow }
			f := store.SeedFixture(t, s)
			clin, dco := f.Clinician, f.DCO
			other := mustClinician(t, s, "other@example.nhs.uk", f.Provider1.ID)
			at := store.FmtTime(testNow)
			exec := func(q string, args ...any) int64 {
				t.Helper()
				var id int64
				if strings.HasPrefix(q, "INSERT") {
					q += " RETURNING id"
					if err := s.WriteDB().QueryRowContext(ctx, s.Rebind(q), args...).Scan(&id); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					return id
				}
				if _, err := s.WriteDB().ExecContext(ctx, s.Rebind(q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return 0
			}
			// As the old code left them: a request, a part, and one grant
			// per clinician and child with the old reason.
			oldWork := func(c store.Child, state string, assignee store.Actor) (requestID, partID int64) {
				requestID = exec(`INSERT INTO advice_requests (icb_id, la_id, child_id, received_on, due_on, state, created_at, updated_at)
					VALUES (?, ?, ?, '2025-05-01', '2025-06-12', ?, ?, ?)`, c.ICBID, c.LAID, c.ID, state, at, at)
				partID = exec(`INSERT INTO advice_contributions (request_id, child_id, service, assignee_id, assigned_by, created_at, updated_at)
					VALUES (?, ?, 'salt', ?, ?, ?, ?)`, requestID, c.ID, assignee.UserID, dco.UserID, at, at)
				return requestID, partID
			}
			oldGrant := func(c store.Child, u store.Actor, reason string) {
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
				who    store.Actor
				c      store.Child
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
					rows, _, err := s.ListAudit(ctx, store.AuditFilter{Action: "child.revoke", ChildID: tc.c.ID, Limit: 10})
					if err != nil {
						t.Fatal(err)
					}
					var theirs []store.AuditEntry
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
					if want == 1 && (theirs[0].UserID != 0 || theirs[0].Email != store.System.Email) {
						t.Errorf("child.revoke: got %+v, want by dco itself", theirs[0])
					}
				})
			}
			if _, broken, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
				t.Errorf("audit chain: first broken %d, %v; want intact", broken, err)
			}
			var legacy int
			if err := s.ReadDB().QueryRowContext(ctx, "SELECT count(*) FROM child_access WHERE "+store.LegacyWorkGrant).Scan(&legacy); err != nil || legacy != 0 {
				t.Errorf("old work grants left: got %d %v, want 0", legacy, err)
			}
			// The new rule applies to the old work.
			var v int64
			if err := s.ReadDB().QueryRowContext(ctx, s.Rebind("SELECT version FROM advice_contributions WHERE id = ?"), openPart).Scan(&v); err != nil {
				t.Fatal(err)
			}
			if err := advicedb.New(s).AssignAdviceContribution(ctx, dco, openPart, v, other.UserID); err != nil {
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

// mustCreate is the kernel's test helper (store/testing.go).
var mustCreate = store.MustCreateChild
