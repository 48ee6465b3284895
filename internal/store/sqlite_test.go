package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestSQLitePragmas checks that every pooled connection got the DSN's
// pragmas, and that the read pool cannot write.
func TestSQLitePragmas(t *testing.T) {
	s := OpenTestSQLite(t)
	ctx := context.Background()
	check := func(pool string, q string, want string) {
		t.Helper()
		db := s.db
		if pool == "write" {
			db = s.wdb
		}
		var got string
		if err := db.QueryRowContext(ctx, q).Scan(&got); err != nil {
			t.Fatalf("%s %s: %v", pool, q, err)
		}
		if got != want {
			t.Errorf("%s pool %s: got %s, want %s", pool, q, got, want)
		}
	}
	for _, pool := range []string{"read", "write"} {
		check(pool, "PRAGMA journal_mode", "wal")
		check(pool, "PRAGMA foreign_keys", "1")
		check(pool, "PRAGMA synchronous", "2")
		check(pool, "PRAGMA busy_timeout", "10000")
		check(pool, "PRAGMA temp_store", "2")
	}
	check("read", "PRAGMA query_only", "1")
	check("write", "PRAGMA query_only", "0")
	if _, err := s.db.ExecContext(ctx, "INSERT INTO settings (key, value, version, updated_at) VALUES ('a', 'b', 1, 'c')"); err == nil {
		t.Error("the read pool wrote")
	}
}

// TestSQLiteTwoProcesses: two stores on one file (the server and a CLI
// command) writing at once never see SQLITE_BUSY.
func TestSQLiteTwoProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	var stores []*Store
	for range 2 {
		s, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	var wg sync.WaitGroup
	errc := make(chan error, 200)
	for i, s := range stores {
		for j := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range 25 {
					if err := s.SetSetting(ctx, System, 0, fmt.Sprintf("s%d-%d-%d", i, j, k), "v", 0); err != nil {
						errc <- err
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Errorf("concurrent write: %v", err)
	}
	if _, broken, err := stores[0].VerifyAudit(ctx); broken != 0 || err != nil {
		t.Errorf("audit chain across two writers: broken %d, %v", broken, err)
	}
	_, n, _ := stores[1].ListAudit(ctx, AuditFilter{Action: "setting.update"})
	if n != 200 {
		t.Errorf("audit rows: got %d, want 200", n)
	}
}
