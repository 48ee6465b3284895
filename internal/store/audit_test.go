package store

import (
	"context"
	"errors"
	"sync"
	"testing"

	"dco/internal/errs"
)

func TestAuditChain(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		c := mustCreate(t, s, f.DCO, child(t, 1, f.LA1.ID))
		if err := s.Audit(ctx, AuditEntry{Email: "someone@example.org", Action: "signin.failed", Outcome: OutcomeFailed, Addr: "198.51.100.7"}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.Audit(ctx, AuditEntry{}), errs.Invalid)
		// concurrent writers keep one unbroken chain
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					_, _ = s.GetChild(ctx, f.DCO, c.ID)
				} else {
					_ = s.Audit(ctx, AuditEntry{UserID: f.DCO.UserID, Action: "signin"})
				}
			}()
		}
		wg.Wait()
		checked, broken, err := s.VerifyAudit(ctx)
		if err != nil || broken != 0 {
			t.Fatalf("verify: checked %d, broken %d, %v", checked, broken, err)
		}
		_, total, err := s.ListAudit(ctx, AuditFilter{})
		if err != nil || int64(total) != checked || checked < 30 {
			t.Fatalf("verify checked %d rows, list total %d, %v", checked, total, err)
		}
		page, _, _ := s.ListAudit(ctx, AuditFilter{Limit: 3})
		if len(page) != 3 || page[0].ID != int64(total) || page[0].ID <= page[1].ID {
			t.Errorf("newest first: got ids %d, %d", page[0].ID, page[1].ID)
		}
		failed, n, _ := s.ListAudit(ctx, AuditFilter{Action: "signin.failed"})
		if n != 1 || failed[0].Outcome != OutcomeFailed || failed[0].Addr != "198.51.100.7" || failed[0].At.IsZero() || failed[0].Hash == "" {
			t.Errorf("failed sign-in row: %+v", failed)
		}
		mine, n, _ := s.ListAudit(ctx, AuditFilter{UserID: f.DCO.UserID, Action: "child.view"})
		if n != 10 || mine[0].Role != RoleDCO || mine[0].ChildID != c.ID || mine[0].OrgID != f.ICB.ID {
			t.Errorf("dco views: %d rows, first %+v", n, mine)
		}

		// rows cannot be changed through SQL while the guard is on
		if _, err := s.wdb.ExecContext(ctx, "UPDATE audit_log SET detail = 'x' WHERE id = 3"); err == nil {
			t.Fatal("audit row updated despite the append-only trigger")
		}
		if _, err := s.wdb.ExecContext(ctx, "DELETE FROM audit_log WHERE id = 3"); err == nil {
			t.Fatal("audit row deleted despite the append-only trigger")
		}
		// someone with the database in hand lifts the guard and edits row 5
		tamper := []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET detail = 'nothing to see' WHERE id = 5"}
		if s.Engine() == EnginePostgres {
			tamper[0] = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
		}
		for _, q := range tamper {
			if _, err := s.wdb.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		_, broken, err = s.VerifyAudit(ctx)
		if err != nil || broken != 5 {
			t.Errorf("after tampering with row 5: broken %d, %v", broken, err)
		}
	})
}

func TestAuditDeletedRows(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for range 6 {
			if err := s.Audit(ctx, AuditEntry{Action: "signin"}); err != nil {
				t.Fatal(err)
			}
		}
		lift := "DROP TRIGGER audit_log_no_delete"
		if s.Engine() == EnginePostgres {
			lift = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"
		}
		for _, q := range []string{lift, "DELETE FROM audit_log WHERE id = 6"} {
			if _, err := s.wdb.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if _, broken, _ := s.VerifyAudit(ctx); broken != 6 {
			t.Errorf("last row deleted: broken %d, want 6", broken)
		}
		if _, err := s.wdb.ExecContext(ctx, "DELETE FROM audit_log WHERE id = 3"); err != nil {
			t.Fatal(err)
		}
		if _, broken, _ := s.VerifyAudit(ctx); broken != 4 {
			t.Errorf("row 3 deleted: broken %d, want 4", broken)
		}
	})
}

