package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"dco/internal/errs"
)

// TestGroupCommit holds the committer busy while writers queue, so that they
// are committed as one batch, and proves that a batch behaves as its writers
// one by one would: a writer that fails or panics leaves nothing, the others
// are all durable, and the audit chain is whole.
func TestGroupCommit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		audit := func(action string) func(t *tx) error {
			return func(t *tx) error {
				return t.appendAudit(ctx, entry(f.DCO, action, "test", 0, 0, OutcomeOK, ""))
			}
		}
		release, started := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- s.write(ctx, func(t *tx) error {
				close(started)
				<-release
				return audit("group.first")(t)
			})
		}()
		// The writers of the next batch: good ones, one whose work fails
		// after it has written, one that panics, one whose request has gone,
		// one whose statement fails in the database.
		gone, cancel := context.WithCancel(ctx)
		cancel()
		type writer struct {
			name string
			ctx  context.Context
			fn   func(t *tx) error
			want error
		}
		injected := errs.E(errs.Conflict, "injected")
		writers := []writer{
			{"good-1", ctx, audit("group.good"), nil},
			{"fails", ctx, func(t *tx) error {
				if err := audit("group.failed")(t); err != nil {
					return err
				}
				return injected
			}, injected},
			{"good-2", ctx, audit("group.good"), nil},
			{"panics", ctx, func(t *tx) error {
				if err := audit("group.panicked")(t); err != nil {
					return err
				}
				panic("boom")
			}, errs.E(errs.Internal, "database error")},
			{"gone", gone, audit("group.gone"), context.Canceled},
			// A statement that fails in the database: on PostgreSQL this
			// aborts the transaction until the savepoint is rolled back to.
			{"sql-error", ctx, func(t *tx) error {
				if err := audit("group.sql_error")(t); err != nil {
					return err
				}
				_, err := t.exec(ctx, "SELECT no_such_column FROM audit_head")
				return err
			}, errs.E(errs.Internal, "database error")},
			{"good-3", ctx, audit("group.good"), nil},
		}
		<-started // the first writer holds the committer
		writes0, commits0 := s.WriteStats()
		queued := int64(0)
		got := make([]error, len(writers))
		var wg sync.WaitGroup
		for i, w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i] = s.write(w.ctx, w.fn)
			}()
			if w.ctx.Err() == nil {
				queued++
			}
			waitFor(t, func() bool { return s.group.waiting.Load() == queued })
		}
		close(release)
		wg.Wait()
		if err := <-first; err != nil {
			t.Fatalf("first writer: %v", err)
		}
		for i, w := range writers {
			switch {
			case w.want == nil && got[i] != nil:
				t.Errorf("%s: %v", w.name, got[i])
			case w.want != nil && !errors.Is(got[i], w.want) && errs.CodeOf(got[i]) != errs.CodeOf(w.want):
				t.Errorf("%s: got %v, want %v", w.name, got[i], w.want)
			}
		}
		for action, want := range map[string]int{"group.first": 1, "group.good": 3, "group.failed": 0, "group.panicked": 0, "group.gone": 0, "group.sql_error": 0} {
			if n := countAudit(t, s, action, 0); n != want {
				t.Errorf("%s rows: got %d, want %d", action, n, want)
			}
		}
		if _, broken, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
			t.Errorf("audit chain: broken at %d, %v", broken, err)
		}
		writes, commits := s.WriteStats()
		// The first writer is counted already; the gone one is refused before
		// it queues; the other six share one commit.
		if dw, dc := writes-writes0, commits-commits0; dc != 1 || dw != 6 {
			t.Errorf("writes %d in %d commits; want 6 in 1", dw, dc)
		}
	})
}

// TestGroupCommitManyWriters runs many concurrent writers, each changing one
// child, and checks every change and audit row is there once.
func TestGroupCommitManyWriters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		const n = 40
		ids := make([]int64, n)
		for i := range n {
			ids[i] = mustCreate(t, s, f.DCO, child(t, 100+i, f.LA1.ID)).ID
		}
		var wg sync.WaitGroup
		errc := make(chan error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := s.GetChild(ctx, f.DCO, ids[i])
				if err != nil {
					errc <- err
					return
				}
				c.Setting = fmt.Sprintf("Setting %d", i)
				errc <- s.UpdateChild(ctx, f.DCO, &c)
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Error(err)
			}
		}
		for i, id := range ids {
			c, err := s.GetChild(ctx, f.DCO, id)
			if err != nil || c.Setting != fmt.Sprintf("Setting %d", i) || c.Version != 2 {
				t.Errorf("child %d: %+v %v", i, c, err)
			}
			if got := countAudit(t, s, "child.update", id); got != 1 {
				t.Errorf("child %d: %d update rows", i, got)
			}
		}
		if _, broken, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
			t.Errorf("audit chain: broken at %d, %v", broken, err)
		}
		writes, commits := s.WriteStats()
		t.Logf("%d writes in %d commits", writes, commits)
	})
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(time.Millisecond)
	}
}
