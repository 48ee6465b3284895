package store

import (
	"context"
	"sync"
	"testing"

	"dco/internal/errs"
)

// TestDiskFull is docs/quality-bar.md §5 on SQLite: when the disk fills, writes fail as
// "unavailable" (the web shows 503), nothing that was acknowledged is lost,
// nothing half-done is stored, and writes work again once there is room,
// without a restart. Eight writers run at once, so group commit is tested
// with them.
func TestDiskFull(t *testing.T) {
	s := OpenTestSQLite(t)
	ctx := context.Background()
	f := newFixture(t, s)
	before, err := s.CountChildren(ctx, f.DCO)
	if err != nil {
		t.Fatal(err)
	}
	lift := LimitSQLiteSize(t, s, 40)

	var (
		mu    sync.Mutex
		acked []int64
		next  = 0
		full  = 0
	)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				next++
				i := next
				mu.Unlock()
				if i > 20000 {
					return
				}
				c := child(t, 10000+i, f.LA1.ID)
				c.Setting = "A school with a long name, to fill pages sooner than a short one would"
				err := s.CreateChild(ctx, f.DCO, &c)
				mu.Lock()
				switch {
				case err == nil:
					acked = append(acked, c.ID)
				case errs.Is(err, errs.Unavailable):
					full++
				default:
					t.Errorf("child %d: got %v, want unavailable", i, err)
				}
				stop := full >= 8
				mu.Unlock()
				if stop {
					return
				}
			}
		}()
	}
	wg.Wait()
	if full == 0 {
		t.Fatalf("the database never filled: %d children stored", len(acked))
	}
	t.Logf("%d children stored before the disk filled; %d writes refused", len(acked), full)

	lift()
	// Writes work again, without a restart.
	c := child(t, 99999, f.LA1.ID)
	if err := s.CreateChild(ctx, f.DCO, &c); err != nil {
		t.Fatalf("after room is made: %v", err)
	}
	// Every acknowledged child is there, each with its audit row; nothing
	// else was stored.
	for _, id := range acked {
		if _, err := s.GetChild(ctx, f.DCO, id); err != nil {
			t.Errorf("acknowledged child %d: %v", id, err)
		}
		if n := countAudit(t, s, "child.create", id); n != 1 {
			t.Errorf("child %d: %d child.create rows", id, n)
		}
	}
	after, err := s.CountChildren(ctx, f.DCO)
	if err != nil {
		t.Fatal(err)
	}
	if want := before + len(acked) + 1; after != want {
		t.Errorf("children: got %d, want %d (before %d, acknowledged %d, one after)", after, want, before, len(acked))
	}
	if _, broken, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
		t.Errorf("audit chain: broken at %d, %v", broken, err)
	}
	var ok string
	if err := s.wdb.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check: %q %v", ok, err)
	}
}