// TestAuditAtomicity: a change and its audit row stand or fall together.
func TestAuditAtomicity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		c := mustCreate(t, s, f.DCO, child(t, 1, f.LA1.ID))

		// a change refused for a stale version writes no audit row
		stale := c
		stale.Version = 7
		stale.Setting = "Stale"
		wantCode(t, s.UpdateChild(ctx, f.DCO, &stale), errs.Conflict)
		if n := countAudit(t, s, "child.update", c.ID); n != 0 {
			t.Errorf("child.update rows after conflict: got %d", n)
		}

		// a failure after the change, before commit, leaves neither change nor audit
		injected := errors.New("injected failure")
		s.failAfterChange = func() error { return injected }
		upd := c
		upd.Setting = "Changed"
		err := s.UpdateChild(ctx, f.DCO, &upd)
		if !errors.Is(err, injected) {
			t.Fatalf("got %v, want the injected failure", err)
		}
		created := child(t, 2, f.LA1.ID)
		if err := s.CreateChild(ctx, f.DCO, &created); !errors.Is(err, injected) {
			t.Fatalf("create: got %v, want the injected failure", err)
		}
		if err := s.SetSetting(ctx, f.Admin, 0, "k", "v", 0); !errors.Is(err, injected) {
			t.Fatalf("setting: got %v", err)
		}
		s.failAfterChange = nil

		got, _ := s.GetChild(ctx, f.DCO, c.ID)
		if got.Setting != c.Setting || got.Version != 1 {
			t.Errorf("child changed despite failure: %+v", got)
		}
		if n := countAudit(t, s, "child.update", c.ID); n != 0 {
			t.Errorf("child.update rows after failure: got %d", n)
		}
		if n := countAudit(t, s, "child.create", 0); n != 1 {
			t.Errorf("child.create rows: got %d, want 1", n)
		}
		if n, _ := s.CountChildren(ctx, f.DCO); n != 1 {
			t.Errorf("children: got %d, want 1", n)
		}
		if _, err := s.Setting(ctx, f.Admin, 0, "k"); !errs.Is(err, errs.NotFound) {
			t.Errorf("setting stored despite failure: %v", err)
		}
		if _, broken, err := s.VerifyAudit(ctx); broken != 0 || err != nil {
			t.Errorf("chain after rollbacks: broken %d, %v", broken, err)
		}
	})
}

func TestChildAccessLog(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		c := mustCreate(t, s, f.LA1User, child(t, 1, 0))
		other := mustCreate(t, s, f.LA1User, child(t, 2, 0))
		if _, err := s.GetChild(ctx, f.LA1User, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetChild(ctx, f.LA2User, c.ID); !errs.Is(err, errs.NotFound) {
			t.Fatal(err)
		}
		if _, err := s.GetChild(ctx, f.DCO, other.ID); err != nil {
			t.Fatal(err)
		}
		_, err := s.ChildAccessLog(ctx, f.LA1User, c.ID)
		wantCode(t, err, errs.Forbidden)
		log, err := s.ChildAccessLog(ctx, f.DCO, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action+"/"+e.Email)
		}
		want := []string{
			"access.refused/la1@example.gov.uk", // the LA user asking for the log
			"access.refused/la2@example.gov.uk",
			"child.view/la1@example.gov.uk",
			"child.create/la1@example.gov.uk",
		}
		if len(actions) != len(want) {
			t.Fatalf("log: got %v, want %v", actions, want)
		}
		for i := range want {
			if actions[i] != want[i] {
				t.Fatalf("log: got %v, want %v", actions, want)
			}
		}
		if n := countAudit(t, s, "child.access_log", c.ID); n != 1 {
			t.Errorf("child.access_log rows: got %d", n)
		}
		_, err = s.ChildAccessLog(ctx, f.DCO, 99999)
		wantCode(t, err, errs.NotFound)
	})
}
